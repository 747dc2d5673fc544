"""Walking-distance fields: the walking distance from every point of the walkable area to
the nearest of a set of targets (fire extinguishers, exits, crash carts...), computed once per
target kind and shared by the rules and the map.

The field lives on a square grid of :data:`CELL` metres anchored at the plan's origin (so
adding floor or targets never moves it): a cell is a node when its centre is in the walkable
area, and a node links to its 16 neighbours (the 8 around it and the 8 a knight's move away)
when the cells the step passes over are walkable too. A multi-source Dijkstra search from the
targets (scipy's, over the grid's graph, built once per grid) gives each node its distance.
Every grid path is a path a person can walk, so a value is never shorter than the true
shortest walk; 16 directions make it at most about 2.7% longer on open floor (plus up to one
cell where a path hugs a corner). Pure and deterministic: the same model and targets give the
same field (where two targets are equally near, either may be named).
"""

from __future__ import annotations

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
    masks: np.ndarray = dc_field(repr=False)  # per flat cell: bitmask of usable steps (padded grid)
    pad: int = 2
    #: the navigation mesh's portals (triangle edges between two triangles) as extra nodes, so
    #: that floor narrower than a cell (a gap beside a cart, a bay's mouth) still links up:
    #: their midpoints, the extra links ``(from, to, length m)`` as three arrays, each link in
    #: both directions (grid cells by padded flat index, portals by ``n_cells + k``: portal to
    #: portal within a triangle, cell to the portals of its triangle), and each triangle's portals.
    portal_xy: np.ndarray = dc_field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    links: tuple = dc_field(default_factory=lambda: (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)),
                            repr=False)
    tri_portals: np.ndarray = dc_field(default_factory=lambda: np.zeros((0, 3), np.int64), repr=False)
    mesh: object = dc_field(default=None, repr=False)
    _cache: dict = dc_field(default_factory=dict, repr=False)

    @property
    def n_portals(self) -> int:
        return len(self.portal_xy)

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


def grid_cells(model, cell: float = CELL) -> int:
    """The number of cells (padded) of ``model``'s grid, without building it."""
    walk = model.walkable
    if walk.is_empty:
        return 0
    minx, miny, maxx, maxy = walk.bounds
    nx = math.ceil(maxx / cell) - math.floor(minx / cell)
    ny = math.ceil(maxy / cell) - math.floor(miny / cell)
    return (ny + 4) * (nx + 4)


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
    inside = inside_cells(walk, xs, ys)
    ids = tuple(rooms)
    room = _label_rooms([rooms[i] for i in ids], x0, y0, cell, xs, ys)
    # usable steps per cell, on a grid padded by 2 so that no step leaves the array
    P = 2
    mask = step_masks(inside, P, [(dx, dy, over) for dx, dy, over in _STEPS])
    portal_xy, links, tri_portals = _portals(model.mesh, inside, xs, ys, P, nx + 2 * P, (ny + 2 * P) * (nx + 2 * P))
    return Grid(x0, y0, cell, inside, room, ids, mask.ravel(), P, portal_xy, links, tri_portals, model.mesh)


def step_masks(inside: np.ndarray, pad: int, steps) -> np.ndarray:
    """Per cell of ``inside`` padded by ``pad`` cells on each side (uint16, ``[iy, ix]``): bit
    ``k`` set where step ``k`` ``(dx, dy, cells passed over)`` (at most 16, each at most
    ``pad`` cells long) starts and ends in ``inside`` and passes over walkable cells only."""
    ny, nx = inside.shape
    P = pad
    pin = np.zeros((ny + 2 * P, nx + 2 * P), dtype=bool)
    pin[P:P + ny, P:P + nx] = inside
    mask = np.zeros(pin.shape, dtype=np.uint16)
    core = mask[P:P + ny, P:P + nx]

    def at(dx, dy):  # pin of the cell (dx, dy) away from each cell of the core
        return pin[P + dy:P + dy + ny, P + dx:P + dx + nx]

    for k, (dx, dy, over) in enumerate(steps):
        ok = inside & at(dx, dy)
        for ax, ay in over:
            ok &= at(ax, ay)
        core |= ok.astype(np.uint16) << np.uint16(k)
    return mask


