"""Shared fixtures of the layout-stage tests.

- ``tiny``: the path of ``tests/wards/tiny`` (a small valid ward with its own catalog).
- ``ward_copy``: a factory that copies a ward folder (tiny by default) into ``tmp_path`` so a
  test can change one file without touching the fixture.
- helpers to edit YAML as text (keeping line numbers predictable) or as data.

Every temporary file of a test run (``tmp_path``, ``tempfile``, and what child processes make
under ``$TMPDIR``) goes into one private folder that is removed when the run ends, so a run
leaves nothing in ``/tmp``. To keep a failed run's files, give pytest ``--basetemp=DIR``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
TINY = TESTS / "wards" / "tiny"
INVALID = TESTS / "invalid"
#: The four file names of a ward folder.
WARD_FILES = ("ward.yaml", "floorplan.yaml", "equipment.yaml", "catalog.yaml")


_RUN_TMP: dict[str, str] = {}


def pytest_configure(config):
    root = tempfile.mkdtemp(prefix="wardtwin-tests-")
    _RUN_TMP["root"] = root
    _RUN_TMP.update({k: os.environ[k] for k in ("TMPDIR", "PYTEST_DEBUG_TEMPROOT", "WARDTWIN_CACHE_DIR")
                     if k in os.environ})
    os.environ["TMPDIR"] = os.environ["PYTEST_DEBUG_TEMPROOT"] = root
    os.environ["WARDTWIN_CACHE_DIR"] = os.path.join(root, "cache")  # the bake's cache: not the user's
    tempfile.tempdir = root


def pytest_unconfigure(config):
    root = _RUN_TMP.pop("root", None)
    if root is None:
        return
    tempfile.tempdir = None
    for k in ("TMPDIR", "PYTEST_DEBUG_TEMPROOT", "WARDTWIN_CACHE_DIR"):
        if k in _RUN_TMP:
            os.environ[k] = _RUN_TMP.pop(k)
        else:
            os.environ.pop(k, None)
    shutil.rmtree(root, ignore_errors=True)


def active_xr_runtime() -> str | None:
    """The name of the OpenXR runtime with a headset active here, or None (the usual case)."""
    from wardtwin.station.vr.xr import XRUnavailableError, detect

    try:
        return detect().runtime
    except XRUnavailableError:
        return None


def replace_text(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a text file; fails when ``old`` is not there ``count`` times."""
    text = Path(path).read_text(encoding="utf-8")
    found = text.count(old)
    assert found == count, f"{path.name}: {old!r} found {found} times, {count} expected"
    Path(path).write_text(text.replace(old, new), encoding="utf-8")


def load_doc(path: Path):
    """A YAML file as plain data (``yaml.safe_load``)."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def save_doc(path: Path, data) -> None:
    """Plain data written as YAML (block style, keys in insertion order)."""
    Path(path).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def same_file(finding_file: str, path: Path) -> bool:
    """True when a finding's ``file`` (relative to the working directory, or absolute) is ``path``."""
    p = Path(finding_file)
    if not p.is_absolute():
        p = Path.cwd() / p
    return os.path.realpath(p) == os.path.realpath(path)


class WardCopy:
    """``ward_copy(...)`` copies a ward into a fresh folder under ``tmp_path`` and returns it.

    ``files`` maps a file name to its new content (text or bytes; None removes the file);
    ``remove`` names files to delete; ``src`` is the folder copied (tiny by default).
    """

    def __init__(self, base: Path):
        self.base = base
        self.counter = itertools.count(1)

    def __call__(self, files: dict | None = None, remove=(), src: Path = TINY, name: str | None = None) -> Path:
        dest = self.base / (name or f"ward{next(self.counter)}")
        shutil.copytree(src, dest)
        for fname, content in (files or {}).items():
            target = dest / fname
            target.parent.mkdir(parents=True, exist_ok=True)  # e.g. modules/bedroom.yaml
            if content is None:
                target.unlink(missing_ok=True)
            elif isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        for fname in remove:
            (dest / fname).unlink()
        return dest


@pytest.fixture
def tiny() -> Path:
    """The tiny valid ward (read-only: copy it with ``ward_copy`` to change it)."""
    return TINY


@pytest.fixture
def ward_copy(tmp_path) -> WardCopy:
    return WardCopy(tmp_path)


def codes_of(findings) -> list[str]:
    return [f.code for f in findings]


_BLOCK_PANDA3D = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("panda3d", "direct"):
            raise ImportError(name + " blocked")
sys.meta_path.insert(0, Block())
"""


def assert_imports_without_panda3d(statements: str) -> None:
    """Run ``statements`` (imports, asserts) in a fresh interpreter that cannot import Panda3D,
    and check that they ran and that no Panda3D module got loaded."""
    import subprocess
    import sys
    import textwrap

    code = _BLOCK_PANDA3D + textwrap.dedent(statements) + (
        '\nassert not [m for m in sys.modules if m.split(".")[0] in ("panda3d", "direct")]\nprint("ok")\n')
    p = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr


def run_cli(capfd, *args) -> tuple[int, str, str]:
    """``(exit code, stdout, stderr)`` of ``wardtwin ARGS`` run in this process (argparse's
    own exits included)."""
    from wardtwin.cli import main

    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse
        code = exc.code
    out = capfd.readouterr()
    return code, out.out, out.err


def run_sql(path, *statements) -> None:
    """Run SQL statements on a SQLite file and commit (to damage a store as another program could)."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        for q in statements:
            con.execute(q)
        con.commit()
    finally:
        con.close()
