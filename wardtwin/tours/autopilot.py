"""The autopilot: drives a pose along a walking path under a trainee's comfort settings, and
the motion-exposure meter every session keeps.

Kinematics (fixed internal sub-steps of :data:`SUBSTEP` s, so results do not depend on the
caller's time step beyond its rounding): speed never above ``max_speed``; speed changes by at
most ``acceleration`` per second (it brakes ahead of each stop, so it arrives at rest); at a
corner sharper than :data:`CORNER_STOP` it stops and turns in place; turns are continuous at
most ``yaw_rate`` or snap turns of ``snap_angle`` at most one per ``snap_interval``; it walks
only while facing within :data:`WALK_ERROR` of the way (snap: half a snap); at the end it
turns to face what is shown and pauses ``stop_pause`` s. Pure: no clock, no randomness.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import InitVar, dataclass, field, fields

from wardtwin.angles import bearing, wrap_angle
from wardtwin.tours.spec import ComfortSettings, Pose

#: Internal time step (s).
SUBSTEP = 0.05
#: The autopilot stops and turns in place at corners sharper than this (rad).
CORNER_STOP = math.radians(45.0)
#: Smooth turning: it walks only while its heading is within this of the way (rad).
WALK_ERROR = math.radians(30.0)
#: Closer than this (m) to a waypoint counts as there.
EPS = 1e-6


@dataclass
class Motion:
    """The motion of one time step: time (s), distance walked (m), smooth yaw turned (rad),
    snap turns and teleports, the time of it spent moving or turning (s), peak speed (m/s)
    and peak smooth yaw rate (rad/s)."""

    dt: float = 0.0
    distance: float = 0.0
    yaw: float = 0.0
    snaps: int = 0
    teleports: int = 0
    moving: float = 0.0
    peak_speed: float = 0.0
    peak_yaw_rate: float = 0.0


@dataclass(frozen=True)
class MotionExposure:
    """A session's motion exposure (the ``motion`` of its ``session_ended`` event): time in
    motion (s), path length (m), peak/mean speed (m/s), peak/mean yaw rate (deg/s, smooth
    turning only; means over the time in motion), snap turns, teleports."""

    time_in_motion_s: float
    path_m: float
    peak_speed_mps: float
    mean_speed_mps: float
    peak_yaw_rate_dps: float
    mean_yaw_rate_dps: float
    snap_turns: int
    teleports: int

    def to_data(self) -> dict[str, float | int]:
        """As the event data keeps it (these keys, in this order)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class MotionMeter:
    """Motion exposure of a session: sums of :class:`Motion` records."""

    time: float = 0.0
    moving: float = 0.0
    path: float = 0.0
    yaw: float = 0.0
    snaps: int = 0
    teleports: int = 0
    peak_speed: float = 0.0
    peak_yaw_rate: float = 0.0

    def add(self, m: Motion) -> None:
        self.time += m.dt
        self.moving += m.moving
        self.path += m.distance
        self.yaw += m.yaw
        self.snaps += m.snaps
        self.teleports += m.teleports
        self.peak_speed = max(self.peak_speed, m.peak_speed)
        self.peak_yaw_rate = max(self.peak_yaw_rate, m.peak_yaw_rate)

    def summary(self) -> MotionExposure:
        """The exposure so far (see :class:`MotionExposure`)."""
        mv = self.moving
        return MotionExposure(
            time_in_motion_s=round(mv, 3), path_m=round(self.path, 3),
            peak_speed_mps=round(self.peak_speed, 4),
            mean_speed_mps=round(self.path / mv, 4) if mv > 0 else 0.0,
            peak_yaw_rate_dps=round(math.degrees(self.peak_yaw_rate), 3),
            mean_yaw_rate_dps=round(math.degrees(self.yaw / mv), 3) if mv > 0 else 0.0,
            snap_turns=self.snaps, teleports=self.teleports,
        )