#: Cell centres this close (m) to a ring's crossing of their row, or rows this close to a
#: corner, are tested one by one (:func:`inside_cells`).
_EPS = 1e-7


def inside_cells(geom, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """``shapely.contains_xy(geom, X, Y)`` on the grid of centres ``xs`` x ``ys`` (ascending,
    m), by scanlines: along each row the rings' crossings toggle in and out (a crossing counts
    where the edge's lower end is at or below the row, its upper end above). Centres exactly on
    an upright edge (its crossings are exact) or on a level edge along their row are on the
    boundary (outside); those within :data:`_EPS` of a slanted edge's crossing, of a corner,
    or of a level edge just off their row are tested one by one.
    ``[iy, ix]``: True where the centre is inside (not on the boundary)."""
    ny, nx = len(ys), len(xs)
    X = Y = None
    if shapely.get_type_id(geom) not in (3, 6) or not nx or not ny:
        X, Y = np.meshgrid(xs, ys)
        shapely.prepare(geom)
        return shapely.contains_xy(geom, X, Y)
    rings = shapely.get_rings(shapely.get_parts(geom))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    ylo, yhi = np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1])
    r0, r1 = np.searchsorted(ys, ylo, side="left"), np.searchsorted(ys, yhi, side="left")
    cnt = np.maximum(r1 - r0, 0)
    seg = np.repeat(np.arange(len(a)), cnt)
    row = r0[seg] + (np.arange(len(seg)) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    ax, ay, bx, by = a[seg, 0], a[seg, 1], b[seg, 0], b[seg, 1]
    x = ax + (ys[row] - ay) * (bx - ax) / (by - ay)
    col = np.searchsorted(xs, x, side="right")  # the first centre past the crossing
    flips = np.bincount(row * (nx + 1) + col, minlength=ny * (nx + 1)).reshape(ny, nx + 1)
    inside = (np.cumsum(flips[:, :nx], axis=1) & 1).astype(bool)
    # on the boundary (exactly): centres on an upright edge (its crossings are exact) ...
    up = ax == bx
    on_r = [row[up]]
    on_lo, on_hi = [np.searchsorted(xs, x[up], side="left")], [np.searchsorted(xs, x[up], side="right")]
    # ... doubtful: centres within _EPS of a slanted edge's crossing ...
    sl = ~up
    d_r = [row[sl]]
    d_lo, d_hi = [np.searchsorted(xs, x[sl] - _EPS, side="left")], [np.searchsorted(xs, x[sl] + _EPS, side="right")]
    # ... on the boundary: centres on a level edge lying on their row; doubtful: centres near a
    # level edge within _EPS of their row (not on it), and centres within _EPS of a corner
    lvl = np.flatnonzero(a[:, 1] == b[:, 1])
    xlo, xhi = np.minimum(a[lvl, 0], b[lvl, 0]), np.maximum(a[lvl, 0], b[lvl, 0])
    for yy, x_lo, x_hi, level in ((a[lvl, 1], xlo, xhi, True), (a[:, 1], a[:, 0], a[:, 0], False),
                                  (b[:, 1], b[:, 0], b[:, 0], False)):
        r0 = np.searchsorted(ys, yy - _EPS, side="left")
        r1 = np.searchsorted(ys, yy + _EPS, side="right")
        k = np.flatnonzero(r1 > r0)
        n_rows = r1[k] - r0[k]
        kk = np.repeat(k, n_rows)
        rr = np.repeat(r0[k], n_rows) + (np.arange(len(kk)) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows))
        exact = (ys[rr] == yy[kk]) if level else np.zeros(len(kk), bool)
        on_r.append(rr[exact])
        on_lo.append(np.searchsorted(xs, x_lo[kk[exact]], side="left"))
        on_hi.append(np.searchsorted(xs, x_hi[kk[exact]], side="right"))
        d_r.append(rr[~exact])
        d_lo.append(np.searchsorted(xs, x_lo[kk[~exact]] - _EPS, side="left"))
        d_hi.append(np.searchsorted(xs, x_hi[kk[~exact]] + _EPS, side="right"))

    def spans(rows, lo, hi) -> np.ndarray:  # [iy, ix]: in any of the spans [lo, hi) of the rows
        rows, lo, hi = np.concatenate(rows), np.concatenate(lo), np.concatenate(hi)
        cover = np.zeros(ny * (nx + 1) + 1, dtype=np.int64)
        keep = hi > lo
        np.add.at(cover, rows[keep] * (nx + 1) + lo[keep], 1)
        np.add.at(cover, rows[keep] * (nx + 1) + hi[keep], -1)
        return np.cumsum(cover)[:-1].reshape(ny, nx + 1)[:, :nx] > 0

    on = spans(on_r, on_lo, on_hi)
    inside[on] = False
    doubt = spans(d_r, d_lo, d_hi) & ~on
    iy, ix = np.nonzero(doubt)
    if len(iy):
        shapely.prepare(geom)
        inside[iy, ix] = shapely.contains_xy(geom, xs[ix], ys[iy])
    return inside


