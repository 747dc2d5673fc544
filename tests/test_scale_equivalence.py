"""The faster paths taken for large floors (issue 17) give what the plain computations give:
the wall-solid union with straight pieces joined first, the lazily cut walkable pieces behind
room anchors, access points and components, the vectorised mesh components and vertex
dedupe, the solids looked up near items, and the wall derivation's sorted look-ups (on a
floor turned off the axes too). Floors: the bench's office grid and tools/synth_floor.py's
wards (with their floor equipment)."""

from __future__ import annotations

import dataclasses
import gc
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wardtwin.layout import check_ward, load_ward
from wardtwin.gcpause import gc_paused, paused_gc

from wardtwin.layout import geometry
from wardtwin.layout.geometry import derive_walls, disjoint_groups_union, wall_solid_union, wall_solids
from wardtwin.layout.plan import plan_of
from wardtwin.model import compile_ward
from wardtwin.model.navmesh import _components, _unique_points

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import bench_check_scale  # noqa: E402
import synth_floor  # noqa: E402


@pytest.fixture(scope="module")
def floors(tmp_path_factory):
    """``{name: layout}``: a 300-room office grid with chairs, two synthetic wards, a shipped ward."""
    out = {}
    grid = tmp_path_factory.mktemp("grid")
    bench_check_scale.write_floor(grid, 300, chairs=True)
    out["grid"] = load_ward(grid)[0]
    synth = tmp_path_factory.mktemp("synth")
    synth_floor.write(synth, wards=2, slots=6, seed=3)
    out["synth"] = load_ward(synth)[0]
    out["medsurg-28"] = check_ward("medsurg-28")[0]
    assert all(lay is not None for lay in out.values())
    return out


def test_joined_wall_union_covers_exactly_the_wall_solids(floors):
    for name, lay in floors.items():
        plan = plan_of(lay)
        t = lay.ward.wall_thickness
        plain = shapely.union_all(wall_solids(plan.walls, plan.openings, t))
        joined = wall_solid_union(plan.walls, plan.openings, t)
        assert joined.area == pytest.approx(plain.area, rel=1e-12), name
        assert plain.symmetric_difference(joined).area < 1e-9, name
        assert len(shapely.get_parts(joined)) == len(shapely.get_parts(plain)), name


def test_grouped_union_is_the_plain_union_of_the_joined_bands(floors, monkeypatch):
    """The wall union of disjoint groups merged in pairs is union_all's (exactly, once
    normalised, on the office grid), and the compiled floor is the same either way."""
    for name, lay in floors.items():
        plan = plan_of(lay)
        t = lay.ward.wall_thickness
        grouped = wall_solid_union(plan.walls, plan.openings, t)
        with monkeypatch.context() as m:
            m.setattr(geometry, "GROUPED_UNION_MIN", 10**9)
            plain = wall_solid_union(plan.walls, plan.openings, t)
            plain_floor = compile_ward(lay).floor
        assert grouped.area == pytest.approx(plain.area, rel=1e-12), name
        assert plain.symmetric_difference(grouped).area < 1e-9, name
        assert len(shapely.get_parts(grouped)) == len(shapely.get_parts(plain)), name
        if name == "grid":
            assert shapely.normalize(grouped).equals_exact(shapely.normalize(plain), 0), name
        assert compile_ward(lay).floor.equals_exact(plain_floor, 1e-9), name


_band = st.tuples(st.floats(0, 40), st.floats(0, 40), st.floats(-6, 6), st.floats(-6, 6), st.floats(0.05, 0.6))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_band, min_size=0, max_size=150), st.booleans())
def test_grouped_union_covers_what_union_all_covers(bands, axis):
    """Random bands (axis-aligned or not; touching, crossing, overlapping or apart): the grouped
    union has union_all's area and parts and differs from it by no area."""
    polys = []
    for x, y, dx, dy, w in bands:
        if axis:
            dx, dy = (dx, 0.0) if abs(dx) >= abs(dy) else (0.0, dy)
        if math.hypot(dx, dy) > 1e-3:
            polys.append(shapely.LineString([(x, y), (x + dx, y + dy)]).buffer(w / 2, cap_style="flat"))
    plain = shapely.union_all(polys) if polys else shapely.Polygon()
    got = disjoint_groups_union(polys) if len(polys) >= geometry.GROUPED_UNION_MIN else None
    if got is None:  # below the threshold: force the grouped path too
        got = _grouped_anyway(polys)
    assert got.is_valid
    assert got.area == pytest.approx(plain.area, rel=1e-9, abs=1e-9)
    assert plain.symmetric_difference(got).area < 1e-6
    assert len(shapely.get_parts(got)) == len(shapely.get_parts(plain))


