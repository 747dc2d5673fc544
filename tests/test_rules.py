"""Rule packs (issue 15): every rule breaks on one tiny ward with exactly its finding at the
right file:line and passes on its twin; packs are checked like any other file; SARIF output;
distance fields are monotone in their targets; the shipped wards pass the US pack."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from wardtwin.cli import main
from wardtwin.layout import CODES
from wardtwin.model import check, compile_ward, load_model
from wardtwin.rules.engine import Fields
from wardtwin.rules.pack import read_pack, shipped_pack, shipped_packs
from wardtwin.rules.registry import RULES

W2 = 0.075 + 0.001  # a wall item's centre this far (plus half its depth) from a wall line


def wall_y(depth: float) -> float:
    """y of a wall item on the corridor's south wall (y = 0), facing north."""
    return 0.075 + depth / 2


def make_ward(tmp: Path, *, length=40.0, items=(), rooms=(), doors=(), exits=("w", "e"), pack=None,
              overrides=None, width=2.6) -> Path:
    """A corridor ``length`` m long (y 0 to ``width``, 2.6 by default) with a stair at each end (exit doors D-w and
    D-e, as ``exits`` says), extra rooms and doors, and items; checked against ``pack`` (the
    text of a hospital's own pack, written beside the ward) or the shipped US pack."""
    ward = tmp / "w"
    ward.mkdir(parents=True, exist_ok=True)
    L = length
    lines = ["kind: ward", "version: 2", "id: t", "name: T", "entrance: corridor"]
    if pack is not None:
        (tmp / "pack.yaml").write_text(pack, encoding="utf-8")
        lines.append("rules: ../pack.yaml")
    if overrides:
        lines.append("rule_overrides:")
        lines += [f"  {k}: {v}" for k, v in overrides.items()]
    (ward / "ward.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fp = ["kind: floorplan", "version: 2", "rooms:",
          f"  - {{id: corridor, name: Corridor, kind: corridor, polygon: [[0, 0], [{L}, 0], [{L}, {width}], [0, {width}]]}}",
          "  - {id: stair-w, name: Stair W, kind: stair, polygon: [[-3, 0], [0, 0], [0, 2.6], [-3, 2.6]]}",
          f"  - {{id: stair-e, name: Stair E, kind: stair, polygon: [[{L}, 0], [{L + 3}, 0], [{L + 3}, 2.6], [{L}, 2.6]]}}"]
    fp += [f"  - {r}" for r in rooms]
    fp += ["doors:",
           f"  - {{id: D-w, between: [corridor, stair-w], at: [0, 1.3], width: 1.2, exit: {'true' if 'w' in exits else 'false'}}}",
           f"  - {{id: D-e, between: [corridor, stair-e], at: [{L}, 1.3], width: 1.2, exit: {'true' if 'e' in exits else 'false'}}}"]
    fp += [f"  - {d}" for d in doors]
    (ward / "floorplan.yaml").write_text("\n".join(fp) + "\n", encoding="utf-8")
    eq = ["kind: equipment", "version: 2", "items:" if items else "items: []"] + [f"  - {i}" for i in items]
    (ward / "equipment.yaml").write_text("\n".join(eq) + "\n", encoding="utf-8")
    return ward


def pack_of(*rules: str, **limits) -> str:
    """A pack of the US pack's entries for ``rules`` only (limits replaced by ``limits``)."""
    pack, _f = shipped_pack("us")
    out = ["kind: rules", "version: 1", "id: test", "name: Test pack", "rules:"]
    for rid in rules:
        lim = pack.limits[rid]
        out.append(f"  {rid}:")
        if lim.value is not None:
            out.append(f"    limit: {limits.get(rid, lim.written)}")
        for k, v in lim.params.items():
            if k == "speed":
                out.append(f"    speed: {v:g} m/s")
            if k in ("width", "route"):
                out.append(f"    {k}: {v:g} m")
        if "requires" in lim.params:
            out.append("    requires:")
            for kind, need in lim.params["requires"].items():
                out.append(f"      {kind}: [" + ", ".join("[" + ", ".join(a) + "]" for a in need) + "]")
        if "kinds" in lim.params:
            out.append("    kinds: [" + ", ".join(lim.params["kinds"]) + "]")
        if "minimums" in lim.params:
            out.append("    minimums:")
            for kind, (_v, written) in lim.params["minimums"].items():
                out.append(f"      {kind}: {written}")
        out.append(f"    source: {json.dumps(lim.source)}")
        out.append("    severity: warning")
    return "\n".join(out) + "\n"


