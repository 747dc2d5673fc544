"""The session store on real SQLite and real PostgreSQL: schema, idempotent writes, sync,
abandoned sessions, and clear errors for locked, corrupt, read-only and newer databases."""

from __future__ import annotations

import sqlite3

import pytest

from test_store_support import fresh_store_url, new_pg_url, started
from wardtwin.cli import main
from wardtwin.events import Event
from wardtwin.store import (
    SCHEMA_VERSION, SchemaTooNewError, SessionWriter, StoreCorruptError, StoreLockedError, StoreReadOnlyError,
    StoreUnavailableError, open_store, sync,
)
from wardtwin.store.synthetic import bulk_load, synthetic_sessions


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    return fresh_store_url(request.param, tmp_path)


def test_schema_and_migrations_table(store_url):
    with open_store(store_url) as st:
        assert st.schema_version == SCHEMA_VERSION
        assert [m[0] for m in st.applied_migrations()] == list(range(1, SCHEMA_VERSION + 1))
    with open_store(store_url) as st:  # reopening applies nothing twice
        assert len(st.applied_migrations()) == SCHEMA_VERSION


def test_writes_are_idempotent(store_url):
    with open_store(store_url) as st:
        with SessionWriter(st, "s1") as w:
            ev0 = w.emit("session_started", 0.0, **started("s1"))
            ev1 = w.emit("comfort_rating", 5.0, step=0, fms=3)
            w.flush()  # journaled events reach the database in batches, or now
            assert st.write_event(ev0) is False and st.write_event(ev1) is False
        assert st.write_events([ev0, ev1, Event("s1", 2, "resumed", 6.0)]) == 1
        assert st.counts().as_dict() == {"sessions": 1, "events": 3, "abandoned": 1}
        assert [e.to_json() for e in st.events_of("s1")][:2] == [ev0.to_json(), ev1.to_json()]
        with SessionWriter(st, "s1") as w2:  # a resumed writer continues the numbering
            assert w2.next_seq == 3


def test_batch_is_all_or_nothing(store_url):
    with open_store(store_url) as st:
        good = [Event("s", i, "comfort_rating", float(i), 0, {"fms": 1}) for i in range(5)]
        bad = Event("s", 5, "comfort_rating", 5.0, 0, {"fms": 1, "note": object()})  # cannot be stored (an extra key)
        with pytest.raises(TypeError):
            st.write_events(good + [bad])
        assert st.counts().events == 0


def test_sync_twice_no_duplicates(tmp_path, store_url):
    local = tmp_path / "station.db"
    with open_store(local) as src:
        bulk_load(src, synthetic_sessions(3, 30, 8))
        n = src.counts()
        with open_store(store_url) as dst:
            r1 = sync(src, dst)
            r2 = sync(src, dst)
            assert (r1.sessions_new, r1.events_new) == (n.sessions, n.events)
            assert (r2.sessions_new, r2.events_new) == (0, 0)
            assert dst.counts() == n
            assert dst.execute("SELECT COUNT(DISTINCT id) FROM events").fetchone()[0] == n.events
    assert main(["sync", "--db", str(local), "--to", store_url]) == 0


def test_abandoned_session_reported(store_url, capsys):
    with open_store(store_url) as st:
        with SessionWriter(st, "crashed") as w:
            w.emit("session_started", 0.0, **started("crashed"))
            w.emit("step_started", 1.0, step=0, kind="find")
        with SessionWriter(st, "fine") as w2:
            w2.emit("session_started", 0.0, **started("fine", trainee="T2"))
            w2.emit("session_ended", 9.0, outcome="completed", duration_s=9.0)
        assert st.counts().abandoned == 1
        from wardtwin.reports.summary import load_summaries
        by = {s.session: s for s in load_summaries(st)}
        assert by["crashed"].outcome == "abandoned" and by["fine"].outcome == "completed"
    assert main(["db-info", "--db", store_url]) == 0
    assert "1 abandoned" in capsys.readouterr().out


def test_newer_schema_is_refused(store_url):
    with open_store(store_url) as st:
        st.execute("INSERT INTO wardtwin_migrations (version, name, applied_at) VALUES (99, 'future', 'x')")
    with pytest.raises(SchemaTooNewError) as e:
        open_store(store_url)
    msg = str(e.value)
    assert "schema version 99" in msg and "Upgrade wardtwin" in msg
    assert (store_url.split("?")[0] if "postgresql" in store_url else store_url) in msg


def test_corrupt_sqlite(tmp_path, capsys):
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(StoreCorruptError, match="corrupt.db.*backup"):
        open_store(bad)
    assert bad.read_bytes().startswith(b"this is not")  # untouched
    assert main(["db-info", "--db", str(bad)]) == 2
    assert "corrupt.db" in capsys.readouterr().err


def test_locked_sqlite_nothing_half_written(tmp_path):
    path = tmp_path / "locked.db"
    with open_store(path) as st, SessionWriter(st, "a") as w:
        w.emit("session_started", 0.0, **started("a"))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with open_store(path, timeout=0.2) as st:
            evs = [Event("b", 0, "session_started", 0.0, None, started("b"))] + \
                  [Event("b", i, "comfort_rating", float(i), 0, {"fms": 1}) for i in range(1, 50)]
            with pytest.raises(StoreLockedError, match="locked.db.*locked by another process"):
                st.write_events(evs)
    finally:
        other.execute("ROLLBACK")
        other.close()
    with open_store(path) as st:
        assert st.counts().as_dict() == {"sessions": 1, "events": 1, "abandoned": 1}


def test_read_only_sqlite(tmp_path):
    path = tmp_path / "ro.db"
    with open_store(path) as st, SessionWriter(st, "a") as w:
        w.emit("session_started", 0.0, **started("a"))
    with open_store(f"sqlite://{path}?mode=ro") as st:
        assert st.counts().sessions == 1
        with pytest.raises(StoreReadOnlyError, match="ro.db.*read-only"):
            st.write_event(Event("a", 1, "resumed", 1.0))
    with pytest.raises(StoreUnavailableError, match="missing.db"):
        open_store(tmp_path / "missing.db", read_only=True)


def test_read_only_postgresql():
    url = new_pg_url()
    with open_store(url):
        pass
    ro = url + "%20-cdefault_transaction_read_only%3Don"
    with open_store(ro) as st:
        with pytest.raises(StoreReadOnlyError, match="read-only"):
            st.write_event(Event("a", 0, "session_started", 0.0, None, started("a")))
        assert st.counts().events == 0


def test_unreachable_postgresql():
    with pytest.raises(StoreUnavailableError, match=r"postgresql://u:\*\*\*@127.0.0.1:1/x.*running"):
        open_store("postgresql://u:secret@127.0.0.1:1/x", timeout=2)


def test_unsupported_url():
    from wardtwin.errors import UsageError
    with pytest.raises(UsageError, match="unsupported database URL"):
        open_store("mysql://x/y")


def test_too_old_sqlite_is_a_clear_error(tmp_path, monkeypatch, capsys):
    """The store's statements need SQLite 3.30 (aggregates with FILTER): an older library is
    refused by name, not met by a syntax error in the middle of a report."""
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 29, 0))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.29.0")
    with pytest.raises(StoreUnavailableError, match=r"3\.29\.0.*3\.30\.0 or later"):
        open_store(str(tmp_path / "s.db"))
    assert main(["db-info", "--db", str(tmp_path / "s.db")]) == 2
    assert "3.30.0 or later" in capsys.readouterr().err
    assert not (tmp_path / "s.db").exists()
