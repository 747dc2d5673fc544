"""Artificial locomotion in the headset: where the play space stands in the ward, and how
the thumbstick moves and turns it. Pure (no Panda3D, no clock): the same inputs give the same
motion everywhere.

The trainee's tracked head moves freely inside the *play space* (the tracking space); the
:class:`Rig` places the play space in the ward: its origin (x, y, m) and heading (yaw, rad
counter-clockwise from north). Artificial motion moves the rig, never the tracked poses:

- locomotion ``"teleport"``: push the stick forward to aim (an arc and a landing marker, see
  :mod:`~wardtwin.station.vr.teleport`), release it to go there (the head lands on the
  landing point, the heading is kept); pull it back to cancel. Only valid landings (inside the
  walkable area) teleport.
- locomotion ``"smooth"``: the stick walks along the head's heading (forward/back) at up to
  ``speed`` m/s (at most 1.4 m/s), colliding and sliding against the walkable area like the
  desktop station (:class:`~wardtwin.station.locomotion.Walker`).
- turn ``"snap"``: pushing the stick left or right turns by ``snap_angle`` rad at once, in one
  frame, about the head; the stick must come back to the centre (and ``snap_debounce`` s pass)
  before the next snap. Turn ``"smooth"``: ``turn_rate`` rad/s, scaled by the stick.

The stick's dominant axis decides: forward/back drives locomotion, left/right turns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from wardtwin.errors import UsageError
from wardtwin.station.locomotion import Inputs, WalkSettings, Walker, check_ranges
from wardtwin.station.vr.comfort import VignetteSettings
from wardtwin.angles import wrap_angle
from wardtwin.station.vr.pose import Controller, Pose, quat_axis
from wardtwin.station.vr.teleport import Landing, Teleporter, TeleportSettings

#: Comfort cap on smooth walking speed, m/s.
MAX_SPEED = 1.4
LOCOMOTION = ("teleport", "smooth")
TURNS = ("snap", "smooth")


@dataclass(frozen=True)
class VRSettings:
    """Per-trainee VR comfort and input settings (SI units: m/s, rad, rad/s, s).

    ``locomotion``: ``"teleport"`` or ``"smooth"``; ``turn``: ``"snap"`` or ``"smooth"``;
    ``snap_angle`` rad (45 deg); ``snap_debounce`` s; ``turn_rate`` rad/s (60 deg/s);
    ``speed`` m/s (<= 1.4); ``deadzone``: stick travel ignored (0..1); ``press``/``release``:
    stick travel that starts/ends a snap or an aim (hysteresis); ``trigger_press`` /
    ``trigger_release``: the same for the trigger (a selection on the press)."""

    locomotion: str = "teleport"
    turn: str = "snap"
    snap_angle: float = math.radians(45.0)
    snap_debounce: float = 0.2
    turn_rate: float = math.radians(60.0)
    speed: float = MAX_SPEED
    deadzone: float = 0.15
    press: float = 0.7
    release: float = 0.3
    trigger_press: float = 0.7
    trigger_release: float = 0.3
    vignette: VignetteSettings = field(default_factory=VignetteSettings)
    teleport: TeleportSettings = field(default_factory=TeleportSettings)

    def __post_init__(self):
        if self.locomotion not in LOCOMOTION:
            raise UsageError(f"locomotion {self.locomotion!r}: one of {', '.join(LOCOMOTION)} expected")
        if self.turn not in TURNS:
            raise UsageError(f"turn {self.turn!r}: one of {', '.join(TURNS)} expected")
        check_ranges(self, "VR setting", (
            ("snap_angle", math.radians(5), math.radians(180)), ("snap_debounce", 0.0, 2.0),
            ("turn_rate", 0.0, math.radians(360)), ("speed", 0.0, MAX_SPEED), ("deadzone", 0.0, 0.6),
            ("press", 0.1, 1.0), ("release", 0.0, 0.9), ("trigger_press", 0.05, 1.0), ("trigger_release", 0.0, 0.95)))
        if self.release >= self.press or self.trigger_release >= self.trigger_press:
            raise UsageError("VR settings: the release threshold must be below the press threshold")

    @classmethod
    def from_units(cls, locomotion: str = "teleport", turn: str = "snap", snap_deg: float = 45.0,
                   turn_deg_s: float = 60.0, speed: float = MAX_SPEED, vignette: bool = True) -> "VRSettings":
        """Settings from file units (degrees, degrees/s, m/s)."""
        return cls(locomotion, turn, math.radians(snap_deg), turn_rate=math.radians(turn_deg_s), speed=speed,
                   vignette=VignetteSettings(enabled=bool(vignette)))


@dataclass(frozen=True)
class Rig:
    """Where the play space stands in the ward: its origin (x, y) m and heading ``yaw`` rad."""

    x: float = 0.0
    y: float = 0.0
    yaw: float = 0.0

    @property
    def pose(self) -> Pose:
        return Pose((self.x, self.y, 0.0), quat_axis("z", self.yaw))

    def to_world(self, p: Pose) -> Pose:
        """A tracking-space pose expressed in the ward."""
        return self.pose.compose(p)

    def point(self, p) -> tuple[float, float, float]:
        """A tracking-space point (m) in the ward."""
        return self.pose.transform(p)

    def placing(self, head: Pose, x: float, y: float, yaw: float | None = None) -> "Rig":
        """The rig that puts the tracked ``head`` at ward point (x, y) m, its heading at
        ``yaw`` rad (None: the heading it has now)."""
        ryaw = self.yaw if yaw is None else wrap_angle(yaw - head.yaw)
        c, s = math.cos(ryaw), math.sin(ryaw)
        hx, hy = head.position[0], head.position[1]
        return Rig(x - (c * hx - s * hy), y - (s * hx + c * hy), ryaw)

    def turned(self, head: Pose, angle: float) -> "Rig":
        """The rig turned by ``angle`` rad (+ counter-clockwise) about the tracked head."""
        w = self.point(head.position)
        return replace(self, yaw=wrap_angle(self.yaw + angle)).placing(head, w[0], w[1])


@dataclass(frozen=True)
class MotionState:
    """The rig and what the stick is doing: ``aiming`` a teleport (with the last ``landing``),
    ``snap_armed`` (the stick was back in the centre since the last snap), ``last_snap`` (s),
    ``time`` (s), and totals: ``snap_turns``, ``teleports``, ``distance`` (m moved by smooth
    walking or teleport), ``turned`` (rad of artificial yaw)."""

    rig: Rig
    time: float = 0.0
    aiming: bool = False
    landing: Landing | None = None
    snap_armed: bool = True
    last_snap: float = -math.inf
    snap_turns: int = 0
    teleports: int = 0
    distance: float = 0.0
    turned: float = 0.0


@dataclass(frozen=True)
class MotionStep:
    """The result of one frame: the new ``state``; artificial ``speed`` (m/s) and ``yaw_rate``
    (rad/s, continuous motion only: what the vignette reacts to); ``snap_turned`` and
    ``teleported`` this frame."""

    state: MotionState
    speed: float = 0.0
    yaw_rate: float = 0.0
    snap_turned: bool = False
    teleported: bool = False


def _axis(v: float, deadzone: float) -> float:
    """A stick axis with the dead zone removed and rescaled to -1..1."""
    a = abs(v)
    if a <= deadzone:
        return 0.0
    return math.copysign(min(1.0, (a - deadzone) / (1.0 - deadzone)), v)


class VRLocomotion:
    """Steps a :class:`MotionState` with a controller (see the module doc), against a
    compiled ward ``model``."""

    def __init__(self, model, settings: VRSettings = VRSettings()):
        self.settings = settings
        self.walker = Walker(model.walkable, WalkSettings(speed=settings.speed, turn_rate=0.0))
        self.teleporter = Teleporter(model, settings.teleport, walker=self.walker)

    def start(self, head: Pose, x: float, y: float, yaw: float = 0.0) -> MotionState:
        """A state whose rig puts the tracked ``head`` at the walkable point nearest to
        (x, y) m, facing ``yaw`` rad."""
        sx, sy = self.walker.snap(float(x), float(y))
        return MotionState(Rig().placing(head, sx, sy, yaw))

    def step(self, state: MotionState, head: Pose, controller: Controller, dt: float,
             allowed: bool = True) -> MotionStep:
        """``state`` after a frame of ``dt`` s in which the tracked head was at ``head`` and
        the controller reported ``controller`` (tracking space). ``allowed`` False: the stick
        is ignored (a form is up, a ride drives) and an aim is cancelled."""
        if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt >= 0):
            raise UsageError(f"time step {dt!r} s: a finite number >= 0 expected")
        s = self.settings
        t = state.time + dt
        sx, sy = controller.stick if allowed else (0.0, 0.0)
        turning = abs(sx) > abs(sy)
        rig = state.rig
        out: dict = {}  # the fields of the new state that change
        speed = yaw_rate = 0.0
        snapped = teleported = False

        # -- turning --------------------------------------------------------------------
        if s.turn == "snap":
            if abs(sx) <= s.release:
                out["snap_armed"] = True
            elif (turning and abs(sx) >= s.press and state.snap_armed and not state.aiming
                  and t - state.last_snap >= s.snap_debounce):
                angle = -math.copysign(s.snap_angle, sx)  # stick right: turn clockwise
                rig = rig.turned(head, angle)
                out.update(snap_armed=False, last_snap=t, snap_turns=state.snap_turns + 1,
                           turned=state.turned + abs(angle))
                snapped = True
        else:
            ax = _axis(sx, s.deadzone) if turning else 0.0
            if ax and dt > 0:
                angle = -ax * s.turn_rate * dt
                rig = rig.turned(head, angle)
                out["turned"] = state.turned + abs(angle)
                yaw_rate = abs(angle) / dt

        # -- locomotion -----------------------------------------------------------------
        if s.locomotion == "teleport":
            if not allowed or (state.aiming and sy <= -s.press):  # held, or pulled back: cancel
                out.update(aiming=False, landing=None)
            elif ((not turning or state.aiming) and sy >= s.press) or (state.aiming and sy > s.release):
                ray = controller.ray
                aim = self.teleporter.aim(rig.point(ray[0]), rig.pose.rotate(ray[1])) if ray is not None else None
                out.update(aiming=True, landing=aim)
            elif state.aiming:  # released: go
                land = state.landing
                if land is not None and land.valid:
                    before = rig.point(head.position)
                    rig = rig.placing(head, land.point[0], land.point[1])
                    out["distance"] = state.distance + math.hypot(land.point[0] - before[0], land.point[1] - before[1])
                    out["teleports"] = state.teleports + 1
                    teleported = True
                out.update(aiming=False, landing=None)
        else:
            ay = 0.0 if turning else _axis(sy, s.deadzone)
            if ay and dt > 0:
                w = rig.to_world(head)
                start = self.walker.start(w.position[0], w.position[1], w.yaw)
                moved = self.walker.step(start, Inputs(forward=ay), dt)
                dx, dy = moved.x - start.x, moved.y - start.y
                rig = replace(rig, x=rig.x + dx, y=rig.y + dy)
                d = math.hypot(dx, dy)
                out["distance"] = state.distance + d
                speed = d / dt
        return MotionStep(replace(state, rig=rig, time=t, **out), speed, yaw_rate, snapped, teleported)

