"""Properties of navigation on small random floors, checked against an exact visibility graph
computed here (polygon corners + the two points, an edge wherever the segment stays inside the
area, Dijkstra)."""

from __future__ import annotations

import heapq
import math

import shapely
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from shapely.affinity import rotate
from shapely.geometry import LineString, Point, Polygon, box
from shapely.prepared import prep

from wardtwin.model import build_navmesh
from wardtwin.model.compiled import walkable_area

G = 0.25  # grid of the random floors, m: many collinear corners, as in real wards
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@st.composite
def floors(draw):
    """A rectangular room with up to 8 boxes (some turned) standing in it, shrunk by a radius."""
    w, h = draw(st.integers(12, 40)) * G, draw(st.integers(12, 40)) * G
    boxes = []
    for _ in range(draw(st.integers(0, 8))):
        x, y = draw(st.integers(0, int(w / G))) * G, draw(st.integers(0, int(h / G))) * G
        bw, bh = draw(st.integers(1, 12)) * G, draw(st.integers(1, 12)) * G
        b = box(x, y, x + bw, y + bh)
        angle = draw(st.sampled_from([0, 0, 0, 0, 30, 45]))
        boxes.append(rotate(b, angle) if angle else b)
    radius = draw(st.sampled_from([0.0, 0.25]))
    area = walkable_area(box(0, 0, w, h), shapely.union_all(boxes) if boxes else Polygon(), radius)
    assume(not area.is_empty)
    return area, build_navmesh(area)


@st.composite
def point_in(draw, mesh):
    """A walkable point: a grid point (snapped into the area) or a point inside a triangle."""
    if draw(st.booleans()):
        lo = mesh.vertices.min(axis=0)
        hi = mesh.vertices.max(axis=0)
        x = draw(st.integers(int(lo[0] / G) - 1, int(hi[0] / G) + 1)) * G
        y = draw(st.integers(int(lo[1] / G) - 1, int(hi[1] / G) + 1)) * G
        return mesh.snap((x, y))[0]
    t = draw(st.integers(0, mesh.n_triangles - 1))
    u, v = draw(st.floats(0, 1)), draw(st.floats(0, 1))
    if u + v > 1:
        u, v = 1 - u, 1 - v
    a, b, c = mesh.vertices[mesh.triangles[t]]
    return (float(a[0] + u * (b[0] - a[0]) + v * (c[0] - a[0])), float(a[1] + u * (b[1] - a[1]) + v * (c[1] - a[1])))


@st.composite
def queries(draw):
    area, mesh = draw(floors())
    return area, mesh, draw(point_in(mesh)), draw(point_in(mesh))


def exact_length(area, s, g) -> float:
    """Shortest path length from s to g inside ``area`` by a visibility graph over every ring
    corner (brute force; ``math.inf`` when not connected)."""
    polys = [area] if area.geom_type == "Polygon" else list(area.geoms)
    nodes = [tuple(s), tuple(g)]
    for p in polys:
        for ring in (p.exterior, *p.interiors):
            nodes.extend(tuple(c) for c in ring.coords[:-1])
    inside = prep(area.buffer(1e-7))
    dist = {0: 0.0}
    done = set()
    heap = [(0.0, 0)]
    while heap:
        d, i = heapq.heappop(heap)
        if i in done:
            continue
        if i == 1:
            return d
        done.add(i)
        for j, q in enumerate(nodes):
            if j in done:
                continue
            nd = d + math.dist(nodes[i], q)
            if nd < dist.get(j, math.inf) and (nodes[i] == q or inside.covers(LineString([nodes[i], q]))):
                dist[j] = nd
                heapq.heappush(heap, (nd, j))
    return math.inf


@settings(max_examples=60, **SETTINGS)
@given(queries())
def test_paths_stay_inside_the_walkable_area_and_are_not_shorter_than_a_straight_line(q):
    area, mesh, a, b = q
    found = mesh.find_path(a, b)
    if found is None:
        return
    pts, length = found
    assert pts[0] == a and pts[-1] == b
    g = LineString(pts) if len(set(pts)) > 1 else Point(pts[0])
    assert area.buffer(1e-6).covers(g), f"path {pts} leaves the walkable area"
    assert length >= math.dist(a, b) - 1e-9
    assert math.isclose(length, sum(math.dist(p, r) for p, r in zip(pts, pts[1:])), rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=60, **SETTINGS)
@given(queries())
def test_distance_is_symmetric(q):
    _area, mesh, a, b = q
    ab, ba = mesh.find_path(a, b), mesh.find_path(b, a)
    assert (ab is None) == (ba is None)
    if ab is not None:
        assert math.isclose(ab[1], ba[1], rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=80, **SETTINGS)
@given(queries())
def test_length_is_within_one_percent_of_the_exact_visibility_graph(q):
    area, mesh, a, b = q
    found = mesh.find_path(a, b)
    exact = exact_length(area, a, b)
    if found is None:
        assert exact == math.inf, f"no path found, the exact one is {exact:.4f} m"
        return
    assert exact < math.inf
    length = found[1]
    assert length >= exact - 1e-6, f"{length:.6f} m is shorter than the exact {exact:.6f} m"
    assert length <= exact * 1.01 + 1e-9, f"{length:.6f} m is more than 1% over the exact {exact:.6f} m"
