"""The navigation mesh: a constrained Delaunay triangulation of the walkable area, and exact
shortest walking paths over it.

Paths are found with Polyanya (Cui, Harabor & Grastien, IJCAI 2017): an A* search over
*intervals* of triangle edges, each seen from a *root* (the start or a corner the path turns
at). It is the triangle-corridor A* and the funnel (string-pulling) algorithm fused into one
search, so it picks the best corridor as well as the best path inside it: lengths are those of
the exact visibility graph, without building one. Two prunings keep it fast: a corner is
expanded only from its best-known distance (root-level pruning), and a triangle edge that is a
bridge of the mesh (the doorway of a room with one door, an alcove) is crossed only toward the
goal. Lengths in metres.

Points outside the walkable area are snapped to the nearest walkable point (see
:meth:`NavMesh.snap`); points in different connected parts of the area have no path
(:meth:`NavMesh.find_path` returns None).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import MultiPolygon, Point as ShapelyPoint, Polygon
from shapely.strtree import STRtree

from wardtwin.errors import UsageError

Point = tuple[float, float]
#: The search's record of a root (the start or a corner a path turns at): x, y (m), its vertex
#: (-1: the start), the walked distance to it (m) and the root it is reached from.
_Root = tuple[float, float, int, float, "_Root | None"]
#: Per triangle edge: None, or ``(lo, hi, inside)`` (see :func:`_bridges`).
_Gate = tuple[int, int, bool] | None

#: Distances (m) below this are zero for the search's geometric tests.
EPS = 1e-9
#: Parameters along an edge within this of 0 or 1 are its end vertices.
_PEPS = 1e-9


@dataclass(frozen=True, eq=False)
class NavMesh:
    """A triangle mesh over a walkable area (m). Build with :func:`build_navmesh`.

    ``triangles`` index ``vertices`` counter-clockwise; ``neighbors[t, k]`` is the triangle
    across edge ``k`` (from corner ``k`` to corner ``k+1``), -1 on the area's boundary.
    ``component[t]`` labels the connected part of the area a triangle belongs to; ``corner[v]``
    marks vertices where a shortest path may turn (reflex corners of the area). Arrays are
    read-only.
    """

    area: Polygon | MultiPolygon
    vertices: np.ndarray
    triangles: np.ndarray
    neighbors: np.ndarray
    component: np.ndarray
    corner: np.ndarray

    @property
    def n_triangles(self) -> int:
        return int(self.triangles.shape[0])

    @property
    def n_vertices(self) -> int:
        return int(self.vertices.shape[0])

    @cached_property
    def n_components(self) -> int:
        return int(self.component.max()) + 1 if self.component.size else 0

    @cached_property
    def component_areas(self) -> np.ndarray:
        """Walkable area (m²) of each connected component."""
        tri = self.vertices[self.triangles]
        a = 0.5 * np.abs(_cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]))
        return np.bincount(self.component, weights=a, minlength=self.n_components)

    @cached_property
    def _search(self) -> "_Search":
        """The path search's lists, built on the first path asked for (a planner's ``check``
        asks for none)."""
        return _Search(self.vertices, self.triangles, self.neighbors, self.component, self.corner)

    @cached_property
    def triangle_polygons(self) -> np.ndarray:
        """Each triangle as a shapely polygon (an object array, in triangle order)."""
        polys: np.ndarray = shapely.polygons(self.vertices[self.triangles])
        return polys

    @cached_property
    def _tree(self) -> STRtree:
        return STRtree(self.triangle_polygons)

    def locate(self, points: Any) -> np.ndarray:
        """Index of a triangle containing each point (on an edge: one of its triangles), or -1
        for points outside the walkable area. ``points``: (n, 2) array-like, m."""
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
        out = np.full(len(pts), -1, dtype=np.int64)
        if not len(pts) or not self.n_triangles:
            return out
        geoms = shapely.points(pts)
        src, tri = self._tree.query(geoms, predicate="intersects")
        # lowest triangle index first, so the answer does not depend on the tree's order
        order = np.lexsort((tri, src))
        src, tri = src[order], tri[order]
        first = np.unique(src, return_index=True)[1]
        out[src[first]] = tri[first]
        return out

    def snap(self, p: Point) -> tuple[Point, int]:
        """The walkable point nearest to ``p`` and its triangle: ``p`` itself when it is in the
        walkable area (or within :data:`EPS` of it), else its nearest point on the area's
        boundary (ties: lowest triangle index). Raises UsageError when the mesh is empty."""
        if not self.n_triangles:
            raise UsageError("the walkable area is empty: no point can be reached")
        p = (float(p[0]), float(p[1]))
        t = int(self.locate([p])[0])
        if t >= 0:
            return p, t
        g = ShapelyPoint(p)
        cand = np.sort(self._tree.query_nearest(g, all_matches=True))
        t = int(cand[0])
        tri = Polygon(self.vertices[self.triangles[t]])
        if tri.distance(g) <= EPS:  # on the boundary but for rounding: keep it as it is
            return p, t
        q = shapely.ops.nearest_points(tri, g)[0]
        return (float(q.x), float(q.y)), t

    def snap_many(self, points: Any) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`snap` for an (n, 2) array of points: ``(points, triangles)``."""
        pts = np.array(points, dtype=float).reshape(-1, 2)
        tris = self.locate(pts)
        for k in np.flatnonzero(tris < 0):
            q, t = self.snap(tuple(pts[k]))
            pts[k], tris[k] = q, t
        return pts, tris

    def find_path(self, start: Point, goal: Point) -> tuple[tuple[Point, ...], float] | None:
        """Shortest walking path between two points, as ``(corners, length_m)``; both points
        are first snapped into the walkable area (:meth:`snap`). The corners start and end at
        the snapped points. None when they lie in different connected parts of the area."""
        s, ts = self.snap(start)
        g, tg = self.snap(goal)
        return self._search.run(s, ts, g, tg)


