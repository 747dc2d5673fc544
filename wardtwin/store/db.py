"""The session store: sessions and their events in SQLite (a file, default) or PostgreSQL (a URL).

Schema (version :data:`SCHEMA_VERSION`), identical on both backends:

- ``wardtwin_migrations(version, name, applied_at)``: one row per applied migration;
- ``sessions(id, trainee, role, station, ward, layout_hash, tour, tour_version, mode, comfort,
  started_at, data)``: one row per session, written with its ``session_started`` event;
  ``started_at`` is the wall clock (UTC, ISO 8601) when the session started; ``comfort`` and
  ``data`` are JSON text;
- ``events(id, session, seq, type, t, step, data)``: ``id`` (uuid5 of session and seq) is the
  primary key, so every write is ``INSERT ... ON CONFLICT DO NOTHING`` and idempotent;
- ``ward_versions``, ``ward_changes``, ``refresher_tours`` (version 3, :mod:`wardtwin.store.versions`);
- ``session_results``, ``step_results`` (version 4, :mod:`wardtwin.store.results`): each
  session's and step's results in typed columns, derived from the events when they are written.

What differs between SQLite and PostgreSQL is the store's :attr:`Store.dialect`
(:mod:`wardtwin.store.dialect`), chosen once when the store opens.

Opening a database applies missing migrations in one transaction each (serialised between
processes); a database whose schema is newer than this code is refused with
:class:`SchemaTooNewError`. Opening a SQLite file writable first checks it
(:func:`check_integrity`): a damaged file is refused with :class:`StoreCorruptError` before
anything is written to it.

Writes of rows are idempotent, but a session is started once: the writer and ``sync`` refuse
a session id the store already holds with other content (:func:`session_differences`,
:class:`SessionConflictError`).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Sequence, TypeVar
from urllib.parse import urlsplit, urlunsplit

from wardtwin.events import MAX_STEP, MAX_T, Event
from wardtwin.store.dialect import Dialect, dialect_of
from wardtwin.store.errors import NotAStoreError, SchemaTooNewError, StoreCorruptError, StoreError

def _results_migration(store: "Store") -> None:
    from wardtwin.store.results import migration

    migration(store)


#: Migrations: (version, name, statements: SQL text, or a function of the store for what one
#: text cannot say). Never edit a released one; append.
MIGRATIONS: tuple[tuple[int, str, tuple[str | Callable[[Store], None], ...]], ...] = (
    (1, "sessions and events", (
        """CREATE TABLE sessions (
            id TEXT PRIMARY KEY, trainee TEXT NOT NULL, role TEXT, station TEXT NOT NULL,
            ward TEXT NOT NULL, layout_hash TEXT NOT NULL, tour TEXT NOT NULL, tour_version TEXT NOT NULL,
            mode TEXT NOT NULL, comfort TEXT NOT NULL, started_at TEXT NOT NULL, data TEXT NOT NULL)""",
        """CREATE TABLE events (
            id TEXT PRIMARY KEY, session TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL,
            t DOUBLE PRECISION NOT NULL, step INTEGER, data TEXT NOT NULL)""",
    )),
    (2, "indexes for reports", (
        "CREATE INDEX events_session_seq ON events (session, seq)",
        "CREATE INDEX sessions_ward_started ON sessions (ward, started_at)",
    )),
    (3, "ward versions seen, their changes and refresher tours", (
        # version ids only (never layout files); sessions keep theirs in layout_hash / tour_version
        """CREATE TABLE ward_versions (
            ward TEXT NOT NULL, version TEXT NOT NULL, first_seen TEXT NOT NULL, PRIMARY KEY (ward, version))""",
        """CREATE TABLE ward_changes (
            ward TEXT NOT NULL, from_version TEXT NOT NULL, to_version TEXT NOT NULL, change TEXT NOT NULL,
            seq INTEGER NOT NULL, matters INTEGER NOT NULL, summary TEXT NOT NULL,
            PRIMARY KEY (ward, from_version, to_version, change))""",
        """CREATE TABLE refresher_tours (
            tour_version TEXT PRIMARY KEY, tour TEXT NOT NULL, ward TEXT NOT NULL, from_version TEXT NOT NULL,
            to_version TEXT NOT NULL, written_at TEXT NOT NULL)""",
        """INSERT INTO ward_versions (ward, version, first_seen)
            SELECT ward, layout_hash, MIN(started_at) FROM sessions GROUP BY ward, layout_hash""",
    )),
    # typed results of sessions and steps (wardtwin.store.results), backfilled from the events
    (4, "typed results of sessions and steps", (_results_migration,)),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
SESSION_COLUMNS = ("id", "trainee", "role", "station", "ward", "layout_hash", "tour", "tour_version", "mode",
                   "comfort", "started_at", "data")
EVENT_COLUMNS = ("id", "session", "seq", "type", "t", "step", "data")
#: Default seconds to wait for another process's lock before :class:`StoreLockedError`.
DEFAULT_TIMEOUT = 10.0


def utc_now() -> str:
    """The wall clock as the store writes it: UTC, ISO 8601, microseconds, ``Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def _json(value: Any) -> str:
    """Compact JSON with sorted keys (the text the store keeps): the same as ``json.dumps`` with
    those options, without building an encoder per call."""
    return _ENCODER.encode(value)