def _grouped_anyway(polys):
    old = geometry.GROUPED_UNION_MIN
    geometry.GROUPED_UNION_MIN = 0
    try:
        return disjoint_groups_union(polys)
    finally:
        geometry.GROUPED_UNION_MIN = old


def _reference(model):
    """Room components, anchors and access points from every (room, triangle) piece cut, ranked
    as :mod:`wardtwin.model.compiled` documents."""
    mesh, rooms = model.mesh, model.rooms
    ids = list(rooms)
    arr = np.array([rooms[r] for r in ids], dtype=object)
    owner, idx = mesh._tree.query(arr, predicate="intersects")
    order = np.lexsort((idx, owner))
    owner, idx = owner[order], idx[order]
    geoms = shapely.intersection(mesh.triangle_polygons[idx], arr[owner])
    keep = ~shapely.is_empty(geoms) & (shapely.area(geoms) > 1e-9)
    owner, idx, geoms = owner[keep], idx[keep], geoms[keep]
    comp = mesh.component[idx]
    prefer = model.entrance_component
    comps = {rid: frozenset(comp[owner == k].tolist()) for k, rid in enumerate(ids)}
    centroids = shapely.centroid(arr)
    anchors = {}
    for k, rid in enumerate(ids):
        sel = np.flatnonzero(owner == k)
        if not len(sel):
            anchors[rid] = None
            continue
        d = shapely.distance(geoms[sel], centroids[k])
        best = sel[np.lexsort((np.arange(len(sel)), d, comp[sel] != prefer))[0]]
        p = shapely.get_point(shapely.shortest_line(geoms[best], centroids[k]), 0)
        anchors[rid] = (p.x, p.y)
    access = {}
    for it in model.items:
        sel = np.flatnonzero(owner == ids.index(it.room))
        if not len(sel):
            access[it.id] = None
            continue
        front = shapely.Point(it.front)
        d_fp = shapely.distance(geoms[sel], it.footprint)
        d_front = shapely.distance(geoms[sel], front)
        b = np.lexsort((d_front, np.round(d_fp, 3), comp[sel] != prefer))[0]
        if d_fp[b] > 0.6 + 1e-9:
            access[it.id] = None
            continue
        p = shapely.get_point(shapely.shortest_line(geoms[sel[b]], front), 0)
        access[it.id] = (p.x, p.y)
    return comps, anchors, access


def _close(a, b) -> bool:
    return (a is None) == (b is None) and (a is None or math.dist(a, b) < 1e-9)


@pytest.mark.parametrize("radius", [0.25, 0.6])
def test_lazily_cut_pieces_give_the_reference_anchors_access_points_and_components(floors, radius):
    for name, lay in floors.items():
        m = compile_ward(lay, radius)
        comps, anchors, access = _reference(m)
        assert {r: m.room_components(r) for r in m.rooms} == comps, name
        bad = [r for r in m.rooms if not _close(m.room_anchor[r], anchors[r])]
        assert not bad, (name, bad[:5])
        bad = [i.id for i in m.items if not _close(i.access, access[i.id])]
        assert not bad, (name, bad[:5])


def test_mesh_components_and_vertices_match_plain_numpy_and_a_graph_search(floors):
    m = compile_ward(floors["synth"], 0.6)  # floor items split the floor into several parts
    nb = m.mesh.neighbors
    label = np.full(len(nb), -1)
    c = 0
    for t0 in range(len(nb)):  # breadth-first, labels in order of first triangle
        if label[t0] >= 0:
            continue
        label[t0], todo = c, [t0]
        while todo:
            t = todo.pop()
            for u in nb[t]:
                if u >= 0 and label[u] < 0:
                    label[u] = c
                    todo.append(u)
        c += 1
    assert c > 1
    assert np.array_equal(_components(nb), label)
    pts = m.mesh.vertices[m.mesh.triangles].reshape(-1, 2)
    v, inv = _unique_points(pts)
    v2, inv2 = np.unique(pts, axis=0, return_inverse=True)
    assert np.array_equal(v, v2) and np.array_equal(inv, inv2.ravel())