def build_navmesh(area: Polygon | MultiPolygon, strip_coords: int | None = None) -> NavMesh:
    """Triangulate a walkable area (``shapely.constrained_delaunay_triangles``, no extra
    vertices) and derive triangle adjacency, connected components and turning corners.

    An area of more than 2 x ``strip_coords`` corners (default :data:`STRIP_COORDS`: a floor of
    thousands of rooms) is cut into strips of about ``strip_coords`` corners across its longer
    side and each strip triangulated on its own (the triangulation's cost grows faster than its
    size): extra vertices then sit where the strip lines cross the area's outline, shortest
    paths are the same. Should the strips not join up (one mesh component per part of the
    area), the area is triangulated whole."""
    area = shapely.orient_polygons(area) if not area.is_empty else area
    if area.is_empty:
        empty2 = np.zeros((0, 2))
        empty3 = np.zeros((0, 3), dtype=np.int64)
        return _freeze(NavMesh(area, empty2, empty3, empty3.copy(), np.zeros(0, np.int64),
                               np.zeros(0, bool)))
    strips = _strips(area, STRIP_COORDS if strip_coords is None else strip_coords)
    mesh = _mesh(area, strips if strips is not None else area)
    if strips is not None and mesh.n_components != len(_polygons(area)):
        mesh = _mesh(area, area)
    return _freeze(mesh)


#: Corners per strip when a large walkable area is triangulated in strips (see build_navmesh).
STRIP_COORDS = 5_000


def _polygons(area: Polygon | MultiPolygon) -> list[Polygon]:
    return [area] if area.geom_type == "Polygon" else list(area.geoms)


