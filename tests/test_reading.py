"""Reading what should not be read (issue 17, points 4-6): only regular files, with a bounded
read, never outside the ward (or assets) folder; model files checked from their headers and
JSON before anything loads them.

Named pipes, symlinks and device links are made here in ``tmp_path``; anything that could
block or grow without end on a regression runs in a child process with a timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import replace_text
from modelfiles import GLTF_TRIANGLE, TRIANGLE_BIN, glb, many_triangles
from wardtwin.errors import InputFileError
from wardtwin.exchange import gltfcheck
from wardtwin.exchange.reading import read_bounded, size_text
from wardtwin.layout import check_ward

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False
TIMEOUT = 120  # s: each child process; a hang on a pipe or a device fails instead of waiting forever


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wardtwin", *args], capture_output=True, text=True,
                          timeout=TIMEOUT, cwd=cwd)


def _refused(r: subprocess.CompletedProcess, name: str, code: int = 2) -> str:
    out = r.stdout + r.stderr
    assert r.returncode == code, out
    assert "Traceback" not in out, out
    assert name in out, out
    return out


# --- the reading module -------------------------------------------------------------------

def test_a_regular_file_is_read_whole_within_its_limit(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"x" * 10)
    assert read_bounded(p, 10) == b"x" * 10
    with pytest.raises(InputFileError) as err:
        read_bounded(p, 9)
    assert err.value.reason == "too-large" and "10 bytes" in err.value.detail and "a.txt" in str(err.value)


@pytest.mark.parametrize("make, reason, words", [
    (lambda p: p.mkdir(), "not-a-file", "a directory"),
    (lambda p: os.symlink(p.name, p), "not-a-file", "symlink loop"),
    (lambda p: os.symlink(p.parent / "nowhere", p), "missing", "not found"),
    (lambda p: None, "missing", "not found"),
])
def test_what_is_not_a_regular_file_is_named(tmp_path, make, reason, words):
    p = tmp_path / "f.yaml"
    make(p)
    with pytest.raises(InputFileError) as err:
        read_bounded(p, 100)
    assert err.value.reason == reason and words in err.value.detail


def test_a_character_device_is_refused_without_reading_it():
    # /dev/zero never ends: refused from what it is (a regression could read at most 17 bytes)
    with pytest.raises(InputFileError) as err:
        read_bounded("/dev/zero", 16)
    assert err.value.reason == "not-a-file" and "character device" in err.value.detail


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    code = textwrap.dedent(f"""
        from wardtwin.errors import InputFileError
        from wardtwin.exchange.reading import read_bounded
        try:
            read_bounded({str(tmp_path / "pipe")!r}, 100)
        except InputFileError as exc:
            print(exc.reason, exc.detail)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0 and "not-a-file" in r.stdout and "named pipe" in r.stdout, r.stdout + r.stderr


def test_a_link_leading_outside_its_folder_is_refused(tmp_path):
    (tmp_path / "outside.txt").write_text("secret")
    (tmp_path / "ward").mkdir()
    os.symlink(tmp_path / "outside.txt", tmp_path / "ward" / "in.txt")
    (tmp_path / "ward" / "ok.txt").write_text("fine")
    os.symlink("ok.txt", tmp_path / "ward" / "alias.txt")  # a link inside the folder is fine
    assert read_bounded(tmp_path / "ward" / "alias.txt", 10, within=tmp_path / "ward") == b"fine"
    with pytest.raises(InputFileError) as err:
        read_bounded(tmp_path / "ward" / "in.txt", 100, within=tmp_path / "ward")
    assert err.value.reason == "outside" and "secret" not in str(err.value)


@pytest.mark.skipif(ROOT, reason="root reads files whatever their permissions")
def test_an_unreadable_file_says_permission_denied(tmp_path):
    p = tmp_path / "f.yaml"
    p.write_text("kind: ward\n")
    p.chmod(0)
    try:
        with pytest.raises(InputFileError) as err:
            read_bounded(p, 100)
    finally:
        p.chmod(0o600)
    assert err.value.reason == "unreadable" and "permission denied" in err.value.detail


def test_sizes_are_shown_in_words():
    assert size_text(8 << 20) == "8 MiB" and size_text((8 << 20) + 1) == "8.0 MiB"
    assert size_text(3 << 30) == "3 GiB" and size_text(300) == "300 bytes"


# --- model files: checked from headers and JSON ---------------------------------------------

