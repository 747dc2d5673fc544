"""Stage 7: trainer reports from the session store (no Panda3D).

``wardtwin report --db URL [--ward W] [--since DATE] --format csv|html|xapi -o OUT``:

- ``html``: OUT is one self-contained HTML file (inline CSS and SVG, no script) with the cohort
  summary and charts, per-step table and the roster (``-``: standard output);
- ``csv``: OUT is a folder holding :data:`~wardtwin.reports.csvout.CSV_FILES` (roster.csv,
  sessions.csv, step_results.csv, steps.csv, cohort.csv), formula-like text neutralised;
  ``excel``: each file starts with a UTF-8 byte order mark;
- ``xapi``: OUT is a JSON file holding an array of xAPI 1.0.3 statements, one compact
  statement per line (:mod:`wardtwin.reports.xapi`), gzipped when OUT ends in ``.gz``
  (``-``: standard output, not gzipped); optionally also sent to an LRS first: the file is
  written only when every statement was stored (or was there already), so a failed post or a
  conflict leaves no statements file (exit 2; the statements already sent are stable, so sending
  again adds no duplicates). ``activity_base``/``account_home``: see :mod:`wardtwin.reports.xapi`.

OUT is checked before the store is read: only a new path or a regular file (a folder for
``csv``) is written (:mod:`wardtwin.exchange.files`).

``pseudonymise`` replaces trainee ids by keyed-hash pseudonyms (:mod:`wardtwin.reports.pseudonym`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Protocol

from wardtwin.errors import UsageError

if TYPE_CHECKING:
    from wardtwin.reports.aggregate import Due, Row, _VersionFacts
    from wardtwin.reports.html import ReportSource
    from wardtwin.reports.pseudonym import Pseudonymiser
    from wardtwin.reports.summary import SessionSummary
    from wardtwin.reports.xapi import Identity
    from wardtwin.store.db import Store
    from wardtwin.store.versions import VersionRegistry

    class Tables(ReportSource, Protocol):
        """The tables of the html report: :class:`~wardtwin.reports.aggregate.ReportTables`
        (from session summaries) or :class:`~wardtwin.reports.sqlagg.SqlTables` (from SQL)."""

        @property
        def versions(self) -> Sequence[_VersionFacts] | None: ...

        def roster(self, due: Due | None = None) -> list[Row]: ...

        def cohort(self) -> list[Row]: ...

        def steps(self) -> list[Row]: ...

FORMATS = ("csv", "html", "xapi")


@dataclass(frozen=True)
class ReportWritten:
    """What :func:`build_report` wrote: ``sessions`` reported, the ``format`` and where (``out``);
    csv: the ``files`` written; html: the ``trainees`` in the roster; xapi: the ``statements``,
    the file's ``bytes`` and, when sent to an LRS, its counts (``lrs``: sent, already, conflicts,
    voided, retries)."""

    sessions: int
    format: str
    out: str
    files: tuple[str, ...] = ()
    trainees: int | None = None
    statements: int | None = None
    bytes: int | None = None
    lrs: dict[str, int] | None = None


def parse_since(text: str | None) -> str | None:
    """``YYYY-MM-DD`` or an ISO 8601 time -> the store's UTC text form (for ``started_at >=``)."""
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {text!r}: a date YYYY-MM-DD or an ISO 8601 time expected") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_report(db: str | os.PathLike[str], fmt: str, out: str | os.PathLike[str], *,
                 ward: str | None = None, since: str | None = None, pseudonymise: bool = False,
                 key_file: str | os.PathLike[str] | None = None, lrs: str | None = None,
                 lrs_auth: str | None = None, pass_mark: float | None = None,
                 sessions: list[SessionSummary] | None = None, excel: bool = False, activity_base: str | None = None,
                 account_home: str | None = None) -> ReportWritten:
    """Write one report; returns what was written (and sent)."""
    from wardtwin.gcpause import paused_gc

    if fmt not in FORMATS:
        raise UsageError(f"report format {fmt!r}: one of {', '.join(FORMATS)}")
    pseudonym = None
    if pseudonymise:
        from wardtwin.reports.pseudonym import Pseudonymiser, load_key
        pseudonym = Pseudonymiser(load_key(key_file))
    since_iso = parse_since(since)
    if excel and fmt != "csv":
        raise UsageError(f"--excel is for --format csv, not {fmt}")
    identity = None
    if fmt == "xapi":
        from wardtwin.reports.xapi import check_endpoint, identity_from
        identity = identity_from(activity_base, account_home)
        if lrs:
            check_endpoint(lrs)
    else:
        for option, value in (("--lrs", lrs), ("--activity-base", activity_base), ("--account-home", account_home)):
            if value:
                raise UsageError(f"{option} is for --format xapi (statements), not {fmt}")
    _check_out(fmt, out)
    with paused_gc():
        return _build(db, fmt, out, ward=ward, since=since, since_iso=since_iso, pseudonym=pseudonym, lrs=lrs,
                      lrs_auth=lrs_auth, pass_mark=pass_mark, sessions=sessions, excel=excel, identity=identity)