def findings(ward) -> list:
    layout, fs, _m = check(ward)
    return fs


def where(f) -> tuple:
    return (Path(f.file).name, f.line, f.code)


ROOM = "{id: '101', name: Room 101, kind: patient_room, polygon: [[0, -5], [3.6, -5], [3.6, 0], [0, 0]]}"
DOOR = "{id: D101, between: ['101', corridor], at: [1.8, 0], width: 1.2}"
BED = "{id: BED-1, type: patient_bed, room: '101', at: [1.8, -2.5]}"


WC_ROOM = "{id: wc, name: WC, kind: toilet, polygon: [[0, -1.9], [1.8, -1.9], [1.8, 0], [0, 0]]}"
WC_DOOR = "{id: D-wc, between: [wc, corridor], at: [0.9, 0], width: 0.9}"
WC = "{id: WC-1, type: toilet, room: wc, at: [0.45, -1.45]}"
OFFICE = "{id: office, name: Office, kind: office, polygon: [[0, -3], [6, -3], [6, 0], [0, 0]]}"
OFFICE_DOOR = "{id: D-office, between: [office, corridor], at: [1, 0], width: 0.9}"
DESK = "{{id: DESK-1, type: nurse_station_desk, room: office, at: {at}, rotation: {rot}}}"


def fe(i, x):
    return f"{{id: FE-{i}, type: fire_extinguisher, room: corridor, at: [{x}, {wall_y(0.18):.3f}]}}"


def box(i, x):
    return f"{{id: PS-{i}, type: fire_alarm_pull_station, room: corridor, at: [{x}, {wall_y(0.08):.3f}]}}"


# ---- the pairs: (rule, breaking ward kwargs, passing ward kwargs, expected (file, line) of the finding)

