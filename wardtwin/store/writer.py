"""Writing a session's events as they happen, at a station.

Durability, exactly: every :meth:`SessionWriter.write` is one committed transaction before it
returns. On SQLite (WAL mode, ``synchronous=NORMAL``) the commit appends the event to the
``-wal`` file with ``write()``: once ``write`` returns, the event survives the station process
being killed (SIGKILL, crash, power button on the app) because it is in the operating system's
file cache; only the event whose ``write`` had not returned is lost. A power cut or kernel crash
can lose the last commits (the database stays consistent); ``durability="fsync"`` makes every
commit wait for the disk as well (``synchronous=FULL``, about a millisecond per event). On
PostgreSQL each event is an autocommitted INSERT; the server acknowledges it before
:meth:`write` returns. A station that cannot reach the server writes to a local SQLite file and
runs ``wardtwin sync`` later.
"""

from __future__ import annotations

import os
from typing import Mapping

from wardtwin.errors import UsageError
from wardtwin.store.db import Store, event_row, open_store, utc_now
from wardtwin.tours.events import Event


class SessionWriter:
    """Appends the events of one session to a store, one committed transaction per event.

    ``store``: an open :class:`Store` or a URL/path (opened, and closed by :meth:`close`).
    ``durability``: ``"os"`` (default, survives a process crash) or ``"fsync"`` (survives power
    loss on SQLite). Sequence numbers continue after the events already stored for ``session``
    (a resumed session never reuses a number).
    """

    def __init__(self, store: Store | str | os.PathLike, session: str, *, durability: str = "os"):
        if durability not in ("os", "fsync"):
            raise UsageError(f"durability {durability!r}: 'os' or 'fsync' expected")
        self._own = not isinstance(store, Store)
        self.store = open_store(store) if self._own else store
        if self.store.backend == "sqlite":
            self.store.conn.execute(f"PRAGMA synchronous = {'FULL' if durability == 'fsync' else 'NORMAL'}")
        self.session = session
        row = self.store.execute("SELECT MAX(seq) FROM events WHERE session = ?", (session,)).fetchone()
        self.next_seq = 0 if row[0] is None else int(row[0]) + 1
        self.started_at: str | None = None
        self._ev_sql = self.store._insert_sql("events", ("id", "session", "seq", "type", "t", "step", "data"))

    def emit(self, type: str, t: float, step: int | None = None, data: Mapping | None = None, **more) -> Event:
        """Build the next event of this session (validated by :class:`Event`) and write it."""
        ev = Event(self.session, self.next_seq, type, t, step, {**(data or {}), **more})
        self.write(ev)
        return ev

    def write(self, ev: Event) -> None:
        """Store one event now (committed before returning)."""
        if ev.session != self.session:
            raise UsageError(f"event of session {ev.session!r} given to the writer of {self.session!r}")
        if ev.type == "session_started":
            self.started_at = ev.data.get("started_at") or utc_now()
            self.store.write_event(ev, self.started_at)
        else:
            try:
                self.store.conn.execute(self._ev_sql, event_row(ev))  # autocommit: one transaction
            except Exception as exc:
                err = self.store._translate(exc)
                if err is None:
                    raise
                raise err from exc
        self.next_seq = max(self.next_seq, ev.seq + 1)

    def close(self) -> None:
        if self._own:
            self.store.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