def cell_triangles(mesh, xs: np.ndarray, ys: np.ndarray, want: np.ndarray) -> np.ndarray:
    """``mesh.locate`` of the centres ``xs`` x ``ys`` (ascending, m) where ``want`` (``[iy,
    ix]``; -1 elsewhere), by scanning each triangle row by row: a centre clearly inside one
    triangle (by more than :data:`_EPS`) is in it; the others (near an edge or a corner's row,
    or in no triangle) are located one by one."""
    ny, nx = len(ys), len(xs)
    out = np.full((ny, nx), -1, dtype=np.int32 if mesh.n_triangles < 2**31 else np.int64)
    T = mesh.n_triangles
    if T and ny and nx:
        V = mesh.vertices[mesh.triangles]  # (T, 3, 2)
        vy = V[:, :, 1]
        r0 = np.searchsorted(ys, vy.min(axis=1) + _EPS, side="right")
        r1 = np.searchsorted(ys, vy.max(axis=1) - _EPS, side="left")
        cnt = np.maximum(r1 - r0, 0)
        t = np.repeat(np.arange(T), cnt)
        row = r0[t] + (np.arange(len(t)) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        y = ys[row]
        near = np.zeros(len(t), dtype=bool)  # a row within _EPS of the triangle's middle corner
        xl, xr = np.full(len(t), np.inf), np.full(len(t), -np.inf)
        for e in range(3):
            a, b = V[t, e], V[t, (e + 1) % 3]
            near |= np.abs(y - a[:, 1]) <= _EPS
            lo, hi = np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1])
            ok = (lo <= y) & (y <= hi) & (hi > lo)
            with np.errstate(divide="ignore", invalid="ignore"):
                x = a[:, 0] + (y - a[:, 1]) * (b[:, 0] - a[:, 0]) / (b[:, 1] - a[:, 1])
            xl = np.where(ok, np.minimum(xl, x), xl)
            xr = np.where(ok, np.maximum(xr, x), xr)
        keep = ~near & np.isfinite(xl) & np.isfinite(xr)
        t, row, xl, xr = t[keep], row[keep], xl[keep], xr[keep]
        c0 = np.searchsorted(xs, xl + _EPS, side="right")
        c1 = np.searchsorted(xs, xr - _EPS, side="left")
        n = np.maximum(c1 - c0, 0)
        k = np.repeat(np.arange(len(t)), n)
        col = c0[k] + (np.arange(len(k)) - np.repeat(np.cumsum(n) - n, n))
        out[row[k], col] = t[k]
    iy, ix = np.nonzero(want & (out < 0))
    if len(iy):
        out[iy, ix] = mesh.locate(np.column_stack([xs[ix], ys[iy]]))
    out[~want] = -1
    return out