def _check_out(fmt: str, out: str | os.PathLike[str]) -> None:
    """Refuse an output path the format cannot be written to, before any work is done."""
    from wardtwin.exchange.files import check_output_dir, check_output_path, is_stdout

    if fmt == "csv":
        if is_stdout(out):
            raise UsageError("csv writes a folder of files, not standard output: give a folder with -o")
        check_output_dir(out)
    elif not is_stdout(out):
        check_output_path(out)


def _build(db: str | os.PathLike[str], fmt: str, out: str | os.PathLike[str], *, ward: str | None,
           since: str | None, since_iso: str | None, pseudonym: Pseudonymiser | None, lrs: str | None,
           lrs_auth: str | None, pass_mark: float | None, sessions: list[SessionSummary] | None, excel: bool = False,
           identity: Identity | None = None) -> ReportWritten:
    from wardtwin.exchange.files import write_output

    if fmt == "xapi":
        from wardtwin.reports.summary import load_summaries
        from wardtwin.reports.xapi import encode_file, post_statements, statements

        if sessions is None:
            from wardtwin.store.db import read_store
            sessions = read_store(db, lambda store: load_summaries(store, ward=ward, since=since_iso))
        stmts = statements(sessions, pseudonym=pseudonym, pass_mark=pass_mark, identity=identity)
        data = encode_file(stmts, gz=os.fspath(out).endswith(".gz"))
        counts = None
        if lrs:  # first: a failed post or a conflict leaves no statements file
            counts = post_statements(stmts, lrs, auth=lrs_auth or os.environ.get("WARDTWIN_LRS_AUTH"))
        write_output(out, data)
        return ReportWritten(len(sessions), fmt, os.fspath(out), statements=len(stmts), bytes=len(data), lrs=counts)
    if sessions is not None:
        return _tables(sessions, None, fmt, out, pseudonym=pseudonym, excel=excel, ward=ward, since=since)
    from wardtwin.reports.summary import iter_summaries
    from wardtwin.store.db import read_store
    from wardtwin.store.versions import version_registry

    def read(store: Store) -> ReportWritten:
        registry = version_registry(store, ward)
        if fmt == "html" and SQL_TABLES:
            from wardtwin.reports.sqlagg import SqlTables, sql_tables

            made: list[tuple[list[Row], str]] = []  # while the server aggregates the steps and items

            def meanwhile(t: SqlTables) -> None:
                from wardtwin.reports.html import roster_table

                roster = t.roster(_due(t, registry))
                made.append((roster, roster_table(roster)))
                t.cohort()  # kept

            tables = sql_tables(store, ward=ward, since=since_iso, pseudonym=pseudonym, while_waiting=meanwhile)
            if tables is not None:
                return _html(tables, registry, out, ward=ward, since=since, roster=made[0] if made else None)
        return _tables(iter_summaries(store, ward=ward, since=since_iso), registry, fmt, out,
                       pseudonym=pseudonym, excel=excel, ward=ward, since=since)

    written: ReportWritten = read_store(db, read)
    return written


#: The html report's tables come from SQL statements over the typed results the store keeps
#: (:mod:`wardtwin.reports.sqlagg`; faster than summarising every session, on both backends);
#: where it cannot answer (see there), and when False, from every session's summary (:func:`_tables`).
SQL_TABLES = True


