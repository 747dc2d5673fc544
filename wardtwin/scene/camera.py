"""Where a snapshot camera stands and looks: named places (room, door, item ids or "x,y[,z]")
turned into an eye point on the compiled walkable area (so never in a wall or in floor
equipment) at eye height, and a target. Pure (shapely), no Panda3D.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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


@dataclass(frozen=True)
class View:
    """A first-person view: the eye and the point it looks at (m, z up)."""

    eye: tuple[float, float, float]
    target: tuple[float, float, float]


class _Sight:
    """What hides a point from an eye, in plan and height: wall solids (door openings cut out)
    and items on the floor and walls (each a box: its footprint from its underside to its
    top), less the items in ``ignore``. Pure shapely and numpy; vectorised over many eye
    points at once."""

    SAMPLES = 24  # points along a sight line tested against the items

    def __init__(self, model, ignore=()):
        import shapely

        plan = model.plan
        lay = plan.layout
        self.walls = unary_union(list(plan.solids))
        shapely.prepare(self.walls)
        self.items = []
        for iid, fp in plan.footprints.items():
            it = lay.item_by_id[iid]
            if iid in ignore or lay.mount_of(it) == "ceiling":
                continue
            t = lay.item_type(it)
            base = lay.elevation_of(it)
            shapely.prepare(fp)
            self.items.append((fp, base, base + (t.height if t else 1.0)))
        for leaf in _door_leaves(plan):  # open leaves stand full height in the room
            shapely.prepare(leaf)
            self.items.append((leaf, 0.0, 2.1))
        self.obstacles = unary_union([self.walls] + [fp for fp, _, _ in self.items])
        shapely.prepare(self.obstacles)
        # what fills a view when near: walls, and leaves and items reaching above 1.3 m
        self.tall = unary_union([self.walls] + [fp for fp, _, top in self.items if top > 1.3])
        shapely.prepare(self.tall)

    def clearance(self, pts: np.ndarray) -> np.ndarray:
        """Plan distance (m) from each point (n, 2) to the nearest wall or item."""
        import shapely

        return shapely.distance(self.obstacles, shapely.points(pts))

    def blocked(self, pts: np.ndarray, eye_z: float, target) -> np.ndarray:
        """For each eye point (n, 2) at height ``eye_z``, whether the straight line to
        ``target`` (x, y, z) passes through a wall or through an item's box."""
        import shapely

        tx, ty, tz = target
        if not len(pts):
            return np.zeros(0, bool)
        # the last few centimetres are the target's own surroundings (a wall item's wall)
        d = np.hypot(tx - pts[:, 0], ty - pts[:, 1])
        keep = np.clip(1.0 - 0.08 / np.maximum(d, 1e-9), 0.0, 1.0)[:, None]
        ends = pts + (np.array([tx, ty]) - pts) * keep
        out = shapely.intersects(self.walls, shapely.linestrings(np.stack([pts, ends], axis=1)))
        t = np.linspace(0.03, 0.97, self.SAMPLES)
        xs = pts[:, :1] + (tx - pts[:, :1]) * t
        ys = pts[:, 1:] + (ty - pts[:, 1:]) * t
        zs = eye_z + (tz - eye_z) * t
        for fp, base, top in self.items:
            x0, y0, x1, y1 = fp.bounds
            near = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1) & (zs < top) & (zs > base)
            rows = np.flatnonzero(near.any(axis=1))
            if len(rows):
                hit = shapely.contains_xy(fp, xs[rows], ys[rows]) & near[rows]
                out[rows] |= hit.any(axis=1)
        return out

    def crowded(self, pts: np.ndarray, target, near: float = 1.3, spread: float = 30.0) -> np.ndarray:
        """Share (0..1) of seven plan rays from each eye point (n, 2), across ``spread``
        degrees either side of the direction to ``target``, that meet a wall, an open door
        leaf or a tall item within ``near`` m: what would fill the view close up."""
        import shapely

        if not len(pts):
            return np.zeros(0)
        base = np.arctan2(target[1] - pts[:, 1], target[0] - pts[:, 0])
        hits = []
        for a in np.radians(np.linspace(-spread, spread, 7)):
            ends = pts + near * np.stack([np.cos(base + a), np.sin(base + a)], axis=1)
            hits.append(shapely.intersects(self.tall, shapely.linestrings(np.stack([pts, ends], axis=1))))
        return np.mean(hits, axis=0)

    def hidden(self, pts: np.ndarray, eye_z: float, targets) -> np.ndarray:
        """Share (0..1) of the points ``targets`` hidden from each eye point (n, 2)."""
        return np.mean([self.blocked(pts, eye_z, t) for t in targets], axis=0)


