"""The ``wardtwin`` command, run as a user runs it: ``python -m wardtwin ...`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO, TINY, replace_text
from wardtwin.layout import CODES


def wardtwin(*args, cwd=REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wardtwin", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def error_ward(ward_copy):
    """A ward with one error: the medication room door is 0.70 m wide (floorplan.yaml:28)."""
    ward = ward_copy(name="error-ward")
    replace_text(ward / "floorplan.yaml", "width: 0.9}", "width: 0.70}")
    return ward


@pytest.fixture
def fatal_ward(ward_copy):
    """A ward whose ward.yaml is not YAML (ward.yaml:4)."""
    ward = ward_copy(name="fatal-ward")
    replace_text(ward / "ward.yaml", "name: Tiny test ward", "name: Tiny: test ward")
    return ward


def test_check_clean_ward_exits_0():
    p = wardtwin("check", "tests/wards/tiny")
    assert p.returncode == 0, p.stdout + p.stderr
    # the tiny ward is clean but for the US rule pack's warnings (no AED, no alarm box, ...)
    assert "tests/wards/tiny: 9 warnings" in p.stdout and " error [" not in p.stdout
    assert "Tiny test ward: 5 rooms, 5 doors (2 exits), 4 items" in p.stdout


def test_check_accepts_a_file_of_the_ward():
    p = wardtwin("check", "tests/wards/tiny/floorplan.yaml")
    assert p.returncode == 0, p.stdout + p.stderr


def test_check_error_ward_exits_1(error_ward):
    p = wardtwin("check", error_ward)
    assert p.returncode == 1, p.stdout + p.stderr
    line = next(x for x in p.stdout.splitlines() if "[door-too-narrow]" in x)
    assert line.startswith(f"{error_ward / 'floorplan.yaml'}:28:66: error [door-too-narrow] door D-med")
    assert "1 error" in p.stdout


def test_check_paths_are_relative_to_the_working_directory(error_ward):
    p = wardtwin("check", error_ward.name, cwd=error_ward.parent)
    assert p.returncode == 1
    assert f"{error_ward.name}/floorplan.yaml:28:66: error [door-too-narrow]" in p.stdout


def test_check_fatal_ward_exits_2(fatal_ward):
    p = wardtwin("check", fatal_ward)
    assert p.returncode == 2, p.stdout + p.stderr
    assert f"{fatal_ward / 'ward.yaml'}:4:11: fatal [yaml-syntax]" in p.stdout
    assert "Traceback" not in p.stderr


def test_check_nonexistent_folder_exits_2_and_names_it(tmp_path):
    missing = tmp_path / "no-such-ward"
    p = wardtwin("check", missing)
    assert p.returncode == 2
    assert str(missing) in p.stderr
    assert "Traceback" not in p.stderr


def test_check_json_lists_findings(error_ward):
    p = wardtwin("check", error_ward, "--format", "json")
    assert p.returncode == 1
    report = json.loads(p.stdout)
    assert report["ward"] == str(error_ward)
    assert report["ok"] is False
    assert report["counts"]["error"] == 1 and report["counts"]["fatal"] == 0
    (f,) = report["findings"]
    assert set(f) >= {"code", "severity", "file", "line", "column", "message"}
    assert (f["code"], f["severity"], f["line"], f["column"]) == ("door-too-narrow", "error", 28, 66)
    assert f["file"] == str(error_ward / "floorplan.yaml")
    assert "0.70 m" in f["message"] and "0.81" in f["message"]


def test_check_json_of_a_clean_ward_is_only_json():
    p = wardtwin("check", "tests/wards/tiny", "--format", "json")
    assert p.returncode == 0
    report = json.loads(p.stdout)  # nothing else printed on stdout
    assert report["ok"] is True and {f["severity"] for f in report["findings"]} <= {"warning"}


def test_check_json_of_a_fatal_ward(fatal_ward):
    p = wardtwin("check", fatal_ward, "--format", "json")
    assert p.returncode == 2
    report = json.loads(p.stdout)
    assert report["ok"] is False
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [("yaml-syntax", "fatal")]


def test_check_json_warnings_only_is_ok(ward_copy):
    ward = ward_copy()
    replace_text(ward / "floorplan.yaml", "at: [1.8, 5], width: 1.2", "at: [1.8, 5], width: 1.0")
    p = wardtwin("check", ward, "--format", "json")
    assert p.returncode == 0
    report = json.loads(p.stdout)
    assert report["ok"] is True and report["counts"]["error"] == 0
    assert "bed-door-narrow" in [f["code"] for f in report["findings"]
                                 if f["file"].endswith("floorplan.yaml") and f["line"] == 26]


@pytest.mark.parametrize("kind", ["ward", "floorplan", "equipment", "catalog"])
def test_schema_prints_json(kind):
    p = wardtwin("schema", kind)
    assert p.returncode == 0, p.stderr
    schema = json.loads(p.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/draft/2020-12")
    assert schema["properties"]["kind"]["enum"] == [kind]


def test_schema_of_unknown_kind_exits_2_and_lists_kinds():
    p = wardtwin("schema", "bogus")
    assert p.returncode == 2
    assert p.stdout == ""
    assert "bogus" in p.stderr
    for kind in ("ward", "floorplan", "equipment", "catalog"):
        assert kind in p.stderr
    assert "Traceback" not in p.stderr


def test_codes_lists_every_code_with_its_severity():
    p = wardtwin("codes")
    assert p.returncode == 0
    listed = {line.split()[0]: line.split()[1] for line in p.stdout.splitlines() if line.strip()}
    assert set(listed) == set(CODES)
    for code, (sev, _summary) in CODES.items():
        assert listed[code] == sev.value


def test_usage_error_exits_2():
    p = wardtwin("check")
    assert p.returncode == 2
    p = wardtwin("frobnicate")
    assert p.returncode == 2


def test_version():
    p = wardtwin("--version")
    assert p.returncode == 0 and p.stdout.startswith("wardtwin ")


@pytest.mark.parametrize("which,code", [("error", 1), ("fatal", 2)])
def test_map_of_an_invalid_ward_writes_nothing(which, code, error_ward, fatal_ward, tmp_path):
    ward = error_ward if which == "error" else fatal_ward
    out = tmp_path / "plan.svg"
    p = wardtwin("map", ward, "-o", out)
    assert p.returncode == code, p.stdout + p.stderr
    assert not out.exists()
    assert list(tmp_path.glob("plan*")) == []
    assert "Traceback" not in p.stderr
    assert ("door-too-narrow" if which == "error" else "yaml-syntax") in p.stderr
    assert str(out) in p.stderr  # says which file was not written


def test_map_of_tiny_writes_svg(tmp_path):
    out = tmp_path / "plan.svg"
    p = wardtwin("map", TINY, "-o", out)
    assert p.returncode == 0, p.stdout + p.stderr
    text = out.read_text(encoding="utf-8")
    assert "<svg" in text and text.rstrip().endswith("</svg>")


def test_check_empty_folder_reports_each_missing_file(tmp_path):
    p = wardtwin("check", tmp_path, "--format", "json")
    assert p.returncode == 2
    found = {(f["code"], f["file"].rsplit("/", 1)[-1]) for f in json.loads(p.stdout)["findings"]}
    assert {("file-missing", n) for n in ("ward.yaml", "floorplan.yaml", "equipment.yaml")} <= found
