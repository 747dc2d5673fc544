"""A layout with its derived 2D geometry computed once: room outlines, walls, door openings,
wall solids and item footprints. Validation and the 2D map both read it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from wardtwin.layout import vocab
from wardtwin.gcpause import gc_paused
from wardtwin.layout.geometry import (
    DoorProblem, Opening, Wall, derive_walls, footprint, place_doors, room_polygons, wall_pieces, wall_solid_union,
    wall_solids,
)
from wardtwin.layout.model import Item, Layout, Point

if TYPE_CHECKING:
    from wardtwin.layout.windows import WindowOpening, WindowProblem


_PUBLIC = {"corridor", "elevator_lobby", "nurse_station", "reception"}
_WET = {"ensuite", "toilet", "shower"}


@dataclass(frozen=True)
class Plan:
    """Derived geometry of a :class:`Layout` (m). Build with :func:`plan_of`."""

    layout: Layout
    walls: tuple[Wall, ...]
    openings: tuple[Opening, ...]
    door_problems: tuple[DoorProblem, ...]
    #: ``(alcove, parent, length m)`` for each alcove whose shared edge with the room it is
    #: ``open_to`` was left without a wall (version 2)
    open_edges: tuple[tuple[str, str, float], ...] = ()
    #: the walls left out along those edges (where the scene looks from one room into the other)
    open_walls: tuple[Wall, ...] = ()

    @cached_property
    def _windows(self) -> tuple[tuple[WindowOpening, ...], tuple[WindowProblem, ...]]:
        from wardtwin.layout.windows import place_windows

        known = [w for w in self.layout.windows if w.room in self.layout.room_by_id]
        return place_windows(known, self.walls, self.layout.ward.wall_thickness)

    @cached_property
    def window_openings(self) -> tuple[WindowOpening, ...]:
        """Each placed window's :class:`~wardtwin.layout.windows.WindowOpening`."""
        return self._windows[0]

    @cached_property
    def window_problems(self) -> tuple[WindowProblem, ...]:
        """Why windows could not be placed (:class:`~wardtwin.layout.windows.WindowProblem`)."""
        return self._windows[1]

    def keep(self, **derived: object) -> None:
        """Keep values of this plan's derived properties made elsewhere (by a worker process,
        from the same layout), where they are not made yet: ``plan.keep(solid_union=...)``."""
        for name, value in derived.items():
            if not isinstance(getattr(type(self), name, None), cached_property):
                raise AttributeError(f"{name}: not a derived property of a plan")
            self.__dict__.setdefault(name, value)

    def open_neighbours(self, room: str) -> tuple[str, ...]:
        """Rooms joined to ``room`` with no wall between: an alcove's parent, a parent's alcoves."""
        return tuple(dict.fromkeys([b for a, b, _ in self.open_edges if a == room]
                                   + [a for a, b, _ in self.open_edges if b == room]))

    def open_floor(self, room: str) -> Polygon | MultiPolygon | None:
        """The room's outline joined with the rooms it is open to (an alcove and its parent)."""
        poly = self.room_polygons.get(room)
        more = [self.room_polygons[r] for r in self.open_neighbours(room) if r in self.room_polygons]
        return shapely.union_all([poly, *more]) if poly is not None and more else poly

    @cached_property
    def room_outlines(self) -> tuple[Polygon, ...]:
        """Each room's outline as drawn, valid or not, in the order of ``layout.rooms``."""
        return tuple(room_polygons(self.layout.rooms))

    @cached_property
    def room_outline_valid(self) -> tuple[bool, ...]:
        """Whether each of :attr:`room_outlines` is a valid, non-empty polygon."""
        geoms = list(self.room_outlines)
        return tuple(bool(v) for v in shapely.is_valid(geoms) & ~shapely.is_empty(geoms)) if geoms else ()

    @cached_property
    def room_polygons(self) -> dict[str, Polygon]:
        """Room id -> outline (only rooms whose outline is a valid polygon)."""
        return {r.id: p for r, p, ok in zip(self.layout.rooms, self.room_outlines, self.room_outline_valid) if ok}

    @cached_property
    def opening_by_door(self) -> dict[str, Opening]:
        return {o.door: o for o in self.openings}

    @cached_property
    def wall_pieces(self) -> list[tuple[Point, Point]]:
        """``(start, end)`` of each stretch of wall left between door openings (m): the centre
        lines of :attr:`solids`, in the same order."""
        return wall_pieces(self.walls, self.openings)

    @cached_property
    def solids(self) -> list[Polygon]:
        """Wall solids with door openings cut out."""
        return wall_solids(self.walls, self.openings, self.layout.ward.wall_thickness, self.wall_pieces)

    @cached_property
    def solid_union(self) -> Polygon | MultiPolygon:
        """The union of :attr:`solids` (m): every wall's solid, door openings left open."""
        return wall_solid_union(self.walls, self.openings, self.layout.ward.wall_thickness, self.wall_pieces)

    @cached_property
    def solids_index(self) -> STRtree:
        return STRtree(self.solids)

    @cached_property
    def _pieces_index(self) -> STRtree:
        pieces = self.wall_pieces
        lines = shapely.linestrings(np.array(pieces, dtype=float)) if pieces else []
        return STRtree(lines)

    def solids_near(self, geom: BaseGeometry, distance: float = 0.0) -> list[Polygon]:
        """The wall solids (of :attr:`solids`) that intersect ``geom`` (``distance`` 0) or lie
        within ``distance`` m of it. Makes only the solids asked about when :attr:`solids` is
        not made yet (a planner's ``check`` asks about a few, near its wall-mounted items)."""
        if "solids" in self.__dict__:
            tree, cand = self.solids_index, None
        else:
            tree = self._pieces_index
            reach = distance + self.layout.ward.wall_thickness / 2 + 1e-6
            cand = tree.query(geom, predicate="dwithin", distance=reach)
        if cand is None:
            if distance > 0:
                return [self.solids[k] for k in tree.query(geom, predicate="dwithin", distance=distance)]
            return [self.solids[k] for k in tree.query(geom, predicate="intersects")]
        made = self._made_solids
        need = [int(k) for k in cand if int(k) not in made]
        if need:
            bands = wall_solids(self.walls, self.openings, self.layout.ward.wall_thickness,
                                [self.wall_pieces[k] for k in need])
            made.update(zip(need, bands))
        geoms = np.array([made[int(k)] for k in cand], dtype=object)
        if not len(geoms):
            return []
        ok = shapely.dwithin(geoms, geom, distance) if distance > 0 else shapely.intersects(geoms, geom)
        return [g for g, keep in zip(geoms.tolist(), ok.tolist()) if keep]

    @cached_property
    def _made_solids(self) -> dict[int, Polygon]:
        return {}

    @cached_property
    def footprints(self) -> dict[str, Polygon]:
        """Item id -> footprint (m), for items whose type is known."""
        out: dict[str, Polygon] = {}
        for it in self.layout.items:
            t = self.layout.item_type(it)
            if t is not None:
                out[it.id] = footprint(it.at, t.footprint, it.rotation)
        return out

    def footprint(self, item: Item) -> Polygon | None:
        """The item's footprint, or None when its type is unknown."""
        return self.footprints.get(item.id)

    @cached_property
    def _room_index(self) -> list[tuple[float, float, float, float, Polygon, str]]:
        out: list[tuple[float, float, float, float, Polygon, str]] = []
        for rid, poly in self.room_polygons.items():  # floor-plan order
            shapely.prepare(poly)
            out.append((*poly.bounds, poly, rid))
        return out

    def room_at(self, x: float, y: float) -> str | None:
        """The id of the room containing the point; on a shared wall line, the room written
        first in the floor plan. None outside every room. Cheap enough to ask several times a
        frame (a bounding-box test of every room, then the exact test of the candidates)."""
        x, y = float(x), float(y)
        for x0, y0, x1, y1, poly, rid in self._room_index:
            if x0 <= x <= x1 and y0 <= y <= y1 and shapely.intersects_xy(poly, x, y):
                return rid
        return None

    def swing_side(self, door_id: str) -> float:
        """Which side of its wall a door's leaf opens to: +1 the wall's left room, -1 its right.

        Doors open into rooms off a corridor, lobby or station; doors of an ensuite, toilet or
        shower open out of it (a fallen patient must not block the door); exits open in the
        direction of egress (toward the stair or outside)."""
        lay = self.layout
        door = lay.door_by_id[door_id]
        wall = self.walls[self.opening_by_door[door_id].wall]
        a, b = door.between

        def kind(r: str) -> str:
            room = lay.room_by_id.get(r)
            return room.kind if room else vocab.OUTSIDE

        ka, kb = kind(a), kind(b)
        egress = ("stair", vocab.OUTSIDE)
        if door.swing in vocab.SWING_WAYS:  # declared: in -> the first room of `between`
            into = a if door.swing == "in" else b
        elif door.exit and (ka in egress or kb in egress):
            into = b if kb in egress else a
        elif ka in _WET or kb in _WET:
            into = b if ka in _WET else a
        elif (ka in _PUBLIC) != (kb in _PUBLIC):
            into = b if ka in _PUBLIC else a
        else:
            into = b
        return 1.0 if into == wall.left else -1.0

    def ward_side(self, door_id: str) -> str:
        """The room of a door that belongs to the ward proper: not the stair, not outside
        (where an EXIT sign is read before leaving)."""
        door = self.layout.door_by_id[door_id]
        for rid in door.between:
            room = self.layout.room_by_id.get(rid)
            if room is not None and room.kind != "stair":
                return rid
        return door.between[0]

    @cached_property
    def exits(self) -> tuple[str, ...]:
        """Ids of exit doors."""
        return tuple(d.id for d in self.layout.doors if d.exit)


