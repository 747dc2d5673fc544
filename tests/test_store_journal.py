"""Station journals: batched folding, crash leftovers (folded by the next writable open, read
by read-only reports), live journals left alone, one writer per session, damaged journals."""

from __future__ import annotations

import subprocess

import pytest

from test_store_support import PYTHON, REPO, new_pg_url, started
from wardtwin.events import event_id
from wardtwin.reports.summary import load_summaries
from wardtwin.store import SessionWriter, StoreCorruptError, StoreLockedError, open_store
from wardtwin.store.journal import EventIds, journal_dir, journal_name

#: A station that writes N events of one session with batch B and dies without closing
#: anything (os._exit: no flush, no finaliser; the kernel drops its lock like after SIGKILL).
CRASH = r"""
import os, sys
from wardtwin.store import SessionWriter
url, session, n, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
w = SessionWriter(url, session, batch=batch)
w.emit("session_started", 0.0, trainee="T-" + session, station="vr", ward="w1", layout_hash="h", tour="t",
       tour_version="1", mode="tour", steps=3)
for i in range(1, n):
    w.emit("step_started", float(i), step=i % 3, kind="find")
os._exit(0)
"""


def _crash(url, session, n, batch):
    subprocess.run([PYTHON, "-c", CRASH, str(url), session, str(n), str(batch)], cwd=REPO, check=True, timeout=60)


def _crashed_journal(path, session: str, n: int):
    """A store at ``path`` left by a station that crashed after ``n`` events of ``session``
    (none folded): the path of that session's journal."""
    with open_store(path):
        pass
    _crash(path, session, n, 256)
    with open_store(path, read_only=True) as st:
        return journal_dir(st) / journal_name(session)


def _stored_seqs(st, session):
    return [r[0] for r in st.execute("SELECT seq FROM events WHERE session = ? ORDER BY seq", (session,)).fetchall()]


def test_events_are_folded_in_batches_and_the_journal_goes_on_close(tmp_path):
    path = tmp_path / "station.db"
    with open_store(path) as st:
        with SessionWriter(st, "s1", batch=10) as w:
            w.emit("session_started", 0.0, **started("s1"))
            for i in range(1, 25):
                w.emit("comfort_rating", float(i), step=0, fms=1)
            journal = journal_dir(st) / journal_name("s1")
            assert journal.exists() and w.pending == 5
            assert _stored_seqs(st, "s1") == list(range(20))  # two folds of ten
            lines = journal.read_text().splitlines()
            assert len(lines) == 1 + 5  # header + the events not folded yet
        assert not journal.exists()
        assert _stored_seqs(st, "s1") == list(range(25))
        assert st.counts().as_dict() == {"sessions": 1, "events": 25, "abandoned": 1}


def test_crash_leftover_is_read_by_reports_and_folded_by_the_next_open(tmp_path):
    path = tmp_path / "station.db"
    with open_store(path):
        pass
    _crash(path, "crashed", 23, 10)
    with open_store(f"sqlite://{path}?mode=ro") as ro:
        assert _stored_seqs(ro, "crashed") == list(range(20))  # what the two folds committed
        (s,) = load_summaries(ro)  # the report reads the journal as well: every event
        assert s.session == "crashed" and s.n_events == 23 and s.last_event == 22
        assert s.outcome == "abandoned" and s.trainee == "T-crashed" and s.steps_total == 3
    with open_store(path) as st:  # a writable open folds the journal and deletes it
        assert _stored_seqs(st, "crashed") == list(range(23))
        assert list(journal_dir(st).iterdir()) == []
        assert st.counts().as_dict() == {"sessions": 1, "events": 23, "abandoned": 1}
    _crash(path, "early", 3, 256)  # nothing folded at all: even the session row is only in the journal
    with open_store(f"sqlite://{path}?mode=ro") as ro:
        assert ro.counts().sessions == 1
        by = {s.session: s for s in load_summaries(ro, ward="w1")}
        assert by["early"].n_events == 3 and by["early"].outcome == "abandoned"
        assert load_summaries(ro, ward="elsewhere") == []


