"""A ward's 3D geometry as named parts of plain meshes: floors finished by room kind,
ceilings, walls with door openings and lintels, door frames and leaves, exit signs, every
item at its footprint, height and mount (its catalog type's procedural shape, or its model
file), and anchors for signs and labels. Panda3D is imported only to read a model file
(:mod:`wardtwin.scene.models`); a ward without models needs numpy and shapely alone.

The Panda3D scene and the glTF export are both drawn from :func:`ward_geometry`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely

from wardtwin.errors import UnknownNameError
from wardtwin.exchange.gltf import GlbMesh
from wardtwin.layout.fitout import fitout_types
from wardtwin.layout.geometry import Opening, Wall
from wardtwin.layout.leaves import door_leaves
from wardtwin.layout.plan import Plan
from wardtwin.scene import dress
from wardtwin.scene import bake as bake_module
from wardtwin.scene.mesh import Mesh, MeshBuilder, hex_rgba, placement_matrix, shade
from wardtwin.scene.models import item_model
from wardtwin.scene.shapes import SHAPES, build_shape
from wardtwin.scene.signs import Wayfinder, door_signs, exit_sign_lines, former_door_sign, wayfinding_signs

if TYPE_CHECKING:
    from wardtwin.model.compiled import WardModel

#: Height of door openings, m.
DOOR_HEIGHT = 2.1
#: Height of open archways (door type ``opening``), m.
ARCH_HEIGHT = 2.4
FRAME = 0.05  # door frame width, m
PORTAL_MARGIN = 0.02  # how far a portal reaches past its opening (rounding slack), m
LEAF = 0.045  # door leaf thickness, m
SIGN_TEXT = 0.07  # height of door-sign letters, m
SIGN_CHAR = 0.6 * SIGN_TEXT  # average advance per character, m

FLOOR_FINISH = {  # sheet vinyl in clinical rooms, tiles in wet rooms, concrete in stairs
    "corridor": "#cfd3cf", "patient_room": "#d9cfbf", "isolation_room": "#d9cfbf", "anteroom": "#cdd3d6",
    "nurse_station": "#c9b79c", "medication_room": "#c7cfd6", "clean_utility": "#c7d3d6",
    "soiled_utility": "#c4c0b5", "toilet": "#bfc9cf", "ensuite": "#bfc9cf", "shower": "#bfc9cf",
    "stair": "#a7a7a2", "elevator_lobby": "#c8c2b8", "staff_room": "#cdbf9f", "family_lounge": "#cdbf9f",
}
DEFAULT_FLOOR = "#cccac4"
WALL_INTERIOR = (0.90, 0.89, 0.86, 1.0)
WALL_EXTERIOR = (0.78, 0.77, 0.74, 1.0)
CEILING = (0.96, 0.96, 0.95, 1.0)
DOOR_LEAF = hex_rgba("#b08a5a")
DOOR_FRAME = hex_rgba("#8d99a6")
EXIT_GREEN = hex_rgba("#1b8a3a")
WINDOW_FRAME = hex_rgba("#e8eaec")
WINDOW_BOARD = hex_rgba("#f4f2ee")
#: What a window shows from inside, bottom to top: the land far off, the horizon's haze, the
#: sky (glazing opaque and daylit: a window never opens into the void around the model).
GLASS_LAND = (0.60, 0.70, 0.60, 1.0)
GLASS_HAZE = (0.86, 0.91, 0.95, 1.0)
GLASS_SKY = (0.66, 0.82, 0.97, 1.0)
#: Seen from outside: the sky reflected.
GLASS_OUTSIDE = (0.52, 0.66, 0.80, 1.0)
#: The horizon seen through a window, m above the floor (a little below a standing eye).
HORIZON = 1.35
WINDOW_FRAME_W = 0.06  # m
MULLION_OVER = 1.6  # windows wider than this (m) get a mullion
SIGN_PLATE = hex_rgba("#274b6d")

LAYERS = ("floor", "wall", "ceiling", "door", "exit", "sign", "item")


@dataclass(frozen=True)
class Part:
    """One named mesh. ``layer`` is one of :data:`LAYERS`; ``ref`` the room, door or item id."""

    name: str
    layer: str
    mesh: Mesh
    ref: str | None = None
    room: str | None = None  # the room whose cell holds it (None: not in a room)
    emissive: bool = False  # gives light (a light panel, an exit sign): the bake leaves it bright


@dataclass(frozen=True)
class Anchor:
    """Where text goes: a door sign or an item label. ``facing`` is the unit plan vector the
    text's face points to (a reader stands on that side); ``None`` for a billboard that turns
    to the viewer."""

    ref: str
    text: str
    position: tuple[float, float, float]
    facing: tuple[float, float] | None = None
    fitout: bool = False  # a standard patient-room item (labelled at short range only)
    room: str | None = None  # the room it is seen from
    size: float = 0.07  # text height, m (signs: see wardtwin.scene.signs)
    align: str = "center"  # "center": ``position`` is the line's middle; "left": its start as read


@dataclass(frozen=True)
class Portal:
    """A door opening seen as a window from room ``cell_in`` into room ``cell_out``: four
    corners (m) of a vertical rectangle on the wall's centre line, :data:`PORTAL_MARGIN` larger
    than the opening all round, counter-clockwise seen from ``cell_in``; ``facing`` is the unit
    plan vector from the wall into ``cell_in``.

    Every part of a room lies on the room's own side of the centre line of each of its walls
    (walls are two half-thickness slabs, door frames and exit signs are split at the centre
    line), so whatever of ``cell_out`` can be seen from ``cell_in`` is seen through this
    rectangle: the scene may clip ``cell_out`` to it (see ``WardScene``)."""

    door: str
    cell_in: str
    cell_out: str
    corners: tuple[tuple[float, float, float], ...]
    facing: tuple[float, float] = (0.0, 1.0)


@dataclass(frozen=True)
class WardGeometry:
    """Every part of a ward's 3D geometry (m)."""

    parts: tuple[Part, ...]
    signs: tuple[Anchor, ...] = ()
    labels: tuple[Anchor, ...] = ()
    portals: tuple[Portal, ...] = ()
    bounds: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0, 0, 0), (0, 0, 0))
    item_parts: dict = field(default_factory=dict, compare=False, repr=False)
    #: "full": materials, fittings and baked light (vertex colours are final, see
    #: :mod:`wardtwin.scene.bake`); "plain": flat colours lit by the scene (the former look)
    look: str = "plain"
    lights: tuple = ()  # the bake's lights (wardtwin.scene.dress.Light)

    def layer(self, name: str) -> list[Part]:
        return [p for p in self.parts if p.layer == name]

    def glb_meshes(self) -> list[GlbMesh]:
        """The parts as the glTF writer's plain arrays (:func:`wardtwin.exchange.gltf.glb_bytes`)."""
        return [GlbMesh(p.name, p.layer, p.mesh.positions, p.mesh.normals, p.mesh.colors, p.mesh.triangles, p.ref)
                for p in self.parts]

    @property
    def n_triangles(self) -> int:
        return sum(p.mesh.n_triangles for p in self.parts)


