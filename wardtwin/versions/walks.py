"""Walking distances of item positions: from the ward's entrance, and to the nearest patient
room. Lengths in metres, measured with the navigation queries (:mod:`wardtwin.model.queries`)
on a compiled model.

A ward of at most :data:`FULL_COMPILE_ROOMS` rooms is compiled whole. A larger one (a whole
hospital floor) is compiled only where the walks go: the rooms on the door-to-door paths from
the entrance to each item's room that are at most :data:`SLACK` longer than the shortest, and
on the paths to the nearest patient rooms. A walk that would be shorter through a room outside
that part is not found, so for large floors the distances are those of the walk along the
doors' shortest paths.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, replace
from typing import Mapping

from shapely.errors import ShapelyError

from wardtwin.errors import WardtwinError
from wardtwin.layout import vocab
from wardtwin.layout.model import Layout, Point

#: Wards with at most this many rooms are compiled whole.
FULL_COMPILE_ROOMS = 120
#: Door paths up to this factor of the shortest (plus :data:`SLACK_M`) keep their rooms.
SLACK = 1.15
SLACK_M = 3.0
#: Patient rooms considered as "nearest" per item (by door-path length).
PATIENT_CANDIDATES = 3


@dataclass(frozen=True)
class Walk:
    """Walking distances (m) of one item as placed: from the ward entrance to where a person
    stands to use it, and from there to the nearest patient room (its id). None: no walk."""

    from_entrance_m: float | None
    patient_room: str | None
    to_patient_room_m: float | None


def _finite(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


class _DoorGraph:
    """Rooms joined by doors; nodes are doors, weights straight-line metres between doors of one room."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.doors = [d for d in layout.doors if all(r in layout.room_by_id for r in d.between if r != vocab.OUTSIDE)]
        self.by_room: dict[str, list[int]] = {}
        for k, d in enumerate(self.doors):
            for r in d.between:
                if r != vocab.OUTSIDE:
                    self.by_room.setdefault(r, []).append(k)

    def centre(self, room: str) -> Point:
        pts = self.layout.room_by_id[room].polygon
        return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))

    def dijkstra(self, room: str, at: Point, limit: float = math.inf) -> tuple[dict[int, float], dict[int, int]]:
        """Door-path length from point ``at`` in ``room`` to every door (up to ``limit``), and predecessors."""
        dist: dict[int, float] = {}
        prev: dict[int, int] = {}
        heap = [(math.dist(at, self.doors[k].at), k, -1) for k in self.by_room.get(room, [])]
        heapq.heapify(heap)
        while heap:
            d, k, p = heapq.heappop(heap)
            if k in dist or d > limit:
                continue
            dist[k], prev[k] = d, p
            here = self.doors[k].at
            for r in self.doors[k].between:
                for j in self.by_room.get(r, ()):
                    if j not in dist:
                        heapq.heappush(heap, (d + math.dist(here, self.doors[j].at), j, k))
        return dist, prev

    def rooms_on_paths(self, ds: dict[int, float], prev: dict[int, int], room: str, at: Point) -> set[str]:
        """Rooms on the door paths from ``ds``'s origin (with predecessors ``prev``) to ``at`` in
        ``room`` that are within the slack of the shortest: each path's doors and both their rooms."""
        ends = {k: ds[k] + math.dist(at, self.doors[k].at) for k in self.by_room.get(room, ()) if k in ds}
        out = {room}
        if not ends:
            return out
        bound = min(ends.values()) * SLACK + SLACK_M
        for k, v in ends.items():
            if v <= bound:
                out |= self.chain(prev, k)
        return out

    def chain(self, prev: dict[int, int], k: int) -> set[str]:
        """The rooms of door ``k`` and of every door before it on its shortest path."""
        out: set[str] = set()
        while k != -1:
            out.update(r for r in self.doors[k].between if r != vocab.OUTSIDE)
            k = prev[k]
        return out

    def patient_rooms_near(self, room: str, at: Point) -> tuple[set[str], list[str]]:
        """The rooms on the door paths to the nearest patient rooms (by door path), and those rooms."""
        kinds = {r.id: r.kind for r in self.layout.rooms}
        if kinds.get(room) == "patient_room":
            return {room}, [room]
        cands: dict[str, tuple[float, int]] = {}
        limit = math.inf
        dist: dict[int, float] = {}
        prev: dict[int, int] = {}
        heap = [(math.dist(at, self.doors[k].at), k, -1) for k in self.by_room.get(room, [])]
        heapq.heapify(heap)
        while heap:
            d, k, p = heapq.heappop(heap)
            if k in dist:
                continue
            if d > limit:
                break
            dist[k], prev[k] = d, p
            here = self.doors[k].at
            for r in self.doors[k].between:
                if kinds.get(r) == "patient_room":
                    v = d + math.dist(here, self.centre(r))
                    if r not in cands or v < cands[r][0]:
                        cands[r] = (v, k)
                    if len(cands) >= PATIENT_CANDIDATES:
                        limit = sorted(v for v, _k in cands.values())[PATIENT_CANDIDATES - 1]
                for j in self.by_room.get(r, ()):
                    if j not in dist:
                        heapq.heappush(heap, (d + math.dist(here, self.doors[j].at), j, k))
        best = sorted(cands, key=lambda r: (cands[r][0], r))[:PATIENT_CANDIDATES]
        rooms = {room}
        for r in best:
            rooms.add(r)
            rooms |= self.chain(prev, cands[r][1])
        return rooms, best


