"""The report's tables aggregated in SQL (issue 19 point 10): the same roster, cohort, per-step
and per-item tables as :class:`~wardtwin.reports.aggregate.ReportTables` fed with every
session's summary, from three statements over the typed results the store keeps beside the
events (``session_results`` and ``step_results``, :mod:`wardtwin.store.results`: what the Python
fold makes of each session, written with its events), so no event and no JSON is read: one
compact row per session (streamed, in start order), and the per-step and per-item aggregates
(GROUP BY; window functions number the attempts; the medians are aggregates), which on
PostgreSQL the server computes on connections of their own while Python reads the session
rows and makes the roster, all in one snapshot (:meth:`~wardtwin.store.dialect.Dialect.report_reads`).
The same statements run on SQLite and PostgreSQL (the few functions that differ come from the
store's dialect); text is grouped and sorted bytewise.

Sessions whose stored results are not current (a station still writing, a store written
before the results existed, rows changed by hand: :func:`~wardtwin.store.results.stale_sessions`)
are summarised here from their events, and their rows passed into the statements as
parameters in place of the stored ones. The Python path builds the report instead
(:func:`sql_tables` returns None) when one of those sessions' events cannot be summarised
(damage, which that path reports), when there are more than :data:`STALE_LIMIT` of them, when
events are still only in station journals, and for a store whose schema predates the results
(read as it is).

Measured with ``tools/bench_store.py --pg`` (100,000 trainees, 2.78 million events): see the
README's paragraph on the store's typed results.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from itertools import compress
from datetime import datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Sequence

from wardtwin.reports.aggregate import Due, Row, _cohort_rows, _Group, _r, _VersionFacts
from wardtwin.reports.items import CURVE_ATTEMPTS, _change

if TYPE_CHECKING:
    from wardtwin.store.db import Store
    from wardtwin.store.dialect import Dialect, Statement

_TEXT = {str}
_TEXT_OR_NONE = {str, type(None)}

#: Sessions without current results that the SQL path summarises itself; more: the Python path.
STALE_LIMIT = 2000


#: The attempt groups of an item whose figures the items statement gives (in its column order):
#: every attempt, the repeat ones (second and later), and by attempt number (the first: "1").
ATTEMPT_GROUPS = ("all", "repeat", "1", "2", "3", "4+")
_GROUP_CONDITIONS = {"all": "", "repeat": "n > 1", "1": "n = 1", "2": "n = 2", "3": "n = 3", "4+": "n >= 4"}


def _attempt_stats(d: Dialect, group: str) -> str:
    """SQL: the five figures of one attempt group over ``att`` rows (attempts, found, median time
    to find s, SPL mean, SoftSPL mean); a group without attempts gives 0 and NULLs."""
    cond = _GROUP_CONDITIONS[group]
    if not cond:
        return f"COUNT(*), SUM(found), {d.median('dur', 'found = 1')}, AVG(spl), AVG(soft)"
    return (f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), SUM(CASE WHEN {cond} THEN found END), "
            f"{d.median('dur', f'{cond} AND found = 1')}, AVG(CASE WHEN {cond} THEN spl END), "
            f"AVG(CASE WHEN {cond} THEN soft END)")


def _results(d: Dialect, stale: Sequence[tuple[Any, ...]], table: str, columns: Sequence[str],
             types: Sequence[str], exclude: tuple[str, list[Any]] | None) -> tuple[str, list[Any]]:
    """SQL (a subquery) of the rows of results ``table``: the stored ones, but for the stale
    sessions (``exclude``: the condition leaving theirs out and its parameters; None: none)
    whose rows ``stale`` are passed as parameters instead."""
    cols = ", ".join(columns)
    if exclude is None:
        return f"SELECT {cols} FROM {table}", []
    values, params = d.param_table(columns, types, stale)
    return (f"SELECT {cols} FROM {table} WHERE {exclude[0]} UNION ALL SELECT {cols} FROM {values}",
            [*exclude[1], *params])


def build_statements(d: Dialect, where: str, params: Sequence[Any], stale_ids: Sequence[str] = (),
                     stale_sessions: Sequence[tuple[Any, ...]] = (),
                     stale_steps: Sequence[tuple[Any, ...]] = ()) -> tuple[Statement, Statement, Statement]:
    """The report's three statements, ``(text, parameters)`` each, over the sessions matching
    ``where`` (on the sessions table, ``?`` marks, ``params``). ``stale_*``: the sessions whose
    stored results are not used, and their rows (:func:`~wardtwin.store.results.result_rows`).

    1. sessions: one row per session in start order (:meth:`SqlTables.add_sessions`), with the
       number of its tour (``wt``: ward and tour, numbered in bytewise order);
    2. steps: one row per tour step (reached steps; :meth:`SqlTables.add_step`): its tour's
       number, and the number in start order of the first session with a target there;
    3. items: over the find attempts, numbered per trainee, ward and item in session then step
       order: ``("i", ward, item, tours JSON, trainees, trainees who never found it, then five
       figures per group of ATTEMPT_GROUPS)``, ``("p", "", "", NULL, NULL, NULL, ...)`` the
       groups "1" to "4+" of every item pooled (the first two groups NULL), and ``("t",
       trainee, ward, items never found JSON (NULL or [] when none), items tried, items found,
       NULLs)``.

    The statements number sessions and tours alike (the same filter, order and snapshot)."""
    from wardtwin.store.results import (
        SESSION_RESULT_COLUMNS, SESSION_RESULT_TYPES, STEP_RESULT_COLUMNS, STEP_RESULT_TYPES,
    )

    c = d.collate_bytes
    exclude = d.not_in_param("session", list(stale_ids)) if stale_ids else None
    cond = f" WHERE {where}" if where else ""
    params = list(params)

    def steps() -> tuple[str, list[Any]]:
        return _results(d, stale_steps, "step_results", STEP_RESULT_COLUMNS, STEP_RESULT_TYPES, exclude)

    wt = f"DENSE_RANK() OVER (ORDER BY ward{c}, tour{c})"  # the sessions' tours numbered (ward, tour)
    sr, sr_p = _results(d, stale_sessions, "session_results", SESSION_RESULT_COLUMNS, SESSION_RESULT_TYPES, exclude)
    sessions = (f"SELECT s.id, s.trainee, s.role, s.station, s.ward, s.tour, s.layout_hash, s.tour_version, "
                f"s.started_at, r.outcome, r.steps_total, r.steps_passed, r.fms_max, r.any_symptom, "
                f"CASE WHEN r.session IS NULL THEN 0 ELSE 1 END, r.duration_s, r.ssq_pre_total, r.ssq_post_total, "
                f"r.steps_missed, s.wt FROM (SELECT id, trainee, role, station, ward, tour, layout_hash, tour_version, "
                f"started_at, {wt} AS wt FROM sessions{cond}) s LEFT JOIN ({sr}) r ON r.session = s.id "
                f"ORDER BY s.started_at{c}, s.id{c}")
    # per tour step: reached steps; durations of ended steps, as the fold's (the median and the
    # kinds ignore NULLs); the first session (its number in start order) with a target there.
    # Grouped by the tour's number (wt, named by the sessions' rows), over narrow rows
    tr, tr_p = steps()
    rows = (f"SELECT s.wt, t.step, t.step_id{c} AS step_id, CASE WHEN t.status = 'passed' THEN 1 ELSE 0 END AS passed, "
            f"CASE WHEN t.status = 'failed' THEN 1 ELSE 0 END AS failed, "
            f"CASE WHEN t.status = 'skipped' THEN 1 ELSE 0 END AS skipped, t.hints, t.revealed, t.spl, t.soft_spl, "
            f"CASE WHEN t.target IS NOT NULL AND t.target <> '' THEN s.sn END AS targeted, t.duration_s, t.kind "
            f"FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY started_at{c}, id{c}) AS sn, {wt} AS wt "
            f"FROM sessions{cond}) s JOIN ({tr}) t ON t.session = s.id WHERE t.status <> 'not_reached'")
    per_step = (f"SELECT wt, step, step_id, COUNT(*), SUM(passed), SUM(failed), SUM(skipped), "
                f"SUM(CASE WHEN hints > 0 THEN 1 ELSE 0 END), SUM(hints), "
                f"SUM(CASE WHEN revealed > 0 THEN 1 ELSE 0 END), AVG(spl), AVG(soft_spl), MIN(targeted), "
                f"{d.median('duration_s')}, {d.json_agg('kind', distinct=True)} "
                f"FROM ({rows}) x GROUP BY wt, step, step_id")
    # items: the find attempts numbered (n), the trainee's finds so far (cf), and whether a
    # later attempt follows (more: NULL at the trainee's last attempt at the item). One window
    # (its order is unique: ROWS, as the running sum needs, lets SQLite compute all three in
    # one pass)
    tr3, tr3_p = steps()
    found = "CASE WHEN t.status = 'passed' THEN 1 ELSE 0 END"
    att = (f"SELECT s.trainee{c} AS trainee, s.ward{c} AS ward, s.tour, t.target{c} AS item, {found} AS found, "
           f"t.duration_s AS dur, t.spl, t.soft_spl AS soft, ROW_NUMBER() OVER w AS n, SUM({found}) OVER w AS cf, "
           f"LEAD(1) OVER w AS more FROM (SELECT id, trainee, ward, tour, started_at FROM sessions{cond}) s "
           f"JOIN ({tr3}) t ON t.session = s.id WHERE t.status <> 'not_reached' AND t.kind = 'find' "
           f"AND t.target IS NOT NULL AND t.target <> '' "
           f"WINDOW w AS (PARTITION BY s.trainee{c}, s.ward{c}, t.target{c} ORDER BY s.started_at{c}, s.id{c}, t.step "
           f"ROWS UNBOUNDED PRECEDING)")
    figures = ", ".join(_attempt_stats(d, g) for g in ATTEMPT_GROUPS)
    pooled = ", ".join(["NULL"] * 10 + [_attempt_stats(d, g) for g in ATTEMPT_GROUPS[2:]])
    blank = ", ".join(["NULL"] * 30)
    found_items = "SUM(CASE WHEN cf > 0 THEN 1 ELSE 0 END)"
    items = (f"WITH att AS MATERIALIZED ({att}) "
             f"SELECT 'i', ward, item, {d.json_agg('tour', distinct=True)}, SUM(CASE WHEN n = 1 THEN 1 ELSE 0 END), "
             f"SUM(CASE WHEN more IS NULL AND cf = 0 THEN 1 ELSE 0 END), {figures} FROM att GROUP BY ward, item "
             f"UNION ALL SELECT 'p', '', '', NULL, NULL, NULL, {pooled} FROM att "
             f"UNION ALL SELECT 't', trainee, ward, {d.json_agg('item')} FILTER (WHERE cf = 0), COUNT(*), "
             f"{found_items}, {blank} "
             f"FROM att WHERE more IS NULL GROUP BY trainee, ward")
    return (sessions, [*params, *sr_p]), (per_step, [*params, *tr_p]), (items, [*params, *tr3_p])


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

    def add_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """The rows of the items statement (see :func:`build_statements`)."""
        for row in rows:
            kind = row[0]
            if kind == "t":  # (the items never found: NULL or an empty array when none)
                self.never.append((row[1], row[2], row[4], row[5], [] if row[3] is None else _json(row[3])))
                continue
            g: dict[str, _Stats] = self.pooled if kind == "p" else self.groups.setdefault((row[1], row[2]), {})
            for i, name in enumerate(ATTEMPT_GROUPS):
                st = row[6 + 5 * i:11 + 5 * i]
                if st[0]:
                    g[name] = (st[0], st[1], st[2], st[3], st[4])
            if "1" in g:
                g["first"] = g["1"]
            if kind == "i":
                self.meta[(row[1], row[2])] = ("/".join(sorted(set(_json(row[3])))), row[4], row[5])

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
    SSQ totals, version facts) from the rows of :func:`build_statements`."""

    def __init__(self, pseudonym: Callable[[str], str] | None = None) -> None:
        self.pseudonym = pseudonym
        self.versions: list[_VersionFacts] = []
        self.n_sessions = 0
        self.tours: dict[int, tuple[str, str]] = {}  # the sessions' tours by number (wt): (ward, tour)
        # the session rows, and the columns the roster and the cohort read, in start order
        self._rows: list[Sequence[Any]] = []
        self._trainee: list[str] = []
        self._role: list[str] = []  # "unknown" for none
        self._station: list[str] = []
        self._completed: list[bool] = []
        self._duration: list[float] = []
        self._score: list[float] = []
        self._post: list[float | None] = []  # SSQ post total
        self._has_post: list[bool] = []
        self._symptom: list[bool] = []  # an SSQ post with any symptom
        self._fms: list[int | None] = []
        self._has_fms: list[bool] = []
        self._outcome: list[str] = []
        self._pre: list[float | None] = []  # SSQ pre total
        self._has_pre: list[bool] = []
        self._cohort: list[Row] | None = None
        self._steps: list[Row] = []
        self.items = SqlItems(pseudonym)
        self.ssq_pre: list[float] = []
        self.ssq_post: list[float] = []

    def roster(self, due: Due | None = None) -> list[Row]:
        rows: list[Row] = []
        p = self.pseudonym
        get = due.get if due else None
        every = self._rows
        trainees, completed = self._trainee, self._completed
        latest = dict(zip(trainees, range(len(trainees))))  # trainee -> their latest session
        done = dict(zip(compress(trainees, completed), compress(range(len(trainees)), completed)))
        attempts = Counter(trainees)
        for trainee, i in latest.items():
            (sid, _, role, station, ward, tour, layout_hash, _, started_at, outcome, total, passed, fms_max, _, _,
             duration, _, post, missed, _) = every[done.get(trainee, i)]
            duration = float(duration)
            is_done = outcome == "completed"
            d = get((trainee, ward)) if get else None
            rows.append({
                "trainee": p(trainee) if p else trainee, "role": role or "", "station": station, "ward": ward,
                "tour": tour, "completed": is_done, "outcome": outcome, "started_at": started_at,
                "ended_at": _ended_at(started_at, duration), "duration_s": _r(duration, 1),
                "score": _r(passed / total if total else 0.0, 3), "steps_passed": passed, "steps_total": total,
                "steps_missed": missed, "attempts": attempts[trainee],
                "ssq_post_total": None if post is None else float(post), "fms_max": fms_max, "session": sid,
                "ward_version": layout_hash if is_done else "",
                "refresher": d.status.value if d else "",
            })
        rows.sort(key=itemgetter("trainee"))
        return rows

    def cohort(self) -> list[Row]:
        """The cohort table (made once: call it when every session's row is read)."""
        if self._cohort is None:
            self._cohort = self._cohort_rows()
        return self._cohort

    def _cohort_rows(self) -> list[Row]:
        by: dict[str, dict[str, _Group]] = {"role": {}, "station": {}}
        for dim, column in (("role", self._role), ("station", self._station)):
            where: dict[str, list[int]] = {}
            for i, value in enumerate(column):
                at = where.get(value)
                if at is None:
                    where[value] = [i]
                else:
                    at.append(i)
            for value, at in where.items():
                by[dim][value] = self._group(at)
        return _cohort_rows(self._group(None), by)

    def _group(self, at: list[int] | None) -> _Group:
        """The cohort group of the sessions at indices ``at`` in start order (None: every
        session), as :meth:`_Group.add` of each in turn would make it."""
        def pick(column: list[Any]) -> list[Any]:
            if at is None:
                return column
            return [column[at[0]]] if len(at) == 1 else list(itemgetter(*at)(column))

        trainees, completed, posts, has_post = (pick(self._trainee), pick(self._completed), pick(self._post),
                                                pick(self._has_post))
        g = _Group()
        g.sessions = len(trainees)
        g.trainees = set(trainees)
        g.done = dict(zip(compress(trainees, completed), compress(pick(self._duration), completed)))
        g.scores = pick(self._score)
        g.with_post = sum(has_post)
        g.symptom = sum(pick(self._symptom))
        g.post = list(compress(posts, has_post))
        g.pre = list(compress(pick(self._pre), pick(self._has_pre)))
        g.fms = list(compress(pick(self._fms), pick(self._has_fms)))
        outcomes = Counter(pick(self._outcome))
        g.stopped, g.abandoned, g.quit = outcomes["stopped_comfort"], outcomes["abandoned"], outcomes["quit"]
        return g

    def steps(self) -> list[Row]:
        return sorted(self._steps, key=lambda r: (r["ward"], r["tour"], r["step"], r["step_id"]))

    # -- reading the rows ---------------------------------------------------------------------
    def add_sessions(self, rows: Sequence[Sequence[Any]]) -> None:
        """Rows of the sessions statement, in start order (raises :class:`_Bad` for rows left to
        the Python path); read a column at a time."""
        from wardtwin.store.db import is_time

        if not rows:
            return
        (sid, trainee, role, station, ward, tour, layout_hash, tour_version, started_at, outcome, total, passed,
         fms_max, any_symptom, has_results, duration, pre_total, post_total, _, wt) = zip(*rows)
        if not all(has_results) or not all(map(is_time, started_at)):
            raise _Bad()  # results written after this statement's look for stale ones; or damage
        if any(not set(map(type, c)) <= _TEXT for c in (sid, trainee, station, ward, tour, layout_hash,
                                                          tour_version)) or not set(map(type, role)) <= _TEXT_OR_NONE:
            raise _Bad()
        completed = [o == "completed" for o in outcome]
        self.n_sessions += len(rows)
        self.tours.update(zip(wt, zip(ward, tour)))
        self.versions.extend(map(_VersionFacts, trainee, ward, layout_hash, tour_version, completed, started_at, sid))
        self._rows.extend(rows)
        self._trainee.extend(trainee)
        self._role.extend(r or "unknown" for r in role)
        self._station.extend(station)
        self._completed.extend(completed)
        self._duration.extend(map(float, duration))
        self._score.extend(p / t if t else 0.0 for p, t in zip(passed, total))
        post = [None if x is None else float(x) for x in post_total]
        pre = [None if x is None else float(x) for x in pre_total]
        has_post = [x is not None for x in post]
        has_pre = [x is not None for x in pre]
        self._post.extend(post)
        self._has_post.extend(has_post)
        self._symptom.extend(bool(h and x) for h, x in zip(has_post, any_symptom))
        self._fms.extend(fms_max)
        self._has_fms.extend(x is not None for x in fms_max)
        self._outcome.extend(outcome)
        self._pre.extend(pre)
        self._has_pre.extend(has_pre)
        self.ssq_pre.extend(x for x in pre if x is not None)
        self.ssq_post.extend(x for x in post if x is not None)

    def add_step(self, row: Sequence[Any], target: str | None) -> None:
        """One row of the steps statement, and the target of its first session with one."""
        (wt, step, step_id, n, passed, failed, skipped, hinted, hints, revealed, spl, soft, _, med, kinds) = row
        ward, tour = self.tours[wt]
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
    try:  # UTC (as the store writes it): read without its zone, written with a Z
        naive = started_at[:-1]
        t0 = (datetime.fromisoformat(naive) if started_at[-1:] == "Z" and "Z" not in naive and "+" not in naive else
              datetime.fromisoformat(started_at.replace("Z", "+00:00")))
    except ValueError:
        return ""
    t = t0 + timedelta(seconds=duration)
    if t.year < 1000:  # strftime's %Y does not pad the year to four digits; isoformat does
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if t.tzinfo is not None:
        t = t.replace(tzinfo=None)
    return t.isoformat(timespec="microseconds") + "Z"  # the same text as strftime's, 4x faster


