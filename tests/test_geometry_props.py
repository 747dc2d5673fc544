"""Properties of derived geometry (walls, door openings) on generated floors, and validation
that never raises, whatever it is fed."""

from __future__ import annotations

import math
import tempfile
from itertools import combinations
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point
from shapely.ops import unary_union

from conftest import TINY
from wardtwin.layout import CODES, Door, EquipmentType, Item, Layout, Room, WardInfo, check_ward, exit_code, validate
from wardtwin.layout.geometry import SNAP, derive_walls, footprint, place_doors, ring, room_polygon
from wardtwin.layout.model import Draw
from wardtwin.layout.plan import plan_of
from wardtwin.layout.schema import Ctx, schema_for
from wardtwin.layout.yamlsafe import parse_yaml

EPS = 1e-6
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CART = EquipmentType("cart", "Cart", "other", (0.75, 0.55), 1.0, "a cart", Draw(shape="cart", color="#123456"))
SIGN = EquipmentType("sign", "Sign", "other", (0.4, 0.05), 0.3, "a sign", Draw(shape="panel"), mount="wall",
                     elevation=1.5)
CATALOG = {"cart": CART, "sign": SIGN}


def _layout(rooms, doors=(), items=(), entrance="corridor", thickness=0.15) -> Layout:
    return Layout(root=Path("."), ward=WardInfo("gen", "Generated", entrance, thickness),
                  rooms=tuple(rooms), doors=tuple(doors), items=tuple(items), catalog=CATALOG)


# ---- generated grid floors: a row of rooms each side of a corridor, a stair at its east end


def halves(lo: float, hi: float):
    return st.integers(int(lo * 2), int(hi * 2)).map(lambda k: k / 2)


def _rect(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


@st.composite
def grid_floors(draw):
    ox, oy = draw(halves(-20, 20)), draw(halves(-20, 20))
    south = draw(st.lists(halves(2, 5), min_size=1, max_size=4))
    north = draw(st.lists(halves(2, 5), min_size=0, max_size=3))
    ds, c, dn = draw(halves(3, 6)), draw(halves(2, 4)), draw(halves(3, 6))
    length = max(sum(south), sum(north))
    stair = draw(st.booleans())
    rects = []  # (id, kind, rect, door side: "north"/"south"/None)
    x = 0.0
    for i, w in enumerate(south):
        rects.append((f"S{i}", "office", (x, 0, x + w, ds), "north"))
        x += w
    x = 0.0
    for j, w in enumerate(north):
        rects.append((f"N{j}", "office", (x, ds + c, x + w, ds + c + dn), "south"))
        x += w
    rects.append(("corridor", "corridor", (0, ds, length, ds + c), None))
    if stair:
        rects.append(("stair", "stair", (length, ds, length + 3, ds + c), None))

    rooms, doors, items = [], [], []
    for rid, kind, (x0, y0, x1, y1), side in rects:
        pts = _rect(x0 + ox, y0 + oy, x1 + ox, y1 + oy)
        if draw(st.booleans()):  # clockwise works as well
            pts = pts[::-1]
        k = draw(st.integers(0, 3))  # any start corner
        pts = pts[k:] + pts[:k]
        if draw(st.integers(0, 4)) == 0:  # a redundant corner in the middle of an edge
            a, b = pts[0], pts[1]
            pts.insert(1, ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2))
        rooms.append(Room(rid, rid, kind, tuple(pts)))
        if side:
            w = draw(st.sampled_from([0.9, 1.0, 1.2, 1.5]))
            t = draw(st.floats(0, 1))
            cx = x0 + w / 2 + t * (x1 - x0 - w) + ox
            cy = (y1 if side == "north" else y0) + oy
            doors.append(Door(f"D-{rid}", (rid, "corridor"), (cx, cy), w))
            if draw(st.booleans()):  # a cart in the middle of the room, turned any way
                items.append(Item(f"C-{rid}", "cart", rid, ((x0 + x1) / 2 + ox, (y0 + y1) / 2 + oy),
                                  draw(st.floats(-360, 360))))
    w = draw(st.sampled_from([0.9, 1.2, 1.8]))
    doors.append(Door("D-out", ("corridor", "outside"), (ox, ds + oy + c / 2), w, "double", True))
    if stair:
        doors.append(Door("D-stair", ("stair", "corridor"), (length + ox, ds + oy + c / 2), 1.0, "swing", True))
    return _layout(rooms, doors, items)