def _triangulate(poly) -> list[list[tuple[float, float]]]:
    """Counter-clockwise triangles covering a polygon."""
    out = []
    for tri in shapely.constrained_delaunay_triangles(poly).geoms:
        (a, b, c) = list(tri.exterior.coords)[:3]
        if (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]) < 0:
            b, c = c, b
        out.append([a, b, c])
    return out


def _floors_and_ceilings(plan: Plan, style=None, lights: list | None = None) -> list[Part]:
    """Floors and ceilings; in the full look (``style``) cut into graded grids, with the
    ceiling's tile grid and light fixtures (added to ``lights``)."""
    parts = []
    lay = plan.layout
    t = lay.ward.wall_thickness
    for rid, poly in plan.room_polygons.items():
        room = lay.room_by_id[rid]
        h = lay.ceiling_of(room)
        default = FLOOR_FINISH.get(room.kind, DEFAULT_FLOOR)
        spots = dress.fixture_spots(poly, t, room.kind) if style is not None else []
        grid = dress.surface_mesh(poly, t, spots) if style is not None else None
        if grid is not None:  # the ceiling is not cut: no fixture lights it (they face down)
            floor = dress.flat_mesh(*grid, 0.0, True, style.floor(room.kind, default))
            cb = MeshBuilder()
            for a, b, c in _triangulate(poly):
                cb.polygon([(*a, h), (*c, h), (*b, h)], [(0, 1, 2)], (0, 0, -1), style.ceiling)
            ceiling = cb.build()
        else:
            fb, cb = MeshBuilder(), MeshBuilder()
            colour = style.floor(room.kind, default) if style is not None else hex_rgba(default)
            top = style.ceiling if style is not None else CEILING
            for a, b, c in _triangulate(poly):
                fb.polygon([(*a, 0.0), (*b, 0.0), (*c, 0.0)], [(0, 1, 2)], (0, 0, 1), colour)
                cb.polygon([(*a, h), (*c, h), (*b, h)], [(0, 1, 2)], (0, 0, -1), top)
            floor, ceiling = fb.build(), cb.build()
        parts.append(Part(f"floor/{rid}", "floor", floor, rid, rid))
        parts.append(Part(f"ceiling/{rid}", "ceiling", ceiling, rid, rid))
        if style is not None and room.kind not in dress.UNLIT_KINDS:
            parts.append(Part(f"ceilgrid/{rid}", "ceiling", dress.ceiling_grid(poly, t, h), rid, rid))
            if spots:
                parts.append(Part(f"light/{rid}", "ceiling", dress.fixture_mesh(spots, h), rid, rid, emissive=True))
                area = dress.FIXTURE * dress.FIXTURE
                lights.extend(dress.Light(rid, "fixture", (x, y, h - 0.01), (0.0, 0.0, -1.0), area) for x, y in spots)
    return parts