def _stale_rows(store: Store, ids: list[str]
                ) -> tuple[list[str], list[tuple[Any, ...]], list[tuple[Any, ...]]] | None:
    """The stale sessions ``ids`` and their rows, summarised from their events; None where the
    Python path must build the report (too many, or one it cannot summarise)."""
    from wardtwin.store.results import result_rows, summaries

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


def _first_targets(store: Store, tables: SqlTables, steps: Sequence[Sequence[Any]],
                   stale: tuple[Sequence[str], Sequence[tuple[Any, ...]], Sequence[tuple[Any, ...]]]
                   ) -> dict[tuple[int, int], str | None]:
    """``(session number, step) -> target`` of the steps rows' first sessions with a target (the
    sessions' numbers in start order, as the sessions statement gave them; read in the same
    snapshot: the stale sessions' rows, else the stored ones)."""
    wanted = {(row[12], row[1]) for row in steps if row[12] is not None}
    ids = {tables.versions[sn - 1].session: sn for sn in {sn for sn, _ in wanted}}
    found: dict[tuple[int, int], str | None] = {}
    stale_ids = set(stale[0])
    for r in stale[2]:  # (session, step, step_id, kind, target, ...)
        if r[0] in ids and (ids[r[0]], r[1]) in wanted:
            found[(ids[r[0]], r[1])] = r[4]
    stored = sorted(sid for sid in ids if sid not in stale_ids)
    for i in range(0, len(stored), 500):
        cond, params = store.dialect.in_list("session", stored[i:i + 500])
        for sid, step, target in store.execute(f"SELECT session, step, target FROM step_results WHERE {cond}",
                                               params).fetchall():
            if (ids[sid], step) in wanted:
                found[(ids[sid], step)] = target
    return found


