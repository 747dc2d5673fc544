"""Questions asked of a compiled ward: which room is a point in, the shortest walking path and
distance between two points, the nearest item of a type or category by walking distance, and
what point a name (room, door, item, "x,y") stands for. Lengths in metres.

Points outside the walkable area are first moved to the nearest walkable point (a point in a
bed or a wall starts beside it). Points in parts of the floor that are not connected have no
path: :func:`route` returns None and :func:`walking_distance` returns ``math.inf``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wardtwin.errors import UnknownNameError, UsageError
from wardtwin.layout import vocab
from wardtwin.layout.model import Point
from wardtwin.model.compiled import PlacedItem, Route, WardModel

_XY = re.compile(r"^\s*\(?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*[,; ]\s*"
                 r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\)?\s*$")


@dataclass(frozen=True)
class Nearest:
    """The nearest item found and the route to where a person stands to use it."""

    item: PlacedItem
    route: Route

    @property
    def distance(self) -> float:
        """Walking distance, m."""
        return self.route.length


def room_at(model: WardModel, p: Point) -> str | None:
    """The id of the room whose outline (wall centre lines) contains ``p``; on a shared wall
    line, the room written first in the floor plan (as :meth:`Plan.room_at`). None outside
    every room."""
    return model.plan.room_at(p[0], p[1])


def route(model: WardModel, a: Point, b: Point) -> Route | None:
    """The shortest walking path from ``a`` to ``b`` (both snapped into the walkable area), or
    None when no path connects them."""
    _check_point(a)
    _check_point(b)
    if not model.mesh.n_triangles:
        return None
    found = model.mesh.find_path(a, b)
    if found is None:
        return None
    pts, length = found
    return Route(tuple((float(x), float(y)) for x, y in pts), float(length))


def walking_distance(model: WardModel, a: Point, b: Point) -> float:
    """Walking distance from ``a`` to ``b`` in m (``math.inf`` when not connected)."""
    r = route(model, a, b)
    return math.inf if r is None else r.length


def nearest(model: WardModel, origin: str | Sequence[float], *, type: str | None = None, category: str | None = None) -> Nearest | None:
    """The item of catalog ``type`` (or of ``category``, e.g. ``fire_safety``) nearest to
    ``origin`` by walking distance, with the route to its access point. ``origin`` is a point
    or a place name (see :func:`resolve_place`). Exactly one of type/category is given;
    unknown names raise UnknownNameError. None when no such item can be walked to.
    Ties: the lowest item id."""
    if (type is None) == (category is None):
        raise UsageError("nearest: give exactly one of type= or category=")
    if type is not None and type not in model.layout.catalog:
        raise UnknownNameError("equipment type", type, model.layout.catalog)
    if category is not None and category not in vocab.CATEGORIES:
        raise UnknownNameError("equipment category", category, vocab.CATEGORIES)
    start = resolve_place(model, origin) if isinstance(origin, str) else _check_point(origin)
    if not model.mesh.n_triangles:
        return None
    s, ts = model.mesh.snap(start)
    comp = int(model.mesh.component[ts])
    cands = [i for i in model.items if i.access is not None
             and (i.type == type if type is not None else i.category == category)]
    if not cands:
        return None
    acc, tris = model.mesh.snap_many([i.access for i in cands])
    ok = model.mesh.component[tris] == comp
    # exact: visit candidates by straight-line distance, a lower bound of walking distance
    crow = np.hypot(acc[:, 0] - s[0], acc[:, 1] - s[1])
    best: Nearest | None = None
    for k in sorted(np.flatnonzero(ok), key=lambda k: (crow[k], cands[k].id)):
        if best is not None and crow[k] > best.route.length + 1e-9:
            break
        r = route(model, s, tuple(acc[k]))
        if r is None:
            continue
        if best is None or r.length < best.route.length - 1e-9 or (
                abs(r.length - best.route.length) <= 1e-9 and cands[k].id < best.item.id):
            best = Nearest(cands[k], r)
    return best


def resolve_place(model: WardModel, name: str) -> Point:
    """The point a name stands for (m): ``"x,y"`` (also ``"(x, y)"``) as written; a room id:
    the room's anchor (a walkable point near its centre); a door id: the middle of its
    opening; an item id: where a person stands to use it (its front when nothing walkable is
    in reach). Unknown names raise UnknownNameError listing the closest valid names."""
    if not isinstance(name, str):
        raise UsageError(f"place {name!r}: a room, door or item id, or 'x,y' expected")
    m = _XY.match(name)
    if m:
        p = (float(m.group(1)), float(m.group(2)))
        return _check_point(p)
    lay = model.layout
    if name in model.rooms:
        anchor = model.room_anchor.get(name)
        if anchor is None:
            c = model.rooms[name].representative_point()
            return (float(c.x), float(c.y))
        return anchor
    if name in lay.door_by_id:
        o = model.plan.opening_by_door.get(name)
        if o is None:
            at = lay.door_by_id[name].at
            return (float(at[0]), float(at[1]))
        w = model.plan.walls[o.wall]
        return w.point_at((o.t0 + o.t1) / 2)
    item = model.item_by_id.get(name)
    if item is not None:
        return item.access if item.access is not None else item.front
    names = list(model.rooms) + list(lay.door_by_id) + list(model.item_by_id)
    if len(names) <= 40:
        shown = names
    else:
        shown = difflib.get_close_matches(name, names, n=10, cutoff=0.5) or sorted(model.rooms)[:20]
    raise UnknownNameError("place (room, door or item id, or 'x,y')", name, shown, total=len(names))


def _check_point(p: Sequence[float]) -> Point:
    try:
        x, y = float(p[0]), float(p[1])
    except (TypeError, ValueError, IndexError):
        raise UsageError(f"point {p!r}: (x, y) in metres expected") from None
    if not (math.isfinite(x) and math.isfinite(y)) or len(p) != 2:
        raise UsageError(f"point {p!r}: two finite numbers (x, y) in metres expected")
    return (x, y)


def outside_ward(model: WardModel, p: Point) -> str | None:
    """Why point ``p`` (m) is not a place of the ward — it lies outside every room — or None
    when it is in a room. The reason names the extent the rooms span."""
    x, y = _check_point(p)
    if model.plan.room_at(x, y) is not None:
        return None
    xs = [q[0] for r in model.layout.rooms for q in r.polygon]
    ys = [q[1] for r in model.layout.rooms for q in r.polygon]
    span = f"x {min(xs):g} to {max(xs):g} m, y {min(ys):g} to {max(ys):g} m" if xs else "no rooms"
    return f"({x:g}, {y:g}) is outside every room of ward {model.layout.ward.id} (its rooms span {span})"
