"""What differs between the store's two backends, as one object per backend chosen when a
store opens (:func:`~wardtwin.store.db.open_store`, by :func:`dialect_of`): placeholders,
transactions, error translation, chunked reads, bulk inserts, the integrity check, the DDL of
triggers, the few SQL functions the report's statements need and how a report reads them in one
snapshot (:class:`ReportReads`). Everything else is portable SQL.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generator, Iterator, Sequence
from urllib.parse import quote

from wardtwin.errors import UsageError
from wardtwin.store.errors import (
    NotAStoreError, StoreCorruptError, StoreError, StoreLockedError, StoreReadOnlyError, StoreUnavailableError,
)

if TYPE_CHECKING:
    from wardtwin.store.db import Store

_PG_LOCK_KEY = 0x77617264  # "ward": serialises migrations between processes
_REPAIR = ("restore it from a backup, or move it aside to start a new one (stations can `wardtwin sync` "
           "their sessions again)")


#: A statement and its parameters (``?`` marks).
Statement = tuple[str, Sequence[Any]]


def first_line(exc: BaseException) -> str:
    """The first line of a driver error's text (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Dialect(ABC):
    """One backend's SQL and driver behaviour (stateless; one instance per kind)."""

    name: ClassVar[str]  #: "sqlite" or "postgresql" (shown by ``wardtwin db-info``)
    placeholder: ClassVar[str]  #: the driver's parameter mark
    file_backed: ClassVar[bool]  #: a file on this machine (journals, integrity check, immutable reads)
    collate_bytes: ClassVar[str]  #: after a sort key: order text bytewise

    def sql(self, text: str) -> str:
        """``text`` with ``?`` placeholders in this backend's style."""
        return text if self.placeholder == "?" else text.replace("?", self.placeholder)

    @abstractmethod
    def open(self, target: str, shown: str, *, create: bool, read_only: bool, timeout: float) -> Store:
        """Connect to ``target`` (a path or a URL; ``shown`` for messages)."""

    @abstractmethod
    def translate(self, exc: BaseException, url: str) -> StoreError | None:
        """The :class:`StoreError` for a driver exception, None when it is not a database problem."""

    @abstractmethod
    def table_exists_sql(self) -> str:
        """A query (one ``?``: the table name) giving a row when the table exists."""

    def lock_migrations(self, store: Store) -> None:
        """Serialise migrations between processes (inside the migration's transaction)."""

    @abstractmethod
    @contextmanager
    def transaction(self, store: Store) -> Iterator[None]:
        """One transaction, rolled back on any exception."""

    @abstractmethod
    @contextmanager
    def chunks(self, store: Store, q: str, params: Sequence[Any], batch: int, name: str) -> Iterator[Iterator[list[Any]]]:
        """An iterator of lists of up to ``batch`` rows of ``q`` (``?`` marks), read so that
        memory stays bounded; ``name`` names a server-side cursor."""

    @abstractmethod
    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """``(condition, params)``: ``column`` is one of ``values``."""

    def execute_prepared(self, store: Store, sql: str, row: Sequence[Any]) -> None:
        """Run one write statement that a caller repeats often (prepared where that helps)."""
        store.conn.execute(sql, row)

    def set_durability(self, store: Store, fsync: bool) -> None:
        """Commit durably to disk (``fsync``) or to the operating system's cache."""

    def check_integrity(self, store: Store) -> None:
        """Refuse a damaged store before anything is written (see :func:`~wardtwin.store.db.check_integrity`)."""

    def insert_many(self, store: Store, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Insert ``rows`` inside the caller's transaction, skipping keys already stored; the
        number that were new."""
        if not rows:
            return 0
        cur = store.conn.cursor()
        if len(rows) == 1:
            cur.execute(store.insert_sql(table, columns), rows[0])
        else:
            cur.executemany(store.insert_sql(table, columns), rows)
        return int(max(cur.rowcount, 0))

    def bulk_insert(self, store: Store, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """:meth:`insert_many` for large batches (COPY on PostgreSQL)."""
        return self.insert_many(store, table, columns, rows)

    @abstractmethod
    def stale_trigger_ddl(self, table: str, key: str) -> tuple[str, ...]:
        """Statements making a trigger that deletes a session's ``session_results`` row when a
        row of ``table`` (session id in column ``key``) is updated or deleted by hand."""

    # -- the report's statements (wardtwin.reports.sqlagg) ---------------------------------
    @abstractmethod
    def greatest(self, a: str, b: str) -> str:
        """SQL: the larger of two values."""

    @abstractmethod
    def json_agg(self, expr: str, distinct: bool = False) -> str:
        """SQL: an aggregate making a JSON array of ``expr``."""

    @abstractmethod
    def json_array(self, *items: str) -> str:
        """SQL: a JSON array of ``items``."""

    @abstractmethod
    def median(self, expr: str, where: str = "") -> str:
        """SQL: an aggregate, the median of the non-null values of ``expr`` (of the rows where
        ``where`` holds, when given) as Python's ``statistics.median`` gives it (the middle
        value, or the mean of the two middle ones)."""

    @abstractmethod
    @contextmanager
    def report_reads(self, store: Store) -> Iterator[ReportReads]:
        """The reads of one report, all in one snapshot of the store (the store's own
        statements inside included): see :class:`ReportReads`."""

    @abstractmethod
    def param_table(self, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
        """``(FROM item, params)``: ``rows`` passed as parameters, as a table of ``columns``
        (``types``: text, integer or float)."""

    @abstractmethod
    def not_in_param(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """``(condition, params)``: ``column`` is none of ``values`` (one parameter, however many)."""


#: The oldest SQLite the store works with: aggregates with FILTER arrived in 3.30.0 (2019).
MIN_SQLITE = (3, 30, 0)


class SqliteDialect(Dialect):
    """A SQLite file (WAL mode, ``BEGIN IMMEDIATE`` transactions)."""

    name = "sqlite"
    placeholder = "?"
    file_backed = True
    collate_bytes = ""  # BINARY is bytewise already

    def open(self, target: str, shown: str, *, create: bool, read_only: bool, timeout: float) -> Store:
        from wardtwin.store.db import Store, fingerprint, refuse_foreign

        if sqlite3.sqlite_version_info < MIN_SQLITE:  # the reports' statements need FILTER and windows
            raise StoreUnavailableError(
                f"{shown}: this Python's SQLite is {sqlite3.sqlite_version}; wardtwin's store needs SQLite "
                f"{'.'.join(map(str, MIN_SQLITE))} or later (a newer Python, or a PostgreSQL store with --db)")
        p = Path(target)
        _check_db_path(p, shown, create=create and not read_only)
        conn = None
        try:
            immutable = False
            if read_only:
                uri, immutable = _readonly_uri(p)
                conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(p, timeout=timeout, isolation_level=None, check_same_thread=False)
            store = Store(self, conn, shown, read_only, timeout, None if target == ":memory:" else p.resolve())
            if immutable:
                store._fingerprint = fingerprint(p)
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # reads the header: corrupt files fail here
            refuse_foreign(store, create and not read_only)
            if not read_only:
                _set_wal(conn, timeout)
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.create_aggregate("wardtwin_median", 1, _Median)
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, sqlite3.Error):
                raise self.translate(exc, shown) or StoreError(f"{shown}: {first_line(exc)}") from exc
            raise
        return store

    def translate(self, exc: BaseException, url: str) -> StoreError | None:
        if not isinstance(exc, sqlite3.Error):
            return None
        msg = first_line(exc)
        low = msg.lower()
        if "locked" in low or "busy" in low:
            return StoreLockedError(f"{url}: the database is locked by another process ({msg}); close the other "
                                    "program using it or wait, then retry")
        if "not a database" in low or "malformed" in low or "corrupt" in low:
            return StoreCorruptError(f"{url}: not a wardtwin database, or it is damaged ({msg}); {_REPAIR}")
        if "could not decode" in low:
            return StoreCorruptError(f"{url}: the database is damaged (a stored text is not UTF-8: "
                                     f"{_shown(msg)}); {_REPAIR}")
        if "readonly" in low or "read-only" in low:
            return StoreReadOnlyError(f"{url}: the database is read-only ({msg}); open a writable copy, or fix the "
                                      "file's and folder's permissions")
        if "unable to open" in low:
            return StoreUnavailableError(f"{url}: cannot open the database file ({msg}); check that the folder "
                                         "exists and is writable")
        return StoreError(f"{url}: {msg}")

    def table_exists_sql(self) -> str:
        return "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"

    @contextmanager
    def transaction(self, store: Store) -> Iterator[None]:
        store.execute("BEGIN IMMEDIATE")
        conn = store.conn
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except Exception as exc:
            conn.execute("ROLLBACK")
            err = self.translate(exc, store.url)
            if err is None:
                raise
            raise err from exc

    @contextmanager
    def chunks(self, store: Store, q: str, params: Sequence[Any], batch: int, name: str) -> Iterator[Iterator[list[Any]]]:
        store.conn.execute("PRAGMA cache_size = -262144")  # 256 MiB page cache while reading in index order
        cur = store.execute(q, params)
        yield iter(lambda: cur.fetchmany(batch), [])

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} IN ({', '.join('?' for _ in values)})", list(values)

    def set_durability(self, store: Store, fsync: bool) -> None:
        store.conn.execute(f"PRAGMA synchronous = {'FULL' if fsync else 'NORMAL'}")

    def check_integrity(self, store: Store) -> None:
        from wardtwin.store.db import check_sqlite_rows

        check_sqlite_rows(store)

    def stale_trigger_ddl(self, table: str, key: str) -> tuple[str, ...]:
        return tuple(f"CREATE TRIGGER IF NOT EXISTS {table}_{op.lower()}_stales AFTER {op} ON {table} "
                     f"BEGIN DELETE FROM session_results WHERE session = OLD.{key}; END"
                     for op in ("UPDATE", "DELETE"))

    def greatest(self, a: str, b: str) -> str:
        return f"MAX({a}, {b})"

    def json_agg(self, expr: str, distinct: bool = False) -> str:
        return f"json_group_array({'DISTINCT ' if distinct else ''}{expr})"

    def json_array(self, *items: str) -> str:
        return f"json_array({', '.join(items)})"

    def median(self, expr: str, where: str = "") -> str:
        # FILTER: the other rows never reach the (Python) aggregate
        return f"wardtwin_median({expr})" + (f" FILTER (WHERE {where})" if where else "")

    @contextmanager
    def report_reads(self, store: Store) -> Iterator[ReportReads]:
        conn = store.conn
        began = not conn.in_transaction  # one read transaction: one snapshot of a WAL database
        with store.translated():
            if began:
                conn.execute("BEGIN")
            try:
                yield ReportReads(store)
            finally:
                if began and conn.in_transaction:
                    conn.execute("COMMIT")  # nothing written: ends the read

    def param_table(self, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
        cols = ", ".join(f"json_extract(value, '$[{i}]') AS {c}" for i, c in enumerate(columns))
        return f"(SELECT {cols} FROM json_each(?)) v", [json.dumps([list(r) for r in rows])]

    def not_in_param(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} NOT IN (SELECT value FROM json_each(?))", [json.dumps(list(values))]


class PostgresDialect(Dialect):
    """A PostgreSQL server through psycopg 3 (autocommit connection; explicit transactions)."""

    name = "postgresql"
    placeholder = "%s"
    file_backed = False
    collate_bytes = ' COLLATE "C"'

    def open(self, target: str, shown: str, *, create: bool, read_only: bool, timeout: float) -> Store:
        from wardtwin.store.db import Store

        try:
            import psycopg
        except ImportError as exc:
            raise StoreUnavailableError(f"{shown}: PostgreSQL needs psycopg 3; install it with "
                                        "pip install 'wardtwin[postgres]'") from exc
        try:
            conn = psycopg.connect(target, autocommit=True, connect_timeout=max(1, int(timeout)))
            conn.execute(f"SET lock_timeout = {int(timeout * 1000)}")
        except psycopg.Error as exc:
            raise self.translate(exc, shown) or StoreError(f"{shown}: {first_line(exc)}") from exc
        if read_only:
            conn.execute("SET default_transaction_read_only = on")
        store = Store(self, conn, shown, read_only, timeout)
        store.conninfo = target
        return store

    def translate(self, exc: BaseException, url: str) -> StoreError | None:
        try:
            import psycopg
        except ImportError:  # pragma: no cover
            return None
        if not isinstance(exc, psycopg.Error):
            return None
        msg = first_line(exc)
        e = psycopg.errors
        if isinstance(exc, (e.LockNotAvailable, e.QueryCanceled, e.DeadlockDetected)):
            return StoreLockedError(f"{url}: a lock was not granted in time ({msg}); retry when the other "
                                    "session using the tables has finished")
        if isinstance(exc, e.ReadOnlySqlTransaction):
            return StoreReadOnlyError(f"{url}: the database is read-only for this connection ({msg}); use a "
                                      "role/server that accepts writes (not a standby)")
        if isinstance(exc, e.InsufficientPrivilege):
            return StoreReadOnlyError(f"{url}: permission denied ({msg}); grant this role INSERT/CREATE on the "
                                      "database, or use another role")
        if isinstance(exc, psycopg.OperationalError):
            return StoreUnavailableError(f"{url}: cannot use the PostgreSQL server ({msg}); check that it is "
                                         "running and that the URL (host, port, user, password, database) is right")
        return StoreError(f"{url}: {msg}")

    def table_exists_sql(self) -> str:
        return "SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = ? AND schemaname = current_schema()"

    def lock_migrations(self, store: Store) -> None:
        store.execute(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")

    @contextmanager
    def transaction(self, store: Store) -> Iterator[None]:
        tx = store.conn.transaction()
        with store.translated():
            tx.__enter__()
        try:
            yield
        except BaseException as exc:
            with store.translated():
                swallowed = tx.__exit__(type(exc), exc, exc.__traceback__)
            if not swallowed:
                raise
            return
        with store.translated():
            tx.__exit__(None, None, None)

    @contextmanager
    def chunks(self, store: Store, q: str, params: Sequence[Any], batch: int, name: str) -> Iterator[Iterator[list[Any]]]:
        with store.translated(), store.conn.transaction(), store.conn.cursor(name=name) as cur:
            cur.execute(self.sql(q), params)
            yield iter(lambda: store.fetch(cur, batch), [])

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} = ANY(?)", [list(values)]

    def execute_prepared(self, store: Store, sql: str, row: Sequence[Any]) -> None:
        store.conn.execute(sql, row, prepare=True)  # autocommit: one transaction

    def bulk_insert(self, store: Store, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        if not rows:
            return 0
        cur = store.conn.cursor()
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS tmp_{table} (LIKE {table}) ON COMMIT DELETE ROWS")
        with cur.copy(f"COPY tmp_{table} ({', '.join(columns)}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
        cols = ", ".join(columns)
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM tmp_{table} ON CONFLICT DO NOTHING")
        n = int(max(cur.rowcount, 0))
        cur.execute(f"DELETE FROM tmp_{table}")  # a second batch in the same transaction
        return n

    def stale_trigger_ddl(self, table: str, key: str) -> tuple[str, ...]:
        fn = f"wardtwin_{table}_stales"
        return (f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"DELETE FROM session_results WHERE session = OLD.{key}; RETURN NULL; END $$",
                f"DROP TRIGGER IF EXISTS {table}_stales ON {table}",
                f"CREATE TRIGGER {table}_stales AFTER UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}()")

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})"

    def json_agg(self, expr: str, distinct: bool = False) -> str:
        return f"json_agg({'DISTINCT ' if distinct else ''}{expr})"

    def json_array(self, *items: str) -> str:
        return f"json_build_array({', '.join(items)})"

    def median(self, expr: str, where: str = "") -> str:
        # the lower and the upper middle value (the same one for an odd count: the k-th of n is
        # at ceil(p * n)), halved as Python does; one sort, the two calls being one aggregate
        cond = f" FILTER (WHERE {where})" if where else ""
        agg = f"(percentile_disc(ARRAY[0.5, 0.500000001]) WITHIN GROUP (ORDER BY {expr}){cond})"
        return f"(({agg}[1] + {agg}[2]) / 2)"

    #: Each report statement's settings: memory for its sorts and hashes; no JIT (compiling its
    #: long expressions takes longer than running them).
    _REPORT_SETTINGS = ("SET LOCAL work_mem = '256MB'", "SET LOCAL jit = off")

    @contextmanager
    def report_reads(self, store: Store) -> Iterator[ReportReads]:
        # A REPEATABLE READ transaction whose snapshot the side statements' transactions
        # import (each on a connection of its own, in a thread: the server computes them while
        # Python reads the main rows), so that all see the same data. Where a second connection
        # cannot be made, the side statements run in the main transaction when asked for.
        conn = store.conn
        with store.translated(), conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # a standby exports no snapshot: there, everything runs on this connection
            snapshot = conn.execute("SELECT CASE WHEN pg_is_in_recovery() THEN NULL "
                                    "ELSE pg_export_snapshot() END").fetchone()[0]
            for setting in self._REPORT_SETTINGS:
                conn.execute(setting)
            ok = isinstance(snapshot, str) and re.fullmatch(r"[0-9A-Fa-f-]+", snapshot)
            reads = _PgReportReads(store, snapshot if ok else None)
            try:
                yield reads
            finally:
                reads.stop()

    def param_table(self, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
        arrays = {"text": "text[]", "integer": "integer[]", "float": "float8[]"}  # as the results tables
        marks = ", ".join(f"?::{arrays[t]}" for t in types)
        return (f"unnest({marks}) AS v({', '.join(columns)})",
                [[r[i] for r in rows] for i in range(len(columns))])

    def not_in_param(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} <> ALL(?::text[])", [list(values)]


class ReportReads:
    """The reads of one report inside :meth:`Dialect.report_reads` (one snapshot): a main
    statement streamed (:meth:`chunks`), and side statements (:meth:`start`, then
    :meth:`side_rows`) that PostgreSQL computes meanwhile on connections of their own; this
    base class (SQLite) runs them when their rows are asked for."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._side: list[Statement] = []
        self._got: dict[int, list[Any]] = {}

    def start(self, side: Sequence[Statement]) -> None:
        """Begin the ``side`` statements (``(text, params)``, ``?`` marks); those begun
        before are stopped and forgotten."""
        self.stop()
        self._side = list(side)
        self._got = {}

    def chunks(self, q: str, params: Sequence[Any], batch: int) -> Generator[list[Any], None, None]:
        """Lists of up to ``batch`` rows of statement ``q`` (errors translated)."""
        store = self.store
        with store.translated():
            cur = store.conn.execute(store.sql(q), params)
        yield from iter(lambda: store.fetch(cur, batch), [])

    def side_rows(self) -> list[list[Any]]:
        """Every row of each side statement, in :meth:`start`'s order (errors translated)."""
        return [self.rows_of(i) for i in range(len(self._side))]

    def rows_of(self, i: int) -> list[Any]:
        """Every row of side statement ``i`` (errors translated)."""
        if i not in self._got:
            self._got[i] = self._rows_of(i)
        return self._got[i]

    def _rows_of(self, i: int) -> list[Any]:
        q, params = self._side[i]
        return self.store.execute(q, params).fetchall()

    def stop(self) -> None:
        """Stop the side statements still running (nothing to stop here)."""