#: The CSV files' columns (:data:`~wardtwin.reports.csvout.CSV_FILES`).
def csv_columns() -> dict[str, tuple[str, ...]]:
    from wardtwin.reports import aggregate as a
    from wardtwin.reports import items as i

    return {"roster.csv": a.ROSTER_COLUMNS, "sessions.csv": a.SESSION_COLUMNS,
            "step_results.csv": a.STEP_RESULT_COLUMNS, "steps.csv": a.STEP_COLUMNS, "cohort.csv": a.COHORT_COLUMNS,
            "items.csv": i.ITEM_COLUMNS, "item_attempts.csv": i.CURVE_COLUMNS,
            "items_never_found.csv": i.NEVER_FOUND_COLUMNS}


def _tables(sessions: Iterable[SessionSummary], registry: VersionRegistry | None, fmt: str,
            out: str | os.PathLike[str], *, pseudonym: Pseudonymiser | None, excel: bool, ward: str | None,
            since: str | None) -> ReportWritten:
    """The csv or html report of ``sessions`` (an iterator, in start order), streamed: each
    session goes into the running tables (:class:`~wardtwin.reports.aggregate.ReportTables`)
    and, for csv, its rows straight into sessions.csv and step_results.csv; nothing is written
    unless every session was read (a damaged row: no file)."""
    from wardtwin.reports import aggregate

    tables = aggregate.ReportTables(pseudonym, keep_versions=True)
    if fmt == "csv":
        from wardtwin.reports.csvout import CsvFolder

        with CsvFolder(out, csv_columns(), excel=excel) as folder:
            batch: list[SessionSummary] = []
            for s in sessions:
                tables.add(s)
                batch.append(s)
                if len(batch) >= 200:
                    folder.write("sessions.csv", aggregate.session_rows(batch, pseudonym))
                    folder.write("step_results.csv", aggregate.step_result_rows(batch, pseudonym))
                    batch = []
            folder.write("sessions.csv", aggregate.session_rows(batch, pseudonym))
            folder.write("step_results.csv", aggregate.step_result_rows(batch, pseudonym))
            roster = tables.roster(_due(tables, registry))
            folder.write("roster.csv", roster)
            folder.write("steps.csv", tables.steps())
            folder.write("cohort.csv", tables.cohort())
            folder.write("items.csv", tables.items.items())
            folder.write("item_attempts.csv", tables.items.curve())
            folder.write("items_never_found.csv", tables.items.never_found())
            files = folder.commit()
        return ReportWritten(tables.n_sessions, fmt, os.fspath(out), files=tuple(f.name for f in files))
    for s in sessions:
        tables.add(s)
    return _html(tables, registry, out, ward=ward, since=since)


def _html(tables: Tables, registry: VersionRegistry | None, out: str | os.PathLike[str], *, ward: str | None,
          since: str | None, roster: tuple[list[Row], str] | None = None) -> ReportWritten:
    """The html report of ``tables`` (a :class:`~wardtwin.reports.aggregate.ReportTables` or
    :class:`~wardtwin.reports.sqlagg.SqlTables`; ``roster``: its roster with the refresher
    column and the roster's HTML table, when already made)."""
    from wardtwin.exchange.files import write_output
    from wardtwin.reports.html import render

    rows, roster_html = roster if roster is not None else (tables.roster(_due(tables, registry)), None)
    filters = " · ".join(x for x in (f"ward {ward}" if ward else "all wards",
                                      f"since {since}" if since else "") if x)
    html = render(tables, rows, tables.cohort(), tables.steps(), title="wardtwin orientation report",
                  generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), filters=filters,
                  roster_html=roster_html)
    write_output(out, html.encode("utf-8"))
    return ReportWritten(tables.n_sessions, "html", os.fspath(out), trainees=len(rows))


def _due(tables: Tables, registry: VersionRegistry | None) -> Due | None:
    """``(trainee, ward) -> DueRow`` for the roster's refresher column (None without a registry)."""
    if registry is None:
        return None
    from wardtwin.versions.due import due_rows

    return {(r.trainee, r.ward): r for r in due_rows(tables.versions or [], registry, ordered=False)}