@st.composite
def stacked_rows(draw):
    """Two rows of rooms sharing edges directly, their partitions offset (T-junctions)."""
    ox, oy = draw(halves(-20, 20)), draw(halves(-20, 20))
    south = draw(st.lists(halves(1, 5), min_size=1, max_size=5))
    north = draw(st.lists(halves(1, 5), min_size=1, max_size=5))
    ds, dn = draw(halves(1, 5)), draw(halves(1, 5))
    rooms = []
    for row, widths, y0, y1 in (("S", south, 0, ds), ("N", north, ds, ds + dn)):
        x = 0.0
        for i, w in enumerate(widths):
            pts = _rect(x + ox, y0 + oy, x + w + ox, y1 + oy)
            if draw(st.booleans()):
                pts = pts[::-1]
            rooms.append(Room(f"{row}{i}", f"{row}{i}", "office", tuple(pts)))
            x += w
    return _layout(rooms, entrance="S0")


floors = st.one_of(grid_floors(), stacked_rows())


def _boundary(room: Room):
    return room_polygon(room).exterior


@FAST
@given(floors)
def test_walls_lie_on_the_boundaries_of_their_rooms(layout):
    walls = derive_walls(layout.rooms)
    rooms = layout.room_by_id
    assert walls
    for w in walls:
        assert w.length > SNAP
        assert w.left in rooms and w.left != w.right
        seg = LineString([w.start, w.end])
        mid = Point(w.point_at(w.length / 2))
        assert _boundary(rooms[w.left]).distance(mid) < EPS, w
        assert seg.difference(_boundary(rooms[w.left]).buffer(EPS)).length < EPS, w
        if w.right is not None:
            assert w.right in rooms
            assert _boundary(rooms[w.right]).distance(mid) < EPS, w
            assert seg.difference(_boundary(rooms[w.right]).buffer(EPS)).length < EPS, w


@FAST
@given(floors)
def test_walls_never_overlap(layout):
    walls = derive_walls(layout.rooms)
    lines = [LineString([w.start, w.end]) for w in walls]
    for (i, a), (j, b) in combinations(enumerate(lines), 2):
        assert a.intersection(b).length < EPS, (walls[i], walls[j])


@FAST
@given(floors)
def test_walls_cover_every_room_edge_once(layout):
    walls = derive_walls(layout.rooms)
    interior = sum(w.length for w in walls if w.right is not None)
    exterior = sum(w.length for w in walls if w.right is None)
    perimeters = sum(room_polygon(r).length for r in layout.rooms)
    union = unary_union([room_polygon(r) for r in layout.rooms])
    # every stretch of room edge is one wall: shared stretches counted once, not twice
    assert math.isclose(2 * interior + exterior, perimeters, abs_tol=1e-6)
    assert math.isclose(exterior, union.boundary.length, abs_tol=1e-6)
    assert math.isclose(interior + exterior, (perimeters + union.boundary.length) / 2, abs_tol=1e-6)
    # and every room's outline is covered by its walls
    for r in layout.rooms:
        own = unary_union([LineString([w.start, w.end]) for w in walls if r.id in (w.left, w.right)])
        assert _boundary(r).difference(own.buffer(EPS)).length < EPS, r.id


@FAST
@given(floors)
def test_walls_are_deterministic_and_independent_of_room_order(layout):
    def norm(ws):
        return sorted((tuple(sorted((round(w.start[0], 6), round(w.start[1], 6), round(w.end[0], 6),
                                     round(w.end[1], 6)))), w.left, w.right or "") for w in ws)

    walls = derive_walls(layout.rooms)
    assert derive_walls(layout.rooms) == walls
    assert norm(derive_walls(tuple(reversed(layout.rooms)))) == norm(walls)


@FAST
@given(grid_floors())
def test_door_openings_lie_within_their_walls(layout):
    plan = plan_of(layout)
    assert plan.door_problems == ()
    assert len(plan.openings) == len(layout.doors)
    for o in plan.openings:
        door = layout.door_by_id[o.door]
        w = plan.walls[o.wall]
        assert 0 <= o.t0 < o.t1 <= w.length + EPS, (o, w.length)
        assert math.isclose(o.t1 - o.t0, door.width, abs_tol=1e-6)
        expected = {None if r == "outside" else r for r in door.between}
        assert w.rooms == frozenset(expected)
        assert math.dist(w.point_at((o.t0 + o.t1) / 2), door.at) < 1e-6


@FAST
@given(grid_floors())
def test_generated_floors_validate_without_errors(layout):
    findings = validate(layout)
    assert exit_code(findings) == 0, [f.format() for f in findings]
    assert {f.code for f in findings} <= {"corridor-narrow", "too-few-exits"}