class _PgReportReads(ReportReads):
    """PostgreSQL's :class:`ReportReads`: ``snapshot``, the main transaction's exported
    snapshot (None: side statements in the main transaction)."""

    def __init__(self, store: Store, snapshot: str | None) -> None:
        super().__init__(store)
        self._snapshot = snapshot
        self._runs: list[_SideRun] = []

    def start(self, side: Sequence[Statement]) -> None:
        super().start(side)
        store = self.store
        self._runs = [_SideRun(store.sql(q), params) for q, params in side]
        if store.conninfo and self._snapshot:
            for run in self._runs:
                run.start(store.conninfo, self._snapshot, store.timeout, PostgresDialect._REPORT_SETTINGS)

    def chunks(self, q: str, params: Sequence[Any], batch: int) -> Generator[list[Any], None, None]:
        store = self.store
        with store.translated(), store.conn.cursor(name="wardtwin_report_rows") as cur:
            cur.execute(store.sql(q), params)
            yield from iter(lambda: store.fetch(cur, batch), [])

    def _rows_of(self, i: int) -> list[Any]:
        with self.store.translated():
            got = self._runs[i].result()
        return got if got is not None else super()._rows_of(i)

    def stop(self) -> None:
        for run in self._runs:
            run.stop()
        self._runs = []


