"""Copying sessions and events from one store to another without duplicates (``wardtwin sync``).

Incremental: the target is asked, for the source's sessions, how many events it holds and the
highest seq. When a session's events in the target are exactly seqs ``0..m`` (the normal case:
a station writes them in order and every sync copies a prefix), only the source's events with
seq above ``m`` are read and sent, and a session the target already holds whole costs nothing
but that question. A session whose events in the target have a gap (a copy interrupted by
hand, rows deleted) is sent whole, and the ids the target has are skipped. Event ids come from
session and seq, so repeating a sync, or two syncs at once, never makes a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from wardtwin.store.db import EVENT_COLUMNS, SESSION_COLUMNS, Store

_IN_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class SyncResult:
    sessions_seen: int
    events_seen: int  #: events in the source
    sessions_new: int
    events_new: int
    abandoned: int  #: sessions whose last event is not ``session_ended`` (in the source)
    events_sent: int = 0  #: events read from the source and offered to the target
    sessions_current: int = 0  #: sessions the target already held whole (nothing read for them)


def _chunks(items: Sequence, size: int = _IN_CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _event_extent(store: Store, sessions: Sequence[str] | None = None) -> dict[str, tuple[int, int]]:
    """``{session: (number of events, highest seq)}``, for ``sessions`` or every session."""
    if sessions is None:
        q = "SELECT session, COUNT(*), MAX(seq) FROM events GROUP BY session"
        return {r[0]: (int(r[1]), int(r[2])) for r in store.execute(q).fetchall()}
    out = {}
    for part in _chunks(list(sessions)):
        marks = ", ".join("?" for _ in part)
        q = f"SELECT session, COUNT(*), MAX(seq) FROM events WHERE session IN ({marks}) GROUP BY session"
        out.update({r[0]: (int(r[1]), int(r[2])) for r in store.execute(q, tuple(part)).fetchall()})
    return out


def _present_sessions(store: Store, ids: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for part in _chunks(list(ids)):
        marks = ", ".join("?" for _ in part)
        out.update(r[0] for r in store.execute(f"SELECT id FROM sessions WHERE id IN ({marks})", tuple(part)).fetchall())
    return out


def sync(src: Store, dst: Store, *, batch: int = 5000) -> SyncResult:
    """Copy what ``dst`` lacks of ``src``'s sessions and events in ONE transaction of ``dst``
    (all or nothing); see the module docstring for how little is read and sent."""
    src_ext = _event_extent(src)
    src_ids = [r[0] for r in src.execute("SELECT id FROM sessions ORDER BY id").fetchall()]
    dst_ext = _event_extent(dst, sorted(set(src_ids) | set(src_ext)))
    missing = sorted(set(src_ids) - _present_sessions(dst, src_ids))
    plan = []  # (session, copy events with seq above this)
    current = 0
    for sid in sorted(src_ext):
        n_dst, m_dst = dst_ext.get(sid, (0, -1))
        above = m_dst if n_dst == m_dst + 1 else -1  # a prefix 0..m without gap, else everything
        if above >= src_ext[sid][1]:
            current += 1
            continue
        plan.append((sid, above))
    n_s = n_e = sent = 0
    ev_sql = dst._insert_sql("events", EVENT_COLUMNS)
    with dst.transaction():
        cur = dst.conn.cursor()
        with dst._translated():  # a source's StoreError passes through as it is
            for part in _chunks(missing):
                marks = ", ".join("?" for _ in part)
                rows = src.execute(f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions WHERE id IN ({marks}) "
                                   "ORDER BY id", tuple(part)).fetchall()
                cur.executemany(dst._insert_sql("sessions", SESSION_COLUMNS), [tuple(r) for r in rows])
                n_s += max(cur.rowcount, 0)
            chunk: list[tuple] = []
            for sid, above in plan:
                chunk.extend(tuple(r) for r in src.execute(
                    f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE session = ? AND seq > ? ORDER BY seq",
                    (sid, above)).fetchall())
                if len(chunk) >= batch:
                    cur.executemany(ev_sql, chunk)
                    n_e += max(cur.rowcount, 0)
                    sent += len(chunk)
                    chunk = []
            if chunk:
                cur.executemany(ev_sql, chunk)
                n_e += max(cur.rowcount, 0)
                sent += len(chunk)
    return SyncResult(len(src_ids), sum(n for n, _ in src_ext.values()), n_s, n_e, src.counts()["abandoned"],
                      sent, current)
