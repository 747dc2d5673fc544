"""Where a snapshot camera stands and looks: named places (room, door, item ids or "x,y[,z]")
turned into an eye point on the compiled walkable area (so never in a wall or in floor
equipment) at eye height, and a target. Pure (shapely), no Panda3D.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import LineString, Point
from shapely.ops import nearest_points, unary_union

from wardtwin.errors import UnknownNameError, UsageError
from wardtwin.layout.geometry import label_point

#: Eye height of a standing adult, m.
EYE_HEIGHT = 1.65
#: How far the eye keeps from walls and floor equipment, m.
CLEARANCE = 0.35


@dataclass(frozen=True)
class Place:
    """A resolved place: its kind (``room``, ``door``, ``item`` or ``point``), id, a plan point
    (m), a height to look at (m) and the room it is in (None for doors and loose points)."""

    kind: str
    ref: str
    xy: tuple[float, float]
    z: float
    room: str | None
    facing: tuple[float, float] | None = None  # items: the direction their front faces


def resolve(model, name: str) -> Place:
    """A room, door or item id, or ``"x,y"`` / ``"x,y,z"`` in metres. Names are resolved by the
    model (:meth:`WardModel.place`, which also explains unknown ones); the camera adds what it
    needs to aim: the kind of place, an item's own position, height and facing, a height."""
    lay = model.layout
    if name in lay.item_by_id:
        it = lay.item_by_id[name]
        t = lay.item_type(it)
        z = lay.elevation_of(it) + (t.height / 2 if t else 0.5)
        r = math.radians(it.rotation)
        return Place("item", name, it.at, z, it.room, (-math.sin(r), math.cos(r)))
    parts = name.split(",")
    z = EYE_HEIGHT
    if len(parts) == 3:  # "x,y,z": the model knows plan points; the height is the camera's
        try:
            z = float(parts[2])
        except ValueError:
            raise UsageError(f"place {name!r}: the height {parts[2]!r} is not a number") from None
        name = ",".join(parts[:2])
    xy = model.place(name)
    if name in lay.room_by_id:
        poly = model.plan.room_polygons.get(name)
        if poly is not None:  # look from the middle of the room, not from its walkable anchor
            c = label_point(poly)
            xy = (c.x, c.y)
        return Place("room", name, xy, 1.2, name)
    if name in lay.door_by_id:
        return Place("door", name, xy, 1.2, None)
    return Place("point", name, xy, z, model.plan.room_at(*xy))


def _standable(model, room: str | None):
    """Where an eye may stand: the compiled walkable area (in ``room`` when given), kept a
    further bit from walls and equipment so the view is not pressed against them."""
    area = model.walkable
    if room in model.plan.room_polygons:
        area = area.intersection(model.plan.room_polygons[room])
    free = area.buffer(-max(0.0, CLEARANCE - model.radius))
    return free if not free.is_empty else area


def stand_point(model, near: tuple[float, float], room: str | None) -> tuple[float, float]:
    """The standable point nearest to ``near`` in ``room`` (any room when None)."""
    free = _standable(model, room)
    p = Point(near)
    if free.covers(p):
        return near
    q = nearest_points(free, p)[0]
    return (q.x, q.y)


