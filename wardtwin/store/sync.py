"""Copying sessions and events from one store to another without duplicates (``wardtwin sync``)."""

from __future__ import annotations

from dataclasses import dataclass

from wardtwin.store.db import EVENT_COLUMNS, SESSION_COLUMNS, Store


@dataclass(frozen=True)
class SyncResult:
    sessions_seen: int
    events_seen: int
    sessions_new: int
    events_new: int
    abandoned: int  #: sessions whose last event is not ``session_ended`` (in the source)


def sync(src: Store, dst: Store, *, batch: int = 5000) -> SyncResult:
    """Copy every session and event of ``src`` into ``dst`` in ONE transaction of ``dst``
    (all or nothing); ids already in ``dst`` are skipped, so running it again copies nothing."""
    sessions = src.execute(f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions ORDER BY id").fetchall()
    n_s = n_e = seen_e = 0
    with dst.transaction():
        cur = dst.conn.cursor()
        try:
            if sessions:
                cur.executemany(dst._insert_sql("sessions", SESSION_COLUMNS), [tuple(r) for r in sessions])
                n_s = max(cur.rowcount, 0)
            chunk = []
            for row in src.iter_event_rows(batch):
                chunk.append(tuple(row))
                if len(chunk) >= batch:
                    cur.executemany(dst._insert_sql("events", EVENT_COLUMNS), chunk)
                    n_e += max(cur.rowcount, 0)
                    seen_e += len(chunk)
                    chunk = []
            if chunk:
                cur.executemany(dst._insert_sql("events", EVENT_COLUMNS), chunk)
                n_e += max(cur.rowcount, 0)
                seen_e += len(chunk)
        except Exception as exc:
            err = dst._translate(exc)
            if err is None:
                raise
            raise err from exc
    return SyncResult(len(sessions), seen_e, n_s, n_e, src.counts()["abandoned"])
