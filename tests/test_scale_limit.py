"""The floor plan's room limit (issue 17): a plan of more rooms than ``wardtwin check`` handles
in about a minute is refused with a finding that states the limit, before any geometry is
derived. (The benchmark that chose the limit is tested in test_bench_tools.py.)"""

from __future__ import annotations

import time

from conftest import TINY, WARD_FILES

from wardtwin.layout import check_ward
from wardtwin.layout.schema import MAX_ROOMS


def test_a_floor_plan_over_the_room_limit_is_one_finding_naming_the_limit(tmp_path):
    for name in WARD_FILES:
        if name != "floorplan.yaml":
            (tmp_path / name).write_text((TINY / name).read_text())
    # the count is checked before the entries, so cheap entries do: one flow list of numbers
    (tmp_path / "floorplan.yaml").write_text(
        "kind: floorplan\nversion: 1\nrooms: [" + ", ".join(["0"] * (MAX_ROOMS + 1)) + "]\ndoors: []\n")
    t0 = time.perf_counter()
    layout, findings = check_ward(tmp_path)
    assert time.perf_counter() - t0 < 30  # no geometry for 30,000 rooms
    hits = [f for f in findings if f.code == "out-of-range"]
    assert len(hits) == 1, [f.format() for f in findings]
    assert layout is None or not layout.rooms  # no room read, so no geometry derived
    assert hits[0].file.endswith("floorplan.yaml") and hits[0].line == 3
    assert f"{MAX_ROOMS + 1} rooms found" in hits[0].message
    assert f"at most {MAX_ROOMS:,}" in hits[0].message and "minute" in hits[0].message


def test_the_room_limit_is_in_the_json_schema():
    from wardtwin.layout.schema import json_schema

    assert json_schema("floorplan")["properties"]["rooms"]["maxItems"] == MAX_ROOMS
