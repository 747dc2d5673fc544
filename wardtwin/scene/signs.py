"""Signage: what a new nurse reads to find the way, as plates (geometry, in the room batches)
and text anchors (drawn as generated text geometry, flattened into one batch per font page,
and written into the ``.bam`` like the labels).

- **Door signs** on the wall beside every door, on both faces of the wall: each names the room
  you enter through the door from that side (a patient room's number large, its name below).
- **Exit signs** over every exit door, on both faces: EXIT in white on the green box that
  :func:`wardtwin.scene.geometry._door` draws.
- **Wayfinding signs** hung from the ceiling in front of every opening between two public
  rooms (corridors, lobbies, the nurse station), one on each side: the key destinations (the
  exits, the nurse station, the lifts) with an arrow each that follows the walking route
  (the ward's navigation mesh, :mod:`wardtwin.model`) from in front of the sign: ahead when it
  goes through the opening, else left or right as its first metres turn.

Sizes are for reading from 3 m at 1280x720 (75 degrees across): capitals of 0.05 m or more
are 13 pixels or more high there. Text is the layout's own (room names): drawn as text, with
control and bidirectional characters escaped (:func:`wardtwin.safetext.escape`: Panda3D's
text nodes read some control characters as markup). Everything is computed in a wall's own
frame (x along the wall, +y its left room) and placed with the wall's matrix. No Panda3D here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from wardtwin.safetext import escape
from wardtwin.scene.mesh import Mesh, MeshBuilder, hex_rgba

if TYPE_CHECKING:
    from wardtwin.model.compiled import Route, WardModel

#: Text heights (a text line's scale, m; capitals are about 0.7 of it).
NUMBER_TEXT = 0.11  # a room's number
NAME_TEXT = 0.075  # a room's name
WAY_TEXT = 0.08  # a wayfinding line
EXIT_TEXT = 0.14  # EXIT over an exit door
#: Average advance of a character, as a share of the text height (wide enough for capitals).
CHAR = 0.55
PLATE = hex_rgba("#274b6d")
WAY_PLATE = hex_rgba("#1f3b57")
ARROW = (1.0, 1.0, 1.0, 1.0)
ROD = (0.62, 0.64, 0.66, 1.0)
#: Centre height of door signs, m (ISO/ADA practice: about 1.5 m to the middle).
DOOR_SIGN_Z = 1.55
#: Public rooms: walked through, not entered; wayfinding signs hang where two of them meet.
PUBLIC = ("corridor", "elevator_lobby", "nurse_station", "reception")
#: How far a wayfinding sign hangs in front of its opening, m; its lowest edge above the floor.
WAY_OUT = 0.35
WAY_BOTTOM = 2.1


@dataclass(frozen=True)
class SignText:
    """One line of sign text: ``text`` (user text, escaped), centred on ``position`` (m; z the
    baseline; with ``align`` "left", starting there), read from the side ``facing`` (a unit
    plan vector), ``size`` its height (m), seen from ``room``."""

    ref: str
    text: str
    position: tuple[float, float, float]
    facing: tuple[float, float]
    size: float
    room: str | None
    way: str | None = None  # a wayfinding line's arrow: "ahead", "left" or "right"
    align: str = "center"  # "left": ``position`` is where the line starts, as read


def text_width(text: str, size: float) -> float:
    """A generous estimate of a line's width, m."""
    return len(text) * CHAR * size


def _world(m: np.ndarray, x: float, y: float, z: float) -> tuple[float, float, float]:
    p = m @ np.array([x, y, z, 1.0])
    return float(p[0]), float(p[1]), float(p[2])


def _facing(wall, side: float) -> tuple[float, float]:
    dx, dy = wall.direction
    return (-dy * side, dx * side)


def _triangle(b: MeshBuilder, pts, side: float, rgba) -> None:
    """A triangle in a wall-parallel plane, facing ``side`` (+y or -y), wound to face it."""
    a, c, d = (np.asarray(p, float) for p in pts)
    if np.cross(c - a, d - a)[1] * side < 0:
        pts = [pts[0], pts[2], pts[1]]
    b.polygon(pts, [(0, 1, 2)], (0.0, side, 0.0), rgba)


