"""Issue 17, points 4 (journals), 8 and 9 on the store and report side: damaged or foreign
stores, odd journals, odd output paths and odd arguments each end with a clear message naming
the file and exit 2, no traceback, and nothing written."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from conftest import TINY, run_sql
from wardtwin.cli import main
from wardtwin.store import NotAStoreError, StoreCorruptError, open_store
from wardtwin.store.db import read_store
from wardtwin.store.synthetic import bulk_load, synthetic_sessions

TOUR = Path(__file__).parent / "tours" / "tiny-station.yaml"
FORMATS = (("csv", "csv"), ("html", "r.html"), ("xapi", "x.json"))


def _run(capsys, *argv) -> tuple[int, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out + err


_sql = run_sql


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def store(tmp_path) -> Path:
    """A station store of 3 sessions in its own folder, closed (no -wal or -shm beside it)."""
    folder = tmp_path / "station"
    folder.mkdir()
    path = folder / "s.db"
    with open_store(path) as st:
        bulk_load(st, synthetic_sessions(7, 3, 4))
    return path


def _a_session(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT id FROM sessions ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        con.close()


DAMAGED_ROWS = {
    "events-not-json": ("UPDATE events SET data = '{{not json' WHERE seq = 3 AND session = '{sid}'", "events"),
    "comfort-not-json": ("UPDATE sessions SET comfort = 'nope' WHERE id = '{sid}'", "sessions"),
    "data-not-object": ("UPDATE events SET data = '[]' WHERE seq = 2 AND session = '{sid}'", "events"),
    "time-is-text": ("UPDATE events SET t = 'noon' WHERE seq = 2 AND session = '{sid}'", "events"),
    "started-not-time": ("UPDATE sessions SET started_at = 'yesterday' WHERE id = '{sid}'", "sessions"),
    "ended-no-outcome": ("UPDATE events SET data = '{{\"duration_s\": 1}}' WHERE type = 'session_ended' "
                         "AND session = '{sid}'", "events"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGED_ROWS))
def test_reports_of_a_damaged_row_fail_clearly_in_every_format(damage, store, tmp_path, capsys):
    sid = _a_session(store)
    statement, table = DAMAGED_ROWS[damage]
    _sql(store, statement.format(sid=sid))
    before = _listing(store.parent)
    for fmt, name in FORMATS:
        out = tmp_path / name
        code, text = _run(capsys, "report", "--db", store, "--format", fmt, "-o", out)
        assert code == 2 and "Traceback" not in text, text
        assert str(store) in text and table in text and sid in text and "damaged" in text, text
        assert not out.exists()
    assert _listing(store.parent) == before


def test_a_damaged_value_inside_the_json_is_named_too(store, tmp_path, capsys):
    """Valid JSON objects whose values a summary cannot use (a duration that is a word)."""
    sid = _a_session(store)
    _sql(store, "UPDATE events SET data = '{\"outcome\": \"completed\", \"duration_s\": \"long\"}' "
         f"WHERE type = 'session_ended' AND session = '{sid}'")
    code, text = _run(capsys, "report", "--db", store, "--format", "xapi", "-o", tmp_path / "x.json")
    assert code == 2 and "Traceback" not in text and sid in text and "session_ended" in text, text
    assert not (tmp_path / "x.json").exists()


def test_sync_refuses_a_damaged_source_and_leaves_no_destination(store, tmp_path, capsys):
    _sql(store, "UPDATE events SET data = '{not json' WHERE seq = 1")
    dest = tmp_path / "dest.db"
    code, text = _run(capsys, "sync", "--db", store, "--to", dest)
    assert code == 2 and "Traceback" not in text and str(store) in text and "events" in text, text
    assert not dest.exists() and _listing(tmp_path) == ["station"]


def test_sync_of_a_malformed_file_is_an_error_not_a_traceback(store, tmp_path, capsys):
    size = store.stat().st_size
    with open(store, "r+b") as fh:  # garbage over every page but the first
        fh.seek(4096)
        fh.write(b"\x5a" * (size - 4096))
    dest = tmp_path / "dest.db"
    code, text = _run(capsys, "sync", "--db", store, "--to", dest)
    assert code == 2 and "Traceback" not in text and str(store) in text, text
    assert not dest.exists()


def test_a_failed_sync_removes_the_destination_it_created(store, tmp_path, monkeypatch, capsys):
    import importlib

    from wardtwin.store import StoreError
    sync_module = importlib.import_module("wardtwin.store.sync")

    def broken(*a, **k):
        raise StoreError("disk on fire")
    monkeypatch.setattr(sync_module, "sync", broken)
    dest = tmp_path / "dest.db"
    code, text = _run(capsys, "sync", "--db", store, "--to", dest)
    assert code == 2 and "disk on fire" in text
    assert _listing(tmp_path) == ["station"]


def _foreign(path: Path) -> bytes:
    _sql(path, "CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO patients VALUES (1, 'x')")
    return path.read_bytes()


def test_a_foreign_database_is_refused_by_every_command(store, tmp_path, capsys):
    other = tmp_path / "other.db"
    before = _foreign(other)
    for argv in (("db-info", "--db", other), ("sync", "--db", other, "--to", tmp_path / "new.db"),
                 ("sync", "--db", store, "--to", other),
                 ("report", "--db", other, "--format", "html", "-o", tmp_path / "r.html")):
        code, text = _run(capsys, *argv)
        assert code == 2 and "Traceback" not in text and str(other) in text and "not a wardtwin" in text, text
    assert other.read_bytes() == before
    assert _listing(tmp_path) == ["other.db", "station"]
    from wardtwin.store import SessionWriter
    with pytest.raises(NotAStoreError, match="patients"):  # what `tour` records through
        SessionWriter(other, "s1")
    assert other.read_bytes() == before


def test_an_empty_file_is_a_store_only_where_stores_are_made(store, tmp_path, capsys):
    empty = tmp_path / "empty.db"
    empty.touch()
    for argv in (("db-info", "--db", empty), ("sync", "--db", empty, "--to", tmp_path / "new.db"),
                 ("report", "--db", empty, "--format", "xapi", "-o", tmp_path / "x.json")):
        code, text = _run(capsys, *argv)
        assert code == 2 and "Traceback" not in text and str(empty) in text and "empty" in text, text
        assert empty.stat().st_size == 0
    assert _listing(tmp_path) == ["empty.db", "station"]
    code, text = _run(capsys, "sync", "--db", store, "--to", empty)  # a new, empty destination: made a store
    assert code == 0, text
    with open_store(empty, read_only=True) as st:
        assert st.counts().sessions == 3


def test_a_read_only_report_makes_no_file_beside_the_store(store, tmp_path, capsys):
    before = _listing(store.parent)
    for fmt, name in FORMATS:
        code, text = _run(capsys, "report", "--db", store, "--format", fmt, "-o", tmp_path / name)
        assert code == 0, text
    assert _listing(store.parent) == before == ["s.db"]


def test_a_report_reads_a_live_writers_wal_without_making_files(store, tmp_path, capsys):
    writer = sqlite3.connect(store)  # a station at work: its -wal and -shm are there
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("UPDATE sessions SET trainee = 'renamed-in-wal' WHERE id = ?", (_a_session(store),))
        writer.commit()
        before = _listing(store.parent)
        assert "s.db-wal" in before
        code, text = _run(capsys, "report", "--db", store, "--format", "csv", "-o", tmp_path / "csv")
        assert code == 0, text
        assert "renamed-in-wal" in (tmp_path / "csv" / "roster.csv").read_text()
        assert _listing(store.parent) == before
    finally:
        writer.close()


def test_a_report_works_in_a_read_only_folder(store, tmp_path, capsys):
    """As root the permission bits stop nothing, so the folder listing is what shows that
    nothing was (or would have been) created there; as another user the chmod is real too."""
    folder = store.parent
    before = _listing(folder)
    folder.chmod(0o555)
    try:
        code, text = _run(capsys, "report", "--db", store, "--format", "html", "-o", tmp_path / "r.html")
        assert code == 0, text
        assert _listing(folder) == before
    finally:
        folder.chmod(0o755)


def test_a_store_changed_during_a_read_is_read_again(store):
    calls = []

    def read(st):
        calls.append(st.stale())
        if len(calls) == 1:  # a writer commits while the report reads
            _sql(store, "UPDATE sessions SET trainee = 'late'")
        return st.execute("SELECT COUNT(*) FROM sessions WHERE trainee = 'late'").fetchone()[0]

    assert read_store(store, read) == 3
    assert calls == [False, False]


# -- journals -----------------------------------------------------------------------------------

def _pending(store: Path) -> Path:
    folder = store.with_name(store.name + ".pending")
    folder.mkdir(exist_ok=True)
    return folder


ODD_JOURNALS = {
    "dev-zero": lambda p: p.symlink_to("/dev/zero"),
    "link-to-a-file": lambda p: p.symlink_to(p.parent.parent / "outside.jsonl"),
    "named-pipe": lambda p: os.mkfifo(p),
    "oversized": lambda p: os.truncate(p.open("wb").close() or p, (64 << 20) + 1),
    "damaged-line": lambda p: p.write_text('{"session":"x1","wardtwin_journal":1}\n[0,"session_started",0.0]\n'
                                           '[1,"step_started",1.0,0,{}]\n'),
    "text-time": lambda p: p.write_text('{"session":"x1","wardtwin_journal":1}\n[1,"step_started","noon",0,{}]\n'),
}


@pytest.mark.parametrize("odd", sorted(ODD_JOURNALS))
def test_an_odd_journal_is_a_clear_error_naming_it(odd, store, tmp_path, capsys):
    if odd == "named-pipe" and not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    (store.parent / "outside.jsonl").write_text('{"session":"x1","wardtwin_journal":1}\n')
    journal = _pending(store) / "x1.jsonl"
    ODD_JOURNALS[odd](journal)
    for fmt, name in FORMATS:
        out = tmp_path / name
        code, text = _run(capsys, "report", "--db", store, "--format", fmt, "-o", out)
        assert code == 2 and "Traceback" not in text and "x1.jsonl" in text, text
        assert not out.exists()
    code, text = _run(capsys, "db-info", "--db", store)  # a writable open folds journals: refused too
    assert code == 2 and "Traceback" not in text and "x1.jsonl" in text, text
    assert os.path.lexists(journal)


def test_a_writer_never_writes_through_a_linked_journal(store, tmp_path):
    from wardtwin.store import SessionWriter

    target = tmp_path / "elsewhere.txt"
    target.write_text("precious\n")
    (_pending(store) / "s9.jsonl").symlink_to(target)
    with pytest.raises(StoreCorruptError, match="s9.jsonl"):
        SessionWriter(store, "s9")
    assert target.read_text() == "precious\n"


# -- output paths and arguments -----------------------------------------------------------------

def test_report_output_paths_that_cannot_be_written(store, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("keep\n")
    folder = tmp_path / "existing"
    folder.mkdir()
    for fmt, out in (("html", folder), ("xapi", folder), ("html", afile / "r.html"), ("xapi", afile / "x.json"),
                     ("csv", afile), ("csv", afile / "csv")):
        code, text = _run(capsys, "report", "--db", store, "--format", fmt, "-o", out)
        assert code == 2 and "Traceback" not in text and str(out) in text, text
    assert afile.read_text() == "keep\n" and list(folder.iterdir()) == []


def test_build_and_map_output_paths_that_cannot_be_written(tmp_path, capsys, monkeypatch):
    afile = tmp_path / "afile"
    afile.write_text("keep\n")
    code, text = _run(capsys, "build", TINY, "-o", afile)
    assert code == 2 and "Traceback" not in text and str(afile) in text, text
    monkeypatch.chdir(tmp_path)
    code, text = _run(capsys, "map", TINY, "-o", ".")
    assert code == 2 and "Traceback" not in text, text
    assert afile.read_text() == "keep\n" and _listing(tmp_path) == ["afile"]


def test_report_refuses_an_lrs_that_is_not_a_url_before_writing(store, tmp_path, capsys):
    out = tmp_path / "x.json"
    for lrs in ("not a url", "ftp://lrs.example.org/xapi/", "http://"):
        code, text = _run(capsys, "report", "--db", store, "--format", "xapi", "-o", out, "--lrs", lrs)
        assert code == 2 and "Traceback" not in text and "--lrs" in text, text
        assert not out.exists()


def test_simulate_refuses_a_negative_seed(capsys):
    code, text = _run(capsys, "simulate", TINY, TOUR, "--trainees", "1", "--seed", "-1")
    assert code == 2 and "Traceback" not in text and "--seed" in text, text


def test_simulate_events_into_something_that_is_not_a_record_folder(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("keep\n")
    code, text = _run(capsys, "simulate", TINY, TOUR, "--trainees", "2", "--events", afile)
    assert code == 2 and "Traceback" not in text and str(afile) in text, text
    assert afile.read_text() == "keep\n"
    events = tmp_path / "events"
    assert _run(capsys, "simulate", TINY, TOUR, "--trainees", "1", "--events", events)[0] == 0
    (record,) = events.iterdir()
    record.unlink()
    record.write_text("not an events record\n")  # a file of that name that is something else
    code, text = _run(capsys, "simulate", TINY, TOUR, "--trainees", "1", "--events", events)
    assert code == 2 and "Traceback" not in text and record.name in text, text
    assert record.read_text() == "not an events record\n"
    record.unlink()
    record.mkdir()  # a folder where the record goes
    code, text = _run(capsys, "simulate", TINY, TOUR, "--trainees", "1", "--events", events)
    assert code == 2 and "Traceback" not in text and record.name in text, text
    assert list(record.iterdir()) == []


def test_reading_back_a_record_that_is_not_one(tmp_path):
    from wardtwin.errors import UsageError
    from wardtwin.tours.recorder import read_events

    bad = tmp_path / "r.jsonl"
    bad.write_text('{"session": "a"}\n{"x": 1}\n')
    with pytest.raises(UsageError, match="r.jsonl:1"):
        read_events(bad)
    link = tmp_path / "zero.jsonl"
    link.symlink_to("/dev/zero")
    with pytest.raises(UsageError, match="zero.jsonl"):
        read_events(link)
