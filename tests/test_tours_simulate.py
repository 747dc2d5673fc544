"""Headless simulation: shipped tours complete in guided mode, runs are reproducible from the
seed (byte-identical event records), the JSON-lines recorder, and the simulate command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import TINY
from wardtwin.cli import main
from wardtwin.events import Event
from wardtwin.layout import shipped_wards
from wardtwin.tours.recorder import JsonlRecorder, read_events
from wardtwin.tours.simulate import SKILLS, simulate
from wardtwin.tours.validate import check_tour

TINY_TOUR = """kind: tour
version: 1
id: tiny-orientation
name: Tiny orientation
ward: tiny
steps:
  - {type: questionnaire, phase: pre}
  - {type: say, text: Welcome to the tiny ward., at: D-med}
  - {type: go_to, target: "102"}
  - {type: find, item_type: test_cart, hint_after: 5, reveal_after: 10, time_limit: 30}
  - {type: find, category: fire_safety}
  - {type: identify, item: FE-1, choices: [Fire extinguisher, AED], answer: Fire extinguisher}
  - {type: quiz, question: How many exits?, choices: ["1", "2"], answer: "2"}
  - {type: comfort_check}
  - {type: route}
  - {type: route, from: med, to: D-out}
  - {type: questionnaire, phase: post}
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    p = tmp_path_factory.mktemp("tour") / "tiny.yaml"
    p.write_text(TINY_TOUR, encoding="utf-8")
    tour, model, findings = check_tour(TINY, p)
    assert findings == []
    return model, tour, p


@pytest.mark.parametrize("ward", shipped_wards())
def test_shipped_tour_completes_in_guided_mode(ward):
    tour, model, findings = check_tour(ward, "orientation")
    assert findings == []
    report = simulate(model, tour, 3, np.random.default_rng(5), skill="mixed", mode="guided", seed=5)
    assert report.completion_rate == 1.0, report.outcomes
    for s in report.steps:  # every movement step succeeds when the autopilot drives
        if s["type"] in ("go_to", "find", "route"):
            assert s["success_rate"] == 1.0 and s["spl_mean"] == 1.0, s


def _record(model, tour, folder, seed, mode):
    simulate(model, tour, 4, np.random.default_rng(seed), mode=mode, seed=seed,
             sink_factory=lambda sid: JsonlRecorder(folder, sid))
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("mode", ["self_directed", "mixed"])
def test_same_seed_same_events(tiny, tmp_path, mode):
    model, tour, _ = tiny
    a = _record(model, tour, tmp_path / "a", 11, mode)
    b = _record(model, tour, tmp_path / "b", 11, mode)
    c = _record(model, tour, tmp_path / "c", 12, mode)
    assert len(a) == 4 and a == b
    assert a != c
    for name, data in a.items():
        events = [Event.from_dict(json.loads(line)) for line in data.decode().splitlines()]
        assert events[0].type == "session_started" and events[-1].type == "session_ended"
        assert events[0].data["seed"] == 11 and name == f"{events[0].session}.jsonl"


def test_simulated_trainees_behave_by_skill(tiny):
    model, tour, _ = tiny
    rep = {k: simulate(model, tour, 12, np.random.default_rng(3), skill=k, mode="self_directed")
           for k in ("novice", "expert")}
    spl = {k: r.spl["mean"] for k, r in rep.items()}
    assert spl["expert"] > spl["novice"]
    assert rep["expert"].total_time["mean"] < rep["novice"].total_time["mean"]
    assert rep["novice"].steps[3]["hints_mean"] > 0  # the lost ask for hints
    quiz = [s for s in rep["novice"].steps if s["type"] == "quiz"][0]
    assert quiz["success_rate"] < 1.0 and rep["novice"].fail_most


def test_recorder_flushes_each_event_and_survives_a_torn_line(tmp_path, tiny):
    model, tour, _ = tiny
    from wardtwin.tours.engine import Session

    rec = JsonlRecorder(tmp_path, "rec-1")
    s = Session(model, tour, session_id="rec-1", trainee="T", sink=rec.write)
    ev = s.begin()
    lines = (tmp_path / "rec-1.jsonl").read_text().splitlines()  # still open: already on disk
    assert lines == [e.to_json() for e in ev]
    rec.close()
    with open(tmp_path / "rec-1.jsonl", "a") as f:
        f.write('{"id": "torn')  # a crash in the middle of a line
    assert read_events(tmp_path / "rec-1.jsonl") == ev


def test_cli_simulate(tiny, tmp_path, capsys):
    _model, _tour, path = tiny
    out_dir = tmp_path / "events"
    code = main(["simulate", str(TINY), str(path), "--trainees", "3", "--seed", "4", "--format", "json",
                 "--events", str(out_dir), "--mode", "mixed"])
    assert code == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["trainees"] == 3 and data["mode"] == "mixed" and len(data["steps"]) == 11
    assert len(list(out_dir.glob("*.jsonl"))) == 3
    assert captured.err == ""  # no progress bar when stderr is not a terminal
    assert main(["simulate", str(TINY), str(path), "--trainees", "2", "--skill", "expert"]) == 0
    text = capsys.readouterr().out
    assert "completion rate" in text and "real time" in text
    assert main(["simulate", "medsurg-28", str(path), "--trainees", "1"]) == 1  # a tiny tour on another ward
    assert "tour-wrong-ward" in capsys.readouterr().err


def test_skills_are_sane():
    for s in SKILLS.values():
        assert 0 < s.speed <= 1.4 and 0 <= s.know <= 1 and 0 <= s.accuracy <= 1
