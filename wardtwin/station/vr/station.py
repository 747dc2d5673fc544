"""The VR station: a trainee in a headset walks the twin (OpenXR), or, with
``offscreen=True``, the same code runs with no display and no headset: a scripted head-pose
source, an offscreen stereo rig and a fixed-step clock (tests, batch runs, benchmarks).
Imports Panda3D; one station (one ShowBase) per process.

Each frame (:meth:`VRStation.step`):

1. the pose source reports the head, the eyes and the controller (tracking space); the
   recentre button (rising edge) recentres it, keeping the trainee where they stand;
2. locomotion (:mod:`~wardtwin.station.vr.motion`) moves the play space: teleport or smooth
   walking, snap or smooth turns (unless :attr:`VRStation.allow_motion` is off);
3. the pointer ray is tested against the panel (every frame: the button under it is lit) and,
   on a trigger pull (rising edge), against the ward's items too: that is a *selection*;
4. every hook (:meth:`VRStation.add_hook`) is called with a :class:`VRTick`: it reads the
   trainee's pose and the selection and may override the pose (:meth:`VRStation.place`),
   show a panel (:meth:`VRStation.show_panel`), stop locomotion (:attr:`allow_motion`);
5. the vignette reacts to the frame's artificial motion, and the whole view fades to black
   while the head is in a wall or outside the rooms (room-scale walking cannot be stopped at
   a wall: :class:`~wardtwin.station.vr.comfort.FreeSpace`); the eye cameras, the scene's portal
   cells (:meth:`WardScene.set_viewpoint` at the head), the teleport arc and marker, the
   pointer and the panel are updated, and both eyes render.

Each frame's wall time (input, motion, hooks and rendering) is kept in a
:class:`~wardtwin.station.frames.FrameStats` (:meth:`VRStation.frame_times`).
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, replace

import numpy as np
from panda3d.core import CardMaker, LQuaternionf, TextNode, TransparencyAttrib

from wardtwin.angles import bearing, wrap_angle
from wardtwin.errors import UsageError, WardtwinError
from wardtwin.events import StationKind
from wardtwin.events.stations import VRSummary
from wardtwin.model.picking import pick
from wardtwin.scene import offscreen as _offscreen
from wardtwin.scene.mesh import MeshBuilder
from wardtwin.scene.panda import mesh_node
from wardtwin.station import panelui
from wardtwin.station.frames import FrameStats
from wardtwin.station.host import Host, claim, has_display, lines, start_pose
from wardtwin.station.tourrun import Closes
from wardtwin.station.vr import panel as panels
from wardtwin.station.vr.comfort import FreeSpace, Vignette, wall_fade
from wardtwin.station.vr.motion import MotionState, VRLocomotion, VRSettings
from wardtwin.station.vr.pose import Pose, PoseSource, ScriptedPoseSource, TrackedFrame
from wardtwin.station.vr.rig import StereoRig
from wardtwin.tours.spec import Pose as TourPose

#: Per-eye image size of a typical headset (Quest 2 class), pixels.
HEADSET_EYE = (1440, 1600)
#: Longest the pointer ray reaches, m.
POINTER_RANGE = 8.0
MARKER_OK = (0.20, 0.85, 0.45, 1.0)
MARKER_BAD = (0.90, 0.25, 0.20, 1.0)
ARC_COLOUR = (0.35, 0.75, 1.0, 1.0)
POINTER_COLOUR = (1.0, 1.0, 1.0, 1.0)
#: A shown panel is placed again in front of the trainee when they are farther from it than
#: this (m) or it is more than this far off their heading (rad): it follows, lazily.
PANEL_FOLLOW_M = 2.5
PANEL_FOLLOW_ANGLE = math.radians(70)
PANEL_BACK = (0.08, 0.10, 0.13, 0.92)
BUTTON = (0.22, 0.27, 0.33, 1.0)
BUTTON_HOVER = (0.30, 0.50, 0.75, 1.0)
BUTTON_ON = (0.20, 0.55, 0.35, 1.0)


class VRStationError(WardtwinError):
    """The VR station cannot go on (no renderer, a frame that cannot be read back)."""


@dataclass(frozen=True)
class PointerHit:
    """What the controller's ray points at: ``kind`` ``"panel"`` (``ref``: the layout's button
    there, e.g. a :class:`~wardtwin.station.panelui.Button` for
    :func:`~wardtwin.station.panelui.press`; None on the card itself) or ``"item"`` (``ref``:
    the item id); ``point`` m (ward); ``distance`` m along the ray."""

    kind: str
    ref: object
    point: tuple[float, float, float]
    distance: float


@dataclass(frozen=True)
class VRTick:
    """One frame, as a hook sees it. ``frame`` (count, from 1), ``time`` and ``dt`` s;
    ``pose``: the trainee for the tour engine (plan x, y m; heading and pitch of the head,
    rad); ``head``: the head in the ward (:class:`Pose`); ``tracked``: the source's frame
    (tracking space); ``selection``: what the trigger selected this frame (or None);
    ``hover``: the panel button (or card) the pointer is on; ``snap_turned``, ``teleported``: this frame;
    ``speed`` m/s and ``yaw_rate`` rad/s of this frame's artificial motion so far."""

    station: "VRStation"
    frame: int
    time: float
    dt: float
    pose: TourPose
    head: Pose
    tracked: TrackedFrame
    selection: PointerHit | None
    hover: PointerHit | None
    snap_turned: bool
    teleported: bool
    speed: float
    yaw_rate: float