def _door_leaves(plan) -> list:
    """Plan outlines (m) of door leaves open 90 degrees as the 3D twin hangs them: each leaf of
    :func:`~wardtwin.layout.leaves.door_leaves` (declared hinge and swing, or derived) standing
    from its hinge into the room it opens to (sliding leaves lie flat on the wall and openings
    have none)."""
    from shapely.geometry import Polygon

    from wardtwin.layout.leaves import door_leaves

    t_wall = plan.layout.ward.wall_thickness
    out = []
    for o in plan.openings:
        wall = plan.walls[o.wall]
        dx, dy = wall.direction
        for leaf in door_leaves(plan, o.door):
            nx, ny = -dy * leaf.side, dx * leaf.side  # into the room the leaf opens to
            x0, y0 = wall.point_at(leaf.hinge + leaf.toward * 0.05)
            a = (x0 + nx * t_wall / 2, y0 + ny * t_wall / 2)
            reach = max(0.1, leaf.width - 0.1)
            b = (a[0] + nx * reach, a[1] + ny * reach)
            tx, ty = dx * 0.05 * leaf.toward, dy * 0.05 * leaf.toward
            out.append(Polygon([a, b, (b[0] + tx, b[1] + ty), (a[0] + tx, a[1] + ty)]))
    return out


def _grid(area, centre, radius: float, step: float = 0.2) -> np.ndarray:
    """Points (n, 2) of a ``step`` m grid within ``radius`` m of ``centre`` covered by ``area``."""
    import shapely

    cx, cy = centre
    k = np.arange(-radius, radius + 1e-9, step)
    gx, gy = np.meshgrid(cx + k, cy + k)
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    pts = pts[np.hypot(pts[:, 0] - cx, pts[:, 1] - cy) <= radius]
    if area.is_empty or not len(pts):
        return np.zeros((0, 2))
    shapely.prepare(area)
    return pts[shapely.covers(area, shapely.points(pts))]


def _angle_off(dirs: np.ndarray, front) -> np.ndarray:
    """Angle (rad, 0..pi) between each plan vector (n, 2) and the unit vector ``front``."""
    n = np.hypot(dirs[:, 0], dirs[:, 1])
    cos = (dirs[:, 0] * front[0] + dirs[:, 1] * front[1]) / np.maximum(n, 1e-9)
    return np.arccos(np.clip(cos, -1.0, 1.0))


def _open_neighbours(model, room: str) -> list[str]:
    """Rooms joined to ``room`` by a doorless opening (an alcove's or bay's parent room)."""
    out = []
    for d in model.layout.doors:
        if d.type == "opening" and room in d.between:
            other = d.between[1] if d.between[0] == room else d.between[0]
            if other in model.plan.room_polygons and other != room:
                out.append(other)
    out += [r for r in model.plan.open_neighbours(room) if r not in out]  # an alcove's parent (no wall between)
    return out


#: How far in front of an item's front face a person using it stands, at least and at most, m.
USE_NEAR, USE_FAR = 0.9, 3.0
#: Rooms this small (m²) joined to another by a doorless opening are alcoves or bays: a person
#: uses their items from the parent room as readily as from inside.
ALCOVE_AREA = 6.0