def _label_rooms(polys, x0: float, y0: float, cell: float, xs, ys) -> np.ndarray:
    """The index of the room holding each cell centre (``[iy, ix]`` of the centres ``xs`` x
    ``ys``; -1: none); the room listed first wins on a shared line. An axis-aligned rectangle
    holds the centres strictly inside it, filled by index ranges; other rooms test the centres
    of their bounding box."""
    room = np.full((len(ys), len(xs)), -1, dtype=np.int32)
    if not polys:
        return room
    geoms = np.asarray(polys, dtype=object)
    bounds = shapely.bounds(geoms)
    rect = ((shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)
            & (shapely.get_num_coordinates(geoms) == 5))
    # a rectangle: its four corners are the four corners of its bounding box
    corners = shapely.get_coordinates(geoms[rect]).reshape(-1, 5, 2)[:, :4]
    bb = bounds[rect][:, None, :]
    on_x0, on_x1 = corners[..., 0] == bb[..., 0], corners[..., 0] == bb[..., 2]
    on_y0, on_y1 = corners[..., 1] == bb[..., 1], corners[..., 1] == bb[..., 3]
    code = np.sort(on_x1 * 2 + on_y1, axis=1)
    good = ((on_x0 | on_x1) & (on_y0 | on_y1)).all(axis=1) & (code == np.arange(4)).all(axis=1)
    rect[np.flatnonzero(rect)[~good]] = False
    # rectangles: centres strictly inside
    rx0 = np.searchsorted(xs, bounds[:, 0], side="right")
    rx1 = np.searchsorted(xs, bounds[:, 2], side="left")
    ry0 = np.searchsorted(ys, bounds[:, 1], side="right")
    ry1 = np.searchsorted(ys, bounds[:, 3], side="left")
    nx, ny = len(xs), len(ys)
    for k in range(len(polys) - 1, -1, -1):  # the room written first wins on a shared line
        if rect[k]:
            if rx0[k] < rx1[k] and ry0[k] < ry1[k]:
                room[ry0[k]:ry1[k], rx0[k]:rx1[k]] = k
            continue
        bx0, by0, bx1, by1 = bounds[k]
        cx0, cx1 = max(0, int((bx0 - x0) / cell) - 1), min(nx, int((bx1 - x0) / cell) + 2)
        cy0, cy1 = max(0, int((by0 - y0) / cell) - 1), min(ny, int((by1 - y0) / cell) + 2)
        if cx0 >= cx1 or cy0 >= cy1:
            continue
        sub = shapely.contains_xy(polys[k], *np.meshgrid(xs[cx0:cx1], ys[cy0:cy1]))
        room[cy0:cy1, cx0:cx1][sub] = k
    return room