@gc_paused
def plan_of(layout: Layout) -> Plan:
    """Derive walls and door openings of a layout. An alcove's walls shared with the room it
    is ``open_to`` are left out: it is open to that room along them."""
    walls = derive_walls(layout.rooms)
    open_pairs: dict[frozenset[str | None], tuple[str, str]] = {
        frozenset((r.id, r.open_to)): (r.id, r.open_to) for r in layout.rooms
        if r.kind == "alcove" and r.open_to in layout.room_by_id and r.open_to != r.id}
    edges: dict[tuple[str, str], float] = {}
    left_out: list[Wall] = []
    if open_pairs:
        kept: list[Wall] = []
        for w in walls:
            pair = open_pairs.get(w.rooms)
            if pair is None:
                kept.append(w)
            else:
                edges[pair] = edges.get(pair, 0.0) + w.length
                left_out.append(w)
        walls = tuple(kept)
    known = set(layout.room_by_id) | {vocab.OUTSIDE}
    doors = [d for d in layout.doors if set(d.between) <= known and d.between[0] != d.between[1]]
    openings, problems = place_doors(doors, walls, layout.ward.wall_thickness, vocab.OUTSIDE)
    return Plan(layout, walls, openings, problems, tuple((a, b, n) for (a, b), n in edges.items()),
                tuple(left_out))