def use_view(model, item_id: str) -> View:
    """Where a person stands to use an item, at eye height, looking at its centre: in front of
    it (its front face towards the eye), far enough for the whole item to fit a 75-degree view
    and no nearer than :data:`USE_NEAR` m, with a clear line of sight over other furniture,
    away from furniture and walls, in the item's room or a room it opens onto without a door
    (the parent room of a bay or alcove). Pure: the same answer for the snapshot and a goto."""
    lay = model.layout
    it = lay.item_by_id[item_id]
    t = lay.item_type(it)
    base = lay.elevation_of(it)
    height = t.height if t else 1.0
    width, depth = t.footprint if t else (0.5, 0.5)
    r = math.radians(it.rotation)
    front = (-math.sin(r), math.cos(r))
    cx, cy = it.at
    target = (cx, cy, base + height / 2)
    face = (cx + front[0] * depth / 2, cy + front[1] * depth / 2)
    # the centre and the four corners of the front face (a little in from each edge)
    side = (front[1], -front[0])
    fx, fy = cx + front[0] * (depth / 2 - 0.02), cy + front[1] * (depth / 2 - 0.02)
    corners = [(fx + side[0] * w * width * 0.35, fy + side[1] * w * width * 0.35, base + h * height)
               for w in (-1, 1) for h in (0.15, 0.85)]
    # the distance (from the front face) at which the item fills about half the view's height
    ideal = min(USE_FAR, max(1.2, 0.9 + 0.6 * max(width, height)))
    rooms = [it.room, *_open_neighbours(model, it.room)]
    if lay.room_by_id[it.room].kind == "alcove" and len(rooms) > 1:  # an alcove's items: from its parent room
        rooms = rooms[1:]
    alcove = it.room in model.plan.room_polygons and model.plan.room_polygons[it.room].area <= ALCOVE_AREA
    sight = _Sight(model, ignore={item_id})
    best = None
    for k, room in enumerate(rooms):
        pts = _grid(_standable(model, room), face, USE_FAR, 0.15)
        if not len(pts):
            continue
        rel = pts - np.array(face)
        dist = np.hypot(rel[:, 0], rel[:, 1])
        ahead = rel @ np.array(front)
        ok = (dist >= USE_NEAR) & (ahead > 0.3)
        pts, rel, dist = pts[ok], rel[ok], dist[ok]
        if not len(pts):
            continue
        cost = (_angle_off(rel, front) + 0.8 * np.abs(dist - ideal)
                + 2.5 * np.maximum(0.0, 0.7 - sight.clearance(pts))
                + 8.0 * sight.blocked(pts, EYE_HEIGHT, target)
                + 4.0 * sight.hidden(pts, EYE_HEIGHT, corners)
                + 2.0 * sight.crowded(pts, target, near=0.9)
                + (0.0 if k == 0 or alcove else 0.4))
        j = int(np.argmin(cost))
        if best is None or cost[j] < best[0]:
            best = (float(cost[j]), (float(pts[j, 0]), float(pts[j, 1])))
    if best is None:
        eye = stand_point(model, (face[0] + front[0] * ideal, face[1] + front[1] * ideal), it.room)
    else:
        eye = best[1]
    return View((*eye, EYE_HEIGHT), target)


@dataclass(frozen=True)
class Focus:
    """What a view into a room looks at: a plan point ``xy`` (m) at height ``z`` (m), best
    seen from the side ``front`` (a unit plan vector from it towards a viewer; None: any
    side), and what it is: ``"bed"`` (the bed and its head wall), ``"wall"`` (the wall most
    fitted out) or ``"middle"`` (the room's middle); ``item``: the bed's id; ``points``: what
    a good view sees besides the focus itself (x, y, z; the bed's corners, the ends of the
    fitted-out stretch of wall)."""

    xy: tuple[float, float]
    z: float
    front: tuple[float, float] | None
    what: str
    item: str | None = None
    points: tuple[tuple[float, float, float], ...] = ()


