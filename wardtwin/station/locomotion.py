"""First-person walking for the stations, as pure functions of a state, inputs and a time step
(no Panda3D, no clock, no randomness: the same inputs give the same walk on every machine).

Conventions: plan metres (x east, y north); ``yaw`` in radians counter-clockwise from north
(+y), which is Panda3D's heading; ``pitch`` in radians, positive looking up. Speeds in m/s,
turn rates in rad/s, time steps in s.

Collision is against the compiled walkable area (:attr:`WardModel.walkable`, where the
*centre* of a person of the model's radius may stand). A move that would leave it slides along
its boundary: the target is replaced by the nearest walkable point, which keeps the part of
the motion tangent to the wall and drops the part into it; where that would not be a
straight walkable move (an inside corner), the move stops at the last walkable point along
it. Long moves are split into sub-steps of at most :data:`MAX_SUBSTEP` m so nothing is
tunnelled through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import Point

from wardtwin.angles import bearing, wrap_angle
from wardtwin.errors import UsageError

#: Eye height of a standing adult, m.
EYE_HEIGHT = 1.65
#: Walking speed cap, m/s (comfort default: at most 1.4 m/s).
WALK_SPEED = 1.4
#: Continuous turn rate for keys, rad/s (comfort default: 60 deg/s).
TURN_RATE = math.radians(60.0)
#: Furthest the view may pitch up or down, rad.
PITCH_LIMIT = math.radians(80.0)
#: Longest straight piece of one move, m (far less than the 0.5 m narrowest gap between
#: separate walkable parts, so a move never jumps across a wall).
MAX_SUBSTEP = 0.05
#: How far inside the boundary a slid position is put, m.
INSET = 1e-7
#: Bisection steps when clamping a move to the walkable area (0.05 m / 2**30: sub-nanometre).
_CLAMP_ITERATIONS = 30
#: Slides along further edges after the first contact within one sub-step (corners).
_SLIDES = 3


def check_ranges(settings, what: str, limits) -> None:
    """Raise :class:`UsageError` unless each field ``name`` of ``settings`` is a finite number
    (not a bool) from ``lo`` to ``hi``, for each ``(name, lo, hi)`` of ``limits``; ``what``
    names the settings in the message."""
    for name, lo, hi in limits:
        v = getattr(settings, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and lo <= v <= hi):
            raise UsageError(f"{what} {name}={v!r}: a number from {lo:.4g} to {hi:.4g} expected")


@dataclass(frozen=True)
class WalkSettings:
    """Per-trainee locomotion settings (SI units inside: m, m/s, rad/s, rad)."""

    speed: float = WALK_SPEED
    turn_rate: float = TURN_RATE
    pitch_limit: float = PITCH_LIMIT
    eye_height: float = EYE_HEIGHT

    def __post_init__(self):
        check_ranges(self, "walk setting", (("speed", 0.0, 5.0), ("turn_rate", 0.0, 4 * math.pi),
                                            ("pitch_limit", 0.0, math.pi / 2), ("eye_height", 0.3, 2.5)))

    @classmethod
    def from_units(cls, speed: float = WALK_SPEED, turn_deg_s: float = 60.0, pitch_limit_deg: float = 80.0,
                   eye_height: float = EYE_HEIGHT) -> "WalkSettings":
        """Settings from file units: m/s, degrees/s, degrees, m."""
        return cls(speed, math.radians(turn_deg_s), math.radians(pitch_limit_deg), eye_height)


@dataclass(frozen=True)
class Inputs:
    """What the trainee asks for during one step. Axes are -1..1 (keys give -1, 0 or 1; values
    beyond are clipped, and a diagonal is no faster than straight): ``forward`` (+1 forward),
    ``strafe`` (+1 right), ``turn`` (+1 turn left at the turn rate). Mouse look is a change of
    angle this step, rad: ``look_yaw`` (+ left) and ``look_pitch`` (+ up)."""

    forward: float = 0.0
    strafe: float = 0.0
    turn: float = 0.0
    look_yaw: float = 0.0
    look_pitch: float = 0.0

    def __post_init__(self):
        for name in ("forward", "strafe", "turn", "look_yaw", "look_pitch"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v)):
                raise UsageError(f"input {name}={v!r}: a finite number expected")


#: No input at all.
IDLE = Inputs()


@dataclass(frozen=True)
class WalkState:
    """Where the trainee stands and looks, and what they have done so far.

    ``x, y``: position, m; ``yaw``: heading, rad counter-clockwise from north, in (-pi, pi];
    ``pitch``: rad, + up; ``time``: s stepped; ``distance``: m walked; ``moving_time``: s spent
    moving; ``turned``: rad of yaw turned in all (either way); ``blocked``: the last step was
    cut short by a wall or an obstacle.
    """

    x: float
    y: float
    yaw: float = 0.0
    pitch: float = 0.0
    time: float = 0.0
    distance: float = 0.0
    moving_time: float = 0.0
    turned: float = 0.0
    blocked: bool = False

    @property
    def position(self) -> tuple[float, float]:
        return (self.x, self.y)


class Walker:
    """Steps a :class:`WalkState` inside a walkable area (a shapely Polygon or MultiPolygon, m),
    such as ``model.walkable``. Immutable after construction; :meth:`step` is a pure function
    of its arguments."""

    def __init__(self, walkable, settings: WalkSettings = WalkSettings()):
        if walkable is None or walkable.is_empty or walkable.geom_type not in ("Polygon", "MultiPolygon"):
            raise UsageError("the ward has no walkable area to walk in")
        self.settings = settings
        # a private, prepared copy with counter-clockwise shells: the inside is left of each edge
        self.area = shapely.orient_polygons(shapely.from_wkb(shapely.to_wkb(walkable)))
        shapely.prepare(self.area)
        segs = []
        polys = [self.area] if self.area.geom_type == "Polygon" else list(self.area.geoms)
        for poly in polys:
            for ring in (poly.exterior, *poly.interiors):
                c = np.asarray(ring.coords)
                segs.append(np.stack([c[:-1], c[1:]], axis=1))
        self._segs = np.concatenate(segs) if segs else np.zeros((0, 2, 2))
        d = self._segs[:, 1] - self._segs[:, 0]
        n = np.hypot(d[:, 0], d[:, 1])
        n[n == 0] = 1.0
        self._left = np.stack([-d[:, 1] / n, d[:, 0] / n], axis=1)  # unit normal into the area
        self._tree = shapely.STRtree(shapely.linestrings(self._segs))

    # -- queries ------------------------------------------------------------------------
    def inside(self, x: float, y: float) -> bool:
        """True when (x, y) m is in the walkable area (boundary included)."""
        return bool(self.area.covers(Point(x, y)))

    def snap(self, x: float, y: float) -> tuple[float, float]:
        """The walkable point nearest to (x, y) m (the point itself when it is walkable)."""
        if self.inside(x, y):
            return (float(x), float(y))
        for scale in (1.0, 10.0, 1000.0):
            p = self._nearest_boundary(np.array([x, y], dtype=float), scale * INSET)
            if p is not None and self.inside(*p):
                return (float(p[0]), float(p[1]))
        p = shapely.ops.nearest_points(self.area, Point(x, y))[0]  # pragma: no cover - last resort
        return (p.x, p.y)

    def start(self, x: float, y: float, yaw: float = 0.0, pitch: float = 0.0) -> WalkState:
        """A fresh state at the walkable point nearest to (x, y) m, facing ``yaw`` rad."""
        sx, sy = self.snap(float(x), float(y))
        return WalkState(sx, sy, wrap_angle(float(yaw)), self._clamp_pitch(float(pitch)))

    # -- stepping -----------------------------------------------------------------------
    def step(self, state: WalkState, inputs: Inputs, dt: float) -> WalkState:
        """The state ``dt`` s later under ``inputs``: turn first (keys at the turn rate, then
        mouse look), then walk at most ``speed * dt`` m along the new heading, sliding along
        walls and obstacles. ``state`` must be inside the walkable area (see :meth:`start`)."""
        if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt >= 0):
            raise UsageError(f"time step {dt!r} s: a finite number >= 0 expected")
        s = self.settings
        turn = max(-1.0, min(1.0, inputs.turn)) * s.turn_rate * dt + inputs.look_yaw
        yaw = wrap_angle(state.yaw + turn)
        pitch = self._clamp_pitch(state.pitch + inputs.look_pitch)
        f = max(-1.0, min(1.0, inputs.forward))
        r = max(-1.0, min(1.0, inputs.strafe))
        mag = math.hypot(f, r)
        if mag > 1.0:
            f, r = f / mag, r / mag
        fx, fy = -math.sin(yaw), math.cos(yaw)
        d = np.array([f * fx + r * fy, f * fy - r * fx]) * (s.speed * dt)  # right = (cos, sin)
        p = np.array([state.x, state.y], dtype=float)
        length = float(np.hypot(*d))
        walked, blocked = 0.0, False
        if length > 0:
            n = max(1, math.ceil(length / MAX_SUBSTEP - 1e-9))
            sub = d / n
            for _ in range(n):
                q, hit = self._move(p, sub)
                walked += float(np.hypot(*(q - p)))
                blocked |= hit
                p = q
        return WalkState(
            float(p[0]), float(p[1]), yaw, pitch, state.time + dt, state.distance + walked,
            state.moving_time + (dt if walked > 0 else 0.0), state.turned + abs(turn), blocked,
        )

    # -- internals ----------------------------------------------------------------------
    def _clamp_pitch(self, pitch: float) -> float:
        lim = self.settings.pitch_limit
        return max(-lim, min(lim, pitch))

    def _covers_move(self, p: np.ndarray, q: np.ndarray) -> bool:
        """True when the straight move from ``p`` to ``q`` stays in the area."""
        if p[0] == q[0] and p[1] == q[1]:
            return bool(shapely.covers(self.area, shapely.points(q)))
        return bool(shapely.covers(self.area, shapely.linestrings(np.array((p, q)))))

    def _exit(self, p: np.ndarray, d: np.ndarray) -> tuple[float, int] | None:
        """Where a move from ``p`` by ``d`` first crosses an edge outward: ``(fraction of the
        move, edge index)`` (ties: the edge listed first), or None."""
        idx = self._tree.query(shapely.linestrings(np.array((p, p + d))), predicate="intersects")
        if not len(idx):
            return None
        idx = np.sort(idx)
        a = self._segs[idx, 0]
        e = self._segs[idx, 1] - a
        den = d[0] * e[:, 1] - d[1] * e[:, 0]
        outward = (self._left[idx] @ d) < 0
        ok = outward & (np.abs(den) > 1e-18)
        if not ok.any():
            return None
        ap = a - p
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (ap[:, 0] * e[:, 1] - ap[:, 1] * e[:, 0]) / den
            u = (ap[:, 0] * d[1] - ap[:, 1] * d[0]) / den
        ok &= (t >= -1e-12) & (t <= 1 + 1e-12) & (u >= -1e-12) & (u <= 1 + 1e-12)
        if not ok.any():
            return None
        k = int(np.flatnonzero(ok)[np.argmin(t[ok])])
        return max(0.0, float(t[k])), int(idx[k])

    def _nearest_edge(self, q: np.ndarray) -> int:
        """Index of the boundary edge nearest to ``q`` (ties: the edge listed first)."""
        return int(np.min(self._tree.query_nearest(Point(*q), all_matches=True)))

    def _nearest_boundary(self, q: np.ndarray, inset: float) -> np.ndarray | None:
        """The boundary point nearest to ``q``, moved ``inset`` m into the area along the normal
        of its edge."""
        if not len(self._segs):
            return None
        k = self._nearest_edge(q)
        a, b = self._segs[k]
        ab = b - a
        den = float(ab @ ab)
        t = 0.0 if den == 0 else min(1.0, max(0.0, float((q - a) @ ab) / den))
        return a + t * ab + self._left[k] * inset

    def _move(self, p: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, bool]:
        """One sub-step from walkable ``p`` by ``d`` m: ``(new point, blocked)``.

        Collide and slide: walk to the last walkable point along the move, then go on with
        the rest of the move projected on the edge that stopped it (its tangent component),
        up to :data:`_SLIDES` times. Never longer than ``d``, never outside the area."""
        blocked = False
        for _ in range(_SLIDES + 1):
            q = p + d
            if self._covers_move(p, q):
                return q, blocked
            blocked = True
            length = float(np.hypot(*d))
            hit = self._exit(p, d)
            lo = -1.0
            if hit is not None:  # exact: the crossing, a nanometre short
                lo, k = max(0.0, hit[0] - 1e-9 / length), hit[1]
                if not self._covers_move(p, p + d * lo):
                    lo = -1.0
            if lo < 0:  # bisection: ``lo`` stays walkable, ``hi`` does not
                lo, hi = 0.0, 1.0
                for _ in range(_CLAMP_ITERATIONS):
                    mid = (lo + hi) / 2
                    if self._covers_move(p, p + d * mid):
                        lo = mid
                    else:
                        hi = mid
                k = self._nearest_edge(p + d * hi)
            contact = p + d * lo
            inner = contact + self._left[k] * INSET  # off the wall, so sliding along it stays inside
            if self._covers_move(contact, inner):
                contact = inner
            a, b = self._segs[k]
            tangent = b - a
            n = float(np.hypot(*tangent))
            rest = d * (1.0 - lo)
            p = contact
            if n == 0:
                break
            tangent = tangent / n
            d = tangent * float(rest @ tangent)
            if float(np.hypot(*d)) < 1e-12:
                break
        return p, blocked


def steer(state: WalkState, target: tuple[float, float], dt: float, settings: WalkSettings = WalkSettings(),
          arrive: float = 0.05) -> Inputs:
    """Inputs that take a walker from ``state`` toward plan point ``target`` (m) the way a
    person would: turn toward it at most at the turn rate, walk forward only when facing it
    within 30 degrees, and slow down so as to stop on it. :data:`IDLE` within ``arrive`` m."""
    dx, dy = target[0] - state.x, target[1] - state.y
    dist = math.hypot(dx, dy)
    if dist <= arrive or dt <= 0:
        return IDLE
    err = wrap_angle(bearing(dx, dy) - state.yaw)
    max_turn = settings.turn_rate * dt
    turn = 0.0 if max_turn == 0 else max(-1.0, min(1.0, err / max_turn))
    left = abs(err - turn * max_turn)
    if left > math.radians(30) or settings.speed == 0:
        return Inputs(turn=turn)
    forward = min(1.0, dist / (settings.speed * dt)) * math.cos(left)
    return Inputs(forward=forward, turn=turn)
