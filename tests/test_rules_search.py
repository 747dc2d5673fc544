"""The rules' grid searches (scipy's Dijkstra over a graph built once per grid) give what the
plain Python searches they replaced gave: the walking-distance fields (values within 1e-9,
the same nearest target but where two targets tie), the dead-end walks, the cells' rooms, and
the cells inside the walkable area and their mesh triangles (by scanlines).
The Python searches are kept here as the reference. Floors: medsurg-28, icu-12 and a
synthetic office floor (tools/bench_check_scale.py)."""

from __future__ import annotations

import heapq
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
import shapely.affinity
from shapely.geometry import Point, Polygon, box

from wardtwin.model import load_model
from wardtwin.rules import deadend
from wardtwin.rules.distance import (
    _STEPS, CELL, SEED_RADIUS, Field, Grid, _label_rooms, build_grid, cell_triangles, distance_field, inside_cells,
    step_graph, step_masks,
)
from wardtwin.rules.engine import Fields

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import bench_check_scale  # noqa: E402

TOL = 1e-9


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    floor = tmp_path_factory.mktemp("floor")
    bench_check_scale.write_floor(floor, 120)
    return {"medsurg-28": load_model("medsurg-28"), "icu-12": load_model("icu-12"), "floor": load_model(floor)}


def _reference_field(grid, targets):
    """The Python search: ``(cell values, cell owners, portal values, portal owners)``."""
    ny, nx = grid.shape
    P = grid.pad
    W = nx + 2 * P
    n = (ny + 2 * P) * W
    K = len(grid.portal_xy)
    masks = np.asarray(grid.masks).tolist()
    links: dict = {}
    for u, v, w in zip(*(np.asarray(a).tolist() for a in grid.links)):
        links.setdefault(u, []).append((v, w))
    dist = [math.inf] * (n + K)
    owner = [-1] * (n + K)
    heap = []
    r = SEED_RADIUS
    for t, (_name, p) in enumerate(targets):
        iy, ix = grid.cell_of(p)
        span = int(math.ceil(r / grid.cell)) + 1
        seeded = False
        for reach, m in ((r, 1), (2 * r, 2)):
            for jy in range(iy - span * m, iy + span * m + 1):
                for jx in range(ix - span * m, ix + span * m + 1):
                    if 0 <= jy < ny and 0 <= jx < nx and grid.inside[jy, jx]:
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
        if grid.mesh is not None and grid.mesh.n_triangles:
            q, tri = grid.mesh.snap(p)
            for k in grid.tri_portals[tri]:
                if k >= 0:
                    d = math.dist(q, grid.portal_xy[k]) + math.dist(q, p)
                    if d < dist[n + k]:
                        dist[n + k], owner[n + k] = d, t
                        heapq.heappush(heap, (d, n + k))
    steps = [(dy * W + dx, math.hypot(dx, dy) * grid.cell) for dx, dy, _o in _STEPS]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        moves = [] if u >= n else [(u + off, w) for k, (off, w) in enumerate(steps) if masks[u] >> k & 1]
        for v, w in moves + links.get(u, []):
            if d + w < dist[v]:
                dist[v], owner[v] = d + w, owner[u]
                heapq.heappush(heap, (d + w, v))
    vals = np.array(dist[:n]).reshape(ny + 2 * P, W)[P:P + ny, P:P + nx]
    own = np.array(owner[:n]).reshape(ny + 2 * P, W)[P:P + ny, P:P + nx]
    return np.where(grid.inside, vals, math.inf), own, np.array(dist[n:]), np.array(owner[n:])


def _reference_labels(polys, x0, y0, cell, X, Y):
    """Each room's centres by point-in-polygon over its bounding box, the first room last."""
    ny, nx = X.shape
    room = np.full((ny, nx), -1, dtype=np.int32)
    for k in range(len(polys) - 1, -1, -1):
        bx0, by0, bx1, by1 = polys[k].bounds
        cx0, cx1 = max(0, int((bx0 - x0) / cell) - 1), min(nx, int((bx1 - x0) / cell) + 2)
        cy0, cy1 = max(0, int((by0 - y0) / cell) - 1), min(ny, int((by1 - y0) / cell) + 2)
        if cx0 < cx1 and cy0 < cy1:
            sub = shapely.contains_xy(polys[k], X[cy0:cy1, cx0:cx1], Y[cy0:cy1, cx0:cx1])
            room[cy0:cy1, cx0:cx1][sub] = k
    return room