def room_focuses(model, room: str) -> list[tuple[float, Focus]]:
    """What someone coming into ``room`` may look at first, each with a preference cost (0:
    the most wanted): a patient's bed (the one nearest the room's middle) at its head end,
    where the head wall's outlets are; else the room's working walls, those along which its
    items stand (counters, cabinets, wall units), each at its fitted-out stretch, costing more
    the less of it is fitted out than of the main one; else the room's middle."""
    plan = model.plan
    lay = plan.layout
    poly = plan.room_polygons[room]
    mid = label_point(poly)
    items = [i for i in lay.items if i.room == room and i.id in plan.footprints]
    beds = [i for i in items if (t := lay.item_type(i)) is not None and t.draw.shape == "bed"]
    if beds:
        bed = min(beds, key=lambda i: math.dist(i.at, (mid.x, mid.y)))
        t = lay.item_type(bed)
        r = math.radians(bed.rotation)
        fx, fy = -math.sin(r), math.cos(r)
        w, d = t.footprint
        back = d / 2 * 0.45  # between the bed's middle and its head
        ends = [(bed.at[0] + fx * a * d * 0.42 + fy * b * w * 0.4, bed.at[1] + fy * a * d * 0.42 - fx * b * w * 0.4,
                 min(t.height, 0.7)) for a in (-1, 1) for b in (-1, 1)]
        head = [(bed.at[0] - fx * (d / 2 - 0.05) + fy * b * 0.6, bed.at[1] - fy * (d / 2 - 0.05) - fx * b * 0.6, 1.4)
                for b in (-1, 1)]
        return [(0.0, Focus((bed.at[0] - fx * back, bed.at[1] - fy * back), 0.95, (fx, fy), "bed", bed.id,
                            tuple(ends + head)))]
    ring = list(poly.exterior.coords)
    cover: dict[int, list] = {}
    for i in items:
        fp = plan.footprints[i.id]
        k = min(range(len(ring) - 1), key=lambda e: LineString(ring[e:e + 2]).distance(fp))
        edge = LineString(ring[k:k + 2])
        if edge.distance(fp) > 0.3:
            continue
        along = [edge.project(Point(c)) for c in fp.exterior.coords]
        cover.setdefault(k, []).append((min(along), max(along)))
    if not cover:
        return [(0.0, Focus((mid.x, mid.y), EYE_HEIGHT - 0.3, None, "middle"))]

    def covered(spans):
        total, end = 0.0, -math.inf
        for a, b in sorted(spans):
            total += max(0.0, b - max(a, end))
            end = max(end, b)
        return total

    lengths = {k: covered(spans) for k, spans in cover.items()}
    main = max(lengths.values())
    out = []
    for k in sorted(cover, key=lambda e: (-round(lengths[e], 3), -LineString(ring[e:e + 2]).length, e)):
        (x0, y0), (x1, y1) = ring[k], ring[k + 1]
        length = math.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        inward = (-uy, ux) if poly.exterior.is_ccw else (uy, -ux)
        lo, hi = min(a for a, _ in cover[k]), max(b for _, b in cover[k])
        s, half = (lo + hi) / 2, min(1.2, (hi - lo) / 2)

        def on_wall(u, z, x0=x0, y0=y0, ux=ux, uy=uy, inward=inward):
            return (x0 + ux * u + inward[0] * 0.4, y0 + uy * u + inward[1] * 0.4, z)

        # looked at from across the room: aimed between the fitted-out stretch and the middle
        at = on_wall(s, 0)
        at = ((at[0] + mid.x) / 2, (at[1] + mid.y) / 2) if poly.covers(Point((at[0] + mid.x) / 2, (at[1] + mid.y) / 2)) else at[:2]
        out.append((3.0 * (1.0 - lengths[k] / main), Focus(
            at, 1.1, inward, "wall",
            points=tuple(on_wall(u, z) for u in (s - half, s + half) for z in (0.5, 1.6)))))
    return out


def room_focus(model, room: str) -> Focus:
    """The most wanted of :func:`room_focuses`: the bed, else the main working wall, else the
    room's middle."""
    return room_focuses(model, room)[0][1]


#: Rooms a person usually enters a room from (its entry door leads to one of them).
_ENTERED_FROM = ("corridor", "elevator_lobby", "reception", "nurse_station")
#: How far from its entry door the eye of a room view may stand, m.
ENTRY_REACH = 2.0