def _arrow(b: MeshBuilder, cx: float, y: float, cz: float, size: float, way: str, side: float) -> None:
    """An arrow (``way``: ``ahead``, ``left`` or ``right`` as the reader on ``side`` sees
    it) centred on (cx, cz) of the plane y, ``size`` m across."""
    right = -side  # the reader's right along the wall's x
    s = size / 2

    def P(u, v):  # reader's (right, up) -> the wall's frame
        return (cx + right * u, y, cz + v)

    if way == "ahead":
        stem = [P(-s * 0.25, -s), P(s * 0.25, -s), P(s * 0.25, 0.1 * s), P(-s * 0.25, 0.1 * s)]
        head = [P(-s, 0.1 * s), P(s, 0.1 * s), P(0, s)]
    else:
        k = 1.0 if way == "right" else -1.0
        stem = [P(-k * s, -s * 0.25), P(0.1 * k * s, -s * 0.25), P(0.1 * k * s, s * 0.25), P(-k * s, s * 0.25)]
        head = [P(0.1 * k * s, -s), P(k * s, 0), P(0.1 * k * s, s)]
    _triangle(b, [stem[0], stem[1], stem[2]], side, ARROW)
    _triangle(b, [stem[0], stem[2], stem[3]], side, ARROW)
    _triangle(b, head, side, ARROW)


def _plate(b: MeshBuilder, x0, x1, side: float, face: float, z0, z1, rgba, thick=0.012) -> None:
    """A plate on the wall face at local y = side * face, standing out ``thick`` toward ``side``."""
    ya, yb = sorted((side * face, side * (face + thick)))
    b.box(x0, ya, z0, x1, yb, z1, rgba, bottom=True)


def door_sign_lines(room) -> list[tuple[str, float]]:
    """The lines of a door sign naming ``room``: (text, size). A patient room's number large
    and its name below; other rooms their name."""
    number = escape((room.number or "").strip())  # user text: no control character reaches the font
    name = escape((room.name or room.id).strip())
    if number and room.kind in ("patient_room", "isolation_room"):
        return [(number, NUMBER_TEXT)] + ([(name, NAME_TEXT)] if name and name != number else [])
    if room.kind == "stair":
        return [(name, NAME_TEXT), ("EXIT", NAME_TEXT)]
    return [(name, NAME_TEXT)]


def door_signs(plan, wall, o, door, t: float, m: np.ndarray) -> list[tuple[str, Mesh, list[SignText]]]:
    """The signs beside a door, one on each face of its wall that a room looks at: (the room
    whose face it is on, its plate mesh in the ward's frame, its lines). Each names the room
    on the other side. Archways (door type ``opening``) get none: no door, no sign."""
    if door.type == "opening":
        return []
    lay = plan.layout
    out = []
    for side, here, there in ((1.0, wall.left, wall.right), (-1.0, wall.right, wall.left)):
        if here is None or there is None or here not in lay.room_by_id or there not in lay.room_by_id:
            continue
        lines = door_sign_lines(lay.room_by_id[there])
        width = max(text_width(s, z) for s, z in lines) + 0.1
        height = sum(z * 1.25 for _, z in lines) + 0.06
        half = width / 2
        # beside the door: past its end, else before its start, whichever the wall has room for
        x = o.t1 + 0.1 + half
        if x + half > wall.length - t / 2:
            x = o.t0 - 0.1 - half
        face = t / 2 + 0.002
        z0 = DOOR_SIGN_Z - height / 2
        b = MeshBuilder()
        _plate(b, x - half, x + half, side, face, z0, z0 + height, PLATE)
        texts = []
        z = z0 + height - 0.03
        y = side * (face + 0.014)
        for s, size in lines:
            z -= size * 1.25
            texts.append(SignText(door.id, s, _world(m, x, y, z + size * 0.2), _facing(wall, side), size, here))
        out.append((here, b.build().transformed(m), texts))
    return out


#: The former look's door sign (``WARDTWIN_LOOK=plain``, before issue 18): its text height and
#: average advance per character, m; its plate's colour.
FORMER_TEXT = 0.07
FORMER_CHAR = 0.6 * FORMER_TEXT
FORMER_PLATE = hex_rgba("#274b6d")


