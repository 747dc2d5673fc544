"""Planner mode, the pure part: an orbit camera over the ward and picking an item with a ray
from the camera (what a mouse click points at), answered with the item's catalog entry.
No Panda3D: the desktop station turns the mouse into a ray and hands it here.

Lengths in metres, angles in radians; plan axes x east, y north, z up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from wardtwin.angles import wrap_angle
from wardtwin.errors import UnknownNameError

#: How far (m) from a clicked floor or wall point an item's footprint may be and still be picked.
PICK_TOLERANCE = 0.5
#: Orbit limits: pitch below the horizon (rad) and distance to the target (m).
ORBIT_PITCH = (math.radians(10.0), math.radians(89.0))
ORBIT_DISTANCE = (2.0, 400.0)


@dataclass(frozen=True)
class Orbit:
    """A camera circling ``target`` (x, y, z m) at ``distance`` m, from ``heading`` (rad, the
    yaw the camera faces, counter-clockwise from north) looking down by ``pitch`` rad."""

    target: tuple[float, float, float]
    distance: float
    heading: float = math.radians(30.0)
    pitch: float = math.radians(50.0)

    @property
    def eye(self) -> tuple[float, float, float]:
        c = math.cos(self.pitch) * self.distance
        fx, fy = -math.sin(self.heading), math.cos(self.heading)
        tx, ty, tz = self.target
        return (tx - fx * c, ty - fy * c, tz + math.sin(self.pitch) * self.distance)

    def orbit(self, d_heading: float, d_pitch: float) -> "Orbit":
        """Turned by ``d_heading`` rad (+ counter-clockwise) and tilted down by ``d_pitch`` rad."""
        p = min(ORBIT_PITCH[1], max(ORBIT_PITCH[0], self.pitch + d_pitch))
        return replace(self, heading=wrap_angle(self.heading + d_heading), pitch=p)

    def zoom(self, factor: float) -> "Orbit":
        """Distance times ``factor`` (< 1 nearer), within :data:`ORBIT_DISTANCE`."""
        d = min(ORBIT_DISTANCE[1], max(ORBIT_DISTANCE[0], self.distance * factor))
        return replace(self, distance=d)

    def pan(self, forward: float, right: float) -> "Orbit":
        """Target moved ``forward``/``right`` m along the ground, relative to the view."""
        fx, fy = -math.sin(self.heading), math.cos(self.heading)
        tx, ty, tz = self.target
        return replace(self, target=(tx + fx * forward + fy * right, ty + fy * forward - fx * right, tz))


def framing(bounds, fov_deg: float = 75.0, aspect: float = 16 / 9) -> Orbit:
    """An orbit that shows the whole ward (``bounds`` ((x0, y0, z0), (x1, y1, z1)) m)."""
    (x0, y0, _z0), (x1, y1, _z1) = bounds
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    span = max(w, h * aspect, h, w / aspect) * 0.6
    dist = span / math.tan(math.radians(fov_deg) / 2) * 1.1
    o = Orbit(((x0 + x1) / 2, (y0 + y1) / 2, 0.0), dist)
    return o.zoom(1.0)


@dataclass(frozen=True)
class CatalogEntry:
    """What a planner (or trainee) is told about an item: its id and asset tag, and its
    catalog type's name, category and description."""

    id: str
    type: str
    name: str
    category: str
    description: str
    asset_tag: str | None
    room: str
    room_name: str
    safety_critical: bool
    label: str | None = None

    def lines(self) -> list[str]:
        """The entry as lines of text for an on-screen panel."""
        out = [self.label or self.name,
               f"{self.category.replace('_', ' ')}{' - safety critical' if self.safety_critical else ''}",
               self.description.strip(),
               f"id {self.id}  |  type {self.type}  |  asset tag {self.asset_tag or '-'}",
               f"in {self.room_name} ({self.room})"]
        return out


def catalog_entry(layout, item_id: str) -> CatalogEntry:
    """The catalog entry of a placed item (UnknownNameError for an unknown id)."""
    it = layout.item_by_id.get(item_id)
    if it is None:
        raise UnknownNameError("item", item_id, layout.item_by_id)
    t = layout.item_type(it)
    room = layout.room_by_id.get(it.room)
    return CatalogEntry(
        id=it.id, type=it.type, name=t.name if t else it.type, category=t.category if t else "unknown",
        description=t.description if t else "", asset_tag=it.asset_tag, room=it.room,
        room_name=room.name if room else it.room, safety_critical=bool(t and t.safety_critical), label=it.label,
    )


@dataclass(frozen=True)
class Pick:
    """A picked item: its id, the ray parameter (m along a unit ray) and the hit point (m)."""

    item: str
    t: float
    point: tuple[float, float, float]


def _slab(o: float, d: float, lo: float, hi: float) -> tuple[float, float] | None:
    """The ray parameters where ``o + t*d`` lies in [lo, hi] (None: never)."""
    if abs(d) < 1e-12:
        return (-math.inf, math.inf) if lo <= o <= hi else None
    a, b = (lo - o) / d, (hi - o) / d
    return (min(a, b), max(a, b))


