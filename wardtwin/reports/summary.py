"""Reading sessions out of a store and summarising them: every event of the chosen sessions
(and the events still only in station journals), checked and decoded, folded by
:func:`wardtwin.metrics.session.summarise` (re-exported here with its types, so callers keep
importing them from this module).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterator, NoReturn, Sequence

from wardtwin.events import MAX_STEP, MAX_T
from wardtwin.gcpause import paused_gc
from wardtwin.metrics.session import (
    BAD_DATA, STEP_STATUSES, EventTuple, SessionRow, SessionSummary, SsqSummary, StepSummary, UnusableEvent,
    summarise,
)

if TYPE_CHECKING:
    from wardtwin.store.db import Store

__all__ = ["BAD_DATA", "EventTuple", "Pending", "SESSION_BATCH", "STEP_STATUSES", "SessionRow", "SessionSummary",
           "SsqSummary", "StepSummary", "UnusableEvent", "iter_summaries", "load_summaries", "summarise"]

#: A journal's events: ``{session: (its session_started line or None, event lines)}``.
Pending = dict[str, tuple[list[Any] | None, list[list[Any]]]]
#: What a summary raises for data it cannot use (the fold's :data:`~wardtwin.metrics.session.BAD_DATA`).
_BAD_DATA = BAD_DATA


def load_summaries(store: Store, *, ward: str | None = None, since: str | None = None) -> list[SessionSummary]:
    """Summaries of the sessions in ``store`` (optionally one ward, started on/after ``since``),
    oldest first. Reads every event of those sessions once, in (session, seq) order, plus the
    events still only in station journals beside a SQLite file (crashed or running stations:
    :func:`wardtwin.store.journal.read_pending`), merged by seq."""
    with paused_gc():  # hundreds of thousands of fresh, acyclic rows
        return _load(store, ward, since)


def _load(store: Store, ward: str | None, since: str | None) -> list[SessionSummary]:
    from wardtwin.store.journal import read_pending

    pending = read_pending(store)  # before the database: a fold in between shows events twice, never zero times
    rows = {r["id"]: r for r in store.session_rows(ward=ward, since=since)}
    extra = False
    for sid, (started, _) in pending.items():
        if sid in rows or started is None:
            continue
        row = _journal_session_row(sid, started)
        if (not ward or row["ward"] == ward) and (not since or row["started_at"] >= since):
            rows[sid] = row
            extra = True
    if extra:
        rows = dict(sorted(rows.items(), key=lambda kv: (kv[1]["started_at"], kv[0])))
    if not rows:
        return []
    out: dict[str, SessionSummary] = {}
    current: str | None = None
    bucket: list[EventTuple] = []

    def done(sid: str | None, evs: list[EventTuple]) -> None:
        if sid is not None and sid in rows:
            if sid in pending:
                evs = _merge(evs, pending[sid][1])
            out[sid] = _summary(store, rows[sid], evs)

    for chunk in store.iter_event_chunks(("session", "seq", "type", "t", "step", "data"),
                                         ward=ward, since=since):
        datas = _decoded(store, chunk)
        for r, d in zip(chunk, datas):
            if r[0] != current:
                if bucket:
                    done(current, bucket)
                current, bucket = r[0], []
            bucket.append((r[1], r[2], r[3], r[4], d))
    if bucket:
        done(current, bucket)
    for sid, row in rows.items():  # only in a journal, or a session row whose events are gone
        if sid not in out:
            out[sid] = _summary(store, row, _merge([], pending[sid][1]) if sid in pending else [])
    return [out[sid] for sid in rows]


def _summary(store: Store, row: SessionRow, events: list[EventTuple]) -> SessionSummary:
    """:func:`summarise`, with data it cannot use raised as the store's damage (naming the
    store, the table, the session and the event)."""
    from wardtwin.store.db import damaged_row

    try:
        return summarise(row, events)
    except UnusableEvent as exc:
        raise damaged_row(store.url, "events", row["id"], str(exc), exc.seq) from None
    except _BAD_DATA as exc:
        raise damaged_row(store.url, "sessions", row["id"], str(exc)) from None


def _decoded(store: Store, chunk: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """The data of a chunk of ``(session, seq, type, t, step, data)`` event rows, decoded in one
    parse (fast), every row's values checked: a damaged row raises the store's
    :class:`~wardtwin.store.errors.StoreCorruptError` naming it."""
    try:
        datas: list[dict[str, Any]] | None = json.loads("[" + ",".join([r[5] for r in chunk]) + "]")
    except (ValueError, TypeError):  # TypeError: a data value that is not text
        datas = None
    if datas is None or len(datas) != len(chunk):
        _raise_damaged(store, chunk, None)
    for r, d in zip(chunk, datas):
        t, step = r[3], r[4]
        if (type(d) is not dict or type(r[1]) is not int or type(r[2]) is not str
                or (type(t) is not float and type(t) is not int) or not -MAX_T < t < MAX_T
                or (step is not None and (type(step) is not int or not 0 <= step < MAX_STEP))):
            _raise_damaged(store, [r], [d])
    return datas


def _raise_damaged(store: Store, rows: Sequence[Sequence[Any]], datas: Sequence[object] | None) -> NoReturn:
    """Raise the damage of the first of ``rows`` (event rows, data as text) that has any."""
    from wardtwin.store.db import damaged_row, event_problem

    for i, r in enumerate(rows):
        decoded = datas is not None and type(datas[i]) is dict
        why = event_problem(r[1], r[2], r[3], r[4], None if decoded else r[5])
        if why:
            raise damaged_row(store.url, "events", r[0], why, r[1])
    raise damaged_row(store.url, "events", rows[0][0], "its data cannot be read as JSON objects")


def _journal_session_row(session: str, started: list[Any]) -> SessionRow:
    """The ``sessions`` row (as :meth:`Store.session_rows` gives it) of a journal's ``session_started`` line."""
    from wardtwin.store.db import SESSION_COLUMNS, session_row
    from wardtwin.events import Event

    ev = Event(session, started[0], started[1], float(started[2]), started[3], started[4])
    d = dict(zip(SESSION_COLUMNS, session_row(ev, started[5] if len(started) > 5 else None)))
    d["comfort"] = json.loads(d["comfort"])
    d["data"] = json.loads(d["data"])
    return d