def session_row(ev: Event, started_at: str | None = None) -> tuple[Any, ...]:
    """The ``sessions`` row a ``session_started`` event makes."""
    d = ev.data
    return (ev.session, str(d["trainee"]), d.get("role"), str(d["station"]), str(d["ward"]), str(d["layout_hash"]),
            str(d["tour"]), str(d["tour_version"]), str(d["mode"]), _json(d.get("comfort") or {}),
            started_at or d.get("started_at") or utc_now(), _json(dict(d)))


def event_row(ev: Event) -> tuple[Any, ...]:
    """The ``events`` row of an event (data as sorted JSON text)."""
    return (ev.id, ev.session, ev.seq, ev.type, float(ev.t), ev.step, _json(dict(ev.data)))


#: The columns of an event row that are its content (``id`` and ``session``, ``seq`` name it).
EVENT_CONTENT = ("type", "t", "step", "data")


def session_differences(stored: Sequence[Any], new: Sequence[Any]) -> list[str]:
    """The :data:`SESSION_COLUMNS` (``id`` aside) in which two rows of one session differ."""
    return [c for c, a, b in zip(SESSION_COLUMNS, stored, new) if c != "id" and a != b]


def event_content(row: Sequence[Any]) -> tuple[Any, float, int | None, Any]:
    """``(type, t, step, data)`` of an :data:`EVENT_COLUMNS` row, in a form that compares equal
    across backends (``t`` a float, ``step`` an int or None)."""
    r = dict(zip(EVENT_COLUMNS, row))
    return (r["type"], float(r["t"]), None if r["step"] is None else int(r["step"]), r["data"])


def _shown_value(v: object) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


_SESSION_TEXT = ("id", "trainee", "station", "ward", "layout_hash", "tour", "tour_version", "mode", "started_at")
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT")


def _what(v: object) -> str:
    """A stored value's kind, for messages."""
    kinds = {type(None): "NULL", bytes: "a blob", int: "a number", float: "a number", str: "text"}
    return kinds.get(type(v), type(v).__name__)


def json_object(text: object) -> tuple[dict[str, Any] | None, str | None]:
    """``(object, None)`` for JSON text holding an object, else ``(None, what is wrong)``."""
    if not isinstance(text, str):
        return None, f"is {_what(text)}, not JSON text"
    try:
        value = json.loads(text)
    except ValueError:
        return None, f"{_shown_value(text)} is not JSON"
    if type(value) is not dict:
        return None, f"{_shown_value(text)} is not a JSON object"
    return value, None


