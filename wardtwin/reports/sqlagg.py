"""The report's tables aggregated in SQL (issue 19 point 10): the same roster, cohort, per-step
and per-item tables as :class:`~wardtwin.reports.aggregate.ReportTables` fed with every
session's summary, from ONE statement that reads each event once on the server, folds the
events of each step and of each session, and groups them (GROUP BY; window functions number
the attempts and find the medians), so only one compact row per session (about 25 values) and
the small aggregate rows reach Python. The same statement runs on SQLite and PostgreSQL (a few
functions differ: :class:`_Dialect`); sessions are keyed by their number in start order
(``sn``), and text is sorted bytewise (``COLLATE "C"`` on PostgreSQL).

The pure-Python fold (:func:`~wardtwin.reports.summary.summarise`) stays the reference: the SQL
answers only for stores whose events it folds exactly as that does. A session whose events it
cannot (a step started or ended twice, an event after a step's end, a value of an unexpected
JSON kind, a number out of range...) marks its row, and :func:`sql_tables` returns None; so
does a statement the server refuses over a stored value (text that is not JSON, a word where a
number belongs: PostgreSQL reads the numbers as numbers) and a SQLite store with events still
only in station journals. The report is then built by the Python path, which reports damage as
it always did.

Not the default (``wardtwin.reports.SQL_TABLES``): measured on the 2-core development machine
(shared, load 3-5), it is SLOWER than the Python path: 100,000 trainees x 10 steps (2.78 million
events) on PostgreSQL 15 took 104 s against about 55 s, and 10,000 trainees 13 s against 8-9 s;
on SQLite, whose JSON functions parse the text at every call, 37 s against 17 s. What costs is
the JSON: extracting the needed keys of every event (``json_to_record``) alone takes 13 s on
those 2.78 million events (``jsonb`` is slower still; only checking that each is JSON takes
2.7 s), then grouping 2.2 million step events into a million (session, step) rows (16 s, spilling
to disk). A report within 10 s needs the step results stored in typed columns when the events
are written (then this statement's grouping would run without any JSON); not done yet.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from wardtwin.reports.aggregate import _cohort_rows, _Group, _r, _VersionFacts
from wardtwin.reports.items import CURVE_ATTEMPTS, _change

_STEP_EXTRACT = ("step_started", "step_completed", "step_failed", "step_skipped")
_NOT_STEP = ("comfort_rating", "questionnaire", "paused", "resumed")
#: Numbers past this magnitude are left to the Python path (it refuses infinities).
_BIG = 1e300


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


#: The data keys the statement reads, by the SQL type PostgreSQL reads them as (``json``:
#: the value, whose kind is checked; a number or an integer: a value of another kind makes the
#: server refuse the statement, and the Python path reads the store).
_KEYS = {"kind": "json", "id": "json", "step_id": "json", "target": "json", "success": "json", "reason": "json",
         "outcome": "json", "motion": "json", "frames": "json", "instrument": "json", "phase": "json",
         "steps": "json", "duration_s": "float8", "walked_m": "float8", "shortest_m": "float8", "spl": "float8",
         "soft_spl": "float8", "remaining_m": "float8", "hints": "bigint", "revealed": "bigint", "fms": "bigint"}


class _Dialect:
    """The SQL that differs between SQLite and PostgreSQL. On PostgreSQL each event's data is
    parsed once (``json_to_record`` into the columns of :data:`_KEYS`; data that is not a JSON
    object, or a number of the wrong kind, makes the server refuse the statement); on SQLite
    ``j`` is the text, which its JSON functions read, and the kinds are checked explicitly."""

    def __init__(self, pg: bool):
        self.pg = pg
        #: after a text sort key: bytewise order (SQLite's BINARY is bytewise already)
        self.c = ' COLLATE "C"' if pg else ""

    def _v(self, j: str, key: str) -> str:
        return f"{j}_{key}"

    def _t(self, j: str, key: str) -> str:
        """SQLite: the JSON kind of ``key`` (text, integer, real, true, false, null, object,
        array; NULL when absent)."""
        return f"json_type({j}, '$.{key}')"

    def is_set(self, j: str, key: str) -> str:
        """``key`` is there and not null."""
        if self.pg:
            v = self._v(j, key)
            return f"({v} IS NOT NULL AND json_typeof({v}) <> 'null')" if _KEYS[key] == "json" else f"({v} IS NOT NULL)"
        return f"COALESCE({self._t(j, key)}, 'null') <> 'null'"

    def bad(self, j: str, key: str, *kinds: str) -> str:
        """``key`` is set to a value of none of ``kinds`` ('string', 'number', 'int', 'object')."""
        if self.pg:
            if _KEYS[key] != "json":
                return "FALSE"  # the server checks numbers
            pg = {"string": "string", "object": "object", "number": "number", "int": "number"}
            ok = ", ".join(sorted({f"'{pg[k]}'" for k in kinds}))
            return f"COALESCE(json_typeof({self._v(j, key)}) NOT IN ('null', {ok}), FALSE)"
        lite = {"string": ("text",), "object": ("object",), "number": ("integer", "real"), "int": ("integer",)}
        ok = ", ".join(f"'{t}'" for k in kinds for t in lite[k])
        return f"COALESCE({self._t(j, key)} NOT IN ('null', {ok}), 0)"

    def text(self, j: str, key: str) -> str:
        """``key``'s value as text when it is a JSON string, else NULL."""
        if self.pg:
            v = self._v(j, key)
            return f"(CASE WHEN json_typeof({v}) = 'string' THEN {v} #>> '{{}}' END)"
        return f"(CASE WHEN {self._t(j, key)} = 'text' THEN json_extract({j}, '$.{key}') END)"

    def num(self, j: str, key: str) -> str:
        """``key``'s value as a double (NULL when absent or null; see :meth:`bad`)."""
        if self.pg:
            v = self._v(j, key)
            if _KEYS[key] == "json":
                return f"(CASE WHEN json_typeof({v}) = 'number' THEN ({v}::text)::float8 END)"
            return v if _KEYS[key] == "float8" else f"CAST({v} AS float8)"
        return (f"(CASE WHEN {self._t(j, key)} IN ('integer', 'real') "
                f"THEN CAST(json_extract({j}, '$.{key}') AS REAL) END)")

    def is_false(self, j: str, key: str) -> str:
        if self.pg:
            v = self._v(j, key)
            return f"(json_typeof({v}) = 'boolean' AND {v}::text = 'false')"
        return f"({self._t(j, key)} = 'false')"

    def is_ssq(self, j: str) -> str:
        """A questionnaire's instrument is absent (SSQ by default) or the text 'ssq'."""
        if self.pg:
            v = self._v(j, "instrument")
            return f"({v} IS NULL OR (json_typeof({v}) = 'string' AND {v} #>> '{{}}' = 'ssq'))"
        return f"({self._t(j, 'instrument')} IS NULL OR {self.text(j, 'instrument')} = 'ssq')"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"MAX({a}, {b})"

    def json_array(self, *items: str) -> str:
        return f"json_build_array({', '.join(items)})" if self.pg else f"json_array({', '.join(items)})"

    def json_agg(self, expr: str, distinct: bool = False) -> str:
        d = "DISTINCT " if distinct else ""
        return f"json_agg({d}{expr})" if self.pg else f"json_group_array({d}{expr})"

    def parsed(self, table: str, column: str, alias: str) -> str:
        """A FROM item: ``table``, with its JSON ``column`` readable as ``alias``."""
        if self.pg:
            cols = ", ".join(f"{k} {t}" for k, t in _KEYS.items())
            return f"{table} CROSS JOIN LATERAL json_to_record({column}::json) AS {alias}_r({cols})"
        return table

    def columns(self, alias: str) -> str:
        """The parsed keys of :meth:`parsed`'s ``alias`` as columns of a subquery (PostgreSQL)."""
        return ", ".join(f"{alias}_r.{k} AS {alias}_{k}" for k in _KEYS)

    def events_of(self, where: str) -> str:
        """Event rows (session, seq, type, t, step, data, and the data parsed as ``j``)."""
        # SQLite: a store is opened only after check_integrity() checked every row's values
        cols = self.columns("j") if self.pg else "e.data AS j"
        return (f"SELECT s.sn AS session, e.seq, e.type, e.t, e.step, e.data, {cols} "
                f"FROM {self.parsed('events e JOIN s ON s.id = e.session', 'e.data', 'j')} WHERE {where}")


