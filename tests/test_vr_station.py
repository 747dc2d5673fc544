"""The VR station offscreen (one ShowBase for the module): a scripted head-pose source drives
the stereo rig on the tiny ward. Both eyes render; the disparity of a near object matches the
IPD; a scripted yaw turns the view by the right amount; the vignette darkens only the
periphery and only while moving; snap turns take one frame; teleports land on the walkable
area; the pointer selects panel buttons and items; hooks read and override the pose."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import Point

import vignette
from conftest import TINY
from wardtwin.errors import UsageError, WardtwinError
from wardtwin.model import load_model
from wardtwin.station.vr import comfort
from wardtwin.station.vr.motion import VRSettings
from wardtwin.station.vr.pose import Controller, Key, Pose, ScriptedPoseSource

EYE = (256, 256)
MAGENTA = (1.0, 0.0, 1.0, 1.0)
#: The corridor of the tiny ward, looking east along it.
START = (1.0, 6.3)
EAST = math.radians(-90)


@pytest.fixture(scope="module")
def model():
    return load_model(TINY)


@pytest.fixture(scope="module")
def station(model):
    pytest.importorskip("panda3d")
    from wardtwin.scene.offscreen import RenderError
    from wardtwin.station.vr.station import VRStation

    try:
        st = VRStation(model, ScriptedPoseSource(), eye_size=EYE)
    except (RenderError, WardtwinError) as exc:  # pragma: no cover - no offscreen renderer here
        pytest.skip(f"no offscreen renderer: {exc}")
    yield st
    st.close()


@pytest.fixture
def fresh(station):
    """The station in the corridor facing east, head at the tracking origin, default settings,
    no hooks, no panel, no input."""
    src = ScriptedPoseSource()
    station.source = src
    station.hooks.clear()
    station.allow_motion = True
    station.vignette_visible = True
    station.configure(VRSettings())
    station.show_panel(None)
    station.step(1)
    station.place(*START, EAST)
    station.step(1)
    return station


def _blob(img: np.ndarray, colour=(255, 0, 255)) -> np.ndarray:
    r, g, b = (img[..., k].astype(int) for k in range(3))
    return (np.abs(r - colour[0]) < 40) & (np.abs(g - colour[1]) < 40) & (np.abs(b - colour[2]) < 40)


def _centroid_x(img: np.ndarray) -> float:
    """Mean column (pixels, 0 at the left edge of the image) of the magenta object."""
    m = _blob(img)
    assert m.sum() > 20, "the marker is not in view"
    return float(np.nonzero(m)[1].mean()) + 0.5


def _marker(station, at, size=0.1, facing=None):
    """A flat magenta square centred at ``at`` (m), facing the trainee's head."""
    from panda3d.core import CardMaker

    cm = CardMaker("marker")
    cm.set_frame(-size / 2, size / 2, -size / 2, size / 2)
    node = station.base.render.attach_new_node(cm.generate())
    node.set_pos(*at)
    node.set_color(*MAGENTA)
    node.set_light_off(1)
    node.set_two_sided(True)
    node.set_bin("fixed", 30)
    head = station.head.position
    node.look_at(2 * at[0] - head[0], 2 * at[1] - head[1], at[2])  # its face toward the head
    return node


def _project_x(station, eye_index: int, p) -> float:
    """Where world point ``p`` (m) falls in an eye's image, pixels from the left (pure math)."""
    eye = station.tracked.eyes[eye_index].pose
    world_eye = station.motion.rig.to_world(eye)
    local = world_eye.inverse().transform(p)
    f = station.rig.eyes[eye_index].fov.focal_px(EYE[0])
    fov = station.rig.eyes[eye_index].fov
    return EYE[0] * comfort.axis_point(fov)[0] + f * local[0] / local[1]


# -- rendering ------------------------------------------------------------------------------------
def test_both_eyes_render_the_ward(fresh):
    left, right = fresh.eye_images()
    assert left.shape == right.shape == (EYE[1], EYE[0], 3)
    for img in (left, right):
        assert img.std() > 10  # not blank: walls, floor, ceiling, doors
        assert len(np.unique(img.reshape(-1, 3), axis=0)) > 20
    assert np.abs(left.astype(int) - right.astype(int)).mean() > 0.5  # two viewpoints
    assert fresh.scene.current_cell == "corridor"  # portal cells at the head
    assert not fresh.base.graphicsEngine.get_portal_cull()  # WardScene culls its own cells


