"""Issue 19: a session records its tour's ``pass_mark`` when it starts, and the xAPI report judges
passed/failed by it unless ``--pass-mark`` is given; sessions without one (their tour sets none,
or they predate the record) are judged at 0.8."""

from __future__ import annotations

import json

import pytest

from conftest import TINY
from test_reports_sql import _ev, _write
from test_store_support import started
from wardtwin.cli import main
from wardtwin.layout import load_ward
from wardtwin.model import compile_ward
from wardtwin.reports.xapi import EXT, VERBS
from wardtwin.store import open_store
from wardtwin.tours.engine import Session
from wardtwin.tours.load import load_tour


def _tour(tmp_path, head: str):
    p = tmp_path / "t.yaml"
    p.write_text(f"kind: tour\nversion: 1\nid: t\nname: T\nward: tiny\n{head}steps:\n"
                 "  - {type: quiz, id: q1, question: Which?, choices: [a, b], answer: a}\n", encoding="utf-8")
    t, _ = load_tour(p)
    assert t is not None
    return t


@pytest.mark.parametrize("head, recorded", [("pass_mark: 0.6\n", 0.6), ("", None)])
def test_the_session_records_its_tours_pass_mark(tmp_path, head, recorded):
    layout, _ = load_ward(TINY)
    s = Session(compile_ward(layout), _tour(tmp_path, head), session_id="s", trainee="T-1")
    first = s.begin()[0]
    assert first.type == "session_started" and first.data.get("pass_mark") == recorded
    assert ("pass_mark" in first.data) == (recorded is not None)


def _session(sid: str, trainee: str, passed: int, **more) -> list[tuple]:
    """A completed session of 4 steps, ``passed`` of them passed."""
    evs = [_ev(sid, 0, "session_started", 0, **started(sid, trainee=trainee, steps=4, **more))]
    for k in range(4):
        evs.append(_ev(sid, len(evs), "step_started", 1 + k, k, kind="quiz", id=f"q{k}"))
        evs.append(_ev(sid, len(evs), "step_completed", 2 + k, k, success=k < passed))
    evs.append(_ev(sid, len(evs), "session_ended", 9, outcome="completed", duration_s=9.0))
    return evs


def _verdicts(path) -> dict:
    stmts = json.loads(path.read_text(encoding="utf-8"))
    return {s["context"]["extensions"][EXT + "session"]: (s["verb"]["id"], s["result"]["extensions"][EXT + "pass_mark"])
            for s in stmts if s["verb"]["id"] in (VERBS["passed"], VERBS["failed"]) and "/steps/" not in s["object"]["id"]}


def test_the_report_judges_by_the_recorded_pass_mark_unless_told_another(tmp_path, capsys):
    db = tmp_path / "s.db"
    with open_store(db) as st:
        _write(st, _session("a", "T-a", 2, pass_mark=0.5), "2026-01-05T08:00:00.000000Z")  # 50%: passes at 0.5
        _write(st, _session("b", "T-b", 3), "2026-01-05T09:00:00.000000Z")  # 75%, no mark: fails at 0.8
    assert main(["report", "--db", str(db), "--format", "xapi", "-o", str(tmp_path / "own.json")]) == 0
    assert _verdicts(tmp_path / "own.json") == {"a": (VERBS["passed"], 0.5), "b": (VERBS["failed"], 0.8)}
    assert main(["report", "--db", str(db), "--format", "xapi", "--pass-mark", "70%", "-o",
                 str(tmp_path / "given.json")]) == 0
    assert _verdicts(tmp_path / "given.json") == {"a": (VERBS["failed"], 0.7), "b": (VERBS["passed"], 0.7)}
    capsys.readouterr()