def test_solids_near_items_are_the_indexed_solids(floors):
    plan = plan_of(floors["synth"])
    fresh = plan_of(floors["synth"])  # solids not made: looked up through the wall pieces
    for fp in list(plan.footprints.values())[:200]:
        for dist in (0.0, 1.0):
            if dist:
                want = [plan.solids[k] for k in plan.solids_index.query(fp, predicate="dwithin", distance=dist)]
            else:
                want = [plan.solids[k] for k in plan.solids_index.query(fp, predicate="intersects")]
            got = fresh.solids_near(fp, dist)
            assert sorted(g.wkb for g in got) == sorted(g.wkb for g in want)
    assert "solids" not in fresh.__dict__


def _turned(rooms, angle: float):
    c, s = math.cos(angle), math.sin(angle)
    return [dataclasses.replace(r, polygon=tuple((x * c - y * s, x * s + y * c) for x, y in r.polygon))
            for r in rooms]


@pytest.mark.parametrize("angle", [0.0, 0.3])
def test_wall_derivation_matches_the_quadratic_one(floors, angle):
    rooms = _turned(floors["grid"].rooms, angle)
    assert derive_walls(rooms) == bench_check_scale.old_derive_walls(rooms)


def test_paused_gc_restores_the_collector():
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        assert gc_paused(gc.isenabled)() is False
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("radius", [0.25, 0.6])
def test_mesh_in_strips_walks_the_same_as_the_whole_mesh(floors, radius, monkeypatch):
    """A large floor's mesh is triangulated in strips: the same walkable area, the same parts,
    the same shortest walks; a compiled model reaches the same rooms and puts anchors and
    access points in the same places."""
    from wardtwin.model import navmesh

    lay = floors["synth"]
    whole = compile_ward(lay, radius)
    monkeypatch.setattr(navmesh, "STRIP_COORDS", 150)
    strips = compile_ward(lay, radius)
    a, b = whole.mesh, strips.mesh
    assert b.n_triangles > a.n_triangles  # (the strip lines add vertices)
    assert b.n_components == a.n_components == len(getattr(whole.walkable, "geoms", [whole.walkable]))
    assert b.component_areas.sum() == pytest.approx(whole.walkable.area, rel=1e-9)
    assert sorted(b.component_areas) == pytest.approx(sorted(a.component_areas), rel=1e-9)
    assert np.array_equal(a.corner.nonzero()[0].size, b.corner.nonzero()[0].size)
    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = whole.walkable.bounds
    pts = rng.uniform((x0, y0), (x1, y1), size=(60, 2))
    for p, q in zip(pts[::2], pts[1::2]):
        pa, pb = a.find_path(tuple(p), tuple(q)), b.find_path(tuple(p), tuple(q))
        assert (pa is None) == (pb is None)
        if pa is not None:
            assert pb[1] == pytest.approx(pa[1], abs=1e-6)
    for r in whole.rooms:
        assert strips.room_reachable(r) == whole.room_reachable(r), r
        assert _close(strips.room_anchor[r], whole.room_anchor[r]), r
    for i, j in zip(whole.items, strips.items):
        assert _close(i.access, j.access), i.id


_coordinate = st.one_of(
    st.integers(-200_000, 200_000), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.just(10**400), st.sampled_from(["2.5 m", "30 cm", "1e9 m", "x", ""]), st.none(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_coordinate, min_size=0, max_size=3))
def test_a_point_checked_in_one_step_is_checked_as_each_coordinate_would_be(values):
    """A point schema's one-step check of two plain numbers (the bulk of a floor plan) gives
    the value and findings the per-coordinate check gives, for any list read from YAML."""
    from wardtwin.layout.schema import Ctx, Point
    from wardtwin.layout.yamlsafe import LList, Loc

    value = LList(values)
    value.loc, value.item_locs = Loc(3, 4), [Loc(3, 5 + 3 * i) for i in range(len(values))]
    fast, plain = Point(), Point()
    plain._pair = None
    assert fast._pair is not None
    got_ctx, want_ctx = Ctx("f.yaml"), Ctx("f.yaml")
    got = fast.check(value, got_ctx, value.loc, "room r `at`")
    want = plain.check(value, want_ctx, value.loc, "room r `at`")
    assert got == want and [type(v) for v in got] == [type(v) for v in want] if isinstance(want, list) else got is want
    assert got_ctx.findings == want_ctx.findings


