"""Modules (layout language version 2): expansion, its geometry, where findings point, the
shipped wards written with modules, ``wardtwin expand`` and ``wardtwin upgrade``."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import Polygon

from conftest import REPO, TINY, replace_text
from wardtwin.cli import main
from wardtwin.layout import check_ward, exit_code, load_ward, shipped_wards
from wardtwin.layout.findings import sort_findings
from wardtwin.layout.load import layouts_dir
from wardtwin.layout.modschema import PatternError, fill, pattern_fields
from wardtwin.layout.modules import Transform
from wardtwin.layout.upgrade import upgrade_plan, upgrade_text

TINY_MODULAR = REPO / "tests" / "wards" / "tiny-modular"
BEDROOM = """kind: module
version: 2
rooms:
  - {id: "{id}", name: "Room {id}", kind: patient_room, number: "{n:02}", polygon: %s}
  - {id: "{id}-ens", name: "Ensuite {id}", kind: ensuite, polygon: [[-1.8, 0], [-0.3, 0], [-0.3, 2], [-1.8, 2]]}
doors:
  - {id: "D{id}", between: ["{id}", corridor], at: [0.7, 0], width: 1.2}
  - {id: "D{id}-ens", between: ["{id}", "{id}-ens"], at: [-0.3, 1], width: 0.9, type: sliding}
items:
  - {id: "BED-{id}", type: test_bed, room: "{id}", at: [0.6, 3.5], rotation: 30}
  - {id: "FE-{id}", type: test_extinguisher, room: corridor, at: [-1.3, -0.2], rotation: 180}