def is_time(value: object) -> bool:
    """True for a UTC ISO 8601 time as the store writes ``started_at``."""
    if not isinstance(value, str) or not _TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def session_problem(row: Sequence[Any]) -> str | None:
    """What is wrong with a raw ``sessions`` row (:data:`SESSION_COLUMNS`, JSON as text), or None."""
    r = dict(zip(SESSION_COLUMNS, row))
    for c in _SESSION_TEXT:
        if not isinstance(r[c], str):
            return f"{c} is {_what(r[c])}, not text"
    if r["role"] is not None and not isinstance(r["role"], str):
        return f"role is {_what(r['role'])}, not text"
    if not is_time(r["started_at"]):
        return f"started_at {_shown_value(r['started_at'])} is not a time (ISO 8601, UTC)"
    for c in ("comfort", "data"):
        why = json_object(r[c])[1]
        if why:
            return f"{c} {why}"
    return None


def event_problem(seq: Any, type_: Any, t: Any, step: Any, data: Any = None) -> str | None:
    """What is wrong with a stored event's values (``data`` as text, or None when it was
    decoded and checked already), or None."""
    if type(seq) is not int:
        return f"seq {_shown_value(seq)} is {_what(seq)}, not a whole number"
    if not isinstance(type_, str):
        return f"type is {_what(type_)}, not text"
    if type(t) not in (int, float) or not -MAX_T < t < MAX_T:
        return f"t (its time) {_shown_value(t)} is {_what(t) if type(t) not in (int, float) else 'out of range'}" \
               ", not a number of seconds"
    if step is not None and (type(step) is not int or not 0 <= step < MAX_STEP):
        return f"step {_shown_value(step)} is not a step number (0 to {MAX_STEP - 1})"
    if data is not None:
        why = json_object(data)[1]
        if why:
            return f"data {why}"
    return None


def damaged_row(url: str, table: str, session: object, problem: str, seq: object = None) -> StoreCorruptError:
    """The error for a stored row whose values are damaged: names the store, the table, the
    session (and event) and what is wrong."""
    where = f"session {_shown_value(session)}" + ("" if seq is None else f", event {_shown_value(seq)}")
    return _damaged(url, f"table {table}, {where}: {problem}")


def conflict_message(url: str, session: str, what: str) -> str:
    """The message of a :class:`SessionConflictError`: the session, how it differs, what to do."""
    return (f"{url}: session {session!r} is already in this store with other content ({what}); nothing of the "
            "new session was written. Give the new session another id (`wardtwin tour` makes a new one when "
            "--session is left out)")


def describe_session_difference(stored: Sequence[Any], new: Sequence[Any]) -> str:
    """How a stored session row differs from a new one, for :func:`conflict_message`."""
    cols = session_differences(stored, new)
    shown = [c for c in ("trainee", "ward", "tour", "station", "started_at") if c in cols][:3] or cols[:3]
    parts = [f"{c} {_shown_value(stored[SESSION_COLUMNS.index(c)])} stored, "
             f"{_shown_value(new[SESSION_COLUMNS.index(c)])} new" for c in shown]
    more = len(cols) - len(shown)
    return "; ".join(parts) + (f"; and {more} more column(s)" if more > 0 else "")