def _wall_height(plan: Plan, wall: Wall) -> float:
    lay = plan.layout
    hs = [lay.ceiling_of(lay.room_by_id[r]) for r in (wall.left, wall.right) if r in lay.room_by_id]
    return max(hs) if hs else lay.ward.ceiling_height


def _wall_matrix(wall: Wall) -> np.ndarray:
    dx, dy = wall.direction
    return placement_matrix(wall.start[0], wall.start[1], 0.0, math.degrees(math.atan2(dy, dx)))


def _portals(plan: Plan) -> list[Portal]:
    """Two portals per door between two rooms, one for each way of looking through it, and two
    for each open edge between an alcove and the room it is open to."""
    lay = plan.layout
    out = []
    for o in plan.openings:
        wall = plan.walls[o.wall]
        if wall.right is None:
            continue
        door = lay.door_by_id[o.door]
        top = ARCH_HEIGHT if door.type == "opening" else DOOR_HEIGHT
        # a little larger than the opening: a portal may show more than the opening (the
        # depth test hides it) but never less
        a = wall.point_at(o.t0 - PORTAL_MARGIN)
        b = wall.point_at(o.t1 + PORTAL_MARGIN)
        # seen from the wall's left room the corners run b-a-top(a)-top(b): counter-clockwise
        low, high = -PORTAL_MARGIN, top + PORTAL_MARGIN
        seen_from_left = ((*b, low), (*a, low), (*a, high), (*b, high))
        seen_from_right = tuple(reversed(seen_from_left))
        dx, dy = wall.direction
        out.append(Portal(o.door, wall.left, wall.right, seen_from_left, (-dy, dx)))
        out.append(Portal(o.door, wall.right, wall.left, seen_from_right, (dy, -dx)))
    for wall in plan.open_walls:  # an alcove's open edge: a portal as wide and high as the rooms
        a = wall.point_at(-PORTAL_MARGIN)
        b = wall.point_at(wall.length + PORTAL_MARGIN)
        low, high = -PORTAL_MARGIN, _wall_height(plan, wall) + PORTAL_MARGIN
        seen_from_left = ((*b, low), (*a, low), (*a, high), (*b, high))
        dx, dy = wall.direction
        name = f"open:{wall.left}:{wall.right}"
        out.append(Portal(name, wall.left, wall.right, seen_from_left, (-dy, dx)))
        out.append(Portal(name, wall.right, wall.left, tuple(reversed(seen_from_left)), (dy, -dx)))
    return out


