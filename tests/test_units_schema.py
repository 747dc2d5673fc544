"""Units of quantities, and the schema of each file kind (its checks and its JSON Schema)."""

from __future__ import annotations

import math
from pathlib import Path

import jsonschema
import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import REPO, TINY
from wardtwin.errors import UnknownNameError, UsageError
from wardtwin.layout import shipped_wards
from wardtwin.layout.load import assets_dir, layouts_dir
from wardtwin.layout.schema import INVALID, SCHEMAS, Ctx, Length, json_schema, schema_for
from wardtwin.layout.units import QuantityError, parse_angle, parse_length
from wardtwin.layout.yamlsafe import Loc, parse_yaml

KINDS = ("ward", "floorplan", "equipment", "catalog", "module")

# ---- units


@pytest.mark.parametrize("value,metres", [
    (2.4, 2.4), (3, 3.0), (0, 0.0), (-1.5, -1.5),
    ("2.4", 2.4), ("2.4 m", 2.4), ("2.4m", 2.4), ("  2.4   m ", 2.4),
    ("90 cm", 0.9), ("2400 mm", 2.4), ("32 in", 0.8128), ("8 ft", 2.4384),
    (".5 m", 0.5), ("1e3 mm", 1.0), ("+3 ft", 0.9144), ("-10 cm", -0.1),
])
def test_lengths_in_metres(value, metres):
    assert parse_length(value) == pytest.approx(metres, abs=1e-12)
    assert isinstance(parse_length(value), float)


@pytest.mark.parametrize("value,degrees", [
    (90, 90.0), (-45.5, -45.5), ("90", 90.0), ("90 deg", 90.0), ("90deg", 90.0), ("90 °", 90.0),
    ("90°", 90.0), (f"{math.pi} rad", 180.0), ("0.5 rad", math.degrees(0.5)),
])
def test_angles_in_degrees(value, degrees):
    assert parse_angle(value) == pytest.approx(degrees)


@pytest.mark.parametrize("value,kind", [
    ("3 kg", "bad-unit"), ("2 M", "bad-unit"), ("12 feet", "bad-unit"), ("5 metres", "bad-unit"),
    ("wide", "wrong-type"), ("", "wrong-type"), ("m", "wrong-type"), ("1,5 m", "bad-unit"),
    (True, "wrong-type"), (False, "wrong-type"), (None, "wrong-type"), ([1], "wrong-type"),
    ({"m": 1}, "wrong-type"), (float("nan"), "wrong-type"), (float("inf"), "wrong-type"),
    ("1e999 m", "wrong-type"), ("nan m", "wrong-type"),
])
def test_bad_lengths(value, kind):
    with pytest.raises(QuantityError) as exc:
        parse_length(value)
    assert exc.value.kind == kind
    assert isinstance(exc.value, ValueError)


def test_a_length_unit_is_not_an_angle():
    with pytest.raises(QuantityError) as exc:
        parse_angle("90 m")
    assert exc.value.kind == "bad-unit" and "deg" in str(exc.value)


def test_bad_unit_message_lists_the_units():
    with pytest.raises(QuantityError) as exc:
        parse_length("3 kg")
    msg = str(exc.value)
    assert "'kg'" in msg and all(u in msg for u in ("m", "cm", "mm", "in", "ft"))


def _check(type_, value):
    ctx = Ctx("f.yaml")
    out = type_.check(value, ctx, Loc(3, 5), "thing")
    return out, ctx.findings


def test_length_check_reports_at_the_given_place():
    out, findings = _check(Length("d", lo=0.0, hi=10.0, lo_open=True), "3 kg")
    assert out is INVALID and not out
    (f,) = findings
    assert (f.code, f.file, f.line, f.column) == ("bad-unit", "f.yaml", 3, 5)
    assert f.message.startswith("thing: ")


@pytest.mark.parametrize("value,ok", [(0.0, False), (0.001, True), (10, True), (10.0001, False), ("33 ft", False)])
def test_length_range_with_open_low_end(value, ok):
    out, findings = _check(Length("d", lo=0.0, hi=10.0, lo_open=True), value)
    if ok:
        assert findings == [] and out == pytest.approx(parse_length(value))
    else:
        assert out is INVALID and [f.code for f in findings] == ["out-of-range"]
        assert "more than 0 m" in findings[0].message


