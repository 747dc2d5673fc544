"""The tour engine on the tiny ward: SPL against hand-computed cases, line of sight, the comfort
stop rule, hints and reveals at their times, mixed-mode takeover, the event contract, and the
autopilot's comfort limits."""

from __future__ import annotations

import math

import pytest

from conftest import TINY
from wardtwin.errors import UnknownNameError, UsageError
from wardtwin.events import EVENT_TYPES, Event
from wardtwin.layout import load_ward
from wardtwin.metrics.scores import SSQ_ITEMS
from wardtwin.model import compile_ward
from wardtwin.tours.autopilot import SUBSTEP, Autopilot
from wardtwin.tours.engine import Session
from wardtwin.tours.load import load_tour
from wardtwin.tours.sight import Navigator, in_view
from wardtwin.angles import bearing, wrap_angle
from wardtwin.tours.spec import ComfortSettings, Pose
from wardtwin.tours.steps import step_type

NORTH, SOUTH = 0.0, math.pi


@pytest.fixture(scope="module")
def model():
    layout, _ = load_ward(TINY)
    return compile_ward(layout)


@pytest.fixture
def tour(tmp_path):
    def make(steps: str, head: str = ""):
        p = tmp_path / "t.yaml"
        p.write_text(f"kind: tour\nversion: 1\nid: t\nname: T\nward: tiny\n{head}steps:\n{steps}", encoding="utf-8")
        t, findings = load_tour(p)
        assert t is not None and not [f for f in findings if f.severity.blocks], findings
        return t
    return make


def session(model, tour, **kw):
    kw.setdefault("session_id", "test-session")
    kw.setdefault("trainee", "T-1")
    return Session(model, tour, **kw)


def of(events, type_):
    return [e for e in events if e.type == type_]


def test_spl_hand_computed_success(model, tour):
    # start (3, 6.3) in the corridor; FE-1 hangs on the north wall at (5.5, 7.4) facing south, 0.25 m
    # square: its front edge is y = 7.275, and a person stands there to use it: l = |(2.5, 0.975)|.
    t = tour("  - {type: find, item: FE-1, radius: 1.5}\n", head="mode: self_directed\n")
    s = session(model, t, start="3,6.3")
    ev = s.begin()
    s.step(1.0, Pose(3.0, 5.6, SOUTH))  # 0.7 m south: the item is behind
    assert not of(s.step(2.0, Pose(5.5, 6.3, SOUTH)), "step_completed")  # within 1.5 m, but looking away
    ev = s.step(0.5, Pose(5.5, 6.3, NORTH))  # turns round: found
    done = of(ev, "step_completed")[0].data
    shortest = math.hypot(2.5, 0.975)
    walked = 0.7 + math.hypot(2.5, 0.7)
    assert done["shortest_m"] == pytest.approx(shortest, abs=2e-3)
    assert done["walked_m"] == pytest.approx(walked, abs=1e-3)
    assert done["spl"] == pytest.approx(shortest / walked, abs=1e-3)
    assert done["soft_spl"] == pytest.approx(shortest / walked, abs=1e-3)  # at the goal: no distance left
    assert done["duration_s"] == 3.5 and done["hints"] == 0
    assert of(ev, "session_ended")[0].data["outcome"] == "completed"


def test_soft_spl_hand_computed_failure(model, tour):
    t = tour("  - {type: find, item: FE-1, hint_after: 50, reveal_after: 50, time_limit: 60}\n",
             head="mode: self_directed\n")
    s = session(model, t, start="3,6.3")
    s.begin()
    s.step(1.0, Pose(4.0, 6.3, SOUTH))  # 1 m east, then waits facing away
    ev = []
    while not s.ended:
        ev += s.step(5.0)
    failed = of(ev, "step_failed")[0]
    shortest = math.hypot(2.5, 0.975)
    remaining = math.hypot(1.5, 0.975)
    assert failed.data["reason"] == "time_limit" and failed.t == 60.0
    assert failed.data["spl"] == 0.0
    assert failed.data["soft_spl"] == pytest.approx((1 - remaining / shortest) * shortest / shortest, abs=2e-3)


