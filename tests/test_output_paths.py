"""Output files replace only regular files: a device, named pipe, socket, folder or symbolic link
at an output path is refused with a clear message (exit 2), never replaced or written through,
by every command that writes files; ``-o -`` writes reports and maps to standard output."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from conftest import TINY
from wardtwin.cli import main
from wardtwin.errors import OutputPathError
from wardtwin.exchange.files import check_output_dir, check_output_path, write_bytes_atomic, write_text_atomic
from wardtwin.store import open_store
from wardtwin.store.synthetic import bulk_load, synthetic_sessions
from wardtwin.tours.recorder import JsonlRecorder

TOUR = Path(__file__).parent / "tours" / "tiny-station.yaml"


@pytest.fixture
def odd(tmp_path) -> dict[str, Path]:
    """Things at output paths that must not be replaced, and what they are called in messages."""
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n", encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    link = tmp_path / "link.html"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.html"
    dangling.symlink_to(tmp_path / "nowhere")
    return {"a named pipe": fifo, "a folder": folder, "a symbolic link to": link, "dangling": dangling}


def _unchanged(tmp_path: Path) -> None:
    assert (tmp_path / "precious.txt").read_text(encoding="utf-8") == "keep me\n"
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)
    assert (tmp_path / "folder").is_dir() and list((tmp_path / "folder").iterdir()) == []
    assert (tmp_path / "link.html").is_symlink() and (tmp_path / "dangling.html").is_symlink()
    assert not list(tmp_path.glob(".*.tmp"))


def test_atomic_writers_refuse_anything_but_a_regular_file(odd, tmp_path):
    for what, path in odd.items():
        what = "a symbolic link" if what == "dangling" else what
        with pytest.raises(OutputPathError, match=rf"{path.name}: not written: it is {what}"):
            write_bytes_atomic(path, b"x")
        with pytest.raises(OutputPathError):
            write_text_atomic(path, "x")
    _unchanged(tmp_path)
    assert "precious.txt (a regular file)" in str(_error(odd["a symbolic link to"]))
    assert write_text_atomic(tmp_path / "new" / "a.txt", "1").read_text() == "1"  # a new path (and folder)
    assert write_text_atomic(tmp_path / "new" / "a.txt", "2").read_text() == "2"  # a regular file, replaced


def _error(path) -> OutputPathError:
    with pytest.raises(OutputPathError) as e:
        check_output_path(path)
    return e.value


def test_devices_and_file_parents_are_refused_without_touching_them(tmp_path):
    assert "a character device" in str(_error("/dev/null"))
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(OutputPathError, match="afile.*not written"):
        write_text_atomic(afile / "r.html", "x")
    with pytest.raises(OutputPathError, match="it is a regular file, not a folder"):
        check_output_dir(afile)
    assert afile.read_text(encoding="utf-8") == "x"


def test_event_records_refuse_a_pipe(tmp_path):
    os.mkfifo(tmp_path / "s1.jsonl")
    with pytest.raises(OutputPathError, match="s1.jsonl: not written: it is a named pipe"):
        JsonlRecorder(tmp_path, "s1")


@pytest.fixture
def store(tmp_path) -> Path:
    path = tmp_path / "s.db"
    with open_store(path) as st:
        bulk_load(st, synthetic_sessions(3, 2, 4))
    return path


@pytest.mark.parametrize("fmt", ["xapi", "html"])
def test_report_refuses_odd_paths(fmt, store, odd, tmp_path, capsys):
    for what, path in odd.items():
        assert main(["report", "--db", str(store), "--format", fmt, "-o", str(path)]) == 2
        err = capsys.readouterr().err
        assert f"{path.name}: not written" in err and "Traceback" not in err
    _unchanged(tmp_path)


def test_report_csv_needs_a_folder(store, odd, tmp_path, capsys):
    assert main(["report", "--db", str(store), "--format", "csv", "-o", str(tmp_path / "precious.txt")]) == 2
    assert "it is a regular file, not a folder" in capsys.readouterr().err
    assert main(["report", "--db", str(store), "--format", "csv", "-o", str(odd["a named pipe"])]) == 2
    (tmp_path / "folder" / "roster.csv").symlink_to(tmp_path / "precious.txt")
    assert main(["report", "--db", str(store), "--format", "csv", "-o", str(tmp_path / "folder")]) == 2
    assert "roster.csv: not written: it is a symbolic link" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "folder").iterdir()] == ["roster.csv"]  # no file of the set written
    (tmp_path / "folder" / "roster.csv").unlink()
    assert main(["report", "--db", str(store), "--format", "csv", "-o", "-"]) == 2
    assert "csv writes a folder" in capsys.readouterr().err
    _unchanged(tmp_path)


def test_report_to_standard_output(store, capsys):
    assert main(["report", "--db", str(store), "--format", "xapi", "-o", "-"]) == 0
    out, err = capsys.readouterr()
    statements = json.loads(out)
    assert statements and all("verb" in s for s in statements)
    assert "wrote standard output: xapi report of 2 sessions" in err
    assert main(["report", "--db", str(store), "--format", "html", "-o", "-"]) == 0
    out, err = capsys.readouterr()
    assert out.lstrip().lower().startswith("<!doctype html") and out.rstrip().endswith("</html>")
    assert "wrote standard output: html report" in err and not Path("-").exists()


def test_map_refuses_odd_paths_and_writes_to_standard_output(odd, tmp_path, capsys):
    for what, path in odd.items():
        assert main(["map", str(TINY), "-o", str(path)]) == 2
        assert f"{path.name}: not written" in capsys.readouterr().err
    _unchanged(tmp_path)
    assert main(["map", str(TINY), "-o", "-"]) == 0
    out, err = capsys.readouterr()
    assert out.lstrip().startswith("<svg") or out.lstrip().startswith("<?xml")
    assert out.rstrip().endswith("</svg>") and "wrote standard output" in err


def test_build_and_snapshot_refuse_odd_paths_before_any_work(odd, tmp_path, capsys):
    pytest.importorskip("panda3d")
    out = tmp_path / "out"
    out.mkdir()
    (out / "tiny.glb").symlink_to(tmp_path / "precious.txt")
    assert main(["build", str(TINY), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "tiny.glb: not written: it is a symbolic link" in err
    assert sorted(p.name for p in out.iterdir()) == ["tiny.glb"]  # nothing else written, no temporary folder
    assert main(["build", str(TINY), "-o", str(tmp_path / "precious.txt")]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["snapshot", str(TINY), "--view", "plan", "--size", "64x64", "-o", str(odd["a named pipe"])]) == 2
    assert "pipe: not written: it is a named pipe" in capsys.readouterr().err
    _unchanged(tmp_path)