def test_eye_cameras_follow_the_pure_pose_math(fresh):
    from panda3d.core import LQuaternionf, NodePath

    p = Pose.from_ypr((0, 0, 0), math.radians(33), math.radians(-12), math.radians(7))
    n = NodePath("probe")
    n.set_quat(LQuaternionf(*p.orientation))
    assert tuple(n.get_hpr()) == pytest.approx((33, -12, 7), abs=1e-4)  # the same convention as Panda3D's HPR
    fresh.source.set(head=Pose.at(0.1, 0.2, 1.7, math.radians(15), math.radians(-5)))
    fresh.step(1)
    for i, eye in enumerate(fresh.rig.eyes):
        want = fresh.motion.rig.to_world(fresh.tracked.eyes[i].pose).position
        got = eye.camera.get_pos(fresh.base.render)
        assert (got.x, got.y, got.z) == pytest.approx(want, abs=1e-5)


@pytest.mark.parametrize("ipd", [0.063, 0.072])
def test_disparity_of_a_near_object_matches_the_ipd(fresh, ipd):
    fresh.source = ScriptedPoseSource(ipd=ipd)
    fresh.step(1)
    fresh.place(*START, EAST)
    fresh.step(1)
    head = fresh.head
    distance = 0.4
    f = fresh.rig.eyes[0].fov.focal_px(EYE[0])
    expected = f * ipd / distance  # parallel eyes: x_left - x_right = f * IPD / Z
    # the object swept across one pixel in eighths: the pixel grid's rounding averages out
    xs = []
    for k in range(8):
        shift = k / 8
        node = _marker(fresh, head.transform((shift * distance / f, distance, 0.0)), size=0.06)
        try:
            left, right = fresh.eye_images()
        finally:
            node.remove_node()
        xs.append((_centroid_x(left) - shift, _centroid_x(right) - shift))
    xl, xr = np.mean(xs, axis=0)
    assert expected > 15
    assert xl - xr == pytest.approx(expected, abs=0.15)
    assert xl - EYE[0] / 2 == pytest.approx(expected / 2, abs=0.15)  # left eye: the object right of centre
    assert xr - EYE[0] / 2 == pytest.approx(-expected / 2, abs=0.15)
    assert fresh.summary().ipd_m == pytest.approx(ipd)


def test_a_scripted_yaw_turns_the_view_by_the_right_amount(fresh):
    head = fresh.head
    bearing = math.radians(30)  # 30 degrees left of the view, 2.2 m away
    yaw = head.yaw + bearing
    at = (head.position[0] - 2.2 * math.sin(yaw), head.position[1] + 2.2 * math.cos(yaw), head.position[2])
    node = _marker(fresh, at, size=0.16)
    try:
        before = [_centroid_x(img) for img in fresh.eye_images()]
        for i in range(2):  # within a pixel (the grid, and a tilted square's centroid)
            assert before[i] == pytest.approx(_project_x(fresh, i, at), abs=1.0)
        f = fresh.rig.eyes[0].fov.focal_px(EYE[0])
        cx = EYE[0] / 2
        seen_before = math.degrees(math.atan((cx - sum(before) / 2) / f))  # bearing of the marker in the view
        # the head turns 30 degrees left over half a second (scripted, interpolated)
        t0 = fresh.time
        fresh.source.set_script([Key(t0, Pose.at(0, 0, 1.65, 0.0)), Key(t0 + 0.5, Pose.at(0, 0, 1.65, bearing))])
        fresh.step(int(0.5 * fresh.fps) + 2)
        assert fresh.head.yaw - head.yaw == pytest.approx(bearing, abs=1e-9)
        after = [_centroid_x(img) for img in fresh.eye_images()]
        for i in range(2):
            assert after[i] == pytest.approx(_project_x(fresh, i, at), abs=1.0)
        seen_after = math.degrees(math.atan((cx - sum(after) / 2) / f))
        assert seen_before == pytest.approx(30.0, abs=0.5)
        assert seen_after == pytest.approx(0.0, abs=0.5)  # straight ahead now: the view turned 30 degrees
        cam_h = fresh.rig.eyes[0].camera.get_h(fresh.base.render)
        assert math.radians(cam_h) == pytest.approx(fresh.head.yaw, abs=1e-4)
    finally:
        node.remove_node()