# ---- schema of each kind


@pytest.mark.parametrize("kind", KINDS)
def test_json_schema_is_a_valid_draft_2020_12_schema(kind):
    schema = json_schema(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert {"kind", "version"} <= set(schema["required"])
    assert schema["properties"]["kind"]["enum"] == [kind]


def test_every_kind_has_a_schema():
    assert set(SCHEMAS) == set(KINDS)


@pytest.mark.parametrize("bad", ["bogus", "", "Ward", "wards"])
def test_unknown_kind_lists_the_valid_ones(bad):
    for fn in (schema_for, json_schema):
        with pytest.raises(UnknownNameError) as exc:
            fn(bad)
        msg = str(exc.value)
        assert repr(bad) in msg
        assert all(k in msg for k in KINDS), msg
        assert isinstance(exc.value, UsageError) and isinstance(exc.value, KeyError)


def _shipped_files() -> list[Path]:
    files = sorted(TINY.glob("*.yaml"))
    cat = REPO / "assets" / "catalog.yaml"
    if cat.is_file():
        files.append(cat)
    for ward in shipped_wards():
        files.extend(sorted((layouts_dir() / ward).glob("*.yaml")))
    return files


SHIPPED = _shipped_files()


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(REPO)) for p in SHIPPED])
def test_shipped_files_validate_against_their_json_schema(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    kind = data["kind"]
    assert f"{kind}.yaml" == path.name, f"{path}: kind {kind!r} in a file named {path.name}"
    errors = sorted(Draft202012Validator(json_schema(kind)).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_shipped_catalog_exists():
    assert (assets_dir() / "catalog.yaml").is_file()


MODULE_FILES = sorted(p for w in [REPO / "tests" / "wards" / "tiny-modular", *(layouts_dir() / w for w in shipped_wards())]
                      for p in (w / "modules").glob("*.yaml"))


@pytest.mark.parametrize("path", MODULE_FILES, ids=[p.parent.parent.name + "/" + p.name for p in MODULE_FILES])
def test_module_files_validate_against_the_module_schema(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["kind"] == "module"
    errors = list(Draft202012Validator(json_schema("module")).iter_errors(data))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    parsed, findings = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    ctx = Ctx(str(path))
    schema_for("module").check(parsed, ctx, parsed.loc, "module")
    assert findings == [] and ctx.findings == [], "\n".join(f.format() for f in ctx.findings)


def test_version_2_keys_are_refused_in_a_version_1_file_by_both_schemas():
    doc = _floorplan_with(1.2)
    doc["placements"] = [{"module": "bedroom", "at": [0, 0]}]
    validator = Draft202012Validator(json_schema("floorplan"))
    assert list(validator.iter_errors(doc))
    assert not list(validator.iter_errors({**doc, "version": 2}))


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(REPO)) for p in SHIPPED])
def test_shipped_files_pass_the_python_schema(path):
    data, findings = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    assert findings == []
    ctx = Ctx(str(path))
    schema_for(data["kind"]).check(data, ctx, data.loc, data["kind"])
    assert ctx.findings == [], "\n".join(f.format() for f in ctx.findings)


# ---- the JSON Schema and the Python checks agree


def _floorplan_with(width):
    return {
        "kind": "floorplan", "version": 1,
        "rooms": [{"id": "a", "name": "A", "kind": "office", "polygon": [[0, 0], [3, 0], [3, 3], [0, 3]]}],
        "doors": [{"id": "d", "between": ["a", "outside"], "at": [1.5, 0], "width": width}],
    }


@pytest.mark.parametrize("width", [
    0.9, 1, "32 in", "90 cm", "0.9m", "1e0 m", "3 kg", "wide", 0, -1, 11, True, None, [1], "12 ft",
])
def test_json_schema_and_python_check_agree_on_lengths(width):
    # (text with a unit is only checked for its form by the JSON Schema, not for its range)
    doc = _floorplan_with(width)
    json_ok = Draft202012Validator(json_schema("floorplan")).is_valid(doc)
    data, findings = parse_yaml(yaml.safe_dump(doc))
    assert findings == []
    ctx = Ctx("f.yaml")
    schema_for("floorplan").check(data, ctx, data.loc, "floorplan")
    assert json_ok == (ctx.findings == []), [f.format() for f in ctx.findings]