PAIRS = {
    "extinguisher-distance": (dict(length=40, items=[fe(1, 2)]), dict(length=40, items=[fe(1, 20)]),
                              ("floorplan.yaml", 4)),
    "exit-distance": (dict(length=130), dict(length=118), ("floorplan.yaml", 4)),
    "exits-remote": (dict(length=40, exits=("w",), doors=[
        "{id: D-w2, between: [corridor, outside], at: [2, 2.6], width: 1.2, exit: true}"]),
        dict(length=40), ("floorplan.yaml", 10)),
    "alarm-box-at-exit": (dict(length=20, items=[box(1, 0.9)]), dict(length=20, items=[box(1, 0.9), box(2, 19.1)]),
                          ("floorplan.yaml", 9)),
    "alarm-box-distance": (dict(length=130, items=[box(1, 2)]), dict(length=130, items=[box(1, 40), box(2, 95)]),
                           ("floorplan.yaml", 4)),
    "crash-cart-time": (dict(length=100, rooms=[ROOM], doors=[DOOR], items=[
        BED, "{id: CC-1, type: crash_cart, room: corridor, at: [98, 2.2]}"]),
        dict(length=100, rooms=[ROOM], doors=[DOOR], items=[BED, "{id: CC-1, type: crash_cart, room: corridor, at: [60, 2.2]}"]),
        ("equipment.yaml", 4)),
    "aed-time": (dict(length=100, rooms=[ROOM], doors=[DOOR], items=[
        BED, f"{{id: AED-1, type: aed, room: corridor, at: [98, {wall_y(0.2):.3f}]}}"]),
        dict(length=100, rooms=[ROOM], doors=[DOOR], items=[BED, f"{{id: AED-1, type: aed, room: corridor, at: [60, {wall_y(0.2):.3f}]}}"]),
        ("equipment.yaml", 4)),
    "hand-rub-at-entry": (dict(rooms=[ROOM], doors=[DOOR]), dict(rooms=[ROOM], doors=[DOOR], items=[
        f"{{id: HH-1, type: hand_hygiene_dispenser, room: corridor, at: [3.0, {wall_y(0.12):.3f}]}}"]),
        ("floorplan.yaml", 11)),
    "room-equipment": (dict(rooms=[ROOM], doors=[DOOR], items=[BED]), dict(rooms=[ROOM], doors=[DOOR], items=[
        BED, "{id: O2, type: headwall_oxygen, room: '101', at: [3.465, -2.5], rotation: 90}",
        "{id: SUC, type: headwall_suction, room: '101', at: [3.45, -2.2], rotation: 90}",
        "{id: CB, type: code_blue_button, room: '101', at: [3.495, -1.9], rotation: 90}"]),
        ("floorplan.yaml", 7)),
    "isolation-anteroom": (
        dict(rooms=[ROOM.replace("patient_room", "isolation_room")], doors=[DOOR]),
        dict(rooms=["{id: '101', name: Iso 101, kind: isolation_room, polygon: [[0, -5], [3.6, -5], [3.6, -2], [0, -2]]}",
                    "{id: ante, name: Ante 101, kind: anteroom, polygon: [[0, -2], [3.6, -2], [3.6, 0], [0, 0]]}"],
             doors=["{id: D101, between: ['101', ante], at: [1.8, -2], width: 1.2}",
                    "{id: D-ante, between: [ante, corridor], at: [1.8, 0], width: 1.2}"]),
        ("floorplan.yaml", 7)),
    # a second exit halfway: the corridor's east half (20 m) is a dead end; near the east end, 6 m
    "dead-end-corridor": (
        dict(length=40, exits=("w",), doors=["{id: D-n, between: [corridor, outside], at: [20, 2.6], width: 1.2, exit: true}"]),
        dict(length=40, exits=("w",), doors=["{id: D-n, between: [corridor, outside], at: [34, 2.6], width: 1.2, exit: true}"]),
        ("floorplan.yaml", 4)),
    "bed-clearance": (dict(rooms=[ROOM], doors=[DOOR], items=[BED.replace("at: [1.8,", "at: [0.9,")]),
                      dict(rooms=[ROOM], doors=[DOOR], items=[BED]), ("equipment.yaml", 4)),
    "turning-space": (dict(rooms=[WC_ROOM], doors=[WC_DOOR], items=[WC]), dict(rooms=[WC_ROOM], doors=[WC_DOOR]),
                      ("floorplan.yaml", 7)),
    "room-net-area": (dict(rooms=[ROOM.replace("-5]", "-3.2]")], doors=[DOOR]), dict(rooms=[ROOM], doors=[DOOR]),
                      ("floorplan.yaml", 7)),
    "room-cut-off": (dict(rooms=[OFFICE], doors=[OFFICE_DOOR], items=[DESK.format(at="[3, -1.5]", rot=90)]),
                     dict(rooms=[OFFICE], doors=[OFFICE_DOOR], items=[DESK.format(at="[3, -2.45]", rot=0)]),
                     ("equipment.yaml", 4)),
    "equipment-access": (
        dict(items=[f"{{id: AED-1, type: aed, room: corridor, at: [10, {wall_y(0.2):.3f}]}}",
                    "{id: LC-1, type: linen_cart, room: corridor, at: [10.3, 1.3]}"]),
        dict(items=[f"{{id: AED-1, type: aed, room: corridor, at: [10, {wall_y(0.2):.3f}]}}",
                    "{id: LC-1, type: linen_cart, room: corridor, at: [11.1, 1.3]}"]),
        ("equipment.yaml", 5)),
}