def _merge(stored: list[EventTuple], journal: list[list[Any]]) -> list[EventTuple]:
    """Stored events and journal events of one session, by seq (a seq in both is one event)."""
    by: dict[int, EventTuple] = {e[0]: e for e in stored}
    for item in journal:
        by.setdefault(item[0], (item[0], item[1], float(item[2]), item[3], item[4]))
    return [by[k] for k in sorted(by)]


#: Sessions whose events one query reads (:func:`iter_summaries`): bounded memory, few queries.
SESSION_BATCH = 400


def iter_summaries(store: Store, *, ward: str | None = None, since: str | None = None,
                   batch: int = SESSION_BATCH) -> Iterator[SessionSummary]:
    """The summaries :func:`load_summaries` returns, in the same order (``started_at``, id),
    one at a time: the sessions are read in batches of ``batch`` (each batch's events in one
    query, by the ``(session, seq)`` index), so memory stays bounded by a batch whatever the
    size of the store. Every row is checked as :func:`load_summaries` checks it (a damaged one
    raises the store's :class:`~wardtwin.store.errors.StoreCorruptError` naming the store, the
    table, the session and the event)."""
    from heapq import merge

    from wardtwin.store.journal import read_pending

    pending = read_pending(store)  # before the database: a fold in between shows events twice, never zero times
    extra: list[SessionRow] = []
    known: set[str] = set()
    if pending:
        known = {r["id"] for r in store.session_rows(ward=ward, since=since, ids=list(pending))}
        for sid, (started, _) in pending.items():
            if sid in known or started is None:
                continue
            row = _journal_session_row(sid, started)
            if (not ward or row["ward"] == ward) and (not since or row["started_at"] >= since):
                extra.append(row)
        extra.sort(key=lambda r: (r["started_at"], r["id"]))
    rows: Iterator[SessionRow] = iter(store.iter_session_rows(ward=ward, since=since))
    if extra:
        rows = merge(rows, iter(extra), key=lambda r: (r["started_at"], r["id"]))
    group: list[SessionRow] = []
    for row in rows:
        group.append(row)
        if len(group) >= batch:
            yield from _batch_summaries(store, group, pending)
            group = []
    if group:
        yield from _batch_summaries(store, group, pending)


def _batch_summaries(store: Store, rows: list[SessionRow], pending: Pending) -> Iterator[SessionSummary]:
    """The summaries of one batch of session rows (in their order)."""
    events: dict[str, list[EventTuple]] = {}
    ids = [r["id"] for r in rows]
    for chunk in store.iter_event_chunks(("session", "seq", "type", "t", "step", "data"), sessions=ids):
        datas = _decoded(store, chunk)
        for r, d in zip(chunk, datas):
            b = events.get(r[0])
            if b is None:
                b = events[r[0]] = []
            b.append((r[1], r[2], r[3], r[4], d))
    for row in rows:
        sid = row["id"]
        evs = events.pop(sid, [])
        if sid in pending:
            evs = _merge(evs, pending[sid][1])
        yield _summary(store, row, evs)
