"""A tour at the desktop station: the station-neutral player (keys to answers, forms, pause and
quit, hints with breadcrumbs and a guide arrow, the end summary), the scripted trainee, and the
offscreen station recording a session into the store, with its pixels checked."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from conftest import TINY
from wardtwin.cli import main
from wardtwin.errors import UsageError, WardtwinError
from wardtwin.metrics.scores import SSQ_ITEMS
from wardtwin.station.frames import FrameStats
from wardtwin.station.locomotion import Walker
from wardtwin.station.tourbot import ScriptedTrainee
from wardtwin.station.tourplay import TourPlayer, breadcrumbs, lookahead
from wardtwin.tours.engine import Session
from wardtwin.tours.spec import Pose
from wardtwin.tours.validate import check_tour

TOUR = Path(__file__).parent / "tours" / "tiny-station.yaml"
DT = 0.1


@pytest.fixture(scope="module")
def ward():
    tour, model, findings = check_tour(TINY, TOUR)
    assert tour is not None and not [f for f in findings if f.severity.blocks], findings
    return model, tour


def player_for(ward, **kw):
    model, tour = ward
    kw.setdefault("session_id", "station-test")
    kw.setdefault("trainee", "T-1")
    kw.setdefault("station", "desktop")
    return TourPlayer(Session(model, tour, **kw))


def types(events):
    return [e.type for e in events]


def drive(player, bot, limit_s=600.0):
    """The desktop station's frame loop without rendering: the bot's keys, then a walk frame."""
    model = player.session.model
    walker = Walker(model.walkable, bot.settings)
    p = player.session.pose
    state = walker.start(p.x, p.y, p.heading)
    t = 0.0
    while not player.closed and t < limit_s:
        inputs, keys = bot.poll(player, state, DT)
        for k in keys:
            player.key(k)
        state = player.walk(DT, walker, state, inputs)
        t += DT
    return state


# -- pure pieces --------------------------------------------------------------------------

def test_breadcrumbs_every_metre_and_the_end():
    pts = breadcrumbs([(0, 0), (2.5, 0), (2.5, 1.2)])
    assert pts[:2] == [(1.0, 0.0), (2.0, 0.0)]
    assert pts[2] == pytest.approx((2.5, 0.5))
    assert pts[-1] == (2.5, 1.2)
    gaps = [math.dist(a, b) for a, b in zip(pts, pts[1:-1])]
    assert all(g <= 1.0 + 1e-9 for g in gaps)


def test_lookahead_follows_the_path_round_a_corner():
    path = [(0, 0), (4, 0), (4, 4)]
    (x, y), left = lookahead(path, (1.0, 0.3), ahead=1.5)
    assert (x, y) == pytest.approx((2.5, 0.0)) and left == pytest.approx(7.0)
    (x, y), left = lookahead(path, (3.5, 0.0), ahead=1.5)  # round the corner: 0.5 m east, 1 m north
    assert (x, y) == pytest.approx((4.0, 1.0)) and left == pytest.approx(4.5)
    assert lookahead([], (0, 0)) is None


def test_frame_stats_count_budget_misses():
    f = FrameStats()
    for ms in (5, 10, 12, 20, 9):
        f.add(ms / 1000)
    s = f.summary()
    assert (s.count, s.over_budget_11ms, s.over_budget_14ms) == (5, 2, 1)
    assert s.mean_ms == pytest.approx(11.2) and s.max_ms == pytest.approx(20.0)
    with pytest.raises(UsageError):
        f.add(-1)


# -- the player: keys become answers ------------------------------------------------------

def test_ssq_form_keys_give_the_answers(ward):
    pl = player_for(ward)
    assert pl.panel.kind == "ssq" and pl.modal and not pl.moving_allowed
    for k in ("down", "down", "2", "up", "up", "right", "right", "right", "right"):  # headache 2, fatigue 3 (capped)
        pl.key(k)
    rows = dict(pl.panel.rows)
    assert rows["headache"] == 2 and rows["fatigue"] == 3 and sum(rows.values()) == 5
    pl.key("enter")
    q = [e for e in pl.frame(DT) if e.type == "questionnaire"][0]
    assert q.data["answers"] == {**{k: 0 for k in SSQ_ITEMS}, "headache": 2, "fatigue": 3}
    assert pl.panel.kind == "say"


def test_choice_and_fms_keys(ward):
    pl = player_for(ward)
    pl.key("n")
    pl.key("n")
    pl.key("n")  # ssq, say, find: now the quiz
    assert pl.panel.kind == "choice" and pl.panel.choices == ("Red", "Blue", "Green")
    pl.key("3")
    pl.key("up")
    assert pl.panel.selected == 1
    pl.key("enter")
    done = [e for e in pl.frame(DT) if e.type in ("step_completed", "step_failed")][0]
    assert done.type == "step_failed" and done.data["answer"] == "Blue"
    assert any("The answer is: Red" in t.text for t in pl.toasts())
    assert pl.panel.kind == "fms"
    for k in ("1", "9", "9", "backspace"):  # 19, then 199 is too much: restarts at 9, deleted
        pl.key(k)
    for k in ("1", "2", "left", "enter"):  # 12 typed, then one less
        pl.key(k)
    rating = [e for e in pl.frame(DT) if e.type == "comfort_rating"][0]
    assert rating.data["fms"] == 11


def test_pause_quit_question_and_summary(ward):
    pl = player_for(ward)
    pl.key("escape")
    assert pl.panel.kind == "confirm_quit"
    pl.frame(5.0)  # the session waits while the question is up
    assert pl.session.t == 0.0
    pl.key("n")
    assert pl.panel.kind == "ssq"
    pl.key("n")
    pl.key("p")
    assert pl.panel.kind == "paused" and pl.session.paused
    pl.key("enter")
    assert not pl.session.paused
    pl.key("escape")
    pl.key("y")
    ev = pl.frame(DT)
    assert types(ev)[-1] == "session_ended" and ev[-1].data["outcome"] == "quit"
    assert types(pl.events).count("paused") == 1 and types(pl.events).count("resumed") == 1
    assert pl.panel.kind == "summary" and "You left the tour" in pl.panel.text
    assert pl.summary.skipped == 1 and pl.summary.review == [("Before", "skipped")]
    pl.key("enter")
    assert pl.closed


def test_hint_gives_breadcrumbs_and_a_guide_arrow(ward):
    pl = player_for(ward)
    pl.key("n")
    pl.key("n")
    assert pl.panel.kind == "task" and pl.session.current.id == "extinguisher"
    assert pl.guide(pl.session.pose) is None
    pl.key("h")
    hint = [e for e in pl.frame(DT) if e.type == "hint_shown"] or [e for e in pl.events if e.type == "hint_shown"]
    assert hint and hint[0].data["requested"] is True
    assert pl.breadcrumbs and pl.breadcrumbs[-1] == pytest.approx(tuple(hint[0].data["path"][-1]), abs=0.01)
    # from the corridor centre (3.6, 6.3) the extinguisher at (5.5, 7.4) is to the east: facing
    # north, the arrow points to the right (negative: clockwise)
    bearing, left = pl.guide(Pose(3.6, 6.3, 0.0))
    assert -math.pi / 2 - 0.6 < bearing < -math.pi / 2 + 0.6 and left > 1.0
    bearing, _ = pl.guide(Pose(3.6, 6.3, -math.pi / 2))  # facing east: straight ahead
    assert abs(bearing) < 0.6
    pl.key("n")
    assert pl.breadcrumbs == [] and pl.guide(pl.session.pose) is None


def test_unknown_keys_and_bad_answers_are_usage_errors(ward):
    pl = player_for(ward)
    with pytest.raises(UsageError, match="one of"):
        pl.key("f13")
    with pytest.raises(UsageError):
        pl.set_symptom("nausea", 4)


# -- the scripted trainee -----------------------------------------------------------------

def test_scripted_trainee_completes_the_tour_walking(ward):
    model, _ = ward
    pl = player_for(ward)
    drive(pl, ScriptedTrainee(model, ssq={"nausea": 1}))
    s = pl.session
    assert s.outcome == "completed" and pl.summary.completed == len(s.tour.steps)
    walks = [e.data for e in pl.events if e.type == "step_completed" and "walked_m" in e.data]
    assert len(walks) == 3 and all(w["walked_m"] > 0.5 for w in walks)
    pre = [e for e in pl.events if e.type == "questionnaire"][0]
    assert pre.data["answers"]["nausea"] == 1


def test_scripted_trainee_wrong_answer_skip_and_comfort_pause(ward):
    model, _ = ward
    pl = player_for(ward)
    drive(pl, ScriptedTrainee(model, wrong={"quiz"}, skip={"cart"}, fms=[16, 4]))
    st = {r.id: r.status for r in pl.session.results}
    assert st["quiz"] == "failed" and st["cart"] == "skipped" and pl.session.outcome == "completed"
    ratings = [e.data["fms"] for e in pl.events if e.type == "comfort_rating"]
    assert ratings == [16, 4]  # over the stop rule: paused, resumed, asked again
    assert [e.data["reason"] for e in pl.events if e.type == "paused"] == ["comfort"]


def test_scripted_trainee_quits(ward):
    model, _ = ward
    pl = player_for(ward)
    drive(pl, ScriptedTrainee(model, quit_at="quiz"))
    assert pl.session.outcome == "quit" and pl.summary.completed == 3


# -- the offscreen station ----------------------------------------------------------------

@pytest.fixture(scope="module")
def station_cls():
    pytest.importorskip("panda3d")
    from wardtwin.station.tourdesk import TourStation

    return TourStation


def _open(station_cls, model, session, **kw):
    from wardtwin.scene.offscreen import RenderError

    try:
        return station_cls(model, session, offscreen=True, size=(320, 180), fps=10, **kw)
    except (RenderError, WardtwinError) as exc:  # pragma: no cover - no offscreen renderer here
        pytest.skip(f"no offscreen renderer: {exc}")


def _colour_share(img: np.ndarray, rgb, tol=40) -> float:
    return float(np.mean(np.all(np.abs(img.astype(int) - np.array(rgb)) <= tol, axis=2)))


def test_station_records_the_session_in_the_store(station_cls, ward, tmp_path):
    from wardtwin.store import SessionWriter, open_store

    model, tour = ward
    db = tmp_path / "st.db"
    writer = SessionWriter(str(db), "desk-1")
    session = Session(model, tour, session_id="desk-1", trainee="RN-7", role="RN", station="desktop",
                      sink=writer.write)
    with _open(station_cls, model, session, bot=ScriptedTrainee(model, hints={"cart"})) as st:
        info = st.run()
    writer.close()
    assert info.tour["outcome"] == "completed" and info.frame_times.count > 100
    con = sqlite3.connect(db)
    rows = con.execute("SELECT seq, type, data FROM events WHERE session = 'desk-1' ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == list(range(len(session.events)))
    assert [r[1] for r in rows] == types(session.events)
    start, end = json.loads(rows[0][2]), json.loads(rows[-1][2])
    assert start["station"] == "desktop" and start["trainee"] == "RN-7" and start["role"] == "RN"
    assert start["comfort"]["locomotion"] == "smooth" and start["display"]["size"] == [320, 180]
    assert end["outcome"] == "completed" and 100 < end["frames"]["count"] <= info.frame_times.count
    assert "hint_shown" in [r[1] for r in rows]
    with open_store(str(db)) as store:
        assert store.counts().abandoned == 0
    from wardtwin.reports import build_report

    build_report(str(db), "csv", str(tmp_path / "csv"))
    import csv

    with open(tmp_path / "csv" / "steps.csv", encoding="utf-8") as f:
        steps = {r["step_id"]: r for r in csv.DictReader(f)}
    assert list(steps) == [st.id for st in tour.steps]  # the tour's own step ids
    assert steps["extinguisher"]["target"] == "FE-1" and steps["cart"]["target"] == "CC-1"


def test_station_shows_forms_breadcrumbs_and_the_summary(station_cls, ward):
    from wardtwin.station.guides import CRUMB_COLOUR

    model, tour = ward
    session = Session(model, tour, session_id="desk-2", trainee="T", station="desktop")
    bot = ScriptedTrainee(model, think=2.0, hints={"cart"})
    with _open(station_cls, model, session, bot=bot) as st:
        st.step(3)
        form = st.image()
        assert st.player.panel.kind == "ssq"
        h, w, _ = form.shape
        panel = form[h // 4:, w // 4: 3 * w // 4]
        dark = float(np.mean(np.all(panel < 70, axis=2)))  # the dark card behind the form (the ward is light)
        assert dark > 0.2, dark
        while session.current is None or session.current.id != "cart":
            st.step(1)
        st.step(int(2.5 / DT))  # the bot asks for a hint after its thinking time
        assert st.player.breadcrumbs
        crumbs = st.image()
        yellow = tuple(int(c * 255) for c in CRUMB_COLOUR[:3])
        assert _colour_share(crumbs, yellow, tol=30) > 0.0005  # crumbs on the floor and the arrow
        assert not st.tour.guide_np.is_hidden()
        st.run()
        assert st.player.closed and session.outcome == "completed"


def test_station_closed_mid_tour_is_recorded_as_abandoned(station_cls, ward):
    model, tour = ward
    session = Session(model, tour, session_id="desk-3", trainee="T", station="desktop")
    with _open(station_cls, model, session, bot=ScriptedTrainee(model)) as st:
        st.step(20)
    assert session.outcome == "abandoned"
    assert session.events[-1].data["reason"] == "station_closed" and "frames" in session.events[-1].data


def test_the_desktop_station_follows_the_station_protocol(station_cls, ward):
    from wardtwin.station.tourrun import Station

    model, tour = ward
    session = Session(model, tour, session_id="desk-4", trainee="T", station="desktop")
    with _open(station_cls, model, session) as st:
        assert isinstance(st, Station) and st.fps == 10 and not st.quitting
        p = session.pose
        st.place(p.x, p.y, 0.5)  # a pose in
        assert (st.pose.x, st.pose.y, st.pose.heading) == pytest.approx((p.x, p.y, 0.5))
        st.step(2)  # frames out
        assert st.frames == 2 and st.summary().frames == 2
    assert session.outcome == "abandoned"


def test_cli_tour_offscreen(station_cls, tmp_path, capsys):
    db = tmp_path / "cli.db"
    code = main(["tour", str(TINY), str(TOUR), "--trainee", "RN-9", "--role", "RN", "--db", str(db), "--offscreen",
                 "--size", "160x90", "--fps", "10", "--session", "cli-1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "You completed the orientation." in out and "8 of 8 steps" in out
    assert f"session cli-1 recorded in {db}" in out
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM events WHERE session = 'cli-1'").fetchone()[0] > 10


def test_cli_tour_refuses_a_broken_tour_and_records_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TOUR.read_text(encoding="utf-8").replace("item: CC-1", "item: CC-404"), encoding="utf-8")
    db = tmp_path / "none.db"
    code = main(["tour", str(TINY), str(bad), "--trainee", "T", "--db", str(db), "--offscreen"])
    err = capsys.readouterr().err
    assert code == 1 and "CC-404" in err and "bad.yaml:" in err
    assert not db.exists()


def test_cli_tour_without_a_display_says_what_to_do(tmp_path, capsys, monkeypatch):
    pytest.importorskip("panda3d")
    monkeypatch.delenv("DISPLAY", raising=False)
    db = tmp_path / "none.db"
    code = main(["tour", str(TINY), str(TOUR), "--trainee", "T", "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2 and "--offscreen" in err
    assert not db.exists()


def test_reference_tour_runs_through_the_offscreen_station(station_cls, tmp_path):
    """A scripted trainee through a shipped orientation tour (guided), recorded in SQLite."""
    from wardtwin.station.tourdesk import Desk
    from wardtwin.station.tourrun import run_tour

    tour, model, findings = check_tour("icu-12", "orientation")
    assert tour is not None
    info = run_tour(model, tour, Desk(offscreen=True, size=(160, 90), fps=5), str(tmp_path / "ref.db"),
                    trainee="RN-1").as_dict()
    assert info["tour"]["outcome"] == "completed"
    assert info["tour"]["completed"] == len(tour.steps) >= 15


# -- the panel for a pointer (headset) ----------------------------------------------------

def _centre(btn):
    x0, y0, x1, y1 = btn.rect
    return (x0 + x1) / 2, (y0 + y1) / 2


def _buttons_fit(lay):
    for b in lay.buttons:
        x0, y0, x1, y1 = b.rect
        assert -lay.width / 2 <= x0 < x1 <= lay.width / 2 and -lay.height / 2 <= y0 < y1 <= lay.height / 2, b
    for i, a in enumerate(lay.buttons):  # no two buttons overlap
        for c in lay.buttons[i + 1:]:
            assert a.rect[2] <= c.rect[0] or c.rect[2] <= a.rect[0] or a.rect[3] <= c.rect[1] or c.rect[3] <= a.rect[1]
    for t in lay.texts:
        assert -lay.width / 2 <= t.x and -lay.height / 2 <= t.y - t.size * 0.3 and t.y <= lay.height / 2


def test_pointer_panels_drive_the_tour(ward):
    from wardtwin.station.panelui import hit, layout, press

    pl = player_for(ward)
    seen = set()

    def click(label, action=None):
        lay = layout(pl.panel)
        _buttons_fit(lay)
        seen.add(lay.kind)
        btn = next(b for b in lay.buttons if b.label == label and (action is None or b.action == action))
        assert hit(lay, *_centre(btn)) == btn
        press(pl, btn)
        return pl.frame(DT)

    click("moderate", ("symptom", "nausea", 2))
    assert dict(pl.panel.rows)["nausea"] == 2
    q = [e for e in click("Send") if e.type == "questionnaire"][0]
    assert q.data["answers"]["nausea"] == 2
    assert pl.panel.kind == "say"
    click("Continue")
    assert pl.panel.kind == "task"
    click("Pause")
    assert pl.panel.kind == "paused"
    click("Go on")
    click("Skip")
    assert pl.panel.kind == "choice"
    done = [e for e in click("Red") if e.type == "step_completed"]
    assert done and done[0].data["answer"] == "Red"
    rating = [e for e in click("7") if e.type == "comfort_rating"]
    assert rating and rating[0].data["fms"] == 7
    click("Quit")
    assert pl.panel.kind == "confirm_quit"
    click("Quit", ("key", "y"))
    assert pl.panel.kind == "summary"
    click("Close")
    assert pl.closed
    assert seen == {"ssq", "say", "task", "paused", "choice", "fms", "confirm_quit", "summary"}
    assert hit(layout(pl.panel), 10.0, 10.0) is None


def test_say_audio_is_played_when_the_step_starts(station_cls, ward, tmp_path):
    import wave

    from wardtwin.tours.load import load_tour

    model, _ = ward
    with wave.open(str(tmp_path / "welcome.wav"), "wb") as w:  # 0.2 s of silence
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 1600)
    (tmp_path / "t.yaml").write_text(
        "kind: tour\nversion: 1\nid: a\nname: A\nward: tiny\nmode: self_directed\nsteps:\n"
        "  - {type: say, id: hi, text: Hello., audio: welcome.wav}\n"
        "  - {type: say, id: bye, text: Bye.}\n", encoding="utf-8")
    tour, findings = load_tour(tmp_path / "t.yaml")
    session = Session(model, tour, session_id="audio", trainee="T", station="desktop")
    with _open(station_cls, model, session, bot=ScriptedTrainee(model)) as st:
        st.run()
        assert st.tour.narrations == [str((tmp_path / "welcome.wav").resolve())]