def test_item_behind_a_wall_is_not_found(model, tour):
    # CC-1 stands in the medication room at (1.0, 10.0); the corridor's north wall (y = 7.6, door at
    # x = 3.6) is between it and a trainee in the corridor at (1.0, 7.2), 2.5 m from its footprint
    t = tour("  - {type: find, item: CC-1, radius: 3.0, time_limit: 100, hint_after: 90, reveal_after: 95}\n",
             head="mode: self_directed\n")
    s = session(model, t, start="1,7.2")
    s.begin()
    nav = Navigator(model)
    behind = Pose(1.0, 7.2, NORTH)
    assert nav.target("CC-1").distance(behind.xy) < 3.0
    assert not in_view(model, behind, nav.target("CC-1"))
    for _ in range(10):
        assert not of(s.step(1.0, behind), "step_completed")
    ev = s.step(1.0, Pose(1.0, 8.2, NORTH))  # through the door, in the room: in view
    assert of(ev, "step_completed")[0].data["success"] is True
    # and in view through the open door, from the corridor
    sight = nav.target("CC-1").sight
    assert in_view(model, Pose(3.6, 7.3, bearing(1.0 - 3.6, 10.0 - 7.3)), nav.target("CC-1"))
    assert not in_view(model, Pose(3.6, 6.3, bearing(1.0 - 3.6, 10.0 - 6.3)), nav.target("CC-1"))  # jamb
    assert sight == pytest.approx((1.0, 9.8625))


def test_gaze_decides_not_heading(model, tour):
    t = tour("  - {type: find, item: FE-1}\n", head="mode: self_directed\n")
    s = session(model, t, start="5.5,6.5")
    s.begin()
    assert not of(s.step(0.1, Pose(5.5, 6.5, NORTH, gaze=SOUTH)), "step_completed")
    assert of(s.step(0.1, Pose(5.5, 6.5, SOUTH, gaze=NORTH)), "step_completed")


def test_hints_and_reveal_fire_at_their_times(model, tour):
    t = tour("  - {type: say, text: hello, duration: 2.3}\n"
             "  - {type: find, item: CC-1, hint_after: 5, reveal_after: 10, time_limit: 30}\n",
             head="mode: self_directed\n")
    s = session(model, t, start="3,6.3")
    ev = s.begin()
    while not s.ended:
        ev += s.step(0.7, Pose(3.0, 6.3, SOUTH))
    start = of(ev, "step_started")[1].t
    assert start == pytest.approx(2.3)
    hint, reveal, fail = of(ev, "hint_shown")[0], of(ev, "answer_revealed")[0], of(ev, "step_failed")[0]
    assert hint.t == pytest.approx(start + 5) and hint.data["hint"] == "Look in Medication room."
    assert hint.data["path"][-1] == pytest.approx(list(model.place("CC-1")), abs=0.01)
    assert reveal.t == pytest.approx(start + 10) and reveal.data["item"] == "CC-1"
    assert fail.t == pytest.approx(start + 30) and fail.data["hints"] == 1 and fail.data["revealed"] is True
    assert fail.data["duration_s"] == pytest.approx(30)


def test_requested_hint(model, tour):
    t = tour("  - {type: find, item: CC-1}\n", head="mode: self_directed\n")
    s = session(model, t)
    s.begin()
    s.step(1.0)
    ev = s.request_hint()
    assert of(ev, "hint_shown")[0].data["requested"] is True and ev[0].t == 1.0
    assert s.request_hint() == []  # one hint per step


def test_mixed_mode_takes_over_after_the_limit(model, tour):
    t = tour("  - {type: find, item: CC-1, hint_after: 2, reveal_after: 3, time_limit: 4}\n"
             "  - {type: say, text: next}\n", head="mode: mixed\n")
    s = session(model, t, start="3,6.3")
    ev = s.begin()
    assert s.driver == "trainee"
    for _ in range(5):
        ev += s.step(1.0, Pose(3.0, 6.3, SOUTH))
    failed = of(ev, "step_failed")[0]
    assert failed.t == 4.0 and failed.data["takeover"] is True
    assert s.driver == "autopilot" and s.index == 0
    while s.index == 0:
        ev += s.step(0.5)
    assert math.hypot(*(a - b for a, b in zip(s.pose.xy, model.place("CC-1")))) < 0.05
    assert of(ev, "step_started")[-1].data["kind"] == "say"