class VRStation(Closes):
    """A VR station over a compiled ward ``model``.

    ``source``: a :class:`PoseSource` (offscreen default: a still :class:`ScriptedPoseSource`;
    with a headset default: :class:`~wardtwin.station.vr.xr.OpenXRPoseSource`, which raises
    :class:`~wardtwin.station.vr.xr.XRUnavailableError` naming what is missing before anything
    is opened). ``scene``: the ward's :class:`WardGeometry` (None: built).
    ``at``/``heading``: where the trainee starts (see
    :func:`~wardtwin.station.host.start_pose`; degrees). ``offscreen``: no window, no
    headset, a fixed-step clock of ``fps`` frames per second (default: the source's refresh
    rate). ``eye_size``: per-eye (width, height) pixels (default: the source's recommended
    size, else :data:`HEADSET_EYE`). ``settings``: :class:`VRSettings`. ``hooks``: callables
    taking a :class:`VRTick`, called each frame in order.

    Use as a context manager (or call :meth:`close`): it owns the process's ShowBase.
    """

    base = host = rig = None

    def __init__(self, model, source: PoseSource | None = None, *, scene=None, at: str | None = None,
                 heading: float | None = None, offscreen: bool = True, eye_size=None, fps: int | None = None,
                 settings: VRSettings = VRSettings(), hooks=()):
        claim(1 if fps is None else fps)
        self.offscreen = bool(offscreen)
        self._own_source = source is None
        if source is None:
            if self.offscreen:
                source = ScriptedPoseSource()
            else:
                from wardtwin.station.vr.xr import OpenXRPoseSource

                source = OpenXRPoseSource()  # raises XRUnavailableError: nothing else is open yet
        if not isinstance(source, PoseSource):
            if self._own_source:  # pragma: no cover
                source.close()
            raise UsageError(f"pose source {source!r}: a PoseSource expected")
        self.source = source
        try:
            self._init(model, scene, at, heading, eye_size, fps, settings, hooks)
        except BaseException:
            self.close()
            raise

    def _init(self, model, scene, at, heading, eye_size, fps, settings, hooks) -> None:
        fps = int(round(self.source.refresh_rate)) if fps is None else fps  # (the host checks it)
        size = eye_size if eye_size is not None else (self.source.eye_size or HEADSET_EYE)
        size = (int(size[0]), int(size[1]))
        if not (16 <= size[0] <= 8192 and 16 <= size[1] <= 8192):
            raise UsageError(f"eye size {size[0]}x{size[1]}: 16 to 8192 pixels each way expected")
        if not isinstance(settings, VRSettings):
            raise UsageError(f"settings {settings!r}: VRSettings expected")
        self.model = model
        self.layout = model.layout
        self.settings = settings
        self.fps = fps
        self.eye_size = size
        self.hooks = list(hooks)
        self.allow_motion = True
        self.frames = 0
        self.time = 0.0
        self.frame_stats = FrameStats()
        self.locomotion = VRLocomotion(model, settings)
        self.vignette = Vignette(settings.vignette)
        self.vignette_visible = True  # False: computed, not drawn (tests, comparisons)
        self.free_space = FreeSpace(model.plan)
        self.wall_fade = 0.0  # how dark the view is because the head is in a wall (0..1)
        x, y, yaw = start_pose(model, at, heading)
        self.tracked = self.source.poll(0.0)
        self.motion: MotionState = self.locomotion.start(self.tracked.head, x, y, yaw)
        self.selection: PointerHit | None = None
        self.hover: PointerHit | None = None
        self.panel = None  # the layout shown (see show_panel)
        self.panel_place = None  # where it hangs in the ward (a panel.Placement), None while none is shown
        self._panel_np = None
        self._button_nps: list = []
        self._lit = None
        self._trigger_down = False
        self._recentre_down = False
        self._placed = None  # (instant, world head before) of a place() during hooks
        self._quit = False
        self.last_tick: VRTick | None = None
        self._open()
        self._build(scene)

    # -- set-up -------------------------------------------------------------------------
    def _open(self) -> None:
        prc = ["audio-library-name null", "sync-video false", f"window-title wardtwin VR - {self.layout.ward.name}"]
        if self.offscreen:
            prc.append("win-size 32 32")
        elif not has_display():
            from wardtwin.station.vr.xr import XRUnavailableError

            raise XRUnavailableError("display", "the headset's OpenGL binding needs an X11 display "
                                     "(DISPLAY is not set)")
        else:
            prc += ["load-display pandagl", f"win-size {self.eye_size[0] // 2} {self.eye_size[1] // 2}"]
        self.host = Host("wardtwin-vr-station", prc, offscreen=self.offscreen, fps=self.fps, on_quit=self.request_quit,
                         fail=lambda exc: VRStationError(f"could not open the station's renderer ({exc})"))
        base, self.base, self.clock = self.host.base, self.host.base, self.host.clock
        if self.offscreen:  # nothing of the host buffer is drawn: the eyes are the output
            for dr in base.win.get_display_regions():
                dr.set_active(False)
            base.win.set_clear_color_active(False)
            base.win.set_clear_depth_active(False)

    def _build(self, geometry) -> None:
        base = self.base
        self.scene = self.host.attach(geometry, self.model.plan, lambda x, y: self.model.room_at((x, y)),
                                      model=self.model)
        try:
            self.rig = StereoRig(base.graphicsEngine, base.win, base.render, self.eye_size, readback=self.offscreen,
                                 vignette=self.settings.vignette, clear_colour=_offscreen.BACKGROUND)
        except WardtwinError as exc:
            raise VRStationError(str(exc)) from None
        # the controller, the teleport arc and landing marker, the pointer ray
        mb = MeshBuilder()
        mb.box(-0.02, -0.06, -0.015, 0.02, 0.06, 0.015, (0.15, 0.15, 0.17, 1.0))
        self.controller_np = base.render.attach_new_node(mesh_node("controller", mb.build()))
        self.controller_np.set_light_off(1)
        self.controller_np.hide()
        self.arc_np = base.render.attach_new_node("teleport-arc")
        mb = MeshBuilder()
        mb.cylinder(0.0, 0.0, 0.0, 0.25, 0.02, (1, 1, 1, 1), segments=24)
        self.marker_np = base.render.attach_new_node(mesh_node("teleport-marker", mb.build()))
        self.marker_np.set_light_off(1)
        self.marker_np.set_transparency(TransparencyAttrib.M_alpha)
        self.marker_np.hide()
        self.pointer_np = base.render.attach_new_node("pointer")
        if not self.offscreen:  # the headset: session on the first draw, then submit each frame
            self.rig.after_draw(self._headset_draw)
            base.camNode.set_active(False)  # the window mirrors the left eye instead of a third view
            cm = CardMaker("mirror")
            cm.set_frame_fullscreen_quad()
            mirror = base.render2d.attach_new_node(cm.generate())
            mirror.set_texture(self.rig.eyes[0].texture, 1)
        self.host.add_task(self._frame_task, "wardtwin-vr-station")
        self._apply()

    # -- hooks and overrides ------------------------------------------------------------
    def add_hook(self, hook) -> None:
        """Call ``hook(tick: VRTick)`` every frame after locomotion and the pointer, before
        rendering (see the module doc)."""
        if not callable(hook):
            raise UsageError(f"hook {hook!r}: a callable expected")
        self.hooks.append(hook)

    def configure(self, settings: VRSettings) -> None:
        """Change the trainee's VR settings (locomotion, turning, vignette) from the next
        frame; where they stand is kept, an aim in progress is dropped."""
        if not isinstance(settings, VRSettings):
            raise UsageError(f"settings {settings!r}: VRSettings expected")
        self.settings = settings
        self.locomotion = VRLocomotion(self.model, settings)
        self.vignette = Vignette(settings.vignette)
        self.motion = replace(self.motion, aiming=False, landing=None)
        self.rig.vignette_settings = settings.vignette
        for eye in self.rig.eyes:  # the mask's shape may have changed
            eye.fov = eye.centre = None
        self._apply()

    @property
    def head(self) -> Pose:
        """The trainee's head in the ward (m, quaternion)."""
        return self.motion.rig.to_world(self.tracked.head)

    @property
    def pose(self) -> TourPose:
        """The trainee for the tour engine: plan (x, y) m of the head, its heading and pitch (rad)."""
        h = self.head
        return TourPose(h.position[0], h.position[1], h.yaw, None, h.pitch)

    def place(self, x: float, y: float, heading: float | None = None, *, instant: bool = True) -> None:
        """Move the play space so the head is at ward point (x, y) m, facing ``heading`` rad
        (None: as now). Not snapped to the walkable area (the caller knows where it goes).
        ``instant``: a jump (teleport-like, no vignette); False: part of a continuous ride,
        whose speed and yaw rate drive the vignette (call it each frame)."""
        if not all(math.isfinite(v) for v in (x, y)) or (heading is not None and not math.isfinite(heading)):
            raise UsageError(f"place ({x!r}, {y!r}, {heading!r}): finite numbers expected")
        before = self.head
        rig = self.motion.rig.placing(self.tracked.head, float(x), float(y), heading)
        self.motion = replace(self.motion, rig=rig)
        if self._placed is None:
            self._placed = (instant, before)
        else:
            self._placed = (self._placed[0] and instant, self._placed[1])
        if self.base is not None and not self._in_frame:
            self._placed = None
            self._apply()

    _in_frame = False

    def show_panel(self, layout, *, anchor: bool = False) -> None:
        """Show a laid-out panel (None hides it): a
        :class:`~wardtwin.station.panelui.PanelLayout`, or anything with its fields (``kind``,
        ``width`` and ``height`` m, ``texts`` of ``text, x, y, size`` (m; left end and
        baseline), ``buttons`` of ``label, rect (x0, y0, x1, y1) m, on``). It appears in front
        of the trainee and stays there (world-locked) while its content changes; it is placed
        again when it was hidden, when its ``kind`` changes, with ``anchor``, and when the trainee
        has moved or turned well away from it (see :data:`PANEL_FOLLOW_M`). Call it every frame
        with the layout of the moment: nothing is rebuilt while it is unchanged."""
        if layout is not None and not all(hasattr(layout, a) for a in ("width", "height", "texts", "buttons")):
            raise UsageError(f"panel {layout!r}: a PanelLayout (width, height, texts, buttons) or None expected")
        old = self.panel
        if layout == old and not anchor:
            return
        self.panel = layout
        if layout is None:
            self.panel_place = None
            self._drop_panel()
            return
        if anchor or old is None or getattr(old, "kind", None) != getattr(layout, "kind", None) or \
                self.panel_place is None:
            self.panel_place = panels.place(self.head)
        self._draw_panel()

    def _ray(self):
        """The controller's aim ray in the ward: (origin m, unit direction), or None."""
        ray = self.tracked.controller.ray
        if ray is None:
            return None
        rig = self.motion.rig
        return rig.point(ray[0]), rig.pose.rotate(ray[1])

    def _panel_pointer(self, ray) -> PointerHit | None:
        lay = self.panel
        if ray is None or self.panel_place is None or lay is None:
            return None
        h = panels.hit(self.panel_place, lay.width, lay.height, *ray)
        if h is None:
            return None
        return PointerHit("panel", panelui.hit(lay, *h.uv), h.point, h.t)

    def pointer(self) -> PointerHit | None:
        """What the controller's ray points at now: a panel button (or the card), else the
        nearest item it meets before a wall (within :data:`POINTER_RANGE` m), else None.
        (Items are tested on a selection only: it takes milliseconds in a large ward.)"""
        ray = self._ray()
        if ray is None:
            return None
        hit = self._panel_pointer(ray)
        if hit is not None:
            return hit
        p = pick(self.model, ray[0], ray[1], tolerance=0.0)
        if p is not None and p.t <= POINTER_RANGE:
            return PointerHit("item", p.item, p.point, p.t)
        return None

    # -- running ------------------------------------------------------------------------
    def step(self, n: int = 1) -> VRTick | None:
        """Run ``n`` frames now (pose, motion, hooks, render), timing each; returns the last
        frame's :class:`VRTick`."""
        if not (isinstance(n, int) and n >= 0):
            raise UsageError(f"frames {n!r}: a whole number >= 0 expected")
        self._quit = False
        wait = getattr(self.source, "wait", None) if not self.offscreen else None
        for _ in range(n):
            if self.quitting:
                break
            if wait is not None:
                wait()  # the headset paces the frames: not part of the frame's work
            t0 = _time.perf_counter()
            self.base.taskMgr.step()
            self.frame_stats.add(_time.perf_counter() - t0)
        return self.last_tick

    def run(self, frames: int | None = None) -> VRSummary:
        """Run ``frames`` frames (offscreen: required), or with a headset until the runtime
        ends the session or the window closes; returns :meth:`summary`."""
        if frames is None:
            if self.offscreen:
                raise UsageError("an offscreen run needs a number of frames")
            while not self.quitting:
                self.step(1)
        else:
            self.step(frames)
        return self.summary()

    def request_quit(self) -> None:
        """End :meth:`step` and :meth:`run` after the frame in progress (a tour that closed)."""
        self._quit = True

    @property
    def quitting(self) -> bool:
        """True once :meth:`request_quit` was called (until the next :meth:`step`) or the
        headset's runtime ends the session."""
        return self._quit or getattr(self.source, "exit_requested", False)

    @property
    def renderer(self) -> str:
        """The name of the renderer the eyes draw with ("none" once closed)."""
        return self.host.renderer if self.host is not None else "none"

    def _frame_task(self, task):
        dt = self.host.dt()
        self.time += dt
        self._in_frame = True
        try:
            self._frame(dt)
        finally:
            self._in_frame = False
        return task.cont

    def _frame(self, dt: float) -> None:
        src = self.source
        tracked = src.poll(self.time)
        ctrl = tracked.controller
        if ctrl.recentre and not self._recentre_down:  # keep the trainee where they stand
            before = self.motion.rig.to_world(tracked.head)
            src.recentre()
            tracked = src.poll(self.time)
            rig = self.motion.rig.placing(tracked.head, before.position[0], before.position[1])
            self.motion = replace(self.motion, rig=rig)
        self._recentre_down = ctrl.recentre
        self.tracked = tracked
        step = self.locomotion.step(self.motion, tracked.head, ctrl, dt, allowed=self.allow_motion)
        self.motion = step.state
        # the pointer: the panel under it every frame, a selection (panel or item) on the trigger's press
        self.hover = self._panel_pointer(self._ray())
        s = self.settings
        pressed = False
        if ctrl.trigger >= s.trigger_press and not self._trigger_down:
            self._trigger_down = pressed = True
        elif ctrl.trigger <= s.trigger_release:
            self._trigger_down = False
        self.selection = self.pointer() if pressed else None
        self.frames += 1
        head = self.head
        tick = VRTick(self, self.frames, self.time, dt, self.pose, head, tracked, self.selection, self.hover,
                      step.snap_turned, step.teleported, step.speed, step.yaw_rate)
        self._placed = None
        for hook in list(self.hooks):
            hook(tick)
        speed, yaw_rate = step.speed, step.yaw_rate
        if self._placed is not None:
            instant, before = self._placed
            after = self.head
            if not instant and dt > 0:
                speed += math.hypot(after.position[0] - before.position[0], after.position[1] - before.position[1]) / dt
                yaw_rate += abs(wrap_angle(after.yaw - before.yaw)) / dt
            self._placed = None
        self.vignette.update(speed, yaw_rate, dt)
        self._follow_panel()
        self.last_tick = tick
        self._apply()

    def _follow_panel(self) -> None:
        plc = self.panel_place
        if plc is None:
            return
        h = self.head
        dx, dy = plc.centre[0] - h.position[0], plc.centre[1] - h.position[1]
        off = abs(wrap_angle(bearing(dx, dy) - h.yaw))
        if math.hypot(dx, dy) > PANEL_FOLLOW_M or off > PANEL_FOLLOW_ANGLE:
            self.panel_place = plc = panels.place(h)
            if self._panel_np is not None:
                self._panel_np.set_pos(*plc.centre)
                self._panel_np.set_h(math.degrees(plc.yaw))

    def _apply(self) -> None:
        """Bring the scene graph up to date with the state (cameras, vignette, visuals)."""
        rig, tracked = self.motion.rig, self.tracked
        self.rig.place(rig.x, rig.y, rig.yaw)
        self.rig.set_eyes(tracked.eyes)
        self.rig.set_vignette(self.vignette.strength if self.vignette_visible else 0.0)
        head = self.head
        self.wall_fade = wall_fade(self.free_space.depth(head.position[0], head.position[1]))
        self.rig.set_fade(self.wall_fade)
        self.scene.set_viewpoint(head.position[0], head.position[1], head.position[2])
        aim = tracked.controller.aim
        if aim is not None:
            w = rig.to_world(aim)
            self.controller_np.set_pos(*w.position)
            self.controller_np.set_quat(LQuaternionf(*w.orientation))
            self.controller_np.show()
        else:
            self.controller_np.hide()
        self._draw_teleport()
        self._draw_pointer()
        self._hover_buttons()

    def _headset_draw(self) -> None:
        """After both eyes are drawn, with the renderer's OpenGL context current."""
        src = self.source
        if getattr(src, "session", None) is None:
            from wardtwin.station.vr.xr import glx_binding

            src.start(glx_binding(src.xr))
        else:
            src.submit(self.rig.texture_ids())

    # -- visuals ------------------------------------------------------------------------
    def _draw_teleport(self) -> None:
        for c in self.arc_np.get_children():
            c.remove_node()
        land = self.motion.landing if self.motion.aiming else None
        if land is None or len(land.arc) < 2:
            self.marker_np.hide()
            return
        colour = ARC_COLOUR if land.valid else MARKER_BAD
        self.arc_np.attach_new_node(lines("arc", [land.arc], 3.0, colour)).set_light_off(1)
        if land.valid:
            self.marker_np.set_pos(land.point[0], land.point[1], 0.005)
            self.marker_np.set_color(*MARKER_OK)
            self.marker_np.show()
        elif land.hit is not None and land.reason == "outside":
            self.marker_np.set_pos(land.hit[0], land.hit[1], 0.005)
            self.marker_np.set_color(*MARKER_BAD)
            self.marker_np.show()
        else:
            self.marker_np.hide()

    def _draw_pointer(self) -> None:
        for c in self.pointer_np.get_children():
            c.remove_node()
        ray = self.tracked.controller.ray
        if ray is None or self.panel is None:
            return
        rig = self.motion.rig
        o = rig.point(ray[0])
        d = rig.pose.rotate(ray[1])
        length = self.hover.distance if self.hover is not None else 2.0
        ray = [o, tuple(o[k] + d[k] * length for k in range(3))]
        self.pointer_np.attach_new_node(lines("pointer", [ray], 2.0, POINTER_COLOUR)).set_light_off(1)

    def _drop_panel(self) -> None:
        if self._panel_np is not None:
            self._panel_np.remove_node()
        self._panel_np = None
        self._button_nps = []

    def _text(self, parent, text: str, size: float, x: float, y: float, align=TextNode.A_left,
              colour=(1, 1, 1, 1)) -> None:
        """A line of text on the panel: ``size`` m high, its left end (or centre) and baseline
        at (x, y) m."""
        tn = TextNode("panel-text")
        tn.set_text(text)
        tn.set_align(align)
        tn.set_text_color(*colour)
        np_ = parent.attach_new_node(tn)
        np_.set_scale(size)
        np_.set_pos(x, -0.004, y)

    def _draw_panel(self) -> None:
        self._drop_panel()
        lay, plc = self.panel, self.panel_place
        root = self.base.render.attach_new_node("panel")
        root.set_pos(*plc.centre)
        root.set_h(math.degrees(plc.yaw))
        root.set_light_off(1)
        root.set_bin("fixed", 40)
        root.set_depth_test(False)  # a panel is never hidden by the ward behind or before it
        root.set_depth_write(False)
        w, h = lay.width, lay.height
        cm = CardMaker("panel-card")
        cm.set_frame(-w / 2, w / 2, -h / 2, h / 2)
        card = root.attach_new_node(cm.generate())
        card.set_color(*PANEL_BACK)
        card.set_transparency(TransparencyAttrib.M_alpha)
        for t in lay.texts:
            self._text(root, t.text, t.size, t.x, t.y, colour=(0.93, 0.94, 0.96, 1))
        self._button_nps = []
        for b in lay.buttons:
            x0, y0, x1, y1 = b.rect
            bm = CardMaker("panel-button")
            bm.set_frame(x0, x1, y0, y1)
            bnp = root.attach_new_node(bm.generate())
            bnp.set_y(-0.002)
            bnp.set_color(*(BUTTON_ON if b.on else BUTTON))
            size = min(0.035, 0.55 * (y1 - y0))
            self._text(root, b.label, size, (x0 + x1) / 2, y0 + (y1 - y0 - 0.7 * size) / 2, align=TextNode.A_center)
            self._button_nps.append(bnp)
        self._panel_np = root
        self._lit = None
        self._hover_buttons()

    def _hover_buttons(self) -> None:
        """Light the button under the pointer."""
        if self.panel is None or not self._button_nps:
            return
        ref = self.hover.ref if self.hover is not None and self.hover.kind == "panel" else None
        if ref is self._lit:
            return
        self._lit = ref
        for b, bnp in zip(self.panel.buttons, self._button_nps):
            bnp.set_color(*(BUTTON_HOVER if b is ref else (BUTTON_ON if b.on else BUTTON)))

    # -- output -------------------------------------------------------------------------
    def eye_images(self) -> tuple[np.ndarray, np.ndarray]:
        """Both eyes of the current state as (height, width, 3) uint8 RGB arrays, top row first
        (left, right). Renders once more (offscreen only); the simulation does not advance."""
        if not self.offscreen:
            raise UsageError("eye images are read back offscreen only (a headset's stay on the GPU)")
        self._apply()
        try:
            return self.rig.images()
        except WardtwinError as exc:
            raise VRStationError(str(exc)) from None

    def summary(self) -> VRSummary:
        """Where the trainee is and what was done: frames and time (s), head position (m) and
        heading (degrees), room, locomotion totals, recentres, the frame times, the source and
        the renderer."""
        h = self.head
        rid = self.model.room_at((h.position[0], h.position[1]))
        room = self.layout.room_by_id.get(rid)
        m = self.motion
        return VRSummary(
            station=StationKind.VR, source=self.source.kind, frames=self.frames, time_s=round(self.time, 6),
            x=round(h.position[0], 4), y=round(h.position[1], 4), heading_deg=round(math.degrees(h.yaw), 2),
            room=rid, room_name=room.name if room else None, distance_m=round(m.distance, 4),
            teleports=m.teleports, snap_turns=m.snap_turns, turned_deg=round(math.degrees(m.turned), 2),
            recentres=self.source.recentres, eye_size=tuple(self.eye_size), ipd_m=round(self.source.ipd, 4),
            frame_times=self.frame_stats.summary(), renderer=self.renderer)

    # -- teardown -----------------------------------------------------------------------
    def close(self) -> None:
        """Close the rig, the ShowBase and the source it opened (idempotent)."""
        host, source = self.host, getattr(self, "source", None)
        if host is not None and host.base is not None:
            host.stop()
        if source is not None:
            source.end_session()  # while the window's OpenGL context, which the swapchains use, exists
        if self.rig is not None:
            self.rig.close()
            self.rig = None
        self.base = None
        if host is not None:
            host.close()
        if getattr(self, "_own_source", False) and source is not None:
            self.source.close()
