"""The event contract (wardtwin.events): enums that are their stored text, one typed payload per
event type checked when the event is made, the stored mapping given back unchanged, and the
package's place below tours, store and reports."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import wardtwin.events as events_pkg
from wardtwin.errors import UnknownNameError, UsageError
from wardtwin.events import (
    EVENT_TYPES, OUTCOMES, PAYLOADS, ComfortRating, Driver, Event, EventType, Outcome, SessionEnded, StationKind,
    StepCompleted, StepStatus, TourMode,
)


def test_enums_are_their_stored_text():
    assert set(EVENT_TYPES) == {t.value for t in EventType} == set(PAYLOADS)
    assert OUTCOMES == ("completed", "stopped_comfort", "abandoned", "quit")
    assert Outcome.QUIT == "quit" and json.dumps({"o": Outcome.QUIT}) == '{"o": "quit"}'
    assert [s.value for s in StepStatus] == ["completed", "failed", "skipped"]
    assert {d.value for d in Driver} == {"trainee", "autopilot"}
    assert {s.value for s in StationKind} == {"desktop", "vr", "sim"}
    assert {m.value for m in TourMode} == {"guided", "self_directed", "mixed"}


def test_payloads_are_typed_and_give_the_stored_mapping_back():
    data = {"outcome": "quit", "duration_s": 12, "steps": {"completed": 1}, "frames": None, "note": [1]}
    ev = Event("s", 4, "session_ended", 12.0, None, data)
    p = ev.payload
    assert isinstance(p, SessionEnded) and p.outcome is Outcome.QUIT and p.duration_s == 12
    assert p.extra == {"note": [1]} and ev.kind is EventType.SESSION_ENDED
    back = p.to_data()
    assert back == data and list(back) == list(data) and type(back["outcome"]) is str
    made = Event.of("s", 5, 3.0, ComfortRating(fms=3, stop=False), step=2)
    assert made.type == "comfort_rating" and made.data == {"fms": 3, "stop": False}
    assert Event(made.session, 5, EventType.COMFORT_RATING, 3.0, 2, made.data).to_json() == made.to_json()
    assert type(Event("s", 0, EventType.RESUMED, 0.0).type) is str


@pytest.mark.parametrize("type_, data, key", [
    ("comfort_rating", {"fms": "3"}, "fms"),
    ("step_completed", {"duration_s": "4"}, "duration_s"),
    ("step_completed", {"duration_s": 4.0, "hints": 1.5}, "hints"),
    ("step_failed", {"duration_s": 4.0, "reason": 7}, "reason"),
    ("questionnaire", {"instrument": "ssq", "phase": "pre", "answers": [1, 2]}, "answers"),
    ("session_started", {"trainee": None, "station": "vr", "ward": "w", "layout_hash": "h", "tour": "t",
                         "tour_version": "1", "mode": "guided"}, "trainee"),
])
def test_a_wrong_type_names_the_event_type_and_key(type_, data, key):
    with pytest.raises(UsageError, match=f"{type_} event: data key '{key}'"):
        Event("s", 0, type_, 0.0, 0, data)


def test_missing_keys_and_unknown_names():
    with pytest.raises(UsageError, match="step_failed event needs data keys: duration_s, reason"):
        Event("s", 0, "step_failed", 0.0, 0, {})
    with pytest.raises(UnknownNameError, match="station 'kiosk'"):
        Event("s", 0, "session_started", 0.0, None, {"trainee": "T", "station": "kiosk", "ward": "w",
                                                      "layout_hash": "h", "tour": "t", "tour_version": "1",
                                                      "mode": "guided"})
    with pytest.raises(UnknownNameError, match="event type"):
        Event("s", 0, "stepped", 0.0)
    with pytest.raises(UsageError, match="mapping expected"):
        Event("s", 0, "resumed", 0.0, None, [])
    # flags may be stored as 0 / 1 (synthetic sessions)
    assert StepCompleted.from_data({"duration_s": 1.0, "revealed": 0}).revealed == 0


def _wardtwin_imports(package: str) -> list[tuple[str, str]]:
    """``(file, imported wardtwin module)`` for every import in ``wardtwin/<package>/`` (those
    inside functions and under TYPE_CHECKING included)."""
    root = Path(events_pkg.__file__).parent.parent / package
    found = []
    for py in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found.extend((py.name, name) for name in names if name.startswith("wardtwin."))
    return found


def test_events_sit_below_tours_store_and_reports():
    for file, name in _wardtwin_imports("events"):
        assert name.split(".")[1] in ("errors", "events"), f"{file} imports {name}"


def test_metrics_sit_below_store_and_reports():
    """The session fold (metrics/session.py) needs only the scores and the event contract."""
    imports = _wardtwin_imports("metrics")
    assert ("session.py", "wardtwin.events") in imports
    for file, name in imports:
        assert name.split(".")[1] in ("errors", "events", "metrics"), f"{file} imports {name}"


def test_store_imports_nothing_from_reports_or_tours():
    """Layering (DESIGN.md): events -> tours / store -> reports; the store's typed results use
    the fold in wardtwin.metrics, not the reports'."""
    imports = _wardtwin_imports("store")
    assert ("results.py", "wardtwin.metrics.session") in imports
    for file, name in imports:
        assert name.split(".")[1] not in ("reports", "tours", "station", "scene", "cli"), f"{file} imports {name}"
