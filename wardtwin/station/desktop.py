"""The desktop station: a trainee walks the twin in first person with keyboard and mouse.

Walk mode: W/S or Up/Down walk, A/D step sideways, Left/Right turn (60 deg/s), the mouse looks
around (the pointer is captured). Planner mode (Tab): an orbit camera over the ward without
ceilings; drag to orbit, wheel to zoom, W/A/S/D pan, click an item to see its catalog entry.
Everywhere: L labels, C ceilings, M minimap, P or F12 screenshot (PNG), Esc quits.

``offscreen=True`` runs the same code with no display (an offscreen buffer, a fixed-step
clock and scripted input), for tests and batch runs. Imports Panda3D; one station (one
ShowBase) per process.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import time
from pathlib import Path
from typing import Protocol

import numpy as np
from panda3d.core import (
    Camera, KeyboardButton, NodePath, OrthographicLens, PNMImage, Point2, Point3, StringStream, TextNode, Vec3, Vec4,
    WindowProperties,
)

from wardtwin.errors import UsageError, WardtwinError
from wardtwin.events.stations import LiveState, WalkSummary
from wardtwin.exchange.files import write_bytes_atomic
from wardtwin.model.picking import pick
from wardtwin.scene import offscreen as _offscreen
from wardtwin.scene.geometry import WardGeometry, ward_geometry
from wardtwin.station.frames import FrameStats
from wardtwin.station.host import Host, claim, has_display, lines, start_pose
from wardtwin.station.locomotion import IDLE, Inputs, WalkSettings, WalkState, Walker
from wardtwin.station.planner import CatalogEntry, Orbit, catalog_entry, framing
from wardtwin.station.script import KEYS, ScriptPlayer, load_script, parse_script
from wardtwin.station.tourrun import Closes
from wardtwin.tours.spec import Pose

#: Simulation rate of the offscreen fixed-step clock, frames per second.
FPS = 60
#: Mouse look, rad per pixel.
MOUSE_LOOK = math.radians(0.12)
#: Planner orbit, rad per pixel dragged; a press that moves less than DRAG_PX pixels is a click.
MOUSE_ORBIT = math.radians(0.35)
DRAG_PX = 4
#: Wheel zoom factor per notch.
WHEEL_ZOOM = 1.15
#: Planner pan speed, in orbit distances per second.
PAN_RATE = 0.5
#: Horizontal field of view in walk mode, degrees.
FOV = 80.0
#: Longest an offscreen run without ``frames`` may play its script, s of simulated time.
MAX_SCRIPT_TIME = 900.0
BACKGROUND = _offscreen.BACKGROUND
MAP_BACKGROUND = (0.13, 0.15, 0.18, 1.0)
MAP_WALL = (0.85, 0.87, 0.90, 1.0)
MAP_DOOR = (0.45, 0.62, 0.85, 1.0)
MAP_EXIT = (0.25, 0.80, 0.40, 1.0)
MAP_SAFETY = (0.95, 0.30, 0.30, 1.0)
MAP_MARKER = (1.0, 0.85, 0.15, 1.0)
HELP = {
    "walk": "WASD/arrows walk - mouse look - L labels - C ceilings - M map - P screenshot - Tab planner - Esc quit",
    "planner": "drag orbit - wheel zoom - WASD pan - click an item - L labels - C ceilings - Tab walk - Esc quit",
}


class NoDisplayError(WardtwinError):
    """No window can be opened (no display); the message suggests ``--offscreen``."""


class StationError(WardtwinError):
    """The station cannot go on (for example a screenshot that cannot be written)."""


class Driver(Protocol):
    """What runs a desktop station besides its keyboard and script (a tour:
    :class:`~wardtwin.station.tourdesk.DeskTour`), asked each frame in this order."""

    def poll(self, dt: float, inputs: Inputs, actions: list) -> tuple[Inputs, list]:
        """The frame's input and actions, given the keyboard's (or the script's)."""

    def advance(self, dt: float, inputs: Inputs) -> None:
        """Move the station by ``inputs`` over ``dt`` s (instead of walking or the planner)."""

    def hud(self, status: str) -> tuple[str, str]:
        """The HUD's status and help lines, given the station's status line."""


class DesktopStation(Closes):
    """A desktop station over a compiled ward ``model``.

    ``scene``: the ward's :class:`WardGeometry` (None: built from ``model.plan``).
    ``at``/``heading``: where to start (see :func:`start_pose`; degrees). ``offscreen``: no
    window; the clock steps exactly ``1/fps`` s per frame. ``size``: window or buffer (width,
    height) pixels. ``script``: commands (a path or parsed
    :class:`~wardtwin.station.script.Command` tuple) that drive the input instead of the
    keyboard while they last. Screenshots go to ``screenshot_dir`` as ``<ward>-NNN.png``.
    ``live``: a :class:`~wardtwin.layout.watch.LiveWard` to follow (live preview: each new
    reading of the ward is applied as it comes, see :meth:`apply`; ``on_reload(result)`` is
    called after each).

    Use as a context manager (or call :meth:`close`): it owns the process's ShowBase.
    """

    #: Panda3D audio library in a window (offscreen: none).
    AUDIO = "null"
    #: The options that run this station without a display (said when there is none).
    HEADLESS = "--offscreen --frames N"

    def __init__(self, model, scene=None, *, at: str | None = None, heading: float | None = None,
                 offscreen: bool = False, size=(1280, 720), fps: int = FPS,
                 settings: WalkSettings = WalkSettings(), script=None,
                 screenshot_dir: str | os.PathLike = "screenshots", fov: float = FOV, live=None,
                 on_reload=None):
        claim(fps)
        self.model = model
        self.layout = model.layout
        self.plan = model.plan
        self.settings = settings
        self.offscreen = bool(offscreen)
        self.size = (int(size[0]), int(size[1]))
        self.fps = fps
        self.screenshot_dir = Path(screenshot_dir)
        self.walker = Walker(model.walkable, settings)
        x, y, yaw = start_pose(model, at, heading)
        self.state: WalkState = self.walker.start(x, y, yaw)
        if isinstance(script, (str, os.PathLike)):
            script = load_script(script)
        self.script = ScriptPlayer(script, settings, route=self._route) if script is not None else None
        self.mode = "walk"
        self.frames = 0
        self.time = 0.0  # s of frames run (the fixed step offscreen)
        self.selected: CatalogEntry | None = None
        self.screenshots: list[Path] = []
        self.labels = True
        self.minimap = True
        self._ceilings = {"walk": True, "planner": False}
        self._actions: list = []
        self._pending_shots = 0
        self._quit = False
        self._limit: int | None = None
        self._looping = False
        self._grabbed = False
        self._skip_look = True
        self._drag = None
        self._hud_text = None
        self.base = self.host = None
        self.live, self.on_reload = live, on_reload
        self.shown = None  # live preview: the reading shown as the twin, and the newest one
        self.newest = None
        self._watch_limit: int | None = None
        self.driver: Driver | None = None
        self.frame_stats = FrameStats()  # wall time per frame
        self._last_wall: float | None = None
        self._open(fov)
        try:
            self._build(scene)
            if live is not None:
                self._start_watch()
        except BaseException:
            self.close()
            raise

    # -- set-up -------------------------------------------------------------------------
    def _open(self, fov: float) -> None:
        if not self.offscreen and not has_display():
            raise NoDisplayError(f"no display to open a window on (DISPLAY is not set); use {self.HEADLESS} "
                                 "to run headless, or start it under a display (e.g. xvfb-run)")

        def fail(exc):
            what = "offscreen buffer" if self.offscreen else "window"
            hint = "" if self.offscreen else f"; use {self.HEADLESS} to run without a display"
            return NoDisplayError(f"could not open a {what} ({exc}){hint}")

        prc = [f"audio-library-name {'null' if self.offscreen else self.AUDIO}", f"win-size {self.size[0]} {self.size[1]}",
               f"window-title wardtwin - {self.layout.ward.name}"]
        self.host = Host("wardtwin-station", prc, offscreen=self.offscreen, fps=self.fps, fail=fail,
                         on_quit=self.request_quit)
        base, self.base, self.clock = self.host.base, self.host.base, self.host.clock
        base.setBackgroundColor(*BACKGROUND)
        _offscreen.clear_depth_and_stencil(base.win)
        base.camLens.set_fov(fov)
        base.camLens.set_near_far(0.05, 500.0)

    def _build(self, geometry) -> None:
        base = self.base
        self.scene = self.host.attach(geometry, self.plan, self._locate, model=self.model)
        self.geometry = self.scene.geometry
        aspect = self.size[0] / self.size[1]
        self.orbit: Orbit = framing(self.geometry.bounds, base.camLens.get_fov()[0], aspect)
        self._build_minimap()
        self._build_hud()
        from direct.showbase.DirectObject import DirectObject

        self._events = DirectObject()
        for key, action in KEYS.items():
            self.bind(key, action)
        self._events.accept("mouse1", self._mouse_down)
        self._events.accept("mouse1-up", self._mouse_up)
        self.bind("wheel_up", ("zoom", 1 / WHEEL_ZOOM))
        self.bind("wheel_down", ("zoom", WHEEL_ZOOM))
        self._events.accept("window-event", self._window_event)  # ShowBase keeps its own handler
        self.host.add_task(self._frame_task, "wardtwin-station")
        self._grab_mouse(True)
        self._apply_camera()

    def bind(self, event: str, action=None) -> None:
        """Do ``action`` (a station action, or a callable: called) at the next frame whenever the
        Panda3D ``event`` (a key) comes; None: ignore the event."""
        if action is None:
            self._events.ignore(event)
        else:
            self._events.accept(event, self._actions.append, [action])

    def _locate(self, x: float, y: float):
        """The room for the scene's portal cells: none in planner mode (seen from above, the
        whole-ward batch is drawn)."""
        return None if self.mode == "planner" else self.model.room_at((x, y))

    def _build_minimap(self) -> None:
        base = self.base
        polys = list(self.plan.room_polygons.values())
        xs = [c[0] for p in polys for c in p.exterior.coords] or [0.0, 1.0]
        ys = [c[1] for p in polys for c in p.exterior.coords] or [0.0, 1.0]
        margin = 0.6
        x0, x1, y0, y1 = min(xs) - margin, max(xs) + margin, min(ys) - margin, max(ys) + margin
        wm, hm = x1 - x0, y1 - y0
        self._map_extent = (wm, hm)
        self.map_region = base.win.make_display_region()
        self._fit_minimap(self.size)
        self.map_region.set_sort(20)
        self.map_region.set_clear_color_active(True)
        self.map_region.set_clear_color(Vec4(*MAP_BACKGROUND))
        self.map_region.set_clear_depth_active(True)
        self.map_root = NodePath("minimap")
        self.map_root.set_depth_test(False)
        self.map_root.set_depth_write(False)
        lens = OrthographicLens()
        lens.set_film_size(wm, hm)
        lens.set_near_far(1.0, 1000.0)
        cam = self.map_root.attach_new_node(Camera("minimap-camera", lens))
        cam.set_pos((x0 + x1) / 2, (y0 + y1) / 2, 100.0)
        cam.set_hpr(0, -90, 0)  # straight down, north up
        self.map_region.set_camera(cam)

        self.map_root.attach_new_node(lines("minimap-rooms", [p.exterior.coords for p in polys], 1.5, MAP_WALL))
        doors: dict[bool, list] = {False: [], True: []}  # exit -> door openings
        for o in self.plan.openings:
            w, door = self.plan.walls[o.wall], self.layout.door_by_id.get(o.door)
            doors[door is not None and door.exit].append([w.point_at(o.t0), w.point_at(o.t1)])
        for exit_, colour in ((False, MAP_DOOR), (True, MAP_EXIT)):
            self.map_root.attach_new_node(lines("minimap-doors", doors[exit_], 3.0, colour)).set_bin("fixed", 1)
        safety = [self.plan.footprints[it.id].exterior.coords for it in self.layout.items
                  if it.id in self.plan.footprints and getattr(self.layout.item_type(it), "safety_critical", False)]
        self.map_root.attach_new_node(lines("minimap-safety", safety, 1.5, MAP_SAFETY)).set_bin("fixed", 2)
        s = max(wm, hm) / 45
        arrow = [(0, 1.2 * s), (-0.75 * s, -0.8 * s), (0, -0.3 * s), (0.75 * s, -0.8 * s)]
        self.map_marker = self.map_root.attach_new_node(lines("minimap-trainee", [arrow], 2.5, MAP_MARKER, close=True))
        self.map_marker.set_bin("fixed", 3)
        self.map_region.set_active(self.minimap)

    def _fit_minimap(self, size) -> None:
        """Put the minimap in the top right corner of a window of ``size`` pixels, at most 28%
        of its width and 42% of its height, keeping the plan's proportions."""
        (wm, hm), (W, H) = self._map_extent, (max(size[0], 16), max(size[1], 16))
        pw = 0.28 * W
        ph = pw * hm / wm
        if ph > 0.42 * H:
            ph = 0.42 * H
            pw = ph * wm / hm
        right, top = 1 - 8 / W, 1 - 8 / H
        self.map_region.set_dimensions(right - pw / W, right, top - ph / H, top)

    def _window_event(self, win) -> None:
        if self.base is not None and win == self.base.win:
            self._fit_minimap((win.get_x_size(), win.get_y_size()))

    def text(self, parent, name: str, scale: float, pos, *, card: bool = False, wrap: float | None = None,
             colour=(1, 1, 1, 1)) -> tuple[TextNode, NodePath]:
        """A line of overlay text under ``parent`` (an aspect-2d corner) at ``pos`` (x, z), ``scale``
        high; ``card``: on a dark card; ``wrap``: wrapped at that many characters."""
        tn = TextNode(name)
        tn.set_text_color(*colour)
        tn.set_shadow(0.06, 0.06)
        tn.set_shadow_color(0, 0, 0, 0.8)
        if card:
            tn.set_card_color(0.08, 0.10, 0.13, 0.85)
            tn.set_card_as_margin(0.6, 0.6, 0.4, 0.4)
            tn.set_card_decal(True)
        if wrap:
            tn.set_wordwrap(wrap)
        np_ = parent.attach_new_node(tn)
        np_.set_scale(scale)
        np_.set_pos(pos[0], 0, pos[1])
        return tn, np_

    def _build_hud(self) -> None:
        b = self.base
        self.hud_status, _ = self.text(b.a2dTopLeft, "hud-status", 0.055, (0.05, -0.09))
        self.hud_help, _ = self.text(b.a2dBottomLeft, "hud-help", 0.036, (0.05, 0.05), colour=(0.95, 0.95, 0.9, 1))
        self.panel, self.panel_np = self.text(b.a2dBottomLeft, "catalog-panel", 0.045, (0.08, 0.55), card=True,
                                               wrap=34)
        self.panel_np.hide()
        self._update_hud()

    # -- input --------------------------------------------------------------------------
    def _grab_mouse(self, on: bool) -> None:
        """Capture the pointer for mouse look (walk mode in a window) or free it."""
        if self.offscreen or self.base is None or not hasattr(self.base.win, "request_properties"):
            return
        props = WindowProperties()
        props.set_cursor_hidden(on)
        # relative mode on macOS and Windows; X11 has it only with the XFree86-DGA extension,
        # so there the pointer is confined and re-centred every frame (the same deltas)
        relative = WindowProperties.M_relative if sys.platform in ("darwin", "win32") else WindowProperties.M_confined
        props.set_mouse_mode(relative if on else WindowProperties.M_absolute)
        self.base.win.request_properties(props)
        self._grabbed, self._skip_look = on, True

    def _keyboard(self) -> Inputs:
        mw = self.base.mouseWatcherNode
        if mw is None:
            return IDLE

        def down(*keys) -> float:
            return 1.0 if any(mw.is_button_down(k) for k in keys) else 0.0

        a = KeyboardButton.ascii_key
        forward = down(a("w"), KeyboardButton.up()) - down(a("s"), KeyboardButton.down())
        strafe = down(a("d")) - down(a("a"))
        turn = down(KeyboardButton.left()) - down(KeyboardButton.right())
        look_yaw = look_pitch = 0.0
        win = self.base.win
        if self._grabbed and self.mode == "walk" and win is not None:
            md = win.get_pointer(0)
            cx, cy = win.get_x_size() // 2, win.get_y_size() // 2
            if md.get_in_window():
                if not self._skip_look:
                    look_yaw = -(md.get_x() - cx) * MOUSE_LOOK
                    look_pitch = -(md.get_y() - cy) * MOUSE_LOOK
                win.move_pointer(0, cx, cy)
                self._skip_look = False
        return Inputs(forward, strafe, turn, look_yaw, look_pitch)

    def _pointer(self) -> tuple[float, float] | None:
        win = self.base.win
        if self.offscreen or win is None:
            return None
        md = win.get_pointer(0)
        return (md.get_x(), md.get_y()) if md.get_in_window() else None

    def _mouse_down(self) -> None:
        if self.mode == "planner":
            p = self._pointer()
            if p is not None:
                self._drag = [p, p, False]  # start, last, moved

    def _mouse_up(self) -> None:
        drag, self._drag = self._drag, None
        if drag is not None and not drag[2]:
            x, y = drag[0]
            self._actions.append(("click", x / self.base.win.get_x_size(), y / self.base.win.get_y_size()))

    def _drag_orbit(self) -> None:
        if self._drag is None:
            return
        p = self._pointer()
        if p is None:
            return
        start, last, moved = self._drag
        if not moved and math.hypot(p[0] - start[0], p[1] - start[1]) > DRAG_PX:
            self._drag[2] = moved = True
        if moved:
            self.orbit = self.orbit.orbit(-(p[0] - last[0]) * MOUSE_ORBIT, (p[1] - last[1]) * MOUSE_ORBIT)
        self._drag[1] = p

    # -- actions ------------------------------------------------------------------------
    def press(self, key: str) -> None:
        """Press a key now (one of :data:`~wardtwin.station.script.KEYS`), as if typed."""
        k = key.lower()
        if k not in KEYS:
            raise UsageError(f"key {key!r}: one of {', '.join(KEYS)} expected")
        self._do(KEYS[k])

    def _do(self, action) -> None:
        if callable(action):
            action()
            return
        if action == "labels":
            self.labels = not self.labels
            self.scene.show_labels(self.labels)
        elif action == "ceilings":
            self._ceilings[self.mode] = not self._ceilings[self.mode]
            self.scene.show_ceilings(self._ceilings[self.mode])
        elif action == "minimap":
            self.minimap = not self.minimap
            self.map_region.set_active(self.minimap)
        elif action == "screenshot":
            self._pending_shots += 1
        elif action == "planner":
            self.set_mode("walk" if self.mode == "planner" else "planner")
        elif action == "quit":
            self.request_quit()
        elif isinstance(action, tuple) and action[0] == "click":
            self.click(action[1], action[2])
        elif isinstance(action, tuple) and action[0] == "orbit":
            self.orbit = self.orbit.orbit(action[1], action[2])
        elif isinstance(action, tuple) and action[0] == "zoom":
            self.orbit = self.orbit.zoom(action[1])
        self._apply_camera()
        self._update_hud()

    def set_mode(self, mode: str) -> None:
        """``"walk"`` (first person) or ``"planner"`` (orbit camera, no ceilings, picking)."""
        if mode not in ("walk", "planner"):
            raise UsageError(f"mode {mode!r}: 'walk' or 'planner' expected")
        if mode == self.mode:
            return
        self.mode = mode
        self._drag = None
        self.scene.show_ceilings(self._ceilings[mode])
        if mode == "walk":
            self._select(None)
        self._grab_mouse(mode == "walk")
        self._apply_camera()
        self._update_hud()

    def request_quit(self) -> None:
        """End the run after the frame in progress (Esc, the window closed, a tour that closed)."""
        self._quit = True
        if self._looping:
            self.base.taskMgr.stop()

    def ray(self, fx: float, fy: float) -> tuple[tuple, tuple]:
        """(origin, direction) in world metres of the ray through a window point given as
        fractions (0..1 from the top left)."""
        near, far = Point3(), Point3()
        self.base.camLens.extrude(Point2(2 * fx - 1, 1 - 2 * fy), near, far)
        render, cam = self.base.render, self.base.cam
        o = render.get_relative_point(cam, near)
        f = render.get_relative_point(cam, far)
        return (o.x, o.y, o.z), (f.x - o.x, f.y - o.y, f.z - o.z)

    def click(self, fx: float, fy: float) -> CatalogEntry | None:
        """A click at a window point (fractions 0..1 from the top left). In planner mode it
        picks the item under the pointer and shows its catalog entry (None: nothing there)."""
        if self.mode != "planner":
            return None
        self._apply_camera()
        origin, direction = self.ray(fx, fy)
        hit = pick(self.model, origin, direction)
        self._select(hit.item if hit else None)
        return self.selected

    def _select(self, item_id: str | None) -> None:
        if self.selected is not None and self.selected.id in self.geometry.item_parts:
            self.scene.highlight(self.selected.id, False)
        self.selected = catalog_entry(self.layout, item_id) if item_id else None
        if self.selected is None:
            self.panel_np.hide()
            return
        if item_id in self.geometry.item_parts:
            self.scene.highlight(item_id, True)
        self.panel.set_text("\n".join(self.selected.lines()))
        self.panel_np.show()

    def teleport(self, x: float, y: float, heading_deg: float = 0.0, pitch_deg: float = 0.0) -> WalkState:
        """Stand at the walkable point nearest to (x, y) m, facing ``heading_deg`` (degrees
        counter-clockwise from north) and ``pitch_deg`` up; the walked distance restarts."""
        self.state = self.walker.start(x, y, math.radians(heading_deg), math.radians(pitch_deg))
        self._apply_camera()
        self._update_hud()
        return self.state

    def place(self, x: float, y: float, heading: float | None = None) -> None:
        """Stand at (x, y) m facing ``heading`` rad (None: as now); see :meth:`teleport`."""
        s = self.state
        self.teleport(x, y, math.degrees(s.yaw if heading is None else heading), math.degrees(s.pitch))

    @property
    def pose(self) -> Pose:
        """The trainee for the tour engine: plan (x, y) m, heading and pitch (rad)."""
        s = self.state
        return Pose(s.x, s.y, s.yaw, None, s.pitch)

    @property
    def quitting(self) -> bool:
        """True once Esc (or the window closed) ended the run (until the next :meth:`step`)."""
        return self._quit

    def play(self, script) -> None:
        """Drive the input from the next frame with a script: a file (``os.PathLike``), the
        text of one (``str``) or parsed commands."""
        if isinstance(script, os.PathLike):
            script = load_script(script)
        elif isinstance(script, str):
            script = parse_script(script)
        self.script = ScriptPlayer(script, self.settings, route=self._route)

    def _route(self, start, place: str):
        """(route points, point to face) from ``start`` to a named place (for scripts' goto).
        An item is walked up to where a person stands to use it, facing its centre (the
        snapshot's view of it, :func:`wardtwin.scene.camera.use_view`)."""
        from wardtwin.scene.camera import use_view

        item = self.layout.item_by_id.get(place)
        face = None
        if item is not None:
            view = use_view(self.model, place)
            goal, face = view.eye[:2], view.target
        else:
            goal = self.model.place(place)
        r = self.model.route(start, goal)
        if r is None and item is not None:  # the spot is not reachable from here: the item itself
            goal, face = self.model.place(place), (*item.at, view.target[2])
            r = self.model.route(start, goal)
        if r is None:
            return None, None
        pts = [start, *r.points] if math.dist(start, r.points[0]) > 1e-6 else list(r.points)
        return pts, face

    # -- the frame ----------------------------------------------------------------------
    def _apply_camera(self) -> None:
        cam = self.base.camera
        if self.mode == "walk":
            s = self.state
            cam.set_pos(s.x, s.y, self.settings.eye_height)
            cam.set_hpr(math.degrees(s.yaw), math.degrees(s.pitch), 0)
        else:
            cam.set_pos(*self.orbit.eye)
            cam.look_at(Point3(*self.orbit.target), Vec3(0, 0, 1))
        self.map_marker.set_pos(self.state.x, self.state.y, 0)
        self.map_marker.set_h(math.degrees(self.state.yaw))
        p = cam.get_pos(self.base.render)
        self.scene.set_viewpoint(p.x, p.y, p.z)

    def _update_hud(self) -> None:
        s = self.state
        if self.mode == "walk":
            rid = self.model.room_at(s.position)
            room = self.layout.room_by_id.get(rid)
            where = room.name if room else "outside the rooms"
            text = f"{where}   |   {s.distance:.1f} m walked"
        else:
            text = "Planner view" + (f"   |   {self.selected.name}" if self.selected else "")
        text += "" if self.labels else "   |   labels off"
        if text != self._hud_text:
            self._hud_text = text
            self.hud_status.set_text(text)
            self.hud_help.set_text(HELP[self.mode])
        if self.driver is not None:
            status, help_ = self.driver.hud(text)
            self.hud_status.set_text(status)
            self.hud_help.set_text(help_)

    def _poll(self, dt: float) -> tuple[Inputs, list]:
        actions, self._actions[:] = list(self._actions), []
        inputs = self._keyboard()
        if self.script is not None and not self.script.done:
            inputs, more = self.script.poll(self.state, dt)
            actions.extend(more)
        return (inputs, actions) if self.driver is None else self.driver.poll(dt, inputs, actions)

    def _frame_task(self, task):
        now = time.perf_counter()  # a frame's time: from one frame's start to the next's
        if self._last_wall is not None:
            self.frame_stats.add(now - self._last_wall)
        self._last_wall = now
        self._flush_screenshots()  # the frame rendered since the key was pressed
        dt = self.host.dt()
        self.time += dt
        inputs, actions = self._poll(dt)
        for a in actions:
            self._do(a)
        self._advance(dt, inputs)
        self._apply_camera()
        self._update_hud()
        self.frames += 1
        if self._limit is not None and self.frames >= self._limit:
            self.request_quit()
        return task.cont

    def _advance(self, dt: float, inputs: Inputs) -> None:
        """Move by this frame's ``inputs`` over ``dt`` s: walk, or steer the planner's orbit."""
        if self.driver is not None:
            self.driver.advance(dt, inputs)
        elif self.mode == "walk":
            self.state = self.walker.step(self.state, inputs, dt)
        else:
            self._drag_orbit()
            o = self.orbit.orbit(inputs.turn * self.settings.turn_rate * dt, 0.0)
            step = PAN_RATE * o.distance * dt
            self.orbit = o.pan(inputs.forward * step, inputs.strafe * step)

    def run(self, frames: int | None = None) -> WalkSummary:
        """Run until Esc (or the window is closed), or for ``frames`` frames; returns
        :meth:`summary`. Offscreen, without ``frames`` it plays its script to the end."""
        if frames is not None and not (isinstance(frames, int) and frames >= 0):
            raise UsageError(f"frames {frames!r}: a whole number >= 0 expected")
        self._quit = False
        if self.offscreen:
            if frames is None:
                if self.script is None:
                    raise UsageError("an offscreen run needs a number of frames or a script")
                n = 0
                while not self.script.done and not self._quit and n < MAX_SCRIPT_TIME * self.fps:
                    self.step()  # the frame that finds the script over also does its last actions
                    n += 1
            else:
                self.step(frames)
        elif frames != 0:
            self._limit = self.frames + frames if frames else None
            self._looping = True
            try:
                self.base.run()
            finally:
                self._looping = False
                self._limit = None
        self._flush_screenshots()
        return self.summary()

    def step(self, n: int = 1) -> WalkState:
        """Run ``n`` frames now (input, movement, render); stops early at an Esc among them."""
        self._quit = False
        for _ in range(n):
            if self._quit:
                break
            self.base.taskMgr.step()
        return self.state

    # -- output -------------------------------------------------------------------------
    def _frame(self):
        """The last rendered frame (a Texture in RAM; before the first frame, one drawn now)."""
        if self.frames == 0:
            self.base.graphicsEngine.render_frame()
        tex = self.base.win.get_screenshot()
        if tex is None:
            raise StationError("the rendered frame could not be read back")
        return tex

    def image(self) -> np.ndarray:
        """The last rendered frame as an (height, width, 3) uint8 RGB array, top row first."""
        tex = self._frame()
        h, w = tex.get_y_size(), tex.get_x_size()
        data = np.frombuffer(bytes(tex.get_ram_image_as("RGB")), np.uint8).reshape(h, w, 3)
        return data[::-1].copy()

    def screenshot(self, path: str | os.PathLike | None = None) -> Path:
        """Write the last rendered frame as PNG (atomically) to ``path`` or to the next free
        ``<ward>-NNN.png`` in the screenshot folder; returns the path."""
        img = PNMImage()
        stream = StringStream()
        if not self._frame().store(img) or not img.write(stream, "frame.png"):
            raise StationError("the frame could not be encoded as PNG")
        if path is None:
            self.screenshot_dir.mkdir(parents=True, exist_ok=True)
            stem = self.layout.ward.id
            k = len(self.screenshots) + 1
            while (self.screenshot_dir / f"{stem}-{k:03d}.png").exists():
                k += 1
            path = self.screenshot_dir / f"{stem}-{k:03d}.png"
        try:
            out = write_bytes_atomic(path, bytes(stream.get_data()))
        except OSError as exc:
            raise StationError(f"{path}: screenshot not written: {exc}") from None
        self.screenshots.append(out)
        return out

    def _flush_screenshots(self) -> None:
        while self._pending_shots > 0:
            self._pending_shots -= 1
            self.screenshot()

    def summary(self) -> WalkSummary:
        """Where the trainee is and what was done (see :class:`WalkSummary`)."""
        s = self.state
        rid = self.model.room_at(s.position)
        room = self.layout.room_by_id.get(rid)
        n_found = len(self.newest.findings) if self.newest else 0
        live = None if self.live is None else LiveState(self.live.reloads, n_found,
                                                        self.newest is None or self.newest is self.shown)
        return WalkSummary(
            frames=self.frames, time_s=round(self.time, 6), walk_time_s=round(s.time, 6), x=round(s.x, 4),
            y=round(s.y, 4), heading_deg=round(math.degrees(s.yaw), 2), room=rid, room_name=room.name if room else None,
            distance_m=round(s.distance, 4), mode=self.mode, screenshots=tuple(str(p) for p in self.screenshots),
            renderer=self.renderer, live=live)

    @property
    def renderer(self) -> str:
        return self.host.renderer if self.host is not None else "none"

    # -- live preview -------------------------------------------------------------------
    def _start_watch(self) -> None:
        live = self.live
        self.findings_panel, self.findings_np = self.text(self.base.a2dTopLeft, "findings-panel", 0.034,
                                                           (0.05, -0.17), card=True, wrap=72)
        self.shown = live.good if live.good is not None and live.good.model is self.model else None
        self.newest = live.current
        self._show_findings(live.current)
        self.host.add_task(self._watch_frame, "wardtwin-watch", sort=-10)

    def _watch_frame(self, task):
        result = self.live.poll()
        if result is not None:
            self.apply(result)
            if self.on_reload is not None:
                self.on_reload(result)
            if (self._watch_limit is not None and self.live.reloads >= self._watch_limit
                    and not self.live.busy):  # this frame, which shows the reading, is still drawn
                self.request_quit()
        return task.cont

    def apply(self, result) -> bool:
        """Show a new reading of the ward (a :class:`~wardtwin.layout.watch.Loaded`): a usable
        one becomes the twin, the camera staying where it was (in walk mode the trainee keeps
        standing and looking where they were, moved to the nearest floor if that spot is
        gone; the planner's orbit is kept); any one replaces the findings panel and the marks
        on the twin shown. A reading that cannot be used leaves the last good twin on screen.
        Returns whether the twin was replaced."""
        replaced = False
        if result.usable:
            if result.model is not self.model:  # (the same model: its rule findings came)
                geometry = (result.extra if isinstance(result.extra, WardGeometry)
                            else ward_geometry(result.model.plan, model=result.model))
                try:
                    self._replace(result.model, geometry)
                except WardtwinError as exc:  # e.g. no floor to stand on: the last good twin stays
                    import dataclasses

                    result = dataclasses.replace(result, problem=f"not shown: {exc}", code=result.code or 2)
                    self.live.current = result
                else:
                    replaced = True
            if result.usable:
                self.shown = result
        self.newest = result
        self._show_findings(result)
        return replaced

    def _replace(self, model, geometry: WardGeometry) -> None:
        import dataclasses

        walker = Walker(model.walkable, self.settings)  # (refuses a ward with no floor: before any change)
        keep = self.selected.id if self.selected is not None else None
        self._select(None)
        old = self.scene
        self.model, self.layout, self.plan = model, model.layout, model.plan
        self.walker = walker
        x, y = walker.snap(self.state.x, self.state.y)
        self.state = dataclasses.replace(self.state, x=x, y=y)
        self.scene, self.geometry = self.host.attach(geometry, self.plan, self._locate, model=model), geometry
        old.root.remove_node()
        self.scene.show_labels(self.labels)
        self.scene.show_ceilings(self._ceilings[self.mode])
        self.base.win.remove_display_region(self.map_region)
        self.map_root.remove_node()
        self._build_minimap()
        win = self.base.win
        self._fit_minimap((win.get_x_size(), win.get_y_size()))  # the window as it is now
        if keep is not None and keep in self.layout.item_by_id:
            self._select(keep)
        self._hud_text = None
        self._apply_camera()
        self._update_hud()

    def _show_findings(self, result) -> None:
        from wardtwin.layout.watch import marks_of, panel_lines
        from wardtwin.scene.marks import marks_mesh

        name = self.layout.ward.id
        self.findings_panel.set_text("\n".join(panel_lines(name, result, self.shown)))
        self.findings_np.show()
        self.marks = marks_of(result.layout, result.findings).within(self.layout)
        self.scene.show_marks(marks_mesh(self.plan, self.geometry, self.marks) if self.marks else None)

    def watch(self, count: int | None = None, frames: int | None = None, timeout: float | None = None) -> WalkSummary:
        """Live preview: run until Esc (or the window is closed), Ctrl-C, ``count`` more
        readings (and the rule findings of the last), ``frames`` frames or (offscreen)
        ``timeout`` s, applying each new reading of the ward; returns :meth:`summary`.
        Offscreen, frames are drawn in real time (``fps`` a second), the time step staying
        fixed."""
        if self.live is None:
            raise UsageError("nothing to watch: the station was opened without a LiveWard")
        if count is not None and count <= 0:
            return self.summary()
        self._watch_limit = None if count is None else self.live.reloads + count
        try:
            if self.offscreen:
                period, start, n = 1.0 / self.fps, time.monotonic(), 0
                self._quit = False
                while not self._quit and (frames is None or n < frames) and (
                        timeout is None or time.monotonic() - start < timeout):
                    t = time.monotonic()
                    self.base.taskMgr.step()
                    n += 1
                    rest = period - (time.monotonic() - t)
                    if rest > 0:
                        time.sleep(rest)
            else:
                self.run(frames)  # the task manager ends the run on Ctrl-C
        except KeyboardInterrupt:
            pass
        finally:
            self._watch_limit = None
        self._flush_screenshots()
        return self.summary()

    # -- shutting down ------------------------------------------------------------------
    def close(self) -> None:
        """Destroy the ShowBase and restore the clock (safe to call twice)."""
        if self.base is not None and getattr(self, "_events", None) is not None:
            self._events.ignoreAll()
        self.base = None
        if self.host is not None:
            self.host.close()


def summary_line(info: WalkSummary) -> str:
    """One line for the command line: frames, final position, room, distance walked."""
    room = f"{info.room_name} ({info.room})" if info.room else "outside the rooms"
    shots = f", {len(info.screenshots)} screenshot(s)" if info.screenshots else ""
    return (f"{info.frames} frames ({info.time_s:.2f} s): at ({info.x:.2f}, {info.y:.2f}) m "
            f"heading {info.heading_deg:.0f} deg in {room}, walked {info.distance_m:.2f} m{shots}")


def view(model, *, at: str | None = None, heading: float | None = None, offscreen: bool = False,
         frames: int | None = None, script=None, screenshot_dir="screenshots", size=(1280, 720),
         fps: int = FPS) -> WalkSummary:
    """``wardtwin view``: walk a compiled ward at a desktop station; returns the run's
    :meth:`DesktopStation.summary`."""
    commands = load_script(script) if script is not None else None
    start_pose(model, at, heading)  # unknown places fail before a window opens (or a running one is found)
    with DesktopStation(model, at=at, heading=heading, offscreen=offscreen, size=size, fps=fps,
                        script=commands, screenshot_dir=screenshot_dir) as station:
        return station.run(frames)


def view_live(ward, *, at: str | None = None, heading: float | None = None, offscreen: bool = False,
              frames: int | None = None, script=None, screenshot_dir="screenshots", size=(1280, 720),
              fps: int = FPS, count: int | None = None, report=None) -> tuple[WalkSummary | None, int]:
    """``wardtwin view WARD --watch``: the desktop station over a ward folder that is read
    again whenever its files change (see :mod:`wardtwin.layout.watch`): each usable version
    replaces the twin where the camera is, each reading's findings are listed in a panel and
    marked in the twin, and a version with errors leaves the last good twin on screen. A
    ward with errors at the start opens no window until a save fixes it. Ends at Esc (or the
    window closed), Ctrl-C, ``frames`` frames, or after ``count`` readings after the first.
    ``report(result, shown)`` is told of every reading (the first included).

    Returns ``(summary or None when no window opened, exit code)``: 0 when the newest reading
    can be used, else its findings' exit code."""
    from wardtwin.layout.watch import LiveWard
    from wardtwin.model.checks import check
    from wardtwin.rules.engine import evaluate

    commands = load_script(script) if script is not None else None
    # each reading: `wardtwin check` less the rule pack's measurements, which follow on the new twin
    # (the twin's geometry reuses the reading's compiled model: the signs' routes are not compiled again)
    live = LiveWard(ward, load=functools.partial(check, rules=False),
                    prepare=lambda model: ward_geometry(model.plan, model=model), refine=evaluate,
                    refine_background=True)
    say = report or (lambda result, shown: None)
    info = None
    try:
        say(live.current, live.good)
        left = count
        while live.good is None and (left is None or left > 0):  # nothing to show yet
            result = live.wait()
            left = None if left is None else left - 1
            say(result, live.good)
        if live.good is not None and (left is None or left > 0 or count == 0):
            good = live.good
            start_pose(good.model, at, heading)  # unknown places fail before a window opens
            with DesktopStation(good.model, good.extra, at=at, heading=heading, offscreen=offscreen, size=size,
                                fps=fps, script=commands, screenshot_dir=screenshot_dir, live=live,
                                on_reload=lambda r: say(r, live.good)) as station:
                info = station.watch(count=left, frames=frames)
    except KeyboardInterrupt:
        pass
    finally:
        live.close()
    return info, live.exit_code