def _check(tmp_path: Path, name: str, data: bytes, files: dict | None = None) -> str | None:
    (tmp_path / "assets").mkdir(exist_ok=True)
    (tmp_path / "assets" / name).write_bytes(data)
    for rel, content in (files or {}).items():
        (tmp_path / rel).write_bytes(content)
    try:
        gltfcheck.check_model_file(tmp_path / "assets" / name, tmp_path / "assets")
    except (InputFileError, gltfcheck.ModelFileError) as exc:
        return str(exc)
    return None


def test_a_small_valid_model_passes(tmp_path):
    assert _check(tmp_path, "t.glb", glb(GLTF_TRIANGLE, TRIANGLE_BIN)) is None
    assert _check(tmp_path, "big.glb", glb(*many_triangles(50_000, nodes=4))) is None  # 200,000: the budget
    doc = {**GLTF_TRIANGLE, "buffers": [{"uri": "t%20b.bin", "byteLength": 36}]}
    assert _check(tmp_path, "t.gltf", json.dumps(doc).encode(), {"assets/t b.bin": TRIANGLE_BIN}) is None


@pytest.mark.parametrize("change, words", [
    ({"accessors": [{**GLTF_TRIANGLE["accessors"][0], "count": 2_000_000_000}]}, "count"),
    ({"accessors": [{**GLTF_TRIANGLE["accessors"][0], "count": 4}]}, "needs 48 bytes"),
    ({"bufferViews": [{"buffer": 0, "byteLength": 3600}]}, "bufferView 0 ends"),
    ({"buffers": [{"byteLength": 3600}]}, "buffer 0 says 3,600 bytes"),
    ({"accessors": [{**GLTF_TRIANGLE["accessors"][0], "bufferView": 7}]}, "bufferView"),
    ({"nodes": [{"mesh": 0, "children": [0]}]}, "reached twice"),
    ({"accessors": [{**GLTF_TRIANGLE["accessors"][0], "type": "VEC9"}]}, "unknown"),
    ({"accessors": 5}, "not a list"),
])
def test_numbers_that_do_not_fit_are_refused(tmp_path, change, words):
    why = _check(tmp_path, "t.glb", glb({**GLTF_TRIANGLE, **change}, TRIANGLE_BIN))
    assert why is not None and words in why


def test_the_triangle_budget_counts_every_node_using_a_mesh(tmp_path):
    why = _check(tmp_path, "t.glb", glb(*many_triangles(100_000, nodes=3)))
    assert why is not None and "300,000 triangles" in why and f"{gltfcheck.MAX_TRIANGLES:,}" in why


def test_a_huge_sparse_model_is_refused_from_its_size(tmp_path):
    (tmp_path / "assets").mkdir()
    with open(tmp_path / "assets" / "big.glb", "wb") as fh:
        fh.write(glb(GLTF_TRIANGLE, TRIANGLE_BIN)[:20])
        fh.truncate(3 << 30)
    with pytest.raises(InputFileError) as err:
        gltfcheck.check_model_file(tmp_path / "assets" / "big.glb", tmp_path / "assets")
    assert err.value.reason == "too-large" and "3 GiB" in err.value.detail


@pytest.mark.parametrize("uri", ["../outside.bin", "%2E%2E/outside.bin", "/etc/passwd.bin", "sub/../../outside.bin"])
def test_a_gltf_may_not_refer_outside_its_assets_folder(tmp_path, uri):
    doc = {**GLTF_TRIANGLE, "buffers": [{"uri": uri, "byteLength": 36}]}
    why = _check(tmp_path, "t.gltf", json.dumps(doc).encode(), {"outside.bin": TRIANGLE_BIN})
    assert why is not None and ("outside" in why or "not a relative path" in why)


def test_an_image_that_is_a_pipe_is_refused(tmp_path):
    (tmp_path / "assets").mkdir()
    os.mkfifo(tmp_path / "assets" / "tex.png")
    doc = {**GLTF_TRIANGLE, "images": [{"uri": "tex.png"}], "buffers": [{"uri": "t.bin", "byteLength": 36}]}
    why = _check(tmp_path, "t.gltf", json.dumps(doc).encode(), {"assets/t.bin": TRIANGLE_BIN})
    assert why is not None and "named pipe" in why and "tex.png" in why


def test_loading_checks_the_file_first(tmp_path):
    """The loader (panda3d-gltf) is never given a file that fails the checks."""
    from wardtwin.scene.models import ModelError, load_model_mesh

    path = tmp_path / "huge.glb"
    path.write_bytes(glb({**GLTF_TRIANGLE, "accessors": [{**GLTF_TRIANGLE["accessors"][0], "count": 2_000_000_000}]},
                         TRIANGLE_BIN))
    with pytest.raises(ModelError) as err:
        load_model_mesh(path)
    assert "count" in str(err.value)


