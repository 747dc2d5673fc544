"""One session's events folded into its summary: outcome, duration (s), per-step status, hints,
reveals, SPL / SoftSPL, FMS ratings and SSQ scores, as the design defines them. Pure: it reads
nothing but the session's row and its events (the event contract, :mod:`wardtwin.events`), so
the store (its typed results tables) and the reports share this one fold.

A session's ``outcome`` is its ``session_ended`` outcome, or ``abandoned`` when its last event
is not ``session_ended`` (the station crashed or was switched off). A step is ``passed``
(``step_completed`` with success not false), ``failed`` (``step_failed``, or completed with
``success: false``), ``skipped`` (``step_skipped``), ``incomplete`` (started, never ended) or
``not_reached``. ``score`` is the share of the tour's steps passed (0-1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from statistics import fmean
from typing import TYPE_CHECKING, Any, Iterable, Mapping, TypedDict, cast

from wardtwin.events import MAX_STEP
from wardtwin.metrics.scores import FMS_STOP_DEFAULT, SSQ_ITEMS, SSQScores, soft_spl, spl, ssq_scores

if TYPE_CHECKING:
    from wardtwin.events import Event

STEP_STATUSES = ("passed", "failed", "skipped", "incomplete", "not_reached")

#: A stored event as the summaries fold it: ``(seq, type, t, step, data)`` (data decoded).
EventTuple = tuple[int, str, float, int | None, Mapping[str, Any]]
#: A ``sessions`` row as the store gives it (column -> value, JSON columns decoded).
SessionRow = dict[str, Any]


class SsqSummary(TypedDict):
    """A scored SSQ: the weighted scales and ``any_symptom`` (a symptom rated 1 or more)."""

    nausea: float
    oculomotor: float
    disorientation: float
    total: float
    any_symptom: bool


@dataclass(slots=True)
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
    comfort: dict[str, Any]
    started_at: str
    outcome: str = "abandoned"
    duration_s: float = 0.0
    steps: list[StepSummary] = field(default_factory=list)
    ssq_pre: SsqSummary | None = None
    ssq_post: SsqSummary | None = None
    fms: list[tuple[float, int]] = field(default_factory=list)  #: (session seconds, rating)
    motion: dict[str, Any] = field(default_factory=dict)
    frames: dict[str, Any] = field(default_factory=dict)
    n_events: int = 0
    first_event: int | None = None  #: seq numbers
    last_event: int | None = None
    ended: bool = False
    #: the tour's pass mark recorded when the session started (0-1); None: not recorded
    pass_mark: float | None = None

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


def _score_answers(answers: Mapping[str, Any]) -> SSQScores | None:
    """:func:`ssq_scores` of a questionnaire's answers, or None when they cannot be scored."""
    try:
        return ssq_scores({k: answers[k] for k in SSQ_ITEMS} if all(k in answers for k in SSQ_ITEMS) else dict(answers))
    except Exception:
        return None


@lru_cache(maxsize=4096)
def _score_items(items: tuple[tuple[str, Any], ...]) -> SSQScores | None:
    return _score_answers(dict(items))


def _ssq(data: Mapping[str, Any]) -> SsqSummary | None:
    answers: Mapping[str, Any] = data.get("answers") or {}
    try:  # most answer sets repeat (all zeros above all): score each distinct one once
        s = _score_items(tuple(answers.items()))
    except (TypeError, AttributeError):  # unhashable values, or not a mapping
        s = _score_answers(answers)
    if s is None:
        sc = data.get("scores")
        if not sc:
            return None
    d = s.as_dict() if s else {k: float(data["scores"].get(k, 0.0)) for k in ("nausea", "oculomotor",
                                                                              "disorientation", "total")}
    return {"nausea": d["nausea"], "oculomotor": d["oculomotor"], "disorientation": d["disorientation"],
            "total": d["total"],
            "any_symptom": any(int(v) > 0 for v in answers.values()) if answers else d["total"] > 0}


_NOT_STEP = frozenset(("comfort_rating", "questionnaire", "paused", "resumed"))
_STEP_ENDS = frozenset(("step_completed", "step_failed", "step_skipped"))


class UnusableEvent(ValueError):
    """An event whose data a summary cannot use (a key missing, a value of the wrong kind)."""

    def __init__(self, seq: int | None, type_: str | None, exc: BaseException) -> None:
        self.seq = seq
        what = f"lacks {exc.args[0]!r} in its data" if isinstance(exc, KeyError) else \
            f"has a value of the wrong kind in its data ({exc})"
        super().__init__(f"a {type_} event that {what}")


#: What a summary raises for data it cannot use (wrapped as :class:`UnusableEvent` for events).
BAD_DATA: tuple[type[Exception], ...] = (KeyError, TypeError, ValueError, AttributeError, OverflowError)


def _num(v: Any) -> float:
    """A stored number as a float; a ValueError for one that is not finite (or not a number)."""
    x = float(v)
    if not math.isfinite(x):
        raise ValueError(f"{v!r} is not a finite number")
    return x


def _text(v: object) -> str | None:
    """A stored text (or None); a TypeError for anything else."""
    if v is None or type(v) is str:
        return v
    raise TypeError(f"{v!r} is not text")