def trainee_motion(prev: Pose, new: Pose, dt: float, snap_turn: bool = False, teleport: bool = False) -> Motion:
    """The motion between two poses a trainee reported ``dt`` s apart. A teleport's jump is not
    walked; a snap turn's yaw is not continuous turning."""
    d = 0.0 if teleport else math.hypot(new.x - prev.x, new.y - prev.y)
    yaw = 0.0 if snap_turn else abs(wrap_angle(new.heading - prev.heading))
    m = Motion(dt=dt, distance=d, yaw=yaw, snaps=int(snap_turn), teleports=int(teleport))
    if dt > 0 and (d > EPS or yaw > 1e-9):
        m.moving = dt
        m.peak_speed = d / dt
        m.peak_yaw_rate = yaw / dt
    return m


@dataclass
class Autopilot:
    """Drives ``pose`` along paths (see the module doc). Set a plan with :meth:`follow`,
    :meth:`face` or :meth:`teleport`; :meth:`advance` moves it on and returns the motion."""

    settings: ComfortSettings
    start: InitVar[Pose]
    speed: float = 0.0
    path: list[tuple[float, float]] = field(default_factory=list)
    face_at: tuple[float, float] | None = None
    pause_left: float = 0.0
    snap_wait: float = 0.0
    _pending: Motion | None = None
    _stops: list[bool] = field(default_factory=list)  # True where path[i] is a stop (sharp corner or end)

    def __post_init__(self, start: Pose) -> None:
        self.x, self.y, self.heading = float(start.x), float(start.y), float(start.heading)

    @property
    def pose(self) -> Pose:
        """Where it stands and looks (gaze along the heading)."""
        return Pose(self.x, self.y, self.heading)

    @pose.setter
    def pose(self, p: Pose) -> None:
        self.x, self.y, self.heading = float(p.x), float(p.y), float(p.heading)

    @property
    def busy(self) -> bool:
        """True while it has a way to walk, a turn to make or a pause to wait."""
        return bool(self.path) or self.face_at is not None or self.pause_left > 1e-9

    def follow(self, points: Iterable[tuple[float, float]], face: tuple[float, float] | None = None,
               pause: float | None = None) -> None:
        """Walk along ``points`` (the first is where it stands, or the path's start), then face
        ``face`` (a point) and pause ``pause`` s (default: the settings' ``stop_pause``)."""
        pts = [(float(x), float(y)) for x, y in points]
        while pts and math.hypot(pts[0][0] - self.x, pts[0][1] - self.y) < EPS:
            pts.pop(0)
        self.path = pts
        prev = (self.x, self.y)
        stops: list[bool] = []
        for i, p in enumerate(pts):
            if i + 1 == len(pts):
                stops.append(True)
                break
            a = bearing(p[0] - prev[0], p[1] - prev[1])
            b = bearing(pts[i + 1][0] - p[0], pts[i + 1][1] - p[1])
            stops.append(abs(wrap_angle(b - a)) > CORNER_STOP)
            prev = p
        self._stops = stops
        self.face_at = face
        self.pause_left = self.settings.stop_pause if pause is None else pause

    def face(self, point: tuple[float, float], pause: float = 0.0) -> None:
        """Turn in place to face ``point``, then pause ``pause`` s."""
        self.path, self._stops = [], []
        self.face_at = (float(point[0]), float(point[1]))
        self.pause_left = pause

    def stop(self) -> None:
        """Drop the plan (it keeps its pose and comes to rest at once)."""
        self.path, self._stops, self.face_at, self.pause_left, self.speed = [], [], None, 0.0, 0.0

    def teleport(self, xy: tuple[float, float], heading: float | None = None) -> None:
        """Jump to ``xy`` (counted as a teleport at the next :meth:`advance`); drops the plan."""
        self.stop()
        self.x, self.y = float(xy[0]), float(xy[1])
        if heading is not None:
            self.heading = float(heading)
        self._pending = Motion(teleports=1)

    def _turn(self, err: float, h: float, m: Motion) -> float:
        """Turn toward ``err`` (rad) for ``h`` s; returns the error left."""
        s = self.settings
        if s.turn == "snap":
            if abs(err) > s.snap_angle / 2 + 1e-9 and self.snap_wait <= 1e-9:
                step = math.copysign(s.snap_angle, err)
                self.heading = wrap_angle(self.heading + step)
                self.snap_wait = s.snap_interval
                m.snaps += 1
                return err - step
            return err
        turn = max(-s.yaw_rate * h, min(s.yaw_rate * h, err))
        if turn:
            self.heading = wrap_angle(self.heading + turn)
            m.yaw += abs(turn)
            m.peak_yaw_rate = max(m.peak_yaw_rate, abs(turn) / h)
        return err - turn

    def _aligned(self, err: float) -> bool:
        s = self.settings
        return abs(err) <= (s.snap_angle / 2 + 1e-9 if s.turn == "snap" else WALK_ERROR)

    def _stop_distance(self) -> float:
        x, y = self.x, self.y
        d = 0.0
        for p, stop in zip(self.path, self._stops):
            d += math.hypot(p[0] - x, p[1] - y)
            x, y = p
            if stop:
                break
        return d

    def advance(self, dt: float) -> Motion:
        """Move on by ``dt`` s; returns the :class:`Motion` of the step."""
        m = self._pending or Motion()
        self._pending = None
        m.dt = dt
        left = dt
        s = self.settings
        a = s.acceleration
        while left > 1e-12:
            h = min(SUBSTEP, left)
            left -= h
            self.snap_wait = max(0.0, self.snap_wait - h)
            yaw0, dist = m.yaw, 0.0
            if self.path:
                tx, ty = self.path[0]
                err = wrap_angle(bearing(tx - self.x, ty - self.y) - self.heading)
                err = self._turn(err, h, m)
                if self._aligned(err):
                    d = self._stop_distance()
                    v_brake = a * h * (math.sqrt(0.25 + 2 * d / (a * h * h)) - 0.5)
                    target = min(s.max_speed, v_brake)
                else:
                    target = 0.0
                self.speed = max(self.speed - a * h, min(self.speed + a * h, target, s.max_speed))
                dist = self._walk(self.speed * h)
            elif self.face_at is not None:
                fx, fy = self.face_at
                if math.hypot(fx - self.x, fy - self.y) < 1e-3:
                    self.face_at = None
                else:
                    err = wrap_angle(bearing(fx - self.x, fy - self.y) - self.heading)
                    err = self._turn(err, h, m)
                    if abs(err) <= (s.snap_angle / 2 + 1e-9 if s.turn == "snap" else 1e-6):
                        self.face_at = None
            elif self.pause_left > 0:  # standing still: take the whole pause at once
                take = min(self.pause_left, h + left)
                self.pause_left -= take
                left = h + left - take
                self.snap_wait = max(0.0, self.snap_wait - (take - h))
            else:
                left = 0.0  # idle for the rest of dt
            if dist > 0 or m.yaw > yaw0:
                m.moving += h
            if dist > 0:
                m.distance += dist
                m.peak_speed = max(m.peak_speed, dist / h)
        return m

    def _walk(self, s: float) -> float:
        """Walk ``s`` m along the path, passing gentle corners, stopping at a stop. Returns
        the distance walked."""
        walked = 0.0
        x, y = self.x, self.y
        while s > EPS and self.path:
            px, py = self.path[0]
            d = math.hypot(px - x, py - y)
            if d <= s + EPS:
                x, y = px, py
                s -= d
                walked += d
                self.path.pop(0)
                if self._stops.pop(0):
                    self.speed = 0.0  # arrived at a stop (braked to about a * SUBSTEP already)
                    break
            else:
                x += (px - x) * s / d
                y += (py - y) * s / d
                walked += s
                s = 0.0
        self.x, self.y = x, y
        return walked
