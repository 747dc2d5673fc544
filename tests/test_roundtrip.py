"""load -> dump_ward -> load gives an equal layout, and the dumped files check clean."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, TINY, replace_text
from wardtwin.layout import check_ward, exit_code, load_ward, shipped_wards
from wardtwin.layout.dump import dump_ward, dump_yaml, layout_documents
from wardtwin.layout.load import layouts_dir

WARDS = [TINY] + [layouts_dir() / w for w in shipped_wards()]
WARD_IDS = ["tiny"] + shipped_wards()


def _roundtrip(src: Path, dest: Path):
    first, f1 = load_ward(src)
    assert first is not None, f1
    dump_ward(first, dest)
    second, f2 = load_ward(dest)
    assert second is not None, f2
    return first, second, f2


@pytest.mark.parametrize("ward", WARDS, ids=WARD_IDS)
def test_load_dump_load_is_equal(ward, tmp_path):
    first, second, findings = _roundtrip(ward, tmp_path / "out")
    assert findings == [], "\n".join(f.format() for f in findings)
    assert second == first
    # field by field too, for a readable failure
    assert second.ward == first.ward
    assert second.rooms == first.rooms
    assert second.doors == first.doors
    assert second.items == first.items
    assert dict(second.catalog) == dict(first.catalog)
    assert second.ward_type_ids == first.ward_type_ids


@pytest.mark.parametrize("ward", WARDS, ids=WARD_IDS)
def test_dumped_ward_checks_like_the_original(ward, tmp_path):
    _, before = check_ward(ward)
    out = dump_ward(load_ward(ward)[0], tmp_path / "out")
    _, after = check_ward(out)
    assert sorted(f.code for f in after) == sorted(f.code for f in before)
    assert exit_code(after) == exit_code(before)


def test_dumped_tiny_checks_clean(tmp_path):
    out = dump_ward(load_ward(TINY)[0], tmp_path / "out")
    _, findings = check_ward(out)
    assert findings == [], "\n".join(f.format() for f in findings)
    assert sorted(p.name for p in out.iterdir()) == ["catalog.yaml", "equipment.yaml", "floorplan.yaml", "ward.yaml"]


def test_dump_is_a_fixed_point(tmp_path):
    a = dump_ward(load_ward(TINY)[0], tmp_path / "a")
    b = dump_ward(load_ward(a)[0], tmp_path / "b")
    for name in ("ward.yaml", "floorplan.yaml", "equipment.yaml", "catalog.yaml"):
        assert (a / name).read_text(encoding="utf-8") == (b / name).read_text(encoding="utf-8"), name


def test_ward_catalog_types_are_kept(tmp_path):
    first, second, _ = _roundtrip(TINY, tmp_path / "out")
    assert first.ward_type_ids == ("test_bed", "test_extinguisher", "test_cart")
    assert second.ward_type_ids == first.ward_type_ids
    for tid in first.ward_type_ids:
        assert second.catalog[tid] == first.catalog[tid]
    ext = second.catalog["test_extinguisher"]
    assert (ext.mount, ext.elevation, ext.safety_critical) == ("wall", 0.6, True)
    assert ext.draw.shape == "cylinder" and ext.draw.color == "#d32f2f"
    # the dumped catalog holds only the ward's own types, never the shipped ones
    types = layout_documents(second)["catalog.yaml"]["types"]
    assert [t["id"] for t in types] == list(first.ward_type_ids)


def test_ward_without_catalog_dumps_no_catalog(ward_copy, tmp_path):
    eq = (TINY / "equipment.yaml").read_text(encoding="utf-8")
    ward = ward_copy({"equipment.yaml": eq.split("items:")[0] + "items: []\n"}, remove=["catalog.yaml"])
    layout, findings = load_ward(ward)
    assert findings == [] and layout.ward_type_ids == ()
    out = tmp_path / "out"
    out.mkdir()
    (out / "catalog.yaml").write_text("stale", encoding="utf-8")
    dump_ward(layout, out)
    assert not (out / "catalog.yaml").exists()
    again, _ = load_ward(out)
    assert again == layout


def test_ward_catalog_models_are_copied(ward_copy, tmp_path):
    ward = ward_copy()
    (ward / "assets" / "models").mkdir(parents=True)
    model = (REPO / "assets" / "models" / "aed_cabinet.glb").read_bytes()  # any real model
    (ward / "assets" / "models" / "bed.glb").write_bytes(model)
    replace_text(ward / "catalog.yaml", 'draw: {shape: bed, color: "#9fb8d0"}',
                 'draw: {shape: bed, color: "#9fb8d0", model: models/bed.glb}')
    _, findings = check_ward(ward)
    assert findings == [], "\n".join(f.format() for f in findings)
    out = dump_ward(load_ward(ward)[0], tmp_path / "out")
    assert (out / "assets" / "models" / "bed.glb").read_bytes() == model
    again, _ = load_ward(out)
    assert again.catalog["test_bed"].draw.model == "models/bed.glb"
    _, findings = check_ward(out)
    assert findings == [], "\n".join(f.format() for f in findings)


def test_units_and_defaults_are_normalised(ward_copy, tmp_path):
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "at: [3.6, 7.6], width: 0.9}", 'at: [3.6, 7.6], width: "36 in"}')
    replace_text(ward / "ward.yaml", "wall_thickness: 0.15\n", "")
    replace_text(ward / "equipment.yaml", "rotation: 0}", 'rotation: "0 deg"}')
    first, second, findings = _roundtrip(ward, tmp_path / "out")
    assert findings == []
    assert second == first
    assert second.door_by_id["D-med"].width == pytest.approx(0.9144)
    text = (tmp_path / "out" / "floorplan.yaml").read_text(encoding="utf-8")
    assert "in" not in text.split("D-med")[1].split("\n")[0]  # written in metres


def test_equality_ignores_source_positions(ward_copy):
    ward = ward_copy()
    text = (ward / "floorplan.yaml").read_text(encoding="utf-8")
    (ward / "floorplan.yaml").write_text("# a comment\n\n" + text, encoding="utf-8")
    a, _ = load_ward(TINY)
    b, _ = load_ward(ward)
    assert a.rooms[0].src.line != b.rooms[0].src.line
    assert a == b


def test_changed_value_is_not_equal(ward_copy):
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "at: [3.6, 7.6], width: 0.9}", "at: [3.6, 7.6], width: 0.91}")
    assert load_ward(ward)[0] != load_ward(TINY)[0]


def test_text_values_that_look_like_other_types_survive(ward_copy, tmp_path):
    ward = ward_copy()
    replace_text(ward / "ward.yaml", "name: Tiny test ward", 'name: "yes"\ndescription: "1.5"')
    replace_text(ward / "floorplan.yaml", "name: Medication room", 'name: "null"\n    number: "007"')
    replace_text(ward / "equipment.yaml", "rotation: 180}\n  - {id: CC-1",
                 'rotation: 180, label: "#1: extinguisher", asset_tag: "2024-01-01"}\n  - {id: CC-1')
    first, second, findings = _roundtrip(ward, tmp_path / "out")
    assert findings == []
    assert second == first
    assert second.ward.name == "yes" and second.ward.description == "1.5"
    assert second.room_by_id["med"].name == "null" and second.room_by_id["med"].number == "007"
    assert second.item_by_id["FE-1"].label == "#1: extinguisher"


TRICKY_TEXT = ["yes", "no", "null", "~", "1.5", "0x1f", "2024-01-01", "- a", "#x", "a: b", "  lead", "trail  ",
               "multi\nline", "tab\tx", '"q"', "'q'", "{a}", "[1]", "*x", "&a", "!t", "%x", "@x", "`x", "|", ">",
               "?", "été", "病房", "a\x07b", "a\u2028b", "room…", "room\x85"]


@pytest.mark.parametrize("text", TRICKY_TEXT, ids=[repr(t) for t in TRICKY_TEXT])
def test_text_values_survive_the_roundtrip(text, tmp_path):
    import dataclasses

    layout, _ = load_ward(TINY)
    rooms = (dataclasses.replace(layout.rooms[0], name=text),) + layout.rooms[1:]
    items = (dataclasses.replace(layout.items[0], label=text),) + layout.items[1:]
    changed = dataclasses.replace(layout, ward=dataclasses.replace(layout.ward, name=text, description=text),
                                  rooms=rooms, items=items)
    dump_ward(changed, tmp_path)
    again, findings = load_ward(tmp_path)
    assert findings == []
    assert again.ward.name == text
    assert again.rooms[0].name == text
    assert again.items[0].label == text
    assert again == changed


_coord = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dx=_coord, dy=_coord, width=st.floats(min_value=1e-6, max_value=10.0), rotation=st.floats(-360, 360))
def test_numbers_survive_the_roundtrip_exactly(dx, dy, width, rotation):
    # values are checked for equality, not closeness: dump writes numbers as they were read
    layout, _ = load_ward(TINY)
    import dataclasses

    rooms = tuple(dataclasses.replace(r, polygon=tuple((x + dx, y + dy) for x, y in r.polygon)) for r in layout.rooms)
    doors = tuple(dataclasses.replace(d, width=width) for d in layout.doors)
    items = tuple(dataclasses.replace(i, rotation=rotation, at=(i.at[0] + dx, i.at[1] + dy)) for i in layout.items)
    changed = dataclasses.replace(layout, rooms=rooms, doors=doors, items=items)
    with tempfile.TemporaryDirectory() as tmp:
        dump_ward(changed, tmp)
        again, findings = load_ward(tmp)
    assert findings == []
    assert again == changed


def test_dump_yaml_writes_points_in_flow_style():
    layout, _ = load_ward(TINY)
    text = dump_yaml(layout_documents(layout)["floorplan.yaml"])
    assert "  - [3.6, 5.0]\n" in text  # each corner [x, y] on one line
    assert "at: [1.8, 5.0]" in text
    assert "between: ['101', corridor]" in text or 'between: ["101", corridor]' in text
    assert "&" not in text and "*" not in text and "!!" not in text  # readable by the safe reader