def sql_tables(store: Store, *, ward: str | None = None, since: str | None = None,
               pseudonym: Callable[[str], str] | None = None, batch: int = 5000,
               while_waiting: Callable[[SqlTables], None] | None = None) -> SqlTables | None:
    """The report's tables of ``store`` (sessions of ``ward`` started on/after ``since``) from
    SQL statements, or None where the Python path must build them (see the module's text).
    ``while_waiting(tables)`` runs once every session's row is read, while the server may still
    aggregate the steps and items (it may read the store: the same snapshot)."""
    from wardtwin.store.db import _session_filter
    from wardtwin.store.journal import read_pending
    from wardtwin.store.results import RESULTS_SCHEMA, stale_statement

    if store.schema_version < RESULTS_SCHEMA or read_pending(store):
        return None
    where, params = _session_filter(ward, since)
    cond = " AND ".join(where)
    d = store.dialect
    with d.report_reads(store) as reads:
        # Everything starts at once, as if every session's results were current (the usual
        # case); the sessions whose results are not are looked for meanwhile (side statement
        # 2), and when there are some, the statements run again with their rows.
        main, *side = build_statements(d, cond, params)
        reads.start([*side, (stale_statement(d, cond), params)])

        def read_sessions() -> SqlTables | None:
            tables = SqlTables(pseudonym)
            chunks = reads.chunks(*main, batch)
            try:
                for rows in chunks:
                    tables.add_sessions(rows)
            except _Bad:
                return None
            finally:
                chunks.close()  # its cursor, before another one opens
            return tables

        tables = read_sessions()
        ids = [r[0] for r in reads.rows_of(2)]
        stale: tuple[list[str], list[tuple[Any, ...]], list[tuple[Any, ...]]] = ([], [], [])
        if ids:
            got = _stale_rows(store, ids)
            if got is None:
                return None
            stale = got
            main, *side = build_statements(d, cond, params, *stale)
            reads.start(side)
            tables = read_sessions()
        if tables is None:
            return None  # a session row the SQL cannot read: left to the Python path
        if while_waiting is not None:
            while_waiting(tables)
        steps, items = reads.rows_of(0), reads.rows_of(1)
        targets = _first_targets(store, tables, steps, stale)
    for row in steps:
        tables.add_step(row, targets.get((row[12], row[1])))
    tables.items.add_rows(items)
    return tables