def _target_sets(model):
    f = Fields(model)
    items = sorted((i.id, i.access) for i in model.items if i.access is not None)
    return f.grid, {"exit": f.exits(), "items": items, "first": items[:1], "none": []}


def _same_or_tied(grid, targets, new, old_vals, old_own, new_own, portal=False):
    """Owners equal, or both targets within TOL of the field's value there."""
    differ = np.flatnonzero(np.asarray(new_own).ravel() != np.asarray(old_own).ravel())
    if not len(differ):
        return
    vals = np.asarray(old_vals).ravel()
    alone = {}
    for t in set(np.asarray(new_own).ravel()[differ].tolist()) | set(np.asarray(old_own).ravel()[differ].tolist()):
        assert t >= 0
        one = distance_field(grid, "one", [targets[t]])
        alone[t] = (one.portal_values if portal else one.values).ravel()
    for i in differ.tolist():
        for t in (int(np.asarray(new_own).ravel()[i]), int(np.asarray(old_own).ravel()[i])):
            assert abs(alone[t][i] - vals[i]) <= TOL


@pytest.mark.parametrize("name", ["medsurg-28", "icu-12", "floor"])
def test_distance_fields_equal_the_python_search(models, name):
    grid, sets = _target_sets(models[name])
    for kind, targets in sets.items():
        new = distance_field(grid, kind, targets)
        vals, own, pv, po = _reference_field(grid, targets)
        fin = np.isfinite(vals)
        assert np.array_equal(fin, np.isfinite(new.values)), (name, kind)
        assert np.allclose(new.values[fin], vals[fin], rtol=0, atol=TOL), (name, kind)
        assert np.array_equal(np.isfinite(pv), np.isfinite(new.portal_values)), (name, kind)
        assert np.allclose(new.portal_values[np.isfinite(pv)], pv[np.isfinite(pv)], rtol=0, atol=TOL)
        assert np.array_equal(new.owner < 0, own < 0) and np.array_equal(new.portal_owner < 0, po < 0)
        _same_or_tied(grid, targets, new, vals, own, new.owner)
        _same_or_tied(grid, targets, new, pv, po, new.portal_owner, portal=True)
        if kind == "items":
            assert np.isfinite(new.values).sum() > 0.5 * grid.inside.sum()


def test_a_grid_builds_its_graph_once(models):
    grid, sets = _target_sets(models["medsurg-28"])
    distance_field(grid, "exit", sets["exit"])
    graph = grid._cache["graph"]
    distance_field(grid, "items", sets["items"])
    assert grid._cache["graph"][0] is graph[0]