@pytest.mark.parametrize("x", ["62.5 in", "1587.5 mm", "2.0005", "1.0045"])
def test_shared_walls_are_found_at_half_millimetre_coordinates(x, ward_copy):
    # Two rooms side by side south of a corridor; their common corner lies on the corridor's
    # edge at a coordinate on a half millimetre (62.5 in = 1.5875 m), as drawings in inches have.
    floorplan = f"""kind: floorplan
version: 1
rooms:
  - {{id: corridor, name: Corridor, kind: corridor, polygon: [[0, 3], [10, 3], [10, 5.6], [0, 5.6]]}}
  - {{id: a, name: A, kind: office, polygon: [[0, 0], ["{x}", 0], ["{x}", 3], [0, 3]]}}
  - {{id: b, name: B, kind: office, polygon: [["{x}", 0], [10, 0], [10, 3], ["{x}", 3]]}}
doors:
  - {{id: D-a, between: [a, corridor], at: [0.5, 3], width: 0.9}}
  - {{id: D-b, between: [b, corridor], at: [6, 3], width: 0.9}}
  - {{id: D-w, between: [corridor, outside], at: [0, 4.3], width: 1.2, exit: true}}
  - {{id: D-e, between: [corridor, outside], at: [10, 4.3], width: 1.2, exit: true}}
"""
    ward = ward_copy({"floorplan.yaml": floorplan, "equipment.yaml": "kind: equipment\nversion: 1\nitems: []\n"})
    layout, findings = check_ward(ward)
    assert findings == [], "\n".join(f.format() for f in findings)
    walls = derive_walls(layout.rooms)
    pairs = {w.rooms for w in walls}
    assert frozenset(("a", "corridor")) in pairs and frozenset(("b", "corridor")) in pairs
    on_line = [w for w in walls if abs(w.start[1] - 3) < 1e-9 and abs(w.end[1] - 3) < 1e-9]
    assert all(w.right is not None for w in on_line), on_line


def test_place_doors_openings_are_clipped_to_the_wall():
    rooms = [Room("a", "A", "office", tuple(_rect(0, 0, 4, 3))), Room("b", "B", "office", tuple(_rect(0, 3, 4, 6)))]
    walls = derive_walls(rooms)
    door = Door("d", ("a", "b"), (0.45, 3.0), 0.9)  # touches the wall's end, within SNAP
    openings, problems = place_doors([door], walls, 0.15)
    assert problems == ()
    (o,) = openings
    assert 0 <= o.t0 < o.t1 <= walls[o.wall].length


def test_ring_normalises_orientation_and_repeats():
    cw = [(0, 0), (0, 1), (1, 1), (1, 0), (0, 0)]
    r = ring(cw)
    assert len(r) == 4
    area2 = sum(r[i - 1][0] * r[i][1] - r[i][0] * r[i - 1][1] for i in range(len(r)))
    assert area2 > 0  # counter-clockwise


@FAST
@given(at=st.tuples(st.floats(-50, 50), st.floats(-50, 50)), w=st.floats(0.05, 5), d=st.floats(0.05, 5),
       rot=st.floats(-360, 360))
def test_footprint_is_the_turned_rectangle(at, w, d, rot):
    fp = footprint(at, (w, d), rot)
    assert fp.is_valid
    assert math.isclose(fp.area, w * d, rel_tol=1e-9)
    assert math.dist((fp.centroid.x, fp.centroid.y), at) < 1e-6


# ---- garbage in: validation reports findings, never raises

coord = st.one_of(halves(-2, 8), st.floats(-10, 10, allow_nan=False, allow_infinity=False))
points = st.lists(st.tuples(coord, coord), min_size=3, max_size=7)
EXTRA_IDS = ["outside", "ghost"]


@st.composite
def garbage_layouts(draw):
    n = draw(st.integers(1, 4))
    ids = [f"r{i}" for i in range(n)]
    rooms = [Room(i, i, draw(st.sampled_from(["corridor", "patient_room", "office", "toilet"])),
                  tuple(draw(points))) for i in ids]
    names = st.sampled_from(ids + EXTRA_IDS)
    doors = [Door(f"d{k}", (draw(names), draw(names)), (draw(coord), draw(coord)), draw(st.floats(0.01, 10)),
                  draw(st.sampled_from(["swing", "double", "sliding", "opening"])), draw(st.booleans()))
             for k in range(draw(st.integers(0, 5)))]
    items = [Item(f"i{k}", draw(st.sampled_from(["cart", "sign", "nope"])), draw(names), (draw(coord), draw(coord)),
                  draw(st.floats(-360, 360)), draw(st.sampled_from([None, "floor", "wall", "ceiling"])),
                  draw(st.one_of(st.none(), st.floats(0, 10))))
             for k in range(draw(st.integers(0, 5)))]
    return _layout(rooms, doors, items, entrance=draw(st.sampled_from(ids + ["ghost"])),
                   thickness=draw(st.floats(0.05, 1.0)))


@SLOW
@given(garbage_layouts())
def test_validation_never_raises_on_garbage_geometry(layout):
    findings = validate(layout)
    for f in findings:
        assert f.code in CODES
        assert f.severity is CODES[f.code][0]
    plan = plan_of(layout)
    for o in plan.openings:
        assert 0 <= o.t0 <= o.t1 <= plan.walls[o.wall].length + EPS


