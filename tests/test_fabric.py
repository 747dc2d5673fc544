"""Version 2's building fabric (issue 14, points 2-6): windows, door leaves, lifts and shafts,
alcoves, net areas — through the loader, modules, checks, geometry, map, version ids and diff."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import TINY, replace_text
from wardtwin.layout import check_ward
from wardtwin.layout.areas import net_areas
from wardtwin.layout.leaves import door_leaves, is_bed_route
from wardtwin.layout.load import load_ward
from wardtwin.layout.plan import plan_of

V2_ROOMS = "kind: floorplan\nversion: 2\n"


def _ward(tmp_path: Path, floorplan_extra: str = "", replace: dict | None = None, equipment: str | None = None,
          modules: dict | None = None) -> Path:
    ward = tmp_path / "w"
    shutil.copytree(TINY, ward)
    fp = ward / "floorplan.yaml"
    text = fp.read_text(encoding="utf-8").replace("version: 1", "version: 2")
    for a, b in (replace or {}).items():
        assert a in text, a
        text = text.replace(a, b)
    fp.write_text(text + floorplan_extra, encoding="utf-8")
    if equipment is not None:
        (ward / "equipment.yaml").write_text(equipment, encoding="utf-8")
    for name, body in (modules or {}).items():
        (ward / "modules").mkdir(exist_ok=True)
        (ward / "modules" / f"{name}.yaml").write_text(body, encoding="utf-8")
    return ward


def _codes(ward) -> list[str]:
    _lay, findings = check_ward(ward)
    return [f.code for f in findings]


def test_windows_load_place_and_draw(tmp_path):
    ward = _ward(tmp_path, "windows:\n  - {id: W101, room: \"101\", at: [1.8, 0], width: 1.8, sill: 0.8, head: 2.2}\n")
    assert _codes(ward) == []
    lay, _ = load_ward(ward)
    (w,) = lay.windows
    assert (w.id, w.room, w.at, w.width, w.sill, w.head) == ("W101", "101", (1.8, 0.0), 1.8, 0.8, 2.2)
    plan = plan_of(lay)
    (o,) = plan.window_openings
    assert plan.walls[o.wall].right is None and math.isclose(o.t1 - o.t0, 1.8)
    from wardtwin.planmap.svg import render_map

    svg = render_map(lay, plan=plan, areas=True)
    assert 'class="window" data-id="W101"' in svg and 'class="room-area"' in svg


def test_windows_add_no_draw_call_and_are_glass_not_void(tmp_path):
    """A window is cut into its wall and drawn with the room's walls (no new part); the glass
    covers the whole opening, so no hole leads into the void around the model."""
    from wardtwin.scene.geometry import GLASS_SKY, ward_geometry

    plain = _ward(tmp_path / "a")
    glazed = _ward(tmp_path / "b", "windows:\n  - {id: W101, room: \"101\", at: [1.8, 0], width: 1.8}\n")
    ga = ward_geometry(plan_of(load_ward(plain)[0]), "plain")
    gb = ward_geometry(plan_of(load_ward(glazed)[0]), "plain")
    assert [p.name for p in ga.parts] == [p.name for p in gb.parts]
    # the full look draws the glass as a part of its own (the view outside glows), nothing else new
    fa = ward_geometry(plan_of(load_ward(plain)[0]), "full")
    fb = ward_geometry(plan_of(load_ward(glazed)[0]), "full")
    assert [p.name for p in fb.parts if p.name not in {q.name for q in fa.parts}] == ["glass/101"]
    wall = next(p for p in gb.parts if p.name == "wall/101")
    cols = {tuple(round(float(c), 2) for c in row) for row in wall.mesh.colors}
    assert tuple(round(c, 2) for c in GLASS_SKY) in cols
    # glass spans the opening between the frames, at the wall line (y = 0)
    v = wall.mesh.positions
    glass = v[(abs(v[:, 1]) < 0.01) & (v[:, 2] > 0.9) & (v[:, 2] < 2.1)]
    assert len(glass) and glass[:, 0].min() <= 0.9 + 0.07 and glass[:, 0].max() >= 2.7 - 0.07


@settings(max_examples=40, deadline=None)
@given(u=st.floats(0.0, 1.0), rotation=st.sampled_from([0, 90, 180, 270, 33.0]), mirror=st.booleans(),
       x=st.floats(-50, 50), y=st.floats(-50, 50))
def test_a_window_anywhere_along_a_module_wall_stays_within_it(tmp_path_factory, u, rotation, mirror, x, y):
    """A window placed anywhere along a module room's exterior wall is still on that wall, and
    within it, after the placement moves, turns and mirrors the module."""
    width = 1.2
    along = -1.8 + 0.075 + width / 2 + u * (3.6 - 0.15 - width)
    module = (f"kind: module\nversion: 2\nrooms:\n  - {{id: \"{{id}}\", name: R, kind: office, polygon: "
              f"[[-1.8, 0], [1.8, 0], [1.8, 4], [-1.8, 4]]}}\nwindows:\n  - {{id: \"W{{id}}\", room: \"{{id}}\", "
              f"at: [{along!r}, 4], width: {width}}}\n")
    fp = (f"kind: floorplan\nversion: 2\nplacements:\n  - {{module: m, id: A, at: [{x!r}, {y!r}], "
          f"rotation: {rotation}, mirror: {str(mirror).lower()}}}\nrooms:\n  - {{id: far, name: F, kind: office, polygon: [[900, 900], [901, 900], [901, 901], [900, 901]]}}\n")
    ward = tmp_path_factory.mktemp("w")
    for f in ("ward.yaml", "catalog.yaml"):
        shutil.copy(TINY / f, ward / f)
    replace_text(ward / "ward.yaml", "entrance: corridor", "entrance: A")
    (ward / "floorplan.yaml").write_text(fp, encoding="utf-8")
    (ward / "equipment.yaml").write_text("kind: equipment\nversion: 1\nitems: []\n", encoding="utf-8")
    (ward / "modules").mkdir()
    (ward / "modules" / "m.yaml").write_text(module, encoding="utf-8")
    lay, findings = load_ward(ward)
    assert not findings
    plan = plan_of(lay)
    assert not plan.window_problems
    (o,) = plan.window_openings
    wall = plan.walls[o.wall]
    assert wall.right is None and -1e-6 <= o.t0 and o.t1 <= wall.length + 1e-6
    assert math.isclose(o.t1 - o.t0, width, abs_tol=1e-6)


def test_mirrored_module_flips_hinge_and_leaves_follow_the_file(tmp_path):
    module = ("kind: module\nversion: 2\nrooms:\n"
              "  - {id: \"{id}\", name: R, kind: office, polygon: [[-1.8, 0], [1.8, 0], [1.8, 4], [-1.8, 4]]}\n"
              "doors:\n  - {id: \"D{id}\", between: [\"{id}\", corridor], at: [0, 0], width: 1.0, swing: in, "
              "hinge: left}\n")
    fp = ("placements:\n  - {module: m, id: A, at: [1.8, 10.6], mirror: false}\n"
          "  - {module: m, id: B, at: [5.4, 10.6], mirror: true}\n")
    ward = _ward(tmp_path, fp, modules={"m": module},
                 replace={"polygon: [[0, 7.6], [7.2, 7.6], [7.2, 10.6], [0, 10.6]]":
                          "polygon: [[0, 7.6], [7.2, 7.6], [7.2, 10.6], [0, 10.6]]"})
    # the two offices stand north of the medication room: give them the med room as their corridor
    text = (ward / "floorplan.yaml").read_text()
    (ward / "floorplan.yaml").write_text(text.replace("mirror: false}", "mirror: false, connect: {corridor: med}}")
                                         .replace("mirror: true}", "mirror: true, connect: {corridor: med}}"))
    lay, findings = load_ward(ward)
    assert not [f for f in findings if f.severity.blocks], findings
    a, b = lay.door_by_id["DA"], lay.door_by_id["DB"]
    assert (a.hinge, b.hinge) == ("left", "right") and a.swing == b.swing == "in"
    plan = plan_of(lay)
    (la,), (lb,) = door_leaves(plan, "DA"), door_leaves(plan, "DB")
    # both swing into their own office (north of the wall), hinged on mirror-image jambs
    assert la.side == lb.side
    wa = plan.walls[plan.opening_by_door["DA"].wall]
    ha, hb = wa.point_at(la.hinge), plan.walls[plan.opening_by_door["DB"].wall].point_at(lb.hinge)
    assert math.isclose(ha[0] - 1.8, -(hb[0] - 5.4), abs_tol=1e-6)


def test_bed_route_derived_or_declared(tmp_path):
    # an anteroom's 0.92 m staff door is no bed route: no bed-door-narrow
    ward = _ward(tmp_path, replace={"kind: medication_room": "kind: anteroom",
                                    "at: [3.6, 7.6], width: 0.9}": "at: [3.6, 7.6], width: 0.92}"})
    assert "bed-door-narrow" not in _codes(ward)
    replace_text(ward / "floorplan.yaml", "width: 0.92}", "width: 0.92, bed_route: true}")
    assert "bed-door-narrow" in _codes(ward)
    lay, _ = load_ward(ward)
    assert is_bed_route(lay, lay.door_by_id["D101"]) and not is_bed_route(lay, lay.door_by_id["D-stair"])


def test_shaft_needs_no_door_and_is_not_walked_and_a_lift_can_be_the_entrance(tmp_path):
    ward = _ward(tmp_path, replace={
        "doors:\n": "  - {id: riser, name: Riser, kind: shaft, polygon: [[-1, 7.6], [0, 7.6], [0, 8.6], [-1, 8.6]]}\n"
                    "  - {id: lift, name: Bed lift, kind: lift, lift: bed, polygon: [[-2.8, 5], [0, 5], [0, 7.6], "
                    "[-2.8, 7.6]]}\ndoors:\n",
        "  - {id: D-out, between: [corridor, outside], at: [0, 6.3], width: 1.2, type: double, exit: true}":
        "  - {id: D-lift, between: [lift, corridor], at: [0, 6.3], width: 1.4, type: sliding}"})
    replace_text(ward / "ward.yaml", "entrance: corridor", "entrance: lift")
    from wardtwin.model.checks import check

    lay, findings, model = check(ward)
    assert not [f for f in findings if f.severity.blocks or f.code == "room-unreachable"], findings
    assert "riser" not in model.rooms and model.room_reachable("101")


ALCOVE = ("  - {id: bay, name: Trolley bay, kind: alcove, open_to: med, "
          "polygon: [[7.2, 7.6], [8.4, 7.6], [8.4, 9.0], [7.2, 9.0]]}\ndoors:\n")


def test_alcove_is_open_to_its_parent_and_its_items_are_checked_against_the_parent(tmp_path):
    eq = (TINY / "equipment.yaml").read_text() + "  - {id: CC-2, type: test_cart, room: bay, at: [7.8, 8.3], rotation: 90}\n"
    ward = _ward(tmp_path, replace={"doors:\n": ALCOVE}, equipment=eq)
    from wardtwin.model.checks import check

    lay, findings, model = check(ward)
    assert not [f for f in findings if f.severity.blocks or f.code == "equipment-blocks-door"], findings
    plan = model.plan
    assert plan.open_edges == (("bay", "med", pytest.approx(1.4)),)
    assert not any(w.rooms == frozenset(("bay", "med")) for w in plan.walls)
    assert plan.open_neighbours("bay") == ("med",) and model.room_reachable("bay")
    # the cart reaching across the open edge into the parent room is no "blocks a door"
    replace_text(ward / "equipment.yaml", "at: [7.8, 8.3], rotation: 90}", "at: [7.35, 8.3], rotation: 90}")
    assert "equipment-blocks-door" not in _codes(ward)
    from wardtwin.scene.camera import use_view

    eye = use_view(model, "CC-2").eye
    assert plan.room_at(eye[0], eye[1]) == "med"  # the camera stands in the parent room


def test_net_areas(tmp_path):
    lay, _ = load_ward(TINY)
    net = net_areas(plan_of(lay))
    assert net["101"] == pytest.approx((3.6 - 0.15) * (5 - 0.15), abs=0.01)
    ward = _ward(tmp_path, replace={"    kind: patient_room\n    polygon: [[0, 0], [3.6, 0]":
                                    "    kind: patient_room\n    area: \"180 sq ft\"\n    polygon: [[0, 0], [3.6, 0]"})
    assert _codes(ward) == []  # 16.72 m² against 180 sq ft (16.72 m²)


def test_version_id_and_diff_see_windows_and_swings(tmp_path):
    from wardtwin.versions import ward_version
    from wardtwin.versions.diff import diff_layouts

    base = load_ward(_ward(tmp_path / "a"))[0]
    assert ward_version(base) == ward_version(load_ward(TINY)[0])  # no new keys: the version-1 id
    win = "windows:\n  - {id: W101, room: \"101\", at: [1.8, 0], width: 1.2}\n"
    w1 = load_ward(_ward(tmp_path / "b", win))[0]
    w2 = load_ward(_ward(tmp_path / "c", win.replace("width: 1.2", "width: 1.5")))[0]
    sw = load_ward(_ward(tmp_path / "d", replace={"at: [3.6, 7.6], width: 0.9}": "at: [3.6, 7.6], width: 0.9, swing: in}"}))[0]
    ids = {ward_version(x) for x in (base, w1, w2, sw)}
    assert len(ids) == 4
    changes = diff_layouts(w1, w2).changes
    assert [(c.kind.value, c.id, [f.name for f in c.fields]) for c in changes] == [("window", "W101", ["width"])]
    (c,) = diff_layouts(base, sw).changes
    assert c.id == "D-med" and [f.name for f in c.fields] == ["swing"]


def test_expand_keeps_the_fabric(tmp_path):
    from wardtwin.layout.dump import dump_ward

    for name in ("medsurg-28", "icu-12"):
        lay, _ = load_ward(name)
        out = dump_ward(lay, tmp_path / name)
        again, findings = load_ward(out)
        assert not findings and again == lay and again.windows == lay.windows