def _statement(d: _Dialect) -> tuple[str, dict]:
    """Part 0 of the statement (one row per session) and the common table expressions it and
    the other parts read: ``x`` (events of steps, their data read), ``sg`` (per session and
    step), ``st`` (each step's result, as the Python fold makes it), ``y``/``sy`` (the
    session's own events: its end, comfort ratings, questionnaires), ``ss`` (per session)."""
    from wardtwin.store.db import MAX_STEP, MAX_T

    J = "j"
    ends = _in(_STEP_EXTRACT[1:])
    row_bad = (f"(CASE WHEN NOT (t > {-MAX_T:g} AND t < {MAX_T:g}) "
               f"OR (step IS NOT NULL AND (step < 0 OR step >= {MAX_STEP})) THEN 1 ELSE 0 END)")
    w, l_, m = d.num(J, "walked_m"), d.num(J, "shortest_m"), d.num(J, "remaining_m")
    both = f"({d.is_set(J, 'walked_m')} AND {d.is_set(J, 'shortest_m')})"

    def big(expr):
        return f"ABS(COALESCE({expr}, 0)) > {_BIG:g}"

    # what the Python fold would refuse, or read otherwise, at a step's end event
    end_bad = " OR ".join([
        d.bad(J, "reason", "string"), d.bad(J, "duration_s", "number"), d.bad(J, "hints", "int"),
        d.bad(J, "revealed", "int"), big(d.num(J, "duration_s")),
        f"({both} AND ({d.bad(J, 'walked_m', 'number')} OR {d.bad(J, 'shortest_m', 'number')} "
        f"OR {d.bad(J, 'spl', 'number')} OR {d.bad(J, 'soft_spl', 'number')} OR {d.bad(J, 'remaining_m', 'number')} "
        f"OR {w} < 0 OR {l_} < 0 OR COALESCE({m}, 0) < 0 OR {big(w)} OR {big(l_)} OR {big(m)} "
        f"OR {big(d.num(J, 'spl'))} OR {big(d.num(J, 'soft_spl'))}))",
    ])
    start_bad = " OR ".join(d.bad(J, key, "string") for key in ("kind", "id", "step_id", "target"))
    ok_flag = f"(CASE WHEN {d.is_false(J, 'success')} THEN 1 ELSE 0 END)"
    x = (f"SELECT session, seq, type, t, step, {row_bad} AS bad_row, "
         f"CASE WHEN type = 'step_started' THEN {d.text(J, 'kind')} END AS kind, "
         f"CASE WHEN type = 'step_started' THEN {d.text(J, 'id')} END AS sid, "
         f"CASE WHEN type = 'step_started' THEN {d.text(J, 'step_id')} END AS sid2, "
         f"CASE WHEN type = 'step_started' THEN {d.text(J, 'target')} END AS target, "
         f"CASE WHEN type = 'step_started' AND ({start_bad}) THEN 1 "
         f"WHEN type IN {ends} AND ({end_bad}) THEN 1 WHEN type = 'session_ended' THEN 1 ELSE 0 END AS bad_val, "
         f"CASE WHEN type IN {ends} THEN {ok_flag} END AS sfalse, "
         f"CASE WHEN type IN {ends} THEN {d.num(J, 'duration_s')} END AS dur, "
         f"CASE WHEN type IN {ends} THEN {d.num(J, 'hints')} END AS hints, "
         f"CASE WHEN type IN {ends} THEN {d.num(J, 'revealed')} END AS revealed, "
         f"CASE WHEN type IN {ends} AND {both} THEN {w} END AS walked, "
         f"CASE WHEN type IN {ends} AND {both} THEN {l_} END AS shortest, "
         f"CASE WHEN type IN {ends} AND {both} THEN {d.num(J, 'spl')} END AS spl, "
         f"CASE WHEN type IN {ends} AND {both} THEN {d.num(J, 'soft_spl')} END AS soft, "
         f"CASE WHEN type IN {ends} AND {both} THEN {m} END AS remaining "
         f"FROM ({d.events_of(f'e.step IS NOT NULL AND e.type NOT IN {_in(_NOT_STEP)}')}) ev")

    def when(cond, expr):
        return f"MAX(CASE WHEN {cond} THEN {expr} END)"

    def count(cond):
        return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"

    is_start, is_end = "type = 'step_started'", f"type IN {ends}"
    is_hint, is_rev = "type = 'hint_shown'", "type = 'answer_revealed'"
    sg = (f"SELECT session, step, {count(is_start)} AS n_start, {count(is_end)} AS n_end, "
          f"{count(is_hint)} AS n_hint, {count(is_rev)} AS n_rev, "
          f"MAX(seq) AS max_seq, {when(is_end, 'seq')} AS end_seq, "
          f"{when(is_start, 't')} AS t_start, {when(is_end, 't')} AS t_end, "
          f"{when(is_end, 'type')} AS end_type, MAX(kind) AS kind, MAX(sid) AS sid, MAX(sid2) AS sid2, "
          f"MAX(target) AS target, MAX(bad_row) AS bad_row, MAX(bad_val) AS bad_val, MAX(sfalse) AS sfalse, "
          f"MAX(dur) AS dur, MAX(hints) AS hints, MAX(revealed) AS revealed, MAX(walked) AS walked, "
          f"MAX(shortest) AS shortest, MAX(spl) AS spl, MAX(soft) AS soft, MAX(remaining) AS remaining "
          f"FROM x GROUP BY session, step")
    status = ("CASE WHEN n_end = 1 THEN (CASE WHEN end_type = 'step_completed' AND sfalse = 0 THEN 'passed' "
              "WHEN end_type = 'step_skipped' THEN 'skipped' ELSE 'failed' END) "
              "WHEN n_start = 1 THEN 'incomplete' ELSE 'not_reached' END")
    passed_ok = "(end_type = 'step_completed' AND sfalse = 0)"
    spl = (f"CASE WHEN walked IS NULL THEN NULL WHEN spl IS NOT NULL THEN spl WHEN NOT {passed_ok} THEN 0.0 "
           f"WHEN shortest = 0 THEN 1.0 ELSE shortest / {d.greatest('walked', 'shortest')} END")
    soft = (f"CASE WHEN walked IS NULL THEN NULL WHEN soft IS NOT NULL THEN soft WHEN remaining IS NULL THEN NULL "
            f"WHEN shortest = 0 THEN (CASE WHEN remaining = 0 THEN 1.0 ELSE 0.0 END) "
            f"ELSE {d.greatest('0.0', '1.0 - remaining / shortest')} * shortest / {d.greatest('walked', 'shortest')} END")
    st = (f"SELECT g.session, g.step, {status} AS status, "
          f"COALESCE(NULLIF(sid, ''), NULLIF(sid2, ''), 'step-' || CAST(g.step + 1 AS TEXT)) AS step_id, "
          f"kind, target, CASE WHEN n_end = 1 THEN COALESCE(dur, t_end - t_start) END AS dur, "
          f"{d.greatest('n_hint', 'COALESCE(hints, 0)')} AS hints, "
          f"{d.greatest('n_rev', 'COALESCE(revealed, 0)')} AS revealed, "
          f"{spl} AS spl, {soft} AS soft, "
          f"CASE WHEN bad_row = 1 OR bad_val = 1 OR n_start > 1 OR n_end > 1 "
          f"OR (n_end = 1 AND max_seq <> end_seq) THEN 1 ELSE 0 END AS bad, "
          f"g.max_seq, s.trainee, s.ward, s.tour, s.started_at "
          f"FROM sg g JOIN s ON s.sn = g.session")
    # session-level events (no step, or a type that is not a step's)
    outcome = d.text(J, "outcome")
    y = (f"SELECT session, seq, type, t, data, {row_bad} AS bad_row, "
         f"CASE WHEN type = 'session_ended' THEN {outcome} END AS outcome, "
         f"CASE WHEN type = 'session_ended' THEN {d.num(J, 'duration_s')} END AS dur, "
         f"CASE WHEN type = 'comfort_rating' THEN {d.num(J, 'fms')} END AS fms, "
         f"CASE WHEN type = 'questionnaire' AND {d.is_ssq(J)} THEN {d.text(J, 'phase')} END AS phase, "
         f"CASE WHEN type = 'session_ended' AND (COALESCE({outcome}, '') = '' OR NOT {d.is_set(J, 'duration_s')} "
         f"OR {d.bad(J, 'duration_s', 'number')} OR {big(d.num(J, 'duration_s'))} "
         f"OR {d.bad(J, 'motion', 'object')} OR {d.bad(J, 'frames', 'object')}) THEN 1 "
         f"WHEN type = 'comfort_rating' AND (NOT {d.is_set(J, 'fms')} OR {d.bad(J, 'fms', 'int')} "
         f"OR {big(d.num(J, 'fms'))}) THEN 1 ELSE 0 END AS bad_val "
         f"FROM ({d.events_of(f'(e.step IS NULL OR e.type IN {_in(_NOT_STEP)})')}) ev")
    is_ended, is_pre, is_post = "type = 'session_ended'", "phase = 'pre'", "phase = 'post'"
    sy = (f"SELECT session, MAX(seq) AS max_seq, {count(is_ended)} AS n_ended, "
          f"{when(is_ended, 'seq')} AS end_seq, {when(is_ended, 'outcome')} AS outcome, "
          f"{when(is_ended, 'dur')} AS dur, MAX(fms) AS fms_max, "
          f"{count(is_pre)} AS n_pre, {count(is_post)} AS n_post, "
          f"{when(is_pre, 'data')} AS pre, {when(is_post, 'data')} AS post, "
          f"MAX(bad_row) AS bad_row, MAX(bad_val) AS bad_val FROM y GROUP BY session")
    not_passed, is_passed = "status <> 'passed'", "status = 'passed'"
    ss = (f"SELECT session, COUNT(*) AS n_steps, MAX(step) AS max_step, MAX(max_seq) AS max_seq, "
          f"{count(is_passed)} AS passed, MAX(bad) AS bad, "
          f"{d.json_agg(d.json_array('step', 'step_id'))} FILTER (WHERE {not_passed}) AS steps_json, "
          f"{count(not_passed)} AS n_missed FROM st GROUP BY session")
    # part 0: one row per session, in start order
    steps_n = d.num("s.sj", "steps")
    whole = "(s.sj_steps #>> '{}') ~ '^[0-9]+$'" if d.pg else "json_type(s.sj, '$.steps') = 'integer'"
    steps_bad = (f"({d.is_set('s.sj', 'steps')} AND ({d.bad('s.sj', 'steps', 'int')} OR NOT {whole} "
                 f"OR {steps_n} < 0 OR {steps_n} > {MAX_STEP}))")
    last = ("COALESCE(CASE WHEN COALESCE(a.max_seq, -1) >= COALESCE(b.max_seq, -1) THEN a.max_seq "
            "ELSE b.max_seq END, -1)")
    part0 = (f"SELECT 0 AS part, s.id AS a1, s.trainee AS a2, s.role AS a3, s.station AS a4, s.ward AS a5, "
             f"s.tour AS a6, s.layout_hash AS a7, s.tour_version AS a8, s.started_at AS a9, "
             f"CASE WHEN b.n_ended = 1 AND b.end_seq = {last} THEN b.outcome ELSE 'abandoned' END AS a10, "
             f"COALESCE(b.n_pre, 0) AS i1, COALESCE(b.n_post, 0) AS i2, "
             f"CAST(COALESCE({steps_n}, 0) AS INTEGER) AS i3, COALESCE(a.n_steps, 0) AS i4, "
             f"COALESCE(a.max_step, -1) AS i5, COALESCE(a.passed, 0) AS i6, "
             f"CASE WHEN s.bad = 1 OR COALESCE(a.bad, 0) = 1 OR COALESCE(b.bad_row, 0) = 1 "
             f"OR COALESCE(b.bad_val, 0) = 1 OR COALESCE(b.n_ended, 0) > 1 OR COALESCE(b.n_pre, 0) > 1 "
             f"OR COALESCE(b.n_post, 0) > 1 OR (a.n_steps IS NOT NULL AND a.n_steps <> a.max_step + 1) "
             f"OR {steps_bad} THEN 1 ELSE 0 END AS i7, "
             f"CAST(b.fms_max AS INTEGER) AS i8, "
             f"CASE WHEN b.n_ended = 1 AND b.end_seq = {last} THEN b.dur "
             f"WHEN {last} >= 0 THEN (SELECT e2.t FROM events e2 WHERE e2.session = s.id AND e2.seq = {last}) "
             f"ELSE 0.0 END AS f1, NULL AS f2, NULL AS f3, NULL AS f4, "
             f"CASE WHEN COALESCE(a.n_missed, 0) > 0 THEN a.steps_json END AS x1, b.pre AS x2, b.post AS x3, "
             f"s.sn AS o FROM s LEFT JOIN ss a ON a.session = s.sn LEFT JOIN sy b ON b.session = s.sn")
    return part0, {"s": None, "x": x, "sg": sg, "st": st, "y": y, "sy": sy, "ss": ss}