def _portals(mesh, inside, xs, ys, P: int, W: int, n_cells: int):
    """The mesh's portals as nodes: each links to the other portals of its two triangles and to
    the cells whose centres lie in them (a triangle is convex: every such segment is walkable).
    ``(midpoints, (from, to, length), triangle portals)``."""
    T = mesh.n_triangles
    tri_portals = np.full((T, 3), -1, dtype=np.int64)
    none = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if not T:
        return np.zeros((0, 2)), none, tri_portals
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
    us, vs, ws = [], [], []
    for ca in range(3):  # portal to portal within each triangle
        for cb in range(3):
            if ca != cb:
                sel = (tri_portals[:, ca] >= 0) & (tri_portals[:, cb] >= 0)
                i, j = tri_portals[sel, ca], tri_portals[sel, cb]
                us.append(n_cells + i)
                vs.append(n_cells + j)
                ws.append(np.hypot(xy[j, 0] - xy[i, 0], xy[j, 1] - xy[i, 1]))
    tri = cell_triangles(mesh, xs, ys, inside)
    iy, ix = np.nonzero(tri >= 0)  # the cells inside, in a triangle
    tp = tri_portals[tri[iy, ix]]
    del tri
    cx, cy = xs[ix], ys[iy]
    flat = (iy + P) * W + ix + P
    del iy, ix
    for col in range(3):
        pk = tp[:, col]
        sel = np.flatnonzero(pk >= 0)
        w = np.hypot(xy[pk[sel], 0] - cx[sel], xy[pk[sel], 1] - cy[sel])
        near = w <= PORTAL_REACH  # only cells near a portal need it; the grid links the rest
        sel, w = sel[near], w[near]
        us += [flat[sel], n_cells + pk[sel]]
        vs += [n_cells + pk[sel], flat[sel]]
        ws += [w, w]
    links = (np.concatenate(us).astype(np.int64), np.concatenate(vs).astype(np.int64), np.concatenate(ws))
    return xy, links, tri_portals


#: set bits of each 16-bit step mask
_POPCOUNT = np.array([bin(m).count("1") for m in range(1 << 16)], dtype=np.int64)


def step_graph(masks: np.ndarray, offsets, lengths, n: int, links=None, spare: int = 0, chunk: int = 1 << 14):
    """A graph as CSR arrays ``(indptr, indices, weights)`` (int32, int32, float64) over ``n``
    nodes, built in linear time: node ``u`` (< ``len(masks)``) steps to ``u + offsets[k]`` (of
    length ``lengths[k]``) where bit ``k`` of ``masks[u]`` is set (at most 16 steps, in ``k``
    order), then follows its ``links`` ``(from, to, length)`` (in their order). ``spare``
    unused slots at the end of ``indices`` and ``weights`` leave room for more rows (see
    :func:`distance_field`). The steps are written ``chunk`` nodes (with any step) at a time: a
    node's set bits pick its row out of the dense ``(node, step)`` table, around the slots of
    its links."""
    S = len(offsets)
    if S > 16:
        raise ValueError("at most 16 steps")
    m16 = (np.asarray(masks, dtype=np.int64).ravel() & ((1 << S) - 1)).astype("<u2")
    m = len(m16)
    steps = np.zeros(n, dtype=np.int64)
    steps[:m] = _POPCOUNT[m16]
    lu, lv, lw = links if links is not None else (np.zeros(0, np.int64),) * 2 + (np.zeros(0),)
    lu = np.asarray(lu, dtype=np.int64)
    L = len(lu)
    lcount = np.bincount(lu, minlength=n) if L else None
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(steps + lcount if L else steps, out=indptr[1:])
    E = int(indptr[-1])
    if E + spare >= 2**31 or n + max(map(abs, offsets), default=0) >= 2**31:
        raise MemoryError("the grid's graph is too large")
    indices = np.empty(E + spare, dtype=np.int32)
    weights = np.empty(E + spare, dtype=float)
    if L:  # each link's slot: after its node's steps, links of one node in their given order
        order = np.argsort(lu, kind="stable")
        su = lu[order]
        lpos = indptr[su] + steps[su] + (np.arange(L) - (np.cumsum(lcount) - lcount)[su])  # ascending
        del su, lcount
    B = 8 if S <= 8 else 16  # bits read per node
    off = np.zeros(B, dtype=np.int32)
    off[:S] = offsets
    wts = np.tile(np.concatenate([np.asarray(lengths, dtype=float), np.zeros(B - S)]), (min(chunk, m), 1))
    stepping = np.flatnonzero(m16)  # the nodes with any step
    for i in range(0, len(stepping), chunk):
        rows = stepping[i:i + chunk]
        lo, hi = int(indptr[rows[0]]), int(indptr[rows[-1] + 1])
        if B == 8:
            bits = np.unpackbits(m16[rows].astype(np.uint8)[:, None], axis=1, bitorder="little").view(bool)
        else:
            bits = np.unpackbits(m16[rows].view(np.uint8).reshape(-1, 2), axis=1, bitorder="little").view(bool)
        to = (rows.astype(np.int32)[:, None] + off)[bits]
        w = wts[:len(rows)][bits]
        k0, k1 = (int(np.searchsorted(lpos, lo)), int(np.searchsorted(lpos, hi))) if L else (0, 0)
        if k1 > k0:  # leave the links' slots free (the rows' own, and those of link-only rows between)
            free = np.ones(hi - lo, dtype=bool)
            free[lpos[k0:k1] - lo] = False
            indices[lo:hi][free] = to
            weights[lo:hi][free] = w
        else:
            indices[lo:hi] = to
            weights[lo:hi] = w
    if L:
        indices[lpos] = np.asarray(lv, dtype=np.int64)[order]
        weights[lpos] = np.asarray(lw, dtype=float)[order]
    return indptr.astype(np.int32), indices, weights