def test_an_asymmetric_field_of_view_is_rendered_as_reported(fresh):
    from wardtwin.station.vr.pose import Fov

    fov = Fov(math.radians(-50), math.radians(38), math.radians(44), math.radians(-52))  # a headset's left eye
    fresh.source = ScriptedPoseSource(fov=fov)
    fresh.step(1)
    fresh.place(*START, EAST)
    fresh.step(1)
    assert fresh.rig.eyes[0].fov == fov
    head = fresh.head
    at = head.transform((0.25, 1.5, 0.1))  # a little right of and above the view axis
    node = _marker(fresh, at, size=0.08)
    try:
        xs = [_centroid_x(img) for img in fresh.eye_images()]
    finally:
        node.remove_node()
    for i in range(2):
        assert xs[i] == pytest.approx(_project_x(fresh, i, at), abs=1.0)
    # the symmetric projection would put it elsewhere: the lens really is off-centre
    f = fresh.rig.eyes[0].fov.focal_px(EYE[0])
    assert abs(xs[0] - (EYE[0] / 2 + f * (0.25 + fresh.source.ipd / 2) / 1.5)) > 10


# -- comfort ------------------------------------------------------------------------------------
def _same(a, b, tol=1):
    return int(np.abs(a.astype(int) - b.astype(int)).max()) <= tol


def test_vignette_darkens_only_the_periphery_only_while_moving(fresh):
    fresh.configure(VRSettings(locomotion="smooth", turn="smooth"))
    fresh.step(3)
    assert fresh.vignette.strength == 0.0
    still_on = fresh.eye_images()
    fresh.vignette_visible = False
    still_off = fresh.eye_images()
    fresh.vignette_visible = True
    assert all(_same(a, b, 0) for a, b in zip(still_on, still_off))  # still: no vignette at all

    fresh.source.set(controller=Controller(stick=(0, 1.0)))  # walk east along the corridor
    fresh.step(10)
    s = fresh.vignette.strength
    assert s == pytest.approx(fresh.settings.vignette.max_strength)  # full speed: 1.4 m/s
    assert fresh.last_tick.speed == pytest.approx(1.4)
    moving_on = fresh.eye_images()
    fresh.vignette_visible = False
    moving_off = fresh.eye_images()
    fresh.vignette_visible = True
    m = vignette.mask(EYE[0], EYE[1], fresh.settings.vignette)
    centre, edge = m == 0.0, m >= 0.95
    assert centre.mean() > 0.2 and edge.mean() > 0.05
    for on, off in zip(moving_on, moving_off):
        diff = off.astype(int) - on.astype(int)
        assert np.abs(diff[centre]).max() <= 1  # the centre is untouched
        assert (diff >= -1).all()  # nothing gets brighter
        lum_on, lum_off = on[edge].astype(float).mean(), off[edge].astype(float).mean()
        assert lum_on == pytest.approx(lum_off * (1 - s), rel=0.08, abs=3)  # the edge: darkened by the strength
        expected = vignette.apply(off, s, m)
        assert np.abs(expected.astype(int) - on.astype(int)).mean() < 2.0

    fresh.source.set(controller=Controller())  # stop
    fresh.step(int(fresh.settings.vignette.fade_out * fresh.fps) + 2)
    assert fresh.vignette.strength == 0.0
    stopped_on = fresh.eye_images()
    fresh.vignette_visible = False
    stopped_off = fresh.eye_images()
    fresh.vignette_visible = True
    assert all(_same(a, b, 0) for a, b in zip(stopped_on, stopped_off))


def test_smooth_turn_vignettes_and_snap_turn_takes_one_frame(fresh):
    fresh.configure(VRSettings(turn="smooth"))
    fresh.source.set(controller=Controller(stick=(1.0, 0)))
    fresh.step(5)
    assert fresh.vignette.strength > 0.5 and fresh.last_tick.yaw_rate == pytest.approx(math.radians(60))
    fresh.source.set(controller=Controller())
    fresh.step(40)
    fresh.configure(VRSettings())  # snap turns
    headings = []
    for stick in [(0, 0), (1.0, 0), (1.0, 0), (1.0, 0), (0, 0), (0, 0)]:
        fresh.source.set(controller=Controller(stick=stick))
        fresh.step(1)
        headings.append(fresh.rig.eyes[0].camera.get_h(fresh.base.render))
        assert fresh.vignette.strength == 0.0  # snap turns are not vignetted
    turns = [((b - a + 180) % 360) - 180 for a, b in zip(headings, headings[1:])]
    assert turns == pytest.approx([-45, 0, 0, 0, 0], abs=1e-3)  # the whole 45 degrees in exactly one frame
    assert fresh.summary().snap_turns >= 1