def _sessions_cte(d: _Dialect, where: str) -> str:
    """The sessions of the report (filtered): ``sn``, their number in start order (the key the
    statement groups and sorts by: an integer is far cheaper than the id), their data readable
    as ``sj``, and ``bad``: 1 where the comfort column is not a JSON object (PostgreSQL; SQLite
    checked it on opening)."""
    cond = f" WHERE {where}" if where else ""
    sn = f"ROW_NUMBER() OVER (ORDER BY started_at{d.c}, id{d.c}) AS sn"
    if d.pg:
        cols = ", ".join(f"ses.{c}" for c in ("id", "trainee", "role", "station", "ward", "tour", "layout_hash",
                                               "tour_version", "started_at"))
        return (f"SELECT {cols}, {d.columns('sj')}, "
                f"CASE WHEN json_typeof(ses.comfort::json) = 'object' THEN 0 ELSE 1 END AS bad, "
                f"ROW_NUMBER() OVER (ORDER BY ses.started_at{d.c}, ses.id{d.c}) AS sn "
                f"FROM {d.parsed('sessions ses', 'ses.data', 'sj')}{cond}")
    return (f"SELECT id, trainee, role, station, ward, tour, layout_hash, tour_version, started_at, data AS sj, "
            f"0 AS bad, {sn} FROM sessions{cond}")