def _reference_dead_end(model):
    """The dead-end walks by the Python search (8 neighbours from the core's cells)."""
    segs, corr = deadend.core_lines(model.layout, model.plan)
    got = deadend.dead_end_field(model)
    if got is None:
        return None
    _vals, x0, y0, _room, ids = got
    c = deadend.CELL
    union = shapely.union_all(list(corr.values()))
    minx, miny, maxx, maxy = union.bounds
    nx, ny = math.ceil(maxx / c) - math.floor(minx / c), math.ceil(maxy / c) - math.floor(miny / c)
    X, Y = np.meshgrid(x0 + (np.arange(nx) + 0.5) * c, y0 + (np.arange(ny) + 0.5) * c)
    inside = shapely.contains_xy(union, X, Y) & shapely.contains_xy(model.floor, X, Y)
    room = np.full((ny, nx), -1, dtype=np.int32)
    for k in range(len(ids) - 1, -1, -1):
        room[shapely.contains_xy(corr[ids[k]], X, Y) & inside] = k
    dist = np.full((ny + 2, nx + 2), math.inf)
    heap = []
    for p, q in segs:
        m = max(1, int(math.ceil(math.dist(p, q) / (c / 2))))
        for k in range(m + 1):
            x, y = p[0] + (q[0] - p[0]) * k / m, p[1] + (q[1] - p[1]) * k / m
            jx, jy = int(math.floor((x - x0) / c)), int(math.floor((y - y0) / c))
            if 0 <= jx < nx and 0 <= jy < ny and inside[jy, jx] and dist[jy + 1, jx + 1] > 0:
                dist[jy + 1, jx + 1] = 0.0
                heap.append((0.0, jy + 1, jx + 1))
    pin = np.zeros((ny + 2, nx + 2), bool)
    pin[1:-1, 1:-1] = inside
    while heap:
        d, iy, ix = heapq.heappop(heap)
        if d > dist[iy, ix]:
            continue
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)):
            if not pin[iy + dy, ix + dx] or (dx and dy and not (pin[iy, ix + dx] and pin[iy + dy, ix])):
                continue
            nd = d + (c * math.sqrt(2) if dx and dy else c)
            if nd < dist[iy + dy, ix + dx]:
                dist[iy + dy, ix + dx] = nd
                heapq.heappush(heap, (nd, iy + dy, ix + dx))
    return dist[1:-1, 1:-1], room


@pytest.mark.parametrize("name", ["medsurg-28", "icu-12", "floor"])
def test_dead_end_walks_equal_the_python_search(models, name):
    got = deadend.dead_end_field(models[name])
    ref = _reference_dead_end(models[name])
    if got is None:
        assert ref is None
        return
    vals, room = ref
    fin = np.isfinite(vals)
    assert fin.any()
    assert np.array_equal(fin, np.isfinite(got[0]))
    assert np.allclose(got[0][fin], vals[fin], rtol=0, atol=TOL)
    assert np.array_equal(got[3], room)


@pytest.mark.parametrize("name", ["medsurg-28", "icu-12", "floor"])
def test_grid_rooms_equal_point_in_polygon(models, name):
    model = models[name]
    grid = build_grid(model)
    X, Y = grid.centres()
    polys = [model.rooms[i] for i in grid.room_ids]
    assert np.array_equal(grid.room, _reference_labels(polys, grid.x0, grid.y0, grid.cell, X, Y))
    assert (grid.room >= 0).any()


def test_room_labels_rectangles_and_other_shapes():
    """Rectangles filled by index ranges, other shapes by point-in-polygon, first room wins on
    a shared line (centres on the line at x = 2.125) and where rooms overlap."""
    polys = [
        box(0.0, 0.0, 2.125, 2.0),
        box(2.125, 0.0, 4.0, 2.0),
        Polygon([(0, 2), (4, 2), (4, 3), (1, 3), (1, 4), (0, 4)]),  # an L
        Polygon([(3, 3), (4, 3), (4, 4), (4, 4), (3, 3)]),  # a triangle with five coordinates
        box(0.5, 0.5, 3.5, 1.5),  # under the first two
        Polygon([(0.3, 0.3), (1.7, 0.2), (1.5, 1.9), (0.1, 1.1)]),  # rotated-ish, under the first
        box(3.3, 3.05, 3.9, 3.8),  # partly under the triangle
    ]
    cell = CELL
    x0, y0 = -0.5, -0.5
    xs = x0 + (np.arange(22) + 0.5) * cell
    ys = y0 + (np.arange(20) + 0.5) * cell
    X, Y = np.meshgrid(xs, ys)
    got = _label_rooms(polys, x0, y0, cell, xs, ys)
    assert np.array_equal(got, _reference_labels(polys, x0, y0, cell, X, Y))
    assert set(np.unique(got).tolist()) >= {-1, 0, 1, 2, 3, 6}
    assert np.array_equal(_label_rooms(polys[::-1], x0, y0, cell, xs, ys),
                          _reference_labels(polys[::-1], x0, y0, cell, X, Y))


