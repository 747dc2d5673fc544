"""The semantic checks at their limits: what must pass, and what must be reported."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import REPO, replace_text
from wardtwin.errors import UnknownNameError
from wardtwin.layout import check_ward, exit_code, load_ward, validate
from wardtwin.layout.checks import CHECKS, run_checks
from wardtwin.layout.plan import plan_of


def codes(ward) -> list[str]:
    return [f.code for f in check_ward(ward)[1]]


# ---- doors


@pytest.mark.parametrize("y,ok", [(5.0, True), (5.08, True), (4.92, True), (5.1, False), (4.9, False)])
def test_door_may_sit_up_to_half_a_wall_thickness_off_the_line(y, ok, ward_copy):
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "at: [1.8, 5], width: 1.2", f"at: [1.8, {y}], width: 1.2")
    assert ("door-not-on-shared-wall" not in codes(ward)) == ok


def test_door_as_wide_as_its_wall_fits(ward_copy):
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "at: [7.2, 6.3], width: 1.2", "at: [7.2, 6.3], width: 2.6")
    assert codes(ward) == []


@pytest.mark.parametrize("width,found", [(0.81, []), ('"32 in"', []), (0.80, ["door-too-narrow"])])
def test_door_width_limit(width, found, ward_copy):
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "width: 0.9}", f"width: {width}}}")
    assert codes(ward) == found


def test_bed_door_rule_only_for_bed_passage(ward_copy):
    # the 0.9 m door D-med: fine into an ensuite (no bed goes there), too narrow for an isolation room
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "kind: medication_room", "kind: ensuite")
    assert codes(ward) == []
    replace_text(ward / "floorplan.yaml", "kind: ensuite", "kind: isolation_room")
    assert codes(ward) == ["bed-door-narrow"]


def test_door_to_outside_may_name_outside_first(ward_copy):
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "between: [corridor, outside]", "between: [outside, corridor]")
    layout, findings = check_ward(ward)
    assert findings == []
    assert "D-out" in plan_of(layout).opening_by_door


def test_door_between_outside_and_outside(ward_copy):
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "between: [corridor, outside]", "between: [outside, outside]")
    assert "door-to-itself" in codes(ward) or "unknown-room" in codes(ward)


def test_broken_entries_are_not_reported_twice(ward_copy):
    # room 101 has a bad kind: doors and items naming it get no unknown-room finding
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "kind: patient_room\n    polygon: [[0, 0]", "kind: patient_rom\n    polygon: [[0, 0]")
    assert codes(ward) == ["unknown-value"]


# ---- equipment


def test_wall_item_against_a_wall_is_fine(tiny):
    layout, findings = check_ward(tiny)
    assert findings == []
    assert layout.mount_of(layout.item_by_id["FE-1"]) == "wall"


def test_item_mount_and_elevation_fall_back_to_the_type(tiny):
    layout, _ = load_ward(tiny)
    fe = layout.item_by_id["FE-1"]
    assert fe.mount is None and fe.elevation is None
    assert layout.mount_of(fe) == "wall" and layout.elevation_of(fe) == 0.6
    assert layout.ceiling_of(layout.room_by_id["med"]) == 2.7


def test_room_ceiling_overrides_the_wards(ward_copy):
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "kind: medication_room\n", "kind: medication_room\n    ceiling_height: 2.0\n")
    replace_text(ward / "equipment.yaml", "at: [1.0, 10.0], rotation: 180}", "at: [1.0, 10.0], rotation: 180, elevation: 1.0}")
    found = [f for f in check_ward(ward)[1] if f.code == "equipment-above-ceiling"]
    assert len(found) == 1 and "2.00 m ceiling" in found[0].message


def test_ward_catalog_may_not_redefine_a_shipped_type(ward_copy):
    shipped = yaml.safe_load((REPO / "assets" / "catalog.yaml").read_text(encoding="utf-8"))
    taken = shipped["types"][0]["id"]
    ward = ward_copy()
    replace_text(ward / "catalog.yaml", "id: test_cart", f"id: {taken}")
    replace_text(ward / "equipment.yaml", "type: test_cart", f"type: {taken}")
    found = [f for f in check_ward(ward)[1] if f.code == "duplicate-id"]
    assert len(found) == 1
    assert Path(found[0].file).name == "catalog.yaml" and found[0].line == 21
    assert "shipped catalog" in found[0].message


def test_model_inside_the_assets_folder_is_fine(ward_copy):
    ward = ward_copy()
    (ward / "assets" / "models").mkdir(parents=True)
    (ward / "assets" / "models" / "Bed.GLB").write_bytes((REPO / "assets" / "models" / "aed_cabinet.glb").read_bytes())
    replace_text(ward / "catalog.yaml", 'draw: {shape: bed, color: "#9fb8d0"}', "draw: {model: models/Bed.GLB}")
    assert codes(ward) == []


@pytest.mark.parametrize("name, data, why", [
    ("bed.glb", b"glTF", "no 'glTF' header"),
    ("bed.glb", None, "cut short"),
    ("bed.gltf", b'{"asset": {"version": "2.0"}, "buffers": [{"uri": "bed.bin", "byteLength": 4}]}', "'bed.bin' is missing"),
    ("bed.gltf", b'{"asset": {"version": "1.0"}}', "'1.0'"),
    ("bed.bam", b"not a bam", "pbj"),
])
def test_model_that_cannot_be_read_as_its_format(ward_copy, name, data, why):
    ward = ward_copy()
    (ward / "assets").mkdir()
    if data is None:  # a real model, its last bytes lost
        data = (REPO / "assets" / "models" / "aed_cabinet.glb").read_bytes()[:-8]
    (ward / "assets" / name).write_bytes(data)
    replace_text(ward / "catalog.yaml", 'draw: {shape: bed, color: "#9fb8d0"}', f"draw: {{model: {name}}}")
    found = [f for f in check_ward(ward)[1] if f.code == "asset-unreadable"]
    assert len(found) == 1 and why in found[0].message and found[0].line == 10, [f.format() for f in found]


def test_model_that_is_not_a_model_file(ward_copy):
    ward = ward_copy()
    (ward / "assets").mkdir()
    (ward / "assets" / "bed.txt").write_text("not a model", encoding="utf-8")
    replace_text(ward / "catalog.yaml", 'draw: {shape: bed, color: "#9fb8d0"}', "draw: {model: bed.txt}")
    assert codes(ward) == ["wrong-type"]


def test_draw_needs_a_shape_or_a_model(ward_copy):
    ward = ward_copy()
    replace_text(ward / "catalog.yaml", 'draw: {shape: bed, color: "#9fb8d0"}', 'draw: {color: "#9fb8d0"}')
    found = check_ward(ward)[1]
    assert [(f.code, f.line) for f in found] == [("missing-key", 10)]


# ---- the check registry


def test_every_registered_check_runs_on_tiny(tiny):
    layout, _ = load_ward(tiny)
    for name in CHECKS:
        assert list(run_checks(plan_of(layout), [name])) == [], name


def test_unknown_check_name_lists_the_valid_ones(tiny):
    layout, _ = load_ward(tiny)
    with pytest.raises(UnknownNameError) as exc:
        validate(layout, only=["no-such-check"])
    assert "reachability" in str(exc.value)


def test_only_runs_the_named_checks(ward_copy):
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "width: 0.9}", "width: 0.70}")
    layout, _ = load_ward(ward)
    assert [f.code for f in validate(layout, only=["door-width"])] == ["door-too-narrow"]
    assert validate(layout, only=["door-reachability"]) == []


def test_check_ward_of_a_missing_folder_raises_usage_error(tmp_path):
    from wardtwin.errors import UsageError

    with pytest.raises(UsageError) as exc:
        check_ward(tmp_path / "nowhere")
    assert "nowhere" in str(exc.value)


def test_exit_code_of_tiny(tiny):
    assert exit_code(check_ward(tiny)[1]) == 0


# ---- the shipped reference wards

from wardtwin.layout import shipped_wards  # noqa: E402


@pytest.mark.parametrize("name", shipped_wards())
def test_shipped_ward_checks_without_errors(name):
    layout, findings = check_ward(name)  # found by name, from any working directory
    assert layout is not None
    assert exit_code(findings) == 0, "\n".join(f.format() for f in findings if f.severity.blocks)
    assert layout.rooms and layout.doors and layout.items


@pytest.mark.parametrize("name", shipped_wards())
def test_shipped_ward_uses_known_types_and_rooms(name):
    layout, _ = load_ward(name)
    for it in layout.items:
        assert it.type in layout.catalog, it.id
        assert it.room in layout.room_by_id, it.id
    assert layout.ward.entrance in layout.room_by_id


# ---- tolerances: what is within the snap distance (1 mm) is touching, not overlapping


@pytest.mark.parametrize("corner", ["[0, 7.6004]", "[0, 7.5996]"])
def test_corners_within_a_millimetre_are_one_corner(corner, ward_copy):
    # walls treat corners closer than SNAP as the same point; the room checks must agree:
    # 0.4 mm apart is neither a gap nor an overlap ("overlaps by 0.00 m²")
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "[[0, 5], [7.2, 5], [7.2, 7.6], [0, 7.6]]",
                 f"[[0, 5], [7.2, 5], [7.2, 7.6], {corner}]")
    _, findings = check_ward(ward)
    assert findings == [], "\n".join(f.format() for f in findings)


@pytest.mark.parametrize("old,new", [
    ("at: [5.5, 7.4]", "at: [5.5, 7.4005]"),    # wall extinguisher: back 0.5 mm into the wall face
    ("at: [1.8, 1.175]", "at: [1.8, 1.1745]"),  # bed: foot end 0.5 mm into the wall face
])
def test_items_touching_a_wall_face_within_a_millimetre_are_not_in_the_wall(old, new, ward_copy):
    ward = ward_copy()
    replace_text(ward / "equipment.yaml", old, new)
    _, findings = check_ward(ward)
    assert findings == [], "\n".join(f.format() for f in findings)


def test_a_door_left_out_for_its_own_error_does_not_also_cut_off_its_room(ward_copy):
    """The medication room's only door has a bad width: that is the one finding, not also
    'room-unreachable' for the room behind it (the full check falls back to the door graph
    while errors remain)."""
    from wardtwin.model import check

    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "at: [3.6, 7.6], width: 0.9}", "at: [3.6, 7.6], width: wide}")
    for found in (check_ward(ward)[1], check(ward)[1]):
        c = [f.code for f in found]
        assert "room-unreachable" not in c, c
        assert c and all(f.severity.blocks for f in found if f.code != "room-unreachable")
        assert any("width" in f.message for f in found), [f.format() for f in found]
    ward2 = ward_copy()  # without the door at all, the room is cut off and said so
    text = (ward2 / "floorplan.yaml").read_text(encoding="utf-8")
    (ward2 / "floorplan.yaml").write_text(
        "\n".join(ln for ln in text.splitlines() if "D-med" not in ln) + "\n", encoding="utf-8")
    assert "room-unreachable" in codes(ward2)