def test_comfort_stop_rule_ends_the_session(model, tour):
    t = tour("  - {type: comfort_check}\n  - {type: comfort_check}\n  - {type: say, text: never}\n")
    s = session(model, t)
    s.begin()
    ev = s.step(1.0, answer=14)
    assert of(ev, "comfort_rating")[0].data == {"fms": 14, "stop_at": 15, "stop": False}
    assert not s.ended
    ev = s.step(1.0, answer=15)
    assert [e.type for e in ev] == ["comfort_rating", "step_completed", "session_ended"]
    assert ev[-1].data["outcome"] == "stopped_comfort" and s.outcome == "stopped_comfort"
    assert ev[-1].data["steps"] == {"completed": 2, "failed": 0, "skipped": 0, "total": 3}
    assert s.step(1.0) == []


def test_comfort_stop_rule_can_pause(model, tour):
    t = tour("  - {type: comfort_check, stop_at: 12, action: pause}\n  - {type: say, text: bye}\n")
    s = session(model, t)
    s.begin()
    ev = s.step(1.0, answer=13)
    assert [e.type for e in ev] == ["comfort_rating", "paused"] and s.paused
    s.step(120.0)
    assert s.resume()[0].type == "resumed" and s.waiting == "fms"
    ev = s.step(1.0, answer=4)
    assert of(ev, "step_completed")[0].data["duration_s"] == 2.0  # the pause is not step time
    while not s.ended:
        s.step(1.0)
    assert s.outcome == "completed"


def test_quiz_identify_questionnaire_answers(model, tour):
    t = tour("  - {type: quiz, question: q, choices: [a, b, c], answer: b}\n"
             "  - {type: quiz, question: q, choices: [a, b], answer: a, time_limit: 5}\n"
             "  - {type: identify, item: FE-1, choices: [AED, Fire extinguisher], answer: Fire extinguisher}\n"
             "  - {type: questionnaire, phase: post}\n", head="mode: self_directed\n")
    s = session(model, t)
    s.begin()
    with pytest.raises(UsageError):
        s.step(0.1, answer="z")
    ev = s.step(1.0, answer=1)
    assert of(ev, "step_completed")[0].data["answer"] == "b"
    ev = s.step(6.0, answer="b")  # too late: the limit passed first
    assert of(ev, "step_failed")[0].data["reason"] == "time_limit"
    ev = s.step(1.0, answer="AED")
    assert of(ev, "step_failed")[0].data == {**of(ev, "step_failed")[0].data, "reason": "wrong_answer",
                                             "answer": "AED", "correct": "Fire extinguisher"}
    answers = {k: 0 for k in SSQ_ITEMS} | {"nausea": 2, "vertigo": 1}
    ev = s.step(1.0, answer=answers)
    q = of(ev, "questionnaire")[0].data
    assert q["phase"] == "post" and q["scores"]["total"] == pytest.approx((2 + 0 + 3) * 3.74)
    assert s.outcome == "completed"


def test_skip_quit_and_event_contract(model, tour):
    t = tour("  - {type: say, text: a}\n  - {type: go_to, target: med}\n  - {type: say, text: b}\n")
    s = session(model, t, seed=7)
    ev = s.begin()
    ev += s.skip()
    ev += s.step(0.5)
    ev += s.quit()
    assert [e.type for e in ev][-1] == "session_ended" and s.outcome == "quit"
    assert [e.seq for e in ev] == list(range(len(ev)))
    assert all(a.t <= b.t for a, b in zip(ev, ev[1:]))
    started = ev[0].data
    assert started["layout_hash"] and started["seed"] == 7 and started["comfort"]["max_speed"] == 1.4
    for e in ev:
        assert Event.from_dict(e.to_dict()) == e and e.type in EVENT_TYPES
    assert of(ev, "step_skipped")[0].step == 0