def _shapes():
    """Polygons with corners on cell centres, edges along centre rows, slanted edges and holes."""
    rng = np.random.default_rng(7)
    out = [Point(6.0, 5.0).buffer(3.3), box(2.125, 3.125, 9.375, 8.125),
           shapely.affinity.rotate(box(2.125, 3.125, 9.375, 8.125), 30, origin=(5.125, 5.125)),
           Polygon([(1.125, 1.125), (12.875, 1.125), (12.875, 2.125), (6.0, 9.875), (1.125, 2.125)])]
    holes = [box(x, y, x + w, y + 0.375) for (x, y), w in zip(np.round(rng.uniform(1, 13, (20, 2)) * 8) / 8,
                                                               rng.choice([0.25, 0.5, 1.125], 20))]
    out.append(box(1.125, 1.125, 13.875, 11.375).difference(shapely.union_all(holes)))
    out.append(shapely.union_all([box(0.5, 0.5, 3.125, 3.125), box(5.0, 5.0, 8.0, 8.125)]))  # two parts
    # upright edges on a column of centres, and a hair beside one (their crossings are exact)
    up = np.nextafter(4.125, 9.0)
    out.append(Polygon([(2.125, 1.0), (up, 1.0), (up, 3.0), (6.125 - 1e-12, 3.0), (6.125 - 1e-12, 5.3),
                        (8.125 + 1e-9, 5.3), (8.125 + 1e-9, 7.125), (2.125, 7.125)],
                       [[(3.125, 4.0), (3.125, 6.0), (np.nextafter(5.125, 0.0), 6.0),
                         (np.nextafter(5.125, 0.0), 4.0)]]))
    # a peak on a centre; level edges a hair off a row of centres, and one on it
    out.append(Polygon([(1.0, 9.0), (3.125, 10.125), (5.0, 9.0), (5.0, 8.125), (1.0, 8.125)]))
    out.append(box(9.0, 2.125 + 1e-9, 12.0, np.nextafter(4.125, 0.0)))
    return out


@pytest.mark.parametrize("name", ["medsurg-28", "icu-12", "floor", "shapes"])
def test_inside_cells_equal_contains_xy(models, name):
    if name == "shapes":
        xs, ys = (np.arange(60) + 0.5) * CELL, (np.arange(50) + 0.5) * CELL
        geoms = _shapes()
    else:
        grid = build_grid(models[name])
        xs = grid.x0 + (np.arange(grid.shape[1] + 8) - 3.5) * grid.cell
        ys = grid.y0 + (np.arange(grid.shape[0] + 8) - 3.5) * grid.cell
        geoms = [models[name].walkable, models[name].floor]
    X, Y = np.meshgrid(xs, ys)
    for g in geoms:
        got = inside_cells(g, xs, ys)
        assert got.any()
        assert np.array_equal(got, shapely.contains_xy(g, X, Y))


@pytest.mark.parametrize("name", ["medsurg-28", "icu-12", "floor"])
def test_cell_triangles_equal_mesh_locate(models, name):
    mesh = models[name].mesh
    grid = build_grid(models[name])
    X, Y = grid.centres()
    want = grid.inside.copy()
    want[::7] = True  # some centres outside the walkable area too
    got = cell_triangles(mesh, X[0], Y[:, 0], want)
    iy, ix = np.nonzero(want)
    assert np.array_equal(got[iy, ix], mesh.locate(np.column_stack([X[iy, ix], Y[iy, ix]])))
    assert (got[~want] == -1).all() and (got[grid.inside] >= 0).all()


def _reference_step_graph(masks, offsets, lengths, n, links):
    """The graph row by row in Python: each node's steps in bit order, then its links."""
    rows = [[] for _ in range(n)]
    for u, mk in enumerate(np.asarray(masks).ravel().tolist()):
        rows[u] = [(u + off, w) for k, (off, w) in enumerate(zip(offsets, lengths)) if mk >> k & 1]
    for u, v, w in zip(*(np.asarray(a).tolist() for a in links)):
        rows[u].append((v, w))
    indptr = np.cumsum([0] + [len(r) for r in rows])
    return indptr, np.array([v for r in rows for v, _w in r]), np.array([w for r in rows for _v, w in r])