def _aggregates(d: _Dialect) -> list[str]:
    """Parts 1-5 (see :class:`SqlTables`): per-step and per-item tables."""
    reached = "st.status <> 'not_reached'"
    # part 1: per tour step
    sk = "ward, tour, step, step_id"
    c = d.c
    skc = f"ward{c}, tour{c}, step, step_id{c}"  # sorted bytewise (PostgreSQL: not by the locale, slower)
    step_med = (f"SELECT {sk}, AVG(dur) AS med FROM (SELECT {sk}, dur, ROW_NUMBER() OVER (PARTITION BY {skc} ORDER BY dur) "
                f"AS rn, COUNT(*) OVER (PARTITION BY {skc}) AS cnt FROM st WHERE {reached} AND dur IS NOT NULL) q "
                f"WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2) GROUP BY {sk}")
    step_tgt = (f"SELECT {sk}, target FROM (SELECT {sk}, target, ROW_NUMBER() OVER (PARTITION BY {skc} "
                f"ORDER BY session) AS rn FROM st WHERE {reached} AND target IS NOT NULL AND target <> '') q "
                f"WHERE rn = 1")
    p1 = (f"SELECT 1 AS part, g.ward AS a1, g.tour AS a2, g.step_id AS a3, t.target AS a4, NULL AS a5, NULL AS a6, "
          f"NULL AS a7, NULL AS a8, NULL AS a9, NULL AS a10, "
          f"g.n AS i1, g.passed AS i2, g.failed AS i3, g.skipped AS i4, g.hinted AS i5, g.hints AS i6, g.revealed AS i7, "
          f"g.step AS i8, m.med AS f1, g.spl AS f2, g.soft AS f3, NULL AS f4, g.kinds AS x1, NULL AS x2, NULL AS x3, 0 AS o "
          f"FROM (SELECT {sk}, COUNT(*) AS n, SUM(CASE WHEN status = 'passed' THEN 1 ELSE 0 END) AS passed, "
          f"SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed, "
          f"SUM(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END) AS skipped, "
          f"SUM(CASE WHEN hints > 0 THEN 1 ELSE 0 END) AS hinted, SUM(hints) AS hints, "
          f"SUM(CASE WHEN revealed > 0 THEN 1 ELSE 0 END) AS revealed, AVG(spl) AS spl, AVG(soft) AS soft, "
          f"{d.json_agg('kind', distinct=True)} AS kinds FROM st WHERE {reached} GROUP BY {sk}) g "
          f"LEFT JOIN sm m ON m.ward = g.ward AND m.tour = g.tour AND m.step = g.step AND m.step_id = g.step_id "
          f"LEFT JOIN stg t ON t.ward = g.ward AND t.tour = g.tour AND t.step = g.step AND t.step_id = g.step_id")
    # items: find attempts numbered per trainee and item, in session order then step order
    att = (f"SELECT trainee, ward, target AS item, tour, CASE WHEN status = 'passed' THEN 1 ELSE 0 END AS found, "
           f"dur, spl, soft, ROW_NUMBER() OVER (PARTITION BY trainee{c}, ward{c}, target{c} "
           f"ORDER BY session, step) "
           f"AS n FROM st WHERE {reached} AND kind = 'find' AND target IS NOT NULL AND target <> ''")
    bucket = "CASE WHEN n >= 4 THEN '4+' ELSE CAST(n AS TEXT) END"
    ag = (f"SELECT ward, item, 'all' AS grp, found, dur, spl, soft FROM att UNION ALL "
          f"SELECT ward, item, CASE WHEN n = 1 THEN 'first' ELSE 'repeat' END, found, dur, spl, soft FROM att UNION ALL "
          f"SELECT ward, item, {bucket}, found, dur, spl, soft FROM att UNION ALL "
          f"SELECT '', '', {bucket}, found, dur, spl, soft FROM att")
    gk = "ward, item, grp"
    gkc = f"ward{c}, item{c}, grp{c}"
    ag_med = (f"SELECT {gk}, AVG(dur) AS med FROM (SELECT {gk}, dur, ROW_NUMBER() OVER (PARTITION BY {gkc} ORDER BY dur) "
              f"AS rn, COUNT(*) OVER (PARTITION BY {gkc}) AS cnt FROM ag WHERE found = 1 AND dur IS NOT NULL) q "
              f"WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2) GROUP BY {gk}")
    p2 = (f"SELECT 2 AS part, g.ward, g.item, g.grp, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
          f"g.n, g.found, NULL, NULL, NULL, NULL, NULL, NULL, m.med, g.spl, g.soft, NULL, NULL, NULL, NULL, 0 "
          f"FROM (SELECT {gk}, COUNT(*) AS n, SUM(found) AS found, AVG(spl) AS spl, AVG(soft) AS soft FROM ag "
          f"GROUP BY {gk}) g LEFT JOIN am m ON m.ward = g.ward AND m.item = g.item AND m.grp = g.grp")
    who = ("SELECT trainee, ward, item, MAX(found) AS found FROM att GROUP BY trainee, ward, item")
    p3 = (f"SELECT 3, i.ward, i.item, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
          f"w.trainees, w.never, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, i.tours, NULL, NULL, 0 "
          f"FROM (SELECT ward, item, {d.json_agg('tour', distinct=True)} AS tours FROM att GROUP BY ward, item) i "
          f"JOIN (SELECT ward, item, COUNT(*) AS trainees, SUM(1 - found) AS never FROM who GROUP BY ward, item) w "
          f"ON w.ward = i.ward AND w.item = i.item")
    p4 = (f"SELECT 4, trainee, ward, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
          f"COUNT(*), SUM(found), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
          f"{d.json_agg('CASE WHEN found = 0 THEN item END')}, NULL, NULL, 0 FROM who GROUP BY trainee, ward")
    ctes = {"sm": step_med, "stg": step_tgt, "att": att, "ag": ag, "am": ag_med, "who": who}
    return ctes, [p1, p2, p3, p4]


