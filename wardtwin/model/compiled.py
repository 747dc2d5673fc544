"""The compiled ward: a layout turned into immutable geometry that every later stage asks —
rooms, walls with door openings, equipment footprints, the walkable area for a person of a
given radius, and the navigation mesh over it. Lengths in metres, angles in radians.

Walkable area: the room floors (union of room polygons minus wall solids; door openings are
open), minus the footprints of floor-mounted equipment (wall- and ceiling-mounted items do not
block), shrunk by the person's radius (mitred corners: a person's centre keeps at least the
radius from every wall and floor item).
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Mapping, Sequence, TypedDict

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import MultiPolygon, Polygon

from wardtwin.errors import InvalidLayoutError, UsageError
from wardtwin.layout import vocab
from wardtwin.gcpause import gc_paused
from wardtwin.layout.geometry import Opening, Wall
from wardtwin.layout.model import EquipmentType, Item, Layout, Point
from wardtwin.layout.plan import Plan, plan_of
from wardtwin.model.navmesh import NavMesh, build_navmesh

if TYPE_CHECKING:
    from wardtwin.model.queries import Nearest

#: Default radius of a person (m): half the 0.5 m a person needs to pass.
PERSON_RADIUS = 0.25
#: Farthest (m) from an item's footprint that a person's centre may stand to use it.
ACCESS_REACH = 0.6
#: Pieces of walkable area smaller than this (m²) are dropped: nobody stands there.
MIN_PIECE_AREA = 1e-3
#: Walls and equipment are this much (m) thicker for the walkable area, so that pieces that
#: would touch at a point (a zero-width passage) are kept apart.
OPEN = 1e-4
#: The walkable outline is simplified within this (m).
SIMPLIFY = 1e-4


class ModelSummary(TypedDict):
    """Plain numbers describing a compiled ward (:meth:`WardModel.summary`): the person's
    radius (m), counts, floor and walkable areas (m², to 0.01) and the mesh's size."""

    radius_m: float
    rooms: int
    walls: int
    openings: int
    items: int
    floor_items: int
    floor_area_m2: float
    walkable_area_m2: float
    walkable_parts: int
    mesh_vertices: int
    mesh_triangles: int
    mesh_components: int
    mesh_corners: int


