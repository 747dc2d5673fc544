"""Typed results of sessions and steps, kept beside their events (schema version 4) so that
reports aggregate them in SQL without reading any event's JSON.

``session_results`` (one row per session) and ``step_results`` (one row per session and step,
``not_reached`` steps included) hold what the report's fold
(:func:`wardtwin.metrics.session.summarise`, the reference) makes of a session's stored events:
outcome, duration (s), steps total and passed, the step ids not passed, FMS maximum, SSQ totals;
per step its id, kind, target, status, duration (s), hints, reveals, SPL and SoftSPL. They are
derived data: written with the events (:meth:`~wardtwin.store.db.Store.write_rows`, the station
writer at each fold and at a session's end, ``sync``, :func:`~wardtwin.store.synthetic.bulk_load`,
the migration's backfill), and a session's row records which events it folded
(``n_events``, ``last_seq``). A row is *current* when the session's highest stored seq is its
``last_seq`` and its events are ``0..last_seq`` without a gap; updating or deleting an event or a
session by hand deletes the session's row (triggers). A session whose events the fold refuses
(damaged data) gets no row. Readers summarise the sessions without a current row themselves
(:func:`stale_sessions`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from wardtwin.metrics.session import BAD_DATA, SessionSummary, UnusableEvent, summarise

if TYPE_CHECKING:
    from wardtwin.store.db import Store
    from wardtwin.store.dialect import Dialect

#: The schema version that added the results tables.
RESULTS_SCHEMA = 4
SESSION_RESULT_COLUMNS = ("session", "n_events", "last_seq", "outcome", "duration_s", "steps_total", "steps_passed",
                          "steps_missed", "fms_max", "ssq_pre_total", "ssq_post_total", "any_symptom")
STEP_RESULT_COLUMNS = ("session", "step", "step_id", "kind", "target", "status", "duration_s", "hints", "revealed",
                       "spl", "soft_spl")
#: SQL types of the columns (for tables of rows passed as parameters, see the report's statements).
SESSION_RESULT_TYPES = ("text", "integer", "integer", "text", "float", "integer", "integer", "text", "integer",
                        "float", "float", "integer")
STEP_RESULT_TYPES = ("text", "integer", "text", "text", "text", "text", "float", "integer", "integer", "float",
                     "float")

DDL = (
    """CREATE TABLE IF NOT EXISTS session_results (
        session TEXT PRIMARY KEY, n_events INTEGER NOT NULL, last_seq INTEGER, outcome TEXT NOT NULL,
        duration_s DOUBLE PRECISION NOT NULL, steps_total INTEGER NOT NULL, steps_passed INTEGER NOT NULL,
        steps_missed TEXT NOT NULL, fms_max INTEGER, ssq_pre_total DOUBLE PRECISION,
        ssq_post_total DOUBLE PRECISION, any_symptom INTEGER)""",
    """CREATE TABLE IF NOT EXISTS step_results (
        session TEXT NOT NULL, step INTEGER NOT NULL, step_id TEXT NOT NULL, kind TEXT, target TEXT,
        status TEXT NOT NULL, duration_s DOUBLE PRECISION, hints INTEGER NOT NULL, revealed INTEGER NOT NULL,
        spl DOUBLE PRECISION, soft_spl DOUBLE PRECISION, PRIMARY KEY (session, step))""",
)


def migration(store: Store) -> None:
    """Schema version 4: the tables, the triggers that drop a session's results when its rows
    are changed by hand, and the results of every stored session (the fold of its events)."""
    for stmt in DDL:
        store.execute(stmt)
    for table, key in (("events", "session"), ("sessions", "id")):
        for stmt in store.dialect.stale_trigger_ddl(table, key):
            store.execute(stmt)
    refresh(store, [r[0] for r in store.execute("SELECT id FROM sessions").fetchall()])


def result_rows(s: SessionSummary) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """The ``session_results`` row and the ``step_results`` rows of a session's summary."""
    passed = sum(1 for st in s.steps if st.status == "passed")
    pre, post = s.ssq_pre, s.ssq_post
    row = (s.session, s.n_events, s.last_event, s.outcome, float(s.duration_s), len(s.steps), passed,
           " ".join(s.missed), s.fms_max, None if not pre else float(pre["total"]),
           None if post is None else float(post["total"]), None if post is None else int(bool(post["any_symptom"])))
    steps = [(s.session, st.index, st.step_id, st.kind, st.target, st.status, st.duration_s, st.hints, st.revealed,
              st.spl, st.soft_spl) for st in s.steps]
    return row, steps


#: What the fold raises for data it refuses (one tuple: mypy reads no starred names in ``except``).
_REFUSED: tuple[type[Exception], ...] = (UnusableEvent, *BAD_DATA)


