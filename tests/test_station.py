"""The desktop station: pure first-person locomotion against the walkable area, scripted input,
planner picking, and the Panda3D station run offscreen on the tiny ward (one ShowBase for the
whole module), plus `wardtwin view` in a subprocess."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from conftest import REPO, TINY, assert_imports_without_panda3d
from wardtwin.angles import wrap_angle
from wardtwin.errors import UsageError, WardtwinError
from wardtwin.model import load_model
from wardtwin.station.locomotion import (
    EYE_HEIGHT, IDLE, MAX_SUBSTEP, WALK_SPEED, Inputs, WalkSettings, WalkState, Walker, steer,
)
from wardtwin.model.picking import pick
from wardtwin.station.planner import Orbit, catalog_entry, framing
from wardtwin.station.script import KEYS, ScriptError, ScriptPlayer, parse_script

DT = 1 / 60
#: How far (m) the compiled walkable edge may be from the exact one.
TOL = 5e-4


@pytest.fixture(scope="module")
def model():
    return load_model(TINY)


@pytest.fixture(scope="module")
def walker(model):
    return Walker(model.walkable)


_GROWN = {}


def _run(walker, s: WalkState, inputs, dt: float) -> WalkState:
    """``walker.step`` over a sequence of inputs, one step of ``dt`` s each."""
    for i in inputs:
        s = walker.step(s, i, dt)
    return s


def _screen_point(st, xyz) -> tuple[float, float] | None:
    """Where a world point (m) appears in a desktop station's window, as fractions (0..1 from
    the top left); None when it is behind the camera or off screen."""
    from panda3d.core import Point2, Point3

    p = st.base.cam.get_relative_point(st.base.render, Point3(*xyz))
    film = Point2()
    return ((film.x + 1) / 2, (1 - film.y) / 2) if st.base.camLens.project(p, film) else None


def _inside(model, s: WalkState, tol: float = 1e-7) -> bool:
    """True when the state is in the walkable area (within ``tol`` m)."""
    key = (id(model), tol)
    if key not in _GROWN:
        _GROWN[key] = model.walkable.buffer(tol)
        shapely.prepare(_GROWN[key])
    return _GROWN[key].covers(Point(s.x, s.y))


# -- locomotion (pure) ----------------------------------------------------------------------
def test_defaults_are_the_comfort_defaults():
    s = WalkSettings()
    assert s.eye_height == EYE_HEIGHT == 1.65
    assert s.speed == WALK_SPEED == 1.4
    assert math.degrees(s.turn_rate) == pytest.approx(60.0)
    assert WalkSettings.from_units(1.2, 45, 70).turn_rate == pytest.approx(math.radians(45))


def test_speed_is_capped_and_diagonals_are_no_faster(walker):
    s = walker.start(3.6, 6.3, 0.0)  # middle of the corridor: open floor all round
    for inp in (Inputs(forward=1), Inputs(forward=1, strafe=1), Inputs(forward=5, strafe=-5), Inputs(strafe=-1)):
        n = walker.step(s, inp, 0.1)
        assert math.dist(n.position, s.position) == pytest.approx(0.14, abs=1e-9)
        assert not n.blocked
    half = walker.step(s, Inputs(forward=0.5), 0.1)
    assert math.dist(half.position, s.position) == pytest.approx(0.07, abs=1e-9)
    slow = Walker(walker.area, WalkSettings(speed=1.0))
    assert math.dist(slow.step(s, Inputs(forward=1), 0.1).position, s.position) == pytest.approx(0.1)


def test_directions_follow_the_heading(walker):
    s = walker.start(3.6, 6.3, math.radians(90))  # facing west
    n = walker.step(s, Inputs(forward=1), 0.1)
    assert (n.x - s.x, n.y - s.y) == pytest.approx((-0.14, 0.0), abs=1e-9)
    n = walker.step(s, Inputs(strafe=1), 0.1)  # right of west is north
    assert (n.x - s.x, n.y - s.y) == pytest.approx((0.0, 0.14), abs=1e-9)


def test_walking_into_a_wall_stops_at_the_walkable_edge(model, walker):
    s = walker.start(3.0, 6.3, 0.0)  # corridor, facing the medication room's wall (no door at x=3)
    for _ in range(120):
        s = walker.step(s, Inputs(forward=1), DT)
        assert _inside(model, s)
    # the wall's face is at 7.6 - 0.075; a person's centre keeps 0.25 m from it (TOL: the
    # compiled area's own rounding)
    assert s.y == pytest.approx(7.6 - 0.075 - 0.25, abs=TOL)
    assert s.x == pytest.approx(3.0, abs=1e-9)
    assert s.blocked
    assert s.distance == pytest.approx(s.y - 6.3, abs=1e-9)


def test_walking_at_a_wall_slides_along_it(model, walker):
    s = walker.start(4.5, 7.2, 0.0)
    n = _run(walker, s, [Inputs(forward=1, strafe=1)] * 30, DT)  # 45 degrees into the north wall
    assert n.y == pytest.approx(7.275, abs=TOL)
    # the tangent component goes on: 1.4 m/s * cos 45 deg east, for 0.5 s (less the approach)
    assert n.x - s.x == pytest.approx(0.5 * WALK_SPEED / math.sqrt(2), abs=1e-6)
    assert n.blocked and _inside(model, n)


def test_a_bed_is_an_obstacle(model, walker):
    s = walker.start(1.8, 6.3, math.pi)  # corridor, facing south through door D101 at the bed
    s = _run(walker, s, [Inputs(forward=1)] * 240, DT)
    assert model.room_at(s.position) == "101"
    assert s.y == pytest.approx(0.075 + 2.2 + 0.25, abs=TOL)  # foot of the bed + radius


def test_random_walks_never_leave_the_walkable_area(model, walker):
    rng = np.random.default_rng(20240917)
    starts = [(3.6, 6.3), (1.8, 3.5), (5.4, 3.5), (3.6, 9.0), (8.7, 6.3)]
    for k in range(20):
        s = walker.start(*starts[k % len(starts)], rng.uniform(-math.pi, math.pi))
        for _ in range(40):
            dt = float(rng.choice([DT, 0.1, 0.5]))
            inp = Inputs(forward=float(rng.uniform(-1.5, 1.5)), strafe=float(rng.uniform(-1.5, 1.5)),
                         turn=float(rng.uniform(-1, 1)), look_yaw=float(rng.normal(0, 0.2)))
            n = walker.step(s, inp, dt)
            assert _inside(model, n), (k, s, inp, dt)
            assert math.dist(n.position, s.position) <= WALK_SPEED * dt + 1e-9
            assert n.distance - s.distance <= WALK_SPEED * dt + 1e-9
            s = n


def test_long_steps_do_not_tunnel_through_walls(model, walker):
    s = walker.start(3.0, 7.0, 0.0)
    n = walker.step(s, Inputs(forward=1), 2.0)  # 2.8 m in one go, across the 0.65 m wall gap
    assert model.room_at(n.position) == "corridor"
    assert n.y == pytest.approx(7.275, abs=TOL)
    assert MAX_SUBSTEP < 2 * model.radius


def test_turning_rates_and_pitch_clamp(walker):
    s = walker.start(3.6, 6.3, 0.0)
    left = _run(walker, s, [Inputs(turn=1)] * 60, DT)
    assert math.degrees(left.yaw) == pytest.approx(60.0, abs=1e-9)
    assert left.position == s.position and left.distance == 0
    right = _run(walker, s, [Inputs(turn=-3)] * 30, DT)  # clipped to the turn rate
    assert math.degrees(right.yaw) == pytest.approx(-30.0, abs=1e-9)
    assert right.turned == pytest.approx(math.radians(30))
    half = _run(walker, s, [Inputs(turn=1)] * 240, DT)  # 240 degrees wraps to -120
    assert math.degrees(half.yaw) == pytest.approx(-120.0, abs=1e-9)
    look = walker.step(s, Inputs(look_yaw=math.radians(10), look_pitch=math.radians(200)), DT)
    assert math.degrees(look.yaw) == pytest.approx(10.0)
    assert math.degrees(look.pitch) == pytest.approx(80.0)  # clamped
    assert walker.step(look, Inputs(look_pitch=-10), DT).pitch == pytest.approx(-walker.settings.pitch_limit)
    assert wrap_angle(3 * math.pi) == pytest.approx(math.pi)


def test_locomotion_is_deterministic(model):
    rng = np.random.default_rng(7)
    inputs = [Inputs(forward=float(f), strafe=float(r), turn=float(t))
              for f, r, t in rng.uniform(-1, 1, size=(300, 3))]
    a = _run(Walker(model.walkable), Walker(model.walkable).start(3.6, 6.3), inputs, DT)
    b = _run(Walker(model.walkable), Walker(model.walkable).start(3.6, 6.3), inputs, DT)
    assert a == b


def test_bad_inputs_are_usage_errors(walker):
    s = walker.start(3.6, 6.3)
    with pytest.raises(UsageError):
        walker.step(s, IDLE, -0.1)
    with pytest.raises(UsageError):
        Inputs(forward=float("nan"))
    with pytest.raises(UsageError):
        WalkSettings(speed=-1)
    with pytest.raises(UsageError, match="walkable"):
        from shapely.geometry import Polygon
        Walker(Polygon())


def test_start_snaps_into_the_walkable_area(model, walker):
    s = walker.start(1.8, 1.2)  # inside the bed
    assert _inside(model, s) and math.dist(s.position, (1.8, 1.2)) < 1.6


def test_steer_turns_before_walking(walker):
    s = walker.start(3.6, 6.3, 0.0)
    i = steer(s, (3.6, 5.5), DT)  # behind: turn only
    assert i.forward == 0 and abs(i.turn) == 1
    i = steer(s, (3.6, 7.0), DT)  # ahead: walk
    assert i.forward == pytest.approx(1.0) and i.turn == 0
    assert steer(s, (3.61, 6.3), DT) == IDLE


# -- scripts --------------------------------------------------------------------------------
def test_script_parsing_and_errors():
    cmds = parse_script("walk 1.5  # forward\nwalk 2 back\nturn -90\nkey F12\nclick 0.5 0.25\nscreenshot\n\n")
    assert [c.op for c in cmds] == ["walk", "walk", "turn", "key", "click", "key"]
    assert cmds[1].args == (2.0, "back") and cmds[3].args == ("f12",) and cmds[4].line == 5
    for bad, msg in (("walk", "usage"), ("walk x", "number"), ("key q", "one of"), ("click 2 0", "0 to 1"),
                     ("fly 3", "unknown command"), ("walk 1 up", "direction")):
        with pytest.raises(ScriptError, match=msg) as e:
            parse_script(f"wait 1\n{bad}\n", "s.txt")
        assert "s.txt:2" in str(e.value)
    assert issubclass(ScriptError, WardtwinError)
    assert set(KEYS.values()) == {"labels", "ceilings", "minimap", "screenshot", "planner", "quit"}


def test_script_timing_is_exact(walker):
    player = ScriptPlayer(parse_script("walk 1\nturn 90\nkey l\nwait 0.5\nscreenshot\nkey c"))
    s = walker.start(3.6, 6.3, math.radians(90))  # facing west along the corridor
    frames, actions = 0, []
    while not player.done:
        inp, act = player.poll(s, DT)
        actions.append(act)
        s = walker.step(s, inp, DT)
        frames += 1
    assert s.distance == pytest.approx(1.4)
    assert math.degrees(s.yaw) == pytest.approx(180.0)
    assert frames == 60 + 90 + 30 + 2  # walk, turn at 60 deg/s, wait, the screenshot's frame, key c
    flat = [a for act in actions for a in act]
    assert flat == ["labels", "screenshot", "ceilings"]
    assert actions[150] == ("labels",)


def test_goto_walks_the_route_through_the_door(model, walker):
    def route(start, place):
        r = model.route(start, model.place(place))
        item = model.item_by_id.get(place)
        return [start, *r.points], (item.footprint.centroid.coords[0] if item else None)

    player = ScriptPlayer(parse_script("goto 101\ngoto CC-1"), route=route)
    s = walker.start(*model.place("corridor"), 0.0)
    rooms = set()
    for _ in range(60 * 60):
        if player.done:
            break
        inp, _act = player.poll(s, DT)
        s = walker.step(s, inp, DT)
        assert _inside(model, s)
        rooms.add(model.room_at(s.position))
        if player.current is not None and player.current.args == ("CC-1",) and "101" not in rooms:
            pytest.fail("goto 101 ended before room 101 was reached")
    assert player.done
    assert {"101", "corridor", "med"} <= rooms
    assert math.dist(s.position, model.place("CC-1")) < 0.05
    cx, cy = model.item_by_id["CC-1"].footprint.centroid.coords[0]
    assert wrap_angle(math.atan2(-(cx - s.x), cy - s.y) - s.yaw) == pytest.approx(0, abs=1e-6)  # facing the cart


# -- planner (pure) -------------------------------------------------------------------------
def test_catalog_entry(model):
    e = catalog_entry(model.layout, "CC-1")
    assert (e.id, e.name, e.category, e.asset_tag, e.room) == ("CC-1", "Test crash cart", "resuscitation", None, "med")
    assert e.description == "A crash cart used by the tests." and e.safety_critical
    assert any("asset tag" in line for line in e.lines())
    with pytest.raises(WardtwinError, match="CC-1"):
        catalog_entry(model.layout, "CC-9")


def test_pick_by_ray(model):
    assert pick(model, (1.8, 1.2, 10.0), (0, 0, -1)).item == "BED-101"  # straight down on the bed
    assert pick(model, (3.6, 6.3, 10.0), (0, 0, -1)) is None  # empty corridor floor
    hit = pick(model, (5.5, 5.6, 0.9), (0, 1, 0))  # level with the extinguisher, facing it
    assert hit.item == "FE-1" and hit.point[1] == pytest.approx(7.275, abs=1e-6)  # its front face
    # the floor just beside the crash cart (within the tolerance) picks it
    assert pick(model, (1.0, 9.4, 5.0), (0, 0, -1)).item == "CC-1"
    # a wall stands between the corridor and the bed
    assert pick(model, (0.8, 6.3, 0.4), (0.2, -1, 0)) is None
    assert pick(model, (0.8, 6.3, 0.4), (0.2, -1, 0), walls=False).item == "BED-101"


def test_orbit_camera():
    o = Orbit((0.0, 0.0, 0.0), 10.0, heading=0.0, pitch=math.radians(45))
    ex, ey, ez = o.eye
    assert (ex, ey, ez) == pytest.approx((0.0, -10 / math.sqrt(2), 10 / math.sqrt(2)))
    assert o.zoom(0.001).distance == 2.0 and o.zoom(1e6).distance == 400.0
    assert math.degrees(o.orbit(0, math.radians(90)).pitch) == pytest.approx(89.0)
    assert o.pan(1.0, 2.0).target == pytest.approx((2.0, 1.0, 0.0))
    f = framing(((0, 0, 0), (20, 10, 3)))
    assert f.target[:2] == (10, 5) and f.distance > 10


def test_pure_station_modules_import_without_panda3d():
    assert_imports_without_panda3d("""
        import wardtwin.station, wardtwin.station.locomotion, wardtwin.station.script, wardtwin.station.planner
        import wardtwin.station.frames, wardtwin.station.tourplay, wardtwin.station.tourbot, wardtwin.station.panelui
    """)


# -- the Panda3D station, offscreen -----------------------------------------------------------
SIZE = (320, 180)
FPS = 30


@pytest.fixture(scope="module")
def station(model, tmp_path_factory):
    pytest.importorskip("panda3d")
    from wardtwin.scene.offscreen import RenderError
    from wardtwin.station.desktop import DesktopStation

    try:
        st = DesktopStation(model, offscreen=True, size=SIZE, fps=FPS,
                            screenshot_dir=tmp_path_factory.mktemp("shots"))
    except (RenderError, WardtwinError) as exc:  # pragma: no cover - no offscreen renderer here
        pytest.skip(f"no offscreen renderer: {exc}")
    yield st
    st.close()


@pytest.fixture
def fresh(station):
    """The station in walk mode with labels, ceilings and minimap on and no script."""
    if station.mode != "walk":
        station.set_mode("walk")
    for flag, key in (("labels", "l"), ("minimap", "m")):
        if not getattr(station, flag):
            station.press(key)
    if not station._ceilings["walk"]:
        station.press("c")
    station.script = None
    return station


def test_station_starts_at_the_entrance_with_a_fixed_step_clock(model, fresh):
    assert fresh.offscreen and fresh.base.win is not None
    assert not fresh.base.graphicsEngine.get_portal_cull()  # WardScene culls its own cells
    fresh.teleport(*model.place("corridor"))
    fresh.step(3)
    assert fresh.clock.get_dt() == pytest.approx(1 / FPS)
    cam = fresh.base.camera.get_pos(fresh.base.render)
    assert (cam.x, cam.y, cam.z) == pytest.approx((3.6, 6.3, 1.65))
    assert fresh.scene.current_cell == "corridor"  # eye level: the portal cells are used


def test_scripted_walk_from_the_corridor_into_a_room(fresh):
    fresh.teleport(1.8, 6.3, heading_deg=180)
    fresh.play("walk 4")
    frames0 = fresh.frames
    info = fresh.run()
    assert info.room == "101" and info.room_name == "Patient 101"
    assert info.y == pytest.approx(2.525, abs=TOL)  # stopped by the bed
    assert info.distance_m == pytest.approx(6.3 - 2.525, abs=TOL)
    assert fresh.frames - frames0 == 4 * FPS + 1
    assert fresh.scene.current_cell == "101"
    first = fresh.state
    fresh.teleport(1.8, 6.3, heading_deg=180)
    fresh.play("walk 4")
    fresh.run()
    assert fresh.state == first  # deterministic, to the last bit


def test_goto_through_the_door_in_the_station(model, fresh):
    fresh.teleport(*model.place("corridor"))
    fresh.play("goto 101")
    info = fresh.run()
    assert info.room == "101"
    assert info.distance_m == pytest.approx(model.distance(model.place("corridor"), model.place("101")), rel=0.05)


def test_goto_an_item_ends_facing_it(model, fresh):
    """``goto ITEM`` walks to where a person stands to use the item (the snapshot's spot,
    :func:`wardtwin.scene.camera.use_view`), then turns and tilts the view to its centre: it
    used to stop on the walkable point nearest the item, too close to see it."""
    from wardtwin.scene.camera import use_view
    from wardtwin.angles import bearing as yaw_towards

    fresh.teleport(*model.place("corridor"))
    fresh.play("goto CC-1")
    fresh.run()
    s = fresh.state
    view = use_view(model, "CC-1")
    assert math.dist(s.position, view.eye[:2]) < 0.1
    tx, ty, tz = view.target
    assert abs(wrap_angle(yaw_towards(tx - s.x, ty - s.y) - s.yaw)) < math.radians(3)
    pitch = math.atan2(tz - fresh.settings.eye_height, math.dist((tx, ty), s.position))
    assert s.pitch == pytest.approx(pitch, abs=math.radians(3)) and s.pitch < 0
    assert model.layout.item_by_id["CC-1"].room == fresh.scene.current_cell


def test_screenshot_is_an_atomic_png(fresh):
    before = set(fresh.screenshot_dir.iterdir())
    fresh.play("screenshot\nwait 0.1\nkey f12")
    fresh.run()
    new = sorted(set(fresh.screenshot_dir.iterdir()) - before)
    assert [p.suffix for p in new] == [".png", ".png"]
    for p in new:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.name.startswith("tiny-")
    assert not [p for p in fresh.screenshot_dir.iterdir() if p.name.startswith(".")]  # no temporary files left
    from panda3d.core import PNMImage

    img = PNMImage()
    assert img.read(str(new[0])) and (img.get_x_size(), img.get_y_size()) == SIZE


def _differs(a: np.ndarray, b: np.ndarray, pixels: int = 20) -> bool:
    return int((np.abs(a.astype(int) - b.astype(int)).sum(axis=2) > 30).sum()) >= pixels


def test_label_toggle_changes_the_image(fresh):
    fresh.teleport(5.5, 5.4, heading_deg=0, pitch_deg=-10)  # the extinguisher's label 1.6 m ahead
    fresh.step(2)
    on = fresh.image()
    fresh.press("l")
    fresh.step(1)
    off = fresh.image()
    fresh.press("l")
    fresh.step(1)
    again = fresh.image()
    assert _differs(on, off)
    assert not _differs(on, again, 1)


def test_ceiling_and_minimap_toggles_change_the_image(fresh):
    fresh.teleport(1.8, 4.0, heading_deg=180, pitch_deg=45)  # in room 101 looking up
    fresh.step(2)
    with_ceiling = fresh.image()
    fresh.press("c")
    fresh.step(1)
    assert _differs(with_ceiling, fresh.image(), 500)
    fresh.press("c")
    fresh.step(1)
    base = fresh.image()
    fresh.press("m")
    fresh.step(1)
    no_map = fresh.image()
    h, w = SIZE[1], SIZE[0]
    assert _differs(base[: h // 3, -w // 4:], no_map[: h // 3, -w // 4:], 100)  # top right corner
    assert not _differs(base[h // 2:, : w // 2], no_map[h // 2:, : w // 2], 1)


def test_planner_pick_shows_the_catalog_entry(fresh):
    fresh.press("tab")
    assert fresh.mode == "planner" and fresh.scene.current_cell is None
    fresh.step(1)
    at = _screen_point(fresh, (1.0, 10.0, 1.05))  # top of the crash cart CC-1
    assert at is not None
    entry = fresh.click(*at)
    assert entry is not None and entry.id == "CC-1"
    assert (entry.name, entry.category, entry.description) == (
        "Test crash cart", "resuscitation", "A crash cart used by the tests.")
    assert "Test crash cart" in fresh.panel.get_text() and not fresh.panel_np.is_hidden()
    bed = _screen_point(fresh, (5.4, 1.175, 0.6))
    fresh.play(f"click {bed[0]:.4f} {bed[1]:.4f}")
    fresh.run()
    assert fresh.selected.id == "BED-102"
    assert fresh.click(0.01, 0.01) is None and fresh.panel_np.is_hidden()  # the sky
    fresh.play("orbit 30 10\nzoom 0.5")
    d0 = fresh.orbit.distance
    fresh.run()
    assert fresh.orbit.distance == pytest.approx(max(d0 * 0.5, 2.0))
    fresh.press("tab")
    assert fresh.mode == "walk" and fresh.selected is None


def test_escape_quits_a_run(fresh):
    fresh.play("wait 0.2\nkey escape\nwait 5")
    n0 = fresh.frames
    fresh.run()
    assert fresh.frames - n0 <= 0.2 * FPS + 2


def test_only_one_station_per_process(model, station):
    from wardtwin.station.desktop import DesktopStation

    with pytest.raises(UsageError, match="one station per process"):
        DesktopStation(model, offscreen=True)


# -- the command ------------------------------------------------------------------------------
def _wardtwin(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "wardtwin", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_view_offscreen_frames():
    p = _wardtwin("view", str(TINY), "--offscreen", "--frames", "30", "--size", "160x90")
    assert p.returncode == 0, p.stderr
    line = p.stdout.strip()
    assert line.startswith("30 frames (0.50 s)") and "Corridor (corridor)" in line and "walked 0.00 m" in line


def test_view_without_a_display_suggests_offscreen():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    p = _wardtwin("view", str(TINY), env=env)
    assert p.returncode == 2
    assert "--offscreen" in p.stderr and "Traceback" not in p.stderr


def test_view_reports_bad_scripts_and_places_before_opening_anything(tmp_path, capsys):
    from wardtwin.cli import main

    script = tmp_path / "bad.txt"
    script.write_text("walk 1\njump 2\n")
    assert main(["view", str(TINY), "--offscreen", "--script", str(script)]) == 2
    assert "bad.txt:2" in capsys.readouterr().err
    assert main(["view", str(TINY), "--offscreen", "--frames", "1", "--at", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "corridor" in err
    assert main(["view", str(TINY), "--offscreen"]) == 2
    assert "--frames" in capsys.readouterr().err


def test_pick_prefilter_never_drops_a_prism_the_ray_meets(model):
    """The bounding-box filter of pick() keeps every item and wall the exact test hits."""
    import random

    from wardtwin.model.picking import _box_hits, ray_prism

    plan, lay = model.plan, model.layout
    ids = sorted(plan.footprints)
    geoms = np.asarray([plan.footprints[i] for i in ids] + list(plan.solids), dtype=object)
    z0 = np.array([lay.elevation_of(lay.item_by_id[i]) for i in ids] + [0.0] * len(plan.solids))
    z1 = np.array([z + lay.item_type(lay.item_by_id[i]).height for z, i in zip(z0, ids)]
                  + [lay.ward.ceiling_height] * len(plan.solids))
    rng = random.Random(7)
    hits = 0
    for _ in range(300):
        o = (rng.uniform(-1, 11), rng.uniform(-1, 11), rng.uniform(0.1, 2.6))
        d = (rng.uniform(-1, 1), rng.uniform(-1, 1), rng.choice([0.0, rng.uniform(-1, 1)]))
        if d == (0.0, 0.0, 0.0):
            continue
        kept = set(_box_hits(o, d, geoms, z0, z1).tolist())
        for k, g in enumerate(geoms):
            if ray_prism(o, d, g, z0[k], z1[k]) is not None:
                hits += 1
                assert k in kept, (o, d, k)
    assert hits > 100