@pytest.mark.parametrize("rule", sorted(PAIRS))
def test_each_rule_breaks_one_ward_and_passes_its_twin(rule, tmp_path):
    bad, good, (file, line) = PAIRS[rule]
    pack = pack_of(rule)
    fb = findings(make_ward(tmp_path / "bad", pack=pack, **bad))
    assert [where(f) for f in fb] == [(file, line, RULES[rule].code)], [f.format() for f in fb]
    assert f"[{rule}: " in fb[0].message and fb[0].column > 0
    fg = findings(make_ward(tmp_path / "good", pack=pack, **good))
    assert fg == [], [f.format() for f in fg]


def test_corridor_clear_width_counts_floor_equipment(tmp_path):
    """A linen cart parked against a corridor wall leaves 1.80 m of 2.45 m clear: found at the
    cart's line with the width and the place; in a 3.5 m corridor (3.35 m clear) it passes."""
    cart = "{id: LC-1, type: linen_cart, room: corridor, at: [10, 0.425]}"
    pack = pack_of("corridor-clear-width")
    fb = findings(make_ward(tmp_path / "bad", pack=pack, items=[cart]))
    assert [where(f) for f in fb] == [("equipment.yaml", 4, "corridor-narrow")], [f.format() for f in fb]
    assert "1.80 m wide at (10." in fb[0].message and "2.44 m (2440 mm)" in fb[0].message
    fg = findings(make_ward(tmp_path / "good", pack=pack, items=[cart], width=3.5))
    assert fg == [], [f.format() for f in fg]


def test_no_false_alarms_at_open_bays_and_staff_doors(tmp_path):
    """Issue 15, point 5: an anteroom's 0.92 m staff door is no bed door (the bed passes a
    patient room's door, which is); a cart in an open alcove does not block a door."""
    ante = ["{id: ante, name: Ante, kind: anteroom, polygon: [[0, -3], [3, -3], [3, 0], [0, 0]]}",
            "{id: iso, name: Iso, kind: isolation_room, polygon: [[0, -7], [3, -7], [3, -3], [0, -3]]}"]
    doors = ["{id: D-ante, between: [ante, corridor], at: [1.5, 0], width: 0.92}",
             "{id: D-iso, between: [iso, ante], at: [1.5, -3], width: 1.2}"]
    pack = pack_of("bed-door-clear-width")
    assert findings(make_ward(tmp_path / "a", pack=pack, rooms=ante, doors=doors)) == []
    fs = findings(make_ward(tmp_path / "b", pack=pack, rooms=[ROOM], doors=[DOOR.replace("1.2}", "0.92}")]))
    assert [where(f) for f in fs] == [("floorplan.yaml", 11, "bed-door-narrow")]
    bay = ["{id: bay, name: Bay, kind: alcove, open_to: corridor, polygon: [[10, 2.6], [11.2, 2.6], [11.2, 3.8], [10, 3.8]]}"]
    cart = "{id: CC-1, type: crash_cart, room: bay, at: [10.6, 3.15], rotation: 180}"
    fs = findings(make_ward(tmp_path / "c", rooms=bay, items=[cart], pack=pack_of("equipment-access")))
    assert not [f for f in fs if f.code == "equipment-blocks-door"], [f.format() for f in fs]


def test_every_model_rule_has_a_pair():
    from wardtwin.rules.registry import Family

    assert {r for r, d in RULES.items() if d.family is Family.MODEL} == set(PAIRS)


def test_distance_finding_names_worst_place_distance_and_limit(tmp_path):
    f = findings(make_ward(tmp_path, pack=pack_of("extinguisher-distance"), length=40, items=[fe(1, 2)]))[0]
    assert "the point (39.9, " in f.message and "from the nearest fire extinguisher (FE-1)" in f.message
    assert "22.86 m (75 ft)" in f.message
    dist = float(f.message.split(" is ")[1].split(" m walk")[0])
    assert 37.5 < dist < 39.5  # exact walk about 37.8 m; the grid is never shorter


