"""Writing a session's events as they happen, at a station.

Durability, exactly.

On a SQLite file (the station's default) :meth:`SessionWriter.write` appends the event to the
session's journal, ``<db>.pending/<session>.jsonl``, with ONE ``os.write`` of one JSON line on
a file opened ``O_APPEND`` (:mod:`wardtwin.store.journal`), and returns. Once ``write`` has
returned the line is in the operating system's file cache, so it survives the station process
being killed (SIGKILL, a crash, the app closed from the task manager): only the event whose
``write`` had not returned can be lost. The journal is folded into the database in ONE
transaction every ``batch`` events (default :data:`DEFAULT_BATCH`), on :meth:`flush` and on
:meth:`close`; after each commit it is cut back to its header line, and :meth:`close` deletes
it. The database commit is thereby shared by ``batch`` events instead of paid by each.

After a crash, the journal (unlocked: the writer's ``flock`` died with its process) is folded
into the database by the next writable :func:`~wardtwin.store.db.open_store` of that file
(a station starting again, ``wardtwin sync``, ``wardtwin db-info``) or by the next writer of
the same session; until then, reports (which open the store read-only) read the journal and
merge its events. The crashed session's last event is not ``session_ended``, so it reports as
abandoned. Events are idempotent (ids from session and seq), so folding a journal twice, or a
crash between a fold's commit and the journal's truncation, stores nothing twice. Events become
visible to plain SQL on the database when they are folded: call :meth:`flush` first where that
matters. A writer dropped without :meth:`close` releases its journal when it is garbage
collected, and the journal is then folded like a crashed one. One writer per session at a
time: a second one waits for the first, then fails with
:class:`~wardtwin.store.errors.StoreLockedError`.

A power cut or kernel crash (not a process crash) can lose the last events still in the file
cache; the database stays consistent. ``durability="fsync"`` also ``fsync``\\ s every journal
line (and commits with ``synchronous=FULL``), so an event is on disk when ``write`` returns
(about a millisecond per event).

On PostgreSQL (and SQLite in memory, or without ``fcntl``) there is no journal: every event is
its own committed INSERT (a prepared statement), acknowledged by the server before
:meth:`write` returns. A station that cannot reach the server writes to a local SQLite file and
runs ``wardtwin sync`` later.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from wardtwin.errors import UsageError
from wardtwin.events import Event, EventType
from wardtwin.store.db import (
    Store, _json, conflict_message, describe_session_difference, open_store, session_differences, session_row,
    utc_now,
)
from wardtwin.store.errors import SessionConflictError
from wardtwin.store.journal import EventIds, Journal, encode_line, journal_dir, journal_rows

#: Events per database transaction of a journaled writer.
DEFAULT_BATCH = 256
#: Events after which a writer recomputes its session's typed results (:mod:`wardtwin.store.results`);
#: also at the session's end and on close. Reports summarise a session whose results lag behind.
RESULTS_EVERY = 256


class SessionWriter:
    """Appends the events of one session to a store (see the module docstring for durability).

    ``store``: an open :class:`Store` or a URL/path (opened, and closed by :meth:`close`).
    ``durability``: ``"os"`` (default, survives a process crash) or ``"fsync"`` (survives power
    loss on SQLite). ``batch``: events per database transaction on SQLite (1: commit each event
    as it comes, still journaled). Sequence numbers continue after the events already stored
    for ``session`` (a resumed session never reuses a number). Close it (or use ``with``).

    A session is started once: a ``session_started`` event for a session the store already
    holds, or an event at a seq the store already holds with other content, raises
    :class:`~wardtwin.store.errors.SessionConflictError` and writes nothing; an event the
    store holds exactly (same seq and content) is skipped. A crashed writer's journal of the
    same session is its own record: folded, never a conflict.
    """

    def __init__(self, store: Store | str | os.PathLike[str], session: str, *, durability: str = "os",
                 batch: int = DEFAULT_BATCH):
        if durability not in ("os", "fsync"):
            raise UsageError(f"durability {durability!r}: 'os' or 'fsync' expected")
        if int(batch) < 1:
            raise UsageError(f"batch {batch!r}: at least 1 event per transaction")
        self.session, self.batch = session, int(batch)
        self._ids = EventIds(session)
        self.started_at: str | None = None
        self._own = not isinstance(store, Store)
        self.store = store if isinstance(store, Store) else open_store(store)
        self._journal: Journal | None = None
        self._pending_s: list[tuple[Any, ...]] = []
        self._pending_e: list[tuple[Any, ...]] = []
        self._unrefreshed = 0  # events stored since the session's results were last recomputed
        self._ended = False
        try:
            self.store.dialect.set_durability(self.store, durability == "fsync")
            folder = journal_dir(self.store)
            if folder is not None and not self.store.read_only:
                self._journal = Journal.open(folder, session, timeout=self.store.timeout,
                                             fsync=durability == "fsync", shown=self.store.url)
                leftover = self._journal.leftover()  # a previous writer of this session crashed
                if leftover:
                    self.store.write_rows(*journal_rows(session, leftover))
                self._journal.reset()  # also drops a line its crash cut short
            row = self.store.execute("SELECT MAX(seq) FROM events WHERE session = ?", (session,)).fetchone()
            self._stored_row = self.store.stored_session(session)
        except BaseException:
            self._release()
            raise
        self.next_seq = 0 if row[0] is None else int(row[0]) + 1
        self._stored_next = self.next_seq  # seqs below this may be in the store: checked before writing
        self._ev_sql = self.store.insert_sql("events", ("id", "session", "seq", "type", "t", "step", "data"))

    @property
    def pending(self) -> int:
        """Events written to the journal but not yet folded into the database."""
        return len(self._pending_e)

    def emit(self, type: str, t: float, step: int | None = None, data: Mapping[str, Any] | None = None,
             **more: Any) -> Event:
        """Build the next event of this session (validated by :class:`Event`) and write it."""
        ev = Event(self.session, self.next_seq, type, t, step, {**(data or {}), **more})
        self.write(ev)
        return ev

    def write(self, ev: Event) -> None:
        """Store one event now: journaled before returning on SQLite (folded into the database
        with its batch), committed before returning on PostgreSQL. When this call's fold fails
        (:class:`~wardtwin.store.errors.StoreLockedError` after the store's timeout, say) the
        error is raised, but the event is already journaled: it is not lost, and the next
        :meth:`flush`, :meth:`close` or recovery folds it."""
        if ev.session != self.session:
            raise UsageError(f"event of session {ev.session!r} given to the writer of {self.session!r}")
        started_at = None
        if ev.type == EventType.SESSION_STARTED:
            started_at = ev.data.get("started_at") or utc_now()
        if (ev.seq < self._stored_next or started_at is not None) and self._already_stored(ev, started_at):
            return
        if started_at is not None:
            self.started_at = started_at
        if self.next_seq <= ev.seq:
            self.next_seq = ev.seq + 1
        self._ended = self._ended or ev.type == EventType.SESSION_ENDED
        j = self._journal
        if j is None:
            self._write_direct(ev, started_at)
            self._unrefreshed += 1
            if self._ended or self._unrefreshed >= RESULTS_EVERY:
                self._refresh()
            return
        data = _json(dict(ev.data))
        j.append(encode_line(ev.seq, ev.type, ev.t, ev.step, data, started_at))
        if started_at is not None:
            self._pending_s.append(session_row(ev, started_at))
        self._pending_e.append((self._ids(ev.seq), ev.session, ev.seq, ev.type, float(ev.t), ev.step, data))
        if len(self._pending_e) >= self.batch:
            self.flush()

    def _already_stored(self, ev: Event, started_at: str | None) -> bool:
        """True when the store holds ``ev`` exactly (nothing to write); False when it holds
        nothing at its place; :class:`SessionConflictError` when it holds something else there."""
        if started_at is not None and self._stored_row is not None:
            new = session_row(ev, started_at)
            if session_differences(self._stored_row, new):
                raise SessionConflictError(conflict_message(
                    self.store.url, self.session, describe_session_difference(self._stored_row, new)))
        if ev.seq >= self._stored_next:
            return False
        stored = self.store.stored_event(self.session, ev.seq)
        if stored is None:
            return False
        mine = (ev.type, float(ev.t), ev.step, _json(dict(ev.data)))
        if stored != mine:
            raise SessionConflictError(conflict_message(
                self.store.url, self.session, f"event {ev.seq} is a {stored[0]} at t={stored[1]:g} s stored, "
                f"a {ev.type} at t={float(ev.t):g} s new" if stored[:2] != mine[:2] else
                f"event {ev.seq} ({ev.type}) differs"))
        return True

    def _write_direct(self, ev: Event, started_at: str | None) -> None:
        if started_at is not None:
            self.store.write_event(ev, started_at)
            return
        row = (ev.id, ev.session, ev.seq, ev.type, float(ev.t), ev.step, _json(dict(ev.data)))
        with self.store.translated():
            self.store.dialect.execute_prepared(self.store, self._ev_sql, row)

    def flush(self) -> None:
        """Fold the journaled events into the database now (one transaction). When it fails
        (a lock held too long, a full disk) the events stay in the journal and in memory for
        the next flush, and for a recovery if this process dies."""
        if not self._pending_e and not self._pending_s:
            return
        self._unrefreshed += len(self._pending_e)
        results = self._ended or self._unrefreshed >= RESULTS_EVERY
        self.store.write_rows(self._pending_s, self._pending_e, results=results)
        if results:
            self._unrefreshed = 0
        self._pending_s, self._pending_e = [], []
        if self._journal is not None:
            self._journal.reset()

    def _refresh(self) -> None:
        """Recompute the session's typed results now (one transaction)."""
        with self.store.transaction():
            self.store.refresh_results([self.session])
        self._unrefreshed = 0

    def close(self) -> None:
        """Fold what is pending, delete the journal and close the store if this writer opened it.
        If the fold fails, the journal is kept (for the next recovery) and the error raised."""
        try:
            self.flush()
            if self._unrefreshed and not self.store.read_only:
                self._refresh()
            if self._journal is not None:
                self._journal.remove()
        finally:
            self._release()

    def abandon(self) -> None:
        """Stop without folding (after a failed write): the journal is deleted when it holds no
        event, else kept for the next recovery; the store is closed if this writer opened it."""
        try:
            if self._journal is not None and not self._pending_e and not self._pending_s:
                self._journal.remove()
        finally:
            self._release()

    def _release(self) -> None:
        if self._journal is not None:
            self._journal.release()
            self._journal = None
        if self._own and self.store is not None:
            self.store.close()
            self._own = False

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LazySessionWriter:
    """A session's sink that opens its :class:`SessionWriter` (and so the store) at the first
    event: a station that cannot open its window records nothing and creates no file. When the
    store refuses the session (a damaged store, a session id already recorded with other
    content) the error is raised and the sink stops: the events the station emits while it
    closes are not offered again."""

    def __init__(self, store: Store | str | os.PathLike[str], session: str):
        self.store, self.session = store, session
        self.writer: SessionWriter | None = None
        self.failed = False

    def __call__(self, event: Event) -> None:
        if self.failed:
            return
        try:
            if self.writer is None:
                self.writer = SessionWriter(self.store, self.session)
            self.writer.write(event)
        except BaseException:
            self.failed = True
            writer, self.writer = self.writer, None
            if writer is not None:
                writer.abandon()
            raise

    def close(self) -> None:
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.close()