def test_guided_go_to_is_a_perfect_ride(model, tour):
    t = tour("  - {type: go_to, target: med}\n")
    s = session(model, t, start="101")
    s.begin()
    ev = []
    while not s.ended:
        ev += s.step(0.1)
    d = of(ev, "step_completed")[0].data
    r = model.route(model.place("101"), model.place("med"))
    assert d["shortest_m"] == pytest.approx(r.length, abs=1e-3) and d["walked_m"] == pytest.approx(r.length, abs=1e-3)
    assert d["spl"] == 1.0
    motion = ev[-1].data["motion"]
    assert motion["path_m"] == pytest.approx(r.length, abs=1e-3) and motion["peak_speed_mps"] <= 1.4 + 1e-9


def test_bad_arguments(model, tour):
    t = tour("  - {type: say, text: a}\n")
    with pytest.raises(UnknownNameError):
        session(model, t, mode="solo")
    with pytest.raises(UsageError):
        session(model, t).step(-1)
    with pytest.raises(UnknownNameError, match="valid: comfort_check, find"):
        step_type("fnd")
    with pytest.raises(UsageError):
        ComfortSettings(max_speed=2.0)


def _drive(settings, path, face=None):
    ap = Autopilot(settings, Pose(path[0][0], path[0][1], NORTH))
    ap.follow(path, face=face)
    poses, motions = [ap.pose], []
    for _ in range(4000):
        if not ap.busy:
            break
        motions.append(ap.advance(SUBSTEP))
        poses.append(ap.pose)
    assert not ap.busy
    return ap, poses, motions


PATH = [(0, 0), (0, 4), (3, 4), (3.5, 4.6), (6, 4.6), (6, 0)]


def test_autopilot_smooth_limits():
    st = ComfortSettings(max_speed=1.1, acceleration=0.8, yaw_rate=math.radians(45))
    ap, poses, motions = _drive(st, PATH, face=(10, 0))
    speeds = [math.hypot(b.x - a.x, b.y - a.y) / SUBSTEP for a, b in zip(poses, poses[1:])]
    yaw = [abs(wrap_angle(b.heading - a.heading)) / SUBSTEP for a, b in zip(poses, poses[1:])]
    assert max(speeds) <= 1.1 + 1e-9 and max(speeds) > 1.05
    assert max(yaw) <= math.radians(45) + 1e-9
    acc = [abs(b - a) / SUBSTEP for a, b in zip(speeds, speeds[1:])]
    assert max(acc) <= 0.8 * 1.15  # the last sub-step of an arrival may be partial
    assert sum(1 for a in acc if a > 0.8 + 1e-6) <= len(PATH) - 1  # at most once per stop
    assert ap.pose.xy == pytest.approx((6, 0)) and ap.pose.heading == pytest.approx(-math.pi / 2)
    assert sum(m.snaps for m in motions) == 0


def test_autopilot_snap_turns():
    st = ComfortSettings(turn="snap", snap_angle=math.radians(45), snap_interval=0.3)
    ap, poses, motions = _drive(st, PATH, face=(10, 0))
    turns = [wrap_angle(b.heading - a.heading) for a, b in zip(poses, poses[1:])]
    changes = [i for i, d in enumerate(turns) if abs(d) > 1e-9]
    assert changes and all(abs(abs(turns[i]) - math.radians(45)) < 1e-9 for i in changes)
    assert all(b - a >= round(0.3 / SUBSTEP) for a, b in zip(changes, changes[1:]))  # debounce
    assert sum(m.snaps for m in motions) == len(changes) and sum(m.yaw for m in motions) == 0
    assert abs(wrap_angle(math.atan2(-(10 - 6), 0) - ap.pose.heading)) <= math.radians(22.5) + 1e-9


def test_session_motion_exposure_snap(model, tour):
    t = tour("  - {type: go_to, target: med}\n  - {type: route, from: \"102\"}\n")
    s = session(model, t, settings=ComfortSettings(turn="snap", max_speed=1.0), start="101")
    ev = s.begin()
    while not s.ended:
        ev += s.step(0.25)
    m = ev[-1].data["motion"]
    assert m["snap_turns"] > 0 and m["peak_yaw_rate_dps"] == 0 and m["teleports"] == 1
    assert m["peak_speed_mps"] <= 1.0 + 1e-9 and 0 < m["mean_speed_mps"] <= 1.0