@pytest.mark.parametrize("change,code", [
    (lambda d: d.update(extra=1), "unknown-key"),
    (lambda d: d["rooms"][0].pop("name"), "missing-key"),
    (lambda d: d["rooms"][0].update(kind="closet"), "unknown-value"),
    (lambda d: d["rooms"][0].update(id="has space"), "wrong-type"),
    (lambda d: d["rooms"][0].update(polygon=[[0, 0], [1, 1]]), "out-of-range"),
    (lambda d: d["doors"][0].update(between=["a"]), "wrong-type"),
    (lambda d: d["doors"][0].update(exit="yes please"), "wrong-type"),
    (lambda d: d["doors"][0].update(type="revolving"), "unknown-value"),
    (lambda d: d.update(rooms=[]), "out-of-range"),
])
def test_json_schema_and_python_check_both_refuse(change, code):
    doc = _floorplan_with(1.0)
    change(doc)
    assert not Draft202012Validator(json_schema("floorplan")).is_valid(doc)
    data, _ = parse_yaml(yaml.safe_dump(doc))
    ctx = Ctx("f.yaml")
    schema_for("floorplan").check(data, ctx, data.loc, "floorplan")
    assert code in [f.code for f in ctx.findings], [f.format() for f in ctx.findings]


def test_numeric_ids_are_accepted_by_both():
    doc = _floorplan_with(1.0)
    doc["rooms"][0]["id"] = 412
    doc["doors"][0]["between"] = [412, "outside"]
    assert Draft202012Validator(json_schema("floorplan")).is_valid(doc)
    data, _ = parse_yaml(yaml.safe_dump(doc))
    ctx = Ctx("f.yaml")
    out = schema_for("floorplan").check(data, ctx, data.loc, "floorplan")
    assert ctx.findings == [] and out["rooms"][0]["id"] == "412"


def test_unknown_key_message_suggests_the_close_key():
    doc = _floorplan_with(1.0)
    doc["doors"][0]["widht"] = doc["doors"][0].pop("width")
    data, _ = parse_yaml(yaml.safe_dump(doc, sort_keys=False))
    ctx = Ctx("f.yaml")
    schema_for("floorplan").check(data, ctx, data.loc, "floorplan")
    unknown = [f for f in ctx.findings if f.code == "unknown-key"]
    assert unknown and "did you mean 'width'" in unknown[0].message
    assert "missing-key" in [f.code for f in ctx.findings]


def test_json_schema_module_is_jsonschema():  # the dependency named in pyproject's test extra
    assert hasattr(jsonschema, "Draft202012Validator")


@pytest.mark.parametrize("key,value", [
    ("number", 412),         # a door-sign number written bare
    ("name", 5),
    ("id", 412),
    ("id", 4.5),
    ("id", -3),
    ("number", True),
    ("ceiling_height", "9 ft"),
    ("ceiling_height", 1.5),
])
def test_json_schema_and_python_check_agree_on_room_values(key, value):
    # the JSON Schema is what planners' editors check against: it must accept what wardtwin
    # accepts and refuse what it refuses
    doc = _floorplan_with(1.0)
    doc["rooms"][0][key] = value
    doc["doors"][0]["between"] = [doc["rooms"][0]["id"], "outside"]
    json_ok = Draft202012Validator(json_schema("floorplan")).is_valid(doc)
    data, findings = parse_yaml(yaml.safe_dump(doc))
    assert findings == []
    ctx = Ctx("f.yaml")
    schema_for("floorplan").check(data, ctx, data.loc, "floorplan")
    python_ok = ctx.findings == []
    assert json_ok == python_ok, (f"{key}: {value!r}: JSON Schema {'accepts' if json_ok else 'refuses'}, "
                                  f"wardtwin {'accepts' if python_ok else 'refuses'} "
                                  f"{[f.message for f in ctx.findings]}")