def ray_prism(origin, direction, polygon, z0: float, z1: float) -> float | None:
    """The first ray parameter t >= 0 (in units of ``direction``) at which the ray meets the
    prism ``polygon`` (plan, m) x [z0, z1] m, or None."""
    zs = _slab(origin[2], direction[2], z0, z1)
    if zs is None:
        return None
    ta, tb = max(zs[0], 0.0), zs[1]
    if ta > tb:
        return None
    if math.isinf(tb):  # a horizontal ray inside the slab: clip to a long way
        tb = ta + 1e4 / max(math.hypot(direction[0], direction[1]), 1e-12)
    a = (origin[0] + direction[0] * ta, origin[1] + direction[1] * ta)
    b = (origin[0] + direction[0] * tb, origin[1] + direction[1] * tb)
    if polygon.covers(Point(a)):
        return ta
    seg = LineString([a, b]) if a != b else None
    if seg is None:
        return None
    hit = seg.intersection(polygon)
    if hit.is_empty:
        return None
    length = seg.length
    first = min(seg.project(Point(c)) for c in shapely.get_coordinates(hit))
    return ta + (tb - ta) * first / length


def _box_hits(o, d, geoms, z0, z1) -> np.ndarray:
    """Indices of the prisms ``geoms`` x [z0, z1] (arrays) whose bounding boxes the ray from
    ``o`` along ``d`` meets at t >= 0 (a cheap, exact-superset filter before the exact test)."""
    if len(geoms) == 0:
        return np.zeros(0, dtype=int)
    b = shapely.bounds(geoms)
    lo = np.column_stack([b[:, 0], b[:, 1], z0])
    hi = np.column_stack([b[:, 2], b[:, 3], z1])
    o, d = np.asarray(o, float), np.asarray(d, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(np.abs(d) < 1e-12, np.inf, 1.0 / np.where(np.abs(d) < 1e-12, 1.0, d))
        ta, tb = (lo - o) * inv, (hi - o) * inv
    flat = np.abs(d) < 1e-12  # parallel to a slab: inside it or never
    inside = (lo <= o) & (o <= hi)
    t_in = np.where(flat, np.where(inside, -np.inf, np.inf), np.minimum(ta, tb))
    t_out = np.where(flat, np.where(inside, np.inf, -np.inf), np.maximum(ta, tb))
    enter, leave = t_in.max(axis=1), t_out.min(axis=1)
    return np.nonzero((enter <= leave) & (leave >= 0))[0]


def pick(model, origin, direction, *, walls: bool = True, tolerance: float = PICK_TOLERANCE) -> Pick | None:
    """The item a ray from ``origin`` along ``direction`` (m, any length) points at.

    Every item is a prism (its footprint from ``plan.footprints``, from its elevation to its
    top); the nearest one the ray meets before any wall wins. When it meets none, the ray is
    followed to the floor (or to the wall it meets first) and the item whose footprint is
    nearest to that point within ``tolerance`` m is taken. None when nothing is that close."""
    n = math.sqrt(sum(c * c for c in direction))
    if n == 0:
        return None
    o = tuple(float(c) for c in origin)
    d = tuple(float(c) / n for c in direction)
    lay, plan = model.layout, model.plan
    wall_t = math.inf
    if walls and plan.solids:
        h = lay.ward.ceiling_height
        solids = np.asarray(plan.solids, dtype=object)
        n_s = len(solids)
        for i in _box_hits(o, d, solids, np.zeros(n_s), np.full(n_s, h)):
            t = ray_prism(o, d, solids[i], 0.0, h)
            if t is not None and t < wall_t:
                wall_t = t
    best = None
    ids = sorted(plan.footprints)
    spans = []
    for item_id in ids:
        it = lay.item_by_id[item_id]
        typ = lay.item_type(it)
        z0 = lay.elevation_of(it)
        spans.append((z0, z0 + (typ.height if typ else 0.5)))
    z = np.asarray(spans, dtype=float).reshape(-1, 2)
    geoms = np.asarray([plan.footprints[i] for i in ids], dtype=object)
    for k in _box_hits(o, d, geoms, z[:, 0], z[:, 1]):
        item_id = ids[k]
        t = ray_prism(o, d, plan.footprints[item_id], z[k, 0], z[k, 1])
        if t is not None and t <= wall_t + 1e-9 and (best is None or t < best.t - 1e-12):
            best = Pick(item_id, t, tuple(o[k] + d[k] * t for k in range(3)))
    if best is not None:
        return best
    # nothing hit: the floor (or the first wall) under the cursor, and the nearest footprint
    t = wall_t
    if d[2] < -1e-12:
        t = min(t, -o[2] / d[2])
    if math.isinf(t) or t < 0:
        return None
    hit = tuple(o[k] + d[k] * t for k in range(3))
    p = Point(hit[0], hit[1])
    near = None
    for item_id in sorted(plan.footprints):
        dist = plan.footprints[item_id].distance(p)
        if dist <= tolerance and (near is None or dist < near[0] - 1e-12):
            near = (dist, item_id)
    return Pick(near[1], t, hit) if near else None