def _walls_and_doors(plan: Plan, style=None, lights: list | None = None,
                     former: bool = False, finder: Wayfinder | None = None) -> tuple[list[Part], list[Anchor]]:
    """Walls as two half-thickness slabs, each owned by the room it faces (so a room's cell
    holds exactly the wall faces seen from inside it), with door openings and lintels; door
    frames, leaves and exit signs cut at the wall's centre line, each half owned by the room
    on its side (so nothing of a room crosses the plane of a portal out of it). In the full
    look (``style``) wall faces are cut into grids for the bake, window glass is a part of
    its own (it gives light: added to ``lights``) and doors get their details. ``former``: the
    signs of the former look (one name plate per door, no wayfinding, no EXIT lettering).
    ``finder``: the wayfinding signs' routes (a new :class:`Wayfinder` when None)."""
    lay = plan.layout
    t = lay.ward.wall_thickness
    by_wall: dict[int, list[Opening]] = {}
    for o in plan.openings:
        by_wall.setdefault(o.wall, []).append(o)
    wins_by_wall: dict[int, list] = {}
    for wo in plan.window_openings:
        wins_by_wall.setdefault(wo.wall, []).append(wo)
    owned: dict[tuple[str, str], list[Mesh]] = {}
    signs: list[Anchor] = []
    ext = _wall_ends(plan.walls, t, style is not None)
    finder = finder or Wayfinder(plan)  # walking routes for the wayfinding signs
    for i, wall in enumerate(plan.walls):
        h = _wall_height(plan, wall)
        ops = sorted(by_wall.get(i, []), key=lambda o: o.t0)
        wins = wins_by_wall.get(i, [])
        # every cut in the wall: (t0, t1, wall below up to, wall above from): doors from the
        # floor, windows between their sill and head
        cuts = sorted([(o.t0, o.t1, 0.0, ARCH_HEIGHT if lay.door_by_id[o.door].type == "opening" else DOOR_HEIGHT)
                       for o in ops] + [(w.t0, w.t1, w.sill, w.head) for w in wins])
        m = _wall_matrix(wall)
        outer = wall.right if wall.right is not None else wall.left
        inside = style.wall if style is not None else WALL_INTERIOR
        for room, y0, y1, colour in ((wall.left, 0.0, t / 2, inside),
                                     (outer, -t / 2, 0.0, inside if wall.right else WALL_EXTERIOR)):
            local = MeshBuilder(refine=dress.WALL_STEP if style is not None and (y0 >= 0 or wall.right) else None)
            # faces never seen, left out: the one on the centre line (the other half covers
            # it) and the ends at the wall's ends, which reach half a thickness past them so
            # that corners close (at a T-junction such an end would lie in the face of the
            # wall it meets, and flicker there)
            centre = "-y" if y0 >= 0 else "+y"
            first = cursor = -ext[i][0]
            for c0, c1, low, top in cuts:
                if c0 - cursor > 1e-4:
                    local.box(cursor, y0, 0, c0, y1, h, colour,
                              skip=(centre, "-x") if cursor == first else (centre,))
                if low > 1e-4:  # the wall under a window, its top seen
                    local.box(c0, y0, 0, c1, y1, min(low, h), colour, skip=(centre, "-x", "+x"))
                if h - top > 1e-4:  # the lintel, with its underside (seen from the doorway)
                    local.box(c0, y0, top, c1, y1, h, colour, bottom=True, skip=(centre, "-x", "+x"))
                cursor = c1
            if wall.length + ext[i][1] - cursor > 1e-4:
                local.box(cursor, y0, 0, wall.length + ext[i][1], y1, h, colour,
                          skip=(centre, "+x", "-x") if cursor == first else (centre, "+x"))
            owned.setdefault(("wall", room), []).append(local.build().transformed(m))
        if wins:  # frames and glass go with the room's walls: no draw call of their own
            frames, glass = _windows(wins, t)
            owned.setdefault(("wall", wall.left), []).append(frames.transformed(m))
            owned.setdefault(("glass" if style is not None else "wall", wall.left), []).append(glass.transformed(m))
            if style is not None:
                dx, dy = wall.direction
                for w in wins:
                    cx, cy = wall.point_at((w.t0 + w.t1) / 2)
                    lights.append(dress.Light(wall.left, "window", (cx - dy * t / 2, cy + dx * t / 2, (w.sill + w.head) / 2),
                                              (-dy, dx, 0.0), (w.t1 - w.t0) * (w.head - w.sill)))
        for o in ops:
            door = lay.door_by_id[o.door]
            side = plan.swing_side(door.id)
            (dl, dr), (el, er) = _door(wall, o, door, t, side, door_leaves(plan, door.id), style)
            for layer, mesh, room in (("door", dl, wall.left), ("door", dr, outer),
                                      ("exit", el, wall.left), ("exit", er, outer)):
                if mesh.n_triangles:
                    owned.setdefault((layer, room), []).append(mesh.transformed(m))
            top = ARCH_HEIGHT if door.type == "opening" else DOOR_HEIGHT
            if former:
                placed, lines = former_door_sign(plan, wall, o, door, t, m), []
            else:
                placed = door_signs(plan, wall, o, door, t, m) + wayfinding_signs(plan, wall, o, door, t, m, finder)
                lines = exit_sign_lines(wall, o, door, t, m, top) if door.exit else []
            for room, plate, texts in placed:
                owned.setdefault(("sign", room), []).append(plate)
                lines += texts
            signs.extend(Anchor(x.ref, x.text, x.position, x.facing, room=x.room, size=x.size, align=x.align)
                         for x in lines)
    parts = [Part(f"{layer}/{room}", "wall" if layer == "glass" else layer, Mesh.concat(meshes), room, room,
                  emissive=layer in ("glass", "exit") and style is not None)
             for (layer, room), meshes in sorted(owned.items())]
    return parts, signs