def _sub_layout(layout: Layout, rooms: set[str]) -> Layout:
    """The part of ``layout`` made of ``rooms``: their doors (those to other rooms left out) and items."""
    keep = [r for r in layout.rooms if r.id in rooms]
    doors = tuple(d for d in layout.doors if all(x in rooms or x == vocab.OUTSIDE for x in d.between))
    items = tuple(i for i in layout.items if i.room in rooms)
    return replace(layout, rooms=tuple(keep), doors=doors, items=items)


def measure(layout: Layout, points: Mapping[str, tuple[str, Point]]) -> dict[str, Walk]:
    """:class:`Walk` of each item id in ``points`` (id -> (its room, its position, m)) in
    ``layout``, whose items must include them. Ids that cannot be measured (the ward does not
    compile, or the item has no walkable place) get a Walk of Nones."""
    from wardtwin.model.compiled import compile_ward

    if not points:
        return {}
    lay = layout
    entrance = lay.ward.entrance
    none = Walk(None, None, None)
    if entrance not in lay.room_by_id:
        return {k: none for k in points}
    graph = _DoorGraph(lay)
    patient_for: dict[str, list[str]] = {}
    if len(lay.rooms) <= FULL_COMPILE_ROOMS:
        sub = lay
        patients = sorted(r.id for r in lay.rooms if r.kind == "patient_room")
        patient_for = {k: patients for k in points}
    else:
        ds, prev = graph.dijkstra(entrance, graph.centre(entrance))
        rooms = {entrance}
        for k, (room, at) in points.items():
            if room not in lay.room_by_id:
                continue
            rooms |= graph.rooms_on_paths(ds, prev, room, at)
            near, patient_for[k] = graph.patient_rooms_near(room, at)
            rooms |= near
        sub = _sub_layout(lay, rooms)
    try:
        model = compile_ward(sub)
    except (WardtwinError, ValueError, ArithmeticError, ShapelyError):  # geometry that does not compile
        return {k: none for k in points}
    start = model.place(entrance)
    out = {}
    for k in points:
        if k not in model.item_by_id:
            out[k] = none
            continue
        it = model.item_by_id[k]
        p = it.access if it.access is not None else it.front
        from_entrance = _finite(model.distance(start, p))
        best_room, best = None, math.inf
        cands = [r for r in patient_for.get(k, []) if r in model.rooms]
        anchors = {r: model.place(r) for r in cands}
        for r in sorted(cands, key=lambda r: (math.dist(p, anchors[r]), r)):
            if math.dist(p, anchors[r]) > best:
                break
            d = model.distance(p, anchors[r])
            if d < best - 1e-9:
                best_room, best = r, d
        out[k] = Walk(from_entrance, best_room, _finite(best) if best_room else None)
    return out