def _word(v: object) -> str:
    """A stored text that must be there (an outcome); a TypeError for anything else."""
    if type(v) is not str or not v:
        raise TypeError(f"{v!r} is not a word")
    return v


def _share(v: object) -> float | None:
    """A recorded pass mark: a number from 0 to 1, else None (not recorded, or unusable)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
        return None
    return float(v)


def _step_count(v: object) -> int:
    """The number of steps a session row announces: a whole number from 0 to MAX_STEP."""
    n = 0 if v is None else v
    if type(n) is not int or not 0 <= n <= MAX_STEP:
        raise ValueError(f"its number of steps {v!r} is not a whole number from 0 to {MAX_STEP}")
    return n


def summarise(session_row: SessionRow, events: Iterable[Event | EventTuple]) -> SessionSummary:
    """The summary of one session from its ``sessions`` row and its events in seq order: either
    :class:`~wardtwin.events.Event` objects or tuples ``(seq, type, t, step, data)``
    (data decoded). Event ids are derived from session and seq where needed."""
    r = session_row
    s = SessionSummary(r["id"], r["trainee"], r.get("role"), r["station"], r["ward"], r["layout_hash"], r["tour"],
                       r["tour_version"], r["mode"], r.get("comfort") or {}, r["started_at"])
    n_steps = (r.get("data") or {}).get("steps")
    s.pass_mark = _share((r.get("data") or {}).get("pass_mark"))
    rows: list[EventTuple] = cast(list[EventTuple], events) if type(events) is list and (
        not events or type(events[0]) is tuple) else \
        [ev if isinstance(ev, tuple) else (ev.seq, ev.type, ev.t, ev.step, ev.data) for ev in events]
    steps: dict[int, StepSummary] = {}
    _fold(s, rows, steps)
    if rows:
        s.n_events, s.first_event, s.last_event = len(rows), rows[0][0], rows[-1][0]
    s.ended = bool(rows) and rows[-1][1] == "session_ended"
    if not s.ended:
        s.outcome = "abandoned"
        s.duration_s = float(rows[-1][2]) if rows else 0.0
    total = max(_step_count(n_steps), (max(steps) + 1) if steps else 0)
    s.steps = [steps.get(i) or StepSummary(i, f"step-{i + 1}") for i in range(total)]
    return s


def _fold(s: SessionSummary, rows: Iterable[EventTuple], steps: dict[int, StepSummary]) -> None:
    """The events (``(seq, type, t, step, data)`` in order) into ``s`` and ``steps``; an
    :class:`UnusableEvent` names the first whose data cannot be used."""
    fms = s.fms
    seq: int | None = None
    typ: str | None = None
    try:
        for seq, typ, t, step, data in rows:  # one pass; the most frequent types first
            if step is not None and typ not in _NOT_STEP:
                st = steps.get(step)
                if st is None:
                    st = steps[step] = StepSummary(step, f"step-{step + 1}")
                if typ == "step_started":
                    get = data.get
                    st.kind = _text(get("kind"))
                    st.step_id = str(get("id") or get("step_id") or st.step_id)  # step_id: stores before v0.2
                    st.target = _text(get("target"))
                    st.status, st.t_start, st.start_event = "incomplete", t, seq
                elif typ in _STEP_ENDS:
                    _end_step(st, seq, typ, t, data)
                elif typ == "hint_shown":
                    st.hints += 1
                elif typ == "answer_revealed":
                    st.revealed += 1
            elif typ == "comfort_rating":
                fms.append((t, int(data["fms"])))
            elif typ == "questionnaire":
                if data.get("instrument", "ssq") == "ssq":
                    if data.get("phase") == "pre":
                        s.ssq_pre = _ssq(data)
                    elif data.get("phase") == "post":
                        s.ssq_post = _ssq(data)
            elif typ == "session_ended":
                s.outcome = _word(data["outcome"])
                s.duration_s = _num(data["duration_s"])
                s.motion = dict(data.get("motion") or {})
                s.frames = dict(data.get("frames") or {})
    except BAD_DATA as exc:
        raise UnusableEvent(seq, typ, exc) from None


def _end_step(st: StepSummary, seq: int, typ: str, t: float, data: Mapping[str, Any]) -> None:
    """A step's end event (completed, failed or skipped) into its summary."""
    get = data.get
    ok = typ == "step_completed" and get("success", True) is not False
    st.status = "passed" if ok else ("skipped" if typ == "step_skipped" else "failed")
    st.t_end, st.end_event = t, seq
    st.reason = _text(get("reason"))
    dur = get("duration_s")
    st.duration_s = _num(dur) if dur is not None else (t - st.t_start if st.t_start is not None else None)
    n = get("hints")
    if n and int(n) > st.hints:
        st.hints = int(n)
    n = get("revealed")
    if n and int(n) > st.revealed:
        st.revealed = int(n)
    st.answer = get("answer")
    w, l_ = get("walked_m"), get("shortest_m")
    if w is not None and l_ is not None:
        st.walked_m, st.shortest_m = w, l_ = _num(w), _num(l_)
        v = get("spl")
        st.spl = _num(v) if v is not None else spl(ok, l_, w)
        v = get("soft_spl")
        if v is not None:
            st.soft_spl = _num(v)
        elif get("remaining_m") is not None:
            st.soft_spl = soft_spl(l_, w, _num(data["remaining_m"]))
