"""The events a tour session emits: the contract between the tour engine (which emits them),
the session store (which keeps them) and the reports (which read them).

An event is plain data. Its ``id`` is derived from the session id and its sequence number,
so writing the same event twice (a replay, a sync) can never create a duplicate. Times are
seconds since the session started, on the engine's own clock (never the wall clock).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Mapping

from wardtwin.errors import UnknownNameError, UsageError

#: Namespace of event ids (uuid5 of "<session>:<seq>").
EVENT_NAMESPACE = uuid.UUID("6f1d6c1e-3f3b-4c43-9d87-6a2d2f1b5e01")

#: Event type -> data keys it must carry. More keys are allowed.
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    # trainee, role, station (desktop | vr | sim), ward, layout_hash, tour, tour_version, mode,
    # comfort (settings), seed (simulations)
    "session_started": ("trainee", "station", "ward", "layout_hash", "tour", "tour_version", "mode"),
    # kind, id, title, target (the item, type, category, place or exit the step is about)
    "step_started": ("kind",),
    "hint_shown": ("hint",),
    "answer_revealed": (),
    # success, duration_s, hints, revealed, walked_m, shortest_m, spl, soft_spl, answer (quiz/identify)
    "step_completed": ("duration_s",),
    "step_failed": ("duration_s", "reason"),
    "step_skipped": ("reason",),
    "comfort_rating": ("fms",),
    # instrument ("ssq"), phase ("pre" | "post"), answers {item: 0-3}, scores {nausea, ...}
    "questionnaire": ("instrument", "phase", "answers"),
    "paused": ("reason",),
    "resumed": (),
    # outcome (completed | stopped_comfort | abandoned | quit), duration_s, motion {exposure},
    # frames {count, over_budget_11ms, over_budget_14ms, p95_ms} where a station measured them
    "session_ended": ("outcome", "duration_s"),
}
OUTCOMES = ("completed", "stopped_comfort", "abandoned", "quit")


def event_id(session: str, seq: int) -> str:
    """The stable id of event number ``seq`` of ``session``."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{session}:{seq}"))


@dataclass(frozen=True)
class Event:
    """One thing that happened in a session. ``t``: seconds since the session started;
    ``step``: index of the tour step it belongs to (None for session-level events)."""

    session: str
    seq: int
    type: str
    t: float
    step: int | None = None
    data: Mapping = field(default_factory=dict)

    def __post_init__(self):
        if self.type not in EVENT_TYPES:
            raise UnknownNameError("event type", self.type, EVENT_TYPES)
        missing = [k for k in EVENT_TYPES[self.type] if k not in self.data]
        if missing:
            raise UsageError(f"{self.type} event needs data keys: {', '.join(missing)}")
        if self.type == "session_ended" and self.data["outcome"] not in OUTCOMES:
            raise UnknownNameError("session outcome", self.data["outcome"], OUTCOMES)

    @property
    def id(self) -> str:
        return event_id(self.session, self.seq)

    def to_dict(self) -> dict:
        return {"id": self.id, "session": self.session, "seq": self.seq, "type": self.type,
                "t": round(self.t, 6), "step": self.step, "data": dict(self.data)}

    def to_json(self) -> str:
        """One line of JSON (keys sorted: byte-identical for equal events)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: Mapping) -> "Event":
        ev = cls(d["session"], int(d["seq"]), d["type"], float(d["t"]), d.get("step"), d.get("data") or {})
        if "id" in d and d["id"] != ev.id:
            raise UsageError(f"event {d['session']}#{d['seq']}: id {d['id']} does not match its session and seq")
        return ev