def _wall_ends(walls, t: float, joined: bool) -> list[tuple[float, float]]:
    """How far each wall's slab reaches past its start and end, m: half a thickness, so that
    corners close; with ``joined``, none where another wall continues it in a straight line
    (their faces would overlap there, and faces lit apart flicker where they overlap)."""
    if not joined:
        return [(t / 2, t / 2)] * len(walls)
    at: dict = {}
    for k, w in enumerate(walls):
        for p in (w.start, w.end):
            at.setdefault((round(p[0], 4), round(p[1], 4)), []).append(k)

    def reach(k, p) -> float:
        dx, dy = walls[k].direction
        for j in at.get((round(p[0], 4), round(p[1], 4)), ()):
            ex, ey = walls[j].direction
            if j != k and abs(dx * ey - dy * ex) < 1e-6:
                return 0.0
        return t / 2

    return [(reach(k, w.start), reach(k, w.end)) for k, w in enumerate(walls)]


class _Halves:
    """Two mesh builders, for the parts of door geometry on the left (+y) and right (-y) of a
    wall's centre line; a box that straddles the line is cut in two at it."""

    def __init__(self):
        self.left, self.right = MeshBuilder(), MeshBuilder()

    def box(self, x0, y0, z0, x1, y1, z1, rgba):
        if y0 >= 0:
            self.left.box(x0, y0, z0, x1, y1, z1, rgba)
        elif y1 <= 0:
            self.right.box(x0, y0, z0, x1, y1, z1, rgba)
        else:  # the cut faces lie inside the other half: left out
            self.left.box(x0, 0.0, z0, x1, y1, z1, rgba, skip=("-y",))
            self.right.box(x0, y0, z0, x1, 0.0, z1, rgba, skip=("+y",))

    def build(self) -> tuple[Mesh, Mesh]:
        return self.left.build(), self.right.build()