@dataclass(frozen=True)
class PlacedItem:
    """One piece of equipment as placed: its footprint (m), where its front is, and where a
    person stands to use it (``access``: the walkable point of its room nearest to its front,
    at most :data:`ACCESS_REACH` from its footprint, on the part of the floor connected to the
    entrance when there is such a point; None when no walkable point is that close)."""

    id: str
    type: str
    name: str
    category: str
    room: str
    mount: str
    safety_critical: bool
    rotation: float  # radians counter-clockwise; 0: front faces +y
    footprint: Polygon
    front: Point
    access: Point | None
    label: str | None = None

    @property
    def blocks(self) -> bool:
        """True for floor-mounted items: they are cut out of the walkable area."""
        return self.mount == "floor"

    @property
    def display(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class Route:
    """A walking path: its corners from start to goal (m) and its length (m). ``start`` and
    ``goal`` are the snapped points actually used (inside the walkable area)."""

    points: tuple[Point, ...]
    length: float

    @property
    def start(self) -> Point:
        return self.points[0]

    @property
    def goal(self) -> Point:
        return self.points[-1]


@dataclass(frozen=True, eq=False)
class WardModel:
    """A compiled ward (immutable). Build with :func:`compile_ward`.

    ``floor`` is the room floor (walls removed, door openings open); ``walkable`` the part of
    it where a person of ``radius`` m can stand; ``mesh`` the navigation mesh over
    ``walkable``. ``entrance_component`` is the mesh component holding most of the entrance
    room's walkable floor (-1 when it has none). ``room_anchor[room]`` is a walkable point
    representing the room (None when the room has no walkable floor): the one nearest to the
    room's centroid, on the entrance's component when the room has floor there. Query methods
    are in :mod:`wardtwin.model.queries`.
    """

    layout: Layout
    radius: float
    plan: Plan
    rooms: Mapping[str, Polygon]
    items: tuple[PlacedItem, ...]
    floor: Polygon | MultiPolygon
    walkable: Polygon | MultiPolygon
    mesh: NavMesh
    room_anchor: Mapping[str, Point | None]
    entrance_component: int  # mesh component of the entrance (-1: the entrance has no floor)
    _room_components: Mapping[str, frozenset[int]] = field(repr=False)

    @property
    def walls(self) -> tuple[Wall, ...]:
        return self.plan.walls

    @property
    def openings(self) -> tuple[Opening, ...]:
        return self.plan.openings

    @cached_property
    def solids(self) -> tuple[Polygon, ...]:
        """Wall solids with door openings cut out."""
        return tuple(self.plan.solids)

    @cached_property
    def item_by_id(self) -> Mapping[str, PlacedItem]:
        return MappingProxyType({i.id: i for i in self.items})

    def room_components(self, room: str) -> frozenset[int]:
        """Mesh components that have walkable floor in ``room``."""
        return self._room_components.get(room, frozenset())

    def room_reachable(self, room: str) -> bool:
        """True when a person can walk into ``room`` from the entrance."""
        return self.entrance_component in self.room_components(room)

    def component_of(self, p: Point) -> int:
        """The mesh component of the walkable point nearest to ``p`` (-1 for an empty mesh)."""
        if not self.mesh.n_triangles:
            return -1
        _q, t = self.mesh.snap(p)
        return int(self.mesh.component[t])

    # queries (see wardtwin.model.queries)
    def room_at(self, p: Point) -> str | None:
        from wardtwin.model import queries

        return queries.room_at(self, p)

    def route(self, a: Point, b: Point) -> Route | None:
        from wardtwin.model import queries

        return queries.route(self, a, b)

    def distance(self, a: Point, b: Point) -> float:
        from wardtwin.model import queries

        return queries.walking_distance(self, a, b)

    def nearest(self, origin: str | Sequence[float], *, type: str | None = None,
                category: str | None = None) -> Nearest | None:
        from wardtwin.model import queries

        return queries.nearest(self, origin, type=type, category=category)

    def place(self, name: str) -> Point:
        from wardtwin.model import queries

        return queries.resolve_place(self, name)

    def summary(self) -> ModelSummary:
        """Plain numbers describing the model (for goldens and reports)."""
        return {
            "radius_m": self.radius,
            "rooms": len(self.rooms),
            "walls": len(self.plan.walls),
            "openings": len(self.plan.openings),
            "items": len(self.items),
            "floor_items": sum(1 for i in self.items if i.blocks),
            "floor_area_m2": round(self.floor.area, 2),
            "walkable_area_m2": round(self.walkable.area, 2),
            "walkable_parts": len(_parts(self.walkable)),
            "mesh_vertices": self.mesh.n_vertices,
            "mesh_triangles": self.mesh.n_triangles,
            "mesh_components": self.mesh.n_components,
            "mesh_corners": int(self.mesh.corner.sum()),
        }


def _parts(g: Polygon | MultiPolygon) -> list[Polygon]:
    if g.is_empty:
        return []
    return [g] if g.geom_type == "Polygon" else list(g.geoms)


def walkable_area(floor: Polygon | MultiPolygon, obstacles: Polygon | MultiPolygon, radius: float) -> MultiPolygon:
    """``floor`` minus ``obstacles`` shrunk by ``radius`` (m, mitred corners), as a MultiPolygon
    of the pieces of at least :data:`MIN_PIECE_AREA` m² (counter-clockwise shells, clockwise
    holes). Points where two pieces would touch are opened (see :data:`OPEN`)."""
    free = floor.difference(obstacles) if not obstacles.is_empty else floor
    # shrink by radius + 2 OPEN, grow back by OPEN: also parts pieces that would touch at a point
    w = free.buffer(-(radius + 2 * OPEN), join_style="mitre").buffer(OPEN, join_style="mitre")
    if SIMPLIFY > 0 and not w.is_empty:
        w = shapely.simplify(w, SIMPLIFY, preserve_topology=True)
    parts = [p for p in _parts(w) if p.area >= MIN_PIECE_AREA]
    parts.sort(key=lambda p: (p.bounds[0], p.bounds[1], -p.area))
    return shapely.orient_polygons(MultiPolygon(parts)) if parts else MultiPolygon()


@gc_paused
def compile_ward(layout: Layout, radius: float = PERSON_RADIUS, plan: Plan | None = None,
                 walls_from: Callable[[], Polygon | MultiPolygon] | None = None) -> WardModel:
    """Compile a layout into a :class:`WardModel` for a person of ``radius`` m.

    The layout should be valid (see :func:`wardtwin.layout.check_ward`); compile does not
    validate again, and leaves out what it cannot place (invalid room outlines, doors off
    their wall, items of unknown type or room). ``plan``: the layout's derived geometry when
    the caller has it already; ``walls_from``: where its :attr:`~Plan.solid_union` comes from
    when the plan has none yet (a worker making it meanwhile: it is asked for once the rooms'
    union and the equipment are done, and kept in the plan)."""
    if isinstance(radius, bool) or not (isinstance(radius, (int, float)) and math.isfinite(radius) and 0 <= radius <= 2):
        raise UsageError(f"person radius {radius!r} m: a number from 0 to 2 expected")
    radius = float(radius)
    plan = plan if plan is not None and plan.layout is layout else plan_of(layout)
    unwalked = {r.id for r in layout.rooms if r.kind in vocab.UNWALKED_KINDS}  # shafts: no floor to walk on
    rooms = dict(sorted((k, v) for k, v in plan.room_polygons.items() if k not in unwalked))
    room_union = shapely.union_all(list(rooms.values())) if rooms else Polygon()

    blocks: list[Polygon] = []
    placed: list[tuple[Item, EquipmentType, Polygon, str]] = []
    for it in layout.items:
        t = layout.item_type(it)
        if t is None or it.room not in rooms:
            continue
        fp = plan.footprint(it)
        mount = layout.mount_of(it)
        placed.append((it, t, fp, mount))
        if mount == "floor":
            blocks.append(fp)
    obstacles = shapely.union_all(blocks) if blocks else Polygon()
    if walls_from is not None:
        plan.keep(solid_union=walls_from())
    solids = plan.solid_union
    floor = room_union.difference(solids) if not solids.is_empty else room_union
    floor = shapely.normalize(floor)
    walkable = walkable_area(floor, obstacles, radius)
    mesh = build_navmesh(walkable)

    room_ids = list(rooms)
    room_arr = np.array([rooms[r] for r in room_ids], dtype=object)
    centroids = shapely.centroid(room_arr) if len(room_arr) else np.array([])
    pieces = _Pieces(mesh, room_arr)
    room_components: dict[str, frozenset[int]] = {rid: frozenset() for rid in room_ids}
    for k, found in pieces.components().items():
        room_components[room_ids[k]] = found

    entrance = layout.ward.entrance
    entrance_component = -1
    if entrance in rooms:
        sel = pieces.valid_of(pieces.of_region(room_ids.index(entrance)))
        if len(sel):  # the part of the floor with the most of the entrance room's floor
            comps, where = np.unique(pieces.comp[sel], return_inverse=True)
            areas = np.bincount(where, weights=shapely.area(pieces.geoms[sel]))
            entrance_component = int(comps[int(np.argmax(areas))])
    anchor_pts = _nearest_on(pieces, centroids, entrance_component)
    anchors = {rid: anchor_pts[k] for k, rid in enumerate(room_ids)}

    fronts: list[Point] = []
    for it, t, fp, mount in placed:
        rot = math.radians(it.rotation)
        if mount == "ceiling":
            fronts.append((float(it.at[0]), float(it.at[1])))
        else:  # middle of the front edge (local +y)
            fronts.append((float(it.at[0] - math.sin(rot) * t.footprint[1] / 2),
                           float(it.at[1] + math.cos(rot) * t.footprint[1] / 2)))
    access = _access_points(placed, fronts, room_ids, pieces, entrance_component)
    items = []
    for k, (it, t, fp, mount) in enumerate(placed):
        items.append(PlacedItem(
            id=it.id, type=it.type, name=t.name, category=t.category, room=it.room, mount=mount,
            safety_critical=bool(t.safety_critical), rotation=math.radians(it.rotation), footprint=fp,
            front=fronts[k], access=access[k], label=it.label,
        ))

    return WardModel(
        layout=layout, radius=radius, plan=plan, rooms=MappingProxyType(rooms), items=tuple(items),
        floor=floor, walkable=walkable, mesh=mesh, room_anchor=MappingProxyType(anchors),
        entrance_component=entrance_component, _room_components=MappingProxyType(room_components),
    )


class _Pieces:
    """The walkable triangles' pieces inside each of ``regions`` (room outlines), ordered by
    region then triangle, each a polygon of more than 1e-9 m² (``valid``). A triangle inside
    its region is its own piece (as a clockwise ring from its third corner: what GEOS's
    intersection returns too); a triangle crossing the region's outline (a doorway's) is cut
    only when a question needs that piece (:meth:`ensure`), which most do not."""

    def __init__(self, mesh: NavMesh, regions: np.ndarray):
        self.mesh, self.regions = mesh, regions
        if mesh.n_triangles and len(regions):
            owner, idx = mesh._tree.query(regions, predicate="intersects")
        else:
            owner = idx = np.zeros(0, dtype=np.int64)
        order = np.lexsort((idx, owner))
        self.owner, self.idx = owner[order].astype(np.int64), idx[order].astype(np.int64)
        n = len(self.owner)
        self.comp = mesh.component[self.idx] if n else np.zeros(0, dtype=np.int64)
        self.geoms = np.empty(n, dtype=object)
        self.valid = np.zeros(n, dtype=bool)
        self.done = np.zeros(n, dtype=bool)
        self.lo = np.searchsorted(self.owner, np.arange(len(regions)), side="left")
        self.hi = np.searchsorted(self.owner, np.arange(len(regions)), side="right")
        if not n:
            return
        shapely.prepare(regions)
        self.inside = shapely.covers(regions[self.owner], mesh.triangle_polygons[self.idx])
        # an inside piece is valid when its triangle's area is over 1e-9 m² (GEOS measures the
        # few within rounding of that); its polygon is made when asked for
        tri = mesh.vertices[mesh.triangles[self.idx]]
        area = 0.5 * np.abs((tri[:, 1, 0] - tri[:, 0, 0]) * (tri[:, 2, 1] - tri[:, 0, 1])
                            - (tri[:, 1, 1] - tri[:, 0, 1]) * (tri[:, 2, 0] - tri[:, 0, 0]))
        close = self.inside & (np.abs(area - 1e-9) <= 1e-12)
        self.valid[self.inside] = area[self.inside] > 1e-9
        self.done[self.inside] = True
        self.made = ~self.inside  # whether geoms[k] is made (an uncut crossing piece: not needed)
        if close.any():
            self._make(np.flatnonzero(close))

    def _make(self, sel: np.ndarray) -> None:
        """Make the polygons of the inside pieces ``sel`` (and measure them)."""
        g = shapely.polygons(self.mesh.vertices[self.mesh.triangles[self.idx[sel]][:, ::-1]])
        self.geoms[sel] = g
        self.valid[sel] = ~shapely.is_empty(g) & (shapely.area(g) > 1e-9)
        self.made[sel] = True

    def ensure(self, sel: np.ndarray) -> None:
        """Cut the pieces ``sel`` (indices) that are not cut yet, and make the polygons of
        inside ones not made yet."""
        todo = sel[~self.done[sel]]
        if len(todo):
            g = shapely.intersection(self.mesh.triangle_polygons[self.idx[todo]], self.regions[self.owner[todo]])
            self.geoms[todo] = g
            self.valid[todo] = ~shapely.is_empty(g) & (shapely.area(g) > 1e-9)
            self.done[todo] = True
        todo = sel[~self.made[sel]]
        if len(todo):
            self._make(todo)

    def of_region(self, k: int) -> np.ndarray:
        return np.arange(self.lo[k], self.hi[k])

    def valid_of(self, sel: np.ndarray) -> np.ndarray:
        """The valid pieces among ``sel`` (cutting those not cut yet)."""
        self.ensure(sel)
        valid: np.ndarray = sel[self.valid[sel]]
        return valid

    def components(self) -> dict[int, frozenset[int]]:
        """Region index -> the components it has pieces of (regions with none left out). A
        crossing triangle is cut only when its component is not known in its region already."""
        if not len(self.owner):
            return {}
        n_comp = np.int64(self.mesh.n_components)
        key = self.owner * n_comp + self.comp
        known = np.unique(key[self.done & self.valid])
        self.ensure(np.flatnonzero(~self.done & ~np.isin(key, known)))
        pairs = np.unique(key[self.done & self.valid])
        out: dict[int, frozenset[int]] = {}
        for k, grp in itertools.groupby(zip((pairs // n_comp).tolist(), (pairs % n_comp).tolist()),
                                        key=lambda kc: kc[0]):
            out[k] = frozenset(c for _k, c in grp)
        return out


#: A piece cut from a triangle lies within this (m) of it, whatever the rounding.
_NEAR = 1e-7


def _nearest_on(pieces: _Pieces, targets: np.ndarray, prefer: int) -> list[Point | None]:
    """For each region k: the point nearest to ``targets[k]`` on k's pieces, taking pieces of
    component ``prefer`` when k has any (ties: the first piece); None when k has none.

    Where ``targets[k]`` lies on a piece of component ``prefer`` (a room's centroid on its
    floor, the common case), the answer is the first such piece, found among the triangles
    within :data:`_NEAR` of the target; other regions weigh all their pieces."""
    n = len(targets)
    out: list[Point | None] = [None] * n
    if not len(pieces.owner) or not n:
        return out
    mesh = pieces.mesh
    T = np.int64(mesh.n_triangles)
    first = np.full(n, -1, dtype=np.int64)
    # the pieces whose triangles touch (or all but touch: a cut piece's corners are rounded)
    # their region's target
    ti, tri = mesh._tree.query(targets, predicate="dwithin", distance=_NEAR)
    pair_key = pieces.owner * T + pieces.idx  # ascending (pieces are sorted by region, triangle)
    key = ti.astype(np.int64) * T + tri
    pos = np.clip(np.searchsorted(pair_key, key), 0, len(pair_key) - 1)
    z = np.unique(pos[pair_key[pos] == key])
    z = z[(pieces.comp[z] == prefer) | (prefer < 0)]  # (no component preferred: all rank alike)
    z = pieces.valid_of(z)
    if len(z):
        z = z[shapely.distance(pieces.geoms[z], targets[pieces.owner[z]]) == 0]
        k_of = pieces.owner[z]
        ks, at = np.unique(k_of, return_index=True)  # z ascending: the first piece of each region
        first[ks] = z[at]
    # every other region with pieces: rank all of them (preferred component, distance, order)
    rest = np.flatnonzero((first < 0) & (pieces.hi > pieces.lo))
    if len(rest):
        sel = np.concatenate([pieces.of_region(k) for k in rest.tolist()])
        sel = pieces.valid_of(sel)
        if len(sel):
            owner = pieces.owner[sel]
            d = shapely.distance(pieces.geoms[sel], targets[owner])
            rank = np.lexsort((np.arange(len(sel)), d, pieces.comp[sel] != prefer, owner))
            best = rank[np.unique(owner[rank], return_index=True)[1]]
            first[owner[best]] = sel[best]
    ks = np.flatnonzero(first >= 0)
    if not len(ks):
        return out
    lines = shapely.shortest_line(pieces.geoms[first[ks]], targets[ks])
    starts = shapely.get_coordinates(shapely.get_point(lines, 0))
    for k, (x, y) in zip(ks.tolist(), starts.tolist()):
        out[k] = (float(x), float(y))
    return out


def _access_points(placed: list[tuple[Item, EquipmentType, Polygon, str]], fronts: list[Point], room_ids: list[str],
                   pieces: _Pieces, prefer: int) -> list[Point | None]:
    """Where a person stands to use each placed item: among the walkable pieces of its room,
    those of component ``prefer`` first, the nearest to the footprint (to the mm), then to the
    front; the point of that piece nearest to the front. None when farther than
    :data:`ACCESS_REACH` from the footprint.

    A doorway triangle's piece is cut only when the triangle itself (which holds the piece)
    ranks no worse than the best piece already known: the piece cannot rank better."""
    out: list[Point | None] = [None] * len(placed)
    if not placed or not len(pieces.owner):
        return out
    index = {rid: k for k, rid in enumerate(room_ids)}
    item_room = np.array([index[it.room] for it, *_ in placed])
    lo, hi = pieces.lo[item_room], pieces.hi[item_room]
    n = hi - lo
    if not n.sum():
        return out
    item_of = np.repeat(np.arange(len(placed)), n)
    piece = np.concatenate([np.arange(a, b) for a, b in zip(lo.tolist(), hi.tolist())])
    fps = np.array([fp for _it, _t, fp, _m in placed], dtype=object)
    front_pts = shapely.points(np.array(fronts))
    cls = pieces.comp[piece] != prefer

    def keys(geoms: np.ndarray, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d_fp = shapely.distance(geoms, fps[item_of[sel]])
        return d_fp, shapely.distance(geoms, front_pts[item_of[sel]])

    pieces.ensure(piece[pieces.done[piece]])  # (makes the inside pieces' polygons)
    known = pieces.done[piece] & pieces.valid[piece]
    todo = np.flatnonzero(~pieces.done[piece])
    if len(todo):
        # the best known key of each item, against which an uncut piece's bound is weighed
        kn = np.flatnonzero(known)
        best_c = np.full(len(placed), 2, dtype=np.int64)
        best_r = np.full(len(placed), np.inf)
        best_f = np.full(len(placed), np.inf)
        if len(kn):
            d_fp, d_front = keys(pieces.geoms[piece[kn]], kn)
            r = np.round(d_fp, 3)
            rank = np.lexsort((d_front, r, cls[kn], item_of[kn]))
            b = rank[np.unique(item_of[kn][rank], return_index=True)[1]]
            it = item_of[kn][b]
            best_c[it], best_r[it], best_f[it] = cls[kn][b], r[b], d_front[b]
        tris = pieces.mesh.triangle_polygons[pieces.idx[piece[todo]]]
        lb_fp, lb_front = keys(tris, todo)
        c, r, f = cls[todo].astype(np.int64), np.round(lb_fp - _NEAR, 3), lb_front - _NEAR
        it = item_of[todo]
        bc, br, bf = best_c[it], best_r[it], best_f[it]
        need = (c < bc) | ((c == bc) & ((r < br) | ((r == br) & (f <= bf))))
        pieces.ensure(piece[todo[need]])
    use = np.flatnonzero(pieces.done[piece] & pieces.valid[piece])
    if not len(use):
        return out
    item_of, piece = item_of[use], piece[use]
    geoms = pieces.geoms[piece]
    d_fp = shapely.distance(geoms, fps[item_of])
    d_front = shapely.distance(geoms, front_pts[item_of])
    rank = np.lexsort((d_front, np.round(d_fp, 3), pieces.comp[piece] != prefer, item_of))
    first = rank[np.unique(item_of[rank], return_index=True)[1]]
    ok = first[d_fp[first] <= ACCESS_REACH + 1e-9]
    if not len(ok):
        return out
    lines = shapely.shortest_line(geoms[ok], front_pts[item_of[ok]])
    starts = shapely.get_coordinates(shapely.get_point(lines, 0))
    for k, (x, y) in zip(item_of[ok].tolist(), starts.tolist()):
        out[k] = (float(x), float(y))
    return out


def load_model(ward: str | os.PathLike[str], radius: float = PERSON_RADIUS) -> WardModel:
    """Load and check a ward folder (or shipped ward name) and compile it. Raises
    InvalidLayoutError (with every finding) when the layout has errors."""
    from wardtwin.layout import check_ward, exit_code

    layout, findings = check_ward(ward)
    if layout is None or exit_code(findings):
        raise InvalidLayoutError(str(ward), findings)
    return compile_ward(layout, radius)