def redact(url: str) -> str:
    """A URL fit for messages: the password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        netloc = f"{parts.username}:***@{host}"
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def parse_url(url: str | os.PathLike[str]) -> tuple[str, str, bool]:
    """``(backend name, target, read_only)`` (see :func:`~wardtwin.store.dialect.dialect_of`)."""
    dialect, target, read_only = dialect_of(url)
    return dialect.name, target, read_only


def _session_filter(ward: str | None, since: str | None) -> tuple[list[str], list[Any]]:
    """SQL conditions on the sessions table (and their parameters) for a ward and a start date."""
    where: list[str] = []
    params: list[Any] = []
    if ward:
        where.append("ward = ?")
        params.append(ward)
    if since:
        where.append("started_at >= ?")
        params.append(since)
    return where, params

class StoreCounts(NamedTuple):
    """A store's numbers of sessions and events, and of sessions whose last event is not
    ``session_ended`` (``abandoned``)."""

    sessions: int
    events: int
    abandoned: int

    def as_dict(self) -> dict[str, int]:
        """``{"sessions": ..., "events": ..., "abandoned": ...}``."""
        return {"sessions": self.sessions, "events": self.events, "abandoned": self.abandoned}


class Store:
    """An open session database. Use :func:`open_store`; close it (or use ``with``)."""

    dialect: Dialect  #: what differs between the backends (chosen when the store opens)
    url: str  #: for messages (password hidden)
    path: Path | None  #: the database file (SQLite), else None

    def __init__(self, dialect: Dialect, conn: Any, url: str, read_only: bool, timeout: float,
                 path: Path | None = None):
        # conn: the driver's connection (a sqlite3.Connection or a psycopg.Connection; the
        # dialect knows which and uses each driver's own calls)
        self.dialect, self.conn, self.url, self.read_only, self.timeout = dialect, conn, url, read_only, timeout
        self.path = path
        self._fingerprint: tuple[int, int, int, bool] | None = None  # an immutable read-only SQLite open: the file as it was
        #: PostgreSQL: what the connection was made with (a report's side statements open more); else None
        self.conninfo: str | None = None
        self.schema_version = 0

    @property
    def backend(self) -> str:
        """The backend's name (``sqlite`` or ``postgresql``), for messages."""
        return self.dialect.name

    # -- plumbing ---------------------------------------------------------------------------
    def sql(self, text: str) -> str:
        """``text`` with ``?`` placeholders in this backend's style."""
        return self.dialect.sql(text)

    def _translate(self, exc: BaseException) -> StoreError | None:
        return self.dialect.translate(exc, self.url)

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Driver errors raised inside become StoreErrors (those the driver's error can be read
        as); StoreErrors pass through."""
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            err = self._translate(exc)
            if err is None:
                raise
            raise err from exc

    def execute(self, text: str, params: Sequence[Any] = ()) -> "_Rows":
        """Run one statement; its rows are fetched through :class:`_Rows` (errors translated)."""
        with self.translated():
            return _Rows(self, self.conn.execute(self.sql(text), params))

    def transaction(self) -> AbstractContextManager[None]:
        """A context manager: one transaction, rolled back on any exception."""
        return self.dialect.transaction(self)

    def stale(self) -> bool:
        """True when this store was opened immutable (read-only, see :func:`read_store`) and its
        file has changed since: what was read may mix old and new pages, so read it again."""
        if self._fingerprint is None or self.path is None:
            return False
        try:
            return fingerprint(self.path) != self._fingerprint
        except OSError:
            return True

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:  # pragma: no cover - closing never matters more than the caller's error
            pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------
    def _applied_version(self) -> int:
        row = self.execute("SELECT MAX(version) FROM wardtwin_migrations").fetchone()
        return int(row[0] or 0)

    def _has_migrations_table(self) -> bool:
        return self.execute(self.dialect.table_exists_sql(), ("wardtwin_migrations",)).fetchone() is not None

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"{self.url}: schema version {version} was written by a newer wardtwin; this one knows "
                f"versions up to {SCHEMA_VERSION}. Upgrade wardtwin (pip install -U wardtwin) to use this "
                "database; do not write to it with this version")

    def migrate(self) -> None:
        """Apply missing migrations (each in its own transaction, serialised between processes)."""
        if self.read_only:
            version = self._applied_version() if self._has_migrations_table() else 0
            self._check_version(version)
            # an older store is read as it is (a report must not need a writer first); what
            # later migrations add is absent, and readers of it check ``schema_version``
            self.schema_version = version
            return
        if self._has_migrations_table():  # fast path: nothing to do, no write lock taken
            version = self._applied_version()
            self._check_version(version)
            if version >= SCHEMA_VERSION:
                self.schema_version = version
                return
        with self.transaction():
            self.dialect.lock_migrations(self)
            self.execute("CREATE TABLE IF NOT EXISTS wardtwin_migrations (version INTEGER PRIMARY KEY, "
                         "name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            version = self._applied_version()
            self._check_version(version)
            for number, name, statements in MIGRATIONS:
                if number <= version:
                    continue
                for stmt in statements:
                    if callable(stmt):
                        stmt(self)
                    else:
                        self.execute(stmt)
                self.execute("INSERT INTO wardtwin_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                             (number, name, utc_now()))
            self.schema_version = SCHEMA_VERSION

    def applied_migrations(self) -> list[tuple[int, str, str]]:
        return [tuple(r) for r in self.execute("SELECT version, name, applied_at FROM wardtwin_migrations "
                                               "ORDER BY version").fetchall()]

    # -- writing ----------------------------------------------------------------------------
    def insert_sql(self, table: str, columns: Sequence[str]) -> str:
        """``INSERT ... ON CONFLICT DO NOTHING`` of one row of ``columns`` into ``table``."""
        cols = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        return self.sql(f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING")

    def write_event(self, ev: Event, started_at: str | None = None) -> bool:
        """Store one event (and its session row, for ``session_started``) in one transaction.
        True when it was new; writing the same event again changes nothing."""
        return self.write_rows([session_row(ev, started_at)] if ev.type == "session_started" else [],
                               [event_row(ev)])[1] == 1

    def write_events(self, events: Iterable[Event], started_at: str | None = None) -> int:
        """Store events in ONE transaction (all or nothing); the number that were new."""
        events = list(events)
        sessions = [session_row(e, started_at) for e in events if e.type == "session_started"]
        return self.write_rows(sessions, [event_row(e) for e in events])[1]

    def write_rows(self, sessions: Sequence[tuple[Any, ...]], events: Sequence[tuple[Any, ...]], *,
                   results: bool = True) -> tuple[int, int]:
        """Insert raw rows (see :data:`SESSION_COLUMNS`, :data:`EVENT_COLUMNS`) in one transaction,
        skipping ids already stored, and (``results``) recompute the typed results of the
        sessions written (:mod:`wardtwin.store.results`). Returns how many sessions and events
        were new."""
        with self.transaction(), self.translated():
            new_s = self.dialect.insert_many(self, "sessions", SESSION_COLUMNS, sessions)
            new_e = self.dialect.insert_many(self, "events", EVENT_COLUMNS, events)
            if results and (new_s or new_e):
                self.refresh_results({r[0] for r in sessions} | {r[1] for r in events})
        return new_s, new_e

    def refresh_results(self, sessions: Iterable[str]) -> None:
        """Recompute the typed results of ``sessions`` from their stored events (inside the
        caller's transaction; nothing on a store whose schema predates them)."""
        from wardtwin.store.results import RESULTS_SCHEMA, refresh

        if self.schema_version >= RESULTS_SCHEMA:
            refresh(self, list(sessions))

    # -- reading ----------------------------------------------------------------------------
    def session_rows(self, ward: str | None = None, since: str | None = None,
                     ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Sessions (as dicts of :data:`SESSION_COLUMNS`, JSON decoded), oldest first."""
        where, params = _session_filter(ward, since)
        q = f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions"
        if where:
            q += " WHERE " + " AND ".join(where)
        q += " ORDER BY started_at, id"
        rows: list[dict[str, Any]] = []
        wanted = set(ids) if ids is not None else None
        for r in self.execute(q, params).fetchall():
            if wanted is not None and r[0] not in wanted:
                continue
            why = session_problem(r)
            if why:
                raise damaged_row(self.url, "sessions", r[0], why)
            d = dict(zip(SESSION_COLUMNS, r))
            d["comfort"] = json.loads(d["comfort"])
            d["data"] = json.loads(d["data"])
            rows.append(d)
        return rows

    def iter_session_rows(self, ward: str | None = None, since: str | None = None,
                          batch: int = 2000) -> Iterator[dict[str, Any]]:
        """:meth:`session_rows`, streamed: one row at a time (each checked), read in batches
        through a cursor (a server-side one on PostgreSQL), so memory stays bounded."""
        where, params = _session_filter(ward, since)
        q = f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions"
        if where:
            q += " WHERE " + " AND ".join(where)
        q += " ORDER BY started_at, id"
        with self._chunks(q, params, batch, "wardtwin_session_rows") as chunks:
            for rows in chunks:
                for r in rows:
                    why = session_problem(r)
                    if why:
                        raise damaged_row(self.url, "sessions", r[0], why)
                    d = dict(zip(SESSION_COLUMNS, r))
                    d["comfort"] = json.loads(d["comfort"])
                    d["data"] = json.loads(d["data"])
                    yield d

    def _chunks(self, q: str, params: Sequence[Any], batch: int,
                name: str) -> AbstractContextManager[Iterator[list[Any]]]:
        """An iterator of lists of up to ``batch`` rows of query ``q`` (a server-side cursor in
        its own transaction on PostgreSQL; driver errors translated)."""
        return self.dialect.chunks(self, q, params, batch, name)

    def fetch(self, cur: Any, batch: int) -> list[Any]:
        """Up to ``batch`` rows of a driver cursor (errors translated)."""
        with self.translated():
            rows: list[Any] = cur.fetchmany(batch)
            return rows

    def iter_event_rows(self, batch: int = 20000,
                        columns: Sequence[str] = EVENT_COLUMNS) -> Iterator[tuple[Any, ...]]:
        """Every event row (``columns``, by default :data:`EVENT_COLUMNS`) ordered by session and seq."""
        for rows in self.iter_event_chunks(columns, batch=batch):
            yield from rows

    def iter_event_chunks(self, columns: Sequence[str] = EVENT_COLUMNS, *, ward: str | None = None,
                          since: str | None = None, batch: int = 20000,
                          sessions: Sequence[str] | None = None) -> Iterator[list[tuple[Any, ...]]]:
        """Event rows (``columns``) ordered by session and seq, in lists of up to ``batch`` rows;
        only the events of sessions of ``ward`` started on/after ``since`` when those are given,
        and only those of the ``sessions`` listed when that is given."""
        where, params = _session_filter(ward, since)
        q = f"SELECT {', '.join(columns)} FROM events"
        if sessions is not None:
            if not sessions:
                return
            cond, params = self.dialect.in_list("session", sessions)
            q += f" WHERE {cond}"
        elif where:
            q += f" WHERE session IN (SELECT id FROM sessions WHERE {' AND '.join(where)})"
        q += " ORDER BY session, seq"
        if sessions is not None:  # a bounded read: a plain cursor (also inside another's transaction)
            cur = self.execute(q, params)
            while True:
                rows = cur.fetchmany(batch)
                if not rows:
                    return
                yield rows
        with self._chunks(q, params, batch, "wardtwin_event_chunks") as chunks:
            yield from chunks

    def events_of(self, session: str) -> list[Event]:
        """The events of one session, in order."""
        rows = self.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE session = ? ORDER BY seq",
                            (session,)).fetchall()
        return [Event(r[1], r[2], r[3], r[4], r[5], json.loads(r[6])) for r in rows]

    def stored_session(self, session: str) -> tuple[Any, ...] | None:
        """The raw ``sessions`` row (:data:`SESSION_COLUMNS`) of ``session``, None when absent."""
        row = self.execute(f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions WHERE id = ?", (session,)).fetchone()
        return None if row is None else tuple(row)

    def stored_event(self, session: str, seq: int) -> tuple[Any, float, int | None, Any] | None:
        """The :func:`event_content` of event ``seq`` of ``session``, None when absent."""
        row = self.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE session = ? AND seq = ?",
                           (session, int(seq))).fetchone()
        return None if row is None else event_content(row)

    def counts(self) -> StoreCounts:
        """Numbers of sessions and events, and sessions whose last event is not ``session_ended``."""
        n_s = self.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
        n_e = self.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        open_ = self.execute(
            "SELECT COUNT(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.session = s.id "
            "AND e.type = 'session_ended')").fetchone()[0]
        return StoreCounts(int(n_s), int(n_e), int(open_))


class _Rows:
    """A driver cursor whose fetches turn driver errors into StoreErrors too (a damaged page, or
    text that is not UTF-8, is met while rows are fetched, not when the statement starts)."""

    def __init__(self, store: Store, cursor: Any):
        self._store, self._cursor = store, cursor  # the driver's cursor (sqlite3 or psycopg)

    def fetchone(self) -> Any:
        """The next row (a tuple), None when there is none."""
        with self._store.translated():
            return self._cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        with self._store.translated():
            rows: list[tuple[Any, ...]] = self._cursor.fetchall()
            return rows

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        with self._store.translated():
            rows: list[tuple[Any, ...]] = self._cursor.fetchmany(size)
            return rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        n: int = self._cursor.rowcount
        return n


def _damaged(url: str, detail: str) -> StoreCorruptError:
    return StoreCorruptError(f"{url}: the database is damaged ({detail}); nothing was written to it. Restore it "
                             "from a backup, or move it aside to start a new one (stations can `wardtwin sync` "
                             "their sessions again)")


def _not_object(column: str) -> str:
    """SQL: true when ``column`` is not JSON text holding an object (one parse per row)."""
    return f"(NOT json_valid({column}) OR substr(ltrim({column}, char(32, 9, 10, 13)), 1, 1) != '{{')"


#: ``(table, key columns, SQL condition of a damaged row, checker of the row's values)``:
#: rows whose values no wardtwin writes (the SQL finds one fast, the checker says what is wrong).
_ROW_CHECKS: tuple[tuple[str, tuple[str, ...], str, Callable[[Sequence[Any]], str | None]], ...] = (
    ("sessions", SESSION_COLUMNS,
     " OR ".join([f"typeof({c}) != 'text'" for c in _SESSION_TEXT]
                 + ["(role IS NOT NULL AND typeof(role) != 'text')", "julianday(started_at) IS NULL",
                    "started_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'",
                    _not_object("comfort"), _not_object("data")]),
     lambda r: session_problem(r)),
    ("events", ("session", "seq", "type", "t", "step", "data"),
     " OR ".join(["typeof(session) != 'text'", "typeof(seq) != 'integer'", "typeof(type) != 'text'",
                  "typeof(t) NOT IN ('real', 'integer')", f"NOT (t > {-MAX_T:g} AND t < {MAX_T:g})",
                  f"(step IS NOT NULL AND (typeof(step) != 'integer' OR step < 0 OR step >= {MAX_STEP}))",
                  _not_object("data")]),
     lambda r: event_problem(*r[1:])),
)


def check_integrity(store: Store) -> None:
    """Refuse a damaged store (:class:`StoreCorruptError`) before anything is written to it:
    on SQLite, :func:`check_sqlite_rows`. PostgreSQL keeps its own pages and column types
    sound: nothing to do there (reports check the values they read, :func:`session_problem`,
    :func:`event_problem`)."""
    store.dialect.check_integrity(store)


def check_sqlite_rows(store: Store) -> None:
    """A SQLite store's check: ``PRAGMA quick_check`` (every page and b-tree; about 0.1 s per
    70 MB), the tables its schema version promises, and the values of every row
    (:data:`_ROW_CHECKS`: JSON objects where JSON is kept, numbers and text where the schema has
    them, a time in ``started_at``; about 0.2 s per 260,000 events)."""
    with store.translated():
        problems = [r[0] for r in store.conn.execute("PRAGMA quick_check(3)").fetchall()]
    if problems != ["ok"]:
        lines = [ln.strip() for p in problems for ln in str(p).splitlines() if ln.strip() and not ln.startswith("***")]
        raise _damaged(store.url, "quick_check: " + "; ".join(lines))
    tables = {r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
    lost = sorted({"sessions", "events"} - tables)
    if "wardtwin_migrations" in tables and lost and store._applied_version() >= 1:
        raise _damaged(store.url, f"its schema has version {store._applied_version()} but table(s) "
                       f"{', '.join(lost)} are missing")
    for table, columns, condition, problem in _ROW_CHECKS:
        if table not in tables:
            continue
        try:
            bad = store.conn.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {condition} LIMIT 1").fetchone()
        except sqlite3.OperationalError as exc:
            if "json_" in str(exc):  # a SQLite built without JSON: the pages were checked, at least
                return
            err = store._translate(exc)
            if err is None:
                raise
            raise err from exc
        except sqlite3.Error as exc:
            err = store._translate(exc)
            if err is None:
                raise
            raise err from exc
        if bad is not None:
            why = problem(bad) or "values of the wrong kind for its columns"
            raise damaged_row(store.url, table, bad[0], why, None if table == "sessions" else bad[1])


def refuse_foreign(store: Store, create: bool) -> None:
    """Refuse a SQLite file that is not a wardtwin store (:class:`NotAStoreError`): one whose
    tables are another program's, or an empty one (no tables) unless ``create`` (the command
    makes stores: it may be given a new, empty file)."""
    with store.translated():
        tables = sorted(r[0] for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchall())
    if "wardtwin_migrations" in tables:
        return
    if tables:
        shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
        raise NotAStoreError(f"{store.url}: not a wardtwin session store (it is another program's SQLite database, "
                             f"with table(s) {shown}); nothing was changed. Give the path of a wardtwin store, or a "
                             "new file name to start one")
    if not create:
        raise NotAStoreError(f"{store.url}: not a wardtwin session store (it is an empty file or database); nothing "
                             "was changed. Give the path of a wardtwin store (stations and `wardtwin sync --to` "
                             "create them)")


def open_store(url: str | os.PathLike[str], *, create: bool = True, read_only: bool = False,
               timeout: float = DEFAULT_TIMEOUT) -> Store:
    """Open (and migrate) the session database at ``url``: a SQLite path / ``sqlite:`` URL, or a
    ``postgresql://`` URL. ``create=False`` refuses a missing SQLite file (and an empty one);
    ``read_only`` never writes (an older schema is read as it is, unmigrated). ``timeout``:
    seconds to wait for locks.

    A SQLite file that is not a wardtwin store (another program's database, or an empty file
    where ``create`` is False) is refused with :class:`NotAStoreError`, and a damaged one with
    :class:`StoreCorruptError` (:func:`check_integrity`), whoever opens it, before anything is
    written. A read-only open makes no file beside the database (see :func:`read_store`).
    Opening a SQLite file writable also folds in the journals that crashed station writers left
    beside it (:func:`wardtwin.store.journal.recover`)."""
    dialect, target, ro = dialect_of(url)
    read_only = read_only or ro
    store = dialect.open(target, redact(os.fspath(url)), create=create, read_only=read_only, timeout=timeout)
    try:
        check_integrity(store)
        store.migrate()
        if not read_only:  # journals exist beside SQLite files only
            from wardtwin.store.journal import recover
            recover(store)
    except BaseException:
        store.close()
        raise
    return store


_T = TypeVar("_T")


def read_store(url: str | os.PathLike[str], read: Callable[[Store], _T], *, tries: int = 3,
               timeout: float = DEFAULT_TIMEOUT) -> _T:
    """``read(store)`` on ``url`` opened read-only, read again when a SQLite file changed under
    it (:meth:`Store.stale`: a writer started during an immutable read); at most ``tries`` reads."""
    for attempt in range(tries):
        with open_store(url, read_only=True, timeout=timeout) as store:
            try:
                result = read(store)
            except StoreError:
                if attempt + 1 < tries and store.stale():
                    continue
                raise
            if attempt + 1 == tries or not store.stale():
                return result
    raise AssertionError("unreachable")  # pragma: no cover


def fingerprint(path: Path) -> tuple[int, int, int, bool]:
    """What changes when a writer touches a SQLite file: the file's identity, size and time, and
    whether a write-ahead log is beside it."""
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns, path.with_name(path.name + "-wal").exists()