def _same_graph(got, ref):
    E = int(ref[0][-1])
    assert np.array_equal(got[0], ref[0]) and got[0].dtype == np.int32
    assert np.array_equal(got[1][:E], ref[1]) and got[1].dtype == np.int32
    assert np.array_equal(got[2][:E], ref[2])


def test_step_graph_equals_the_rows_built_one_by_one(models):
    """The chunked CSR builder gives each node its steps in bit order and then its links in
    their order: on a grid's graph (16 steps and the portal links; chunks smaller than the
    grid) and on random masks and links (8 steps, nodes without any, links from every kind
    of node, spare slots)."""
    grid = build_grid(models["medsurg-28"])
    ny, nx = grid.shape
    W = nx + 2 * grid.pad
    offsets = [dy * W + dx for dx, dy, _o in _STEPS]
    lengths = [math.hypot(dx, dy) * grid.cell for dx, dy, _o in _STEPS]
    n = grid.n_cells + grid.n_portals
    ref = _reference_step_graph(grid.masks, offsets, lengths, n, grid.links)
    for chunk in (1000, 1 << 16):
        _same_graph(step_graph(grid.masks, offsets, lengths, n, grid.links, 7, chunk=chunk), ref)
    rng = np.random.default_rng(3)
    masks = rng.integers(0, 256, 500) * (rng.random(500) < 0.8)
    lu = np.concatenate([rng.integers(0, 600, 300), [599, 0, 0, 499]])
    links = (lu, rng.integers(0, 600, len(lu)), rng.random(len(lu)))
    offs, lens = [1, -1, 30, -30, 31, -29, 29, -31], [0.25, 0.25, 0.25, 0.25, 0.35, 0.35, 0.35, 0.35]
    ref = _reference_step_graph(masks, offs, lens, 600, links)
    for chunk in (1, 7, 64, 1 << 16):
        _same_graph(step_graph(masks, offs, lens, 600, links, 5, chunk=chunk), ref)
    _same_graph(step_graph(masks, offs, lens, 600, None, 0, chunk=13),
                _reference_step_graph(masks, offs, lens, 600, (np.zeros(0, int),) * 3))


def _reference_masks(inside, P, steps):
    """Step masks from whole shifted copies of the padded grid."""
    pin = np.pad(inside, P)
    H, W = pin.shape
    mask = np.zeros(pin.shape, dtype=np.int64)

    def shifted(dx, dy):
        out = np.zeros_like(pin)
        out[max(0, -dy):H - max(0, dy), max(0, -dx):W - max(0, dx)] = \
            pin[max(0, dy):H - max(0, -dy), max(0, dx):W - max(0, -dx)]
        return out

    for k, (dx, dy, over) in enumerate(steps):
        ok = pin & shifted(dx, dy)
        for ax, ay in over:
            ok &= shifted(ax, ay)
        mask[ok] |= 1 << k
    return mask


@pytest.mark.parametrize("name", ["medsurg-28", "floor", "random"])
def test_step_masks_equal_shifted_copies(models, name):
    if name == "random":
        inside = np.random.default_rng(5).random((37, 53)) < 0.7
        inside[0, :] = inside[:, -1] = True  # cells on the edge
    else:
        inside = build_grid(models[name]).inside
    assert np.array_equal(step_masks(inside, 2, _STEPS), _reference_masks(inside, 2, _STEPS))
    assert np.array_equal(build_grid(models["icu-12"]).masks.reshape(-1),
                          _reference_masks(build_grid(models["icu-12"]).inside, 2, _STEPS).reshape(-1))
    eight = [(dx, dy, ((dx, 0), (0, dy)) if dx and dy else ())
             for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))]
    assert np.array_equal(step_masks(inside, 1, eight), _reference_masks(inside, 1, eight))


def test_the_worst_place_of_an_empty_field_is_none():
    """A field on an empty grid (no walkable floor) has no worst place, and says so without
    an error."""
    empty = Grid(0.0, 0.0, CELL, np.zeros((0, 0), bool), np.zeros((0, 0), np.int32), (), [])
    field = Field("exit", empty, np.zeros((0, 0)), np.zeros((0, 0), np.int64), (), ())
    assert field.worst() is None


