"""A store written by an earlier wardtwin (schema version 2, before the ward-version tables)
is reported on read-only as it is: trainers never need a writer to open it first."""

from __future__ import annotations

import sqlite3

from wardtwin.cli import main
from wardtwin.store import open_store
from wardtwin.store.synthetic import bulk_load, synthetic_sessions


def _v2_store(path) -> None:
    with open_store(str(path)) as st:
        bulk_load(st, synthetic_sessions(5, 6, 8))
    c = sqlite3.connect(path, isolation_level=None)  # as an earlier wardtwin left it
    try:
        for table in ("ward_versions", "ward_changes", "refresher_tours"):
            c.execute(f"DROP TABLE {table}")
        c.execute("DELETE FROM wardtwin_migrations WHERE version >= 3")
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        c.close()


def test_reports_read_an_older_store_without_migrating_it(tmp_path, capfd):
    db = tmp_path / "old.db"
    _v2_store(db)
    before = db.read_bytes()
    assert main(["report", "--db", str(db), "--format", "csv", "-o", str(tmp_path / "csv")]) == 0
    assert (tmp_path / "csv" / "roster.csv").is_file()
    assert main(["report", "--db", str(db), "--due"]) == 0
    capfd.readouterr()
    assert db.read_bytes() == before, "a read-only report changed the store"
    assert main(["db-info", "--db", str(db)]) == 0  # a writer migrates it
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT MAX(version) FROM wardtwin_migrations").fetchone()[0] >= 3
    c.close()
