"""Tour files: the invalid corpus (each case with the finding code and line it must produce),
the shipped tours, schema output, and reachability against a changed ward."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import REPO, TINY, replace_text, same_file
from wardtwin.cli import main
from wardtwin.layout import CODES, exit_code, load_ward, shipped_wards
from wardtwin.model import compile_ward
from wardtwin.tours.load import load_tour, shipped_tours
from wardtwin.tours.schema import tour_json_schema
from wardtwin.tours.validate import check_tour, validate_tour

CORPUS = Path(__file__).resolve().parent / "tours_invalid"
CASES = sorted(CORPUS.glob("*.yaml"))


def _expect(path: Path) -> tuple[str, int]:
    m = re.match(r"# expect: (\S+) (\d+)", path.read_text(encoding="utf-8").splitlines()[0])
    assert m, f"{path.name}: first line must be '# expect: CODE LINE'"
    return m.group(1), int(m.group(2))


def test_corpus_is_large_and_codes_registered():
    assert len(CASES) >= 25
    for p in CASES:
        assert _expect(p)[0] in CODES


@pytest.fixture(scope="module")
def tiny_model():
    layout, _ = load_ward(TINY)
    return compile_ward(layout)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_invalid_tour_gives_its_finding(path, tiny_model):
    code, line = _expect(path)
    tour, findings = load_tour(path)  # what check_tour does, with the ward compiled once
    if tour is not None:
        findings = findings + validate_tour(tour, tiny_model)
    hits = [f for f in findings if f.code == code and f.line == line]
    assert hits, f"{path.name}: expected [{code}] at line {line}; got " + "; ".join(f.format() for f in findings)
    assert all(same_file(f.file, path) for f in hits)
    assert exit_code(findings) == {"fatal": 2, "error": 1}.get(CODES[code][0].value, 0)


def test_a_comma_in_unquoted_text_says_to_quote_it():
    """``{text: Hello, welcome}`` reads as ``text: Hello`` and a key ``welcome``: the finding says
    the comma ended the text and shows it quoted."""
    _t, _m, f = check_tour(TINY, CORPUS / "unquoted-comma.yaml")
    (finding,) = [x for x in f if x.code == "unknown-key"]
    assert "a comma ends a value" in finding.message
    assert 'text: "Hello, welcome to the ward"' in finding.message


def test_did_you_mean_in_messages():
    _t, _m, f = check_tour(TINY, CORPUS / "unknown-place.yaml")
    assert "did you mean 'corridor'" in f[0].message
    _t, _m, f = check_tour(TINY, CORPUS / "unknown-step-type.yaml")
    assert "did you mean 'find'" in f[0].message and "valid types: say, go_to, find" in f[0].message
    _t, _m, f = check_tour(TINY, CORPUS / "unknown-item-type.yaml")
    assert "test_cart" in f[0].message


@pytest.mark.parametrize("ward", shipped_wards())
def test_shipped_tour_validates_and_covers_the_checklist(ward):
    assert "orientation" in shipped_tours(ward)
    tour, model, findings = check_tour(ward, "orientation")
    assert findings == [], [f.format() for f in findings]
    assert len(tour.steps) >= 15
    kinds = {s.type for s in tour.steps}
    assert {"say", "go_to", "find", "route", "identify", "quiz", "comfort_check", "questionnaire"} <= kinds
    found_types = set()
    for s in tour.steps:
        if s.type == "find":
            found_types.add(s.get("item_type") or model.item_by_id[s.get("item")].type if s.get("item") or
                            s.get("item_type") else s.get("category"))
        if s.type == "identify":
            found_types.add(model.item_by_id[s.get("item")].type)
    need = {"crash_cart", "aed", "fire_extinguisher", "fire_alarm_pull_station", "medical_gas_zone_valve_box",
            "eyewash_station", "spill_kit", "ppe_station", "evacuation_chair", "automated_dispensing_cabinet"}
    assert need <= found_types, need - found_types
    assert any(s.type == "go_to" and s.get("target") == "med-room" for s in tour.steps)
    exits = {s.get("to") for s in tour.steps if s.type == "route"}
    assert exits == set(model.plan.exits) and len(exits) == 2
    phases = [s.get("phase") for s in tour.steps if s.type == "questionnaire"]
    assert phases[0] == "pre" and phases[-1] == "post"


def test_unreachable_target(ward_copy):
    # a store room with no door: the ward still loads; the tour's ride to it cannot be walked
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "doors:\n", "  - id: closet\n    name: Closet\n    kind: other\n"
                 "    polygon: [[10.2, 5], [12.2, 5], [12.2, 7.6], [10.2, 7.6]]\ndoors:\n")
    layout, _ = load_ward(ward)
    model = compile_ward(layout)
    tour_file = ward / "t.yaml"
    tour_file.write_text("kind: tour\nversion: 1\nid: t\nname: T\nward: tiny\nsteps:\n"
                         "  - {type: go_to, target: closet}\n", encoding="utf-8")
    tour, f = load_tour(tour_file)
    assert f == []
    found = validate_tour(tour, model)
    assert [(x.code, x.line) for x in found] == [("target-unreachable", 7)]


def test_cli_tour_check(capsys):
    assert main(["tour-check", str(TINY), str(CORPUS / "not-an-exit.yaml")]) == 1
    out = capsys.readouterr().out
    assert re.search(r"not-an-exit\.yaml:8:23: error \[not-an-exit\] step 1 \(route\) `to`", out)
    assert out.strip().endswith("1 error")
    assert main(["tour-check", "medsurg-28", "orientation"]) == 0
    out = capsys.readouterr().out
    assert "clean" in out and "23 steps" in out
    assert main(["tour-check", str(TINY), str(CORPUS / "wrong-kind.yaml"), "--format", "json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["findings"][0]["code"] == "wrong-kind"
    assert main(["tour-check", "medsurg-28", "nosuchtour"]) == 2
    assert "orientation" in capsys.readouterr().err


def test_json_schema_of_tours():
    js = tour_json_schema()
    text = json.dumps(js)
    assert js["properties"]["kind"]["enum"] == ["tour"]
    assert "item_type" in text and "comfort_check" in text
    assert len(js["properties"]["steps"]["items"]["oneOf"]) == 8


def test_tours_import_no_panda3d():
    import subprocess
    import sys

    code = ("import sys, wardtwin.tours.engine, wardtwin.tours.simulate, wardtwin.tours.validate, "
            "wardtwin.tours.recorder; assert not [m for m in sys.modules if m.startswith(('panda3d', 'direct'))]")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_tour_of_an_unknown_ward_names_the_ward(capsys):
    assert main(["tour-check", "no-such-ward", "orientation"]) == 2
    err = capsys.readouterr().err
    assert "no-such-ward: no such ward folder" in err and "medsurg-28" in err
    assert main(["tour-check", "icu-12", "no-such-tour"]) == 2
    assert "no-such-tour: no such tour file; tours of this ward: orientation" in capsys.readouterr().err