def test_teleport_lands_inside_the_walkable_area(fresh, model):
    before = fresh.head.position
    fresh.source.set(controller=Controller(stick=(0, 1.0)))
    fresh.step(2)
    land = fresh.motion.landing
    assert fresh.motion.aiming and land is not None and land.valid
    assert not fresh.marker_np.is_hidden()
    left, _ = fresh.eye_images()
    assert (np.abs(left.astype(int) - (51, 217, 115)).sum(axis=2) < 40).sum() > 5  # the green landing marker
    fresh.source.set(controller=Controller())
    tick = fresh.step(1)
    assert tick.teleported and fresh.marker_np.is_hidden()
    after = fresh.head.position
    assert after[:2] == pytest.approx(land.point)
    assert model.walkable.distance(Point(after[:2])) < 1e-7
    assert after[0] > before[0] + 1.0  # east along the corridor


# -- the pointer, panels and hooks -------------------------------------------------------------
def _aim_at(station, target, origin_local=(0.15, 0.3, -0.3)) -> Controller:
    """A controller held near the head, aimed at the ward point ``target`` (m)."""
    head_t = station.tracked.head
    o = head_t.transform(origin_local)
    target_t = station.motion.rig.pose.inverse().transform(target)
    d = np.subtract(target_t, o)
    d /= np.linalg.norm(d)
    yaw, pitch = math.atan2(-d[0], d[1]), math.asin(d[2])
    return Pose.from_ypr(tuple(o), yaw, pitch)


def test_pointer_selects_panel_buttons_and_hooks_receive_it(fresh):
    from wardtwin.station.panelui import layout
    from wardtwin.station.tourplay import Panel

    seen = []
    fresh.add_hook(seen.append)
    lay = layout(Panel("choice", "Where is the crash cart?", "Point and pull the trigger.",
                       ("Medication room", "Patient 101", "Stair A")))
    fresh.show_panel(lay)
    assert fresh._panel_np is not None
    target_button = lay.buttons[2]
    x0, y0, x1, y1 = target_button.rect
    target = fresh.panel_place.point((x0 + x1) / 2, (y0 + y1) / 2)
    aim = _aim_at(fresh, target)
    fresh.source.set(controller=Controller(aim=aim))
    fresh.step(1)
    assert seen[-1].hover is not None and seen[-1].hover.kind == "panel" and seen[-1].hover.ref == target_button
    assert seen[-1].hover.ref.action == ("choose", 2) and seen[-1].selection is None
    lit = fresh.eye_images()[0]
    fresh.show_panel(lay)  # the same layout again (every frame, as a tour does): nothing moves
    fresh.source.set(controller=Controller(aim=aim, trigger=1.0))
    fresh.step(3)  # held: one selection, on the press
    sel = [t.selection for t in seen[-3:]]
    assert sel[0] == fresh.pointer() and sel[0].ref.action == ("choose", 2) and sel[1:] == [None, None]
    assert sel[0].distance == pytest.approx(math.dist(fresh.motion.rig.point(aim.position), target), abs=1e-6)
    assert _blob(lit, (77, 128, 191)).sum() > 20  # the button under the pointer is lit
    fresh.show_panel(None)
    fresh.source.set(controller=Controller(aim=aim))
    fresh.step(1)
    assert seen[-1].hover is None


def test_pointer_points_at_items(fresh, model):
    fresh.place(4.5, 6.3, math.radians(-45))
    fresh.step(1)
    fp = model.plan.footprints["FE-1"]
    lay = model.layout
    it = lay.item_by_id["FE-1"]
    z = lay.elevation_of(it) + lay.item_type(it).height / 2
    fresh.source.set(controller=Controller(aim=_aim_at(fresh, (fp.centroid.x, fp.centroid.y, z))))
    fresh.step(1)
    hit = fresh.pointer()
    assert hit is not None and (hit.kind, hit.ref) == ("item", "FE-1")