class _SideRun:
    """One side statement of :meth:`PostgresDialect.report_reads`, run in a thread on a
    connection of its own inside the main transaction's exported snapshot."""

    def __init__(self, q: str, params: Sequence[Any]) -> None:
        self.q, self.params = q, params
        self._rows: list[Any] | None = None
        self._error: BaseException | None = None
        self._conn: Any = None
        self._stopped = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, conninfo: str, snapshot: str, timeout: float, settings: Sequence[str]) -> None:
        self._thread = threading.Thread(target=self._run, args=(conninfo, snapshot, timeout, settings),
                                        name="wardtwin-report-side", daemon=True)
        self._thread.start()

    def _run(self, conninfo: str, snapshot: str, timeout: float, settings: Sequence[str]) -> None:
        import psycopg

        try:
            conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=max(1, int(timeout)))
        except psycopg.Error:
            return  # no second connection: the statement runs in the main transaction instead
        try:
            with self._lock:
                if self._stopped:
                    return
                self._conn = conn
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                conn.execute(f"SET LOCAL lock_timeout = {int(timeout * 1000)}")
                for setting in settings:
                    conn.execute(setting)
                if not self._stopped:
                    self._rows = conn.execute(self.q, self.params).fetchall()
        except BaseException as exc:  # re-raised (and translated) by the reading thread
            self._error = exc
        finally:
            with self._lock:
                self._conn = None
            conn.close()

    def result(self) -> list[Any] | None:
        """The statement's rows (None: not run, no second connection); its error re-raised."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._rows

    def stop(self) -> None:
        """Cancel the statement if it still runs (the report stopped early) and wait for the thread."""
        with self._lock:
            self._stopped = True
        while self._thread is not None and self._thread.is_alive():
            with self._lock:  # again until it ends: a cancel that comes before the statement starts is lost
                if self._conn is not None:
                    self._conn.cancel()
            self._thread.join(0.05)


class _Median:
    """SQLite aggregate ``wardtwin_median(x)``: ``statistics.median`` of the non-null values."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: Any) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> Any:
        from statistics import median

        return median(self.values) if self.values else None


