"""The invalid-input corpus: every case must produce its finding code at its file and line.

Each folder under ``tests/invalid/`` is a case: the files it holds replace the tiny ward's
(``tests/wards/tiny``; module files go in its ``modules/``), and its ``expect.yaml`` says what
``check_ward`` must report::

    code: door-too-narrow      # a code of wardtwin.layout.CODES
    file: floorplan.yaml       # the file the finding points at (relative to the ward)
    line: 28                   # its line (0: no line, e.g. a missing file); a list: any of them
    column: 66                 # optional: its column
    message: [D-med, "0.81"]   # optional: texts the message must contain
    remove: [equipment.yaml]   # optional: tiny files deleted for the case
    exit: 0                    # optional: exit code (default: 2 fatal, 1 error, 0 warning)
    navigation: true           # optional: also run the navigation checks of the compiled model
                               # (wardtwin.model.navigation_findings), which produce some codes

Cases that cannot be committed as files (a file over the size limit, a symlink) are built at
test time (``GENERATED`` below).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
import yaml

import wardtwin

from conftest import INVALID, TINY, WARD_FILES, WardCopy, same_file
from modelfiles import GLTF_TRIANGLE, TRIANGLE_BIN, glb, many_triangles
from wardtwin.layout import CODES, Severity, check_ward, exit_code
from wardtwin.layout import yamlsafe
from wardtwin.layout.findings import sort_findings


@dataclass
class Case:
    name: str
    code: str
    file: str
    lines: tuple[int, ...]
    column: int | None = None
    message: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    exit: int | None = None
    navigation: bool = False
    files: dict = field(default_factory=dict)  # file name -> text/bytes (generated cases)
    setup: Callable[[Path], None] | None = None  # extra changes to the copied ward

    def expected_exit(self) -> int:
        if self.exit is not None:
            return self.exit
        return {Severity.FATAL: 2, Severity.ERROR: 1}.get(CODES[self.code][0], 0)


def _folder_cases() -> list[Case]:
    cases = []
    for d in sorted(p for p in INVALID.iterdir() if p.is_dir()):
        exp = yaml.safe_load((d / "expect.yaml").read_text(encoding="utf-8"))
        line = exp["line"]
        files = {f.name: f.read_bytes() for f in d.iterdir() if f.name in WARD_FILES}
        files.update({f"modules/{f.name}": f.read_bytes() for f in sorted((d / "modules").glob("*.yaml"))})
        cases.append(Case(
            name=d.name, code=exp["code"], file=exp["file"],
            lines=tuple(line) if isinstance(line, list) else (line,),
            column=exp.get("column"), message=tuple(exp.get("message", ())),
            remove=tuple(exp.get("remove", ())), exit=exp.get("exit"), navigation=bool(exp.get("navigation")),
            files=files,
        ))
    return cases


def _too_large(ward: Path) -> None:
    # over the limit by one byte; valid YAML padded with a comment so only the size is wrong
    head = (TINY / "equipment.yaml").read_bytes()
    pad = yamlsafe.MAX_FILE_BYTES + 1 - len(head)
    (ward / "equipment.yaml").write_bytes(head + b"#" * (pad - 1) + b"\n")


def _symlink_escape(ward: Path) -> None:
    # a model path inside the ward's assets folder that is a symlink to a file outside it
    outside = ward.parent / f"{ward.name}-secret.glb"
    outside.write_bytes(b"glTF")
    (ward / "assets").mkdir()
    os.symlink(outside, ward / "assets" / "bed.glb")
    text = (ward / "catalog.yaml").read_text(encoding="utf-8")
    old = 'draw: {shape: bed, color: "#9fb8d0"}'
    assert text.count(old) == 1
    (ward / "catalog.yaml").write_text(text.replace(old, 'draw: {shape: bed, color: "#9fb8d0", model: bed.glb}'),
                                       encoding="utf-8")


def _corrupt_model(ward: Path) -> None:
    # a .glb that is not one (the bytes of a PNG): named by the catalog, present, unreadable
    (ward / "assets").mkdir()
    (ward / "assets" / "bed.glb").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    text = (ward / "catalog.yaml").read_text(encoding="utf-8")
    old = 'draw: {shape: bed, color: "#9fb8d0"}'
    assert text.count(old) == 1
    (ward / "catalog.yaml").write_text(text.replace(old, 'draw: {shape: bed, color: "#9fb8d0", model: bed.glb}'),
                                       encoding="utf-8")


GENERATED = [
    Case("file-too-large", "file-too-large", "equipment.yaml", (0,), 0, ("MiB",), setup=_too_large),
    Case("asset-symlink-escapes", "asset-path-escapes", "catalog.yaml", (10,), None, ("'bed.glb'",),
         setup=_symlink_escape),
    Case("asset-unreadable", "asset-unreadable", "catalog.yaml", (10,), None, ("'bed.glb'", "glTF"),
         setup=_corrupt_model),
]


# --- files that are not regular files, or lead outside the ward (built at test time) -----------

def _fifo(name: str) -> Callable[[Path], None]:
    def setup(ward: Path) -> None:  # a named pipe: opening it for reading would wait for a writer
        (ward / name).unlink()
        os.mkfifo(ward / name)
    return setup


def _folder(ward: Path) -> None:
    (ward / "catalog.yaml").unlink()
    (ward / "catalog.yaml").mkdir()


def _loop(ward: Path) -> None:
    (ward / "floorplan.yaml").unlink()
    os.symlink("floorplan.yaml", ward / "floorplan.yaml")


def _outside_link(ward: Path) -> None:
    # a ward file that is a link to a file outside the ward: never read, never quoted
    secret = ward.parent / f"{ward.name}-passwd"
    secret.write_text("root:x:0:0:SECRET-CONTENT:/root:/bin/bash\n" * 40, encoding="utf-8")
    (ward / "ward.yaml").unlink()
    os.symlink(secret, ward / "ward.yaml")


def _assets_link(ward: Path) -> None:
    # the ward's assets folder is a link to a folder outside the ward
    outside = ward.parent / f"{ward.name}-assets"
    outside.mkdir()
    (outside / "bed.glb").write_bytes(b"glTF")
    os.symlink(outside, ward / "assets")
    _use_model(ward, "bed.glb")


def _use_model(ward: Path, rel: str) -> None:
    text = (ward / "catalog.yaml").read_text(encoding="utf-8")
    old = 'draw: {shape: bed, color: "#9fb8d0"}'
    assert text.count(old) == 1
    (ward / "catalog.yaml").write_text(text.replace(old, f'draw: {{shape: bed, color: "#9fb8d0", model: {rel}}}'),
                                       encoding="utf-8")


def _model(name: str, data: bytes, extra: dict | None = None) -> Callable[[Path], None]:
    def setup(ward: Path) -> None:
        (ward / "assets").mkdir()
        (ward / "assets" / name).write_bytes(data)
        for rel, content in (extra or {}).items():
            (ward / rel).write_bytes(content)
        _use_model(ward, name)
    return setup


def _model_fifo(ward: Path) -> None:
    (ward / "assets").mkdir()
    os.mkfifo(ward / "assets" / "bed.glb")
    _use_model(ward, "bed.glb")


def _sparse_glb(ward: Path) -> None:
    # a 3 GiB sparse .glb with a valid header: refused from its size, never read
    (ward / "assets").mkdir()
    with open(ward / "assets" / "bed.glb", "wb") as fh:
        fh.write(glb(GLTF_TRIANGLE, TRIANGLE_BIN)[:20])
        fh.truncate(3 << 30)
    _use_model(ward, "bed.glb")


_HUGE = glb({**GLTF_TRIANGLE, "accessors": [{**GLTF_TRIANGLE["accessors"][0], "count": 2_000_000_000}]}, TRIANGLE_BIN)
_ESCAPING = json.dumps({**GLTF_TRIANGLE, "buffers": [{"uri": "../../outside.bin", "byteLength": 36}]}).encode()

GENERATED += [
    Case("file-unreadable-fifo", "file-unreadable", "ward.yaml", (0,), 0, ("named pipe",), setup=_fifo("ward.yaml")),
    Case("file-unreadable-folder", "file-unreadable", "catalog.yaml", (0,), 0, ("directory",), setup=_folder),
    Case("file-unreadable-loop", "file-unreadable", "floorplan.yaml", (0,), 0, ("symlink loop",), setup=_loop),
    Case("file-outside-ward", "file-outside-ward", "ward.yaml", (0,), 0, ("outside",), setup=_outside_link),
    Case("asset-folder-link-escapes", "asset-path-escapes", "catalog.yaml", (10,), None, ("'bed.glb'",),
         setup=_assets_link),
    Case("asset-gltf-buffer-escapes", "asset-path-escapes", "catalog.yaml", (10,), None,
         ("../../outside.bin", "outside"), setup=_model("bed.gltf", _ESCAPING, {"../outside.bin": b"\0" * 36})),
    Case("asset-fifo", "asset-unreadable", "catalog.yaml", (10,), None, ("named pipe",), setup=_model_fifo),
    Case("asset-accessor-count", "asset-unreadable", "catalog.yaml", (10,), None, ("count", "2000000000"),
         setup=_model("bed.glb", _HUGE)),
    Case("asset-sparse-3gib", "asset-unreadable", "catalog.yaml", (10,), None, ("3 GiB", "64 MiB"),
         setup=_sparse_glb),
    Case("asset-triangle-budget", "asset-unreadable", "catalog.yaml", (10,), None, ("300,000 triangles",),
         setup=_model("bed.glb", glb(*many_triangles(100_000, nodes=3)))),
]

CASES = _folder_cases() + GENERATED


def _check(case: Case, ward: Path):
    """``check_ward``, plus the navigation checks of the compiled model for cases that need them."""
    layout, findings = check_ward(ward)
    if case.navigation and layout is not None:
        from wardtwin.model import navigation_findings

        findings = sort_findings(findings + navigation_findings(layout))
    return layout, findings


def _build(case: Case, ward_copy: WardCopy) -> Path:
    ward = ward_copy(files=case.files, remove=case.remove, name=case.name)
    if case.setup:
        case.setup(ward)
    return ward


def test_corpus_is_well_formed():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    for c in CASES:
        assert c.code in CODES, f"{c.name}: unknown code {c.code!r}"
        assert c.file in WARD_FILES or c.file.startswith("modules/"), f"{c.name}: {c.file!r} is not a ward file"
        assert c.files or c.remove or c.setup, f"{c.name}: the case changes nothing"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_case(case: Case, ward_copy):
    ward = _build(case, ward_copy)
    t0 = time.perf_counter()
    _layout, findings = _check(case, ward)
    elapsed = time.perf_counter() - t0
    shown = "\n".join(f.format() for f in findings)
    hits = [f for f in findings if f.code == case.code]
    assert hits, f"{case.name}: no [{case.code}] finding; got:\n{shown}"
    here = [f for f in hits if same_file(f.file, ward / case.file) and f.line in case.lines]
    assert here, (f"{case.name}: [{case.code}] expected at {case.file}:{'/'.join(map(str, case.lines))}; "
                  f"got:\n{shown}")
    if case.column is not None:
        assert any(f.column == case.column for f in here), \
            f"{case.name}: column {case.column} expected; got:\n{shown}"
    for text in case.message:
        assert any(text in f.message for f in here), f"{case.name}: {text!r} not in:\n{shown}"
    assert all(f.severity is CODES[case.code][0] for f in hits)
    assert exit_code(findings) == case.expected_exit(), f"{case.name}: wrong exit code; findings:\n{shown}"
    assert elapsed < 5, f"{case.name}: check_ward took {elapsed:.1f} s"


PACKAGE = Path(wardtwin.__file__).resolve().parent
#: Where the codes of this corpus are produced: the layout stage and the navigation checks.
LAYOUT_STAGE = [PACKAGE / "layout", PACKAGE / "model"]


def _sources(folders, exclude=()):
    return [p.read_text(encoding="utf-8") for d in folders for p in d.rglob("*.py") if p not in exclude]


def other_stage_codes() -> set[str]:
    """Codes that only other stages produce (e.g. the tours' codes): they appear in the source
    of another sub-package and nowhere in the layout stage. They have corpora of their own.
    A layout code that no source produces at all stays in this corpus's scope (and fails)."""
    layout = "\n".join(_sources(LAYOUT_STAGE, exclude=[PACKAGE / "layout" / "findings.py"]))
    others = [d for d in PACKAGE.iterdir() if d.is_dir() and d not in LAYOUT_STAGE and d.name != "__pycache__"]
    other = "\n".join(_sources(others))
    return {c for c in CODES if f'"{c}"' in other and f'"{c}"' not in layout}


def test_every_code_is_exercised_by_the_corpus():
    covered = {c.code for c in CASES}
    missing = sorted(set(CODES) - covered - other_stage_codes())
    assert not missing, f"codes no corpus case produces: {', '.join(missing)}"


def test_every_finding_of_one_file_is_reported_at_once(ward_copy):
    ward = ward_copy({"ward.yaml": (
        "kind: ward\n"
        "version: 1\n"
        "id: tiny\n"
        "name: Tiny test ward\n"
        "entrance: corridor\n"
        "wall_thickness: 2\n"          # out-of-range
        "ceiling_height: 3 kg\n"       # bad-unit
        "colour: red\n"                # unknown-key
    )})
    _layout, findings = check_ward(ward)
    got = sorted((f.code, f.line) for f in findings)
    assert got == [("bad-unit", 7), ("out-of-range", 6), ("unknown-key", 8)], "\n".join(f.format() for f in findings)
    assert exit_code(findings) == 1


def test_findings_in_several_files_are_all_reported(ward_copy, tiny):
    fp = (tiny / "floorplan.yaml").read_text(encoding="utf-8")
    eq = (tiny / "equipment.yaml").read_text(encoding="utf-8")
    ward = ward_copy({
        "ward.yaml": (tiny / "ward.yaml").read_text(encoding="utf-8").replace("entrance: corridor", "entrance: lobby"),
        "floorplan.yaml": fp.replace("width: 0.9}", "width: 0.70}").replace(
            "    kind: stair\n", "    kind: stair\n    colour: grey\n"),
        "equipment.yaml": eq.replace("at: [1.0, 10.0]", "at: [20, 20]").replace("type: test_bed, room: \"102\"",
                                                                                  "type: test_bd, room: \"102\""),
    })
    _layout, findings = check_ward(ward)
    got = {(Path(f.file).name, f.code, f.line) for f in findings}
    expected = {
        ("ward.yaml", "unknown-entrance", 5),
        ("floorplan.yaml", "unknown-key", 24),
        ("floorplan.yaml", "door-too-narrow", 29),
        ("equipment.yaml", "unknown-equipment-type", 5),
        ("equipment.yaml", "equipment-outside-room", 7),
    }
    assert expected <= got, "\n".join(f.format() for f in findings)
    assert findings == sort_findings(findings)


def test_tiny_ward_is_clean(tiny):
    layout, findings = check_ward(tiny)
    assert layout is not None
    assert findings == [], "\n".join(f.format() for f in findings)
    assert exit_code(findings) == 0


def test_alias_bomb_is_refused_quickly(ward_copy):
    case = next(c for c in CASES if c.name == "yaml-alias")
    ward = _build(case, ward_copy)
    t0 = time.perf_counter()
    _layout, findings = check_ward(ward)
    assert time.perf_counter() - t0 < 1.0
    assert [f.code for f in findings if Path(f.file).name == "equipment.yaml"] == ["yaml-alias"]


def test_python_tags_are_never_constructed(ward_copy, tmp_path):
    marker = tmp_path / "pwned"
    ward = ward_copy({"ward.yaml": (TINY / "ward.yaml").read_text(encoding="utf-8")
                      + f'description: !!python/object/apply:os.system ["touch {marker}"]\n'})
    _layout, findings = check_ward(ward)
    assert [f.code for f in findings] == ["yaml-tag"]
    assert not marker.exists()


# ---- input that once made validation raise instead of report


def test_huge_integer_quantity_is_a_finding_not_a_crash(ward_copy):
    # a 401-digit integer is a valid YAML int but too large for a float
    ward = ward_copy({"floorplan.yaml": (TINY / "floorplan.yaml").read_text(encoding="utf-8").replace(
        "width: 0.9}", "width: 1" + "0" * 400 + "}")})
    _layout, findings = check_ward(ward)
    hits = [f for f in findings if Path(f.file).name == "floorplan.yaml" and f.line == 28]
    assert [f.code for f in hits] in (["out-of-range"], ["wrong-type"]), [f.format() for f in findings]
    assert exit_code(findings) == 1


def test_integer_with_too_many_digits_is_a_finding_not_a_crash(ward_copy):
    # Python refuses to convert integers of more than 4300 digits from text (CVE-2020-10735)
    ward = ward_copy({"ward.yaml": (TINY / "ward.yaml").read_text(encoding="utf-8")
                      + "description: 1" + "0" * 5000 + "\n"})
    _layout, findings = check_ward(ward)
    hits = [f for f in findings if Path(f.file).name == "ward.yaml"]
    assert hits and all(f.line == 8 for f in hits), [f.format() for f in findings]
    assert exit_code(findings) >= 1


def test_coordinate_near_the_float_limit_is_a_finding_not_a_crash(ward_copy):
    ward = ward_copy({"floorplan.yaml": (TINY / "floorplan.yaml").read_text(encoding="utf-8").replace(
        "[[7.2, 5], [10.2, 5], [10.2, 7.6], [7.2, 7.6]]", "[[7.2, 5], [1.7e308, 5], [1.7e308, 7.6], [7.2, 7.6]]")})
    _layout, findings = check_ward(ward)
    assert exit_code(findings) >= 1, [f.format() for f in findings]
    assert any(Path(f.file).name == "floorplan.yaml" and f.line == 24 for f in findings)


# ---- the findings API


def test_exit_code_of_severities():
    from wardtwin.layout import Finding

    w = Finding.make("rooms-gap", "f.yaml", 1, 1, "w")
    e = Finding.make("unknown-room", "f.yaml", 2, 1, "e")
    f = Finding.make("yaml-syntax", "f.yaml", 3, 1, "f")
    assert exit_code([]) == 0
    assert exit_code([w]) == 0
    assert exit_code([w, e]) == 1
    assert exit_code([e, f, w]) == 2


def test_finding_format_and_dict():
    from wardtwin.layout import Finding

    f = Finding.make("door-too-narrow", "w/floorplan.yaml", 28, 66, "door D-med ...")
    assert f.severity is Severity.ERROR
    assert f.format() == "w/floorplan.yaml:28:66: error [door-too-narrow] door D-med ..."
    assert f.to_dict() == {"code": "door-too-narrow", "severity": "error", "file": "w/floorplan.yaml",
                           "line": 28, "column": 66, "message": "door D-med ..."}
    missing = Finding.make("file-missing", "w/equipment.yaml", 0, 0, "gone")
    assert missing.format().startswith("w/equipment.yaml: fatal [file-missing]")


def test_unknown_code_is_refused():
    from wardtwin.errors import UnknownNameError
    from wardtwin.layout import Finding

    with pytest.raises(UnknownNameError) as exc:
        Finding.make("no-such-code", "f", 1, 1, "m")
    assert "door-too-narrow" in str(exc.value)


def test_codes_are_stable_ids_with_a_summary():
    import re

    for code, (sev, summary) in CODES.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code), code
        assert isinstance(sev, Severity) and summary.strip()
