"""Roster (per trainee), cohort and per-step tables from session summaries. Plain rows (dicts)
so that CSV, HTML and tests read the same numbers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from statistics import fmean, median
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from wardtwin.reports.summary import STEP_STATUSES, SessionSummary

if TYPE_CHECKING:
    from wardtwin.versions.due import DueRow

#: A table row: column -> value (the columns below; CSV, HTML and tests read rows by column).
Row = dict[str, Any]
#: Trainee id -> pseudonym (a :class:`~wardtwin.reports.pseudonym.Pseudonymiser`).
Pseudonym = Callable[[str], str]
#: ``(trainee, ward)`` -> the trainee's refresher state (:func:`~wardtwin.versions.due.due_rows`).
Due = Mapping[tuple[str, str], "DueRow"]
#: Per-step running numbers (see :func:`_add_steps`), by (ward, tour, step index, step id).
StepTally = dict[tuple[str, str, int, str], list[Any]]


#: The columns of each table, in order (CSV headers, also written when a table has no rows).
ROSTER_COLUMNS = ("trainee", "role", "station", "ward", "tour", "completed", "outcome", "started_at", "ended_at",
                  "duration_s", "score", "steps_passed", "steps_total", "steps_missed", "attempts", "ssq_post_total",
                  "fms_max", "session", "ward_version", "refresher")
_Q = ("min", "q1", "median", "q3", "max", "mean")
COHORT_COLUMNS = ("group", "value", "sessions", "trainees", "completed", "completion_rate", "median_duration_s",
                  "median_score", "any_symptom_share", *(f"ssq_pre_{k}" for k in _Q), *(f"ssq_post_{k}" for k in _Q),
                  "fms_max_median", "stopped_comfort", "abandoned", "quit", "dropouts")
STEP_COLUMNS = ("ward", "tour", "step", "step_id", "kind", "target", "attempts", "passed", "failed", "skipped", "success_rate",
                "median_duration_s", "hint_rate", "mean_hints", "reveal_rate", "spl_mean", "soft_spl_mean")
_SSQ = ("n", "o", "d", "t")
SESSION_COLUMNS = ("session", "trainee", "role", "station", "ward", "layout_hash", "tour", "tour_version", "mode",
                   "locomotion", "started_at", "ended_at", "outcome", "completed", "duration_s", "steps_total",
                   "steps_passed", "steps_failed", "steps_skipped", "steps_not_reached", "score", "hints", "reveals",
                   "walked_m", "shortest_m", "spl_mean", "soft_spl_mean", *(f"ssq_pre_{k}" for k in _SSQ),
                   *(f"ssq_post_{k}" for k in _SSQ), "any_symptom", "fms_ratings", "fms_max", "stop_rule",
                   "time_in_motion_s", "path_m", "peak_speed_m_s", "mean_speed_m_s", "peak_yaw_rate_deg_s",
                   "mean_yaw_rate_deg_s", "snap_turns", "teleports", "frames", "frames_over_11ms", "frames_over_14ms",
                   "frame_p95_ms")
STEP_RESULT_COLUMNS = ("session", "trainee", "tour", "step", "step_id", "kind", "target", "status", "duration_s",
                       "hints", "revealed", "walked_m", "shortest_m", "spl", "soft_spl", "answer", "reason")


def _r(v: float | None, nd: int = 3) -> float | None:
    return None if v is None else round(v, nd)


def _quantiles(values: list[float]) -> dict[str, float | None]:
    """min, q1, median, q3, max, mean (None when empty)."""
    if not values:
        return {k: None for k in ("n", "min", "q1", "median", "q3", "max", "mean")} | {"n": 0}
    v = sorted(values)

    def q(p: float) -> float:
        x = p * (len(v) - 1)
        lo = int(x)
        hi = min(lo + 1, len(v) - 1)
        return v[lo] + (v[hi] - v[lo]) * (x - lo)

    return {"n": len(v), "min": _r(v[0], 2), "q1": _r(q(0.25), 2), "median": _r(q(0.5), 2), "q3": _r(q(0.75), 2),
            "max": _r(v[-1], 2), "mean": _r(fmean(v), 2)}


class _Tally:
    """One pass over a session's steps: counts by status, hints, reveals, path lengths, SPL
    values (the same numbers, summed in the same order, as :class:`SessionSummary`'s properties)."""

    __slots__ = ("counts", "hints", "reveals", "walked", "shortest", "spl", "soft_spl")

    def __init__(self, s: SessionSummary) -> None:
        counts = dict.fromkeys(STEP_STATUSES, 0)
        hints = reveals = 0
        walked = shortest = 0.0
        spls: list[float] = []
        soft: list[float] = []
        for st in s.steps:
            counts[st.status] += 1
            hints += st.hints
            reveals += st.revealed
            walked += st.walked_m or 0.0
            shortest += st.shortest_m or 0.0
            if st.spl is not None:
                spls.append(st.spl)
            if st.soft_spl is not None:
                soft.append(st.soft_spl)
        self.counts, self.hints, self.reveals, self.walked, self.shortest = counts, hints, reveals, walked, shortest
        self.spl = fmean(spls) if spls else None
        self.soft_spl = fmean(soft) if soft else None

    def score(self, n_steps: int) -> float:
        return self.counts["passed"] / n_steps if n_steps else 0.0


def best_attempts(sessions: list[SessionSummary]) -> dict[str, tuple[SessionSummary, int]]:
    """Trainee -> (the session that counts, number of attempts): the latest completed session,
    else the latest attempt."""
    by: dict[str, list[SessionSummary]] = {}
    for s in sessions:
        by.setdefault(s.trainee, []).append(s)
    out: dict[str, tuple[SessionSummary, int]] = {}
    for trainee, ss in by.items():
        ss.sort(key=lambda s: (s.started_at, s.session))
        done = [s for s in ss if s.completed]
        out[trainee] = ((done or ss)[-1], len(ss))
    return out


def roster(sessions: list[SessionSummary], pseudonym: Pseudonym | None = None, due: Due | None = None) -> list[Row]:
    """One row per trainee, sorted by trainee (or pseudonym). ``due``: ``(trainee, ward)`` ->
    :class:`~wardtwin.versions.due.DueRow` (from :func:`~wardtwin.versions.due.due_rows`), for
    the ``refresher`` column: whether the completed tours and refreshers cover every change to
    the ward that matters (empty when unknown)."""
    rows = [_roster_row(s, trainee, attempts, pseudonym, due)
            for trainee, (s, attempts) in best_attempts(sessions).items()]
    rows.sort(key=lambda r: r["trainee"])
    return rows


def session_rows(sessions: list[SessionSummary], pseudonym: Pseudonym | None = None) -> list[Row]:
    """One row per session with every per-session measure (completion and tolerability)."""
    out: list[Row] = []
    for s in sessions:
        m, f = s.motion, s.frames
        pre: Mapping[str, object] = s.ssq_pre or {}
        post: Mapping[str, object] = s.ssq_post or {}
        t = _Tally(s)
        c = t.counts
        out.append({
            "session": s.session, "trainee": pseudonym(s.trainee) if pseudonym else s.trainee, "role": s.role or "",
            "station": s.station, "ward": s.ward, "layout_hash": s.layout_hash, "tour": s.tour,
            "tour_version": s.tour_version, "mode": s.mode,
            "locomotion": s.comfort.get("locomotion", ""), "started_at": s.started_at, "ended_at": s.ended_at,
            "outcome": s.outcome, "completed": s.completed, "duration_s": _r(s.duration_s, 3),
            "steps_total": s.steps_total, "steps_passed": c["passed"], "steps_failed": c["failed"],
            "steps_skipped": c["skipped"], "steps_not_reached": c["not_reached"] + c["incomplete"],
            "score": _r(t.score(len(s.steps))), "hints": t.hints, "reveals": t.reveals, "walked_m": _r(t.walked, 2),
            "shortest_m": _r(t.shortest, 2), "spl_mean": _r(t.spl), "soft_spl_mean": _r(t.soft_spl),
            **{f"ssq_pre_{k[0]}": pre.get(k) for k in ("nausea", "oculomotor", "disorientation", "total")},
            **{f"ssq_post_{k[0]}": post.get(k) for k in ("nausea", "oculomotor", "disorientation", "total")},
            "any_symptom": s.any_symptom, "fms_ratings": " ".join(str(r) for _, r in s.fms), "fms_max": s.fms_max,
            "stop_rule": s.stop_rule, "time_in_motion_s": m.get("time_in_motion_s"), "path_m": m.get("path_m"),
            "peak_speed_m_s": m.get("peak_speed_m_s"), "mean_speed_m_s": m.get("mean_speed_m_s"),
            "peak_yaw_rate_deg_s": m.get("peak_yaw_rate_deg_s"), "mean_yaw_rate_deg_s": m.get("mean_yaw_rate_deg_s"),
            "snap_turns": m.get("snap_turns"), "teleports": m.get("teleports"), "frames": f.get("count"),
            "frames_over_11ms": f.get("over_budget_11ms"), "frames_over_14ms": f.get("over_budget_14ms"),
            "frame_p95_ms": f.get("p95_ms"),
        })
    return out


def step_result_rows(sessions: list[SessionSummary], pseudonym: Pseudonym | None = None) -> list[Row]:
    """One row per session and step."""
    return [{"session": s.session, "trainee": pseudonym(s.trainee) if pseudonym else s.trainee, "tour": s.tour,
             "step": st.index, "step_id": st.step_id, "kind": st.kind or "", "target": st.target or "",
             "status": st.status, "duration_s": _r(st.duration_s), "hints": st.hints, "revealed": st.revealed,
             "walked_m": st.walked_m, "shortest_m": st.shortest_m, "spl": _r(st.spl, 4),
             "soft_spl": _r(st.soft_spl, 4), "answer": "" if st.answer is None else str(st.answer),
             "reason": st.reason or ""}
            for s in sessions for st in s.steps]


def cohort(sessions: list[SessionSummary]) -> list[Row]:
    """Completion and tolerability for everyone, by role and by station type."""
    groups: list[tuple[str, str, list[SessionSummary]]] = [("all", "all", sessions)]
    keys: tuple[tuple[str, Callable[[SessionSummary], str]], ...] = (
        ("role", lambda s: s.role or "unknown"), ("station", lambda s: s.station))
    for dim, key in keys:
        by: dict[str, list[SessionSummary]] = {}
        for s in sessions:
            by.setdefault(key(s), []).append(s)
        groups += [(dim, k, by[k]) for k in sorted(by)]
    rows: list[Row] = []
    for dim, value, ss in groups:
        trainees = best_attempts(ss)
        n_tr = len(trainees)
        done = [s for s, _ in trainees.values() if s.completed]
        with_post = [s for s in ss if s.ssq_post is not None]
        pre = _quantiles([s.ssq_pre["total"] for s in ss if s.ssq_pre])
        post = _quantiles([s.ssq_post["total"] for s in with_post if s.ssq_post is not None])
        rows.append({
            "group": dim, "value": value, "sessions": len(ss), "trainees": n_tr, "completed": len(done),
            "completion_rate": _r(len(done) / n_tr if n_tr else None),
            "median_duration_s": _r(median([s.duration_s for s in done]), 1) if done else None,
            "median_score": _r(median([s.score for s in ss]), 3) if ss else None,
            "any_symptom_share": _r(sum(bool(s.any_symptom) for s in with_post) / len(with_post)) if with_post else None,
            **{f"ssq_pre_{k}": v for k, v in pre.items() if k != "n"},
            **{f"ssq_post_{k}": v for k, v in post.items() if k != "n"},
            "fms_max_median": (median([s.fms_max for s in ss if s.fms_max is not None])
                               if any(s.fms_max is not None for s in ss) else None),
            "stopped_comfort": sum(s.outcome == "stopped_comfort" for s in ss),
            "abandoned": sum(s.outcome == "abandoned" for s in ss), "quit": sum(s.outcome == "quit" for s in ss),
            "dropouts": sum(s.outcome in ("abandoned", "quit") for s in ss),
        })
    return rows


def steps(sessions: list[SessionSummary]) -> list[Row]:
    """Per tour step (of each ward's tour: two wards' ``orientation`` tours are two tours): how
    often it was passed, how long it took, hints, SPL (reached steps only)."""
    by: StepTally = {}
    for s in sessions:
        _add_steps(by, s)
    return _step_rows(by)


def _roster_row(s: SessionSummary, trainee: str, attempts: int, pseudonym: Pseudonym | None = None,
                due: Due | None = None) -> Row:
    """The roster row of trainee ``trainee`` whose session that counts is ``s`` (as :func:`roster`)."""
    missed = [st.step_id for st in s.steps if st.status != "passed"]
    passed = len(s.steps) - len(missed)
    return {
        "trainee": pseudonym(trainee) if pseudonym else trainee, "role": s.role or "", "station": s.station,
        "ward": s.ward, "tour": s.tour, "completed": s.completed, "outcome": s.outcome,
        "started_at": s.started_at, "ended_at": s.ended_at, "duration_s": _r(s.duration_s, 1),
        "score": _r(passed / len(s.steps) if s.steps else 0.0, 3), "steps_passed": passed,
        "steps_total": s.steps_total, "steps_missed": " ".join(missed), "attempts": attempts,
        "ssq_post_total": s.ssq_post["total"] if s.ssq_post else None, "fms_max": s.fms_max,
        "session": s.session,
        "ward_version": s.layout_hash if s.completed else "",  # of the last completed tour
        "refresher": due[(trainee, s.ward)].status.value if due and (trainee, s.ward) in due else "",
    }


class CohortSession(Protocol):
    """What a cohort group reads of a session: a :class:`SessionSummary`, or the SQL path's
    session row (:mod:`wardtwin.reports.sqlagg`). Times in s; SSQ scores by scale name."""

    @property
    def trainee(self) -> str: ...

    @property
    def completed(self) -> bool: ...

    @property
    def duration_s(self) -> float: ...

    @property
    def score(self) -> float: ...

    @property
    def ssq_pre(self) -> Mapping[str, Any] | None: ...

    @property
    def ssq_post(self) -> Mapping[str, Any] | None: ...

    @property
    def any_symptom(self) -> bool | None: ...

    @property
    def fms_max(self) -> int | None: ...

    @property
    def outcome(self) -> str: ...


class _Group:
    """One cohort group's running numbers (see :func:`cohort`)."""

    __slots__ = ("sessions", "trainees", "done", "scores", "with_post", "symptom", "pre", "post", "fms", "stopped",
                 "abandoned", "quit")

    def __init__(self) -> None:
        self.sessions = 0
        self.trainees: set[str] = set()
        self.done: dict[str, float] = {}  # trainee -> duration of their latest completed session
        self.scores: list[float] = []
        self.with_post = self.symptom = 0
        self.pre: list[float] = []
        self.post: list[float] = []
        self.fms: list[int] = []
        self.stopped = self.abandoned = self.quit = 0

    def add(self, s: CohortSession) -> None:
        self.sessions += 1
        self.trainees.add(s.trainee)
        if s.completed:
            self.done[s.trainee] = s.duration_s
        self.scores.append(s.score)
        if s.ssq_post is not None:
            self.with_post += 1
            self.symptom += bool(s.any_symptom)
            self.post.append(s.ssq_post["total"])
        if s.ssq_pre:
            self.pre.append(s.ssq_pre["total"])
        if s.fms_max is not None:
            self.fms.append(s.fms_max)
        o = s.outcome
        if o != "completed":
            self.stopped += o == "stopped_comfort"
            self.abandoned += o == "abandoned"
            self.quit += o == "quit"

    def row(self, dim: str, value: str) -> Row:
        n_tr = len(self.trainees)
        done = list(self.done.values())
        pre, post = _quantiles(self.pre), _quantiles(self.post)
        return {
            "group": dim, "value": value, "sessions": self.sessions, "trainees": n_tr, "completed": len(done),
            "completion_rate": _r(len(done) / n_tr if n_tr else None),
            "median_duration_s": _r(median(done), 1) if done else None,
            "median_score": _r(median(self.scores), 3) if self.scores else None,
            "any_symptom_share": _r(self.symptom / self.with_post) if self.with_post else None,
            **{f"ssq_pre_{k}": v for k, v in pre.items() if k != "n"},
            **{f"ssq_post_{k}": v for k, v in post.items() if k != "n"},
            "fms_max_median": median(self.fms) if self.fms else None,
            "stopped_comfort": self.stopped, "abandoned": self.abandoned, "quit": self.quit,
            "dropouts": self.abandoned + self.quit,
        }


def _cohort_rows(everyone: _Group, by: dict[str, dict[str, _Group]]) -> list[Row]:
    """The cohort table: everyone, then each role and each station (sorted)."""
    rows = [everyone.row("all", "all")]
    for dim in ("role", "station"):
        rows += [by[dim][k].row(dim, k) for k in sorted(by[dim])]
    return rows


class ReportTables:
    """The roster, cohort, per-step and per-item tables of a cohort, fed one session at a time
    (:meth:`add`, sessions in start order as :func:`~wardtwin.reports.summary.iter_summaries`
    gives them): the same rows as :func:`roster`, :func:`cohort`, :func:`steps` and
    :class:`~wardtwin.reports.items.ItemEvidence` of the whole list, with memory for one roster
    row per trainee and a few numbers per session, never the sessions themselves."""

    def __init__(self, pseudonym: Pseudonym | None = None, keep_versions: bool = False) -> None:
        from wardtwin.reports.items import ItemEvidence

        self.pseudonym = pseudonym
        #: ``keep_versions``: what :func:`~wardtwin.versions.due.due_rows` reads of each session
        self.versions: list[_VersionFacts] | None = [] if keep_versions else None
        self.n_sessions = 0
        self._best: dict[str, list[Any]] = {}  # trainee -> [latest session, latest completed session, attempts] as rows
        self._all = _Group()
        self._by: dict[str, dict[str, _Group]] = {"role": {}, "station": {}}
        self._steps: StepTally = {}
        self.items = ItemEvidence(pseudonym)
        self.ssq_pre: list[float] = []
        self.ssq_post: list[float] = []

    def add(self, s: SessionSummary) -> None:
        self.n_sessions += 1
        row = _roster_row(s, s.trainee, 0, self.pseudonym)
        if self.versions is not None:
            self.versions.append(_VersionFacts(s.trainee, s.ward, s.layout_hash, s.tour_version, s.completed,
                                               s.started_at, s.session))
        b = self._best.get(s.trainee)
        if b is None:
            b = self._best[s.trainee] = [None, None, 0]
        b[0] = row
        if s.completed:
            b[1] = row
        b[2] += 1
        self._all.add(s)
        for dim, value in (("role", s.role or "unknown"), ("station", s.station)):
            g = self._by[dim].get(value)
            if g is None:
                g = self._by[dim][value] = _Group()
            g.add(s)
        _add_steps(self._steps, s)
        self.items.add(s)
        if s.ssq_pre:
            self.ssq_pre.append(s.ssq_pre["total"])
        if s.ssq_post:
            self.ssq_post.append(s.ssq_post["total"])

    def roster(self, due: Due | None = None) -> list[Row]:
        """:func:`roster` (``due``: as there)."""
        rows: list[Row] = []
        for trainee, (latest, done, attempts) in self._best.items():
            r = dict(done or latest)
            r["attempts"] = attempts
            if due and (trainee, r["ward"]) in due:
                r["refresher"] = due[(trainee, r["ward"])].status.value
            rows.append(r)
        rows.sort(key=lambda r: r["trainee"])
        return rows

    def cohort(self) -> list[Row]:
        return _cohort_rows(self._all, self._by)

    def steps(self) -> list[Row]:
        return _step_rows(self._steps)


class _VersionFacts(NamedTuple):
    """What :func:`~wardtwin.versions.due.due_rows` reads of a session."""

    trainee: str
    ward: str
    layout_hash: str
    tour_version: str
    completed: bool
    started_at: str
    session: str


def _add_steps(by: StepTally, s: SessionSummary) -> None:
    """One session's steps into the running per-step numbers of :func:`steps`: ``by`` maps
    (ward, tour, index, step id) to [attempts, passed, failed, skipped, hinted, hints, revealed,
    durations, SPLs, SoftSPLs, kinds, target]."""
    ward, tour = s.ward, s.tour
    for st in s.steps:
        status = st.status
        if status == "not_reached":
            continue
        key = (ward, tour, st.index, st.step_id)
        a = by.get(key)
        if a is None:
            a = by[key] = [0, 0, 0, 0, 0, 0, 0, [], [], [], set(), None]
        a[0] += 1
        if st.hints > 0:
            a[4] += 1
            a[5] += st.hints
        if st.revealed > 0:
            a[6] += 1
        if st.kind:
            a[10].add(st.kind)
        if a[11] is None and st.target:
            a[11] = st.target
        if status == "incomplete":
            continue
        a[1 if status == "passed" else 2 if status == "failed" else 3] += 1
        if st.duration_s is not None:
            a[7].append(st.duration_s)
        if st.spl is not None:
            a[8].append(st.spl)
        if st.soft_spl is not None:
            a[9].append(st.soft_spl)


def _step_rows(by: StepTally) -> list[Row]:
    rows: list[Row] = []
    for (ward, tour, index, step_id), a in sorted(by.items()):
        n, passed, failed, skipped, hinted, hints, revealed, durs, spls, soft, kinds, target = a
        rows.append({
            "ward": ward, "tour": tour, "step": index, "step_id": step_id, "kind": "/".join(sorted(kinds)),
            "target": target or "", "attempts": n, "passed": passed, "failed": failed, "skipped": skipped,
            "success_rate": _r(passed / n), "median_duration_s": _r(median(durs), 1) if durs else None,
            "hint_rate": _r(hinted / n), "mean_hints": _r(hints / n), "reveal_rate": _r(revealed / n),
            "spl_mean": _r(fmean(spls)) if spls else None, "soft_spl_mean": _r(fmean(soft)) if soft else None,
        })
    return rows