def former_door_sign(plan, wall, o, door, t: float, m: np.ndarray) -> list[tuple[str, Mesh, list[SignText]]]:
    """The former look's one sign at a door: a name plate beside it on the face of the wall
    outside the room it names (not a corridor or lobby), as :func:`door_signs` returns signs.
    None for archways that are not exits and doors between public rooms."""
    lay = plan.layout
    kinds = {r: lay.room_by_id[r].kind for r in door.between if r in lay.room_by_id}
    targets = [r for r, k in kinds.items() if k not in PUBLIC]
    if not targets or door.type == "opening" and not door.exit:
        return []
    room = lay.room_by_id[targets[0]]
    if len(targets) == 2 and room.kind in ("ensuite", "toilet", "shower", "anteroom"):
        room = lay.room_by_id[targets[1]]
    side = -1.0 if room.id == wall.left else 1.0  # the sign faces away from the room it names
    name = escape(room.name or room.id)
    text = escape(room.number) if room.number and room.kind in ("patient_room", "isolation_room") else name
    if door.exit and room.kind == "stair":
        text = f"{name} - EXIT"
    half = (FORMER_CHAR * len(text) + 0.08) / 2
    x = o.t1 + 0.1 + half
    if x + half > wall.length:
        x = o.t0 - 0.1 - half
    y = side * (t / 2 + 0.01)
    b = MeshBuilder()
    b.box(x - half, min(y, y + side * 0.012), 1.47, x + half, max(y, y + side * 0.012), 1.63, FORMER_PLATE)
    face_room = wall.left if side > 0 or wall.right is None else wall.right
    line = SignText(door.id, text, _world(m, x, y + side * 0.02, 1.525), _facing(wall, side), FORMER_TEXT, face_room)
    return [(face_room, b.build().transformed(m), [line])]


def exit_sign_lines(wall, o, door, t: float, m: np.ndarray, top: float) -> list[SignText]:
    """EXIT on each face of the green box over an exit door (its box spans ``top`` + 0.05 to
    + 0.22 m and stands 0.06 m out of each wall face, see ``geometry._door``)."""
    mid = (o.t0 + o.t1) / 2
    out = []
    for side, room in ((1.0, wall.left), (-1.0, wall.right)):
        if room is None:
            continue
        y = side * (t / 2 + 0.062)
        out.append(SignText(door.id, "EXIT", _world(m, mid, y, top + 0.085), _facing(wall, side), EXIT_TEXT, room))
    return out


@dataclass(frozen=True)
class Destination:
    """A key place signposted: its ``label``, the ``room`` it is in or through, where it is
    (m); ``exit``: an exit door (signed from the room it opens off too)."""

    label: str
    room: str
    point: tuple[float, float]
    exit: bool = False


def destinations(plan) -> list[Destination]:
    """The places a wayfinding sign points to: each exit door, each nurse station, each lift
    lobby."""
    lay = plan.layout
    out = []
    for o in plan.openings:
        door = lay.door_by_id[o.door]
        if not door.exit:
            continue
        wall = plan.walls[o.wall]
        p = wall.point_at((o.t0 + o.t1) / 2)
        rooms = [r for r in door.between if r in lay.room_by_id]
        stair = next((r for r in rooms if lay.room_by_id[r].kind == "stair"), None)
        room = stair or (rooms[0] if rooms else None)
        if room is None:
            continue
        name = escape(lay.room_by_id[stair].name) if stair else ""
        out.append(Destination(f"EXIT {name}".strip(), room, (float(p[0]), float(p[1])), exit=True))
    for r in lay.rooms:
        if r.kind == "nurse_station":
            label = escape(r.name or "Nurse station")
        elif r.kind == "elevator_lobby":
            label = "Lifts"
        else:
            continue
        poly = plan.room_polygons.get(r.id)
        if poly is None:
            continue
        c = poly.representative_point()
        out.append(Destination(label, r.id, (float(c.x), float(c.y))))
    return out