def _ring_as_before(points):
    """The ward version's outline as it was computed point by point (the reference)."""
    from wardtwin.versions.identity import PLACES, _pt

    pts = [(float(p[0]), float(p[1])) for p in points]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) >= 3:
        if sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(pts, pts[1:] + pts[:1])) < 0:
            pts.reverse()
        k = min(range(len(pts)), key=lambda i: (round(pts[i][0], PLACES), round(pts[i][1], PLACES)))
        pts = pts[k:] + pts[:k]
    return [_pt(p) for p in pts]


_xy = st.one_of(st.floats(-1e5, 1e5), st.sampled_from([0.0, -0.0, 1e-7, -1e-7, 0.5, 2.0000004, 2.0000006]),
                st.integers(-5, 5))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_xy, _xy), min_size=0, max_size=8), st.booleans())
def test_the_version_outline_is_the_point_by_point_one(points, close):
    from wardtwin.versions.identity import _ring

    if close and points:
        points = points + [points[0]]
    got, want = _ring(points), _ring_as_before(points)
    assert repr(got) == repr(want)  # -0.0 and 0.0 told apart


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.lists(_coordinate, min_size=0, max_size=3), _coordinate), min_size=0, max_size=5))
def test_an_outline_of_points_checked_in_one_step_is_checked_point_by_point(points):
    """A list of points (a room's outline) checks each plain pair in one step, without its
    label: the same value and findings (labels, places) as checking each point in full."""
    from wardtwin.layout.schema import Ctx, ListOf, Point
    from wardtwin.layout.yamlsafe import LList, Loc

    def located(values, line):
        out = LList(values)
        out.loc, out.item_locs = Loc(line, 1), [Loc(line, 2 + i) for i in range(len(values))]
        return out

    value = located([located(p, 9 + k) if isinstance(p, list) else p for k, p in enumerate(points)], 8)
    fast, plain = ListOf(Point(), min_items=3, max_items=1000), ListOf(Point(), min_items=3, max_items=1000)
    plain.item._pair = None
    got_ctx, want_ctx = Ctx("f.yaml"), Ctx("f.yaml")
    got = fast.check(value, got_ctx, value.loc, "room r `polygon`")
    want = plain.check(value, want_ctx, value.loc, "room r `polygon`")
    assert repr(got) == repr(want)
    assert got_ctx.findings == want_ctx.findings


_words = st.sampled_from(["office", "on", "off", "Off", "yes", "no", "n", "y", "null", "~", "true", "False",
                          "1.5", "-2", "0x1F", "1_000", ".inf", "offices", "oN", "toilet", "<<x", "+1"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_words, min_size=1, max_size=12))
def test_plain_text_resolved_once_reads_as_pyyaml_reads_it(words):
    """A plain value the resolver once called text is not resolved again: every value still
    reads as PyYAML's safe loader reads it, however often and in whatever order it repeats."""
    import yaml

    from wardtwin.layout.yamlsafe import parse_yaml

    text = "items:\n" + "".join(f"  - {w}\n" for w in words) + "flow: [" + ", ".join(words) + "]\n"
    data, findings = parse_yaml(text, "f.yaml")
    want = yaml.safe_load(text)
    assert not findings
    assert repr(list(data["items"])) == repr(want["items"]) and repr(list(data["flow"])) == repr(want["flow"])


def test_the_joined_text_search_finds_what_the_text_by_text_one_finds(floors):
    """The text check searches all texts joined by spaces first and looks no further when that
    finds nothing: sound because the pattern matches one character and a space is safe; a
    ward with one unsafe name still gets its finding."""
    from wardtwin.layout.checks import run_checks
    from wardtwin.safetext import UNSAFE

    assert UNSAFE.pattern.startswith("[") and UNSAFE.pattern.endswith("]") and not UNSAFE.search(" ")
    lay = floors["grid"]
    assert run_checks(plan_of(lay), only=["text-characters"]) == []
    rooms = list(lay.rooms)
    rooms[7] = dataclasses.replace(rooms[7], name="Room\u202eevil")
    bad = dataclasses.replace(lay, rooms=tuple(rooms))
    found = run_checks(plan_of(bad), only=["text-characters"])
    assert [f.code for f in found] == ["unsafe-character"] and "U+202E" in found[0].message
