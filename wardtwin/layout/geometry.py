"""Geometry derived from a layout: walls from room polygons, door openings on walls, item
footprints. Pure functions over plain data (shapely and numpy only), used by validation, the
2D map and the compiled model alike.

Room polygons run along wall centre lines, so a wall is a stretch of room edge: shared by two
rooms (interior) or belonging to one room only (exterior). Lengths in metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry import Point as ShapelyPoint
from shapely.ops import polylabel
from shapely.strtree import STRtree

from wardtwin.gcpause import gc_paused
from wardtwin.layout.model import Door, Point, Room

#: Vertices closer than this (m) are the same point when walls are derived.
SNAP = 1e-3

#: A straight piece of wall line from one point to another (m).
Segment = tuple[Point, Point]


@dataclass(frozen=True)
class Wall:
    """A straight wall along a centre line from ``start`` to ``end`` (m).

    ``left`` is the room on the left looking from start to end; ``right`` the room on the other
    side, or None for an exterior wall.
    """

    start: Point
    end: Point
    left: str
    right: str | None

    @property
    def length(self) -> float:
        return math.dist(self.start, self.end)

    @property
    def direction(self) -> tuple[float, float]:
        """Unit vector from start to end."""
        (x0, y0), (x1, y1) = self.start, self.end
        n = self.length or 1.0
        return ((x1 - x0) / n, (y1 - y0) / n)

    @property
    def rooms(self) -> frozenset[str | None]:
        return frozenset((self.left, self.right))

    def point_at(self, t: float) -> Point:
        """The point ``t`` metres from ``start`` along the wall."""
        dx, dy = self.direction
        return (self.start[0] + dx * t, self.start[1] + dy * t)

    def project(self, p: Point) -> tuple[float, float]:
        """``(t, d)``: distance along the wall of p's foot, and p's distance from the line."""
        dx, dy = self.direction
        vx, vy = p[0] - self.start[0], p[1] - self.start[1]
        return (vx * dx + vy * dy, abs(vx * dy - vy * dx))


@dataclass(frozen=True)
class Opening:
    """A door's opening in a wall: from ``t0`` to ``t1`` metres along ``walls[wall]``."""

    door: str
    wall: int
    t0: float
    t1: float


@dataclass(frozen=True)
class DoorProblem:
    """Why a door could not be placed. ``code`` is a finding code."""

    door: str
    code: str
    message: str


def ring(points: Sequence[Point]) -> list[Point]:
    """A polygon's vertices counter-clockwise, without repeats or a closing copy."""
    pts: list[Point] = []
    for p in points:
        p = (float(p[0]), float(p[1]))
        if not pts or math.dist(p, pts[-1]) > SNAP / 10:
            pts.append(p)
    if len(pts) > 1 and math.dist(pts[0], pts[-1]) <= SNAP / 10:
        pts.pop()
    area2 = sum(pts[i][0] * pts[i - 1][1] - pts[i - 1][0] * pts[i][1] for i in range(len(pts)))
    return pts[::-1] if area2 > 0 else pts  # area2 > 0 means clockwise with this sign


def room_polygon(room: Room) -> Polygon:
    """The room's outline as a shapely polygon (possibly invalid: check ``is_valid``)."""
    pts = ring(room.polygon)
    return Polygon(pts) if len(pts) >= 3 else Polygon()


def room_polygons(rooms: Sequence[Room]) -> list[Polygon]:
    """:func:`room_polygon` of each room, the polygons made in one call."""
    rings = [ring(r.polygon) for r in rooms]
    out = [Polygon()] * len(rings)
    good = [k for k, pts in enumerate(rings) if len(pts) >= 3]
    if good:
        sizes = [len(rings[k]) for k in good]
        coords = np.array([p for k in good for p in rings[k]], dtype=float)
        shells = shapely.linearrings(coords, indices=np.repeat(np.arange(len(good)), sizes))
        for k, poly in zip(good, shapely.polygons(shells).tolist()):
            out[k] = poly
    return out


class _Snapper:
    """Maps every point to the first point seen within :data:`SNAP` of it, so that corners
    two rooms share (however each wrote them) become the very same coordinates. A point met
    again maps to what it mapped to the first time."""

    def __init__(self) -> None:
        self.grid: dict[tuple[int, int], list[tuple[float, float]]] = {}
        self.seen: dict[tuple[float, float], tuple[float, float]] = {}

    def __call__(self, point: Sequence[float]) -> tuple[float, float]:
        p = (float(point[0]), float(point[1]))
        q = self.seen.get(p)
        if q is not None:
            return q
        ix, iy = math.floor(p[0] / SNAP), math.floor(p[1] / SNAP)
        grid = self.grid
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for q in grid.get((ix + dx, iy + dy), ()):
                    if math.dist(p, q) <= SNAP:
                        self.seen[p] = q
                        return q
        grid.setdefault((ix, iy), []).append(p)
        self.seen[p] = p
        return p