def test_hooks_read_and_override_the_pose(fresh):
    calls = []

    def ride(tick):
        calls.append(tick)
        if len(calls) == 2:
            tick.station.place(2.0, 6.0, math.radians(180))
        if len(calls) >= 3:  # a slow ride: continuous motion, vignetted
            p = tick.station.pose
            tick.station.place(p.x + 0.01, p.y, instant=False)

    fresh.add_hook(ride)
    fresh.step(2)
    assert fresh.pose.x == pytest.approx(2.0) and fresh.pose.heading == pytest.approx(math.pi)
    assert fresh.vignette.strength == 0.0  # an instant placement
    fresh.step(1)
    assert calls[2].pose.x == pytest.approx(2.0) and calls[2].pose.y == pytest.approx(6.0)
    fresh.step(2)
    assert fresh.pose.x == pytest.approx(2.03)
    assert fresh.vignette.strength > 0  # 0.9 m/s ride
    assert fresh.scene.current_cell == "corridor"
    cam = fresh.rig.eyes[0].camera.get_pos(fresh.base.render)
    assert cam.x == pytest.approx(2.03, abs=0.04)
    fresh.hooks.remove(ride)
    fresh.allow_motion = False
    fresh.source.set(controller=Controller(stick=(0, 1.0)))
    fresh.step(2)
    assert not fresh.motion.aiming  # locomotion off: a form is up


def test_recentre_keeps_the_trainee_where_they_stand(fresh):
    fresh.source.set(head=Pose.at(0.5, 0.3, 1.7, math.radians(20)))
    fresh.step(1)
    where = fresh.head.position
    rig_yaw = fresh.motion.rig.yaw
    fresh.source.set(controller=Controller(recentre=True))
    fresh.step(3)  # held: one recentre
    assert fresh.source.recentres == 1
    assert fresh.head.position == pytest.approx(where, abs=1e-9)
    assert fresh.head.yaw == pytest.approx(rig_yaw, abs=1e-9)
    assert fresh.summary().recentres == 1


def test_frame_times_and_summary(fresh):
    n0 = fresh.frame_stats.summary().count
    fresh.step(5)
    ft = fresh.frame_stats.summary()
    assert ft.count == n0 + 5
    assert set(ft.as_dict()) >= {"count", "over_budget_11ms", "over_budget_14ms", "p95_ms", "mean_ms"}
    assert 0 <= ft.over_budget_14ms <= ft.over_budget_11ms <= ft.count
    s = fresh.summary()
    assert s.station == "vr" and s.source == "scripted" and s.room == "corridor"
    assert list(s.eye_size) == list(EYE) and s.frame_times == ft


def test_misuse_is_a_usage_error(model, fresh):
    from wardtwin.station.vr.station import VRStation

    with pytest.raises(UsageError, match="one station per process"):
        VRStation(model)
    with pytest.raises(UsageError):
        fresh.run()  # offscreen needs a number of frames
    with pytest.raises(UsageError):
        fresh.show_panel("not a panel")
    with pytest.raises(UsageError):
        fresh.place(math.nan, 0)


def test_wall_fade_is_zero_in_a_room_and_black_deep_in_a_wall(model):
    free = comfort.FreeSpace(model.plan)
    assert free.depth(1.0, 6.3) == 0.0  # the corridor
    assert free.depth(1.8, 7.6) == pytest.approx(0.075, abs=1e-6)  # on the corridor/med-room wall's centre line
    assert free.depth(-2.0, 6.3) > 1.5  # outside the ward
    assert comfort.wall_fade(0.0) == 0.0 and comfort.wall_fade(0.04) == 0.0
    assert 0.0 < comfort.wall_fade(0.15) < 1.0 and comfort.wall_fade(0.3) == 1.0


def test_walking_the_head_into_a_wall_fades_the_view(fresh):
    """Room-scale walking cannot be stopped at a wall: the view fades to black instead, and
    comes back when the head leaves the wall."""
    st = fresh
    src = st.source
    clear_l, _ = st.eye_images()
    assert st.wall_fade == 0.0
    # the head 0.4 m past the ward's west exterior wall (x = 0): behind it, nothing but black
    inside = st.motion.rig.pose.inverse().compose(Pose.from_ypr((-0.4, 6.3, 1.65), EAST))
    src.set(head=inside)
    st.step(1)
    assert st.wall_fade == 1.0
    dark_l, dark_r = st.eye_images()
    assert dark_l.max() <= 3 and dark_r.max() <= 3
    src.set(head=st.motion.rig.pose.inverse().compose(Pose.from_ypr((1.0, 6.3, 1.65), EAST)))
    st.step(1)
    back_l, _ = st.eye_images()
    assert st.wall_fade == 0.0 and np.abs(back_l.astype(int) - clear_l.astype(int)).max() <= 2