def entry_door(model, room: str):
    """The door someone comes into ``room`` through: the first from a corridor or lobby, else
    its first door; None for a room without doors."""
    lay = model.layout
    doors = [d for d in lay.doors if room in d.between]
    if not doors:
        return None

    def kind(d):
        other = d.between[1] if d.between[0] == room else d.between[0]
        r = lay.room_by_id.get(other)
        return r.kind if r is not None else None

    return min(doors, key=lambda d: kind(d) not in _ENTERED_FROM)  # the first such, else the first


def room_view(model, room: str) -> View | None:
    """The view of someone who has just come into ``room`` through its entry door: within
    :data:`ENTRY_REACH` m of the door, looking at what the room is for (:func:`room_focuses`:
    the bed and its head wall, or a working wall, the main one unless another is seen much
    better) from as nearly in front of it as the entry allows, with nothing in between and
    nothing filling the view close up. None for a room without doors, and for corridors and
    lobbies (they are walked along, not entered: the view looks along them)."""
    lay = model.layout
    door = entry_door(model, room)
    if door is None or lay.room_by_id[room].kind in _ENTERED_FROM:
        return None
    dxy = model.place(door.id)
    pts = _grid(_standable(model, room), dxy, ENTRY_REACH, 0.15)
    if not len(pts):
        return None
    from_door = np.hypot(pts[:, 0] - dxy[0], pts[:, 1] - dxy[1])
    best = None
    for preference, focus in room_focuses(model, room):
        target = (*focus.xy, focus.z)
        sight = _Sight(model, ignore={focus.item} if focus.item else ())
        rel = pts - np.array(focus.xy)
        dist = np.hypot(rel[:, 0], rel[:, 1])
        cost = (preference + 1.5 * np.maximum(0.0, 2.2 - dist) + 0.15 * np.maximum(0.0, dist - 3.5)
                + 0.35 * from_door + 1.5 * np.maximum(0.0, 0.9 - from_door)
                + 2.0 * np.maximum(0.0, 0.6 - sight.clearance(pts))
                + 8.0 * sight.blocked(pts, EYE_HEIGHT, target)
                + 4.0 * sight.crowded(pts, target, near=2.2, spread=36.0))
        if focus.points:
            cost = cost + 3.0 * sight.hidden(pts, EYE_HEIGHT, focus.points)
        if focus.front is not None:
            cost = cost + 0.9 * _angle_off(rel, focus.front)
        j = int(np.argmin(cost))
        if best is None or cost[j] < best[0]:
            best = (float(cost[j]), (float(pts[j, 0]), float(pts[j, 1])), target, focus)
    _, eye, target, focus = best
    if math.dist(eye, focus.xy) < 0.8:  # a tiny room: look the way the door leads in
        c = label_point(model.plan.room_polygons[room])
        vx, vy = c.x - dxy[0], c.y - dxy[1]
        n = math.hypot(vx, vy) or 1.0
        target = (eye[0] + vx / n * 4.0, eye[1] + vy / n * 4.0, EYE_HEIGHT - 0.3)
    return View((*eye, EYE_HEIGHT), target)


def viewpoint(model, at: str, look: str | None = None) -> tuple[tuple, tuple]:
    """(eye xyz, target xyz) for a first-person snapshot.

    ``--at ITEM`` alone stands where a person would use the item, looking at it
    (:func:`use_view`); ``--at ROOM`` alone stands just inside the room's entry door looking
    at its bed or main working wall, as someone coming in sees it (:func:`room_view`; a
    corridor or lobby: from its middle along its longer side); a door stands just inside its
    first room.
    """
    plan = model.plan
    src = resolve(model, at)
    tgt = resolve(model, look) if look else None
    if src.kind == "item":
        view = use_view(model, src.ref)
        if tgt is None:
            return view.eye, view.target
        eye_xy = view.eye[:2]
    elif src.kind == "door":
        d = plan.layout.door_by_id[src.ref]
        room = d.between[0] if d.between[0] in plan.room_polygons else d.between[1]
        eye_xy = stand_point(model, src.xy, room)
    elif src.kind == "room" and tgt is None and (view := room_view(model, src.ref)) is not None:
        return view.eye, view.target
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