def test_resumed_writer_folds_its_own_leftover_and_continues_numbering(tmp_path):
    path = tmp_path / "station.db"
    with open_store(path) as st:  # opened before the crash: its open had nothing to recover
        _crash(path, "again", 7, 256)
        with SessionWriter(st, "again") as w:
            assert w.next_seq == 7 and _stored_seqs(st, "again") == list(range(7))
            w.emit("session_ended", 9.0, outcome="completed", duration_s=9.0)
        assert _stored_seqs(st, "again") == list(range(8)) and st.counts().abandoned == 0


def test_a_live_writers_journal_is_left_alone(tmp_path):
    path = tmp_path / "station.db"
    w = SessionWriter(str(path), "live")
    try:
        for i in range(5):
            w.emit("session_started", 0.0, **started("live")) if i == 0 else w.emit("resumed", float(i))
        with open_store(path) as other:  # its recovery must not take the live journal
            assert _stored_seqs(other, "live") == []
        assert (journal_dir(w.store) / journal_name("live")).exists()
        with pytest.raises(StoreLockedError, match="being written by another process"):
            SessionWriter(open_store(path, timeout=0.2), "live")
    finally:
        w.close()
    with open_store(path) as st:
        assert _stored_seqs(st, "live") == list(range(5))
        assert st.execute("SELECT COUNT(DISTINCT id) FROM events").fetchone()[0] == 5


def test_torn_last_line_is_the_event_in_flight(tmp_path):
    path = tmp_path / "station.db"
    journal = _crashed_journal(path, "torn", 6)
    data = journal.read_bytes()
    journal.write_bytes(data[:-9])  # the last event's write cut short
    with open_store(path) as st:
        assert _stored_seqs(st, "torn") == list(range(5))
    with open_store(path) as st:  # open before the next crash: the writer itself meets the leftover
        _crash(path, "torn2", 1, 256)  # only the session_started line, and it is cut short
        journal = journal_dir(st) / journal_name("torn2")
        journal.write_bytes(journal.read_bytes()[:-9])
        w = SessionWriter(st, "torn2")
        assert w.next_seq == 0
        w.emit("session_started", 0.0, **started("torn2"))
        w.emit("resumed", 1.0)
        w._journal.release()  # crash again before any fold: the journal must still read cleanly
        with SessionWriter(st, "torn2") as w2:
            assert w2.next_seq == 2 and _stored_seqs(st, "torn2") == [0, 1]


def test_damaged_journal_is_a_clear_error(tmp_path):
    path = tmp_path / "station.db"
    journal = _crashed_journal(path, "bad", 6)
    lines = journal.read_text().splitlines(keepends=True)
    lines[2] = "this is not an event\n"
    journal.write_text("".join(lines))
    with pytest.raises(StoreCorruptError, match=r"bad\.jsonl:3: damaged station journal.*move the file"):
        open_store(path)
    journal.unlink()
    with open_store(path) as st:
        assert st.counts().events == 0


def test_fsync_durability_and_odd_session_ids(tmp_path):
    path = tmp_path / "station.db"
    sid = "Ward 7/Bay A: trainee #3"
    with SessionWriter(str(path), sid, durability="fsync", batch=2) as w:
        w.emit("session_started", 0.0, **started(sid))
        w.emit("resumed", 1.0)
        w.emit("session_ended", 2.0, outcome="quit", duration_s=2.0)
        assert journal_name(sid).startswith("h-")
    with open_store(path) as st:
        assert [e.id for e in st.events_of(sid)] == [event_id(sid, i) for i in range(3)]


def test_event_ids_match_the_event_contract():
    for session in ("s1", "syn-0000042", "Bay A: ünïcode", ""):
        ids = EventIds(session)
        assert [ids(i) for i in (0, 1, 255, 10**9)] == [event_id(session, i) for i in (0, 1, 255, 10**9)]


def test_postgresql_writer_commits_each_event():
    url = new_pg_url()
    with open_store(url) as st, SessionWriter(url, "pg1") as w:
        w.emit("session_started", 0.0, **started("pg1"))
        for i in range(1, 10):
            w.emit("comfort_rating", float(i), step=0, fms=2)
            assert _stored_seqs(st, "pg1") == list(range(i + 1))  # visible at once: no journal
        assert journal_dir(w.store) is None and w.pending == 0
