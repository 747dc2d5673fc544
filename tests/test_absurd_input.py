"""Absurd input is a finding or a clear error: a 10 km room, 1,000 items stacked on one point, a
tour target far outside the ward, a route from a place to itself, a pass mark of nan, a
snapshot from outside the ward, and a tour's comfort max_speed the simulator must obey."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import TINY, replace_text, run_cli
from wardtwin.cli import build_parser, main
from wardtwin.layout import check_ward, exit_code
from wardtwin.tours.simulate import SKILLS, run_trainee, simulate
from wardtwin.tours.validate import check_tour

TOUR = """kind: tour
version: 1
id: t
name: T
ward: tiny
mode: guided
comfort: {{max_speed: {speed}}}
steps:
  - {{type: go_to, target: {target}}}
  - {{type: go_to, target: med}}
"""


def _cli(capfd, *args) -> tuple[int, str, str]:
    code, out, err = run_cli(capfd, *args)
    assert "Traceback" not in err
    return code, out, err


def _tour(tmp_path, speed=1.2, target='"101"', name="t.yaml"):
    path = tmp_path / name
    path.write_text(TOUR.format(speed=speed, target=target), encoding="utf-8")
    return path


# ---- the ward files


def test_a_10_km_room_is_a_finding_naming_the_limit(ward_copy):
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "[[7.2, 5], [10.2, 5], [10.2, 7.6], [7.2, 7.6]]",
                 "[[7.2, 5], [10007.2, 5], [10007.2, 7.6], [7.2, 7.6]]")
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "wardtwin", "check", str(ward)], capture_output=True, text=True,
                       timeout=120)
    assert time.perf_counter() - t0 < 20
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "[room-too-large]" in r.stdout and "500 m" in r.stdout


@pytest.mark.parametrize("kind", ["wall", "floor"])
def test_1000_items_stacked_on_one_point_give_one_finding_each(ward_copy, kind):
    ward = ward_copy()
    item = ("{{id: FE-{k}, type: test_extinguisher, room: corridor, at: [5.5, 7.4], rotation: 180}}" if kind == "wall"
            else "{{id: BED-X{k}, type: test_bed, room: \"102\", at: [5.4, 1.175]}}")
    extra = "".join("  - " + item.format(k=k) + "\n" for k in range(2, 1001))
    text = (ward / "equipment.yaml").read_text(encoding="utf-8") + extra
    (ward / "equipment.yaml").write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    _layout, findings = check_ward(ward)
    assert time.perf_counter() - t0 < 20
    code = "equipment-stacked" if kind == "wall" else "equipment-overlap"
    hits = [f for f in findings if f.code == code]
    assert len(hits) == 999 if kind == "wall" else 1000, len(hits)  # beds: BED-102 is there already
    assert exit_code(findings) == 1


def test_wall_items_of_one_type_at_different_heights_are_not_stacked(ward_copy):
    ward = ward_copy()
    replace_text(ward / "equipment.yaml", "  - {id: CC-1",
                 "  - {id: FE-2, type: test_extinguisher, room: corridor, at: [5.5, 7.4], rotation: 180, "
                 "elevation: 1.5}\n  - {id: CC-1")
    _layout, findings = check_ward(ward)
    assert "equipment-stacked" not in {f.code for f in findings}, [f.format() for f in findings]


# ---- tours


def test_a_go_to_far_outside_the_ward_is_a_finding_and_does_not_complete(tmp_path, capfd):
    path = _tour(tmp_path, target="[99999, 99999]")
    _t, _m, findings = check_tour(TINY, path)
    assert [f.code for f in findings] == ["place-outside-ward"] and findings[0].line == 9
    assert "99999" in findings[0].message and "outside every room" in findings[0].message
    code, _out, err = _cli(capfd, "simulate", TINY, path, "--trainees", "1")
    assert code == 1 and "place-outside-ward" in err


def test_a_point_inside_a_room_is_a_fine_target(tmp_path):
    _t, _m, findings = check_tour(TINY, _tour(tmp_path, target="[1.8, 4.0]"))
    assert findings == [], [f.format() for f in findings]


def _step_times(model, tour, skill="typical") -> list[float]:
    s = run_trainee(model, tour, np.random.default_rng(5), skill=SKILLS[skill], session_id="s", trainee_id="t")
    assert s.outcome == "completed"
    return [r.duration for r in s.results], s.meter.peak_speed


def test_simulated_trainees_walk_no_faster_than_the_tours_max_speed(tmp_path):
    times, peaks = {}, {}
    for speed in (1.2, 0.3):
        tour, model, findings = check_tour(TINY, _tour(tmp_path, speed=speed, name=f"t{speed}.yaml"))
        assert findings == [], [f.format() for f in findings]
        times[speed], peaks[speed] = _step_times(model, tour)
    assert peaks[1.2] <= 1.2 + 1e-9 and peaks[0.3] <= 0.3 + 1e-9
    assert all(slow > 2 * fast for slow, fast in zip(times[0.3], times[1.2])), times
    rep = {v: simulate(model, check_tour(TINY, tmp_path / f"t{v}.yaml")[0], 2, np.random.default_rng(1))
           for v in (1.2, 0.3)}
    assert rep[0.3].total_time["mean"] > rep[1.2].total_time["mean"]


def test_a_max_speed_too_low_to_finish_is_a_finding(tmp_path, capfd):
    path = _tour(tmp_path, speed=0.001)
    _t, _m, findings = check_tour(TINY, path)
    assert [f.code for f in findings] == ["tour-too-slow"], [f.format() for f in findings]
    assert "0.001 m/s" in findings[0].message and "1 h" in findings[0].message
    code, _out, err = _cli(capfd, "simulate", TINY, path, "--trainees", "1")
    assert code == 1 and "tour-too-slow" in err


# ---- command-line arguments


def test_a_route_from_a_door_to_itself_is_a_clear_error(capfd, tmp_path):
    code, out, err = _cli(capfd, "route", TINY, "D101", "D101")
    assert code == 2 and out == "" and "same place" in err
    svg = tmp_path / "r.svg"
    code, _out, err = _cli(capfd, "map", TINY, "-o", svg, "--route", "D-med", "D-med")
    assert code == 2 and "same place" in err and not svg.exists()


@pytest.mark.parametrize("args", [("99999,99999", "D101"), ("D101", "3,-50")])
def test_a_route_to_a_point_outside_the_ward_is_a_clear_error(capfd, args):
    code, out, err = _cli(capfd, "route", TINY, *args)
    assert code == 2 and out == "" and "outside every room" in err


@pytest.mark.parametrize("value", ["nan", "5", "-1", "1.01", "inf", "abc", "120%"])
def test_pass_mark_outside_0_to_1_is_refused(capfd, tmp_path, value):
    out = tmp_path / "s.json"
    code, _out, err = _cli(capfd, "report", "--db", tmp_path / "none.db", "--format", "xapi", "-o", out,
                           f"--pass-mark={value}")
    assert code == 2 and "--pass-mark" in err and "0 to 1" in err
    assert not out.exists() and not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("value, share", [("0", 0.0), ("0.8", 0.8), ("1", 1.0), ("80%", 0.8)])
def test_pass_mark_as_a_share_or_a_percentage(value, share):
    args = build_parser().parse_args(["report", "--format", "xapi", "-o", "x.json", "--pass-mark", value])
    assert args.pass_mark == pytest.approx(share)


def test_pass_mark_help_states_its_range(capfd):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert "0 to 1" in capfd.readouterr().out


def test_snapshot_from_outside_the_ward_is_a_clear_error(capfd, tmp_path):
    png = tmp_path / "s.png"
    code, out, err = _cli(capfd, "snapshot", TINY, "--at", "99999,99999", "-o", png)
    assert code == 2 and "--at" in err and "outside every room" in err
    assert not png.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("look", ["99999,99999", "99999,99999,1.2"])
def test_snapshot_looking_at_a_point_outside_the_ward_is_a_clear_error(capfd, tmp_path, look):
    png = tmp_path / "s.png"
    code, out, err = _cli(capfd, "snapshot", TINY, "--at", "med", "--look", look, "-o", png)
    assert code == 2 and "--look" in err and "outside every room" in err
    assert list(tmp_path.iterdir()) == []