def test_override_in_ward_yaml_changes_a_limit(tmp_path):
    ward = make_ward(tmp_path, pack=pack_of("extinguisher-distance"), length=40, items=[fe(1, 20)],
                     overrides={"extinguisher-distance": "{limit: 15 m, source: 'hospital policy 7.1'}"})
    fs = findings(ward)
    assert [f.code for f in fs] == ["extinguisher-too-far"] and "[extinguisher-distance: hospital policy 7.1]" in fs[0].message


def test_ihfg_door_width_flags_a_door_the_us_pack_passes(tmp_path, ward_copy):
    ward = make_ward(tmp_path, rooms=[ROOM], doors=[DOOR.replace("width: 1.2", "width: 0.9")])
    us = [f.code for f in check(ward)[1] if f.code in ("door-too-narrow", "bed-door-narrow")]
    text = (ward / "ward.yaml").read_text() + "rules: ihfg\n"
    (ward / "ward.yaml").write_text(text)
    ih = [f for f in check(ward)[1] if f.code in ("door-too-narrow", "bed-door-narrow")]
    assert us == ["bed-door-narrow"] and [f.code for f in ih] == ["door-too-narrow"]
    assert "0.92 m (920 mm)" in ih[0].message


# ---- bad packs: file:line findings like any other file

