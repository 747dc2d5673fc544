"""Walking-distance fields: the walking distance from every point of the walkable area to
the nearest of a set of targets (fire extinguishers, exits, crash carts...), computed once per
target kind and shared by the rules and the map.

The field lives on a square grid of :data:`CELL` metres anchored at the plan's origin (so
adding floor or targets never moves it): a cell is a node when its centre is in the walkable
area, and a node links to its 16 neighbours (the 8 around it and the 8 a knight's move away)
when the cells the step passes over are walkable too. A multi-source Dijkstra search from the
targets gives each node its distance. Every grid path is a path a person can walk, so a value
is never shorter than the true shortest walk; 16 directions make it at most about 2.7% longer
on open floor (plus up to one cell where a path hugs a corner). Pure and deterministic: the
same model and targets give the same field.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field as dc_field
from typing import Sequence

import numpy as np
import shapely

#: Grid cell size, m.
CELL = 0.25
#: Cells link to the portals of their mesh triangle within this distance (m).
PORTAL_REACH = 0.8
#: Targets seed the nodes within this distance of them (m), by straight line.
SEED_RADIUS = 0.55

#: (dx, dy) of each step, and the cells it passes over (relative to the start) that must be walkable.
_STEPS = []
for _dx, _dy, _over in (
    (1, 0, ()), (0, 1, ()), (1, 1, ((1, 0), (0, 1))), (1, -1, ((1, 0), (0, -1))),
    (2, 1, ((1, 0), (1, 1))), (1, 2, ((0, 1), (1, 1))), (2, -1, ((1, 0), (1, -1))), (1, -2, ((0, -1), (1, -1))),
):
    _STEPS.append((_dx, _dy, _over))
    _STEPS.append((-_dx, -_dy, tuple((-a, -b) for a, b in _over)))


@dataclass(frozen=True, eq=False)
class Grid:
    """The walkable area as grid cells: ``inside[iy, ix]`` for the cell whose centre is at
    ``(x0 + (ix + 0.5) * cell, y0 + (iy + 0.5) * cell)``; ``room[iy, ix]`` the index into
    ``room_ids`` of the room holding the centre (-1: none)."""

    x0: float
    y0: float
    cell: float
    inside: np.ndarray
    room: np.ndarray
    room_ids: tuple[str, ...]
    masks: list = dc_field(repr=False)  # per flat cell: bitmask of usable steps (padded grid)
    pad: int = 2
    #: the navigation mesh's portals (triangle edges between two triangles) as extra nodes, so
    #: that floor narrower than a cell (a gap beside a cart, a bay's mouth) still links up:
    #: their midpoints, each node's links ``(node, m)`` (grid cells by padded flat index,
    #: portals by ``n_cells + k``), each cell's links to the portals of its triangle, and each
    #: triangle's portals.
    portal_xy: np.ndarray = dc_field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    portal_links: list = dc_field(default_factory=list, repr=False)
    cell_links: dict = dc_field(default_factory=dict, repr=False)
    tri_portals: np.ndarray = dc_field(default_factory=lambda: np.zeros((0, 3), np.int64), repr=False)
    mesh: object = dc_field(default=None, repr=False)

    @property
    def n_cells(self) -> int:
        ny, nx = self.shape
        return (ny + 2 * self.pad) * (nx + 2 * self.pad)

    @property
    def shape(self) -> tuple[int, int]:
        return self.inside.shape

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        ny, nx = self.shape
        xs = self.x0 + (np.arange(nx) + 0.5) * self.cell
        ys = self.y0 + (np.arange(ny) + 0.5) * self.cell
        return np.meshgrid(xs, ys)

    def cell_of(self, p) -> tuple[int, int]:
        return int(math.floor((p[1] - self.y0) / self.cell)), int(math.floor((p[0] - self.x0) / self.cell))

    def centre(self, iy: int, ix: int) -> tuple[float, float]:
        return (self.x0 + (ix + 0.5) * self.cell, self.y0 + (iy + 0.5) * self.cell)


def build_grid(model, cell: float = CELL) -> Grid:
    """The grid of ``model``'s walkable area (see the module's doc)."""
    walk = model.walkable
    rooms = model.rooms
    if walk.is_empty:
        z = np.zeros((0, 0), bool)
        return Grid(0.0, 0.0, cell, z, np.zeros((0, 0), np.int32), tuple(rooms), [])
    minx, miny, maxx, maxy = walk.bounds
    ix0, iy0 = math.floor(minx / cell), math.floor(miny / cell)
    ix1, iy1 = math.ceil(maxx / cell), math.ceil(maxy / cell)
    x0, y0 = ix0 * cell, iy0 * cell
    nx, ny = ix1 - ix0, iy1 - iy0
    xs = x0 + (np.arange(nx) + 0.5) * cell
    ys = y0 + (np.arange(ny) + 0.5) * cell
    X, Y = np.meshgrid(xs, ys)
    shapely.prepare(walk)
    inside = shapely.contains_xy(walk, X, Y)
    room = np.full((ny, nx), -1, dtype=np.int32)
    ids = tuple(rooms)
    for k in range(len(ids) - 1, -1, -1):  # the room written first wins on a shared line
        poly = rooms[ids[k]]
        bx0, by0, bx1, by1 = poly.bounds
        cx0, cx1 = max(0, int((bx0 - x0) / cell) - 1), min(nx, int((bx1 - x0) / cell) + 2)
        cy0, cy1 = max(0, int((by0 - y0) / cell) - 1), min(ny, int((by1 - y0) / cell) + 2)
        if cx0 >= cx1 or cy0 >= cy1:
            continue
        sub = shapely.contains_xy(poly, X[cy0:cy1, cx0:cx1], Y[cy0:cy1, cx0:cx1])
        room[cy0:cy1, cx0:cx1][sub] = k
    # usable steps per cell, on a grid padded by 2 so that no step leaves the array
    P = 2
    pin = np.zeros((ny + 2 * P, nx + 2 * P), dtype=bool)
    pin[P:P + ny, P:P + nx] = inside
    mask = np.zeros(pin.shape, dtype=np.int64)
    H, W = pin.shape

    def shifted(dx, dy):
        out = np.zeros_like(pin)
        out[max(0, -dy):H - max(0, dy), max(0, -dx):W - max(0, dx)] = \
            pin[max(0, dy):H - max(0, -dy), max(0, dx):W - max(0, -dx)]
        return out

    for k, (dx, dy, over) in enumerate(_STEPS):
        ok = pin & shifted(dx, dy)
        for ax, ay in over:
            ok &= shifted(ax, ay)
        mask[ok] |= 1 << k
    portal_xy, portal_links, cell_links, tri_portals = _portals(model.mesh, inside, X, Y, P, nx + 2 * P,
                                                               (ny + 2 * P) * (nx + 2 * P))
    return Grid(x0, y0, cell, inside, room, ids, mask.ravel().tolist(), P, portal_xy, portal_links, cell_links,
                tri_portals, model.mesh)


def _portals(mesh, inside, X, Y, P: int, W: int, n_cells: int):
    """The mesh's portals as nodes: each links to the other portals of its two triangles and to
    the cells whose centres lie in them (a triangle is convex: every such segment is walkable)."""
    T = mesh.n_triangles
    tri_portals = np.full((T, 3), -1, dtype=np.int64)
    if not T:
        return np.zeros((0, 2)), [], {}, tri_portals
    nb = mesh.neighbors
    t_idx, k_idx = np.nonzero((nb >= 0) & (nb > np.arange(T)[:, None]))
    K = len(t_idx)
    a = mesh.triangles[t_idx, k_idx]
    b = mesh.triangles[t_idx, (k_idx + 1) % 3]
    xy = (mesh.vertices[a] + mesh.vertices[b]) / 2
    tri_portals[t_idx, k_idx] = np.arange(K)
    other = nb[t_idx, k_idx]
    # the same edge seen from the other triangle
    for k in range(3):
        sel = np.flatnonzero(np.isin(other, np.arange(T)))
        match = mesh.neighbors[other[sel], k] == t_idx[sel]
        tri_portals[other[sel][match], k] = sel[match]
    links: list[list] = [[] for _ in range(K)]
    tp = tri_portals.tolist()
    xyl = xy.tolist()
    for t in range(T):
        ps = [p for p in tp[t] if p >= 0]
        for i in ps:
            for j in ps:
                if i != j:
                    links[i].append((n_cells + j, math.dist(xyl[i], xyl[j])))
    iy, ix = np.nonzero(inside)
    cx, cy = X[iy, ix], Y[iy, ix]
    tri = mesh.locate(np.column_stack([cx, cy])) if len(cx) else np.zeros(0, np.int64)
    cell_links: dict = {}
    flat = ((iy + P) * W + ix + P).tolist()
    for col in range(3):
        ok = tri >= 0
        pk = np.where(ok, tri_portals[np.where(ok, tri, 0), col], -1)
        sel = np.flatnonzero(pk >= 0)
        w = np.hypot(xy[pk[sel], 0] - cx[sel], xy[pk[sel], 1] - cy[sel])
        near = w <= PORTAL_REACH  # only cells near a portal need it; the grid links the rest
        sel, w = sel[near], w[near]
        for u, k, d in zip([flat[i] for i in sel.tolist()], pk[sel].tolist(), w.tolist()):
            cell_links.setdefault(u, []).append((n_cells + k, d))
            links[k].append((u, d))
    return xy, [tuple(x) for x in links], {u: tuple(v) for u, v in cell_links.items()}, tri_portals


@dataclass(frozen=True, eq=False)
class Field:
    """Walking distance (m) from each grid cell to the nearest target (``inf``: none can be
    walked to); ``owner[iy, ix]`` the index of that target in ``targets`` (-1: none)."""

    kind: str
    grid: Grid
    values: np.ndarray
    owner: np.ndarray
    targets: tuple[str, ...]  # names of the targets (item or door ids)
    points: tuple[tuple[float, float], ...]
    portal_values: np.ndarray = dc_field(default_factory=lambda: np.zeros(0), repr=False)
    portal_owner: np.ndarray = dc_field(default_factory=lambda: np.zeros(0, np.int64), repr=False)

    def at(self, p) -> tuple[float, int]:
        """``(distance, target index)`` at a point: the best of the cells within two cells of
        it plus the straight step from the cell's centre (``(inf, -1)`` when none)."""
        g = self.grid
        iy, ix = g.cell_of(p)
        best, who = math.inf, -1
        ny, nx = g.shape
        for jy in range(max(0, iy - 2), min(ny, iy + 3)):
            for jx in range(max(0, ix - 2), min(nx, ix + 3)):
                v = self.values[jy, jx]
                if math.isfinite(v):
                    c = g.centre(jy, jx)
                    d = v + math.hypot(c[0] - p[0], c[1] - p[1])
                    if d < best:
                        best, who = d, int(self.owner[jy, jx])
        if g.mesh is not None and g.mesh.n_triangles and len(self.portal_values):
            q, t = g.mesh.snap(p)
            for k in g.tri_portals[t]:
                if k >= 0 and math.isfinite(self.portal_values[k]):
                    d = self.portal_values[k] + math.dist(g.portal_xy[k], q) + math.dist(q, p)
                    if d < best:
                        best, who = d, int(self.portal_owner[k])
        return best, who

    def worst(self, where: np.ndarray | None = None):
        """``(distance, (x, y), target index)`` of the farthest cell that a target can be
        walked to (among ``where``'s cells when given); None when there is none. Ties: the
        lowest row, then column (south-west first)."""
        vals = np.where(np.isfinite(self.values), self.values, -1.0)
        if where is not None:
            vals = np.where(where, vals, -1.0)
        k = int(np.argmax(vals))
        iy, ix = divmod(k, vals.shape[1]) if vals.size else (0, 0)
        if not vals.size or vals[iy, ix] < 0:
            return None
        return float(vals[iy, ix]), self.grid.centre(iy, ix), int(self.owner[iy, ix])


