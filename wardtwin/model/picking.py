"""Which item a ray meets in a compiled ward: the question a station asks when the trainee
clicks in planner mode or points a controller (each turns its input into a ray and asks here).
Metres; plan axes x east, y north, z up. Nothing here imports Panda3D.

Every item is a prism: its footprint (``plan.footprints``) from its elevation to its top. The
walls are prisms too: the plan's wall solids (door openings cut out) up to the ceiling.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, Point

from wardtwin.model.compiled import WardModel

#: How far (m) from the floor or wall point a ray meets an item's footprint may be and still be picked.
PICK_TOLERANCE = 0.5

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class Pick:
    """A picked item: its id, the ray parameter (m along a unit ray) and the hit point (m)."""

    item: str
    t: float
    point: Vec3


def _slab(o: float, d: float, lo: float, hi: float) -> tuple[float, float] | None:
    """The ray parameters where ``o + t*d`` lies in [lo, hi] (None: never)."""
    if abs(d) < 1e-12:
        return (-math.inf, math.inf) if lo <= o <= hi else None
    a, b = (lo - o) / d, (hi - o) / d
    return (min(a, b), max(a, b))


def ray_prism(origin: Sequence[float], direction: Sequence[float], polygon: Any, z0: float,
              z1: float) -> float | None:
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
    return float(ta + (tb - ta) * first / length)


def _box_hits(o: Sequence[float], d: Sequence[float], geoms: npt.NDArray[Any], z0: npt.ArrayLike,
              z1: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Indices of the prisms ``geoms`` x [z0, z1] (arrays) whose bounding boxes the ray from
    ``o`` along ``d`` meets at t >= 0 (a cheap, exact-superset filter before the exact test)."""
    if len(geoms) == 0:
        return np.zeros(0, dtype=np.intp)
    b = shapely.bounds(geoms)
    lo = np.column_stack([b[:, 0], b[:, 1], z0])
    hi = np.column_stack([b[:, 2], b[:, 3], z1])
    oa, da = np.asarray(o, float), np.asarray(d, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(np.abs(da) < 1e-12, np.inf, 1.0 / np.where(np.abs(da) < 1e-12, 1.0, da))
        ta, tb = (lo - oa) * inv, (hi - oa) * inv
    flat = np.abs(da) < 1e-12  # parallel to a slab: inside it or never
    inside = (lo <= oa) & (oa <= hi)
    t_in = np.where(flat, np.where(inside, -np.inf, np.inf), np.minimum(ta, tb))
    t_out = np.where(flat, np.where(inside, np.inf, -np.inf), np.maximum(ta, tb))
    enter, leave = t_in.max(axis=1), t_out.min(axis=1)
    hits: npt.NDArray[np.intp] = np.nonzero((enter <= leave) & (leave >= 0))[0]
    return hits


def pick(model: WardModel, origin: Sequence[float], direction: Sequence[float], *, walls: bool = True,
         tolerance: float = PICK_TOLERANCE) -> Pick | None:
    """The item a ray from ``origin`` along ``direction`` (m, any length) points at.

    The nearest item prism the ray meets before any wall wins. When it meets none, the ray is
    followed to the floor (or to the wall it meets first) and the item whose footprint is
    nearest to that point within ``tolerance`` m is taken. None when nothing is that close."""
    n = math.sqrt(sum(c * c for c in direction))
    if n == 0:
        return None
    o = tuple(float(c) for c in origin)
    d = tuple(float(c) / n for c in direction)
    lay, plan = model.layout, model.plan

    def at(t: float) -> Vec3:
        return (o[0] + d[0] * t, o[1] + d[1] * t, o[2] + d[2] * t)

    wall_t = math.inf
    if walls and plan.solids:
        h = lay.ward.ceiling_height
        solids = np.asarray(plan.solids, dtype=object)
        n_s = len(solids)
        for i in _box_hits(o, d, solids, np.zeros(n_s), np.full(n_s, h)):
            t = ray_prism(o, d, solids[i], 0.0, h)
            if t is not None and t < wall_t:
                wall_t = t
    best: Pick | None = None
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
            best = Pick(item_id, t, at(t))
    if best is not None:
        return best
    # nothing hit: the floor (or the first wall) under the ray, and the nearest footprint
    t = wall_t
    if d[2] < -1e-12:
        t = min(t, -o[2] / d[2])
    if math.isinf(t) or t < 0:
        return None
    hit = at(t)
    p = Point(hit[0], hit[1])
    near: tuple[float, str] | None = None
    for item_id in sorted(plan.footprints):
        dist = plan.footprints[item_id].distance(p)
        if dist <= tolerance and (near is None or dist < near[0] - 1e-12):
            near = (dist, item_id)
    return Pick(near[1], t, hit) if near else None
