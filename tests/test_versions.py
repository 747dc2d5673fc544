"""Ward versions (issue 16): the version id, `wardtwin diff` (folders and git history), the
change map, refresher tours (tour-check and a simulated trainee) and `report --due`."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import replace_text
from wardtwin.cli import main
from wardtwin.layout import load_ward
from wardtwin.versions import ward_version
from wardtwin.versions.diff import Kind, What, diff_layouts

ROOT = Path(__file__).resolve().parents[1]
MEDSURG = ROOT / "layouts" / "medsurg-28"
CC = "  - {id: CC-1, type: crash_cart, room: resus-bay, at: [35.45, 4.5], rotation: 180,"
CC_MOVED = "  - {id: CC-1, type: crash_cart, room: corridor, at: [58.5, 7.2], rotation: 180,"
NEW_FE = "  - {id: FE-9, type: fire_extinguisher, room: corridor, at: [30.0, 7.425], rotation: 180}\n"


@lru_cache(maxsize=1)
def _medsurg():
    return load_ward(MEDSURG)[0]


@pytest.fixture
def changed_medsurg(tmp_path) -> Path:
    """medsurg-28 with the crash cart moved down the corridor and a new fire extinguisher."""
    ward = tmp_path / "medsurg-new"
    shutil.copytree(MEDSURG, ward)
    replace_text(ward / "equipment.yaml", CC, CC_MOVED)
    with (ward / "equipment.yaml").open("a", encoding="utf-8") as fh:
        fh.write(NEW_FE)
    return ward


# -- identity ----------------------------------------------------------------------------------
def test_version_ignores_formatting_and_order(ward_copy, tiny, capsys):
    base = ward_version(load_ward(tiny)[0])
    text = (tiny / "equipment.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    reordered = "\n".join(lines[:3] + lines[3:][::-1]) + "\n"  # items in reverse order
    reordered = "# a comment\n" + reordered.replace("at: [1.0, 10.0]", "at: [1, 10.000]").replace(
        "{id: CC-1, type: test_cart,", "{type: test_cart, id: CC-1,")
    same = ward_copy({"equipment.yaml": reordered})
    assert ward_version(load_ward(same)[0]) == base
    moved = ward_copy({"equipment.yaml": text.replace("at: [1.0, 10.0]", "at: [2.0, 10.0]")})
    assert ward_version(load_ward(moved)[0]) != base
    assert main(["check", str(same)]) == 0
    assert f"version {base}" in capsys.readouterr().out
    # an outline written from another corner, or the other way round, is the same room
    plan = (tiny / "floorplan.yaml").read_text(encoding="utf-8")
    turned = ward_copy({"floorplan.yaml": plan.replace("[[0, 0], [3.6, 0], [3.6, 5], [0, 5]]",
                                                       "[[3.6, 5], [0, 5], [0, 0], [3.6, 0]]").replace(
        "[[3.6, 0], [7.2, 0], [7.2, 5], [3.6, 5]]", "[[3.6, 5], [7.2, 5], [7.2, 0], [3.6, 0]]")})
    assert ward_version(load_ward(turned)[0]) == base
    assert main(["diff", str(tiny), str(turned)]) == 0 and "no changes" in capsys.readouterr().out


# -- diff -------------------------------------------------------------------------------------
def test_diff_text_json_map_and_threshold(ward_copy, tiny, tmp_path, capsys):
    eq = (tiny / "equipment.yaml").read_text(encoding="utf-8")
    new = ward_copy({"equipment.yaml": eq.replace("at: [1.0, 10.0]", "at: [6.0, 10.0]")  # CC-1 moved 5 m
                     .replace("at: [5.4, 1.175]}", "at: [5.5, 1.175]}")  # BED-102: 0.1 m, under the threshold
                     .replace("{id: FE-1,", "{id: FE-A,")})  # renamed
    assert main(["diff", str(tiny), str(new), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    got = {(c["change"], c["id"]) for c in d["changes"]}
    assert got == {("moved", "CC-1"), ("renamed", "FE-A")}
    cc = next(c for c in d["changes"] if c["id"] == "CC-1")
    assert cc["safety_critical"] and abs(cc["moved_m"] - 5.0) < 1e-9
    assert cc["old_walk"]["from_entrance_m"] > 0 and cc["new_walk"]["from_entrance_m"] > 0
    assert d["changes"][0]["id"] == "CC-1"  # safety-critical first
    svg = tmp_path / "diff.svg"
    assert main(["diff", str(tiny), str(new), "--map", str(svg), "--threshold", "10"]) == 0
    out = capsys.readouterr().out
    assert "renamed  item FE-1 -> FE-A" in out and "CC-1" not in out  # a 5 m move under a 10 m threshold
    assert '<g class="changes">' in svg.read_text(encoding="utf-8")


def test_diff_map_draws_moves_removals_and_additions(ward_copy, tiny, tmp_path):
    eq = (tiny / "equipment.yaml").read_text(encoding="utf-8")
    eq = eq.replace("at: [1.0, 10.0]", "at: [6.0, 10.0]").replace(
        "  - {id: BED-102, type: test_bed, room: \"102\", at: [5.4, 1.175]}\n", "")
    eq += "  - {id: FE-2, type: test_extinguisher, room: corridor, at: [2.5, 7.4], rotation: 180}\n"
    new = ward_copy({"equipment.yaml": eq})
    svg = tmp_path / "d.svg"
    assert main(["diff", str(tiny), str(new), "--map", str(svg)]) == 0
    text = svg.read_text(encoding="utf-8")
    for what, ident in (("moved", "CC-1"), ("removed", "BED-102"), ("added", "FE-2")):
        assert f'class="change {what}" data-id="{ident}"' in text


def test_different_wards_refused_unless_forced(capsys):
    assert main(["diff", "medsurg-28", "icu-12"]) == 2
    err = capsys.readouterr().err
    assert "different wards" in err and "--force" in err and "Traceback" not in err
    assert main(["diff", "medsurg-28", "icu-12", "--force"]) == 0


def test_git_revision_and_path(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    if subprocess.run(["git", "rev-parse", "HEAD:layouts/medsurg-28/ward.yaml"], capture_output=True).returncode:
        pytest.skip("not in a git checkout holding layouts/medsurg-28")
    assert main(["diff", "git:HEAD:layouts/medsurg-28", "layouts/medsurg-28", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["old_ward"] == "medsurg-28"
    for spec, words in (("git:no-such-rev-16:layouts/medsurg-28", "no git revision"),
                        ("git:HEAD:layouts/no-such-ward", "no folder"), ("git:HEAD", "git:REV:path"),
                        ("git:HEAD:../outside", "stay inside")):
        assert main(["diff", spec, "medsurg-28"]) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err


# -- the property test --------------------------------------------------------------------------
@st.composite
def edits(draw, layout):
    items = sorted(layout.items, key=lambda i: i.id)
    n = len(items)
    picked = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=12, unique=True))
    kinds = draw(st.lists(st.sampled_from(["move", "remove", "rename", "type"]), min_size=len(picked),
                          max_size=len(picked)))
    n_add = draw(st.integers(0, 3))
    adds = [(draw(st.integers(0, n - 1)), draw(st.floats(1.0, 4.0)), draw(st.floats(0, 6.28))) for _ in range(n_add)]
    moves = [(draw(st.floats(0.3, 8.0)), draw(st.floats(0, 6.28))) for _ in picked]
    return list(zip(picked, kinds, moves)), adds


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_diff_reports_exactly_the_edits(data):
    medsurg = _medsurg()
    items = {i.id: i for i in medsurg.items}
    order = sorted(items)
    plan, adds = data.draw(edits(medsurg), label="edits")
    types = sorted(medsurg.catalog)
    expected = set()
    removed_at = []
    for k, kind, (dist, ang) in plan:
        it = items[order[k]]
        if kind == "move":
            items[it.id] = replace(it, at=(it.at[0] + dist * np.cos(ang), it.at[1] + dist * np.sin(ang)))
            expected.add(("moved", it.id))
        elif kind == "remove":
            del items[it.id]
            removed_at.append(it)
            expected.add(("removed", it.id))
        elif kind == "rename":
            del items[it.id]
            items[f"{it.id}-R"] = replace(it, id=f"{it.id}-R")
            expected.add(("renamed", f"{it.id}-R"))
        else:
            other = next(t for t in types if t != it.type)
            items[it.id] = replace(it, type=other)
            expected.add(("changed", it.id))
    for j, (k, dist, ang) in enumerate(adds):
        src = medsurg.item_by_id[order[k]]
        new = replace(src, id=f"NEW-{j}", at=(src.at[0] + dist * np.cos(ang), src.at[1] + dist * np.sin(ang)))
        if any(r.type == new.type and np.hypot(r.at[0] - new.at[0], r.at[1] - new.at[1]) <= 0.3
               for r in removed_at):
            continue  # that would be a rename of the removed item: the diff is right to call it one
        items[new.id] = new
        expected.add(("added", new.id))
    # a renamed item must be the only one of its type at its place for the rename to be unambiguous
    renamed = [items[i] for w, i in expected if w == "renamed"]
    gone = [medsurg.item_by_id[i] for w, i in expected if w == "removed"]
    for r in renamed:
        if any(g.type == r.type and np.hypot(g.at[0] - r.at[0], g.at[1] - r.at[1]) <= 0.3 for g in gone):
            return
    new_layout = replace(medsurg, items=tuple(items[i] for i in sorted(items)))
    d = diff_layouts(medsurg, new_layout)
    got = {(c.what.value, c.id) for c in d.changes}
    assert got == expected
    for c in d.changes:
        if c.what is What.RENAMED:
            assert c.old_id + "-R" == c.id
        if c.what is What.CHANGED:
            assert c.fields[0].name == "type"  # then what the type brings (its mount, elevation)
    assert all(c.kind is Kind.ITEM for c in d.changes)
    safety = [c.safety for c in d.changes]
    assert safety == sorted(safety, reverse=True)  # safety-critical first


# -- refresher and who needs one -------------------------------------------------------------------
def test_refresher_finds_moved_cart_and_new_extinguisher(changed_medsurg, tmp_path, capsys):
    from wardtwin.tours.simulate import simulate
    from wardtwin.tours.validate import check_tour

    out = tmp_path / "refresher.yaml"
    assert main(["refresher", "medsurg-28", str(changed_medsurg), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["tour-check", str(changed_medsurg), str(out)]) == 0
    tour, model, findings = check_tour(changed_medsurg, out)
    finds = {s.params.get("item") for s in tour.steps if s.type == "find"}
    assert finds == {"CC-1", "FE-9"}
    report = simulate(model, tour, 1, np.random.default_rng(7), skill="typical", seed=7)
    assert report.completion_rate == 1.0
    # nothing that matters changed: says so, writes nothing
    none = tmp_path / "none.yaml"
    assert main(["refresher", "medsurg-28", "medsurg-28", "-o", str(none)]) == 0
    assert "no refresher needed" in capsys.readouterr().out and not none.exists()


def test_report_due(changed_medsurg, tmp_path, capsys):
    from wardtwin.store.writer import SessionWriter
    from wardtwin.tours.simulate import simulate
    from wardtwin.tours.validate import check_tour

    db = tmp_path / "s.db"
    refresher = tmp_path / "refresher.yaml"

    def run(ward, tour, trainees, seed):  # simulated trainees are sim-00001, sim-00002, ...
        t, model, _f = check_tour(ward, tour)
        report = simulate(model, t, trainees, np.random.default_rng(seed), skill="expert",
                          sink_factory=lambda sid: SessionWriter(str(db), sid), seed=seed)
        assert report.completion_rate == 1.0

    run("medsurg-28", "orientation", 2, 1)
    assert main(["refresher", "medsurg-28", str(changed_medsurg), "-o", str(refresher), "--db", str(db)]) == 0
    run(changed_medsurg, refresher, 1, 2)  # sim-00001 takes the refresher, sim-00002 does not
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--due", "--current", str(changed_medsurg)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 of 2 trainee(s) need a refresher")
    assert "sim-00002 (medsurg-28): refresher due" in out and "sim-00001" not in out
    assert "not seen: moved    item CC-1" in out and "FE-9" in out
    csv_dir = tmp_path / "csv"
    assert main(["report", "--db", str(db), "--format", "csv", "-o", str(csv_dir)]) == 0
    roster = (csv_dir / "roster.csv").read_text(encoding="utf-8")
    assert "ward_version" in roster.splitlines()[0]
    assert ward_version(load_ward(changed_medsurg)[0]) in roster
    import csv

    with (csv_dir / "roster.csv").open(newline="", encoding="utf-8") as fh:
        covered = {r["trainee"]: r["refresher"] for r in csv.DictReader(fh)}
    assert covered == {"sim-00001": "up to date", "sim-00002": "refresher due"}
    # the central store learns the versions, changes and refreshers too, so --due works there
    central = tmp_path / "central.db"
    assert main(["sync", "--db", str(db), "--to", str(central)]) == 0
    capsys.readouterr()
    assert main(["report", "--db", str(central), "--due", "--current", str(changed_medsurg)]) == 0
    assert capsys.readouterr().out == out