SQLITE: Dialect = SqliteDialect()
POSTGRESQL: Dialect = PostgresDialect()


def dialect_of(url: str | os.PathLike[str]) -> tuple[Dialect, str, bool]:
    """``(dialect, target, read_only)`` of a store URL: :data:`SQLITE` (target a path) or
    :data:`POSTGRESQL` (target the URL).

    ``sqlite:///abs/path.db`` (as in ``file://`` URLs), ``sqlite:rel/path.db`` or a plain path;
    ``?mode=ro`` opens a SQLite file read-only. ``postgresql://`` / ``postgres://`` URLs go to
    psycopg unchanged.
    """
    text = os.fspath(url)
    if re.match(r"^postgres(ql)?://", text):
        return POSTGRESQL, text, False
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I) and not text.startswith("sqlite:"):
        raise UsageError(f"{text}: unsupported database URL; use a file path, sqlite:///path or postgresql://...")
    read_only = False
    if text.startswith("sqlite:"):
        rest = text[len("sqlite:"):]
        if rest.startswith("//"):
            rest = rest[2:]
        rest, _, query = rest.partition("?")
        read_only = "mode=ro" in query.split("&")
        text = rest
    if not text:
        raise UsageError("empty database path")
    return SQLITE, text, read_only


def _shown(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _readonly_uri(p: Path) -> tuple[str, bool]:
    """``(URI, immutable)`` to open ``p`` read-only without making files beside it. With a
    ``-wal`` file there (a writer is at work, or left committed pages in it) SQLite reads it and
    its ``-shm`` as they are (``mode=ro``); without one, ``mode=ro`` alone would create both, so
    the file is opened ``immutable`` (no locks, no files: it also works in a read-only folder)
    and :meth:`Store.stale` tells whether a writer changed it meanwhile."""
    immutable = not p.with_name(p.name + "-wal").exists()
    return f"file:{quote(p.resolve().as_posix())}?mode=ro" + ("&immutable=1" if immutable else ""), immutable


def _check_db_path(p: Path, shown: str, *, create: bool) -> None:
    """Refuse a database path that cannot be a store: missing (unless ``create``), a folder, a
    device, a named pipe (SQLite would block on one), or an empty file (unless ``create``)."""
    import stat

    if str(p) == ":memory:":
        return
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise StoreUnavailableError(f"{shown}: cannot use the database path ({exc.strerror})") from None
    if st is None:
        if not create:
            raise StoreUnavailableError(f"{shown}: no such database file; check the path (sessions are written "
                                        "there by stations, or copied by `wardtwin sync`)")
        if not p.parent.exists():
            raise StoreUnavailableError(f"{shown}: folder {p.parent} does not exist; create it first")
        return
    if stat.S_ISDIR(st.st_mode):
        raise StoreUnavailableError(f"{shown}: is a folder; give a database file path")
    if not stat.S_ISREG(st.st_mode):
        raise StoreUnavailableError(f"{shown}: is not a regular file (a device, named pipe or socket); give a "
                                    "database file path")
    if st.st_size == 0 and not create:
        raise NotAStoreError(f"{shown}: not a wardtwin session store (it is an empty file); nothing was changed. "
                             "Give the path of a wardtwin store (stations and `wardtwin sync --to` create them)")


def _set_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """WAL mode; the switch needs a moment without other writers, so retry while busy."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"cannot switch to WAL mode (journal_mode is {mode})")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