def _graph(grid: Grid, spare: int):
    """The grid's graph over its cells (padded flat index) and portals (``n_cells + k``), with
    at least ``spare`` free slots at the end (it grows when it has fewer); built once per grid:
    ``(indptr, indices, lengths m)``."""
    got = grid._cache.get("graph")
    if got is None:
        ny, nx = grid.shape
        W = nx + 2 * grid.pad
        offsets = [dy * W + dx for dx, dy, _o in _STEPS]
        lengths = [math.hypot(dx, dy) * grid.cell for dx, dy, _o in _STEPS]
        got = step_graph(grid.masks, offsets, lengths, grid.n_cells + grid.n_portals, grid.links, max(4096, 2 * spare))
    elif len(got[1]) - int(got[0][-1]) < spare:  # more room at the end
        more = spare + len(got[1])
        got = (got[0], np.concatenate([got[1], np.empty(more, np.int32)]), np.concatenate([got[2], np.empty(more)]))
    grid._cache["graph"] = got
    return got


def prepare_graph(grid: Grid, n_targets: int) -> None:
    """Build the grid's graph now, with room for the seeds of any ``n_targets`` targets (so
    that no later field grows it)."""
    span = int(math.ceil(SEED_RADIUS / grid.cell)) + 1
    _graph(grid, n_targets * ((4 * span + 1) ** 2 + 3))


def _seeds(grid: Grid, points: np.ndarray):
    """The targets' first links ``(target, node, length m)``: each target to the cells within
    :data:`SEED_RADIUS` of it by straight line (twice that when none is: a target in a tight
    spot), and to the portals of the mesh triangle it stands in (or is snapped to)."""
    ny, nx = grid.shape
    P = grid.pad
    W = nx + 2 * P
    T = len(points)
    r = SEED_RADIUS
    span = int(math.ceil(r / grid.cell)) + 1
    iy = np.floor((points[:, 1] - grid.y0) / grid.cell).astype(np.int64)
    ix = np.floor((points[:, 0] - grid.x0) / grid.cell).astype(np.int64)
    ts, nodes, ds = [], [], []
    todo = np.arange(T)
    for reach, m in ((r, 1), (2 * r, 2)):
        o = np.arange(-span * m, span * m + 1)
        oy, ox = [a.ravel() for a in np.meshgrid(o, o, indexing="ij")]
        jy, jx = iy[todo, None] + oy[None, :], ix[todo, None] + ox[None, :]
        ok = (jy >= 0) & (jy < ny) & (jx >= 0) & (jx < nx)
        ok[ok] = grid.inside[jy[ok], jx[ok]]
        cx = grid.x0 + (jx + 0.5) * grid.cell
        cy = grid.y0 + (jy + 0.5) * grid.cell
        d = np.hypot(cx - points[todo, 0, None], cy - points[todo, 1, None])
        ok &= d <= reach
        row, col = np.nonzero(ok)
        ts.append(todo[row])
        nodes.append((jy[row, col] + P) * W + jx[row, col] + P)
        ds.append(d[row, col])
        todo = todo[~ok.any(axis=1)]
        if not len(todo):
            break
    if grid.mesh is not None and grid.mesh.n_triangles and T:
        q, tri = grid.mesh.snap_many(points)
        off = np.hypot(q[:, 0] - points[:, 0], q[:, 1] - points[:, 1])
        for col in range(3):
            k = grid.tri_portals[tri, col]
            sel = np.flatnonzero(k >= 0)
            k = k[sel]
            ts.append(sel)
            nodes.append(grid.n_cells + k)
            ds.append(np.hypot(grid.portal_xy[k, 0] - q[sel, 0], grid.portal_xy[k, 1] - q[sel, 1]) + off[sel])
    return (np.concatenate(ts).astype(np.int64), np.concatenate(nodes).astype(np.int64),
            np.concatenate(ds).astype(float))


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
        if not vals.size:
            return None
        iy, ix = divmod(int(np.argmax(vals)), vals.shape[1])
        if vals[iy, ix] < 0:
            return None
        return float(vals[iy, ix]), self.grid.centre(iy, ix), int(self.owner[iy, ix])