def build_statement(pg: bool, where: str) -> str:
    """The whole statement (``where``: the sessions' filter, ``?`` placeholders). Its rows:
    ``(part, a1..a10 text, i1..i8 integer, f1..f4 double, x1 JSON, x2..x3 text, o)``, ordered
    by part and ``o``: part 0 one per session in start order (:meth:`SqlTables.add_session`),
    1 per tour step (:meth:`SqlTables.add_step`), 2 per item and attempt group (all, first,
    repeat, 1, 2, 3, 4+; ward and item empty: all items pooled), 3 per item (tours, trainees,
    trainees who never found it), 4 per trainee and ward (items tried, found, never found)."""
    d = _Dialect(pg)
    part0, ctes = _statement(d)
    ctes["s"] = _sessions_cte(d, where)
    more, parts = _aggregates(d)
    order = ["s", "x", "sg", "st", "y", "sy", "ss"]
    ctes.update(more)
    order += list(more)
    # computed once, read several times (both backends would otherwise inline them)
    mat = {"sg", "st", "att", "ag", "who"}
    with_ = ", ".join(f"{name} AS{' MATERIALIZED' if name in mat else ''} ({ctes[name]})" for name in order)
    body = " UNION ALL ".join([part0, *parts])
    c = d.c
    return f"WITH {with_} SELECT * FROM ({body}) u ORDER BY part, o"


