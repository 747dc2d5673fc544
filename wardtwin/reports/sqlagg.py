"""The report's tables aggregated in SQL (issue 19 point 10): the same roster, cohort, per-step
and per-item tables as :class:`~wardtwin.reports.aggregate.ReportTables` fed with every
session's summary, from ONE statement over the typed results the store keeps beside the events
(``session_results`` and ``step_results``, :mod:`wardtwin.store.results`: what the Python fold
makes of each session, written with its events), so no event and no JSON is read: it groups the
step rows (GROUP BY; window functions number the attempts and find the medians) and only one
compact row per session and the small aggregate rows reach Python. The same statement runs on
SQLite and PostgreSQL (the few functions that differ come from the store's dialect); sessions
are keyed by their number in start order (``sn``), and text is sorted bytewise.

Sessions whose stored results are not current (a station still writing, a store written
before the results existed, rows changed by hand: :func:`~wardtwin.store.results.stale_sessions`)
are summarised here from their events, and their rows passed into the statement as parameters
in place of the stored ones. The Python path builds the report instead (:func:`sql_tables`
returns None) when one of those sessions' events cannot be summarised (damage, which that path
reports), when there are more than :data:`STALE_LIMIT` of them, when events are still only in
station journals, and for a store whose schema predates the results (read as it is).

Measured with ``tools/bench_store.py --pg`` (100,000 trainees, 2.78 million events): see the
README's paragraph on the store's typed results.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Sequence

from wardtwin.reports.aggregate import Due, Row, _cohort_rows, _Group, _r, _VersionFacts
from wardtwin.reports.items import CURVE_ATTEMPTS, _change

if TYPE_CHECKING:
    from wardtwin.store.db import Store
    from wardtwin.store.dialect import Dialect

#: Sessions without current results that the SQL path summarises itself; more: the Python path.
STALE_LIMIT = 2000


def _aggregates(d: Dialect) -> tuple[dict[str, str], list[str]]:
    """Parts 1-4 (see :func:`build_statement`): per-step and per-item tables. Groups are keyed by
    small integers numbered in ``s`` (``wt``: ward and tour, ``wk``: ward, ``tk``: trainee), so
    the sorts and hashes of the million step rows compare numbers and the rows stay narrow; the
    names are looked up at the end (``wn``, ``tn``); text keys are compared bytewise."""
    reached = "status <> 'not_reached'"
    # names of the integer keys (one row per ward and tour, per trainee)
    wn = "SELECT wt, MIN(wk) AS wk, MIN(ward) AS ward, MIN(tour) AS tour FROM s GROUP BY wt"
    tn = "SELECT tk, MIN(trainee) AS trainee FROM s GROUP BY tk"
    wkn = "(SELECT wk, MIN(ward) AS ward FROM wn GROUP BY wk)"
    # part 1: per tour step (reached steps; durations of ended steps, as the fold's: the median
    # and the kinds ignore NULLs). One grouping: counts, means, median and kinds in one pass over
    # the step rows; the first target (by session order) is read back by its session
    sk = "wt, step, step_id"
    on = "{0}.wt = g.wt AND {0}.step = g.step AND {0}.step_id = g.step_id"
    p1 = (f"SELECT 1 AS part, n.ward AS a1, n.tour AS a2, g.step_id AS a3, t.target AS a4, "
          f"NULL AS a5, NULL AS a6, NULL AS a7, NULL AS a8, NULL AS a9, NULL AS a10, "
          f"g.n AS i1, g.passed AS i2, g.failed AS i3, g.skipped AS i4, g.hinted AS i5, g.hints AS i6, "
          f"g.revealed AS i7, g.step AS i8, g.med AS f1, g.spl AS f2, g.soft AS f3, NULL AS f4, "
          f"g.kinds AS x1, NULL AS x2, NULL AS x3, 0 AS o "
          f"FROM (SELECT {sk}, COUNT(*) AS n, "
          f"SUM(CASE WHEN status = 'passed' THEN 1 ELSE 0 END) AS passed, "
          f"SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed, "
          f"SUM(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END) AS skipped, "
          f"SUM(CASE WHEN hints > 0 THEN 1 ELSE 0 END) AS hinted, SUM(hints) AS hints, "
          f"SUM(CASE WHEN revealed > 0 THEN 1 ELSE 0 END) AS revealed, AVG(spl) AS spl, AVG(soft) AS soft, "
          f"MIN(CASE WHEN target IS NOT NULL AND target <> '' THEN session END) AS first, "
          f"{d.median('dur')} AS med, {d.json_agg('kind', distinct=True)} AS kinds "
          f"FROM st WHERE {reached} GROUP BY {sk}) g JOIN wn n ON n.wt = g.wt "
          f"LEFT JOIN st t ON {on.format('t')} AND t.session = g.first")
    # items: find attempts numbered per trainee and item, in session order then step order
    att = (f"SELECT tk, wk, wt, target AS item, CASE WHEN status = 'passed' THEN 1 ELSE 0 END AS found, "
           f"dur, spl, soft, ROW_NUMBER() OVER (PARTITION BY tk, wk, target ORDER BY session, step) AS n "
           f"FROM st WHERE {reached} AND kind = 'find' AND target IS NOT NULL AND target <> ''")
    bucket = "CASE WHEN n >= 4 THEN '4+' ELSE CAST(n AS TEXT) END"
    stats = (f"COUNT(*) AS n, SUM(found) AS found, {d.median('CASE WHEN found = 1 THEN dur END')} AS med, "
             f"AVG(spl) AS spl, AVG(soft) AS soft")
    row2 = ("SELECT 2, {ward}, {item}, g.grp, NULL, NULL, NULL, NULL, NULL, NULL, NULL, g.n, g.found, NULL, NULL, "
            "NULL, NULL, NULL, NULL, g.med, g.spl, g.soft, NULL, NULL, NULL, NULL, 0 FROM ({q}) g")
    # the first attempts are attempt group '1' (SqlTables reads them from it): no pass of their own
    p2 = [row2.format(ward="w.ward", item="g.item", q=f"SELECT wk, item, {grp} AS grp, {stats} FROM att{where} "
                      f"GROUP BY {by}") + f" JOIN {wkn} w ON w.wk = g.wk"
          for grp, where, by in (("'all'", "", "wk, item"), ("'repeat'", " WHERE n > 1", "wk, item"),
                                 (bucket, "", f"wk, item, {bucket}"))]
    p2.append(row2.format(ward="''", item="''", q=f"SELECT {bucket} AS grp, {stats} FROM att GROUP BY {bucket}"))
    who = "SELECT tk, wk, item, MAX(found) AS found FROM att GROUP BY tk, wk, item"
    p3 = (f"SELECT 3, w.ward, i.item, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
          f"c.trainees, c.never, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, i.tours, NULL, NULL, 0 "
          f"FROM (SELECT q.wk, q.item, {d.json_agg('n.tour', distinct=True)} AS tours "
          f"FROM (SELECT DISTINCT wk, item, wt FROM att) q JOIN wn n ON n.wt = q.wt GROUP BY q.wk, q.item) i "
          f"JOIN (SELECT wk, item, COUNT(*) AS trainees, SUM(1 - found) AS never FROM who GROUP BY wk, item) c "
          f"ON c.wk = i.wk AND c.item = i.item JOIN {wkn} w ON w.wk = i.wk")
    p4 = (f"SELECT 4, t.trainee, w.ward, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
          f"g.n, g.found, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, g.missed, NULL, NULL, 0 "
          f"FROM (SELECT tk, wk, COUNT(*) AS n, SUM(found) AS found, "
          f"CASE WHEN SUM(found) < COUNT(*) THEN {d.json_agg('CASE WHEN found = 0 THEN item END')} END AS missed "
          f"FROM who GROUP BY tk, wk) g JOIN tn t ON t.tk = g.tk JOIN {wkn} w ON w.wk = g.wk")
    return {"wn": wn, "tn": tn, "att": att, "who": who}, [p1, *p2, p3, p4]


def _results(d: Dialect, stale: Sequence[tuple[Any, ...]], table: str, columns: Sequence[str],
             types: Sequence[str], exclude: str) -> tuple[str, list[Any]]:
    """SQL (a subquery) of the rows of results ``table``: the stored ones, but for the stale
    sessions (``exclude``: the condition leaving theirs out, or empty) whose rows ``stale``
    are passed as parameters instead."""
    cols = ", ".join(columns)
    if not exclude:
        return f"SELECT {cols} FROM {table}", []
    values, params = d.param_table(columns, types, stale)
    return f"SELECT {cols} FROM {table} WHERE {exclude} UNION ALL SELECT {cols} FROM {values}", params


def build_statement(d: Dialect, where: str, stale_ids: Sequence[str] = (),
                    stale_sessions: Sequence[tuple[Any, ...]] = (),
                    stale_steps: Sequence[tuple[Any, ...]] = ()) -> tuple[str, list[Any]]:
    """``(statement, parameters)``: the parameters that follow those of the sessions' filter
    (``where``: on the sessions table, ``?`` marks; its parameters come first). ``stale_*``: the sessions whose stored
    results are not used, and their rows (:func:`~wardtwin.store.results.result_rows`). Rows:
    ``(part, a1..a10 text, i1..i8 integer, f1..f4 double, x1 JSON, x2..x3 text, o)``, ordered by
    part and ``o``: part 0 one per session in start order (:meth:`SqlTables.add_session`), 1 per
    tour step (:meth:`SqlTables.add_step`), 2 per item and attempt group (all, first, repeat, 1,
    2, 3, 4+; ward and item empty: all items pooled), 3 per item (tours, trainees, trainees who
    never found it), 4 per trainee and ward (items tried, found, never found)."""
    from wardtwin.store.results import (
        SESSION_RESULT_COLUMNS, SESSION_RESULT_TYPES, STEP_RESULT_COLUMNS, STEP_RESULT_TYPES,
    )

    c = d.collate_bytes
    excl: list[Any] = []
    exclude = ""
    if stale_ids:
        exclude, excl = d.not_in_param("session", list(stale_ids))
    sr, p1 = _results(d, stale_sessions, "session_results", SESSION_RESULT_COLUMNS, SESSION_RESULT_TYPES, exclude)
    tr, p2 = _results(d, stale_steps, "step_results", STEP_RESULT_COLUMNS, STEP_RESULT_TYPES, exclude)
    params = [*excl, *p2, *excl, *p1]  # in the text's order: ``st`` (after ``s``), then part 0
    cond = f" WHERE {where}" if where else ""
    s = (f"SELECT id, trainee, role, station, ward, tour, layout_hash, tour_version, started_at, "
         f"ROW_NUMBER() OVER (ORDER BY started_at{c}, id{c}) AS sn, DENSE_RANK() OVER (ORDER BY ward{c}, tour{c}) AS wt, "
         f"DENSE_RANK() OVER (ORDER BY ward{c}) AS wk, DENSE_RANK() OVER (ORDER BY trainee{c}) AS tk "
         f"FROM sessions{cond}")
    st = (f"SELECT s.sn AS session, s.wt, s.wk, s.tk, t.step, t.status, t.step_id{c} AS step_id, t.kind, "
          f"t.target{c} AS target, "
          f"t.duration_s AS dur, t.hints, t.revealed, t.spl, t.soft_spl AS soft "
          f"FROM ({tr}) t JOIN s ON s.id = t.session")
    part0 = (f"SELECT 0 AS part, s.id AS a1, s.trainee AS a2, s.role AS a3, s.station AS a4, s.ward AS a5, "
             f"s.tour AS a6, s.layout_hash AS a7, s.tour_version AS a8, s.started_at AS a9, r.outcome AS a10, "
             f"r.steps_total AS i1, r.steps_passed AS i2, r.fms_max AS i3, r.any_symptom AS i4, "
             f"CASE WHEN r.session IS NULL THEN 0 ELSE 1 END AS i5, NULL AS i6, NULL AS i7, NULL AS i8, "
             f"r.duration_s AS f1, r.ssq_pre_total AS f2, r.ssq_post_total AS f3, NULL AS f4, NULL AS x1, "
             f"r.steps_missed AS x2, NULL AS x3, s.sn AS o FROM s LEFT JOIN ({sr}) r ON r.session = s.id")
    more, parts = _aggregates(d)
    ctes = {"s": s, "st": st, **more}
    # computed once, read several times (both backends would otherwise inline them)
    mat = {"s", "st", "wn", "att", "who"}
    with_ = ", ".join(f"{name} AS{' MATERIALIZED' if name in mat else ''} ({q})" for name, q in ctes.items())
    body = " UNION ALL ".join([part0, *parts])
    return f"WITH {with_} SELECT * FROM ({body}) u ORDER BY part, o", params


class _Session:
    """What the cohort table reads of a session (the attributes of a
    :class:`~wardtwin.reports.summary.SessionSummary` that :class:`_Group` uses)."""

    __slots__ = ("trainee", "completed", "duration_s", "score", "ssq_pre", "ssq_post", "any_symptom", "fms_max",
                 "outcome")

    trainee: str
    completed: bool
    duration_s: float
    score: float
    ssq_pre: dict[str, float] | None
    ssq_post: dict[str, Any] | None
    any_symptom: bool | None
    fms_max: int | None
    outcome: str


#: One attempt group of an item: (attempts, found, median time to find s, SPL mean, SoftSPL mean).
_Stats = tuple[int, int, float | None, float | None, float | None]


class _Bad(Exception):
    """A row the SQL path leaves to the Python fold."""


class SqlItems:
    """The per-item tables (:class:`~wardtwin.reports.items.ItemEvidence`'s methods) from parts 2-4."""

    def __init__(self, pseudonym: Callable[[str], str] | None) -> None:
        self._p = pseudonym
        # (ward, item) -> grp -> (attempts, found, median, spl, soft)
        self.groups: dict[tuple[str, str], dict[str, _Stats]] = {}
        self.pooled: dict[str, _Stats] = {}
        self.meta: dict[tuple[str, str], tuple[str, int, int]] = {}  # (ward, item) -> (tours, trainees, never)
        self.never: list[tuple[str, str, int, int, list[str]]] = []  # (trainee, ward, tried, found, missed)

    @staticmethod
    def _rate(g: _Stats | None) -> float | None:
        return g[1] / g[0] if g and g[0] else None

    def items(self) -> list[Row]:
        rows: list[Row] = []
        for key in sorted(self.groups):
            g = self.groups[key]
            a, f, r = g["all"], g.get("first"), g.get("repeat")  # (every item has its "all" group)
            tours, trainees, never = self.meta.get(key, ("", 0, 0))
            fr, rr = self._rate(f), self._rate(r)
            fm, rm = (f[2] if f else None), (r[2] if r else None)
            fs, rs = (f[3] if f else None), (r[3] if r else None)
            rows.append({
                "ward": key[0], "item": key[1], "tours": tours, "trainees": trainees, "attempts": a[0],
                "found": a[1], "found_rate": _r(self._rate(a)), "median_time_s": _r(a[2], 1),
                "spl_mean": _r(a[3]), "soft_spl_mean": _r(a[4]),
                "first_attempts": f[0] if f else 0, "first_found_rate": _r(fr), "first_median_time_s": _r(fm, 1),
                "first_spl_mean": _r(fs), "repeat_attempts": r[0] if r else 0, "repeat_found_rate": _r(rr),
                "repeat_median_time_s": _r(rm, 1), "repeat_spl_mean": _r(rs),
                "found_rate_change": _change(fr, rr), "median_time_change_s": _change(fm, rm, 1),
                "spl_change": _change(fs, rs), "trainees_never_found": never,
            })
        return rows

    def curve(self) -> list[Row]:
        rows: list[Row] = []
        for key in sorted(self.groups):
            g = self.groups[key]
            for a in CURVE_ATTEMPTS:
                st = g.get(a)
                if st and st[0]:
                    rows.append({"ward": key[0], "item": key[1], "attempt": a, "attempts": st[0], "found": st[1],
                                 "found_rate": _r(self._rate(st)), "median_time_s": _r(st[2], 1),
                                 "spl_mean": _r(st[3])})
        return rows

    def pooled_curve(self) -> list[Row]:
        return [{"ward": "", "item": "", "attempt": a, "attempts": st[0], "found": st[1],
                 "found_rate": _r(self._rate(st)), "median_time_s": _r(st[2], 1), "spl_mean": _r(st[3])}
                for a in CURVE_ATTEMPTS if (st := self.pooled.get(a)) and st[0]]

    def never_found(self) -> list[Row]:
        p = self._p
        rows = [{"trainee": p(t) if p else t, "ward": w, "items_tried": tried, "items_found": found,
                 "never_found": len(missed), "items_never_found": " ".join(sorted(missed))}
                for t, w, tried, found, missed in self.never]
        rows.sort(key=lambda r: (r["trainee"], r["ward"]))
        return rows


class SqlTables:
    """:class:`~wardtwin.reports.aggregate.ReportTables`' tables (roster, cohort, steps, items,
    SSQ totals, version facts) from the rows of :func:`build_statement`."""

    def __init__(self, pseudonym: Callable[[str], str] | None = None) -> None:
        self.pseudonym = pseudonym
        self.versions: list[_VersionFacts] = []
        self.n_sessions = 0
        self._best: dict[str, list[Any]] = {}  # trainee -> [latest, latest completed, attempts] (session rows)
        self._all = _Group()
        self._by: dict[str, dict[str, _Group]] = {"role": {}, "station": {}}
        self._steps: list[Row] = []
        self.items = SqlItems(pseudonym)
        self.ssq_pre: list[float] = []
        self.ssq_post: list[float] = []

    def roster(self, due: Due | None = None) -> list[Row]:
        rows: list[Row] = []
        p = self.pseudonym
        get = due.get if due else None
        for trainee, (latest, done, attempts) in self._best.items():
            r = done or latest
            (sid, _, role, station, ward, tour, layout_hash, _, started_at, outcome, total, passed, missed,
             duration, post, fms_max) = r
            completed = outcome == "completed"
            d = get((trainee, ward)) if get else None
            rows.append({
                "trainee": p(trainee) if p else trainee, "role": role or "", "station": station, "ward": ward,
                "tour": tour, "completed": completed, "outcome": outcome, "started_at": started_at,
                "ended_at": _ended_at(started_at, duration), "duration_s": _r(duration, 1),
                "score": _r(passed / total if total else 0.0, 3), "steps_passed": passed, "steps_total": total,
                "steps_missed": missed, "attempts": attempts,
                "ssq_post_total": post["total"] if post else None, "fms_max": fms_max, "session": sid,
                "ward_version": layout_hash if completed else "",
                "refresher": d.status.value if d else "",
            })
        rows.sort(key=itemgetter("trainee"))
        return rows

    def cohort(self) -> list[Row]:
        return _cohort_rows(self._all, self._by)

    def steps(self) -> list[Row]:
        return sorted(self._steps, key=lambda r: (r["ward"], r["tour"], r["step"], r["step_id"]))

    # -- reading the rows ---------------------------------------------------------------------
    def add_session(self, row: Sequence[Any]) -> None:
        """One part-0 row (raises :class:`_Bad` for a row left to the Python path)."""
        from wardtwin.store.db import is_time

        (_, sid, trainee, role, station, ward, tour, layout_hash, tour_version, started_at, outcome,
         total, passed, fms_max, any_symptom, has_results, _, _, _, duration, pre_total, post_total, _, _,
         missed, _, _) = row
        if not has_results or not is_time(started_at):
            raise _Bad(sid)  # results written after this statement's look for stale ones; or damage
        if not (type(sid) is str and type(trainee) is str and type(station) is str and type(ward) is str
                and type(tour) is str and type(layout_hash) is str and type(tour_version) is str
                and (role is None or type(role) is str)):
            raise _Bad(sid)
        pre = None if pre_total is None else {"total": float(pre_total)}
        post: dict[str, Any] | None = (None if post_total is None else
                                       {"total": float(post_total), "any_symptom": bool(any_symptom)})
        duration = float(duration)
        s = _Session()
        s.trainee, s.outcome, s.duration_s = trainee, outcome, duration
        s.completed = outcome == "completed"
        s.score = passed / total if total else 0.0
        s.ssq_pre, s.ssq_post = pre, post
        s.any_symptom = None if post is None else post["any_symptom"]
        s.fms_max = fms_max
        self.n_sessions += 1
        self.versions.append(_VersionFacts(trainee, ward, layout_hash, tour_version, s.completed, started_at, sid))
        facts = (sid, trainee, role, station, ward, tour, layout_hash, tour_version, started_at, outcome, total,
                 passed, missed, duration, post, fms_max)
        b = self._best.get(trainee)
        if b is None:
            b = self._best[trainee] = [None, None, 0]
        b[0] = facts
        if s.completed:
            b[1] = facts
        b[2] += 1
        self._all.add(s)
        roles, stations = self._by["role"], self._by["station"]
        g = roles.get(role or "unknown")
        if g is None:
            g = roles[role or "unknown"] = _Group()
        g.add(s)
        g = stations.get(station)
        if g is None:
            g = stations[station] = _Group()
        g.add(s)
        if pre:
            self.ssq_pre.append(pre["total"])
        if post:
            self.ssq_post.append(post["total"])

    def add_step(self, row: Sequence[Any]) -> None:
        (_, ward, tour, step_id, target, _, _, _, _, _, _, n, passed, failed, skipped, hinted, hints, revealed, step,
         med, spl, soft, _, kinds, _, _, _) = row
        ks = sorted({k for k in _json(kinds) if k}) if kinds else []
        self._steps.append({
            "ward": ward, "tour": tour, "step": step, "step_id": step_id, "kind": "/".join(ks),
            "target": target or "", "attempts": n, "passed": passed, "failed": failed, "skipped": skipped,
            "success_rate": _r(passed / n), "median_duration_s": _r(med, 1),
            "hint_rate": _r(hinted / n), "mean_hints": _r(int(hints) / n), "reveal_rate": _r(revealed / n),
            "spl_mean": _r(spl), "soft_spl_mean": _r(soft),
        })


def _json(value: Any) -> Any:
    """A JSON aggregate's value: text (SQLite) or already decoded (psycopg decodes json)."""
    return json.loads(value) if isinstance(value, str) else value


def _ended_at(started_at: str, duration: float) -> str:
    try:
        t0 = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    except ValueError:
        return ""
    t = t0 + timedelta(seconds=duration)
    if t.year < 1000:  # strftime's %Y does not pad the year to four digits; isoformat does
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return t.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"  # the same text, 4x faster


def _stale_rows(store: Store, where: str,
                params: Sequence[Any]) -> tuple[list[str], list[tuple[Any, ...]], list[tuple[Any, ...]]] | None:
    """The sessions without current results and their rows, summarised from their events; None
    where the Python path must build the report (too many, or one it cannot summarise)."""
    from wardtwin.store.results import result_rows, stale_sessions, summaries

    ids = stale_sessions(store, where, params)
    if len(ids) > STALE_LIMIT:
        return None
    s_rows: list[tuple[Any, ...]] = []
    st_rows: list[tuple[Any, ...]] = []
    for _, summary in summaries(store, ids):
        if summary is None:
            return None  # damage: the Python path names it
        row, steps = result_rows(summary)
        s_rows.append(row)
        st_rows.extend(steps)
    return ids, s_rows, st_rows


def sql_tables(store: Store, *, ward: str | None = None, since: str | None = None,
               pseudonym: Callable[[str], str] | None = None, batch: int = 5000) -> SqlTables | None:
    """The report's tables of ``store`` (sessions of ``ward`` started on/after ``since``) from
    one SQL statement, or None where the Python path must build them (see the module's text)."""
    from wardtwin.store.db import _session_filter
    from wardtwin.store.journal import read_pending
    from wardtwin.store.results import RESULTS_SCHEMA

    if store.schema_version < RESULTS_SCHEMA or read_pending(store):
        return None
    where, params = _session_filter(ward, since)
    cond = " AND ".join(where)
    stale = _stale_rows(store, cond, params)
    if stale is None:
        return None
    q, more = build_statement(store.dialect, cond, *stale)
    tables = SqlTables(pseudonym)
    items = tables.items
    try:
        with store.dialect.report_chunks(store, q, [*params, *more], batch) as chunks:
            for rows in chunks:
                for row in rows:
                    part = row[0]
                    if part == 0:
                        tables.add_session(row)
                    elif part == 1:
                        tables.add_step(row)
                    elif part == 2:
                        g = items.pooled if row[1] == "" and row[2] == "" else \
                            items.groups.setdefault((row[1], row[2]), {})
                        g[row[3]] = (row[11], row[12], row[19], row[20], row[21])
                        if row[3] == "1":
                            g["first"] = g["1"]
                    elif part == 3:
                        tours = "/".join(sorted(set(_json(row[23]))))
                        items.meta[(row[1], row[2])] = (tours, row[11], row[12])
                    else:
                        missed = [m for m in _json(row[23]) if m is not None] if row[12] < row[11] else []
                        items.never.append((row[1], row[2], row[11], row[12], missed))
    except _Bad:
        return None
    return tables
