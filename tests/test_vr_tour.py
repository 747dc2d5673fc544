"""A tour in the VR station, offscreen: the tour engine unchanged behind the headset's panels,
answered with the pointer by a scripted trainee that walks by moving its tracked head; guided
rides carry the play space (with the vignette) without turning the view; the session record
says VR and holds the frame timings; no runtime gives a clear error and records nothing."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from conftest import TINY, active_xr_runtime
from wardtwin.cli import main
from wardtwin.errors import WardtwinError
from wardtwin.tours.engine import Session
from wardtwin.tours.validate import check_tour

pytest.importorskip("panda3d")

TOUR = Path(__file__).parent / "tours" / "tiny-station.yaml"
EYE = (128, 144)
FPS = 10


@pytest.fixture(scope="module")
def ward():
    tour, model, findings = check_tour(TINY, TOUR)
    assert tour is not None
    return model, tour


def _station(model, source, **kw):
    from wardtwin.scene.offscreen import RenderError
    from wardtwin.station.vr.station import VRStation

    try:
        return VRStation(model, source, offscreen=True, eye_size=EYE, fps=FPS, **kw)
    except (RenderError, WardtwinError) as exc:  # pragma: no cover - no offscreen renderer here
        pytest.skip(f"no offscreen renderer: {exc}")


def _run(st, run, limit_s=300):
    while not run.player.closed and st.frames < limit_s * FPS:
        st.step(1)


def test_scripted_vr_trainee_completes_the_tour_with_the_pointer(ward, tmp_path):
    from wardtwin.station.vr.pose import ScriptedPoseSource
    from wardtwin.station.vr.tour import VRScriptedTrainee, VRTour, vr_settings
    from wardtwin.store import SessionWriter

    model, tour = ward
    db = tmp_path / "vr.db"
    writer = SessionWriter(str(db), "vr-1")
    session = Session(model, tour, session_id="vr-1", trainee="RN-3", station="vr", sink=writer.write)
    source = ScriptedPoseSource(hand=False)
    with _station(model, source, settings=vr_settings(session.settings)) as st:
        bot = VRScriptedTrainee(model, source, ssq={"nausea": 2}, wrong={"quiz"}, hints={"cart"})
        run = VRTour(st, session, bot)
        st.step(1)
        assert st.panel is not None and st.panel.kind == "ssq" and not st.allow_motion  # a form holds locomotion
        left, right = st.eye_images()
        for img in (left, right):  # the panel's dark card fills the middle of each eye
            h, w, _ = img.shape
            mid = img[h // 3: 2 * h // 3, w // 3: 2 * w // 3]
            assert np.mean(np.all(mid < 70, axis=2)) > 0.3
        _run(st, run)
    writer.close()
    assert session.outcome == "completed"
    assert bot.selections >= 9  # ssq (2) x 2, continue, quiz, comfort, close
    st_ = {r.id: r.status for r in session.results}
    assert st_["quiz"] == "failed" and all(v == "completed" for k, v in st_.items() if k != "quiz")
    walked = [r.walked for r in session.results if r.type in ("find", "route")]
    assert all(w is not None and w > 0.5 for w in walked)  # found by walking the room, as a person would
    con = sqlite3.connect(db)
    rows = [(t, json.loads(d)) for t, d in con.execute("SELECT type, data FROM events WHERE session = 'vr-1' ORDER BY seq")]
    assert rows[0][1]["station"] == "vr"
    assert rows[0][1]["comfort"]["locomotion"] == "teleport" and rows[0][1]["display"]["eye_size"] == list(EYE)
    assert rows[1][0] == "step_started"
    pre = next(d for t, d in rows if t == "questionnaire")
    assert pre["answers"]["nausea"] == 2
    assert any(t == "hint_shown" for t, _ in rows)
    end = rows[-1][1]
    assert rows[-1][0] == "session_ended" and end["frames"]["count"] > 50
    assert {"over_budget_11ms", "over_budget_14ms", "p95_ms"} <= set(end["frames"])


def test_guided_ride_carries_the_play_space_with_the_vignette_and_never_turns_the_view(ward):
    from wardtwin.station.vr.pose import ScriptedPoseSource
    from wardtwin.station.vr.tour import VRTour
    from wardtwin.tours.load import load_tour

    model, _ = ward
    tour, _ = load_tour(TOUR)
    session = Session(model, tour, session_id="vr-2", trainee="T", station="vr", mode="guided")
    source = ScriptedPoseSource(hand=False)
    with _station(model, source) as st:
        run = VRTour(st, session)
        session.skip()
        session.skip()  # ssq and narration: now the autopilot rides to the extinguisher
        assert session.current.id == "extinguisher" and session.driver == "autopilot"
        yaw0 = st.head.yaw
        strengths, gaps = [], []
        for _ in range(40):
            st.step(1)
            if session.driver != "autopilot" or session.current is None or session.current.id != "extinguisher":
                break
            p = session.pose
            gaps.append(math.hypot(st.head.position[0] - p.x, st.head.position[1] - p.y))
            strengths.append(st.vignette.strength)
            assert st.head.yaw == pytest.approx(yaw0, abs=1e-9)  # the trainee's own head decides the view
        assert gaps and max(gaps) < 1e-6  # the head rides with the autopilot
        assert max(strengths) > 0.05  # the vignette during the ride
        run.player.close()


def test_the_vr_station_follows_the_station_protocol(ward):
    from wardtwin.station.tourrun import Station
    from wardtwin.station.vr.pose import ScriptedPoseSource

    model, _ = ward
    with _station(model, ScriptedPoseSource(hand=False)) as st:
        assert isinstance(st, Station) and st.fps == FPS and not st.quitting
        x, y = st.pose.x, st.pose.y
        st.place(x, y, 0.5)  # a pose in
        assert (st.pose.x, st.pose.y, st.pose.heading) == pytest.approx((x, y, 0.5))
        st.step(2)  # frames out
        assert st.frames == 2 and st.summary().frames == 2


def test_reference_tour_through_the_vr_station(tmp_path):
    from wardtwin.station.tourrun import run_tour
    from wardtwin.station.vr.tour import Headset

    tour, model, _ = check_tour("icu-12", "orientation")
    info = run_tour(model, tour, Headset(offscreen=True, eye_size=(96, 108), fps=5), str(tmp_path / "ref.db"),
                    trainee="RN-1").as_dict()
    assert info["tour"]["outcome"] == "completed" and info["tour"]["completed"] == len(tour.steps)
    assert info["station"] == "vr" and info["frame_times"]["count"] > 100 and info["selections"] >= 8


def test_a_runtime_lost_mid_tour_is_recorded_as_abandoned_and_reported(tmp_path, monkeypatch):
    # the headset source's behaviour when its runtime dies (OpenXRPoseSource._lose, seen with
    # Monado's service killed mid-tour): it stops the frame loop and says why
    from wardtwin.station.tourrun import run_tour
    from wardtwin.station.vr import tour as vrtour
    from wardtwin.station.vr.pose import ScriptedPoseSource
    from wardtwin.station.vr.xr import XRUnavailableError

    class Dying(ScriptedPoseSource):
        polls = 0
        lost = None

        def poll(self, time):
            Dying.polls += 1
            if Dying.polls == 12:
                self.lost = XRUnavailableError("runtime", "the OpenXR runtime stopped during the session (test)")
                self.exit_requested = True
            return super().poll(time)

    monkeypatch.setattr(vrtour, "ScriptedPoseSource", Dying)
    tour, model, _ = check_tour(TINY, TOUR)
    db = tmp_path / "lost.db"
    with pytest.raises(XRUnavailableError, match="stopped during the session"):
        run_tour(model, tour, vrtour.Headset(offscreen=True, eye_size=(48, 54), fps=10), str(db), trainee="T")
    assert Dying.polls == 12  # the loop ended at once, no more frames
    con = sqlite3.connect(db)
    (data,) = con.execute("select data from events where type = 'session_ended'").fetchone()
    ended = json.loads(data)
    assert (ended["outcome"], ended["reason"]) == ("abandoned", "headset_lost")


@pytest.mark.skipif(active_xr_runtime() is not None, reason="an OpenXR runtime with a headset is active here")
def test_cli_vr_without_a_runtime_says_what_is_missing_and_records_nothing(tmp_path, capsys):
    db = tmp_path / "none.db"
    code = main(["tour", str(TINY), str(TOUR), "--trainee", "T", "--station", "vr", "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2
    assert "OpenXR" in err and "--station desktop" in err
    assert not db.exists()


def test_cli_vr_offscreen(tmp_path, capsys):
    db = tmp_path / "cli.db"
    code = main(["tour", str(TINY), str(TOUR), "--trainee", "VR-7", "--station", "vr", "--offscreen", "--db", str(db),
                 "--size", "96x108", "--fps", "10", "--session", "vr-cli", "--locomotion", "smooth", "--turn", "smooth", "--seated"])
    out = capsys.readouterr().out
    assert code == 0 and "8 of 8 steps" in out and "vr station:" in out
    con = sqlite3.connect(db)
    data = json.loads(con.execute("SELECT data FROM events WHERE session = 'vr-cli' AND seq = 0").fetchone()[0])
    assert data["station"] == "vr"
    assert data["comfort"]["locomotion"] == "smooth" and data["comfort"]["turn"] == "smooth"
    assert data["comfort"]["posture"] == "seated"