def _near_corners(allv: np.ndarray, e_p: np.ndarray, e_q: np.ndarray,
                  edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(edge, corner)`` index pairs: for each edge in ``edges`` (from ``allv[e_p]`` to
    ``allv[e_q]``), a superset of the corners within :data:`SNAP` of it. Horizontal and
    vertical edges (most of a ward's) look the corners up in sorted arrays; others ask an
    STRtree of the corners."""
    p, q = allv[e_p[edges]], allv[e_q[edges]]
    out_e: list[np.ndarray] = []
    out_v: list[np.ndarray] = []
    rest = np.ones(len(edges), dtype=bool)
    for along in (0, 1):  # 0: horizontal edges (equal y), 1: vertical edges (equal x)
        across = 1 - along
        sel = np.flatnonzero(rest & (p[:, across] == q[:, across]))
        if not len(sel):
            continue
        rest[sel] = False
        # corners by (band of width 2 SNAP across the edge, position along it)
        band = np.floor(allv[:, across] / (2 * SNAP))
        keys = band + 1j * allv[:, along]
        order = np.argsort(keys, kind="stable")
        skeys = keys[order]
        eb = np.floor(p[sel, across] / (2 * SNAP))
        lo_a = np.minimum(p[sel, along], q[sel, along]) - SNAP
        hi_a = np.maximum(p[sel, along], q[sel, along]) + SNAP
        for db in (-1.0, 0.0, 1.0):
            lo = np.searchsorted(skeys, (eb + db) + 1j * lo_a, side="left")
            hi = np.searchsorted(skeys, (eb + db) + 1j * hi_a, side="right")
            n = hi - lo
            if not n.sum():
                continue
            out_e.append(np.repeat(edges[sel], n))
            start = np.repeat(lo - np.cumsum(n) + n, n)
            out_v.append(order[start + np.arange(n.sum())])
    if rest.any():
        sel = edges[rest]
        lines = shapely.linestrings(np.stack([allv[e_p[sel]], allv[e_q[sel]]], axis=1))
        ei, vi = STRtree(shapely.points(allv)).query(lines, predicate="dwithin", distance=2 * SNAP)
        out_e.append(sel[ei])
        out_v.append(vi)
    if not out_e:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_e), np.concatenate(out_v)


@gc_paused
def derive_walls(rooms: Iterable[Room]) -> tuple[Wall, ...]:
    """Walls from room outlines: every stretch of edge shared by two rooms is one interior
    wall, every stretch owned by one room an exterior wall. Collinear neighbouring pieces
    between the same rooms are merged. Deterministic: sorted by room ids then position.

    Near-linear: each edge is tested only against the corners near it (found in sorted
    arrays, or an STRtree for slanted edges), not against every corner of the ward."""
    snap = _Snapper()
    rings = [(r.id, [snap(p) for p in ring(r.polygon)]) for r in rooms]
    rings = [(rid, pts) for rid, pts in rings if len(pts) >= 2]
    if not rings:
        return ()
    verts = [p for _, pts in rings for p in pts]
    allv = np.array(verts, dtype=float)
    sizes = np.array([len(pts) for _, pts in rings])
    base = np.repeat(np.cumsum(sizes) - sizes, sizes)
    # every edge: its ring, start and end (index into verts), in ring order
    e_ring = np.repeat(np.arange(len(rings)), sizes)
    e_p = np.arange(len(verts))
    k = e_p - base
    e_q = base + (k + 1) % np.repeat(sizes, sizes)
    owner = e_ring
    d = allv[e_q] - allv[e_p]
    length = np.hypot(d[:, 0], d[:, 1])
    real = length > SNAP
    u = np.zeros_like(d)
    u[real] = d[real] / length[real][:, None]
    # the corners near each edge (a superset of those within SNAP of its line)
    edges = np.flatnonzero(real)
    ei, vi = _near_corners(allv, e_p, e_q, edges)
    rel = allv[vi] - allv[e_p[ei]]
    t = rel[:, 0] * u[ei, 0] + rel[:, 1] * u[ei, 1]
    off = np.abs(rel[:, 0] * u[ei, 1] - rel[:, 1] * u[ei, 0])
    hit = (owner[vi] != e_ring[ei]) & (off <= SNAP) & (t > SNAP) & (t < length[ei] - SNAP)
    ei, vi, t = ei[hit], vi[hit], t[hit]
    # in order along each edge (equal positions: in corner order)
    order = np.lexsort((vi, t, ei))
    ei, vi = ei[order], vi[order]
    lo = np.searchsorted(ei, np.arange(len(e_ring)), side="left").tolist()
    hi = np.searchsorted(ei, np.arange(len(e_ring)), side="right").tolist()
    corners = vi.tolist()
    ring_of, p_of, q_of = e_ring.tolist(), e_p.tolist(), e_q.tolist()
    dist = math.dist
    pieces: dict[Segment, list[tuple[str, Point, Point]]] = {}
    for e in edges.tolist():
        rid = rings[ring_of[e]][0]
        p, q = verts[p_of[e]], verts[q_of[e]]
        stops: Sequence[Point]
        if lo[e] == hi[e]:  # no other room's corner on this edge: one piece
            stops = (p, q)
        else:  # cut at the other rooms' own corners (exact coordinates), in order along the edge
            cut = [p]
            for i in corners[lo[e]:hi[e]]:
                c = verts[i]
                if c != cut[-1]:
                    cut.append(c)
            cut.append(q)
            stops = cut
        for pa, pb in zip(stops, stops[1:]):
            if dist(pa, pb) <= SNAP:
                continue
            key = (pa, pb) if pa <= pb else (pb, pa)
            got = pieces.get(key)
            if got is None:
                pieces[key] = [(rid, pa, pb)]
            else:
                got.append((rid, pa, pb))
    # each piece goes to its owner of lowest id (in its direction); the other side is the
    # next distinct owner (None: an exterior wall)
    segments: dict[tuple[str, str | None], list[Segment]] = {}
    for owners in pieces.values():
        other: str | None = None
        if len(owners) == 1:
            rid, pa, pb = owners[0]
        elif len(owners) == 2:
            o0, o1 = owners
            if o1[0] < o0[0]:
                o0, o1 = o1, o0
            rid, pa, pb = o0
            if o1[0] != rid:
                other = o1[0]
        else:
            owners.sort(key=_first)
            rid, pa, pb = owners[0]
            for o in owners:
                if o[0] != rid:
                    other = o[0]
                    break
        segs_of = segments.get((rid, other))
        if segs_of is None:
            segments[(rid, other)] = [(pa, pb)]
        else:
            segs_of.append((pa, pb))
    walls: list[Wall] = []
    for _key, left, right, segs in sorted(((l, r or ""), l, r, segs) for (l, r), segs in segments.items()):
        walls.extend(Wall(a, b, left, right) for a, b in (segs if len(segs) == 1 else _merge(segs)))
    return tuple(walls)


def _first(o: tuple[str, Point, Point]) -> str:
    return o[0]


def _merge(segs: list[Segment]) -> list[Segment]:
    """Join segments that continue one another in the same direction."""
    by_start: dict[Point, list[Segment]] = {}
    for s in segs:
        by_start.setdefault(s[0], []).append(s)
    has_pred: set[int] = set()
    for a, b in segs:
        for nxt in by_start.get(b, []):
            if _collinear((a, b), nxt):
                has_pred.add(id(nxt))
    out: list[Segment] = []
    used: set[int] = set()
    for s in sorted(segs):
        if id(s) in has_pred or id(s) in used:
            continue
        used.add(id(s))
        a, b = s
        while True:
            follow = next((n for n in by_start.get(b, []) if id(n) not in used and _collinear((a, b), n)), None)
            if follow is None:
                break
            used.add(id(follow))
            b = follow[1]
        out.append((a, b))
    return out


def _collinear(s1: Segment, s2: Segment) -> bool:
    (ax, ay), (bx, by) = s1
    (cx, cy), (dx, dy) = s2
    u, v = (bx - ax, by - ay), (dx - cx, dy - cy)
    nu, nv = math.hypot(*u), math.hypot(*v)
    if nu == 0 or nv == 0:
        return False
    cross = (u[0] * v[1] - u[1] * v[0]) / (nu * nv)
    return abs(cross) < 1e-6 and (u[0] * v[0] + u[1] * v[1]) > 0


@gc_paused
def place_doors(doors: Iterable[Door], walls: Sequence[Wall], thickness: float,
                outside: str = "outside") -> tuple[tuple[Opening, ...], tuple[DoorProblem, ...]]:
    """Put each door's opening on the wall its two rooms share (an exterior wall of its room
    when the other side is ``outside``). A door's ``at`` may be up to half a wall thickness
    (plus 1 cm) off the centre line."""
    tol = thickness / 2 + 0.01
    by_pair: dict[frozenset[str | None], list[int]] = {}
    for i, w in enumerate(walls):
        by_pair.setdefault(w.rooms, []).append(i)
    openings: list[Opening] = []
    problems: list[DoorProblem] = []
    for door in doors:
        a, b = door.between
        pair = frozenset((a, None if b == outside else b))
        if a == outside:
            pair = frozenset((b, None))
        what = f"door {door.id} between {a} and {b}"
        candidates = by_pair.get(pair, [])
        if not candidates:
            why = (f"room {sorted(x for x in pair if x)[0]} has no exterior wall" if None in pair
                   else f"rooms {a} and {b} share no wall")
            problems.append(DoorProblem(door.id, "door-not-on-shared-wall", f"{what}: {why}; "
                                        "a door must sit on a wall its two rooms share (an exterior wall for a door to outside)"))
            continue

        def dist(i: int) -> float:
            w = walls[i]
            t, d = w.project(door.at)
            over = max(0.0, -t, t - w.length)
            return math.hypot(over, d)

        best = min(candidates, key=dist)
        w = walls[best]
        if dist(best) > tol:
            side = "an exterior wall of " + a if None in pair else f"the wall between {a} and {b}"
            problems.append(DoorProblem(door.id, "door-not-on-shared-wall",
                                        f"{what}: at ({door.at[0]:.2f}, {door.at[1]:.2f}) is {dist(best):.2f} m "
                                        f"from {side}; at most {tol:.2f} m expected"))
            continue
        t, _ = w.project(door.at)
        t0, t1 = t - door.width / 2, t + door.width / 2
        if door.width > w.length + SNAP:
            problems.append(DoorProblem(door.id, "door-wider-than-wall",
                                        f"{what}: {door.width:.2f} m wide, but its wall is {w.length:.2f} m long"))
            continue
        if t0 < -SNAP or t1 > w.length + SNAP:
            past = max(-t0, t1 - w.length)
            problems.append(DoorProblem(door.id, "door-past-wall-end",
                                        f"{what}: the {door.width:.2f} m opening centred at "
                                        f"({door.at[0]:.2f}, {door.at[1]:.2f}) runs {past:.2f} m past the end of its "
                                        f"{w.length:.2f} m wall; move it along the wall"))
            continue
        openings.append(Opening(door.id, best, float(max(0.0, t0)), float(min(w.length, t1))))
    return tuple(openings), tuple(problems)


def wall_band(wall: Wall, thickness: float, t0: float = 0.0, t1: float | None = None) -> Polygon:
    """The solid of a wall (or of the stretch t0..t1 of it) as a rectangle ``thickness`` wide."""
    t1 = wall.length if t1 is None else t1
    a, b = wall.point_at(t0), wall.point_at(t1)
    if math.dist(a, b) <= 0:
        return Polygon()
    return LineString([a, b]).buffer(thickness / 2, cap_style="flat")


def wall_solids(walls: Sequence[Wall], openings: Iterable[Opening], thickness: float,
                pieces: list[Segment] | None = None) -> list[Polygon]:
    """Every wall's solid with its door openings cut out (one polygon per remaining piece).
    The same polygons as :func:`wall_band` gives for each piece, buffered in one call.
    ``pieces``: the :func:`wall_pieces` when the caller has them (or a selection of them)."""
    return _bands(wall_pieces(walls, openings) if pieces is None else pieces, thickness)


def wall_solid_union(walls: Sequence[Wall], openings: Iterable[Opening], thickness: float,
                     pieces: list[Segment] | None = None) -> Polygon | MultiPolygon:
    """The union of :func:`wall_solids` (m): the same area, with horizontal and vertical pieces
    that continue one another on one line (the walls of a row of rooms, between doors) joined
    first, so that the union has about half as many solids to merge."""
    pieces = _join_straight(wall_pieces(walls, openings) if pieces is None else pieces)
    bands = [b for b in _bands(pieces, thickness) if not b.is_empty]
    return disjoint_groups_union(bands)


#: Fewest polygons :func:`disjoint_groups_union` groups; below it one ``union_all`` is as fast.
GROUPED_UNION_MIN = 64


def disjoint_groups_union(polygons: Sequence[Polygon]) -> Polygon | MultiPolygon:
    """The union of valid ``polygons`` (as ``shapely.union_all`` gives it, the same area),
    computed faster for many of them: they are dealt into groups in which no two touch (a
    greedy colouring of the touching pairs found with an STR tree), each group is already its
    own union (a valid MultiPolygon), and the few groups are merged in pairs. ``union_all``
    would merge them two at a time, about 15 levels of overlays over a floor's every edge for
    15,000 wall pieces; the walls of a grid of rooms fall into 3 groups."""
    if not polygons:
        return Polygon()
    if len(polygons) < GROUPED_UNION_MIN:
        return shapely.union_all(polygons)
    geoms = np.array(polygons, dtype=object)
    first, second = STRtree(geoms).query(geoms, predicate="intersects")
    below = first < second
    neighbours: list[list[int]] = [[] for _ in range(len(geoms))]
    for i, k in zip(first[below].tolist(), second[below].tolist()):
        neighbours[i].append(k)
        neighbours[k].append(i)
    colour = [-1] * len(geoms)
    for i, near in enumerate(neighbours):
        used = {colour[k] for k in near}
        c = 0
        while c in used:
            c += 1
        colour[i] = c
    colours = np.array(colour)
    groups: list[BaseGeometry] = [shapely.multipolygons(geoms[colours == c]) for c in range(int(colours.max()) + 1)]
    while len(groups) > 1:
        groups = [shapely.union(groups[k], groups[k + 1]) if k + 1 < len(groups) else groups[k]
                  for k in range(0, len(groups), 2)]
    out = groups[0]
    if isinstance(out, MultiPolygon) and len(out.geoms) == 1:
        return out.geoms[0]
    assert isinstance(out, (Polygon, MultiPolygon))
    return out


def _join_straight(ends: list[Segment]) -> list[Segment]:
    """``ends`` (``(a, b)`` segments) with the horizontal ones on one line (equal y) that touch
    or overlap joined into one segment, and the same for vertical ones (equal x); other
    segments as they are. The segments cover the same points as before."""
    out: list[Segment] = []
    lines: dict[tuple[int, float], list[tuple[float, float]]] = {}
    for a, b in ends:
        if a[1] == b[1] and a[0] != b[0]:
            lines.setdefault((0, a[1]), []).append((min(a[0], b[0]), max(a[0], b[0])))
        elif a[0] == b[0] and a[1] != b[1]:
            lines.setdefault((1, a[0]), []).append((min(a[1], b[1]), max(a[1], b[1])))
        else:
            out.append((a, b))
    for (axis, c), spans in lines.items():
        spans.sort()
        lo, hi = spans[0]
        for s0, s1 in spans[1:]:
            if s0 <= hi:
                hi = max(hi, s1)
                continue
            out.append(((lo, c), (hi, c)) if axis == 0 else ((c, lo), (c, hi)))
            lo, hi = s0, s1
        out.append(((lo, c), (hi, c)) if axis == 0 else ((c, lo), (c, hi)))
    return out


def wall_pieces(walls: Sequence[Wall], openings: Iterable[Opening]) -> list[Segment]:
    """``(start, end)`` of every stretch of wall left between door openings (m)."""
    cuts: dict[int, list[tuple[float, float]]] = {}
    for o in openings:
        cuts.setdefault(o.wall, []).append((o.t0, o.t1))
    ends: list[Segment] = []
    for i, w in enumerate(walls):
        (x0, y0), (x1, y1) = w.start, w.end
        length = math.dist(w.start, w.end)
        n = length or 1.0
        dx, dy = (x1 - x0) / n, (y1 - y0) / n  # as Wall.point_at computes them

        def at(t: float) -> Point:
            return (x0 + dx * t, y0 + dy * t)

        t = 0.0
        for t0, t1 in sorted(cuts.get(i, ())):
            if t0 - t > SNAP:
                ends.append((at(t), at(t0)))
            t = max(t, t1)
        if length - t > SNAP:
            ends.append((at(t), at(length)))
    return ends


def _bands(ends: Sequence[Segment], width: float) -> list[Polygon]:
    """The rectangle ``width`` wide along each ``(a, b)`` segment (as :func:`wall_band`
    makes it; empty for a segment of no length), buffered in one call."""
    out: list[Polygon] = [Polygon()] * len(ends)
    keep = [k for k, (a, b) in enumerate(ends) if math.dist(a, b) > 0]
    if keep:
        lines = shapely.linestrings(np.array([ends[k] for k in keep], dtype=float))
        bands = shapely.buffer(lines, width / 2, quad_segs=16, cap_style="flat").tolist()
        for k, band in zip(keep, bands):
            out[k] = band
    return out


def opening_polygons(walls: Sequence[Wall], openings: Sequence[Opening], depth: float) -> list[Polygon]:
    """:func:`opening_polygon` of each opening, made in one call."""
    return _bands([(walls[o.wall].point_at(o.t0), walls[o.wall].point_at(o.t1)) for o in openings], depth)


def opening_polygon(wall: Wall, opening: Opening, depth: float) -> Polygon:
    """The rectangle of an opening, ``depth`` metres across (centred on the wall line)."""
    return wall_band(wall, depth, opening.t0, opening.t1)


def footprint(at: Point, size: tuple[float, float], rotation_deg: float) -> Polygon:
    """An item's footprint: a ``size`` = (width, depth) rectangle centred at ``at``, turned
    ``rotation_deg`` counter-clockwise."""
    w, d = size[0] / 2, size[1] / 2
    r = math.radians(rotation_deg)
    c, s = math.cos(r), math.sin(r)
    return Polygon([(at[0] + x * c - y * s, at[1] + x * s + y * c) for x, y in ((-w, -d), (w, -d), (w, d), (-w, d))])


def back_midpoint(at: Point, size: tuple[float, float], rotation_deg: float) -> Point:
    """The middle of an item's back edge (its local -y side), where a wall item meets the wall."""
    r = math.radians(rotation_deg)
    return (at[0] + math.sin(r) * size[1] / 2, at[1] - math.cos(r) * size[1] / 2)


def narrow_parts(poly: Polygon, clear: float, min_area: float = 0.5) -> list[Polygon]:
    """The parts of ``poly`` that a disc of diameter ``clear`` (m) cannot reach: what a
    morphological opening (shrink by clear/2, grow back) removes, keeping pieces over
    ``min_area`` m². Empty when the whole polygon is at least ``clear`` wide."""
    opened = poly.buffer(-clear / 2, join_style="mitre").buffer(clear / 2, join_style="mitre")
    lost = poly.difference(opened)
    pieces = getattr(lost, "geoms", [lost])
    return [p for p in pieces if not p.is_empty and p.area > min_area]


def valid_reason(poly: Polygon) -> str | None:
    """None for a valid polygon, else a plain-words reason with its location."""
    if poly.is_empty:
        return "fewer than 3 distinct corners"
    if poly.is_valid:
        if poly.area < 0.25:
            return f"area {poly.area:.3f} m² is too small to be a room (at least 0.25 m²)"
        return None
    pts = np.asarray(poly.exterior.coords)
    d = pts - pts[0]
    span = d[np.argmax(np.hypot(d[:, 0], d[:, 1]))]
    if np.abs(d[:, 0] * span[1] - d[:, 1] * span[0]).max() <= 1e-9 * max(1.0, float(np.hypot(*span))):
        return "its corners lie on one line (it has no area)"
    reason: str = shapely.is_valid_reason(poly)
    if reason.startswith("Self-intersection") or reason.startswith("Ring Self-intersection"):
        loc = reason[reason.find("[") + 1:reason.find("]")].split()
        if len(loc) >= 2:
            return f"its edges cross at ({float(loc[0]):.2f}, {float(loc[1]):.2f})"
        return "its edges cross"
    if reason.startswith("Too few points"):
        return "fewer than 3 distinct corners"
    return reason


def label_point(poly: Polygon) -> ShapelyPoint:
    """A point to name a room at: the centroid when it sits well inside (long corridors), else
    the pole of inaccessibility (L-shaped rooms)."""
    pole = polylabel(poly, 0.05)
    c = poly.centroid
    if poly.contains(c) and poly.exterior.distance(c) >= 0.8 * poly.exterior.distance(pole):
        return c
    return pole


def overlap_area(a: Polygon | MultiPolygon, b: Polygon | MultiPolygon) -> float:
    """Area (m²) where ``a`` and ``b`` overlap by more than :data:`SNAP` across; thinner slivers
    (corners or faces within a millimetre) count as touching."""
    inter = a.intersection(b)
    if inter.is_empty or inter.area <= 0:
        return 0.0
    core = inter.buffer(-SNAP / 2, join_style="mitre")
    return inter.area if not core.is_empty else 0.0
