"""The safe YAML reader: positions of values, refusals, and plain data out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wardtwin.layout import Severity, load_ward
from wardtwin.layout.yamlsafe import MAX_DEPTH, MAX_FILE_BYTES, LList, LMap, Loc, parse_yaml, read_yaml

DOC = """\
kind: ward
version: 1
rooms:
  - id: 412
    polygon: [[0, 0], [3.6, 0]]
  - {id: corridor, width: 2.4}
nested:
  inner:
    value: hello
"""


def only(findings):
    assert len(findings) == 1, findings
    return findings[0]


# ---- positions


def test_values_and_keys_know_their_line_and_column():
    data, findings = parse_yaml(DOC)
    assert findings == []
    assert isinstance(data, LMap) and data.loc == (1, 1)
    assert data.at("kind") == (1, 7)
    assert data.at("version") == (2, 10)
    assert data.key_locs["rooms"] == (3, 1)
    rooms = data["rooms"]
    assert isinstance(rooms, LList) and rooms.loc == (4, 3)
    assert rooms.item_locs == [(4, 5), (6, 5)]
    assert rooms[0].loc == (4, 5) and rooms[0].at("id") == (4, 9)
    poly = rooms[0]["polygon"]
    assert poly.loc == (5, 14)
    assert poly.at(1) == (5, 23)
    assert poly[1].at(0) == (5, 24)
    assert rooms[1].at("width") == (6, 27)
    assert data["nested"]["inner"].at("value") == (9, 12)


def test_loc_is_a_one_based_line_column_pair():
    loc = Loc(3, 7)
    assert loc == (3, 7) and loc.line == 3 and loc.column == 7
    line, col = loc
    assert (line, col) == (3, 7)


def test_lmap_at_falls_back_to_the_mapping_for_an_absent_key():
    data, _ = parse_yaml(DOC)
    room = data["rooms"][0]
    assert room.at("no-such-key") == room.loc == (4, 5)


def test_llist_at_falls_back_to_the_list_outside_its_range():
    data, _ = parse_yaml(DOC)
    poly = data["rooms"][0]["polygon"]
    assert poly.at(5) == poly.loc
    assert poly.at(-1) == poly.loc


def test_parsed_data_is_plain_dicts_and_lists():
    data, _ = parse_yaml(DOC)
    assert data == {
        "kind": "ward", "version": 1,
        "rooms": [{"id": 412, "polygon": [[0, 0], [3.6, 0]]}, {"id": "corridor", "width": 2.4}],
        "nested": {"inner": {"value": "hello"}},
    }
    assert isinstance(data, dict) and isinstance(data["rooms"], list)


def test_ints_are_read_as_ints_for_ids():
    data, _ = parse_yaml("id: 412\nother: '412'\n")
    assert data["id"] == 412 and isinstance(data["id"], int)
    assert data["other"] == "412"


def test_a_bare_number_room_id_is_loaded_as_text(ward_copy, tiny):
    text = (tiny / "floorplan.yaml").read_text(encoding="utf-8").replace('id: "101"', "id: 101")
    ward = ward_copy({"floorplan.yaml": text})
    layout, findings = load_ward(ward)
    assert findings == []
    assert "101" in layout.room_by_id
    assert layout.room_by_id["101"].id == "101"


def test_dates_stay_text():
    data, findings = parse_yaml("d: 2024-01-01\n")
    assert findings == [] and data["d"] == "2024-01-01"


def test_standard_scalar_tags_are_allowed():
    data, findings = parse_yaml("s: !!str 5\ni: !!int '7'\n")
    assert findings == []
    assert data == {"s": "5", "i": 7}


# ---- files: encoding, size, emptiness


def test_bom_is_skipped_and_positions_unchanged(tmp_path):
    p = tmp_path / "ward.yaml"
    p.write_bytes(b"\xef\xbb\xbfkind: ward\nversion: 1\n")
    data, findings = read_yaml(p)
    assert findings == []
    assert data == {"kind": "ward", "version": 1}
    assert data.key_locs["kind"] == (1, 1)
    assert data.at("kind") == (1, 7)


def test_not_utf8_points_at_the_byte(tmp_path):
    p = tmp_path / "ward.yaml"
    p.write_bytes(b"kind: ward\nname: caf\xe9\n")
    data, findings = read_yaml(p, "shown.yaml")
    f = only(findings)
    assert data is None
    assert (f.code, f.file, f.line, f.column) == ("not-utf8", "shown.yaml", 2, 10)
    assert f.severity is Severity.FATAL


def test_utf16_file_is_refused_as_not_utf8(tmp_path):
    p = tmp_path / "ward.yaml"
    p.write_bytes("kind: ward\n".encode("utf-16"))
    data, findings = read_yaml(p)
    assert data is None and only(findings).code == "not-utf8"


def test_missing_file(tmp_path):
    data, findings = read_yaml(tmp_path / "nope.yaml")
    f = only(findings)
    assert data is None and f.code == "file-missing" and f.line == 0 and "nope.yaml" in f.message


def test_file_over_the_size_limit_is_not_read(tmp_path):
    p = tmp_path / "big.yaml"
    with open(p, "wb") as fh:  # sparse: no need to write 8 MiB
        fh.write(b"kind: ward\n")
        fh.truncate(MAX_FILE_BYTES + 1)
    data, findings = read_yaml(p)
    f = only(findings)
    assert data is None and f.code == "file-too-large" and f.line == 0


def test_file_at_the_size_limit_is_read(tmp_path):
    p = tmp_path / "ok.yaml"
    body = b"kind: ward\n"
    p.write_bytes(body + b"#" * (MAX_FILE_BYTES - len(body) - 1) + b"\n")
    assert os.path.getsize(p) == MAX_FILE_BYTES
    data, findings = read_yaml(p)
    assert findings == [] and data == {"kind": "ward"}


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "\ufeff"])
def test_empty_file_is_a_syntax_finding(tmp_path, text):
    p = tmp_path / "empty.yaml"
    p.write_text(text, encoding="utf-8")
    data, findings = read_yaml(p)
    f = only(findings)
    assert data is None and f.code == "yaml-syntax" and f.line == 1 and "empty" in f.message


def test_multiple_documents_are_refused_at_the_second():
    data, findings = parse_yaml("kind: ward\nversion: 1\n---\nkind: floorplan\n")
    f = only(findings)
    assert data is None and f.code == "yaml-syntax" and f.line in (3, 4) and "second YAML document" in f.message


def test_one_document_with_markers_is_fine():
    data, findings = parse_yaml("---\nkind: ward\n...\n")
    assert findings == [] and data == {"kind": "ward"}


# ---- syntax errors


@pytest.mark.parametrize("text,line,column", [
    ("kind: ward\nname: a: b\n", 2, 8),           # a second ': ' in a plain value
    ("kind: ward\nlist: [1, 2\nname: x\n", 3, 5),  # unclosed flow sequence
    ("kind: ward\n\t- 1\n", 2, 1),                 # a tab as indentation
    ('kind: ward\nname: "unterminated\n', 3, 1),   # unterminated quoted scalar
])
def test_syntax_errors_have_line_and_column(text, line, column):
    data, findings = parse_yaml(text, "f.yaml")
    f = only(findings)
    assert data is None
    assert (f.code, f.file) == ("yaml-syntax", "f.yaml")
    assert (f.line, f.column) == (line, column), f.format()


def test_control_character_is_a_syntax_finding_with_its_line():
    data, findings = parse_yaml("kind: ward\nversion: 1\nname: a\x07b\n")
    f = only(findings)
    assert data is None and f.code == "yaml-syntax"
    assert f.line == 3, f"the line of the control character is known; got {f.format()}"


def test_non_scalar_key_is_refused():
    data, findings = parse_yaml("? [1, 2]\n: x\n")
    assert data is None and only(findings).code == "wrong-type"


# ---- refusals: aliases, tags, depth


def test_alias_is_refused_where_it_is_used():
    data, findings = parse_yaml("a: &x 1\nb: *x\n")
    f = only(findings)
    assert data is None and (f.code, f.line, f.column) == ("yaml-alias", 2, 4)


def test_billion_laughs_is_refused_without_expanding():
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    data, findings = parse_yaml("\n".join(lines) + "\n")
    f = only(findings)
    assert data is None and f.code == "yaml-alias" and f.line == 2


def test_anchor_without_alias_is_harmless():
    data, findings = parse_yaml("a: &x 1\nb: 2\n")
    assert findings == [] and data == {"a": 1, "b": 2}


def test_merge_key_is_refused():
    data, findings = parse_yaml("<<: {a: 1}\nb: 2\n")
    assert data is None and only(findings).code == "yaml-alias"


@pytest.mark.parametrize("text", [
    "a: !!python/object:os.system {}\n",
    "a: !!python/object/apply:os.system [ls]\n",
    "a: !!python/name:os.system ''\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x, y}\n",
    "a: !local value\n",
    "a: !<tag:example.com,2000:thing> value\n",
])
def test_non_standard_tags_are_refused(text):
    data, findings = parse_yaml(text)
    f = only(findings)
    assert data is None and (f.code, f.line, f.column) == ("yaml-tag", 1, 4)


def test_python_object_tag_is_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    data, findings = parse_yaml(f'a: !!python/object/apply:os.system ["touch {marker}"]\n')
    assert data is None and only(findings).code == "yaml-tag"
    assert not marker.exists()


def test_nesting_at_the_limit_is_fine_and_deeper_is_refused():
    ok = "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH
    data, findings = parse_yaml(ok)
    assert findings == []
    deep = "[" * (MAX_DEPTH + 2) + "1" + "]" * (MAX_DEPTH + 2)
    data, findings = parse_yaml("a: b\nc: " + deep + "\n")
    f = only(findings)
    assert data is None and f.code == "yaml-too-deep" and f.line == 2


def test_absurd_nesting_is_refused_without_crashing(tmp_path):
    # A 60 kB file of brackets, far under the size limit. Run in a child process: a crash
    # there (stack overflow in the YAML composer) must fail this test, not the test run.
    p = tmp_path / "deep.yaml"
    p.write_text("[" * 30_000 + "]" * 30_000, encoding="utf-8")
    code = (
        "import sys\n"
        "from wardtwin.layout.yamlsafe import read_yaml\n"
        "data, findings = read_yaml(sys.argv[1])\n"
        "assert data is None, data\n"
        "print(' '.join(f.code for f in findings))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"exit status {proc.returncode}; stderr:\n{proc.stderr[-2000:]}"
    assert proc.stdout.split() == ["yaml-too-deep"]


def test_deep_block_mappings_are_refused():
    text = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * (MAX_DEPTH + 5) + "v\n"
    data, findings = parse_yaml(text)
    assert data is None and only(findings).code == "yaml-too-deep"


# ---- duplicate keys


def test_duplicate_key_keeps_the_first_value_and_reports_the_second():
    data, findings = parse_yaml("name: first\nid: x\nname: second\n", "w.yaml")
    f = only(findings)
    assert data == {"name": "first", "id": "x"}
    assert (f.code, f.file, f.line, f.column) == ("duplicate-key", "w.yaml", 3, 1)
    assert "first on line 1" in f.message and f.severity is Severity.ERROR


def test_every_duplicate_key_is_reported():
    data, findings = parse_yaml("{a: 1, a: 2, a: 3}\n")
    assert [f.code for f in findings] == ["duplicate-key", "duplicate-key"]
    assert data == {"a": 1}


def test_read_yaml_uses_the_display_name(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text("a: [\n", encoding="utf-8")
    _, findings = read_yaml(Path(p), "layouts/w/x.yaml")
    assert only(findings).file == "layouts/w/x.yaml"


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_other_line_endings_keep_positions(newline):
    data, findings = parse_yaml(newline.join(["a: 1", "b:", "  c: x", ""]))
    assert findings == []
    assert data["b"].at("c") == (3, 6)


def test_nul_byte_is_a_syntax_finding_with_its_position():
    data, findings = parse_yaml("a: 1\nb: \x00\n")
    f = only(findings)
    assert data is None and (f.code, f.line, f.column) == ("yaml-syntax", 2, 4)


def test_escaped_control_character_in_quotes_is_text():
    data, findings = parse_yaml('a: "bell\\x07"\n')
    assert findings == [] and data["a"] == "bell\x07"


def test_brackets_in_quotes_and_comments_do_not_count_as_nesting():
    # a broken file whose only deep brackets are text: the finding is the syntax error
    text = 'a: "' + "[" * 40 + '"  # ' + "{" * 40 + "\nb: [\n"
    data, findings = parse_yaml(text)
    assert data is None and only(findings).code == "yaml-syntax"


def test_nesting_past_the_parsers_own_limit_is_too_deep_at_our_limit():
    data, findings = parse_yaml("k: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n")
    f = only(findings)
    assert data is None and f.code == "yaml-too-deep" and f.line == 1 and f.column < 4 * (MAX_DEPTH + 2)
