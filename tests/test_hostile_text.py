"""Text injected into output: control and bidi characters in ids, names and labels are findings,
every echo of user text is escaped (no finding line can be forged, no terminal escape passes),
and the SVG map stays a valid XML document whatever the names hold."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import TINY, replace_text, run_cli
from wardtwin.layout import Finding, check_ward
from wardtwin.planmap import render_map
from wardtwin.safetext import UNSAFE, escape, unsafe_in, xml_text

FORGED = "/tmp/x.yaml:1:1: error [fake] injected"
#: Characters that must never reach a terminal or the map: C0 (tab and newline too), DEL, C1,
#: bidi overrides/isolates/marks, line and paragraph separators.
BAD = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


_cli = run_cli


def _run(*args) -> subprocess.CompletedProcess:
    """The command in a fresh interpreter (what a planner's terminal gets, bytes included)."""
    return subprocess.run([sys.executable, "-m", "wardtwin", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", errors="surrogateescape", timeout=120)


def _lines_are_clean(text: str) -> None:
    """Every line of ``text`` is free of unsafe characters and none is a forged finding."""
    for line in text.splitlines():
        assert not BAD.search(line), repr(line)
        assert not line.startswith("/tmp/x.yaml"), repr(line)
    assert "\r" not in text and "\x1b" not in text


@pytest.fixture
def hostile(ward_copy):
    """The tiny ward with an ESC sequence in a room name, a forged finding line in a catalog
    type's name and a right-to-left override in an item label."""
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "    name: Patient 101", '    name: "Patient\\e[2J\\e[31m 101\\a"')
    replace_text(ward / "catalog.yaml", "    name: Test crash cart", f'    name: "Cart\\n{FORGED}"')
    replace_text(ward / "equipment.yaml", "rotation: 180}\n  - {id: CC-1",
                 'rotation: 180, label: "Fire \\u202Etxe\\u2066"}\n  - {id: CC-1')
    replace_text(ward / "equipment.yaml", "at: [1.0, 10.0]", "at: [1.0, 12.0]")  # CC-1 outside: its name is echoed
    return ward


# ---- the escaping itself


@pytest.mark.parametrize("ch, shown", [("\x1b", "\\x1b"), ("\x07", "\\x07"), ("\n", "\\n"), ("\t", "\\t"),
                                       ("\r", "\\r"), ("\x00", "\\x00"), ("\x7f", "\\x7f"), ("\x9b", "\\x9b"),
                                       ("\u202e", "U+202E"), ("\u2066", "U+2066"), ("\u200f", "U+200F"),
                                       ("\u061c", "U+061C"), ("\u2028", "U+2028"), ("\ud800", "U+D800")])
def test_each_unsafe_character_is_shown_escaped(ch, shown):
    assert escape(f"a{ch}b") == f"a{shown}b"
    assert unsafe_in(f"a{ch}b") == [(1, ch)]


def test_escape_keeps_ordinary_text_and_is_idempotent():
    text = "Salle 4 · Zimmer ü · غرفة · 病房 \\x1b"
    assert escape(text) == text
    hostile = f"a\x1b[31mb\n{FORGED}\u202e"
    once = escape(hostile)
    assert not UNSAFE.search(once) and escape(once) == once


def test_xml_text_is_character_data():
    s = xml_text('<a href="x">&\x1b\ufffe\uffff\x0c</a>')
    ET.fromstring(f'<t a="{s}">{s}</t>')
    assert "\x1b" not in s and "\ufffe" not in s


def test_a_finding_line_cannot_be_forged():
    f = Finding.make("unknown-room", "w/equipment.yaml", 3, 5, f"item CC\n{FORGED}")
    assert "\n" not in f.format() and f.format().startswith("w/equipment.yaml:3:5: error [unknown-room] item CC\\n")
    raw = Finding(f.code, f.severity, "w\x1b]0;x\x07.yaml", 1, 1, "m\u202e\n")  # not made with make()
    assert not BAD.search(raw.format())


# ---- findings and CLI output


def test_hostile_names_are_findings_at_their_lines(hostile):
    _layout, findings = check_ward(hostile)
    where = {(f.file.rsplit("/", 1)[-1], f.line) for f in findings if f.code == "unsafe-character"}
    assert where == {("floorplan.yaml", 6), ("catalog.yaml", 22), ("equipment.yaml", 6)}, \
        [f.format() for f in findings]
    msgs = " ".join(f.message for f in findings if f.code == "unsafe-character")
    assert "\\x1b" in msgs and "\\n" in msgs and "U+202E" in msgs and "U+2066" in msgs
    assert all(not BAD.search(f.format()) for f in findings)


def test_check_output_holds_no_forged_line_nor_escape(hostile):
    r = _run("check", hostile)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    _lines_are_clean(r.stdout + r.stderr)
    assert "unsafe-character" in r.stdout and "injected" in r.stdout  # shown, escaped, inside a real finding
    r = _run("check", hostile, "--format", "json")
    assert r.returncode == 1 and not BAD.search(r.stdout.replace("\n", ""))
    assert {f["code"] for f in json.loads(r.stdout)["findings"]} >= {"unsafe-character", "equipment-outside-room"}


def test_map_of_a_hostile_ward_is_refused_and_writes_nothing(hostile, capfd, tmp_path):
    out = tmp_path / "plan.svg"
    code, stdout, err = _cli(capfd, "map", hostile, "-o", out)
    assert code == 1 and not out.exists()
    _lines_are_clean(stdout + err)


def test_cli_messages_escape_user_text(capfd, tmp_path):
    code, out, err = _cli(capfd, "route", TINY, f"D1\x1b[31m\n{FORGED}", "D101")
    assert code == 2 and "Traceback" not in err and err.startswith("wardtwin: error:")
    _lines_are_clean(out + err)
    code, out, err = _cli(capfd, "check", tmp_path / "w\x1b[2J\u202e")
    assert code == 2
    _lines_are_clean(out + err)
    code, out, err = _cli(capfd, "check", TINY, "--bogus", "\x1b[2J\n" + FORGED)  # argparse's own message
    assert code == 2 and "unrecognized arguments" in err
    _lines_are_clean(out + err)


def test_tour_check_output_is_escaped(capfd, tmp_path):
    tour = tmp_path / "t.yaml"
    tour.write_text("kind: tour\nversion: 1\nid: t\nname: T\nward: tiny\nsteps:\n"
                    f'  - {{type: say, text: "hi\\e[2J", title: "x\\n{FORGED}"}}\n', encoding="utf-8")
    code, out, err = _cli(capfd, "tour-check", TINY, tour)
    assert code == 1 and out.count("[unsafe-character]") == 2
    _lines_are_clean(out + err)


# ---- the SVG map


def _texts_and_attributes(root):
    for el in root.iter():
        yield from (el.text or "", el.tail or "", *el.attrib.values())


def test_map_of_hostile_names_parses_and_holds_no_control_character(hostile):
    replace_text(hostile / "floorplan.yaml", "    name: Patient 102", '    name: "P\\uFFFF\\x85 102\\x0c\\u2028<&>\\""')
    layout, findings = check_ward(hostile)
    assert layout is not None and any(f.code == "unsafe-character" for f in findings)
    svg = render_map(layout, labels="all", route=[(1.8, 2.5), (1.8, 6.3)],
                     route_label=f"D1\x1b[31m to \u202eX\n{FORGED}")
    root = ET.fromstring(svg.encode("utf-8"))
    for text in _texts_and_attributes(root):
        assert not BAD.search(text.strip("\n")), repr(text)
    assert not BAD.search(svg.replace("\n", ""))
    names = [el.text for el in root.iter("{http://www.w3.org/2000/svg}text")]
    assert any(n and "Patient\\x1b[2J" in n for n in names), names  # shown escaped, not dropped


def test_an_id_with_a_trailing_newline_is_not_an_id():
    """`$` in a regular expression also matches before a last newline: ids are matched whole."""
    from wardtwin.layout.schema import ID_PATTERN, Id

    class _Ctx:
        def __init__(self):
            self.reports = []

        def report(self, code, loc, message):
            self.reports.append((code, message))

    ctx = _Ctx()
    Id().check("CC\n", ctx, (1, 1), "item id")
    assert [code for code, _ in ctx.reports] == ["wrong-type"] and "\\n" in ctx.reports[0][1]
    assert ID_PATTERN.endswith("$")  # the JSON Schema keeps an ECMA-262 pattern