class _Session:
    """What the cohort table reads of a session (the attributes of a
    :class:`~wardtwin.reports.summary.SessionSummary` that :class:`_Group` uses)."""

    __slots__ = ("trainee", "completed", "duration_s", "score", "ssq_pre", "ssq_post", "any_symptom", "fms_max",
                 "outcome")


class _Bad(Exception):
    """A row the SQL path leaves to the Python fold."""


class SqlItems:
    """The per-item tables (:class:`~wardtwin.reports.items.ItemEvidence`'s methods) from parts 2-4."""

    def __init__(self, pseudonym):
        self._p = pseudonym
        self.groups: dict[tuple, dict] = {}  # (ward, item) -> grp -> (attempts, found, median, spl, soft)
        self.pooled: dict[str, tuple] = {}
        self.meta: dict[tuple, tuple] = {}  # (ward, item) -> (tours, trainees, never)
        self.never: list[tuple] = []

    @staticmethod
    def _rate(g):
        return g[1] / g[0] if g and g[0] else None

    def items(self) -> list[dict]:
        rows = []
        for key in sorted(self.groups):
            g = self.groups[key]
            a, f, r = g.get("all"), g.get("first"), g.get("repeat")
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

    def curve(self) -> list[dict]:
        rows = []
        for key in sorted(self.groups):
            g = self.groups[key]
            for a in CURVE_ATTEMPTS:
                st = g.get(a)
                if st and st[0]:
                    rows.append({"ward": key[0], "item": key[1], "attempt": a, "attempts": st[0], "found": st[1],
                                 "found_rate": _r(self._rate(st)), "median_time_s": _r(st[2], 1),
                                 "spl_mean": _r(st[3])})
        return rows

    def pooled_curve(self) -> list[dict]:
        return [{"ward": "", "item": "", "attempt": a, "attempts": st[0], "found": st[1],
                 "found_rate": _r(self._rate(st)), "median_time_s": _r(st[2], 1), "spl_mean": _r(st[3])}
                for a in CURVE_ATTEMPTS if (st := self.pooled.get(a)) and st[0]]

    def never_found(self) -> list[dict]:
        p = self._p
        rows = [{"trainee": p(t) if p else t, "ward": w, "items_tried": tried, "items_found": found,
                 "never_found": len(missed), "items_never_found": " ".join(sorted(missed))}
                for t, w, tried, found, missed in self.never]
        rows.sort(key=lambda r: (r["trainee"], r["ward"]))
        return rows