def _windows(wins, t: float) -> tuple[Mesh, Mesh]:
    """Frames and inside window boards, and the glass, of an exterior wall's windows, in the
    wall's frame (x along the wall, +y the room inside). The glass shows a daylit view (land,
    haze, sky) inside and the sky reflected outside."""
    b, g = MeshBuilder(), MeshBuilder()
    fw, d = WINDOW_FRAME_W, min(0.08, t)
    for w in wins:
        x0, x1, z0, z1 = w.t0, w.t1, w.sill, w.head
        b.box(x0, -d / 2, z0, x0 + fw, d / 2, z1, WINDOW_FRAME, skip=("-x",))
        b.box(x1 - fw, -d / 2, z0, x1, d / 2, z1, WINDOW_FRAME, skip=("+x",))
        b.box(x0 + fw, -d / 2, z0, x1 - fw, d / 2, z0 + fw, WINDOW_FRAME)
        b.box(x0 + fw, -d / 2, z1 - fw, x1 - fw, d / 2, z1, WINDOW_FRAME, bottom=True, skip=("top",))
        if x1 - x0 > MULLION_OVER:
            mid = (x0 + x1) / 2
            b.box(mid - fw / 2, -d / 2, z0 + fw, mid + fw / 2, d / 2, z1 - fw, WINDOW_FRAME, skip=("top",))
        # the window board inside, under the glass
        b.box(x0 - 0.03, t / 2, z0 - 0.03, x1 + 0.03, t / 2 + 0.04, z0, WINDOW_BOARD, bottom=True)
        gx0, gx1, gz0, gz1 = x0 + fw, x1 - fw, z0 + fw, z1 - fw
        cuts = [gz0, min(max(HORIZON - 0.08, gz0), gz1), min(max(HORIZON + 0.08, gz0), gz1), gz1]
        for (za, zb), rgba in zip(zip(cuts, cuts[1:]), (GLASS_LAND, GLASS_HAZE, GLASS_SKY)):
            if zb - za > 1e-4:  # facing the room (+y)
                g.quad((gx1, 0.004, za), (gx0, 0.004, za), (gx0, 0.004, zb), (gx1, 0.004, zb), rgba)
        if gz1 - gz0 > 1e-4:  # facing out (-y)
            g.quad((gx0, -0.004, gz0), (gx1, -0.004, gz0), (gx1, -0.004, gz1), (gx0, -0.004, gz1), GLASS_OUTSIDE)
    return b.build(), g.build()


