"""How a tour session went, in brief: the end-of-tour summary every station shows and ``wardtwin
tour`` prints. Pure: made from a :class:`~wardtwin.tours.engine.Session` alone (its results,
outcome and events), whichever station ran it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from wardtwin.events import ComfortRating, EventType, Outcome, Questionnaire, StepStatus
from wardtwin.tours.engine import Session


@dataclass(frozen=True)
class TourSummary:
    """How a session went, for the end-of-tour panel and the command line: ``outcome`` (None
    while it runs), ``duration_s`` (s), steps ``completed`` / ``failed`` / ``skipped`` of the
    ``steps`` in the tour, ``review`` ((step title or id, status) of the steps not completed),
    SSQ totals before/after and the highest FMS rating (None: not asked)."""

    session: str
    trainee: str
    outcome: Outcome | None
    duration_s: float
    completed: int
    failed: int
    skipped: int
    steps: int
    review: list[tuple[str, StepStatus]]
    ssq_pre: float | None
    ssq_post: float | None
    fms_max: int | None

    def to_dict(self) -> dict[str, Any]:
        """As plain data (``wardtwin tour --format json``'s ``tour``; enum members as their text)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["outcome"] = None if self.outcome is None else str(self.outcome)
        d["review"] = [(name, str(status)) for name, status in self.review]
        return d


def end_summary(s: Session) -> TourSummary:
    """How ``s`` went (see :class:`TourSummary`)."""
    res = {r.index: r for r in s.results}
    review: list[tuple[str, StepStatus]] = [(s.tour.steps[i].title or s.tour.steps[i].id, r.status)
                                            for i, r in sorted(res.items()) if r.status != StepStatus.COMPLETED]
    ssq: dict[str, float | None] = {}
    fms: list[int] = []
    for e in s.events:
        p = e.payload if e.type in (EventType.QUESTIONNAIRE, EventType.COMFORT_RATING) else None
        if isinstance(p, Questionnaire) and p.instrument == "ssq":
            ssq[p.phase] = (p.scores or {}).get("total")
        elif isinstance(p, ComfortRating):
            fms.append(p.fms)
    return TourSummary(s.session_id, s.trainee, s.outcome, round(s.t, 1),
                       sum(r.status == StepStatus.COMPLETED for r in s.results),
                       sum(r.status == StepStatus.FAILED for r in s.results),
                       sum(r.status == StepStatus.SKIPPED for r in s.results),
                       len(s.tour.steps), review, ssq.get("pre"), ssq.get("post"), max(fms) if fms else None)


_OUTCOME_TEXT = {
    Outcome.COMPLETED: "You completed the orientation.",
    Outcome.STOPPED_COMFORT: "We stopped for your comfort; your progress is saved.",
    Outcome.QUIT: "You left the tour; your progress is saved.",
    Outcome.ABANDONED: "The tour was interrupted; your progress is saved.",
}


def _total(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def summary_lines(summary: TourSummary) -> list[str]:
    """The end-of-tour summary as lines of text."""
    m, sec = divmod(int(round(summary.duration_s)), 60)
    out = [_OUTCOME_TEXT.get(summary.outcome, str(summary.outcome)) if summary.outcome is not None else "None",
           f"{summary.completed} of {summary.steps} steps done in {m} min {sec:02d} s"
           + (f", {summary.failed} missed" if summary.failed else "")
           + (f", {summary.skipped} skipped" if summary.skipped else "") + "."]
    if summary.review:
        out.append("To review: " + "; ".join(f"{name} ({status})" for name, status in summary.review[:8])
                   + (f"; and {len(summary.review) - 8} more" if len(summary.review) > 8 else ""))
    if summary.ssq_pre is not None or summary.ssq_post is not None:
        out.append(f"Simulator sickness (SSQ total): before {_total(summary.ssq_pre)}, "
                   f"after {_total(summary.ssq_post)}.")
    if summary.fms_max is not None:
        out.append(f"Highest comfort rating (FMS 0-20): {summary.fms_max}.")
    return out