class SqlTables:
    """:class:`~wardtwin.reports.aggregate.ReportTables`' tables (roster, cohort, steps, items,
    SSQ totals, version facts) from the rows of :func:`build_statement`."""

    def __init__(self, pseudonym=None):
        self.pseudonym = pseudonym
        self.versions: list[_VersionFacts] = []
        self.n_sessions = 0
        self._best: dict[str, list] = {}  # trainee -> [latest, latest completed, attempts] (session rows)
        self._all = _Group()
        self._by = {"role": {}, "station": {}}
        self._steps: list[dict] = []
        self.items = SqlItems(pseudonym)
        self.ssq_pre: list[float] = []
        self.ssq_post: list[float] = []

    def roster(self, due=None) -> list[dict]:
        rows = []
        p = self.pseudonym
        for trainee, (latest, done, attempts) in self._best.items():
            r = done or latest
            (sid, _, role, station, ward, tour, layout_hash, _, started_at, outcome, total, passed, missed,
             duration, post, fms_max) = r
            completed = outcome == "completed"
            rows.append({
                "trainee": p(trainee) if p else trainee, "role": role or "", "station": station, "ward": ward,
                "tour": tour, "completed": completed, "outcome": outcome, "started_at": started_at,
                "ended_at": _ended_at(started_at, duration), "duration_s": _r(duration, 1),
                "score": _r(passed / total if total else 0.0, 3), "steps_passed": passed, "steps_total": total,
                "steps_missed": " ".join(missed), "attempts": attempts,
                "ssq_post_total": post["total"] if post else None, "fms_max": fms_max, "session": sid,
                "ward_version": layout_hash if completed else "",
                "refresher": due[(trainee, ward)].status.value if due and (trainee, ward) in due else "",
            })
        rows.sort(key=lambda r: r["trainee"])
        return rows

    def cohort(self) -> list[dict]:
        return _cohort_rows(self._all, self._by)

    def steps(self) -> list[dict]:
        return sorted(self._steps, key=lambda r: (r["ward"], r["tour"], r["step"], r["step_id"]))

    # -- reading the rows ---------------------------------------------------------------------
    def add_session(self, row, ssq) -> None:
        """One part-0 row (raises :class:`_Bad` for a row left to the Python path)."""
        from wardtwin.store.db import is_time

        (_, sid, trainee, role, station, ward, tour, layout_hash, tour_version, started_at, outcome,
         n_pre, n_post, n_declared, n_existing, max_step, passed, bad, fms_max, duration, _, _, _,
         missed_json, pre_text, post_text, _) = row
        if bad or not is_time(started_at) or outcome is None:
            raise _Bad(sid)
        for v in (sid, trainee, station, ward, tour, layout_hash, tour_version):
            if type(v) is not str:
                raise _Bad(sid)
        if role is not None and type(role) is not str:
            raise _Bad(sid)
        total = max(n_declared, n_existing)
        missed = [i for _, i in sorted(_json(missed_json))] if missed_json is not None else []
        if total > n_existing:
            missed = missed + [f"step-{i + 1}" for i in range(n_existing, total)]
        pre = ssq(pre_text) if n_pre else None
        post = ssq(post_text) if n_post else None
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
        for dim, value in (("role", role or "unknown"), ("station", station)):
            g = self._by[dim].get(value)
            if g is None:
                g = self._by[dim][value] = _Group()
            g.add(s)
        if pre:
            self.ssq_pre.append(pre["total"])
        if post:
            self.ssq_post.append(post["total"])

    def add_step(self, row) -> None:
        (_, ward, tour, step_id, target, _, _, _, _, _, _, n, passed, failed, skipped, hinted, hints, revealed, step,
         med, spl, soft, _, kinds, _, _, _) = row
        ks = sorted({k for k in _json(kinds) if k}) if kinds else []
        self._steps.append({
            "ward": ward, "tour": tour, "step": step, "step_id": step_id, "kind": "/".join(ks),
            "target": target or "", "attempts": n, "passed": passed, "failed": failed, "skipped": skipped,
            "success_rate": _r(passed / n), "median_duration_s": _r(med, 1),
            "hint_rate": _r(hinted / n), "mean_hints": _r(hints / n), "reveal_rate": _r(revealed / n),
            "spl_mean": _r(spl), "soft_spl_mean": _r(soft),
        })