@SLOW
@given(st.lists(st.tuples(coord, coord), min_size=4, max_size=8))
def test_self_intersecting_or_degenerate_rooms_are_reported(pts):
    room = Room("r", "R", "office", tuple(pts))
    poly = room_polygon(room)
    findings = validate(_layout([room], entrance="r"))
    invalid = [f for f in findings if f.code == "invalid-polygon"]
    if poly.is_empty or not poly.is_valid or poly.area < 0.25:
        assert invalid, pts
    else:
        assert not invalid, pts


# ---- YAML-ish values fed through the schema and the loader

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["1.2 m", "3 kg", "90 deg", "outside", "corridor", "101", "#12ab3c", ""]),
)
values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=4),
                      max_leaves=12)


def _kind_doc(kind: str):
    obj = schema_for(kind)
    keys = st.sampled_from(sorted(obj.fields)) | st.text(min_size=1, max_size=8)
    return st.dictionaries(keys, values, max_size=8)


def _yaml(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@SLOW
@given(kind=st.sampled_from(["ward", "floorplan", "equipment", "catalog"]), data=st.data())
def test_schema_check_never_raises(kind, data):
    doc = data.draw(_kind_doc(kind))
    parsed, findings = parse_yaml(_yaml(doc))
    assert findings == [] and isinstance(parsed, dict)
    ctx = Ctx("f.yaml")
    schema_for(kind).check(parsed, ctx, parsed.loc, kind)
    for f in ctx.findings:
        assert f.code in CODES and f.file == "f.yaml" and f.line >= 1


def _room_like():
    good = {"id": st.sampled_from(["a", "b", "c", 7]), "name": st.just("R"),
            "kind": st.sampled_from(["office", "corridor", "patient_room"]),
            "polygon": st.lists(st.lists(coord, min_size=2, max_size=2), min_size=3, max_size=6)}
    return st.fixed_dictionaries({k: st.one_of(v, values) if k != "id" else v for k, v in good.items()},
                                 optional={"ceiling_height": values, "number": values})


def _door_like():
    return st.fixed_dictionaries({
        "id": st.sampled_from(["d1", "d2", "d3"]),
        "between": st.one_of(st.lists(st.sampled_from(["a", "b", "c", "outside", "x"]), min_size=2, max_size=2), values),
        "at": st.one_of(st.lists(coord, min_size=2, max_size=2), values),
        "width": st.one_of(st.floats(0.1, 3), st.sampled_from(["32 in", "3 kg", 0, -1]), values),
    }, optional={"exit": values, "type": values})


def _item_like():
    return st.fixed_dictionaries({
        "id": st.sampled_from(["i1", "i2", "a"]),
        "type": st.sampled_from(["test_bed", "test_cart", "test_extinguisher", "nope"]),
        "room": st.sampled_from(["a", "b", "c", "ghost"]),
        "at": st.one_of(st.lists(coord, min_size=2, max_size=2), values),
    }, optional={"rotation": values, "mount": values, "elevation": values})


# Files on disk: each example costs a few ms more, so no shrinking (a failure is shown as found).
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@example(rooms=[{"id": "a", "name": "R", "kind": "office", "polygon": None}], doors=[], items=[], entrance="a")
@example(rooms=[{"id": "a", "name": "R", "kind": "office", "polygon": [[0, 0], [1, 1], [1, 0], [0, 1]]}],
         doors=[{"id": "d1", "between": ["a", "outside"], "at": [0.5, 0], "width": 0.9}], items=[], entrance="a")
@given(rooms=st.lists(_room_like(), min_size=1, max_size=4), doors=st.lists(_door_like(), max_size=3),
       items=st.lists(_item_like(), max_size=3), entrance=st.sampled_from(["a", "b", "ghost"]))
def test_check_ward_never_raises_on_garbage_files(rooms, doors, items, entrance):
    with tempfile.TemporaryDirectory() as tmp:
        ward = Path(tmp)
        (ward / "ward.yaml").write_text(_yaml({"kind": "ward", "version": 1, "id": "g", "name": "G",
                                               "entrance": entrance}), encoding="utf-8")
        (ward / "floorplan.yaml").write_text(_yaml({"kind": "floorplan", "version": 1, "rooms": rooms,
                                                    "doors": doors}), encoding="utf-8")
        (ward / "equipment.yaml").write_text(_yaml({"kind": "equipment", "version": 1, "items": items}),
                                             encoding="utf-8")
        (ward / "catalog.yaml").write_bytes((TINY / "catalog.yaml").read_bytes())
        layout, findings = check_ward(ward)
    for f in findings:
        assert f.code in CODES
    if exit_code(findings) == 0:
        assert layout is not None