def _strips(area: Polygon | MultiPolygon, per_strip: int) -> np.ndarray | None:
    """The area cut into strips of about ``per_strip`` corners across its longer side (an
    array of geometries), or None when it is small, or a strip is not a valid polygon. The
    cut lines pass between corners, never through one."""
    n = int(shapely.get_num_coordinates(area))
    if per_strip <= 0 or n <= 2 * per_strip:
        return None
    x0, y0, x1, y1 = area.bounds
    axis = 0 if x1 - x0 >= y1 - y0 else 1
    vals = np.unique(shapely.get_coordinates(area)[:, axis])
    k = -(-n // per_strip)
    at = np.unique(np.clip((np.arange(1, k) * len(vals)) // k, 1, len(vals) - 1))
    cuts = (vals[at - 1] + vals[at]) / 2
    cuts = cuts[(cuts > vals[at - 1]) & (cuts < vals[at])]
    if not len(cuts):
        return None
    lo, hi = (x0, x1) if axis == 0 else (y0, y1)
    ends = [lo - 1.0, *cuts.tolist(), hi + 1.0]
    pieces = []
    for a, b in zip(ends, ends[1:]):
        piece = (shapely.clip_by_rect(area, a, y0 - 1.0, b, y1 + 1.0) if axis == 0
                 else shapely.clip_by_rect(area, x0 - 1.0, a, x1 + 1.0, b))
        if not piece.is_empty:
            pieces.append(piece)
    geoms = np.array(pieces, dtype=object)
    if not shapely.is_valid(geoms).all() or not set(shapely.get_type_id(geoms).tolist()) <= {3, 6}:
        return None
    oriented: np.ndarray = shapely.orient_polygons(geoms)
    return oriented


def _mesh(area: Polygon | MultiPolygon, parts: Polygon | MultiPolygon | np.ndarray) -> NavMesh:
    """The mesh of ``area`` from the triangulation of ``parts`` (the area, or its strips)."""
    tris = shapely.constrained_delaunay_triangles(parts)
    # each triangle's closed ring, in the collections' order (no holes: 4 coordinates each)
    coords = shapely.get_coordinates(tris).reshape(-1, 4, 2)[:, :3, :]
    vertices, inverse = _unique_points(coords.reshape(-1, 2))
    triangles = inverse.reshape(-1, 3)
    # counter-clockwise corners
    p = vertices[triangles]
    cross = _cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    flip = cross < 0
    triangles[flip] = triangles[flip][:, ::-1]
    triangles = triangles[cross != 0] if np.any(cross == 0) else triangles
    # a deterministic order: by lowest-left centroid
    cen = vertices[triangles].mean(axis=1)
    order = np.lexsort((cen[:, 1], cen[:, 0]))
    triangles = triangles[order]
    neighbors = _adjacency(triangles, len(vertices))
    component = _components(neighbors)
    corner = _corners(area, vertices)
    return NavMesh(area, vertices, triangles, neighbors, component, corner)


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """z of the cross product of 2D vectors (rows)."""
    z: np.ndarray = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    return z


def _freeze(mesh: NavMesh) -> NavMesh:
    for a in (mesh.vertices, mesh.triangles, mesh.neighbors, mesh.component, mesh.corner):
        a.setflags(write=False)
    return mesh


def _adjacency(triangles: np.ndarray, n_vertices: int) -> np.ndarray:
    """``neighbors[t, k]``: the triangle sharing edge k of t (-1 when none)."""
    m = len(triangles)
    a = triangles
    b = np.roll(triangles, -1, axis=1)
    lo, hi = np.minimum(a, b).ravel(), np.maximum(a, b).ravel()
    key = lo * np.int64(n_vertices) + hi
    order = np.argsort(key, kind="stable")
    ks = key[order]
    same = np.flatnonzero(ks[1:] == ks[:-1])
    neighbors = np.full(m * 3, -1, dtype=np.int64)
    e1, e2 = order[same], order[same + 1]
    neighbors[e1] = e2 // 3
    neighbors[e2] = e1 // 3
    return neighbors.reshape(m, 3)


def _unique_points(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(vertices, inverse)``: the distinct rows of an (n, 2) array sorted by x then y, and
    the index of each row among them (what ``np.unique(pts, axis=0, return_inverse=True)``
    gives, without its slow sort of structured rows)."""
    if not len(pts):
        return pts.reshape(0, 2), np.zeros(0, dtype=np.int64)
    order = np.lexsort((pts[:, 1], pts[:, 0]))
    s = pts[order]
    new = np.empty(len(s), dtype=bool)
    new[0] = True
    new[1:] = (s[1:, 0] != s[:-1, 0]) | (s[1:, 1] != s[:-1, 1])
    inverse = np.empty(len(s), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return s[new], inverse


def _components(neighbors: np.ndarray) -> np.ndarray:
    """Connected-component label of every triangle (labels in order of first triangle).

    Vectorised union-find: each round hooks every tree's root under the smallest root it has
    an edge to, then compresses paths until every triangle points at its root; the root of a
    component ends up its lowest triangle index."""
    m = len(neighbors)
    if not m:
        return np.zeros(0, dtype=np.int64)
    t, k = np.nonzero(neighbors > np.arange(m)[:, None])  # each shared edge once
    u, v = t, neighbors[t, k]
    parent = np.arange(m, dtype=np.int64)
    while len(u):
        pu, pv = parent[u], parent[v]
        differ = pu != pv
        if not differ.any():
            break
        u, v, pu, pv = u[differ], v[differ], pu[differ], pv[differ]
        np.minimum.at(parent, np.maximum(pu, pv), np.minimum(pu, pv))
        while True:
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up
    roots = np.flatnonzero(parent == np.arange(m))  # ascending: in order of first triangle
    label = np.empty(m, dtype=np.int64)
    label[roots] = np.arange(len(roots))
    return label[parent]


def _corners(area: Polygon | MultiPolygon, vertices: np.ndarray) -> np.ndarray:
    """Vertices where the area's boundary turns into the walkable side (reflex corners), and
    vertices where two boundary rings touch: the only places a shortest path bends."""
    corner = np.zeros(len(vertices), dtype=bool)
    seen = np.zeros(len(vertices), dtype=np.int64)
    polys = [area] if area.geom_type == "Polygon" else list(area.geoms)
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            c = np.asarray(ring.coords)[:-1]
            if len(c) < 3:
                continue
            prev, nxt = np.roll(c, 1, axis=0), np.roll(c, -1, axis=0)
            turn = _cross(c - prev, nxt - c)  # walkable side on the left: right turns are reflex
            idx = _vertex_ids(vertices, c)
            ok = idx >= 0
            corner[idx[ok & (turn < 0)]] = True
            np.add.at(seen, idx[ok], 1)
    corner |= seen > 1
    return corner


def _as_complex(pts: np.ndarray) -> np.ndarray:
    """(n, 2) points as complex numbers ``x + iy`` (exact)."""
    out = np.empty(len(pts), dtype=complex)
    out.real, out.imag = pts[:, 0], pts[:, 1]
    return out


def _vertex_ids(vertices: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Indices of ``pts`` in the lexicographically sorted ``vertices`` (-1 when absent)."""
    view, q = _as_complex(vertices), _as_complex(pts)  # complex numbers sort by x, then y
    i = np.searchsorted(view, q)
    i = np.clip(i, 0, len(view) - 1)
    return np.where(view[i] == q, i, -1)


class _Search:
    """Polyanya over a triangle mesh. Holds plain Python lists for speed; no state between
    calls."""

    def __init__(self, vertices: np.ndarray, triangles: np.ndarray, neighbors: np.ndarray, component: np.ndarray,
                 corner: np.ndarray):
        self.xy: list[tuple[float, float]] = [tuple(v) for v in vertices.tolist()]
        self.tri: list[tuple[int, int, int]] = [tuple(t) for t in triangles.tolist()]
        self.nb: list[tuple[int, int, int]] = [tuple(n) for n in neighbors.tolist()]
        self.comp: list[int] = component.tolist()
        self.corner: list[bool] = corner.tolist()
        # index of the shared edge in the neighbour's numbering
        back: list[tuple[int, ...]] = []
        for t, ns in enumerate(self.nb):
            row: list[int] = []
            for u in ns:
                row.append(self.nb[u].index(t) if u >= 0 else -1)
            back.append(tuple(row))
        self.back = back
        self.disc, self.gate = _bridges(self.nb)

    @classmethod
    def empty(cls) -> "_Search":
        return cls(np.zeros((0, 2)), np.zeros((0, 3), np.int64), np.zeros((0, 3), np.int64),
                   np.zeros(0, np.int64), np.zeros(0, bool))

    def run(self, s: Point, ts: int, g: Point, tg: int) -> tuple[tuple[Point, ...], float] | None:
        sx, sy = s
        gx, gy = g
        if ts == tg:
            return ((s, g), math.hypot(gx - sx, gy - sy))
        if self.comp[ts] != self.comp[tg]:
            return None
        xy, tri, nb, back, gate, corner = self.xy, self.tri, self.nb, self.back, self.gate, self.corner
        gd = self.disc[tg]
        hypot = math.hypot
        heap: list[tuple[Any, ...]] = []
        push = heapq.heappush
        pop = heapq.heappop
        root_g: dict[int, float] = {}
        count = 0

        def h(rx: float, ry: float, ax: float, ay: float, bx: float, by: float) -> float:
            """Least |r p| + |p g| over p in the interval [a, b]."""
            ex, ey = bx - ax, by - ay
            tx, ty = gx, gy
            sg = ex * (ty - ay) - ey * (tx - ax)
            sr = ex * (ry - ay) - ey * (rx - ax)
            if sg * sr > 0:  # goal on the root's side: mirror it across the interval's line
                l2 = ex * ex + ey * ey
                k = 2.0 * sg / l2
                tx, ty = tx + k * ey, ty - k * ex
            dx, dy = tx - rx, ty - ry
            oa = dx * (ay - ry) - dy * (ax - rx)
            ob = dx * (by - ry) - dy * (bx - rx)
            if oa * ob <= 0:
                return hypot(dx, dy)
            return min(hypot(ax - rx, ay - ry) + hypot(tx - ax, ty - ay),
                       hypot(bx - rx, by - ry) + hypot(tx - bx, ty - by))

        # root record: (x, y, vertex or -1, g, parent record)
        start: _Root = (sx, sy, -1, 0.0, None)
        for k in range(3):
            q = nb[ts][k]
            if q < 0:
                continue
            gt = gate[ts][k]
            if gt is not None and (gt[0] <= gd < gt[1]) != gt[2]:
                continue
            j = back[ts][k]
            va, vb = tri[q][j], tri[q][(j + 1) % 3]
            (ax, ay), (bx, by) = xy[va], xy[vb]
            count += 1
            push(heap, (h(sx, sy, ax, ay, bx, by), count, start, ax, ay, bx, by, va, vb, q, j))

        while heap:
            node = pop(heap)
            root = node[2]
            if node[9] < 0:  # the goal
                pts: list[Point] = [(gx, gy)]
                r: _Root | None = root
                while r is not None:
                    pts.append((r[0], r[1]))
                    r = r[4]
                pts.reverse()
                return (tuple(pts), node[0])
            _f, _c, root, ax, ay, bx, by, va, vb, P, k = node
            rx, ry, rv, rg, _parent = root
            if rv >= 0 and rg > root_g[rv] + EPS:
                continue  # a better way to this corner was found after this node was queued
            tp = tri[P]
            i1, i2 = (k + 1) % 3, (k + 2) % 3
            vk, vk1, vw = tp[k], tp[i1], tp[i2]
            (pkx, pky), (p1x, p1y), (wx, wy) = xy[vk], xy[vk1], xy[vw]
            # is the root on the line of the entry edge? then all of P is in view
            ex, ey = p1x - pkx, p1y - pky
            elen = hypot(ex, ey)
            collinear = abs(ex * (ry - pky) - ey * (rx - pkx)) <= EPS * elen
            succ: list[tuple[_Root, float, float, float, float, int, int, int]] = []  # (root, a, b, va, vb, edge index in P)
            if collinear:
                if P == tg:
                    to_goal = rg + hypot(gx - rx, gy - ry)
                    count += 1
                    push(heap, (to_goal, count, root, 0, 0, 0, 0, -1, -1, -1, -1))
                succ.append((root, wx, wy, p1x, p1y, vw, vk1, i1))
                succ.append((root, pkx, pky, wx, wy, vk, vw, i2))
            else:
                # where the rays from the root through b (right) and a (left) leave P, as a
                # parameter along the far boundary p_k+1 -> w (0..1) -> p_k (1..2)
                R = _hit(rx, ry, bx, by, p1x, p1y, wx, wy, pkx, pky)
                L = _hit(rx, ry, ax, ay, p1x, p1y, wx, wy, pkx, pky)
                if L < R:
                    L = R
                if P == tg:
                    # which side of the rays the goal is on (on a ray, to within EPS m: in view)
                    cb = (bx - rx) * (gy - ry) - (by - ry) * (gx - rx)
                    ca = (ax - rx) * (gy - ry) - (ay - ry) * (gx - rx)
                    if abs(cb) <= EPS * hypot(bx - rx, by - ry):
                        cb = 0.0
                    if abs(ca) <= EPS * hypot(ax - rx, ay - ry):
                        ca = 0.0
                    fin: tuple[float, _Root] | None = None
                    if cb >= 0 and ca <= 0:
                        fin = (rg + hypot(gx - rx, gy - ry), root)
                    elif cb < 0 and vb >= 0 and corner[vb]:
                        gb = rg + hypot(bx - rx, by - ry)
                        fin = (gb + hypot(gx - bx, gy - by), (bx, by, vb, gb, root))
                    elif ca > 0 and va >= 0 and corner[va]:
                        ga = rg + hypot(ax - rx, ay - ry)
                        fin = (ga + hypot(gx - ax, gy - ay), (ax, ay, va, ga, root))
                    if fin is not None:
                        count += 1
                        push(heap, (fin[0], count, fin[1], 0, 0, 0, 0, -1, -1, -1, -1))

                def at(t: float) -> tuple[float, float]:
                    if t <= 1.0:
                        if t == 0.0 or t == 1.0:
                            return (p1x, p1y) if t == 0.0 else (wx, wy)
                        return p1x + t * (wx - p1x), p1y + t * (wy - p1y)
                    if t == 2.0:
                        return pkx, pky
                    t -= 1.0
                    return wx + t * (pkx - wx), wy + t * (pky - wy)

                # in view of the root
                if R < 1.0:
                    hi = L if L < 1.0 else 1.0
                    if hi > R:
                        (cx, cy), (dx, dy) = at(hi), at(R)
                        succ.append((root, cx, cy, dx, dy, vw if hi == 1.0 else -1, vk1 if R == 0.0 else -1, i1))
                if L > 1.0:
                    lo = R if R > 1.0 else 1.0
                    if L > lo:
                        (cx, cy), (dx, dy) = at(L), at(lo)
                        succ.append((root, cx, cy, dx, dy, vk if L == 2.0 else -1, vw if lo == 1.0 else -1, i2))
                # around the right end b, out of the root's view
                if R > 0.0 and vb >= 0 and corner[vb]:
                    gb = rg + hypot(bx - rx, by - ry)
                    old = root_g.get(vb)
                    if old is None or gb <= old + EPS:
                        if old is None or gb < old:
                            root_g[vb] = gb
                        rb = (bx, by, vb, gb, root)
                        hi = R if R < 1.0 else 1.0
                        cx, cy = at(hi)
                        succ.append((rb, cx, cy, p1x, p1y, vw if hi == 1.0 else -1, vk1, i1))
                        if R > 1.0:
                            cx, cy = at(R)
                            succ.append((rb, cx, cy, wx, wy, -1 if R < 2.0 else vk, vw, i2))
                # around the left end a
                if L < 2.0 and va >= 0 and corner[va]:
                    ga = rg + hypot(ax - rx, ay - ry)
                    old = root_g.get(va)
                    if old is None or ga <= old + EPS:
                        if old is None or ga < old:
                            root_g[va] = ga
                        ra = (ax, ay, va, ga, root)
                        if L < 1.0:
                            cx, cy = at(L)
                            succ.append((ra, wx, wy, cx, cy, vw, -1 if L > 0.0 else vk1, i1))
                        lo = L if L > 1.0 else 1.0
                        cx, cy = at(lo)
                        succ.append((ra, pkx, pky, cx, cy, vk, vw if lo == 1.0 else -1, i2))
            for sroot, cx, cy, dx, dy, sa, sb, e in succ:
                Q = nb[P][e]
                if Q < 0:
                    continue
                gt = gate[P][e]
                if gt is not None and (gt[0] <= gd < gt[1]) != gt[2]:
                    continue  # a dead-end part of the mesh without the goal
                srx, sry = sroot[0], sroot[1]
                # an interval seen edge-on is only usable when the root is on it
                lx, ly = cx - dx, cy - dy
                ln = hypot(lx, ly)
                if ln <= EPS:
                    continue
                if abs(lx * (sry - dy) - ly * (srx - dx)) <= EPS * ln:
                    tt = ((srx - dx) * lx + (sry - dy) * ly) / (ln * ln)
                    if tt < -EPS or tt > 1 + EPS:
                        continue
                count += 1
                push(heap, (sroot[3] + h(srx, sry, cx, cy, dx, dy), count, sroot, cx, cy, dx, dy, sa, sb, Q, back[P][e]))
        return None


def _bridges(nb: list[tuple[int, int, int]]) -> tuple[list[int], list[tuple[_Gate, ...]]]:
    """Bridges of the triangle adjacency graph: edges whose crossing leads into a part of the
    mesh that can only be left the same way (a room with one door, an alcove). A shortest path
    crosses such an edge only toward the goal. Returns DFS discovery numbers and, per triangle
    edge, None or ``(lo, hi, inside)``: crossing is useful only when the goal's discovery number
    lies in ``[lo, hi)`` (``inside``) or outside it (not ``inside``)."""
    m = len(nb)
    disc, low, parent, size = [-1] * m, [0] * m, [-1] * m, [1] * m
    clock = 0
    for root in range(m):
        if disc[root] >= 0:
            continue
        disc[root] = low[root] = clock
        clock += 1
        stack = [[root, 0]]
        while stack:
            top = stack[-1]
            t, i = top
            if i < 3:
                top[1] = i + 1
                u = nb[t][i]
                if u < 0 or u == parent[t]:
                    continue
                if disc[u] < 0:
                    parent[u] = t
                    disc[u] = low[u] = clock
                    clock += 1
                    stack.append([u, 0])
                elif disc[u] < low[t]:
                    low[t] = disc[u]
            else:
                stack.pop()
                p = parent[t]
                if p >= 0:
                    if low[t] < low[p]:
                        low[p] = low[t]
                    size[p] += size[t]
    gate: list[tuple[_Gate, ...]] = []
    for t in range(m):
        row: list[_Gate] = []
        for u in nb[t]:
            if u >= 0 and parent[u] == t and low[u] > disc[t]:
                row.append((disc[u], disc[u] + size[u], True))
            elif u >= 0 and parent[t] == u and low[t] > disc[u]:
                row.append((disc[t], disc[t] + size[t], False))
            else:
                row.append(None)
        gate.append(tuple(row))
    return disc, gate


def _hit(rx: float, ry: float, qx: float, qy: float, p1x: float, p1y: float, wx: float, wy: float, pkx: float,
         pky: float) -> float:
    """Where the ray from r through q (a point on the entry edge) leaves the triangle, as a
    parameter along its far boundary p1 -> w (0..1) -> pk (1..2)."""
    dx, dy = qx - rx, qy - ry
    ow = dx * (wy - ry) - dy * (wx - rx)
    if abs(ow) <= EPS * math.hypot(dx, dy):  # the ray passes through w (to within EPS m)
        return 1.0
    if ow > 0:  # w left of the ray: it leaves through p1 -> w
        den = dx * (wy - p1y) - dy * (wx - p1x)
        if den == 0:
            return 0.0
        s = (dx * (ry - p1y) - dy * (rx - p1x)) / den
        return 0.0 if s <= _PEPS else (1.0 if s >= 1 - _PEPS else s)
    if ow < 0:
        den = dx * (pky - wy) - dy * (pkx - wx)
        if den == 0:
            return 2.0
        s = (dx * (ry - wy) - dy * (rx - wx)) / den
        return 1.0 if s <= _PEPS else (2.0 if s >= 1 - _PEPS else 1.0 + s)
    raise ValueError(f"a ray through ({qx}, {qy}) from ({rx}, {ry}): not a finite direction")