def _json(value):
    """A JSON aggregate's value: text (SQLite) or already decoded (psycopg decodes json)."""
    return json.loads(value) if isinstance(value, str) else value


def _ended_at(started_at: str, duration: float) -> str:
    try:
        t0 = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return (t0 + timedelta(seconds=duration)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ssq_reader():
    """SSQ scores of a questionnaire's data text (as the fold scores them), one parse and one
    scoring per distinct text; :class:`_Bad` for data the fold would refuse."""
    from wardtwin.reports.summary import _BAD_DATA, _ssq

    cache: dict[str, dict | None] = {}

    def read(text: str):
        try:
            return cache[text]
        except KeyError:
            pass
        try:
            data = json.loads(text)
            value = _ssq(data) if type(data) is dict else None
        except _BAD_DATA:
            raise _Bad("questionnaire") from None
        if type(data) is not dict:
            raise _Bad("questionnaire")
        cache[text] = value
        return value

    return read


def sql_tables(store, *, ward: str | None = None, since: str | None = None, pseudonym=None,
               batch: int = 5000) -> SqlTables | None:
    """The report's tables of ``store`` (sessions of ``ward`` started on/after ``since``) from
    one SQL statement, or None where the Python path must build them (see the module's text)."""
    from wardtwin.store.db import _session_filter
    from wardtwin.store.journal import read_pending

    if read_pending(store):
        return None
    where, params = _session_filter(ward, since)
    q = store.sql(build_statement(store.backend == "postgresql", " AND ".join(where)))
    params = list(params)  # only the sessions CTE reads them
    tables = SqlTables(pseudonym)
    ssq = _ssq_reader()
    items = tables.items
    try:
        with _rows(store, q, params, batch) as chunks:
            for rows in chunks:
                for row in rows:
                    part = row[0]
                    if part == 0:
                        tables.add_session(row, ssq)
                    elif part == 1:
                        tables.add_step(row)
                    elif part == 2:
                        g = items.pooled if row[1] == "" and row[2] == "" else \
                            items.groups.setdefault((row[1], row[2]), {})
                        g[row[3]] = (row[11], row[12], row[19], row[20], row[21])
                    elif part == 3:
                        tours = "/".join(sorted(set(_json(row[23]))))
                        items.meta[(row[1], row[2])] = (tours, row[11], row[12])
                    else:
                        missed = [m for m in _json(row[23]) if m is not None] if row[12] < row[11] else []
                        items.never.append((row[1], row[2], row[11], row[12], missed))
    except _Bad:
        return None
    except _Refused:
        return None
    return tables


class _Refused(Exception):
    """The server refused the statement over a stored value (text that is not JSON...)."""


def _rows(store, q: str, params, batch: int):
    """Chunks of the statement's rows (a server-side cursor in a read-only transaction on
    PostgreSQL); a value the server cannot read raises :class:`_Refused`."""
    from contextlib import contextmanager

    @contextmanager
    def chunks():
        if store.backend == "postgresql":
            import psycopg

            try:
                with store.conn.transaction(), store.conn.cursor(name="wardtwin_sql_report") as cur:
                    # memory for the sorts and hashes of one statement; no JIT (compiling its
                    # long expressions takes longer than running them)
                    store.conn.execute("SET LOCAL work_mem = '256MB'")
                    store.conn.execute("SET LOCAL jit = off")
                    cur.execute(q, params)
                    yield iter(lambda: cur.fetchmany(batch), [])
            except psycopg.DataError as exc:
                raise _Refused(str(exc)) from exc
            return
        import sqlite3

        try:
            cur = store.conn.execute(q, params)
            yield iter(lambda: cur.fetchmany(batch), [])
        except sqlite3.OperationalError as exc:
            if "json" in str(exc).lower():
                raise _Refused(str(exc)) from exc
            raise

    return chunks()