def _routes_like(model: WardModel, plan) -> bool:
    """True when ``model`` walks the same as ``compile_ward(plan.layout, plan=plan)``: the same
    layout, compiled for a person of the default radius."""
    from wardtwin.model.compiled import PERSON_RADIUS

    return model.layout is plan.layout and model.radius == PERSON_RADIUS


class Wayfinder:
    """Walking routes from wayfinding signs to the :func:`destinations`, over the ward's
    navigation mesh (:func:`wardtwin.model.compile_ward`, compiled on first use: a ward with
    no opening between public rooms never needs it). ``model``: the ward already compiled, used
    instead when it is the plan's layout compiled for :data:`~wardtwin.model.PERSON_RADIUS`
    (the routes are then the same; any other model is left aside). Points and lengths in m."""

    def __init__(self, plan, *, model: WardModel | None = None) -> None:
        self.plan = plan
        self.destinations = destinations(plan)
        self._model: WardModel | None = model if model is not None and _routes_like(model, plan) else None

    @property
    def model(self) -> WardModel:
        if self._model is None:
            from wardtwin.model.compiled import compile_ward

            self._model = compile_ward(self.plan.layout, plan=self.plan)
        return self._model

    def route(self, start: tuple[float, float], goal: tuple[float, float]) -> Route | None:
        """The shortest walking path, or None when none connects the two points."""
        return self.model.route(start, goal)


#: The reader of a wayfinding sign stands this far in front of its opening, m; the arrow
#: follows the walking route's first ``LEAD`` m from there (the direction to the point that far
#: along it); a route that starts within ``BEHIND`` degrees of straight behind the reader is
#: not signed there (it is signed where the reader came from).
READER = 1.0
LEAD = 2.5
BEHIND = 30.0


def _along(points: Sequence[tuple[float, float]], dist: float) -> np.ndarray:
    """The point ``dist`` m along a polyline (its last point when it is shorter)."""
    pts = np.asarray(points, float)
    for a, b in zip(pts[:-1], pts[1:]):
        step = float(np.hypot(*(b - a)))
        if step >= dist and step > 0:
            return a + (b - a) * (dist / step)
        dist -= step
    return pts[-1]


def _through(points: Sequence[tuple[float, float]], centre: np.ndarray, f: np.ndarray, a: np.ndarray, b: np.ndarray,
             reach: float) -> bool:
    """True when the polyline's first ``reach`` m cross the wall's line (through ``centre``,
    ``f`` its normal toward the start) between ``a`` and ``b`` (the opening's ends) from the
    start's side."""
    pts = np.asarray(points, float)
    along = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
    walked = 0.0
    for p, q in zip(pts[:-1], pts[1:]):
        dp, dq = float((p - centre) @ f), float((q - centre) @ f)
        if dp > 0 >= dq:
            x = p + (q - p) * (dp / (dp - dq))
            u = float((x - a) @ along)
            if -0.05 <= u <= float(np.hypot(*(b - a))) + 0.05:
                return True
        walked += float(np.hypot(*(q - p)))
        if walked >= reach:
            break
    return False


def route_way(points: Sequence[tuple[float, float]], centre: Sequence[float], f: Sequence[float],
              right: Sequence[float], a: Sequence[float], b: Sequence[float]) -> str | None:
    """The arrow for a walking route (``points``, from the reader) as the reader sees it:
    "ahead" when its first metres pass through the opening (from ``a`` to ``b``, on the wall
    line through ``centre``), else "left" or "right" as its point :data:`LEAD` m along lies
    (``f``: toward the reader, who looks along -``f``; ``right``: the reader's right), None
    when that point is within :data:`BEHIND` degrees of straight behind."""
    centre, f, right, a, b = (np.asarray(v, float) for v in (centre, f, right, a, b))
    if _through(points, centre, f, a, b, READER + LEAD):
        return "ahead"
    d = _along(points, LEAD) - np.asarray(points[0], float)
    forward, lateral = float(d @ -f), float(d @ right)
    if math.degrees(math.atan2(abs(lateral), forward)) > 180.0 - BEHIND or lateral == 0.0:
        return None
    return "right" if lateral > 0 else "left"