def fold(session_row: dict[str, Any], events: list[tuple[Any, ...]]) -> SessionSummary | None:
    """The summary of a session (``session_row`` as :meth:`Store.session_rows` gives it; events
    ``(seq, type, t, step, data)`` decoded, in seq order), None when the fold refuses its data."""
    try:
        return summarise(session_row, events)
    except _REFUSED:
        return None


def summaries(store: Store, ids: Sequence[str]) -> Iterable[tuple[str, SessionSummary | None]]:
    """``(session, summary or None)`` of stored sessions ``ids`` (None: a session row or
    events the fold refuses, or no session row)."""
    from wardtwin.store.db import SESSION_COLUMNS, event_problem, session_problem

    if not ids:
        return
    cond, params = store.dialect.in_list("id", ids)
    rows: dict[str, dict[str, Any] | None] = {}
    for r in store.execute(f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions WHERE {cond}", params).fetchall():
        if session_problem(r):
            rows[r[0]] = None
            continue
        d = dict(zip(SESSION_COLUMNS, r))
        d["comfort"], d["data"] = json.loads(d["comfort"]), json.loads(d["data"])
        rows[r[0]] = d
    events: dict[str, list[Any] | None] = {sid: [] for sid in ids}
    for chunk in store.iter_event_chunks(("session", "seq", "type", "t", "step", "data"), sessions=list(ids)):
        for sid, seq, typ, t, step, data in chunk:
            evs = events.get(sid)
            if evs is None:
                continue
            value = None
            if not event_problem(seq, typ, t, step, data):
                value = json.loads(data)
            if value is None:
                events[sid] = None
                continue
            evs.append((seq, typ, t, step, value))
    for sid in ids:
        row, evs = rows.get(sid), events.get(sid)
        yield sid, (None if row is None or evs is None else fold(row, evs))


def refresh(store: Store, ids: Sequence[str]) -> None:
    """Recompute the results of sessions ``ids`` from their stored events (inside the caller's
    transaction)."""
    ids = sorted(set(ids))
    for i in range(0, len(ids), 400):  # bounded memory and parameter lists
        part = ids[i:i + 400]
        write(store, part, [s for _, s in summaries(store, part) if s is not None])


def write(store: Store, ids: Sequence[str], folded: Sequence[SessionSummary], *, bulk: bool = False) -> None:
    """Replace the results of sessions ``ids`` by those of ``folded`` (a session of ``ids``
    missing there is left without results). ``bulk``: the sessions are new (nothing to delete;
    COPY on PostgreSQL)."""
    s_rows: list[tuple[Any, ...]] = []
    st_rows: list[tuple[Any, ...]] = []
    for s in folded:
        row, steps = result_rows(s)
        s_rows.append(row)
        st_rows.extend(steps)
    d = store.dialect
    if not bulk:
        for i in range(0, len(ids), 500):
            cond, params = d.in_list("session", ids[i:i + 500])
            store.execute(f"DELETE FROM step_results WHERE {cond}", params)
            store.execute(f"DELETE FROM session_results WHERE {cond}", params)
    insert = d.bulk_insert if bulk else d.insert_many
    insert(store, "session_results", SESSION_RESULT_COLUMNS, s_rows)
    insert(store, "step_results", STEP_RESULT_COLUMNS, st_rows)


def stale_sql(session_id: str, results: str) -> str:
    """SQL: true when the results row ``results`` (joined, NULL when absent) of the session whose
    id is ``session_id`` is not current (see the module's text); one index probe per session."""
    return (f"({results}.session IS NULL OR {results}.n_events <> COALESCE({results}.last_seq, -1) + 1 "
            f"OR COALESCE((SELECT MAX(e.seq) FROM events e WHERE e.session = {session_id}), -1) "
            f"<> COALESCE({results}.last_seq, -1))")


def stale_statement(d: Dialect, where: str) -> str:
    """SQL: the ids of the sessions (matching ``where`` on ``sessions``, ``?`` marks) without
    current results, in start order."""
    cond = f" AND {where}" if where else ""
    c = d.collate_bytes
    return (f"SELECT s.id FROM sessions s LEFT JOIN session_results r ON r.session = s.id "
            f"WHERE {stale_sql('s.id', 'r')}{cond} ORDER BY s.started_at{c}, s.id{c}")


def stale_sessions(store: Store, where: str, params: Sequence[Any]) -> list[str]:
    """The sessions (matching ``where`` on ``sessions``, ``?`` marks) without current results,
    in start order."""
    return [r[0] for r in store.execute(stale_statement(store.dialect, where), params).fetchall()]
