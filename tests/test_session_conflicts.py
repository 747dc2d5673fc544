"""A session is started once: a session id the store already holds with other content is an
error for every writer (the tour command, :class:`SessionWriter`) and a conflict for ``sync``;
nothing of the new session is written. Identical content stays idempotent, and a crashed
station's journal of the same session is folded, never a conflict."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import TINY
from test_store_journal import _crash
from test_store_support import started
from wardtwin.cli import main
from wardtwin.events import Event
from wardtwin.store import SessionWriter, open_store, sync
from wardtwin.store.errors import SessionConflictError
from wardtwin.store.journal import journal_dir, journal_name

TOUR = Path(__file__).parent / "tours" / "tiny-station.yaml"


def _tour(db, trainee: str, *session) -> int:
    return main(["tour", str(TINY), str(TOUR), "--trainee", trainee, "--db", str(db), "--offscreen",
                 "--size", "160x90", "--fps", "10", *(["--session", *session] if session else [])])


def _rows(db, q: str, *params) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(q, params).fetchall()
    finally:
        con.close()


def _station(path, session: str, trainee: str, fms: int, n: int = 3) -> None:
    """A station store at ``path`` holding ``session`` of ``trainee``: ``n`` events."""
    with SessionWriter(str(path), session) as w:
        w.emit("session_started", 0.0, **started(session, trainee=trainee))
        for i in range(1, n):
            w.emit("comfort_rating", float(i), step=0, fms=fms)


# -- the tour command ---------------------------------------------------------------------------
def test_tour_refuses_a_session_id_already_recorded(tmp_path, capsys):
    pytest.importorskip("panda3d")
    db = tmp_path / "t.db"
    assert _tour(db, "a", "same") == 0
    capsys.readouterr()
    stored = _rows(db, "SELECT id, type, t, data FROM events ORDER BY seq")
    for trainee in ("b", "a"):  # another trainee, and the same one again (another start)
        code = _tour(db, trainee, "same")
        out, err = capsys.readouterr()
        assert code == 2, err
        assert "session 'same' is already in this store with other content" in err
        assert "nothing of the new session was written" in err and "--session" in err
        assert "recorded" not in out and "Traceback" not in err
        assert _rows(db, "SELECT id, type, t, data FROM events ORDER BY seq") == stored
        assert _rows(db, "SELECT trainee FROM sessions") == [("a",)]
        assert list(_journal_dir(db).iterdir()) == []
        if trainee == "b":
            assert "trainee 'a' stored, 'b' new" in err


def _journal_dir(db) -> Path:
    with open_store(db, read_only=True) as st:
        return journal_dir(st)


def test_tour_without_a_session_id_gets_a_new_one_each_time(tmp_path, capsys):
    pytest.importorskip("panda3d")
    db = tmp_path / "t.db"
    assert _tour(db, "a") == 0 and _tour(db, "a") == 0
    assert _rows(db, "SELECT COUNT(DISTINCT id), COUNT(*) FROM sessions") == [(2, 2)]


# -- every writer ---------------------------------------------------------------------------------
def test_writer_refuses_a_second_start_of_a_stored_session(tmp_path):
    path = tmp_path / "s.db"
    _station(path, "s1", "a", fms=1)
    with open_store(path) as st:
        before = st.counts()
        w = SessionWriter(st, "s1")
        with pytest.raises(SessionConflictError, match=r"session 's1'.*trainee 'a' stored, 'b' new"):
            w.emit("session_started", 0.0, **started("s1", trainee="b"))
        w.abandon()
        assert st.counts() == before
        assert not (journal_dir(st) / journal_name("s1")).exists()


def test_writer_refuses_other_events_at_stored_seqs_and_skips_identical_ones(tmp_path):
    path = tmp_path / "s.db"
    at = "2030-01-02T03:04:05.000000Z"
    with SessionWriter(str(path), "s1") as w:
        first = w.emit("session_started", 0.0, **started("s1", started_at=at))
        second = w.emit("comfort_rating", 1.0, step=0, fms=2)
    with open_store(path) as st:
        with SessionWriter(st, "s1") as w:  # the same events again: nothing new, no error
            w.write(first)
            w.write(second)
            w.emit("resumed", 2.0)  # and the session goes on after them
        assert st.counts().as_dict() == {"sessions": 1, "events": 3, "abandoned": 1}
        with SessionWriter(st, "s1") as w:
            with pytest.raises(SessionConflictError, match=r"event 1 \(comfort_rating\) differs"):
                w.write(Event("s1", 1, "comfort_rating", 1.0, 0, {"fms": 19}))
            with pytest.raises(SessionConflictError, match="event 2 is a resumed at t=2 s stored"):
                w.write(Event("s1", 2, "paused", 2.5, None, {"reason": "menu"}))
        assert [e.data.get("fms") for e in st.events_of("s1")] == [None, 2, None]


def test_a_crashed_stations_journal_is_folded_again_without_conflict(tmp_path):
    """A crash between a fold's commit and the journal's truncation leaves a journal of events
    the database already holds: folding it again (by the next open, or by the session's next
    writer) changes nothing and is no conflict."""
    path = tmp_path / "station.db"
    with open_store(path):
        pass
    _crash(path, "crashed", 12, 256)  # every event only in the journal
    journal = _journal_dir(path) / journal_name("crashed")
    kept = tmp_path / "kept.jsonl"
    shutil.copy(journal, kept)
    with open_store(path) as st:  # folds the journal
        assert st.counts().as_dict() == {"sessions": 1, "events": 12, "abandoned": 1}
    shutil.copy(kept, journal)  # as if the truncation after the fold had not happened
    with open_store(path) as st:
        assert st.counts().as_dict() == {"sessions": 1, "events": 12, "abandoned": 1}
    shutil.copy(kept, journal)
    with open_store(path) as st, SessionWriter(st, "crashed") as w:  # the session's next writer folds it
        assert w.next_seq == 12
        w.emit("session_ended", 20.0, outcome="completed", duration_s=20.0)
    with open_store(path) as st:
        assert st.counts().as_dict() == {"sessions": 1, "events": 13, "abandoned": 0}
    kept.unlink()


# -- sync -----------------------------------------------------------------------------------------
def test_sync_refuses_a_session_that_is_another_one_in_the_target(tmp_path, capsys):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    _station(a, "same", "a", fms=1)
    _station(b, "same", "b", fms=2, n=5)
    _station(b, "other", "c", fms=3)
    assert main(["sync", "--db", str(b), "--to", str(a)]) == 2
    out, err = capsys.readouterr()
    assert "1 of 2 sessions" in out
    assert "session 'same' is already there with other content (trainee 'a' stored, 'b' new" in err
    assert "nothing of it was copied" in err and "1 session(s) not synced" in err
    assert _rows(a, "SELECT id, trainee FROM sessions ORDER BY id") == [("other", "c"), ("same", "a")]
    assert _rows(a, "SELECT COUNT(*) FROM events WHERE session = 'same'") == [(3,)]
    assert main(["sync", "--db", str(b), "--to", str(a)]) == 2  # still refused, still nothing copied
    assert _rows(a, "SELECT COUNT(*) FROM events") == [(6,)]
    capsys.readouterr()
    copy = tmp_path / "copy.db"
    for _ in range(2):  # identical content: idempotent, exit 0
        assert main(["sync", "--db", str(a), "--to", str(copy)]) == 0
    assert "0 of 2 sessions and 0 of 6 events new" in capsys.readouterr().out


def test_sync_finds_a_session_that_went_on_differently_at_two_stations(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    _station(a, "s", "a", fms=1)
    with open_store(a) as src, open_store(b) as dst:
        sync(src, dst)  # b now holds the same session (the same row)
    for path, fms, n in ((a, 4, 2), (b, 9, 3)):  # both stations resume it, differently
        with SessionWriter(str(path), "s") as w:
            for _ in range(n):
                w.emit("comfort_rating", float(w.next_seq), step=1, fms=fms)
    with open_store(a) as src, open_store(b) as dst:
        before = dst.counts()
        r = sync(src, dst)
        assert [sid for sid, _ in r.conflicts] == ["s"] and "event 4 differs" in r.conflicts[0][1]
        assert (r.sessions_new, r.events_new) == (0, 0) and dst.counts() == before
