"""What a trainee can see and how far things are: distance to an item's footprint, the view
cone, line of sight through the plan's wall solids (door openings are open; equipment does not
block sight), and a memoizing :class:`Navigator` over a compiled ward. Metres, radians.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely

from wardtwin.layout.model import Point
from wardtwin.model import Nearest, PlacedItem, Route, WardModel, nearest
from wardtwin.angles import bearing, wrap_angle
from wardtwin.tours.spec import Pose

#: Default full width of the view cone for find success (rad): a desktop or headset view
#: comfortably holds what is within 30 degrees of the gaze.
VIEW_ANGLE = math.radians(60.0)


@dataclass(frozen=True)
class Target:
    """An item as the engine looks at it: its centre, the point sight lines go to (between the
    centre and the front, so a wall-mounted item's sight point is off the wall), half its
    footprint (m) and its rotation (rad)."""

    id: str
    center: tuple[float, float]
    sight: tuple[float, float]
    half_w: float
    half_d: float
    rotation: float
    access: tuple[float, float] | None
    room: str

    def distance(self, p: Point) -> float:
        """Distance (m) from point ``p`` to the footprint rectangle (0 inside)."""
        dx, dy = p[0] - self.center[0], p[1] - self.center[1]
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        lx, ly = dx * c + dy * s, -dx * s + dy * c
        return math.hypot(max(abs(lx) - self.half_w, 0.0), max(abs(ly) - self.half_d, 0.0))


def target_of(model: WardModel, item: PlacedItem) -> Target:
    it = model.layout.item_by_id[item.id]
    w, d = model.layout.catalog[item.type].footprint
    cx, cy = float(it.at[0]), float(it.at[1])
    fx, fy = item.front
    return Target(item.id, (cx, cy), ((cx + fx) / 2, (cy + fy) / 2), w / 2, d / 2, item.rotation,
                  item.access, item.room)


def line_of_sight(model: WardModel, a: Point, b: Point) -> bool:
    """True when the segment from ``a`` to ``b`` crosses no wall solid (openings are open)."""
    if a[0] == b[0] and a[1] == b[1]:
        return True
    seg = shapely.LineString([a, b])
    return len(model.plan.solids_index.query(seg, predicate="intersects")) == 0


def in_view(model: WardModel, pose: Pose, target: Target, view_angle: float = VIEW_ANGLE) -> bool:
    """True when ``target`` is within the view cone (full width ``view_angle`` rad around the
    gaze) and the line of sight to it is not blocked by a wall."""
    dx, dy = target.center[0] - pose.x, target.center[1] - pose.y
    if math.hypot(dx, dy) > 1e-6 and abs(wrap_angle(bearing(dx, dy) - pose.look)) > view_angle / 2:
        return False
    return line_of_sight(model, pose.xy, target.sight)


def found(model: WardModel, pose: Pose, target: Target, radius: float, view_angle: float = VIEW_ANGLE) -> bool:
    """Find-task success: within ``radius`` m of the item's footprint and the item in view."""
    return target.distance(pose.xy) <= radius and in_view(model, pose, target, view_angle)


class Navigator:
    """Routes and nearest-item queries of one ward model, memoized (results depend only on
    their arguments, so sharing one navigator between sessions keeps them deterministic)."""

    def __init__(self, model: WardModel, max_entries: int = 100_000) -> None:
        self.model = model
        self._routes: dict[tuple[Point, Point], Route | None] = {}
        self._nearest: dict[tuple[str | Point, str | None, str | None], Nearest | None] = {}
        self._targets: dict[str, Target] = {}
        self.max_entries = max_entries

    @staticmethod
    def _key(p: Point) -> Point:
        return (round(float(p[0]), 3), round(float(p[1]), 3))

    def route(self, a: Point, b: Point) -> Route | None:
        key = (self._key(a), self._key(b))
        if key not in self._routes:
            if len(self._routes) >= self.max_entries:
                self._routes.clear()
            self._routes[key] = self.model.route(key[0], key[1])
        return self._routes[key]

    def distance(self, a: Point, b: Point) -> float:
        r = self.route(a, b)
        return math.inf if r is None else r.length

    def nearest(self, origin: str | Point, type: str | None = None, category: str | None = None) -> Nearest | None:
        o = origin if isinstance(origin, str) else self._key(origin)
        key = (o, type, category)
        if key not in self._nearest:
            if len(self._nearest) >= self.max_entries:
                self._nearest.clear()
            self._nearest[key] = nearest(self.model, o, type=type, category=category)
        return self._nearest[key]

    def target(self, item_id: str) -> Target:
        if item_id not in self._targets:
            self._targets[item_id] = target_of(self.model, self.model.item_by_id[item_id])
        return self._targets[item_id]

    def place(self, name: str) -> Point:
        return self.model.place(name)