def test_plain_pages_restore_numpy_huge_page_advice():
    """The rules run with numpy's huge-page advice off and leave it as they found it."""
    from wardtwin.rules.engine import plain_pages

    core = getattr(np, "_core", None) or getattr(np, "core", None)
    switch = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if switch is None:
        pytest.skip("this numpy has no huge-page switch")
    before = switch(True)
    try:
        with plain_pages():
            assert switch(False) is False
        assert switch(True) is True
        with pytest.raises(KeyError):
            with plain_pages():
                raise KeyError("x")
        assert switch(True) is True
    finally:
        switch(before)


def _reference_parts(mesh, tg):
    """Union-find over neighbouring triangles of one group, the lower index the root."""
    parent = list(range(mesh.n_triangles))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for t in range(mesh.n_triangles):
        for o in mesh.neighbors[t].tolist():
            if o >= 0 and tg[t] >= 0 and tg[t] == tg[o]:
                ra, rb = find(t), find(o)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(t) for t in range(mesh.n_triangles)])


@pytest.mark.parametrize("name", ["medsurg-28", "icu-12", "floor"])
def test_triangle_parts_equal_union_find(models, name):
    """room-cut-off's parts (connected components, each named by its lowest triangle) are the
    union-find's roots: with the rooms' groups and with random groups (some triangles in none)."""
    from wardtwin.rules.clearance import triangle_parts

    mesh = models[name].mesh
    rng = np.random.default_rng(11)
    cent = mesh.vertices[mesh.triangles].mean(axis=1)
    by_room = np.full(mesh.n_triangles, -1)
    ids = list(models[name].rooms)
    pi, ri = shapely.STRtree([models[name].rooms[r] for r in ids]).query(shapely.points(cent), predicate="intersects")
    by_room[pi[::-1]] = ri[::-1]
    for tg in (by_room, rng.integers(-1, 3, mesh.n_triangles), np.zeros(mesh.n_triangles, int)):
        got = triangle_parts(mesh, tg)
        assert np.array_equal(got, _reference_parts(mesh, tg))
    assert len(np.unique(triangle_parts(mesh, by_room))) > 1


@pytest.mark.parametrize("name", ["medsurg-28", "floor"])
def test_portal_links_equal_the_cells_located_one_by_one(models, name):
    """The grid's links: each walkable cell to and from the portals of the mesh triangle holding
    its centre (mesh.locate) within PORTAL_REACH, then portal to portal within each triangle;
    the cell links in portal column order, cells in row order."""
    from wardtwin.rules.distance import PORTAL_REACH

    model = models[name]
    grid = build_grid(model)
    n = grid.n_cells
    ny, nx = grid.shape
    P = grid.pad
    W = nx + 2 * P
    iy, ix = np.nonzero(grid.inside)
    X, Y = grid.centres()
    tri = model.mesh.locate(np.column_stack([X[iy, ix], Y[iy, ix]]))
    us, vs = [], []
    for col in range(3):
        cu, cv = [], []
        for k in range(len(iy)):
            p = grid.tri_portals[tri[k], col] if tri[k] >= 0 else -1
            if p >= 0 and math.hypot(*(grid.portal_xy[p] - (X[iy[k], ix[k]], Y[iy[k], ix[k]]))) <= PORTAL_REACH:
                cu.append((iy[k] + P) * W + ix[k] + P)
                cv.append(n + p)
        us += [cu, cv]
        vs += [cv, cu]
    u, v, w = (np.asarray(a) for a in grid.links)
    tail = sum(len(c) for c in us)
    assert np.array_equal(u[len(u) - tail:], np.concatenate(us))
    assert np.array_equal(v[len(v) - tail:], np.concatenate(vs))
    assert (u[:len(u) - tail] >= n).all() and (v[:len(v) - tail] >= n).all()  # portal to portal first
    assert tail > 0