def distance_field(grid: Grid, kind: str, targets: Sequence[tuple[str, tuple[float, float]]]) -> Field:
    """The :class:`Field` of walking distance to the nearest of ``targets`` (``(name,
    point)``, points in or next to the walkable area). Each target is a node of its own,
    linked to its seeds (see :func:`_seeds`); one Dijkstra search from all of them gives
    each node its distance and the target it came from."""
    from scipy.sparse import csr_matrix  # here: scipy takes a while to import
    from scipy.sparse.csgraph import dijkstra

    ny, nx = grid.shape
    P = grid.pad
    W = nx + 2 * P
    n, K, T = grid.n_cells, grid.n_portals, len(targets)
    N = n + K
    if not T:  # nothing to walk to: read-only views of one value, no memory per cell
        inf, none = np.array(math.inf), np.array(-1, dtype=np.int64)
        return Field(kind, grid, np.broadcast_to(inf, (ny, nx)), np.broadcast_to(none, (ny, nx)), (), (),
                     np.broadcast_to(inf, (K,)), np.broadcast_to(none, (K,)))
    points = np.array([[float(p[0]), float(p[1])] for _name, p in targets], dtype=float).reshape(-1, 2)
    t, node, d = _seeds(grid, points)
    indptr, indices, lengths = _graph(grid, len(t))
    E = int(indptr[-1])
    order = np.argsort(t, kind="stable")
    indices[E:E + len(t)] = node[order]  # the targets' rows, in the spare slots
    lengths[E:E + len(t)] = d[order]
    top = np.concatenate([indptr, E + np.cumsum(np.bincount(t, minlength=T))]).astype(np.int32)
    g = csr_matrix((lengths[:E + len(t)], indices[:E + len(t)], top), shape=(N + T, N + T), copy=False)
    got, _pred, src = dijkstra(g, directed=True, indices=np.arange(N, N + T), return_predecessors=True,
                               min_only=True)
    del _pred, g
    dist = got[:N]
    src = src[:N]
    owner = np.where((src >= N) & np.isfinite(dist), src.astype(np.int64) - N, -1)
    del src
    pv, po = dist[n:].copy(), owner[n:].copy()
    vals = dist[:n].reshape(ny + 2 * P, W)[P:P + ny, P:P + nx]
    own = owner[:n].reshape(ny + 2 * P, W)[P:P + ny, P:P + nx].copy()
    vals = np.where(grid.inside, vals, math.inf)
    vals.setflags(write=False)
    own.setflags(write=False)
    return Field(kind, grid, vals, own, tuple(n for n, _p in targets), tuple(p for _n, p in targets), pv, po)