"""
L_SHAPE = "[[-0.3, 0], [1.8, 0], [1.8, 5], [-1.8, 5], [-1.8, 2], [-0.3, 2]]"
# (0, 0) on the module's centre line: a mirrored copy takes the same place


def _ward(tmp_path: Path, placements: str, module: str = BEDROOM % L_SHAPE, name: str = "w") -> Path:
    """A version-2 copy of the tiny ward whose patient rooms are replaced by ``placements``."""
    ward = tmp_path / name
    shutil.copytree(TINY_MODULAR, ward)
    (ward / "modules" / "bedroom.yaml").write_text(module, encoding="utf-8")
    text = (ward / "floorplan.yaml").read_text(encoding="utf-8")
    start, end = text.index("placements:\n"), text.index("rooms:\n")
    (ward / "floorplan.yaml").write_text(text[:start] + "placements:\n" + placements + text[end:], encoding="utf-8")
    (ward / "equipment.yaml").write_text((ward / "equipment.yaml").read_text(encoding="utf-8")
                                         .replace("FE-1", "FE-9"), encoding="utf-8")
    return ward


# ---- the tiny ward, written with a module, is the tiny ward


def test_tiny_modular_is_the_tiny_ward():
    flat, f1 = check_ward(TINY)
    modular, f2 = check_ward(TINY_MODULAR)
    assert f1 == [] and f2 == [], [f.format() for f in f1 + f2]
    assert modular == flat
    bed = modular.item_by_id["BED-102"]
    assert bed.src.file.endswith("floorplan.yaml") and bed.src.line == 5
    assert "modules/patient-room.yaml:14:" in bed.src.note()


# ---- patterns


def test_patterns_fill_and_refuse():
    assert fill("BR{n:02}", {"n": 7}) == "BR07"
    assert fill("{id}-ens", {"id": "401", "n": 1}) == "401-ens"
    assert fill("Room {{{n:3}}}", {"n": 5}) == "Room {  5}"
    assert pattern_fields("D-{id}-{n:03d}") == {"id", "n"}
    for bad, why in (("{m}", "unknown field"), ("{id:02}", "no format"), ("{n:x}", "format"), ("a}b", "lone")):
        with pytest.raises(PatternError, match=why):
            pattern_fields(bad)
    with pytest.raises(PatternError, match="give the placement an `id`"):
        fill("{id}", {"id": None, "n": 1})


# ---- geometry: a placed module is the module moved


ANGLES = st.one_of(st.sampled_from([0, 90, 180, 270, -90, 45]), st.floats(-360, 360, allow_nan=False))
COORD = st.floats(-200, 200, allow_nan=False).map(lambda v: round(v, 3))


def _shapely_moved(poly, at, rotation, mirror):
    p = Polygon(poly)
    if mirror:
        p = affinity.scale(p, -1, 1, origin=(0, 0))
    p = affinity.rotate(p, rotation, origin=(0, 0))
    return affinity.translate(p, *at)


def _ccw(pts) -> bool:
    return sum(pts[i - 1][0] * pts[i][1] - pts[i][0] * pts[i - 1][1] for i in range(len(pts))) > 0


@settings(max_examples=60, deadline=None)
@given(at=st.tuples(COORD, COORD), rotation=ANGLES, mirror=st.booleans())
def test_transform_moves_like_shapely(at, rotation, mirror):
    local = [(1.5, 0), (3.6, 0), (3.6, 5), (0, 5), (0, 2), (1.5, 2)]
    t = Transform.of(at, rotation, mirror)
    moved = t.polygon(local)
    expect = _shapely_moved(local, at, rotation, mirror)
    assert Polygon(moved).symmetric_difference(expect).area < 1e-6
    assert math.isclose(Polygon(moved).area, Polygon(local).area, rel_tol=1e-9)
    assert _ccw(moved), "a placed room keeps its outline counter-clockwise"
    # an item's front turns with the module
    front = (-math.sin(math.radians(30)), math.cos(math.radians(30)))
    turned = t.angle(30)
    tip = t.point((front[0], front[1]))
    origin = t.point((0, 0))
    got = (-math.sin(math.radians(turned)), math.cos(math.radians(turned)))
    assert math.isclose(got[0], tip[0] - origin[0], abs_tol=1e-6) and math.isclose(got[1], tip[1] - origin[1],
                                                                                  abs_tol=1e-6)
    assert -180 < turned <= 180


@settings(max_examples=40, deadline=None)
@given(a=st.tuples(COORD, COORD, ANGLES, st.booleans()), b=st.tuples(COORD, COORD, ANGLES, st.booleans()))
def test_nested_transforms_compose(a, b):
    inner, outer = Transform.of(a[:2], a[2], a[3]), Transform.of(b[:2], b[2], b[3])
    both = inner.then(outer)
    for p in ((0, 0), (3.6, 0), (1.2, -4.5)):
        direct, stepwise = both.point(p), outer.point(inner.point(p))
        assert math.isclose(direct[0], stepwise[0], abs_tol=1e-6) and math.isclose(direct[1], stepwise[1], abs_tol=1e-6)
    assert math.isclose((both.angle(10) - outer.angle(inner.angle(10))) % 360, 0, abs_tol=1e-6) or \
        math.isclose((both.angle(10) - outer.angle(inner.angle(10))) % 360, 360, abs_tol=1e-6)


@settings(max_examples=25, deadline=None)
@given(x=COORD, y=COORD, rotation=st.sampled_from([0, 90, 180, 270]), mirror=st.booleans(),
       count=st.integers(1, 5), alternate=st.booleans())
def test_a_row_of_rooms_is_the_module_moved_without_overlaps(tmp_path_factory, x, y, rotation, mirror, count,
                                                            alternate):
    tmp = tmp_path_factory.mktemp("row")
    step = [round(3.6 * math.cos(math.radians(rotation)), 9), round(3.6 * math.sin(math.radians(rotation)), 9)]
    ward = _ward(tmp, f'  - {{module: bedroom, id: "R{{n}}", at: [{x}, {y}], rotation: {rotation}, '
                      f'mirror: {str(mirror).lower()}, repeat: {{count: {count}, step: {step}'
                      f'{", mirror: alternate" if alternate else ""}}}}}\n')
    layout, findings = load_ward(ward)
    assert exit_code(findings) == 0, [f.format() for f in findings]
    local = [(-0.3, 0), (1.8, 0), (1.8, 5), (-1.8, 5), (-1.8, 2), (-0.3, 2)]
    polys = []
    for k in range(count):
        room = layout.room_by_id[f"R{k + 1}"]
        m = mirror != (alternate and k % 2 == 1)
        expect = _shapely_moved(local, (x + k * step[0], y + k * step[1]), rotation, m)
        got = Polygon(room.polygon)
        assert got.symmetric_difference(expect).area < 1e-6
        assert math.isclose(got.area, Polygon(local).area, rel_tol=1e-9) and _ccw(room.polygon)
        assert room.number == f"{k + 1:02}"
        polys.append(got)
    for i in range(len(polys)):
        for j in range(i + 1, len(polys)):
            assert polys[i].intersection(polys[j]).area < 1e-6


# ---- references, overrides, nesting, libraries


def test_connect_set_omit_and_renames(tmp_path):
    ward = _ward(tmp_path, '  - module: bedroom\n    id: "{n}"\n    n: 101\n    at: [1.8, 5]\n    rotation: 180\n'
                           '    mirror: true\n    repeat: {count: 2, step: [3.6, 0]}\n'
                           '    connect: {corridor: corridor}\n'
                           '    omit: [101-ens]\n'
                           '    set:\n      "102": {id: Room-B, name: Bay B}\n      BED-101: {type: test_cart}\n'
                           '      D102: {width: 1.4}\n')
    layout, findings = load_ward(ward)
    assert exit_code(findings) == 0, [f.format() for f in findings]
    assert "101-ens" not in layout.room_by_id and "D101-ens" not in layout.door_by_id
    assert layout.room_by_id["Room-B"].name == "Bay B"
    assert layout.door_by_id["D102"].between == ("Room-B", "corridor") and layout.door_by_id["D102"].width == 1.4
    assert layout.door_by_id["D102-ens"].between == ("Room-B", "102-ens")
    assert layout.item_by_id["BED-102"].room == "Room-B"
    assert layout.item_by_id["BED-101"].type == "test_cart"
    assert layout.item_by_id["FE-101"].room == "corridor"
    # a changed key points at the `set` line
    line = next(i for i, t in enumerate((ward / "floorplan.yaml").read_text().splitlines(), 1) if "BED-101: {type" in t)
    assert layout.item_by_id["BED-101"].src.at("type") == (line, 23)


def test_a_module_made_of_modules(tmp_path):
    pair = ('kind: module\nversion: 2\nplacements:\n'
            '  - {module: bedroom, id: "{id}a", at: [0, 0]}\n'
            '  - {module: bedroom, id: "{id}b", at: [3.6, 0], mirror: true}\n')
    ward = _ward(tmp_path, '  - {module: pair, id: P, at: [1.8, 5], rotation: 180, mirror: true}\n')
    (ward / "modules" / "pair.yaml").write_text(pair, encoding="utf-8")
    direct = _ward(tmp_path, '  - {module: bedroom, id: Pa, at: [1.8, 5], rotation: 180, mirror: true}\n'
                             '  - {module: bedroom, id: Pb, at: [5.4, 5], rotation: 180}\n', name="direct")
    nested, f1 = load_ward(ward)
    flat, f2 = load_ward(direct)
    assert exit_code(f1) == 0 and exit_code(f2) == 0, [f.format() for f in f1 + f2]
    assert nested.rooms == flat.rooms and nested.doors == flat.doors and nested.items == flat.items
    note = nested.room_by_id["Pb"].src.note()
    assert "placed by module pair at" in note and "modules/pair.yaml:5:" in note and "modules/bedroom.yaml:4:" in note


def test_modules_from_a_library_folder(tmp_path):
    ward = _ward(tmp_path, '  - {module: shared-room, id: "101", n: 1, at: [1.8, 5], rotation: 180, mirror: true}\n')
    lib = tmp_path / "library"
    lib.mkdir()
    (lib / "shared-room.yaml").write_text(BEDROOM % L_SHAPE, encoding="utf-8")
    replace_text(ward / "ward.yaml", "entrance: corridor\n", "entrance: corridor\nmodule_library: ../library\n")
    layout, findings = load_ward(ward)
    assert exit_code(findings) == 0, [f.format() for f in findings]
    assert "101-ens" in layout.room_by_id
    assert "library/shared-room.yaml" in layout.room_by_id["101"].src.note()
    # a module file in the library that is a link to a file outside it is refused unread
    secret = tmp_path / "secret.yaml"
    secret.write_text(BEDROOM % L_SHAPE, encoding="utf-8")
    (lib / "shared-room.yaml").unlink()
    os.symlink(secret, lib / "shared-room.yaml")
    layout, findings = load_ward(ward)
    assert [f.code for f in findings] == ["file-outside-ward"], [f.format() for f in findings]


def test_a_module_door_to_a_room_that_is_not_there(tmp_path):
    ward = _ward(tmp_path, '  - {module: bedroom, id: "101", at: [1.8, 5], rotation: 180, mirror: true, '
                           'connect: {corridor: coridor}}\n')
    _layout, findings = check_ward(ward)
    hits = [f for f in findings if f.code == "unknown-room"]
    assert hits and all(f.file.endswith("floorplan.yaml") and f.line == 5 for f in hits)
    assert all("modules/bedroom.yaml" in f.message for f in hits), [f.format() for f in hits]


# ---- the modular ward and its expanded form


def _expand(ward, out: Path) -> Path:
    assert main(["expand", str(ward), "-o", str(out)]) == 0
    return out


WARDS = [TINY_MODULAR, *(layouts_dir() / w for w in shipped_wards())]


@pytest.mark.parametrize("ward", WARDS, ids=[w.name for w in WARDS])
def test_expand_then_load_gives_the_same_ward(ward, tmp_path, capsys):
    flat = _expand(ward, tmp_path / "flat")
    a, fa = check_ward(ward)
    b, fb = check_ward(flat)
    assert a == b
    assert fa == fb == []
    assert not list(flat.glob("modules")) and "placements" not in (flat / "floorplan.yaml").read_text()
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("ward", shipped_wards())
def test_modular_and_expanded_wards_compile_alike(ward, tmp_path):
    from wardtwin.layout import plan_of
    from wardtwin.model import compile_ward, navigation_findings
    from wardtwin.scene.geometry import ward_geometry

    a, _ = load_ward(ward)
    b, _ = load_ward(_expand(ward, tmp_path / "flat"))
    ma, mb = compile_ward(a), compile_ward(b)
    assert ma.summary() == mb.summary()
    assert navigation_findings(a, ma) == navigation_findings(b, mb) == []
    ga, gb = ward_geometry(plan_of(a)), ward_geometry(plan_of(b))
    assert abs(ga.n_triangles - gb.n_triangles) <= 0.01 * ga.n_triangles
    places = [a.ward.entrance, *sorted(r.id for r in a.rooms)[::5], *sorted(i.id for i in a.items)[::40]]
    for p in places:
        for q in places[::3]:
            da, db = ma.distance(ma.place(p), ma.place(q)), mb.distance(mb.place(p), mb.place(q))
            assert da == db or math.isclose(da, db, abs_tol=1e-9), (p, q)


def test_modular_and_expanded_draw_alike(tmp_path):
    pytest.importorskip("panda3d")
    from wardtwin.layout import plan_of
    from wardtwin.scene.geometry import ward_geometry
    from wardtwin.scene.panda import WardScene

    a, _ = load_ward("icu-12")
    b, _ = load_ward(_expand("icu-12", tmp_path / "flat"))
    ca, cb = WardScene(ward_geometry(plan_of(a))).count_geoms(), WardScene(ward_geometry(plan_of(b))).count_geoms()
    assert abs(ca - cb) <= 0.01 * ca


def test_modular_and_expanded_findings_are_the_same(tmp_path):
    # a module door too narrow, a placement making rooms overlap: the same problems either way,
    # pointing at the placement and the module line in one, at the flat file in the other
    ward = _ward(tmp_path, '  - {module: bedroom, id: "{n}", n: 101, at: [1.8, 5], rotation: 180, mirror: true, '
                           'repeat: {count: 2, step: [3.0, 0]}}\n',
                 module=(BEDROOM % L_SHAPE).replace("width: 0.9", "width: 0.7"))
    modular, fa = check_ward(ward)
    assert main(["expand", str(ward), "-o", str(tmp_path / "flat")]) == 0
    flat, fb = check_ward(tmp_path / "flat")
    assert modular == flat

    def plain(fs):
        return sorted((f.code, f.message.split(" (written in module")[0].split(" (floorplan.yaml")[0]) for f in fs)

    codes = {f.code for f in fa}
    assert {"rooms-overlap", "door-too-narrow"} <= codes
    assert [f.code for f in sort_findings(fa)] and sorted(f.code for f in fa) == sorted(f.code for f in fb)
    narrow = [f for f in fa if f.code == "door-too-narrow"]
    assert all(f.file.endswith("w/floorplan.yaml") and f.line == 5 and "modules/bedroom.yaml:8:76)" in f.message
               for f in narrow), [f.format() for f in narrow]
    assert len(plain(fa)) == len(plain(fb))


def test_expand_writes_nothing_for_a_broken_ward(tmp_path, capsys):
    ward = _ward(tmp_path, '  - {module: no-such-module, id: "101", at: [0, 5]}\n')
    assert main(["expand", str(ward), "-o", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()
    assert "module-missing" in capsys.readouterr().out
    assert main(["expand", str(TINY_MODULAR), "-o", str(TINY_MODULAR)]) == 2


# ---- upgrade


def test_upgrade_keeps_everything_but_the_version(tmp_path, capsys):
    ward = tmp_path / "tiny"
    shutil.copytree(TINY, ward)
    (ward / "ward.yaml").write_text("# the ward in flow style\n{kind: ward,   version: 1 , id: tiny, name: Tiny test ward,\n"
                                    " entrance: corridor}  # flow, a comment\n", encoding="utf-8")
    before = {p.name: p.read_text(encoding="utf-8") for p in ward.glob("*.yaml")}
    old, f_old = load_ward(ward)
    assert main(["upgrade", str(ward)]) == 0
    after = {p.name: p.read_text(encoding="utf-8") for p in ward.glob("*.yaml")}
    for name, text in before.items():
        changed = [(a, b) for a, b in zip(text.splitlines(), after[name].splitlines()) if a != b]
        assert len(changed) == 1 and changed[0][1] == changed[0][0].replace("version: 1", "version: 2"), changed
    assert "# flow, a comment" in after["ward.yaml"]
    new, f_new = load_ward(ward)
    assert new == old and f_new == f_old == []
    assert main(["upgrade", str(ward)]) == 0  # again: nothing to do
    assert "already version 2" in capsys.readouterr().out


def test_upgrade_text_leaves_other_versions_alone():
    assert upgrade_text("kind: ward\nversion: 2\n", "w.yaml") == (None, [])
    assert upgrade_text("kind: ward\nversion: true\n", "w.yaml") == (None, [])
    new, _ = upgrade_text("\ufeffkind: ward\r\nversion:   1   # one\r\nid: x\r\n", "w.yaml")
    assert new == "\ufeffkind: ward\r\nversion:   2   # one\r\nid: x\r\n"


def test_upgrade_refuses_an_unreadable_file_and_writes_nothing(tmp_path):
    ward = tmp_path / "tiny"
    shutil.copytree(TINY, ward)
    (ward / "equipment.yaml").unlink()
    os.mkfifo(ward / "equipment.yaml")
    plan = upgrade_plan(ward)
    assert [f.code for f in plan.findings] == ["file-unreadable"]
    r = subprocess.run([sys.executable, "-m", "wardtwin.cli", "upgrade", str(ward)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert (ward / "ward.yaml").read_text(encoding="utf-8") == (TINY / "ward.yaml").read_text(encoding="utf-8")


def test_shipped_wards_are_short_and_modular():
    for ward, before in (("medsurg-28", 2716), ("icu-12", 1708)):
        folder = layouts_dir() / ward
        files = [folder / "floorplan.yaml", folder / "equipment.yaml", *sorted((folder / "modules").glob("*.yaml"))]
        lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files)
        assert lines <= before / 4, (ward, lines)
        assert "placements:" in (folder / "floorplan.yaml").read_text(encoding="utf-8")
    assert not (REPO / "tools" / "make_reference_wards.py").exists()


def test_the_modules_benchmark_runs(capsys):
    sys.path.insert(0, str(REPO / "tools"))
    import bench_modules

    assert bench_modules.main(["--repeat", "1", "--budget", "1000"]) == 0
    out = capsys.readouterr().out
    assert "30 beds" in out and "PASS" in out
