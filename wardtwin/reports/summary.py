"""Per-session and per-step summaries derived from a session's events (nothing else is stored).

A session's ``outcome`` is its ``session_ended`` outcome, or ``abandoned`` when its last event
is not ``session_ended`` (the station crashed or was switched off). A step is ``passed``
(``step_completed`` with success not false), ``failed`` (``step_failed``, or completed with
``success: false``), ``skipped`` (``step_skipped``), ``incomplete`` (started, never ended) or
``not_reached``. ``score`` is the share of the tour's steps passed (0-1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import fmean
from typing import Iterable, Iterator

from wardtwin.metrics.scores import FMS_STOP_DEFAULT, SSQ_ITEMS, soft_spl, spl, ssq_scores

STEP_STATUSES = ("passed", "failed", "skipped", "incomplete", "not_reached")


@dataclass
class StepSummary:
    index: int
    step_id: str
    kind: str | None = None
    target: str | None = None
    status: str = "not_reached"
    duration_s: float | None = None
    hints: int = 0
    revealed: int = 0
    walked_m: float | None = None
    shortest_m: float | None = None
    spl: float | None = None
    soft_spl: float | None = None
    answer: object = None
    reason: str | None = None
    t_start: float | None = None  #: session seconds when the step started
    t_end: float | None = None
    start_event: int | None = None  #: event seq numbers (ids: ``event_id(session, seq)``)
    end_event: int | None = None


@dataclass
class SessionSummary:
    session: str
    trainee: str
    role: str | None
    station: str
    ward: str
    layout_hash: str
    tour: str
    tour_version: str
    mode: str
    comfort: dict
    started_at: str
    outcome: str = "abandoned"
    duration_s: float = 0.0
    steps: list[StepSummary] = field(default_factory=list)
    ssq_pre: dict | None = None   #: {"nausea", "oculomotor", "disorientation", "total", "any_symptom"}
    ssq_post: dict | None = None
    fms: list[tuple[float, int]] = field(default_factory=list)  #: (session seconds, rating)
    motion: dict = field(default_factory=dict)
    frames: dict = field(default_factory=dict)
    n_events: int = 0
    first_event: int | None = None  #: seq numbers
    last_event: int | None = None
    ended: bool = False

    # -- derived -----------------------------------------------------------------------------
    @property
    def completed(self) -> bool:
        return self.outcome == "completed"

    def count(self, status: str) -> int:
        return sum(1 for s in self.steps if s.status == status)

    @property
    def steps_total(self) -> int:
        return len(self.steps)

    @property
    def score(self) -> float:
        return self.count("passed") / len(self.steps) if self.steps else 0.0

    @property
    def missed(self) -> list[str]:
        """Step ids not passed (failed, skipped, incomplete or not reached)."""
        return [s.step_id for s in self.steps if s.status != "passed"]

    @property
    def hints(self) -> int:
        return sum(s.hints for s in self.steps)

    @property
    def reveals(self) -> int:
        return sum(s.revealed for s in self.steps)

    @property
    def walked_m(self) -> float:
        return sum(s.walked_m or 0.0 for s in self.steps)

    @property
    def shortest_m(self) -> float:
        return sum(s.shortest_m or 0.0 for s in self.steps)

    @property
    def mean_spl(self) -> float | None:
        v = [s.spl for s in self.steps if s.spl is not None]
        return fmean(v) if v else None

    @property
    def mean_soft_spl(self) -> float | None:
        v = [s.soft_spl for s in self.steps if s.soft_spl is not None]
        return fmean(v) if v else None

    @property
    def fms_max(self) -> int | None:
        return max(r for _, r in self.fms) if self.fms else None

    @property
    def stop_rule(self) -> bool:
        """The comfort stop rule ended the session (or a rating reached it)."""
        return self.outcome == "stopped_comfort" or (self.fms_max or 0) >= FMS_STOP_DEFAULT

    @property
    def any_symptom(self) -> bool | None:
        """Any post-exposure SSQ symptom rated 1 (slight) or more; None without a post SSQ."""
        return None if self.ssq_post is None else self.ssq_post["any_symptom"]

    @property
    def ended_at(self) -> str:
        try:
            t0 = datetime.fromisoformat(self.started_at.replace("Z", "+00:00"))
        except ValueError:
            return ""
        return (t0 + timedelta(seconds=self.duration_s)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ssq(data: dict) -> dict | None:
    answers = data.get("answers") or {}
    try:
        s = ssq_scores({k: answers[k] for k in SSQ_ITEMS} if all(k in answers for k in SSQ_ITEMS) else answers)
    except Exception:
        sc = data.get("scores")
        if not sc:
            return None
        s = None
    d = s.as_dict() if s else {k: float(data["scores"].get(k, 0.0)) for k in ("nausea", "oculomotor",
                                                                              "disorientation", "total")}
    d["any_symptom"] = any(int(v) > 0 for v in answers.values()) if answers else d["total"] > 0
    return d


def summarise(session_row: dict, events: Iterable) -> SessionSummary:
    """The summary of one session from its ``sessions`` row and its events in seq order: either
    :class:`~wardtwin.tours.events.Event` objects or tuples ``(seq, type, t, step, data)``
    (data decoded). Event ids are derived from session and seq where needed."""
    r = session_row
    s = SessionSummary(r["id"], r["trainee"], r.get("role"), r["station"], r["ward"], r["layout_hash"], r["tour"],
                       r["tour_version"], r["mode"], r.get("comfort") or {}, r["started_at"])
    n_steps = (r.get("data") or {}).get("steps")
    steps: dict[int, StepSummary] = {}
    last_type, last_t = None, 0.0
    for ev in events:
        if isinstance(ev, tuple):
            seq, typ, t, step, data = ev
        else:
            seq, typ, t, step, data = ev.seq, ev.type, ev.t, ev.step, ev.data
        s.n_events += 1
        if s.first_event is None:
            s.first_event = seq
        s.last_event, last_type, last_t = seq, typ, t
        if step is not None and typ not in ("comfort_rating", "questionnaire", "paused", "resumed"):
            st = steps.get(step)
            if st is None:
                st = steps[step] = StepSummary(step, f"step-{step + 1}")
            if typ == "step_started":
                st.kind = data.get("kind")
                st.step_id = str(data.get("step_id") or st.step_id)
                st.target = data.get("target")
                st.status, st.t_start, st.start_event = "incomplete", t, seq
            elif typ == "hint_shown":
                st.hints += 1
            elif typ == "answer_revealed":
                st.revealed += 1
            elif typ in ("step_completed", "step_failed", "step_skipped"):
                ok = typ == "step_completed" and data.get("success", True) is not False
                st.status = "passed" if ok else ("skipped" if typ == "step_skipped" else "failed")
                st.t_end, st.end_event = t, seq
                st.reason = data.get("reason")
                dur = data.get("duration_s")
                st.duration_s = float(dur) if dur is not None else (t - st.t_start if st.t_start is not None else None)
                st.hints = max(st.hints, int(data.get("hints") or 0))
                st.revealed = max(st.revealed, int(data.get("revealed") or 0))
                st.answer = data.get("answer")
                w, l_ = data.get("walked_m"), data.get("shortest_m")
                if w is not None and l_ is not None:
                    st.walked_m, st.shortest_m = float(w), float(l_)
                    st.spl = float(data["spl"]) if data.get("spl") is not None else spl(ok, float(l_), float(w))
                    if data.get("soft_spl") is not None:
                        st.soft_spl = float(data["soft_spl"])
                    elif data.get("remaining_m") is not None:
                        st.soft_spl = soft_spl(float(l_), float(w), float(data["remaining_m"]))
            continue
        if typ == "comfort_rating":
            s.fms.append((t, int(data["fms"])))
        elif typ == "questionnaire" and data.get("instrument", "ssq") == "ssq":
            if data.get("phase") == "pre":
                s.ssq_pre = _ssq(data)
            elif data.get("phase") == "post":
                s.ssq_post = _ssq(data)
        elif typ == "session_ended":
            s.outcome = data["outcome"]
            s.duration_s = float(data["duration_s"])
            s.motion = dict(data.get("motion") or {})
            s.frames = dict(data.get("frames") or {})
    s.ended = last_type == "session_ended"
    if not s.ended:
        s.outcome = "abandoned"
        s.duration_s = float(last_t)
    total = max(int(n_steps or 0), (max(steps) + 1) if steps else 0)
    s.steps = [steps.get(i) or StepSummary(i, f"step-{i + 1}") for i in range(total)]
    return s


def load_summaries(store, *, ward: str | None = None, since: str | None = None) -> list[SessionSummary]:
    """Summaries of the sessions in ``store`` (optionally one ward, started on/after ``since``),
    oldest first. Reads every event once, in (session, seq) order."""
    rows = {r["id"]: r for r in store.session_rows(ward=ward, since=since)}
    if not rows:
        return []
    out: dict[str, SessionSummary] = {}
    current, bucket = None, []
    for chunk in _chunks(store.iter_event_rows(columns=("session", "seq", "type", "t", "step", "data"))):
        datas = json.loads("[" + ",".join([r[5] for r in chunk]) + "]")  # one parse per chunk: fast
        for r, d in zip(chunk, datas):
            if r[0] != current:
                if bucket and current in rows:
                    out[current] = summarise(rows[current], bucket)
                current, bucket = r[0], []
            bucket.append((r[1], r[2], r[3], r[4], d))
    if bucket and current in rows:
        out[current] = summarise(rows[current], bucket)
    for sid, row in rows.items():  # a session row whose events are gone (never normally)
        if sid not in out:
            out[sid] = summarise(row, [])
    return [out[sid] for sid in rows]


def _chunks(rows: Iterator[tuple], size: int = 20000) -> Iterator[list[tuple]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
