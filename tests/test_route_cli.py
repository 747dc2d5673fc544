"""`wardtwin check` decides reachability by walking; `wardtwin route` and `map --route`."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from wardtwin.layout import exit_code
from wardtwin.model import check

TINY = Path(__file__).parent / "wards" / "tiny"
NS = {"s": "http://www.w3.org/2000/svg"}


def run(*args):
    return subprocess.run([sys.executable, "-m", "wardtwin", *args], capture_output=True, text=True, timeout=120)


def test_check_returns_the_model_of_a_valid_ward():
    layout, findings, model = check(TINY)
    assert exit_code(findings) == 0 and model is not None and model.layout is layout


def test_equipment_can_cut_a_safety_item_off(ward_copy):
    """Reachability comes from walking the compiled floor, past equipment: a row of carts
    across the medication room leaves a 0.3 m gap, so the crash cart behind it cannot be
    reached, although every door is fine (the door graph would call it reachable)."""
    ward = ward_copy()
    row = "".join(f"  - {{id: ROW-{k}, type: test_cart, room: med, at: [{0.45 + 0.75 * k:.2f}, 8.6]}}\n"
                  for k in range(9))
    items = (ward / "equipment.yaml").read_text().replace("items:\n", "items:\n" + row)
    (ward / "equipment.yaml").write_text(items)
    layout, findings, model = check(ward)
    codes = [f.code for f in findings]
    assert [f.code for f in findings if f.severity.blocks] == ["item-unreachable"], codes
    assert "CC-1" in findings[[f.code for f in findings].index("item-unreachable")].message
    assert model is None


def test_while_other_errors_remain_the_door_graph_stands_in(ward_copy):
    ward = ward_copy()
    text = (ward / "floorplan.yaml").read_text()
    text = text.replace("  - {id: D-med, between: [med, corridor], at: [3.6, 7.6], width: 0.9}\n", "")
    text = text.replace("width: 1.2, type: double, exit: true}", "width: 0.5, type: double, exit: true}")
    (ward / "floorplan.yaml").write_text(text)
    layout, findings, model = check(ward)
    codes = [f.code for f in findings]
    assert "door-too-narrow" in codes and "room-unreachable" in codes and model is None
    unreachable = next(f for f in findings if f.code == "room-unreachable")
    assert "no door path" in unreachable.message


def test_route_prints_distance_and_draws_the_map(tmp_path):
    out = tmp_path / "route.svg"
    r = run("route", str(TINY), "101", "CC-1", "--map", str(out))
    assert r.returncode == 0, r.stderr
    assert "101 -> CC-1:" in r.stdout and " m on foot" in r.stdout
    metres = float(r.stdout.split(": ")[1].split(" m")[0])
    assert 6.0 < metres < 14.0  # out of 101's door, along the corridor, into med
    root = ET.parse(out).getroot()
    line = root.find(".//s:g[@class='route']/s:polyline", NS)
    assert line is not None and len(line.get("points").split()) >= 3


def test_map_route_option(tmp_path):
    out = tmp_path / "plan.svg"
    r = run("map", str(TINY), "-o", str(out), "--route", "102", "D-stair")
    assert r.returncode == 0, r.stderr
    assert ET.parse(out).getroot().find(".//s:g[@class='route']", NS) is not None


@pytest.mark.parametrize("args", [("101", "nowhere"), ("nowhere", "101")])
def test_route_to_an_unknown_place_lists_the_names(args):
    r = run("route", str(TINY), *args)
    assert r.returncode == 2 and "nowhere" in r.stderr and "corridor" in r.stderr


def test_unknown_place_lists_close_names_and_says_how_many_more():
    from wardtwin.errors import UnknownNameError
    from wardtwin.model import compile_ward
    from wardtwin.layout import load_ward

    layout, _ = load_ward("medsurg-28")
    model = compile_ward(layout)
    with pytest.raises(UnknownNameError) as e:
        model.place("CC-9")
    msg = str(e.value)
    assert "CC-1" in msg and "more)" in msg
    shown = len(e.value.valid)
    total = len(model.rooms) + len(layout.door_by_id) + len(model.item_by_id)
    assert f"(and {total - shown} more)" in msg
