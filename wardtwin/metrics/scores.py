"""Tolerability and completion scores, exactly as defined in the project's design: the
Simulator Sickness Questionnaire (Kennedy et al. 1993), the Fast Motion sickness Scale
(Keshavarz & Hecht 2011), and SPL / SoftSPL (Anderson et al. 2018). Pure functions."""

from __future__ import annotations

from dataclasses import dataclass

from wardtwin.errors import UnknownNameError, UsageError

#: The 16 SSQ symptoms, in the questionnaire's order (keys used in files and events).
SSQ_ITEMS = (
    "general_discomfort", "fatigue", "headache", "eyestrain", "difficulty_focusing",
    "increased_salivation", "sweating", "nausea", "difficulty_concentrating", "fullness_of_head",
    "blurred_vision", "dizzy_eyes_open", "dizzy_eyes_closed", "vertigo", "stomach_awareness", "burping",
)
#: Which symptoms load on each subscale (some load on two).
SSQ_NAUSEA = ("general_discomfort", "increased_salivation", "sweating", "nausea", "difficulty_concentrating",
              "stomach_awareness", "burping")
SSQ_OCULOMOTOR = ("general_discomfort", "fatigue", "headache", "eyestrain", "difficulty_focusing",
                  "difficulty_concentrating", "blurred_vision")
SSQ_DISORIENTATION = ("difficulty_focusing", "nausea", "fullness_of_head", "blurred_vision", "dizzy_eyes_open",
                      "dizzy_eyes_closed", "vertigo")
SSQ_WEIGHTS = {"nausea": 9.54, "oculomotor": 7.58, "disorientation": 13.92, "total": 3.74}
#: Largest possible total score.
SSQ_TOTAL_MAX = 235.62

#: FMS ratings run 0 (no sickness at all) to 20 (frank sickness).
FMS_MAX = 20
#: A common stop rule: end the exposure at this rating or above.
FMS_STOP_DEFAULT = 15


@dataclass(frozen=True)
class SSQScores:
    """Weighted SSQ scores: nausea, oculomotor, disorientation and total."""

    nausea: float
    oculomotor: float
    disorientation: float
    total: float

    def as_dict(self) -> dict[str, float]:
        return {"nausea": self.nausea, "oculomotor": self.oculomotor, "disorientation": self.disorientation,
                "total": self.total}


def ssq_scores(answers: dict[str, int]) -> SSQScores:
    """Score one SSQ: ``answers`` maps each of the 16 :data:`SSQ_ITEMS` to 0-3.

    N = raw_N x 9.54, O = raw_O x 7.58, D = raw_D x 13.92, Total = (raw_N + raw_O + raw_D) x 3.74.
    """
    for key in answers:
        if key not in SSQ_ITEMS:
            raise UnknownNameError("SSQ item", key, SSQ_ITEMS)
    missing = [k for k in SSQ_ITEMS if k not in answers]
    if missing:
        raise UsageError(f"SSQ answers missing for: {', '.join(missing)}")
    for key, v in answers.items():
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 3:
            raise UsageError(f"SSQ item {key}: {v!r} found; an integer 0-3 expected")
    raw_n = sum(answers[k] for k in SSQ_NAUSEA)
    raw_o = sum(answers[k] for k in SSQ_OCULOMOTOR)
    raw_d = sum(answers[k] for k in SSQ_DISORIENTATION)
    w = SSQ_WEIGHTS
    return SSQScores(round(raw_n * w["nausea"], 2), round(raw_o * w["oculomotor"], 2),
                     round(raw_d * w["disorientation"], 2), round((raw_n + raw_o + raw_d) * w["total"], 2))


def check_fms(rating: object) -> int:
    """A valid FMS rating (integer 0-20), or :class:`UsageError`."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 0 <= rating <= FMS_MAX:
        raise UsageError(f"FMS rating {rating!r}: an integer 0-{FMS_MAX} expected")
    return rating


def spl(success: bool, shortest: float, walked: float) -> float:
    """Success weighted by Path Length for one episode: S * l / max(p, l), with l the shortest
    walkable path from the start (m) and p the path walked (m). 1 for a perfect walk."""
    if shortest < 0 or walked < 0:
        raise UsageError(f"path lengths must be >= 0 (shortest {shortest}, walked {walked})")
    if not success:
        return 0.0
    if shortest == 0:
        return 1.0
    return shortest / max(walked, shortest)


def soft_spl(shortest: float, walked: float, remaining: float) -> float:
    """SoftSPL: progress toward the goal weighted by path length, credit for failures too:
    (1 - d_end / l) * l / max(p, l), with d_end the shortest distance left to the goal (m)."""
    if min(shortest, walked, remaining) < 0:
        raise UsageError("path lengths must be >= 0")
    if shortest == 0:
        return 1.0 if remaining == 0 else 0.0
    progress = max(0.0, 1.0 - remaining / shortest)
    return progress * shortest / max(walked, shortest)
