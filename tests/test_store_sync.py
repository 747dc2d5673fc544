"""``wardtwin sync`` is incremental: only what the target lacks is read and sent, repeating it
sends nothing, a target with a gap is repaired, and a station's crash journal is synced too."""

from __future__ import annotations

import pytest

from test_store_support import fresh_store_url, started
from wardtwin.cli import main
from wardtwin.store import SessionWriter, open_store, sync
from wardtwin.store.synthetic import bulk_load, synthetic_sessions


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    return fresh_store_url(request.param, tmp_path)


def _ids(st):
    return sorted(r[0] for r in st.execute("SELECT id FROM events").fetchall())


def test_sync_sends_only_what_the_target_lacks(tmp_path, store_url):
    local = tmp_path / "station.db"
    with open_store(local) as src, open_store(store_url) as dst:
        bulk_load(src, synthetic_sessions(4, 12, 6))
        with SessionWriter(src, "open-1") as w:  # a session still going on at the first sync
            w.emit("session_started", 0.0, **started("open-1"))
            for i in range(1, 6):
                w.emit("comfort_rating", float(i), step=0, fms=1)
        total = src.counts()
        r1 = sync(src, dst)
        assert (r1.sessions_new, r1.events_new, r1.events_sent) == (13, total.events, total.events)
        r2 = sync(src, dst)  # nothing new: nothing read, nothing sent
        assert (r2.sessions_new, r2.events_new, r2.events_sent, r2.sessions_current) == (0, 0, 0, 13)
        with SessionWriter(src, "open-1") as w:  # the session goes on ...
            for i in range(6, 9):
                w.emit("comfort_rating", float(i), step=1, fms=2)
            w.emit("session_ended", 9.0, outcome="completed", duration_s=9.0)
        with SessionWriter(src, "new-1") as w:  # ... and a new one starts
            w.emit("session_started", 0.0, **started("new-1", trainee="T9"))
            w.emit("resumed", 1.0)
        r3 = sync(src, dst)
        assert (r3.sessions_new, r3.events_new, r3.events_sent, r3.sessions_current) == (1, 6, 6, 12)
        assert dst.counts() == src.counts() and _ids(dst) == _ids(src)
        assert r3.events_seen == src.counts().events and r3.sessions_seen == 14


def test_sync_repairs_a_gap_in_the_target(tmp_path, store_url):
    local = tmp_path / "station.db"
    with open_store(local) as src, open_store(store_url) as dst:
        bulk_load(src, synthetic_sessions(5, 3, 5))
        sync(src, dst)
        victim = dst.execute("SELECT session, seq FROM events ORDER BY session, seq").fetchall()[4]
        with dst.transaction():
            dst.execute("DELETE FROM events WHERE session = ? AND seq = ?", tuple(victim))
        n_session = src.execute("SELECT COUNT(*) FROM events WHERE session = ?", (victim[0],)).fetchone()[0]
        r = sync(src, dst)
        assert r.events_new == 1 and r.events_sent == n_session and r.sessions_current == 2
        assert _ids(dst) == _ids(src)


def test_sync_command_includes_a_crashed_stations_journal(tmp_path, store_url, capsys):
    import subprocess

    from test_store_support import PYTHON, REPO
    from test_store_journal import CRASH

    local = tmp_path / "station.db"
    with open_store(local):
        pass
    subprocess.run([PYTHON, "-c", CRASH, str(local), "crashed", "12", "5"], cwd=REPO, check=True, timeout=60)
    assert main(["sync", "--db", str(local), "--to", store_url]) == 0
    assert "1 session(s) abandoned" in capsys.readouterr().out
    assert main(["sync", "--db", str(local), "--to", store_url]) == 0
    assert "0 of 12 events new" in capsys.readouterr().out
    with open_store(store_url) as dst:
        assert dst.counts().as_dict() == {"sessions": 1, "events": 12, "abandoned": 1}