BAD = {
    "unknown-rule": ("  extinguisher-distanse:\n    limit: 75 ft\n    source: x\n", 6, "unknown-rule"),
    "wrong-unit": ("  extinguisher-distance:\n    limit: 75 kg\n    source: x\n", 7, "bad-unit"),
    "no-unit": ("  extinguisher-distance:\n    limit: 75\n    source: x\n", 7, "bad-unit"),
    "no-source": ("  extinguisher-distance:\n    limit: 75 ft\n", 7, "missing-key"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_pack_findings_at_file_line(case, tmp_path):
    body, line, code = BAD[case]
    p = tmp_path / "pack.yaml"
    p.write_text("kind: rules\nversion: 1\nid: bad\nname: Bad\nrules:\n" + body)
    pack, fs = read_pack(p, "pack.yaml")
    assert [(f.file, f.line, f.code) for f in fs] == [("pack.yaml", line, code)], [f.format() for f in fs]
    assert "extinguisher-distance" not in pack.limits
    ward = make_ward(tmp_path / "w", pack=p.read_text(), length=40, items=[fe(1, 2)])
    assert [(Path(f.file).name, f.line, f.code) for f in findings(ward)] == [("pack.yaml", line, code)]


def test_bad_room_kinds_and_areas_in_a_pack(tmp_path):
    p = tmp_path / "pack.yaml"
    p.write_text("kind: rules\nversion: 1\nid: bad\nname: Bad\nrules:\n"
                 "  turning-space:\n    limit: 1500 mm\n    kinds: [ensuite, toilett]\n    source: x\n"
                 "  room-net-area:\n    minimums: {patient_room: 120 kg}\n    source: x\n")
    pack, fs = read_pack(p, "pack.yaml")
    assert [(f.line, f.code) for f in fs] == [(8, "unknown-value"), (11, "bad-unit")], [f.format() for f in fs]
    assert "did you mean 'toilet'" in fs[0].message and "turning-space" not in pack.limits


def test_pack_outside_the_hospital_folder_is_refused(tmp_path):
    ward = make_ward(tmp_path / "h", length=40, items=[fe(1, 20)])
    (tmp_path / "elsewhere.yaml").write_text("kind: rules\n")
    text = (ward / "ward.yaml").read_text() + "rules: ../../elsewhere.yaml\n"
    (ward / "ward.yaml").write_text(text)
    fs = findings(ward)
    assert [(Path(f.file).name, f.line, f.code) for f in fs] == [("ward.yaml", 6, "file-outside-ward")]


def test_shipped_packs_are_clean_and_sourced():
    assert shipped_packs() == ["ihfg", "us"]
    for name in shipped_packs():
        pack, fs = shipped_pack(name)
        assert fs == [] and pack.limits
        for lim in pack.limits.values():
            assert lim.source.strip()
    assert set(shipped_pack("us")[0].limits) == set(RULES)


def test_rules_command_lists_every_rule_with_limit_and_source(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for rid in RULES:
        assert rid in out
    assert "22.86 m (75 ft)" in out and "NFPA 10 Table 6.2.1.1" in out


def test_new_codes_are_catalogued():
    for r in RULES.values():
        assert r.code in CODES
    assert "unknown-rule" in CODES


# ---- the shipped wards pass their pack


#: The findings the shipped wards keep under the US pack, each explained in docs/rules.md
#: ("The shipped wards"): medsurg-28's rooms are 3.6 x 5.0 m with the bed across the window end.
SHIPPED_REMAINING = {"medsurg-28": ["bed-clearance-short", "no-turning-space"], "icu-12": []}


@pytest.mark.parametrize("ward", ["medsurg-28", "icu-12"])
def test_shipped_wards_pass_the_us_pack(ward):
    fs = findings(ward)
    assert sorted(f.code for f in fs) == SHIPPED_REMAINING[ward], [f.format() for f in fs]
    doc = (Path(__file__).resolve().parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    shipped = doc[doc.index("## The shipped wards"):]
    for code in SHIPPED_REMAINING[ward]:
        assert f"`{code}`" in shipped, code


def test_equipment_access_route_pair(tmp_path):
    """A desk leaving 0.60 m past it to an AED on the far wall: a person passes, a cart and its
    crew (32 in, 0.81 m) do not; the desk along the wall leaves the way open."""
    room = "{id: office, name: Office, kind: office, polygon: [[0, -3.2], [6, -3.2], [6, 0], [0, 0]]}"
    aed = "{id: AED-1, type: aed, room: office, at: [5.824, -1.5], rotation: 90}"
    kw = dict(rooms=[room], doors=[OFFICE_DOOR], pack=pack_of("equipment-access"))
    fb = findings(make_ward(tmp_path / "bad", items=[DESK.format(at="[3, -1.875]", rot=90), aed], **kw))
    assert [where(f) for f in fb] == [("equipment.yaml", 4, "equipment-access-blocked")], [f.format() for f in fb]
    assert "DESK-1" in fb[0].message and "AED-1" in fb[0].message
    fg = findings(make_ward(tmp_path / "good", items=[DESK.format(at="[3, -2.675]", rot=0), aed], **kw))
    assert fg == [], [f.format() for f in fg]


def test_workstation_cutting_off_the_crash_cart_is_found(tmp_path):
    """The known case: medsurg-28's workstation WS-2 as first drawn (x 33.8) left the floor in
    front of the crash cart reachable only through a 0.68 m gap; the shipped ward moved it."""
    import shutil

    from wardtwin.layout.load import layouts_dir

    ward = tmp_path / "medsurg-28"
    shutil.copytree(layouts_dir() / "medsurg-28", ward)
    eq = ward / "equipment.yaml"
    text = eq.read_text(encoding="utf-8")
    assert "id: WS-2, type: computer_workstation, room: nurse-station, at: [33.2, 3.8]" in text
    eq.write_text(text.replace("at: [33.2, 3.8], rotation: 180}", "at: [33.8, 3.8], rotation: 180}"), encoding="utf-8")
    fs = [f for f in findings(ward) if f.code == "equipment-access-blocked"]
    assert [where(f) for f in fs] == [("equipment.yaml", 26, "equipment-access-blocked")], [f.format() for f in fs]
    assert "WS-2" in fs[0].message and "CC-1" in fs[0].message and "0.81 m" in fs[0].message


# ---- SARIF 2.1.0

#: The parts of the OASIS SARIF 2.1.0 schema (sarif-schema-2.1.0.json, errata 01) that
#: wardtwin's output uses, copied by hand: the full schema is not available offline here.
SARIF_SUBSET = {
    "type": "object", "required": ["version", "runs"], "additionalProperties": False,
    "properties": {"$schema": {"type": "string"}, "version": {"enum": ["2.1.0"]},
                   "runs": {"type": "array", "items": {"$ref": "#/definitions/run"}}},
    "definitions": {
        "run": {"type": "object", "required": ["tool"], "properties": {
            "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {"$ref": "#/definitions/driver"}}},
            "results": {"type": "array", "items": {"$ref": "#/definitions/result"}},
            "properties": {"type": "object"}}, "additionalProperties": False},
        "driver": {"type": "object", "required": ["name"], "additionalProperties": False, "properties": {
            "name": {"type": "string"}, "version": {"type": "string"},
            "rules": {"type": "array", "items": {"type": "object", "required": ["id"], "additionalProperties": False,
                                                 "properties": {"id": {"type": "string"},
                                                                "shortDescription": {"$ref": "#/definitions/message"},
                                                                "defaultConfiguration": {"type": "object", "properties": {
                                                                    "level": {"$ref": "#/definitions/level"}}}}}}}},
        "level": {"enum": ["none", "note", "warning", "error"]},
        "message": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        "result": {"type": "object", "required": ["message"], "additionalProperties": False, "properties": {
            "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1},
            "level": {"$ref": "#/definitions/level"}, "message": {"$ref": "#/definitions/message"},
            "locations": {"type": "array", "items": {"type": "object", "additionalProperties": False, "properties": {
                "physicalLocation": {"type": "object", "additionalProperties": False, "properties": {
                    "artifactLocation": {"type": "object", "properties": {"uri": {"type": "string"}}},
                    "region": {"type": "object", "additionalProperties": False, "properties": {
                        "startLine": {"type": "integer", "minimum": 1},
                        "startColumn": {"type": "integer", "minimum": 1}}}}}}}}}},
    },
}


def test_check_sarif_output(tmp_path, capsys):
    import jsonschema

    ward = make_ward(tmp_path, pack=pack_of("extinguisher-distance"), length=40, items=[fe(1, 2)])
    assert main(["check", str(ward), "--format", "sarif"]) == 0
    log = json.loads(capsys.readouterr().out)
    jsonschema.validate(log, SARIF_SUBSET)
    (res,) = log["runs"][0]["results"]
    assert res["ruleId"] == "extinguisher-too-far" and res["level"] == "warning"
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("w/floorplan.yaml") and loc["region"]["startLine"] == 4


# ---- distance fields: monotone in their targets (property tests)


@pytest.fixture(scope="module")
def medsurg():
    return load_model("medsurg-28")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_removing_an_extinguisher_never_lowers_the_worst_distance(medsurg, data):
    fields = Fields(medsurg)
    targets = fields.items(("fire_extinguisher",))
    from wardtwin.rules.distance import distance_field

    keep = data.draw(st.lists(st.sampled_from(targets), min_size=2, unique=True))
    drop = data.draw(st.sampled_from(keep))
    floor = fields.floor_mask()
    full = distance_field(fields.grid, "x", keep).worst(floor)[0]
    less = distance_field(fields.grid, "x", [t for t in keep if t != drop]).worst(floor)[0]
    assert less >= full - 1e-9


@settings(max_examples=10, deadline=None)
@given(st.floats(min_value=2.0, max_value=37.0))
def test_adding_an_exit_never_raises_the_worst_exit_distance(x):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = make_ward(Path(tmp) / "a", length=40, exits=("w",))
        more = make_ward(Path(tmp) / "b", length=40, exits=("w",), doors=[
            f"{{id: D-n, between: [corridor, outside], at: [{x:.2f}, 2.6], width: 1.2, exit: true}}"])
        worst = []
        for ward in (base, more):
            from wardtwin.layout import load_ward

            m = compile_ward(load_ward(ward)[0])
            f = Fields(m)
            worst.append(f.field("exit").worst(f.floor_mask())[0])
        assert worst[1] <= worst[0] + 1e-9
