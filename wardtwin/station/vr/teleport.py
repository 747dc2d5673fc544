"""Teleport aiming: a parabolic arc thrown from the controller, and where it lands. Pure
(shapely, no Panda3D). Metres, seconds.

The arc leaves the controller's aim origin along its aim direction at :attr:`launch_speed`
m/s and falls under gravity. It is followed in steps of :attr:`step` s until it meets

- the floor (z = 0): a landing candidate;
- a wall (the plan's wall solids, door openings cut out; an opening is open only below the
  door head, :attr:`door_height` m) or the ceiling: no landing;
- neither within :attr:`max_time` s: no landing.

A floor point is a valid landing only inside the compiled walkable area
(``model.walkable``: where the centre of a person may stand). A point just outside it (within
:attr:`snap` m, such as the floor at the foot of a wall or beside a bed) is moved to the
nearest walkable point, if that move crosses no wall; otherwise there is no landing. So a
teleport never lands outside the walkable area.

Since the arc lies in a vertical plane, its plan projection is a straight segment from the
controller: the arc can only reach what is in line of sight in the plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from wardtwin.errors import UsageError
from wardtwin.station.locomotion import Walker, check_ranges
from wardtwin.tours.sight import line_of_sight

#: Door head height, m (the scene's doors are 2.1 m high; arched openings are higher).
DOOR_HEIGHT = 2.1


@dataclass(frozen=True)
class TeleportSettings:
    """``launch_speed`` m/s, ``gravity`` m/s^2, ``step`` and ``max_time`` s (the arc's
    sampling and length), ``snap`` m (how far outside the walkable area a floor hit may still
    be moved in), ``door_height`` m."""

    launch_speed: float = 7.0
    gravity: float = 9.81
    step: float = 0.02
    max_time: float = 2.0
    snap: float = 0.3
    door_height: float = DOOR_HEIGHT

    def __post_init__(self):
        check_ranges(self, "teleport setting", (
            ("launch_speed", 0.5, 30.0), ("gravity", 0.5, 50.0), ("step", 0.002, 0.2), ("max_time", 0.1, 10.0),
            ("snap", 0.0, 1.0), ("door_height", 1.5, 5.0)))


@dataclass(frozen=True)
class Landing:
    """The result of aiming. ``valid``: a teleport would land at ``point`` (plan m, inside the
    walkable area); ``hit``: where the arc ended (m; None when it met nothing); ``arc``: the
    arc's points up to there (m); ``reason``: ``floor`` (valid), ``snapped`` (valid, moved in
    from a floor hit just outside), ``outside`` (floor outside the walkable area), ``wall``,
    ``ceiling`` or ``too_far``."""

    valid: bool
    point: tuple[float, float] | None
    hit: tuple[float, float, float] | None
    arc: tuple[tuple[float, float, float], ...]
    reason: str


class Teleporter:
    """Aims teleports in a compiled ward (see the module doc). Immutable after construction."""

    def __init__(self, model, settings: TeleportSettings = TeleportSettings(), *, walker: Walker | None = None):
        self.settings = settings
        self.walkable = model.walkable
        self.walker = walker if walker is not None else Walker(model.walkable)
        self.ceiling = float(max([model.layout.ward.ceiling_height]
                                 + [r.ceiling_height for r in model.layout.rooms if r.ceiling_height is not None]))
        self.model = model
        self._solids = model.plan.solids_index
        shapely.prepare(self.walkable)
        lines = []
        for o in model.plan.openings:
            w = model.plan.walls[o.wall]
            lines.append(shapely.LineString([w.point_at(o.t0), w.point_at(o.t1)]))
        self._openings = shapely.STRtree(lines) if lines else None
        self._opening_lines = lines

    # -- the arc ------------------------------------------------------------------------
    def arc(self, origin, direction) -> np.ndarray:
        """The arc's sample points (n, 3) m over its full :attr:`max_time`, from ``origin``
        (m) thrown along ``direction`` (any length)."""
        o = np.asarray(origin, dtype=float)
        d = np.asarray(direction, dtype=float)
        n = float(np.linalg.norm(d))
        if o.shape != (3,) or d.shape != (3,) or not (np.isfinite(o).all() and np.isfinite(d).all()) or n == 0:
            raise UsageError(f"aim ray {origin!r} {direction!r}: a point and a non-zero direction (m) expected")
        s = self.settings
        k = int(math.ceil(s.max_time / s.step - 1e-9))
        t = np.arange(k + 1) * s.step
        v = d / n * s.launch_speed
        pts = o[None, :] + v[None, :] * t[:, None]
        pts[:, 2] -= 0.5 * s.gravity * t * t
        return pts

    def _floor_point(self, origin, direction) -> np.ndarray:
        """Where the full parabola meets z = 0 (the later root), m."""
        s = self.settings
        o = np.asarray(origin, dtype=float)
        d = np.asarray(direction, dtype=float)
        v = d / float(np.linalg.norm(d)) * s.launch_speed
        t = (v[2] + math.sqrt(max(v[2] * v[2] + 2 * s.gravity * o[2], 0.0))) / s.gravity
        p = o + v * t
        p[2] = 0.0
        return p

    def aim(self, origin, direction) -> Landing:
        """Where a teleport aimed along this ray lands (see :class:`Landing`)."""
        pts = self.arc(origin, direction)
        s = self.settings
        if pts[0, 2] <= 0:  # the controller on (or below) the floor: land where it is
            pts = pts[:1]
            end, reason, cut = pts[0].copy(), "floor", 1
        else:
            end, reason, cut = None, "too_far", len(pts)
            # the first segment that reaches the floor or the ceiling
            below = np.flatnonzero(pts[1:, 2] <= 0)
            above = np.flatnonzero(pts[1:, 2] >= self.ceiling)
            first_floor = int(below[0]) if len(below) else None
            first_ceiling = int(above[0]) if len(above) else None
            last = min([i for i in (first_floor, first_ceiling) if i is not None], default=len(pts) - 2)
            # walls: the first segment (up to ``last``) whose plan projection meets a solid or
            # passes an opening above the door head
            wall_seg, wall_at = self._first_wall(pts[: last + 2])
            if wall_seg is not None:
                end, reason, cut = wall_at, "wall", wall_seg + 1
            elif first_ceiling is not None and (first_floor is None or first_ceiling < first_floor):
                i = first_ceiling
                f = (self.ceiling - pts[i, 2]) / (pts[i + 1, 2] - pts[i, 2])
                end, reason, cut = pts[i] + f * (pts[i + 1] - pts[i]), "ceiling", i + 1
            elif first_floor is not None:
                i = first_floor
                end = self._floor_point(origin, direction)  # exact, not the chord's
                reason, cut = "floor", i + 1
        arc = tuple(tuple(float(c) for c in p) for p in pts[:cut]) + ((tuple(float(c) for c in end),) if end is not None else ())
        if reason != "floor":
            return Landing(False, None, None if end is None else tuple(float(c) for c in end), arc, reason)
        hx, hy = float(end[0]), float(end[1])
        hit = (hx, hy, 0.0)
        if self.walker.inside(hx, hy) and self.walkable.covers(shapely.Point(hx, hy)):
            return Landing(True, (hx, hy), hit, arc, "floor")
        if s.snap > 0:
            px, py = self.walker.snap(hx, hy)
            if (math.hypot(px - hx, py - hy) <= s.snap and self.walkable.covers(shapely.Point(px, py))
                    and line_of_sight(self.model, (hx, hy), (px, py))):
                return Landing(True, (px, py), hit, arc, "snapped")
        return Landing(False, None, hit, arc, "outside")

    # -- internals ----------------------------------------------------------------------
    def _first_wall(self, pts: np.ndarray):
        """(segment index, point m) of the first wall the polyline ``pts`` meets, or (None, None)."""
        if len(pts) < 2:
            return None, None
        a, b = pts[:-1], pts[1:]
        moving = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]) > 1e-12
        if not moving.any():
            return None, None
        segs = shapely.linestrings(np.stack([a[:, :2], b[:, :2]], axis=1))
        hits = set()
        seg_idx, _ = self._solids.query(segs, predicate="intersects")
        hits.update(int(i) for i in seg_idx)
        if self._openings is not None:
            seg_idx, line_idx = self._openings.query(segs, predicate="intersects")
            for i, j in zip(seg_idx, line_idx):
                z = self._height_at(a[i], b[i], self._opening_lines[j])
                if z is None or z >= self.settings.door_height:
                    hits.add(int(i))
        if not hits:
            return None, None
        i = min(hits)
        # where along the segment: the first point of contact in the plan
        seg = shapely.LineString([a[i, :2], b[i, :2]])
        cands = [self._solids.geometries[j] for j in self._solids.query(seg, predicate="intersects")]
        cands += [ln for ln in self._opening_lines if ln.intersects(seg)]
        best = 1.0
        for g in cands:
            inter = seg.intersection(g)
            for c in shapely.get_coordinates(inter):
                best = min(best, seg.project(shapely.Point(c)) / max(seg.length, 1e-12))
        return i, a[i] + best * (b[i] - a[i])

    @staticmethod
    def _height_at(a: np.ndarray, b: np.ndarray, line) -> float | None:
        """Height (m) of the segment a-b where its plan projection crosses ``line``."""
        seg = shapely.LineString([a[:2], b[:2]])
        inter = seg.intersection(line)
        coords = shapely.get_coordinates(inter)
        if not len(coords) or seg.length == 0:
            return None
        f = max(seg.project(shapely.Point(c)) for c in coords) / seg.length
        return float(a[2] + f * (b[2] - a[2]))
