"""The VR station's pure cores (no Panda3D): poses and the scripted head-pose source,
recentring, the vignette's strength and shape, teleport aiming (a hypothesis property: never a
landing outside the walkable area), snap/smooth turning and smooth walking, panels."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

import vignette
from conftest import TINY, assert_imports_without_panda3d
from wardtwin.angles import wrap_angle
from wardtwin.errors import UsageError
from wardtwin.model import load_model
from wardtwin.station.vr import comfort, panel as panels
from wardtwin.station.vr.motion import MAX_SPEED, MotionState, Rig, VRLocomotion, VRSettings
from wardtwin.station.vr.pose import (
    IPD, Controller, Fov, Key, Pose, ScriptedPoseSource, quat_axis, quat_mul,
)
from wardtwin.station.vr.teleport import Teleporter, TeleportSettings

DT = 1 / 90
DEG = math.radians(1)


@pytest.fixture(scope="module")
def model():
    return load_model(TINY)


@pytest.fixture(scope="module")
def loco(model):
    return VRLocomotion(model)


@pytest.fixture(scope="module")
def grown(model):
    """The walkable area grown by a nanometre (float tolerance of the boundary)."""
    g = model.walkable.buffer(1e-7)
    shapely.prepare(g)
    return g


# -- poses --------------------------------------------------------------------------------------
@given(st.floats(-3.1, 3.1), st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_yaw_pitch_roll_round_trip(yaw, pitch, roll):
    p = Pose.from_ypr((1, 2, 3), yaw, pitch, roll)
    assert p.yaw == pytest.approx(yaw, abs=1e-9)
    assert p.pitch == pytest.approx(pitch, abs=1e-9)
    assert p.roll == pytest.approx(roll, abs=1e-9)


def test_axes_follow_the_plan_conventions():
    p = Pose.from_ypr((0, 0, 0), math.radians(90))  # facing west
    assert p.forward == pytest.approx((-1, 0, 0), abs=1e-12)
    assert p.right == pytest.approx((0, 1, 0), abs=1e-12)
    up = Pose.from_ypr((0, 0, 0), 0, math.radians(30))
    assert up.forward == pytest.approx((0, math.cos(math.radians(30)), 0.5), abs=1e-12)


def test_compose_and_inverse():
    a = Pose.from_ypr((1, 2, 0.5), 0.7, 0.2, -0.1)
    b = Pose.from_ypr((0.3, -0.2, 1.0), -1.1, 0.3, 0.05)
    ab = a.compose(b)
    back = a.inverse().compose(ab)
    assert back.position == pytest.approx(b.position, abs=1e-12)
    assert abs(sum(x * y for x, y in zip(back.orientation, b.orientation))) == pytest.approx(1.0, abs=1e-12)
    assert quat_mul(quat_axis("z", 0.3), quat_axis("z", 0.4)) == pytest.approx(quat_axis("z", 0.7), abs=1e-12)


def test_invalid_values_are_usage_errors():
    with pytest.raises(UsageError):
        Pose((0, 0, math.nan))
    with pytest.raises(UsageError):
        Controller(stick=(1.5, 0))
    with pytest.raises(UsageError):
        Fov(0.5, -0.5, 0.5, -0.5)
    with pytest.raises(UsageError):
        ScriptedPoseSource(ipd=0.2)
    with pytest.raises(UsageError):
        ScriptedPoseSource(mode="lying")
    with pytest.raises(UsageError):
        VRSettings(speed=2.0)  # above the 1.4 m/s comfort cap
    with pytest.raises(UsageError):
        VRSettings(turn="spin")


def test_symmetric_fov_and_focal_length():
    f = Fov.symmetric(math.radians(100), 0.9)
    assert f.right == -f.left == pytest.approx(math.radians(50))
    assert math.tan(f.up) == pytest.approx(math.tan(math.radians(50)) / 0.9)
    assert f.focal_px(1440) == pytest.approx(720 / math.tan(math.radians(50)))


# -- the scripted source ------------------------------------------------------------------------
def test_scripted_source_interpolates_heads_and_holds_inputs():
    src = ScriptedPoseSource([
        Key(0.0, Pose.at(0, 0, 1.6, 0.0), Controller(stick=(0, 0))),
        Key(1.0, Pose.at(1, 0, 1.6, math.radians(90)), Controller(trigger=1.0)),
    ])
    f = src.poll(0.5)
    assert f.head.position == pytest.approx((0.5, 0, 1.6))
    assert f.head.yaw == pytest.approx(math.radians(45))
    assert f.controller.trigger == 0.0
    assert src.poll(1.5).controller.trigger == 1.0
    assert src.poll(1.5).head.yaw == pytest.approx(math.radians(90))
    assert src.kind == "scripted" and src.refresh_rate == 90


def test_scripted_eyes_are_an_ipd_apart_across_the_head():
    src = ScriptedPoseSource([Key(0, Pose.at(0.2, 0.1, 1.7, math.radians(30)))], ipd=0.07)
    f = src.poll(0.0)
    assert math.dist(f.eyes[0].pose.position, f.eyes[1].pose.position) == pytest.approx(0.07) and src.ipd == 0.07
    left, right = f.eyes
    d = np.subtract(right.pose.position, left.pose.position)
    assert d == pytest.approx(np.multiply(f.head.right, 0.07))  # left to right along the head's x
    mid = (np.add(left.pose.position, right.pose.position)) / 2
    assert mid == pytest.approx(f.head.position)
    assert f.controller.aim is not None  # the default hand
    assert f.controller.aim.forward == pytest.approx(f.head.forward)


def test_recentre_standing_keeps_the_floor_and_turns_forward():
    src = ScriptedPoseSource([Key(0, Pose.at(0.8, -0.4, 1.72, math.radians(40)))])
    before = src.poll(0.0)
    assert before.head.position == pytest.approx((0.8, -0.4, 1.72))
    src.recentre()
    after = src.poll(0.1)
    assert after.head.position == pytest.approx((0, 0, 1.72), abs=1e-12)  # the trainee's own height
    assert after.head.yaw == pytest.approx(0, abs=1e-12)
    assert math.dist(after.eyes[0].pose.position, after.eyes[1].pose.position) == pytest.approx(IPD)
    assert src.recentres == 1


def test_seated_mode_puts_the_head_at_the_seated_eye_height():
    src = ScriptedPoseSource([Key(0, Pose.at(0.1, 0.05, 0.08, math.radians(-20)))], mode="seated",
                             seated_eye_height=1.2)
    assert src.poll(0).head.position[2] == pytest.approx(1.2 + 0.08)  # local space: head near 0
    src.recentre()
    f = src.poll(0.1)
    assert f.head.position == pytest.approx((0, 0, 1.2), abs=1e-12)
    assert f.head.yaw == pytest.approx(0, abs=1e-12)


# -- the vignette -------------------------------------------------------------------------------
def test_vignette_strength_is_zero_when_still_and_rises_with_motion():
    s = comfort.VignetteSettings()
    assert comfort.target_strength(0, 0, s) == 0.0
    speeds = [comfort.target_strength(v, 0, s) for v in (0.1, 0.5, 1.0, 1.4, 3.0)]
    assert speeds == sorted(speeds) and speeds[0] > 0 and speeds[-1] == s.max_strength
    rates = [comfort.target_strength(0, w * DEG, s) for w in (5, 20, 45, 60)]
    assert rates == sorted(rates) and rates[-1] == pytest.approx(s.max_strength)
    assert comfort.target_strength(1.0, 0, comfort.VignetteSettings(enabled=False)) == 0.0


def test_vignette_fades_out_after_motion_stops():
    v = comfort.Vignette()
    assert v.update(1.4, 0, DT) == pytest.approx(v.settings.max_strength)
    n = 0
    while v.update(0, 0, DT) > 0:
        n += 1
        assert n < 1000
    assert n * DT <= v.settings.fade_out + DT
    assert v.strength == 0.0


def test_vignette_mask_clear_in_the_centre_dark_at_the_edges():
    m = vignette.mask(200, 100)
    assert m.shape == (100, 200)
    assert m[50, 100] == 0.0 and m[45:55, 90:110].max() == 0.0
    assert m[0, 0] == pytest.approx(1.0) and m[50, 0] > 0.8 and m[0, 100] > 0.8
    off = vignette.mask(100, 100, centre=(0.6, 0.5))  # an asymmetric eye: clear around its axis
    assert off[50, 60] == 0.0 and off[50, 0] > off[50, 99]
    f = Fov(math.radians(-40), math.radians(50), math.radians(45), math.radians(-45))
    cx, cy = comfort.axis_point(f)
    assert cx == pytest.approx(math.tan(math.radians(40)) / (math.tan(math.radians(40)) + math.tan(math.radians(50))))
    assert cy == pytest.approx(0.5)


@pytest.mark.parametrize("centre", [(0.5, 0.5), (0.62, 0.45)])
def test_vignette_ring_covers_exactly_the_darkened_part_with_the_masks_alpha(centre):
    import shapely

    s = comfort.VignetteSettings()
    verts, tris = comfort.ring(s, centre)
    corners = verts[tris][..., :2]  # (triangles, 3, xy)
    a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
    twice_area = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    assert (twice_area > 0).all()  # counter-clockwise: front faces for the overlay camera
    cover = shapely.union_all(shapely.polygons(corners))
    # pixel centres of a 96x96 image, in normalised device coordinates (y up)
    u = (np.arange(96) + 0.5) / 96
    x, y = np.meshgrid(2 * u - 1, 1 - 2 * u)
    m = vignette.mask(96, 96, s, centre)
    inside = shapely.contains_xy(cover, x, y)
    assert inside[m > 1e-3].all()  # every darkened pixel is drawn
    r = np.hypot(x - (2 * centre[0] - 1), y - (1 - 2 * centre[1]))
    assert not inside[r < s.inner * 0.998].any()  # the clear centre is not drawn at all (no fill)
    assert inside.mean() < 0.9
    # alpha between the rings follows the mask's smooth step closely
    for tri, pts in zip(tris[::37], corners[::37]):
        centroid = pts.mean(axis=0)
        alpha = verts[tri, 2].mean()
        r = math.hypot(centroid[0] - (2 * centre[0] - 1), centroid[1] - (1 - 2 * centre[1]))
        assert alpha == pytest.approx(float(comfort.smoothstep(s.inner, s.outer, r)), abs=0.05)


# -- teleport ---------------------------------------------------------------------------------------
def test_teleport_lands_where_the_parabola_meets_the_floor(model):
    tp = Teleporter(model, TeleportSettings(snap=0.0))
    o = (1.0, 6.3, 1.2)  # corridor, aiming east along it, level
    land = tp.aim(o, (1, 0, 0))
    v, g = tp.settings.launch_speed, tp.settings.gravity
    t = math.sqrt(2 * o[2] / g)
    assert land.reason == "floor" and land.valid
    assert land.point == pytest.approx((o[0] + v * t, o[1]), abs=1e-6)
    assert land.arc[0] == pytest.approx(o) and land.arc[-1] == pytest.approx((o[0] + v * t, o[1], 0), abs=1e-6)


def test_teleport_is_stopped_by_walls_and_door_heads(model):
    tp = Teleporter(model)
    land = tp.aim((1.0, 6.3, 1.2), (0, -1, 0.0))  # south from the corridor into the wall of room 101
    assert not land.valid and land.reason == "wall" and land.point is None
    assert land.hit[1] == pytest.approx(5.0 + model.layout.ward.wall_thickness / 2, abs=0.02)
    through = tp.aim((1.8, 6.3, 1.2), (0, -1, 0.0))  # through door D101 (x 1.2-2.4), low
    assert through.valid and model.walkable.covers(Point(through.point)) and through.point[1] < 5.0
    high = tp.aim((1.8, 5.6, 1.9), (0, -1, 0.6))  # over the door head: blocked by the wall above
    assert not high.valid and high.reason in ("wall", "ceiling")


def test_teleport_snaps_a_floor_hit_beside_a_wall_inside_but_never_through_it(model):
    tp = Teleporter(model)
    land = tp.aim((3.6, 6.3, 1.6), (0, 0.17, -1))  # steeply down at the foot of the med room wall (y 7.6)
    assert land.valid and land.reason in ("floor", "snapped")
    assert model.walkable.covers(Point(land.point)) and land.point[1] < 7.6


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fx=st.floats(0.0, 1.0), fy=st.floats(0.0, 1.0), z=st.floats(0.6, 2.0), yaw=st.floats(-math.pi, math.pi),
       pitch=st.floats(-1.45, 1.2), speed=st.floats(2.0, 15.0), snap=st.floats(0.0, 1.0))
def test_teleport_never_lands_outside_the_walkable_area(model, grown, fx, fy, z, yaw, pitch, speed, snap):
    x0, y0, x1, y1 = model.floor.bounds
    o = (x0 + fx * (x1 - x0), y0 + fy * (y1 - y0), z)  # anywhere over the ward, even in walls
    d = Pose.from_ypr((0, 0, 0), yaw, pitch).forward
    tp = _teleporters(model, speed, snap)
    land = tp.aim(o, d)
    if land.valid:
        assert grown.covers(Point(land.point))
        assert model.walkable.distance(Point(land.point)) <= 1e-7
    else:
        assert land.point is None and land.reason != "floor"


_TP = {}


def _teleporters(model, speed, snap):
    key = (round(speed, 1), round(snap, 1))
    if key not in _TP:
        _TP[key] = Teleporter(model, TeleportSettings(launch_speed=key[0], snap=key[1]))
    return _TP[key]


# -- turning and walking ------------------------------------------------------------------------------
HEAD = Pose.at(0.3, -0.2, 1.65, math.radians(10))


def _start(loco, model, x=3.6, y=6.3, yaw=0.0):
    return loco.start(HEAD, x, y, yaw)


def _world_head(state: MotionState, head: Pose = HEAD) -> Pose:
    return state.rig.to_world(head)


def test_rig_placing_puts_the_head_where_asked():
    rig = Rig().placing(HEAD, 4.0, 5.0, math.radians(90))
    w = rig.to_world(HEAD)
    assert w.position[:2] == pytest.approx((4.0, 5.0))
    assert w.yaw == pytest.approx(math.radians(90))
    turned = rig.turned(HEAD, math.radians(45))
    assert turned.to_world(HEAD).position == pytest.approx(w.position)  # turned about the head
    assert turned.to_world(HEAD).yaw == pytest.approx(math.radians(135))


def test_snap_turn_is_instantaneous_and_needs_a_return_to_centre(loco, model):
    s = _start(loco, model)
    yaw0, pos0 = _world_head(s).yaw, _world_head(s).position
    yaws = []
    for stick in [(0, 0), (0.5, 0), (1.0, 0), (1.0, 0), (1.0, 0), (0.2, 0)] + [(0, 0)] * 20 + [(-1.0, 0)]:
        r = loco.step(s, HEAD, Controller(stick=stick), DT)
        s = r.state
        yaws.append((round(math.degrees(wrap_angle(_world_head(s).yaw - yaw0)), 9), r.snap_turned, r.yaw_rate))
    assert [y for y, _, _ in yaws[:6]] == [0, 0, -45, -45, -45, -45]  # right: clockwise, once, in one frame
    assert [snap for _, snap, _ in yaws].count(True) == 2
    assert yaws[-1][0] == 0 and yaws[-1][1]  # left again after the stick came back
    assert all(rate == 0 for _, _, rate in yaws)  # no continuous yaw: no vignette
    assert _world_head(s).position == pytest.approx(pos0)  # about the head
    assert s.snap_turns == 2 and s.turned == pytest.approx(math.radians(90))


def test_snap_turn_debounce(model):
    loco = VRLocomotion(model, VRSettings(snap_debounce=0.5))
    s = _start(loco, model)
    snaps = 0
    for i in range(40):
        r = loco.step(s, HEAD, Controller(stick=((1.0, 0) if i % 2 == 0 else (0, 0))), DT)
        s, snaps = r.state, snaps + r.snap_turned
    assert snaps == 1  # 40 frames of 1/90 s: less than the debounce after the first


def test_smooth_turn_at_the_turn_rate(model):
    loco = VRLocomotion(model, VRSettings(turn="smooth"))
    s = _start(loco, model)
    yaw0 = _world_head(s).yaw
    for _ in range(45):
        r = loco.step(s, HEAD, Controller(stick=(-1.0, 0)), DT)
        s = r.state
        assert r.yaw_rate == pytest.approx(math.radians(60)) and not r.snap_turned
    assert wrap_angle(_world_head(s).yaw - yaw0) == pytest.approx(math.radians(30))  # left: 60 deg/s for 0.5 s


def test_smooth_walking_is_capped_and_collides(model, grown):
    loco = VRLocomotion(model, VRSettings(locomotion="smooth"))
    s = _start(loco, model, 3.6, 6.3, 0.0)  # corridor, facing north toward the med room wall
    start = _world_head(s).position
    speeds = []
    for _ in range(90):
        r = loco.step(s, HEAD, Controller(stick=(0, 1.0)), DT)
        s = r.state
        speeds.append(r.speed)
        w = _world_head(s).position
        assert grown.covers(Point(w[0], w[1])) or model.walkable.distance(Point(w[0], w[1])) < 1e-6
    assert max(speeds) <= MAX_SPEED + 1e-9
    assert speeds[0] == pytest.approx(MAX_SPEED)
    w = _world_head(s).position
    assert math.hypot(w[0] - start[0], w[1] - start[1]) <= MAX_SPEED * 1.0 + 1e-9
    assert s.distance == pytest.approx(sum(v * DT for v in speeds))


def test_teleport_by_stick_aim_and_release(loco, model):
    s = _start(loco, model, 1.0, 6.3, math.radians(-90))  # corridor, facing east
    head = HEAD
    aim = Pose.from_ypr(head.transform((0.2, 0.3, -0.4)), head.yaw, math.radians(-15))  # the hand, a bit down

    def ctrl(x, y):
        return Controller(stick=(x, y), aim=aim)

    assert not loco.step(s, head, Controller(stick=(0, 1.0)), DT).state.landing  # untracked: nothing to aim
    r = loco.step(s, head, ctrl(0, 1.0), DT)
    assert r.state.aiming and r.state.landing is not None and r.state.landing.valid
    r = loco.step(r.state, head, ctrl(0, 0.9), DT)  # still aiming
    target = r.state.landing.point
    assert target[0] > 2.0 and target[1] == pytest.approx(_world_head(s).position[1], abs=0.25)
    r = loco.step(r.state, head, ctrl(0, 0), DT)  # released: go
    assert r.teleported and r.state.teleports == 1 and not r.state.aiming
    assert _world_head(r.state, head).position[:2] == pytest.approx(target)
    assert _world_head(r.state, head).yaw == pytest.approx(math.radians(-90))
    # pulling back cancels
    r = loco.step(r.state, head, ctrl(0, 1.0), DT)
    r = loco.step(r.state, head, ctrl(0, -1.0), DT)
    r = loco.step(r.state, head, ctrl(0, 0), DT)
    assert not r.teleported and r.state.teleports == 1
    # not allowed (a form is up): no aim
    r = loco.step(r.state, head, ctrl(0, 1.0), DT, allowed=False)
    assert not r.state.aiming


# -- panels ---------------------------------------------------------------------------------------
def test_panel_placement_and_pointer_hit():
    head = Pose.at(2.0, 3.0, 1.6, math.radians(90))  # facing west
    plc = panels.place(head)
    assert plc.centre == pytest.approx((2.0 - panels.DISTANCE, 3.0, 1.6 - panels.DROP))
    assert plc.point(0.3, 0.1) == pytest.approx((2.0 - panels.DISTANCE, 3.0 + 0.3, 1.6 - panels.DROP + 0.1))  # right: north
    w, h = 1.2, 0.8
    target = plc.point(0.25, -0.2)
    d = np.subtract(target, head.position)
    hit = panels.hit(plc, w, h, head.position, d)
    assert hit is not None and hit.uv == pytest.approx((0.25, -0.2))
    assert hit.t == pytest.approx(float(np.linalg.norm(d))) and hit.point == pytest.approx(target)
    assert panels.hit(plc, w, h, head.position, -d) is None  # pointing away
    assert panels.hit(plc, w, h, head.position, np.subtract(plc.point(0.7, 0), head.position)) is None  # beside it
    behind = plc.pose.transform((0, 1.0, 0))  # from behind the panel
    assert panels.hit(plc, w, h, behind, np.subtract(plc.centre, behind)) is None


# -- Panda3D stays out of the pure cores ------------------------------------------------------------
def test_pure_vr_modules_import_without_panda3d():
    assert_imports_without_panda3d("""
        import wardtwin.station.vr
        import wardtwin.station.vr.pose, wardtwin.station.vr.comfort, wardtwin.station.vr.teleport
        import wardtwin.station.vr.motion, wardtwin.station.vr.panel, wardtwin.station.vr.xr
        assert "xr" not in sys.modules  # pyopenxr only when asked
    """)