def _door(wall: Wall, o: Opening, door, t: float, side: float, leaves=None,
          style=None) -> tuple[tuple[Mesh, Mesh], tuple[Mesh, Mesh]]:
    """Frame and leaves, and the exit sign, of one door in the wall's frame (x along the wall,
    +y its left room), each as (left half, right half) of the wall's centre line; leaves open
    90 degrees toward ``side`` (+1 left, -1 right; see ``Plan.swing_side``), hung as
    :func:`wardtwin.layout.leaves.door_leaves` says (``leaves``; None: derived from the type).
    ``style``: the full look's colours and door details (kick plates, vision panels, handles)."""
    b, e = _Halves(), _Halves()
    frame = EXIT_GREEN if door.exit else (style.door_frame if style is not None else DOOR_FRAME)
    w = o.t1 - o.t0
    if door.type != "opening":
        top = DOOR_HEIGHT
        b.box(o.t0, -t / 2 - 0.01, 0, o.t0 + FRAME, t / 2 + 0.01, top, frame)
        b.box(o.t1 - FRAME, -t / 2 - 0.01, 0, o.t1, t / 2 + 0.01, top, frame)
        b.box(o.t0, -t / 2 - 0.01, top - FRAME, o.t1, t / 2 + 0.01, top, frame)
        leaf = shade(style.door if style is not None else DOOR_LEAF, 1.0)
        lh = top - FRAME - 0.01
        def across(y0, y1):  # a span measured from the wall face on the opening side
            lo, hi = sorted((side * (t / 2 + y0), side * (t / 2 + y1)))
            return lo, hi

        if leaves:  # hung as declared: each on its jamb, open 90 degrees
            for lf in leaves:
                y0, y1 = across(0, lf.width * (w - 2 * FRAME) / w)
                xa, xb = sorted((lf.hinge + lf.toward * FRAME, lf.hinge + lf.toward * (FRAME + LEAF)))
                b.box(xa, y0, 0.01, xb, y1, lh, leaf)
                if style is not None:
                    dress.leaf_details(b.box, xa, y0, xb, y1, lh, side > 0, style)
        elif door.type == "swing":  # hinged at t0
            y0, y1 = across(0, w - 2 * FRAME)
            b.box(o.t0 + FRAME, y0, 0.01, o.t0 + FRAME + LEAF, y1, lh, leaf)
            if style is not None:
                dress.leaf_details(b.box, o.t0 + FRAME, y0, o.t0 + FRAME + LEAF, y1, lh, side > 0, style)
        elif door.type == "double":
            y0, y1 = across(0, (w - 2 * FRAME) / 2)
            b.box(o.t0 + FRAME, y0, 0.01, o.t0 + FRAME + LEAF, y1, lh, leaf)
            b.box(o.t1 - FRAME - LEAF, y0, 0.01, o.t1 - FRAME, y1, lh, leaf)
            if style is not None:
                dress.leaf_details(b.box, o.t0 + FRAME, y0, o.t0 + FRAME + LEAF, y1, lh, side > 0, style)
                dress.leaf_details(b.box, o.t1 - FRAME - LEAF, y0, o.t1 - FRAME, y1, lh, side > 0, style)
        elif door.type == "sliding":  # parked beside the opening, on the wall face
            y0, y1 = across(0.01, 0.01 + LEAF)
            # on the side with more wall, and no longer than the wall there (a leaf that ran
            # past the wall's end would stand in the next room)
            after, before = wall.length - t / 2 - o.t1, o.t0 - t / 2
            if after >= before:
                xs = (o.t1, o.t1 + min(w, after))
            else:
                xs = (o.t0 - min(w, before), o.t0)
            b.box(xs[0], y0, 0.01, xs[1], y1, lh, leaf)
            if style is not None:
                dress.sliding_details(b.box, xs[0], y0, xs[1], y1, lh, style)
    if door.exit:  # a lit EXIT sign above the opening on both faces
        mid = (o.t0 + o.t1) / 2
        top = ARCH_HEIGHT if door.type == "opening" else DOOR_HEIGHT
        e.box(mid - 0.2, -t / 2 - 0.06, top + 0.05, mid + 0.2, t / 2 + 0.06, top + 0.22,
              dress.EXIT_GLOW if style is not None else EXIT_GREEN)
    return b.build(), e.build()


def _items(plan: Plan, former: bool = False) -> tuple[list[Part], list[Anchor]]:
    """Every item's part (its model file, or its procedural shape; ``former``: as the former
    look drew it) and the labels of the safety-critical ones."""
    lay = plan.layout
    parts, labels = [], []
    fitout = fitout_types(lay)
    for it in lay.items:
        t = lay.item_type(it)
        if t is None:
            continue
        w, d = t.footprint
        if t.draw.model:  # a model file, fitted to the footprint and height
            mesh = item_model(t)
        else:  # the procedural shape
            shape = t.draw.shape if t.draw.shape in SHAPES else "box"
            colour = hex_rgba(t.draw.color) if t.draw.color else (0.6, 0.6, 0.6, 1.0)
            mesh = build_shape(shape, w, d, t.height, colour, former)
        z = lay.elevation_of(it)
        parts.append(Part(f"item/{it.id}", "item", mesh.transformed(placement_matrix(it.at[0], it.at[1], z, it.rotation)),
                          it.id, it.room))
        if t.safety_critical:
            # above the item; wall items' labels stand out from the wall so a billboard turning
            # to the viewer does not sink into it
            out = d / 2 + 0.3 if lay.mount_of(it) == "wall" else 0.0
            r = math.radians(it.rotation)
            x, y = it.at[0] - math.sin(r) * out, it.at[1] + math.cos(r) * out
            labels.append(Anchor(it.id, it.label or t.name, (x, y, z + t.height + 0.18), None, t.id in fitout,
                                 it.room))
    return parts, labels


