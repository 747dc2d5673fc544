"""The compiled ward model and its navigation queries, on the tiny ward and small floors."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from conftest import TINY, replace_text
from wardtwin.errors import UnknownNameError, UsageError
from wardtwin.layout import check_ward, load_ward
from wardtwin.model import (
    ACCESS_REACH, PERSON_RADIUS, build_navmesh, compile_ward, navigation_findings, resolve_place,
)
from wardtwin.model.compiled import walkable_area


@pytest.fixture(scope="module")
def tiny_model():
    layout, findings = load_ward(TINY)
    assert layout is not None, findings
    return compile_ward(layout)


def _inside(area, pts) -> bool:
    g = LineString(pts) if len(set(pts)) > 1 else Point(pts[0])
    return area.buffer(1e-6).covers(g)


# --- the compiled model ----------------------------------------------------------------------

def test_walkable_area_is_floor_minus_walls_and_floor_items_shrunk_by_radius(tiny_model):
    m = tiny_model
    assert m.radius == PERSON_RADIUS
    assert m.walkable.area > 0 and m.floor.area > m.walkable.area
    assert m.floor.buffer(1e-9).covers(m.walkable)
    # a person's centre keeps the radius from every wall solid and floor item
    for solid in m.solids:
        assert m.walkable.distance(solid) >= m.radius - 1e-6
    for it in m.items:
        if it.blocks:
            assert m.walkable.distance(it.footprint) >= m.radius - 1e-6, it.id
    # a wall-mounted item does not block: the floor under the extinguisher is walkable nearby
    fe = m.item_by_id["FE-1"]
    assert not fe.blocks and m.walkable.distance(fe.footprint) < 0.01
    # door openings are open: one connected walkable area
    assert m.mesh.n_components == 1


def test_model_is_immutable_and_deterministic(tiny_model):
    m = tiny_model
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.radius = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        m.rooms["x"] = box(0, 0, 1, 1)  # type: ignore[index]
    with pytest.raises(ValueError):
        m.mesh.vertices[0, 0] = 99.0
    again = compile_ward(load_ward(TINY)[0])
    assert again.summary() == m.summary()
    assert np.array_equal(again.mesh.triangles, m.mesh.triangles)
    assert np.array_equal(again.mesh.vertices, m.mesh.vertices)
    assert again.room_anchor == m.room_anchor


def test_mesh_adjacency_is_symmetric_and_covers_the_area(tiny_model):
    mesh = tiny_model.mesh
    tri = mesh.vertices[mesh.triangles]
    e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    area = 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
    assert (area > 0).all(), "triangles are counter-clockwise"
    assert abs(area.sum() - tiny_model.walkable.area) < 1e-6
    for t, row in enumerate(mesh.neighbors.tolist()):
        for u in row:
            if u >= 0:
                assert t in mesh.neighbors[u].tolist()


def test_radius_changes_the_walkable_area_and_is_checked():
    layout = load_ward(TINY)[0]
    wide = compile_ward(layout, radius=0.5)
    assert wide.walkable.area < compile_ward(layout).walkable.area
    # the 0.9 m medication room door cannot pass a person 1 m wide
    assert not wide.room_reachable("med")
    assert wide.room_reachable("101")
    for bad in (-0.1, math.nan, 5.0, "0.25"):
        with pytest.raises(UsageError):
            compile_ward(layout, radius=bad)


# --- paths and distances ----------------------------------------------------------------------

def test_route_between_rooms_goes_through_doors(tiny_model):
    m = tiny_model
    a, b = m.place("101"), m.place("med")
    r = m.route(a, b)
    assert r is not None and r.start == a and r.goal == b
    assert _inside(m.walkable, r.points)
    assert r.length == pytest.approx(sum(math.dist(p, q) for p, q in zip(r.points, r.points[1:])))
    assert r.length >= math.dist(a, b)
    # it passes through the openings of D101 and D-med
    line = LineString(r.points)
    for door in ("D101", "D-med"):
        o = m.plan.opening_by_door[door]
        w = m.plan.walls[o.wall]
        assert line.intersects(LineString([w.point_at(o.t0), w.point_at(o.t1)])), door
    assert m.distance(b, a) == pytest.approx(r.length, abs=1e-9)


def test_route_in_open_space_is_straight(tiny_model):
    m = tiny_model
    r = m.route((1.0, 6.3), (6.5, 6.3))
    assert r.points == ((1.0, 6.3), (6.5, 6.3)) and r.length == pytest.approx(5.5)
    assert m.distance((2.0, 6.0), (2.0, 6.0)) == 0.0


def test_points_outside_the_walkable_area_snap_to_the_nearest_walkable_point(tiny_model):
    m = tiny_model
    in_bed = (1.8, 1.175)  # the middle of BED-101
    r = m.route(in_bed, (1.0, 6.3))
    s = r.start
    assert s != in_bed and m.walkable.buffer(1e-9).covers(Point(s))
    assert math.dist(s, in_bed) == pytest.approx(m.walkable.distance(Point(in_bed)), abs=1e-6)
    # far outside the ward
    r2 = m.route((-50.0, 6.3), (1.0, 6.3))
    assert r2.start[0] == pytest.approx(0.25 + 1e-4, abs=1e-3)


def test_disconnected_parts_have_no_route():
    area = walkable_area(box(0, 0, 10, 4), box(4, -1, 5, 5), 0.25)
    mesh = build_navmesh(area)
    assert mesh.n_components == 2
    assert mesh.find_path((1, 2), (8, 2)) is None
    assert mesh.find_path((1, 2), (3, 3)) is not None


def test_exact_around_a_single_obstacle():
    # a 10 x 10 room with a 3 x 6 block: the shortest way passes its corners
    area = walkable_area(box(0, 0, 10, 10), box(3, 2, 6, 8), 0.0)
    mesh = build_navmesh(area)
    # (walls and equipment count 0.1 mm thicker: OPEN)
    pts, length = mesh.find_path((1, 5), (8, 5))
    assert length == pytest.approx(2 * math.hypot(2, 3) + 3, abs=1e-3)
    pts, length = mesh.find_path((1, 1), (9, 9))
    assert length == pytest.approx(math.hypot(5, 1) + math.hypot(3, 7), abs=1e-3)
    assert pts[1] == pytest.approx((6.0, 2.0), abs=1e-3)


@pytest.mark.parametrize("bad", [(1,), ("a", 2), (math.inf, 0), None])
def test_bad_points_raise_usage_error(tiny_model, bad):
    with pytest.raises(UsageError):
        tiny_model.route(bad, (1.0, 6.3))


# --- nearest, places, rooms -------------------------------------------------------------------

def test_nearest_by_type_and_by_category(tiny_model):
    m = tiny_model
    n = m.nearest("101", category="fire_safety")
    assert n.item.id == "FE-1"
    assert n.route.goal == m.item_by_id["FE-1"].access
    assert n.distance == pytest.approx(m.distance(m.place("101"), m.item_by_id["FE-1"].access))
    cart = m.nearest((1.0, 6.3), type="test_cart")
    assert cart.item.id == "CC-1" and cart.item.room == "med"
    assert m.nearest("101", category="medication") is None  # none placed


def test_nearest_rejects_unknown_names(tiny_model):
    with pytest.raises(UnknownNameError, match="test_cart"):
        tiny_model.nearest("101", type="crash_kart")
    with pytest.raises(UnknownNameError, match="fire_safety"):
        tiny_model.nearest("101", category="fire")
    with pytest.raises(UsageError):
        tiny_model.nearest("101")
    with pytest.raises(UsageError):
        tiny_model.nearest("101", type="test_cart", category="resuscitation")


def test_access_points_are_walkable_and_within_reach(tiny_model):
    m = tiny_model
    for it in m.items:
        assert it.access is not None, it.id
        assert m.walkable.buffer(1e-6).covers(Point(it.access))
        assert it.footprint.distance(Point(it.access)) <= ACCESS_REACH + 1e-6
        assert m.rooms[it.room].buffer(1e-6).covers(Point(it.access))


def test_resolve_place(tiny_model):
    m = tiny_model
    assert resolve_place(m, "2.5, 6") == (2.5, 6.0)
    assert resolve_place(m, "(2.5;6)") == (2.5, 6.0)
    anchor = resolve_place(m, "med")
    assert m.room_at(anchor) == "med" and m.walkable.buffer(1e-6).covers(Point(anchor))
    assert resolve_place(m, "D-stair") == pytest.approx((7.2, 6.3))
    assert resolve_place(m, "CC-1") == m.item_by_id["CC-1"].access
    with pytest.raises(UnknownNameError) as exc:
        resolve_place(m, "CC1")
    assert "CC-1" in str(exc.value) and "unknown place" in str(exc.value)


def test_room_at(tiny_model):
    m = tiny_model
    assert m.room_at((1.0, 1.0)) == "101"
    assert m.room_at((8.0, 6.0)) == "stair"
    assert m.room_at((3.6, 2.0)) == "101"  # on the shared wall line: the first in the floor plan
    assert m.room_at((3.6, 2.0)) == m.plan.room_at(3.6, 2.0)
    assert m.room_at((-3.0, 0.0)) is None


# --- reachability findings --------------------------------------------------------------------

def test_tiny_ward_is_reachable(tiny_model):
    assert navigation_findings(tiny_model.layout, tiny_model) == []
    assert navigation_findings(tiny_model.layout) == []


def test_blocked_door_makes_room_and_its_items_unreachable(ward_copy):
    ward = ward_copy()
    # a crash cart parked in the medication room's doorway leaves 7.5 cm on each side
    replace_text(ward / "equipment.yaml", "  - {id: CC-1",
                 "  - {id: CC-2, type: test_cart, room: med, at: [3.6, 7.95]}\n  - {id: CC-1")
    layout, _ = check_ward(ward)
    codes = {(f.code, f.message.split(":")[0]) for f in navigation_findings(layout)}
    assert ("room-unreachable", "room med (Medication room)") in codes
    assert ("item-unreachable", "test crash cart CC-1 in room med") in codes
    found = {f.code: f for f in navigation_findings(layout)}
    assert found["room-unreachable"].line > 0 and found["room-unreachable"].file.endswith("floorplan.yaml")
    assert found["item-unreachable"].file.endswith("equipment.yaml")


def test_item_out_of_reach_behind_a_bed(ward_copy):
    ward = ward_copy()
    # an extinguisher on the wall behind the head of BED-101: no place to stand within reach
    replace_text(ward / "equipment.yaml", "  - {id: CC-1",
                 "  - {id: FE-2, type: test_extinguisher, room: \"101\", at: [1.8, 0.2]}\n  - {id: CC-1")
    layout, findings = check_ward(ward)
    nav = navigation_findings(layout)
    assert [(f.code, f.message.split(" ")[2]) for f in nav] == [("item-unreachable", "FE-2")]
    assert "no place to stand" in nav[0].message


def test_entrance_not_a_room_gives_no_navigation_findings(ward_copy):
    ward = ward_copy()
    replace_text(ward / "ward.yaml", "entrance: corridor", "entrance: nowhere")
    layout, _ = load_ward(ward)
    assert navigation_findings(layout) == []


def test_mesh_of_an_empty_area():
    mesh = build_navmesh(shapely.MultiPolygon())
    assert mesh.n_triangles == 0
    with pytest.raises(UsageError):
        mesh.find_path((0, 0), (1, 1))