def wayfinding_signs(plan, wall, o, door, t: float, m: np.ndarray,
                     finder: Wayfinder) -> list[tuple[str, Mesh, list[SignText]]]:
    """The hanging signs in front of an opening between two public rooms, one on each side
    that has something to point to: (room, plate mesh in the ward's frame, lines). Each line's
    arrow follows the walking route to its destination from :data:`READER` m in front of the
    opening (:func:`route_way`; a destination with no route or whose route starts behind the
    reader is left out). At most four lines: ahead first, then left, then right, each the
    nearest by walking first."""
    lay = plan.layout
    if door.exit or wall.right is None:
        return []
    kinds = [lay.room_by_id[r].kind for r in (wall.left, wall.right) if r in lay.room_by_id]
    if len(kinds) != 2 or not all(k in PUBLIC for k in kinds):
        return []
    mid = (o.t0 + o.t1) / 2
    centre = np.array(wall.point_at(mid), float)
    ends = np.array(wall.point_at(o.t0), float), np.array(wall.point_at(o.t1), float)
    order = {"ahead": 0, "left": 1, "right": 2}
    out = []
    for side, here, there in ((1.0, wall.left, wall.right), (-1.0, wall.right, wall.left)):
        f = np.array(_facing(wall, side))  # toward the reader in ``here``
        right = np.array([-f[1], f[0]])  # the reader looks along -f: their right is (-f) x up
        reader = centre + f * READER
        rows = []
        for dst in finder.destinations:
            if dst.room == here and not dst.exit:  # in the room the reader is in
                continue
            r = finder.route((float(reader[0]), float(reader[1])), dst.point)
            way = None if r is None else route_way(r.points, centre, f, right, *ends)
            if way is not None:
                rows.append((order[way], r.length, way, dst.label))
        if not rows:
            continue
        rows = sorted(rows)[:4]
        width = max(text_width(r[3], WAY_TEXT) for r in rows) + WAY_TEXT * 1.6 + 0.12
        pitch = WAY_TEXT * 1.45
        height = len(rows) * pitch + 0.06
        ceiling = min(lay.ceiling_of(lay.room_by_id[here]), 4.0)
        z1 = ceiling - 0.06  # hung just under the ceiling (its bottom above WAY_BOTTOM where the ceiling allows)
        z0 = z1 - height
        half = width / 2
        face = t / 2 + WAY_OUT
        b = MeshBuilder()
        _plate(b, mid - half, mid + half, side, face, z0, z1, WAY_PLATE, thick=0.02)
        for sx in (-1, 1):  # the rods it hangs from
            x = mid + sx * (half - 0.06)
            ya, yb = sorted((side * (face + 0.005), side * (face + 0.015)))
            b.box(x - 0.005, ya, z1, x + 0.005, yb, ceiling, ROD)
        texts = []
        y = side * (face + 0.021)
        left_edge = mid + side * half  # the reader's left end of the plate (their right is -side)
        for k, (_, _, way, label) in enumerate(rows):
            zc = z1 - 0.03 - (k + 0.5) * pitch
            ax = left_edge - side * (0.06 + WAY_TEXT * 0.5)
            _arrow(b, ax, y + side * 0.0005, zc, WAY_TEXT * 0.95, way, side)
            tx = left_edge - side * (0.06 + WAY_TEXT * 1.3)  # lines start after their arrows
            texts.append(SignText(door.id, label, _world(m, tx, y, zc - WAY_TEXT * 0.33),
                                  _facing(wall, side), WAY_TEXT, here, way, "left"))
        out.append((here, b.build().transformed(m), texts))
    return out


def cap_height(size: float) -> float:
    """The height of capitals in a line of text ``size`` m high (Panda3D's default font), m."""
    return 0.7 * size


def projected_pixels(height_m: float, distance_m: float, image_height_px: int = 720,
                     fov_deg: float = 75.0, aspect: float = 16 / 9) -> float:
    """How many pixels ``height_m`` spans seen face-on from ``distance_m`` by a camera of
    horizontal field of view ``fov_deg`` at ``aspect``."""
    tan_v = math.tan(math.radians(fov_deg / 2)) / aspect
    return height_m / (2 * distance_m * tan_v) * image_height_px