def _facing_spot(model, item: Place) -> tuple[float, float]:
    """A standable spot 1.2-3 m from an item, in its room: the one nearest to straight in front
    of the item among those that see it past walls and other floor items (any standable one
    when none does)."""
    plan = model.plan
    lay = plan.layout
    free = _standable(model, item.room)
    own = plan.footprints.get(item.ref)
    blockers = unary_union(list(plan.solids) + [fp for i, fp in plan.footprints.items()
                                                 if i != item.ref and lay.mount_of(lay.item_by_id[i]) == "floor"])
    fx, fy = item.facing
    front = math.atan2(fy, fx)
    best = None
    for dist in (2.0, 2.6, 1.6, 3.0, 1.2):
        for k in range(24):
            ang = front + math.radians(15 * ((k + 1) // 2) * (1 if k % 2 else -1))
            p = (item.xy[0] + math.cos(ang) * dist, item.xy[1] + math.sin(ang) * dist)
            if not free.covers(Point(p)):
                continue
            sight = LineString([p, item.xy])
            if own is not None:
                sight = sight.difference(own.buffer(0.05))
            blocked = not sight.is_empty and sight.intersects(blockers)
            # blocked sight costs more than any turn away from the front; nearer 2 m is better
            cost = (10.0 if blocked else 0.0) + abs((ang - front + math.pi) % (2 * math.pi) - math.pi) \
                + 0.2 * abs(dist - 2.0)
            if best is None or cost < best[0]:
                best = (cost, p)
    if best is None:
        return stand_point(model, (item.xy[0] + fx * 1.8, item.xy[1] + fy * 1.8), item.room)
    return best[1]


#: Rooms a person usually enters a room from (its entry door leads to one of them).
_ENTERED_FROM = ("corridor", "elevator_lobby", "reception", "nurse_station")


def _entry_view(model, room: str) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """(eye, target) plan points of someone who has just come into ``room`` through its entry
    door (the one from a corridor or lobby, else its first), looking across it to its middle
    and beyond; None for a room without doors, and for corridors and lobbies (they are walked
    along, not entered: the view looks along them)."""
    lay = model.layout
    doors = [d for d in lay.doors if room in d.between]
    if not doors or lay.room_by_id[room].kind in _ENTERED_FROM:
        return None

    def kind(d):
        other = d.between[1] if d.between[0] == room else d.between[0]
        r = lay.room_by_id.get(other)
        return r.kind if r is not None else None

    door = min(doors, key=lambda d: kind(d) not in _ENTERED_FROM)  # the first such, else the first
    poly = model.plan.room_polygons[room]
    c = label_point(poly)
    dx, dy = model.place(door.id)
    ux, uy = c.x - dx, c.y - dy
    n = math.hypot(ux, uy) or 1.0
    eye = stand_point(model, (dx + ux / n * min(1.5, 0.6 * n), dy + uy / n * min(1.5, 0.6 * n)), room)
    vx, vy = c.x - eye[0], c.y - eye[1]
    if math.hypot(vx, vy) < 0.5:  # a small room: look the way the door leads in
        vx, vy = ux, uy
    m = math.hypot(vx, vy) or 1.0
    return eye, (eye[0] + vx / m * 6.0, eye[1] + vy / m * 6.0)


def viewpoint(model, at: str, look: str | None = None) -> tuple[tuple, tuple]:
    """(eye xyz, target xyz) for a first-person snapshot.

    ``--at ITEM`` alone stands 1.8 m in front of the item looking at it; ``--at ROOM`` alone
    stands just inside the room's entry door looking across the room, as someone coming in
    sees it (a corridor or lobby: from its middle along its longer side); a door stands just
    inside its first room.
    """
    plan = model.plan
    src = resolve(model, at)
    tgt = resolve(model, look) if look else None
    if src.kind == "item":
        eye_xy = _facing_spot(model, src)
        if tgt is None:
            tgt = src
    elif src.kind == "door":
        d = plan.layout.door_by_id[src.ref]
        room = d.between[0] if d.between[0] in plan.room_polygons else d.between[1]
        eye_xy = stand_point(model, src.xy, room)
    elif src.kind == "room" and tgt is None and (entry := _entry_view(model, src.ref)) is not None:
        eye_xy, far = entry
        return (*eye_xy, EYE_HEIGHT), (*far, EYE_HEIGHT - 0.3)
    else:
        eye_xy = stand_point(model, src.xy, src.room)
    if tgt is None:
        poly = plan.room_polygons.get(src.room) if src.room else None
        if poly is not None:
            minx, miny, maxx, maxy = poly.bounds
            far = (maxx, (miny + maxy) / 2) if maxx - minx >= maxy - miny else ((minx + maxx) / 2, maxy)
        else:
            far = (eye_xy[0], eye_xy[1] + 5.0)
        target = (*far, EYE_HEIGHT - 0.2)
    else:
        target = (*tgt.xy, tgt.z)
    if math.dist(eye_xy, target[:2]) < 0.3:
        target = (eye_xy[0], eye_xy[1] + 3.0, target[2])
    return (*eye_xy, EYE_HEIGHT), target


#: Share of the image (each side, from the centre) that the orbit view's ward may fill.
ORBIT_FILL = 0.94
#: How far the orbit view looks down, degrees.
ORBIT_ELEVATION = 40.0


def overview(bounds, kind: str, aspect: float, fov: float = 75.0) -> tuple[tuple, tuple, float | None]:
    """(eye, target, ortho film width or None) framing the whole ward: ``plan`` straight down
    (orthographic), ``orbit`` a dollhouse view from the side of the longer dimension, looking
    :data:`ORBIT_ELEVATION` degrees down, as close as lets every corner of the ward's box fit
    the frame (``fov``: horizontal field of view, degrees; ``aspect``: width / height)."""
    (x0, y0, _), (x1, y1, z1) = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = (x1 - x0) * 1.08, (y1 - y0) * 1.08
    if kind == "plan":
        width = max(w, h * aspect)
        return (cx, cy, z1 + 50.0), (cx, cy, 0.0), width
    if kind == "orbit":
        el = math.radians(ORBIT_ELEVATION)
        back = (0.0, -math.cos(el), math.sin(el)) if w >= h else (math.cos(el), 0.0, math.sin(el))
        return _frame_box(bounds, back, aspect, fov)
    raise UnknownNameError("overview", kind, ("plan", "orbit"))


def _frame_box(bounds, back, aspect: float, fov: float) -> tuple[tuple, tuple, None]:
    """(eye, target, None) of a perspective camera looking along ``-back`` (a unit vector from
    the target towards the eye) placed so that the box ``bounds`` fills the frame: each side of
    its projection reaches :data:`ORBIT_FILL` of the half-frame where the other allows."""
    import numpy as np

    lo, hi = np.array(bounds[0], float), np.array(bounds[1], float)
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    fwd = -np.array(back, float)
    right = np.cross(fwd, (0.0, 0.0, 1.0))
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    tan_x = math.tan(math.radians(fov / 2))
    tan_y = tan_x / aspect
    target = (lo + hi) / 2
    dist = float(np.linalg.norm(hi - lo)) / tan_x
    for _ in range(40):  # fit the scale, then centre the projection; converges in a few rounds
        rel = corners - (target + dist * np.array(back))
        depth = rel @ fwd
        sx, sy = (rel @ right) / (depth * tan_x), (rel @ up) / (depth * tan_y)
        fill = max((sx.max() - sx.min()) / 2, (sy.max() - sy.min()) / 2) / ORBIT_FILL
        mid_depth = float(depth.mean())
        target = target + right * (sx.max() + sx.min()) / 2 * mid_depth * tan_x \
            + up * (sy.max() + sy.min()) / 2 * mid_depth * tan_y
        if abs(fill - 1.0) < 1e-3 and abs(sx.max() + sx.min()) < 1e-3 and abs(sy.max() + sy.min()) < 1e-3:
            break
        dist = max(0.1, dist - mid_depth * (1.0 - fill))
    eye = target + dist * np.array(back)
    return tuple(map(float, eye)), tuple(map(float, target)), None
