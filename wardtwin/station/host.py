"""The station host: the one owner of Panda3D's engine for a station (the ShowBase, its
configuration, the fixed-step clock, teardown), and what every station knows before it opens
(where the trainee starts, whether a window can open). Imports Panda3D; one host (one
ShowBase) per process.
"""

from __future__ import annotations

import builtins
import math
import os
import sys
from typing import TYPE_CHECKING

from panda3d.core import ClockObject, GeomNode, LineSegs, loadPrcFileData, unloadPrcFile

from wardtwin.angles import bearing
from wardtwin.errors import UsageError
from wardtwin.scene import offscreen as _offscreen
from wardtwin.scene.geometry import WardGeometry, ward_geometry
from wardtwin.scene.panda import WardScene

if TYPE_CHECKING:
    from wardtwin.model.compiled import WardModel

#: Longest time step a frame may take in a window or headset, s (a stall does not become a leap).
MAX_DT = 0.1
#: Configuration lines every station runs with; offscreen adds :data:`HEADLESS`.
PRC = ("framebuffer-stencil true", "stencil-bits 8", "print-pipe-types false", "notify-level-device fatal",
       "notify-level-display error")
HEADLESS = ("load-display p3headlessgl", "aux-display p3tinydisplay", "sync-video false")


def start_pose(model, at: str | None = None, heading_deg: float | None = None) -> tuple[float, float, float]:
    """(x m, y m, yaw rad) to start at: ``at`` is a room, door or item id or "x,y" (default: the
    ward's entrance). At an item the trainee faces it; at a door, its first room; elsewhere
    ``heading_deg`` (counter-clockwise from north, default 0: north)."""
    lay = model.layout
    name = at or lay.ward.entrance
    x, y = model.place(name)
    yaw = 0.0
    if heading_deg is not None:
        yaw = math.radians(heading_deg)
    elif name in lay.item_by_id:
        ix, iy = lay.item_by_id[name].at
        if math.hypot(ix - x, iy - y) > 1e-6:
            yaw = bearing(ix - x, iy - y)
    elif name in lay.door_by_id:
        anchor = model.room_anchor.get(lay.door_by_id[name].between[0])
        if anchor is not None and math.hypot(anchor[0] - x, anchor[1] - y) > 1e-6:
            yaw = bearing(anchor[0] - x, anchor[1] - y)
    return x, y, yaw


def has_display() -> bool:
    """Whether a window can be opened here (on X11 systems: DISPLAY is set)."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return bool(os.environ.get("DISPLAY"))
    return True


def claim(fps) -> None:
    """Refuse a second station in this process, or a frame rate (frames/s) out of range."""
    if getattr(builtins, "base", None) is not None:
        raise UsageError("a Panda3D ShowBase already runs in this process; close it first (one station per process)")
    if not (isinstance(fps, int) and 1 <= fps <= 1000):
        raise UsageError(f"frame rate {fps!r}: a whole number of frames per second from 1 to 1000 expected")


def lines(name: str, polylines, thickness: float, colour, *, close: bool = False) -> GeomNode:
    """One node of line strips ``thickness`` pixels wide in ``colour``, each through its points:
    (x, y) on the ground (z = 0) or (x, y, z), m; ``close``: back to its first point."""
    seg = LineSegs(name)
    seg.set_thickness(thickness)
    seg.set_color(*colour)
    for pts in polylines:
        pts = [(*p, 0.0)[:3] for p in pts]
        if pts:
            seg.move_to(*pts[0])
            for p in pts[1:] + pts[:1] * close:
                seg.draw_to(*p)
    return seg.create()


class Host:
    """Panda3D's engine for one station, opened at once: ``prc`` are the station's own
    configuration lines (loaded as ``name``); ``offscreen``: an offscreen buffer and a clock
    that steps exactly ``1/fps`` s per frame; ``fail(exc)``: the error to raise when the
    ShowBase cannot open; ``on_quit``: called when the window is closed (the process goes on).
    :meth:`close` restores the clock and the configuration."""

    def __init__(self, name: str, prc, *, offscreen: bool, fps: int, fail, on_quit):
        claim(fps)
        self.offscreen, self.fps, self.tasks, self.scene = offscreen, fps, [], None
        if offscreen:
            _offscreen.configure()
        self._prc = loadPrcFileData(name, "\n".join([*PRC, *prc, *(HEADLESS if offscreen else ())]))
        from direct.showbase.ShowBase import ShowBase

        try:
            self.base = ShowBase(windowType="offscreen" if offscreen else "onscreen")
        except Exception as exc:
            self.base = None
            self.close()
            if getattr(builtins, "base", None) is not None:  # pragma: no cover - half-made ShowBase
                builtins.base.destroy()
            raise fail(exc) from None
        self.base.finalizeExit = on_quit  # closing the window ends the run, never sys.exit()
        self.base.disableMouse()
        self.clock = ClockObject.get_global_clock()
        self._clock_saved = self.clock.get_mode()
        if offscreen:  # deterministic: every frame is exactly 1/fps s
            self.clock.set_mode(ClockObject.M_non_real_time)
            self.clock.set_frame_rate(fps)

    def attach(self, geometry: WardGeometry | None, plan, locate, *, model: WardModel | None = None) -> WardScene:
        """The station's scene, under ``render`` with its labels and ceilings on: ``geometry``
        (None: built from ``plan``, with ``model``, the ward compiled, when given: see
        :func:`ward_geometry`) drawn with portal cells found by ``locate`` (plan (x, y) m ->
        room id or None). :meth:`close` takes it off ``render`` again."""
        if geometry is None:
            geometry = ward_geometry(plan, model=model)
        self.scene = WardScene(geometry, locate=locate)
        self.scene.root.reparent_to(self.base.render)
        self.scene.show_labels(True)
        self.scene.show_ceilings(True)
        return self.scene

    @property
    def renderer(self) -> str:
        """The name of the renderer the window or buffer draws with ("none" once closed)."""
        gsg = self.base.win.get_gsg() if self.base is not None and self.base.win is not None else None
        return gsg.get_driver_renderer() if gsg is not None else "none"

    def add_task(self, fn, name: str, sort: int = 0):
        """Run ``fn(task)`` every frame until :meth:`stop`."""
        task = self.base.taskMgr.add(fn, name, sort=sort)
        self.tasks.append(task)
        return task

    def dt(self) -> float:
        """This frame's time step, s: the fixed step offscreen, else at most :data:`MAX_DT`."""
        dt = self.clock.get_dt()
        return dt if self.offscreen else min(dt, MAX_DT)

    def stop(self) -> None:
        """Remove the station's tasks (the task manager outlives the ShowBase)."""
        for task in self.tasks:
            self.base.taskMgr.remove(task)
        self.tasks = []

    def close(self) -> None:
        """Destroy the ShowBase, restore the clock and unload the configuration (idempotent)."""
        if self.base is not None:
            self.stop()
            if self.scene is not None:
                self.scene.root.detach_node()
            self.clock.set_mode(self._clock_saved)
            self.base.destroy()
            self.base = None
        if self._prc is not None:
            unloadPrcFile(self._prc)
            self._prc = None
