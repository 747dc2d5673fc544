"""A damaged store is refused by every command that writes (``tour``, ``sync`` from it and to
it, ``db-info``), before anything is written: damaged pages, a table its schema promises gone,
text that is not JSON where JSON is kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import TINY, run_sql
from wardtwin.cli import main
from wardtwin.store import StoreCorruptError, open_store
from wardtwin.store.synthetic import bulk_load, synthetic_sessions

TOUR = Path(__file__).parent / "tours" / "tiny-station.yaml"


def _sql(*statements):
    def damage(path: Path) -> None:
        run_sql(path, *statements)
    return damage


def _garbage_page(path: Path) -> None:
    """Overwrite the root page of the events index with bytes that are no b-tree page."""
    con = sqlite3.connect(path)
    try:
        size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events_session_seq'").fetchone()[0]
    finally:
        con.close()
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * size)
        fh.write(b"\x5a" * size)


DAMAGE = {
    "page": _garbage_page,
    "events-json": _sql("UPDATE events SET data = '{not json' WHERE seq = 3"),
    "comfort-json": _sql("UPDATE sessions SET comfort = 'nope'"),
    "table-gone": _sql("DROP TABLE events"),
}


@pytest.fixture(params=sorted(DAMAGE))
def damaged(request, tmp_path) -> Path:
    """A station store with 3 sessions, damaged one way."""
    path = tmp_path / f"{request.param}.db"
    with open_store(path) as st:
        bulk_load(st, synthetic_sessions(7, 3, 4))
        st.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    DAMAGE[request.param](path)
    return path


def _untouched(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before
    assert not (path.parent / (path.name + ".pending")).exists() or \
        list((path.parent / (path.name + ".pending")).iterdir()) == []


def test_open_store_for_writing_refuses_a_damaged_store(damaged):
    before = damaged.read_bytes()
    with pytest.raises(StoreCorruptError, match=rf"{damaged.name}: .*damaged.*backup"):
        open_store(damaged)
    _untouched(damaged, before)


def test_every_writing_command_refuses_a_damaged_store(damaged, tmp_path, capsys):
    before = damaged.read_bytes()
    assert main(["db-info", "--db", str(damaged)]) == 2
    new = tmp_path / "new.db"
    assert main(["sync", "--db", str(damaged), "--to", str(new)]) == 2
    assert not new.exists()  # refused before the destination was opened
    good = tmp_path / "good.db"
    with open_store(good) as st:
        bulk_load(st, synthetic_sessions(8, 1, 4))
    assert main(["sync", "--db", str(good), "--to", str(damaged)]) == 2
    err = capsys.readouterr().err
    assert err.count(f"{damaged.name}: ") >= 3 and "damaged" in err and "Traceback" not in err
    _untouched(damaged, before)


def test_tour_refuses_a_damaged_store_and_says_nothing_was_recorded(damaged, capsys):
    pytest.importorskip("panda3d")
    before = damaged.read_bytes()
    code = main(["tour", str(TINY), str(TOUR), "--trainee", "z", "--db", str(damaged), "--offscreen",
                 "--size", "160x90", "--fps", "10"])
    out, err = capsys.readouterr()
    assert code == 2 and damaged.name in err and "damaged" in err
    assert "recorded" not in out
    _untouched(damaged, before)