def distance_field(grid: Grid, kind: str, targets: Sequence[tuple[str, tuple[float, float]]]) -> Field:
    """The :class:`Field` of walking distance to the nearest of ``targets`` (``(name,
    point)``, points in or next to the walkable area)."""
    ny, nx = grid.shape
    P = grid.pad
    W = nx + 2 * P
    n = (ny + 2 * P) * W
    inf = math.inf
    K = len(grid.portal_links)
    dist = [inf] * (n + K)
    owner = [-1] * (n + K)
    heap = []
    inside = grid.inside
    r = SEED_RADIUS
    for t, (_name, p) in enumerate(targets):
        iy, ix = grid.cell_of(p)
        span = int(math.ceil(r / grid.cell)) + 1
        seeded = False
        for reach in (r, 2 * r):  # a target in a tight spot seeds a little farther out
            for jy in range(iy - span * (2 if reach > r else 1), iy + span * (2 if reach > r else 1) + 1):
                for jx in range(ix - span * (2 if reach > r else 1), ix + span * (2 if reach > r else 1) + 1):
                    if 0 <= jy < ny and 0 <= jx < nx and inside[jy, jx]:
                        c = grid.centre(jy, jx)
                        d = math.hypot(c[0] - p[0], c[1] - p[1])
                        if d <= reach:
                            u = (jy + P) * W + jx + P
                            seeded = True
                            if d < dist[u]:
                                dist[u], owner[u] = d, t
                                heapq.heappush(heap, (d, u))
            if seeded:
                break
        if grid.mesh is not None and grid.mesh.n_triangles:  # and the portals of its triangle
            q, tri = grid.mesh.snap(p)
            for k in grid.tri_portals[tri]:
                if k >= 0:
                    d = math.dist(q, grid.portal_xy[k]) + math.dist(q, p)
                    if d < dist[n + k]:
                        dist[n + k], owner[n + k] = d, t
                        heapq.heappush(heap, (d, n + k))
    steps = [(dy * W + dx, math.hypot(dx, dy) * grid.cell) for dx, dy, _o in _STEPS]
    table: dict[int, tuple] = {}
    masks = grid.masks
    plinks, clinks = grid.portal_links, grid.cell_links
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        d, u = pop(heap)
        if d > dist[u]:
            continue
        o = owner[u]
        if u >= n:  # a portal
            for v, w in plinks[u - n]:
                nd = d + w
                if nd < dist[v]:
                    dist[v] = nd
                    owner[v] = o
                    push(heap, (nd, v))
            continue
        m = masks[u]
        moves = table.get(m)
        if moves is None:
            moves = table[m] = tuple(s for k, s in enumerate(steps) if m >> k & 1)
        for off, w in moves:
            v = u + off
            nd = d + w
            if nd < dist[v]:
                dist[v] = nd
                owner[v] = o
                push(heap, (nd, v))
        extra = clinks.get(u)
        if extra:
            for v, w in extra:
                nd = d + w
                if nd < dist[v]:
                    dist[v] = nd
                    owner[v] = o
                    push(heap, (nd, v))
    pv, po = np.array(dist[n:], dtype=float), np.array(owner[n:], dtype=np.int64)
    vals = np.array(dist[:n], dtype=float).reshape(ny + 2 * P, W)[P:P + ny, P:P + nx]
    own = np.array(owner[:n], dtype=np.int64).reshape(ny + 2 * P, W)[P:P + ny, P:P + nx]
    vals = np.where(inside, vals, math.inf)
    vals.setflags(write=False)
    own.setflags(write=False)
    return Field(kind, grid, vals, own, tuple(n for n, _p in targets), tuple(p for _n, p in targets), pv, po)