def ward_geometry(plan: Plan, look: str | None = None, *, cache: bool = True,
                  model: WardModel | None = None) -> WardGeometry:
    """All 3D parts of a ward (see the module doc). ``look``: "full" (materials, fittings and
    baked light, see :mod:`wardtwin.scene.dress` and :mod:`wardtwin.scene.bake`) or "plain"
    (the look before issue 18: flat colours lit by the scene, the simple equipment shapes, one
    name plate per door); None: :func:`default_look`. ``cache``: the bake's cache. ``model``:
    the ward already compiled (:func:`wardtwin.model.compile_ward` of ``plan``), whose walking
    routes the wayfinding signs follow instead of compiling it again (see :class:`Wayfinder`);
    the geometry is the same either way."""
    look = default_look() if look is None else look
    if look not in LOOKS:
        raise UnknownNameError("look", look, LOOKS)
    lights: list = []
    former = look == "plain"
    parts = _floors_and_ceilings(plan)
    finder = Wayfinder(plan, model=model)  # one for both builds of the walls (plain and full)
    wall_parts, signs = _walls_and_doors(plan, former=former, finder=finder)
    item_parts, labels = _items(plan, former)
    parts = parts + wall_parts + item_parts
    if look == "full":
        parts, lights = _full_look(plan, parts, cache, finder)
        item_parts = [p for p in parts if p.layer == "item"]
    lo = np.min([p.mesh.bounds()[0] for p in parts if p.mesh.n_triangles], axis=0)
    hi = np.max([p.mesh.bounds()[1] for p in parts if p.mesh.n_triangles], axis=0)
    return WardGeometry(tuple(parts), tuple(signs), tuple(labels), tuple(_portals(plan)),
                        (tuple(map(float, lo)), tuple(map(float, hi))), {p.ref: p for p in item_parts},
                        look, tuple(lights))


def _full_look(plan: Plan, plain: list[Part], cache: bool,
               finder: Wayfinder | None = None) -> tuple[list[Part], list]:
    """The parts of the full look, and its lights: dressed (:mod:`wardtwin.scene.dress`) and
    baked (:mod:`wardtwin.scene.bake`), or as kept from an earlier build of the same ward
    (keyed by a hash of ``plain``, the ward's plain parts, and what else the look depends on)."""
    lay = plan.layout
    style = dress.Style.of(lay.ward.finishes)
    extra = repr((lay.ward.wall_thickness, style.finishes.key(),
                  sorted((r.id, r.kind, lay.ceiling_of(r)) for r in lay.rooms),
                  [(w.window, w.wall, w.t0, w.t1, w.sill, w.head) for w in plan.window_openings],
                  [(w.start, w.end, w.left, w.right) for w in plan.open_walls]))
    key = bake_module.content_key(plain, extra) if cache else None
    kept = bake_module.load_look(key) if key else None
    if kept is not None:
        return kept
    lights: list = []
    parts = _floors_and_ceilings(plan, style, lights)
    wall_parts, _ = _walls_and_doors(plan, style, lights, finder=finder)
    parts += wall_parts
    parts += [Part(f"trim/{rid}", "wall", mesh, rid, rid) for rid, mesh in dress.wall_trim(plan, style).items()]
    rooms = {rid: (dress.segments(plan, rid), lay.ceiling_of(lay.room_by_id[rid])) for rid in plan.room_polygons}
    parts = bake_module.bake(parts + [p for p in plain if p.layer == "item"], rooms, lights)
    if key:
        bake_module.store_look(key, parts, lights)
    return parts, lights


#: The looks of the twin: "full" (issue 18: materials, fittings, baked light) and "plain".
LOOKS = ("full", "plain")


def default_look() -> str:
    """``$WARDTWIN_LOOK`` when it names a look, else "full"."""
    value = os.environ.get("WARDTWIN_LOOK", "").strip().lower()
    return value if value in LOOKS else "full"