# --- the CLI: exit 2, the file named, no traceback, nothing written -----------------------

@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom"])
def test_check_refuses_a_ward_file_linked_to_a_device(ward_copy, tmp_path, target):
    ward = ward_copy()
    (ward / "equipment.yaml").unlink()
    os.symlink(target, ward / "equipment.yaml")
    _refused(_run("check", str(ward), cwd=tmp_path), "equipment.yaml")


def test_check_refuses_a_named_pipe_without_hanging(ward_copy, tmp_path):
    ward = ward_copy()
    (ward / "floorplan.yaml").unlink()
    os.mkfifo(ward / "floorplan.yaml")
    out = _refused(_run("check", str(ward), cwd=tmp_path), "floorplan.yaml")
    assert "file-unreadable" in out and "named pipe" in out


def test_check_never_prints_a_file_outside_the_ward(ward_copy, tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:SECRET-CONTENT:/root:/bin/bash\n" * 40)
    ward = ward_copy()
    (ward / "ward.yaml").unlink()
    os.symlink(secret, ward / "ward.yaml")
    out = _refused(_run("check", str(ward), cwd=tmp_path), "ward.yaml")
    assert "file-outside-ward" in out and "SECRET" not in out


def test_a_long_value_is_quoted_only_as_a_short_excerpt(ward_copy):
    ward = ward_copy({"ward.yaml": "kind: " + "A" * 5000 + "\nversion: 1\n"})
    _layout, findings = check_ward(ward)
    wrong = [f for f in findings if f.code == "wrong-kind"]
    assert wrong and len(wrong[0].message) < 300 and "5,000 characters" in wrong[0].message


def test_build_refuses_a_model_with_an_absurd_accessor_count(ward_copy, tmp_path):
    ward = ward_copy()
    (ward / "assets").mkdir()
    (ward / "assets" / "huge.glb").write_bytes(
        glb({**GLTF_TRIANGLE, "accessors": [{**GLTF_TRIANGLE["accessors"][0], "count": 2_000_000_000}]}, TRIANGLE_BIN))
    replace_text(ward / "catalog.yaml", 'draw: {shape: bed, color: "#9fb8d0"}',
                 'draw: {shape: bed, color: "#9fb8d0", model: huge.glb}')
    out_dir = tmp_path / "out"
    out = _refused(_run("build", str(ward), "-o", str(out_dir), cwd=tmp_path), "huge.glb", code=1)
    assert "asset-unreadable" in out and "catalog.yaml" in out
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_tour_check_refuses_a_tour_that_is_a_pipe(tmp_path):
    os.mkfifo(tmp_path / "t.yaml")
    out = _refused(_run("tour-check", "icu-12", str(tmp_path / "t.yaml"), cwd=tmp_path), "t.yaml")
    assert "named pipe" in out


def test_a_shipped_tour_name_may_not_lead_outside_the_ward(ward_copy, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("kind: tour\n")
    ward = ward_copy()
    (ward / "tours").mkdir()
    os.symlink(outside, ward / "tours" / "orientation.yaml")
    out = _refused(_run("tour-check", str(ward), "orientation", cwd=tmp_path), "orientation.yaml")
    assert "outside" in out


@pytest.mark.parametrize("key_file", ["/dev/zero", "FIFO", "DIR"])
def test_report_refuses_a_key_file_that_is_not_a_regular_file(tmp_path, key_file):
    if key_file == "FIFO":
        key_file = str(tmp_path / "key")
        os.mkfifo(key_file)
    elif key_file == "DIR":
        key_file = str(tmp_path)
    out = tmp_path / "r.csv"
    r = _run("report", "--db", str(tmp_path / "none.db"), "--format", "csv", "-o", str(out), "--pseudonymise",
             "--pseudonym-key-file", key_file, cwd=tmp_path)
    _refused(r, key_file)
    assert not out.exists() and not (tmp_path / "none.db").exists()


def test_a_station_script_must_be_a_regular_file(tmp_path):
    from wardtwin.station.script import ScriptError, load_script

    with pytest.raises(ScriptError) as err:
        load_script(tmp_path)
    assert "directory" in str(err.value) and str(tmp_path) in str(err.value)
    big = tmp_path / "big.txt"
    big.write_bytes(b"wait 1\n" * 200_000)
    with pytest.raises(ScriptError) as err:
        load_script(big)
    assert "limit" in str(err.value)
