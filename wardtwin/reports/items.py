"""Learning evidence per item: for each safety-critical item a cohort is asked to find, how often
it is found, how long finding it takes and how directly (SPL), on the first attempt and on
repeat attempts; and per trainee, the items never found.

The items are the targets of ``find`` steps (a tour's find tasks are its safety-critical items:
crash cart, AED, oxygen shut-off, extinguishers...), per ward: ``(ward, target)``. An attempt is
a find step a trainee reached (started; ``not_reached`` steps are no attempt), numbered per
trainee and item in the order the trainee met it: sessions by start time (then id), steps by
index. It is *found* when the step passed (DESIGN.md: within the success radius and in view).
Time to find is the duration of found attempts; SPL (Anderson et al. 2018) is averaged over
every attempt that measured it (a failure counts 0), SoftSPL likewise.

:class:`ItemEvidence` takes sessions one at a time (:meth:`ItemEvidence.add`, in the order
:func:`~wardtwin.reports.summary.iter_summaries` gives them), so a cohort of any size streams
through it; only per-item lists of times and SPL values and per-trainee item states are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from statistics import fmean, median
from typing import Any

from wardtwin.reports.summary import SessionSummary, StepSummary

#: Attempt numbers of the learning curve: 1, 2, 3 and "4+" (fourth and later).
CURVE_ATTEMPTS = ("1", "2", "3", "4+")
_GROUPS = ("all", "first", "repeat")

ITEM_COLUMNS = ("ward", "item", "tours", "trainees", "attempts", "found", "found_rate", "median_time_s", "spl_mean",
                "soft_spl_mean", "first_attempts", "first_found_rate", "first_median_time_s", "first_spl_mean",
                "repeat_attempts", "repeat_found_rate", "repeat_median_time_s", "repeat_spl_mean",
                "found_rate_change", "median_time_change_s", "spl_change", "trainees_never_found")
CURVE_COLUMNS = ("ward", "item", "attempt", "attempts", "found", "found_rate", "median_time_s", "spl_mean")
NEVER_FOUND_COLUMNS = ("trainee", "ward", "items_tried", "items_found", "never_found", "items_never_found")


def _r(v: float | None, nd: int = 3) -> float | None:
    return None if v is None else round(v, nd)


class _Stats:
    """Attempts, found, times of found attempts, SPL and SoftSPL values of one group."""

    __slots__ = ("attempts", "found", "times", "spl", "soft")

    def __init__(self) -> None:
        self.attempts = self.found = 0
        self.times: list[float] = []
        self.spl: list[float] = []
        self.soft: list[float] = []

    def add(self, st: StepSummary, found: bool) -> None:
        self.attempts += 1
        if found:
            self.found += 1
            if st.duration_s is not None:
                self.times.append(st.duration_s)
        if st.spl is not None:
            self.spl.append(st.spl)
        if st.soft_spl is not None:
            self.soft.append(st.soft_spl)

    def rate(self) -> float | None:
        return self.found / self.attempts if self.attempts else None

    def median_time(self) -> float | None:
        return median(self.times) if self.times else None

    def spl_mean(self) -> float | None:
        return fmean(self.spl) if self.spl else None


def _change(a: float | None, b: float | None, nd: int = 3) -> float | None:
    return None if a is None or b is None else round(b - a, nd)


class ItemEvidence:
    """Per-item evidence of a cohort, fed one session at a time; :meth:`items`, :meth:`curve`,
    :meth:`never_found` and :meth:`pooled_curve` give its tables (plain rows)."""

    def __init__(self, pseudonym: Callable[[str], str] | None = None) -> None:
        self._pseudonym = pseudonym
        self._seen: dict[tuple[str, str, str], int] = {}  # (trainee, ward, item) -> attempts so far
        self._found_by: dict[tuple[str, str, str], bool] = {}  # (trainee, ward, item) -> found at least once
        # (ward, item) -> {"all"/"first"/"repeat"/"1".."4+": _Stats}
        self._stats: dict[tuple[str, str], dict[str, _Stats]] = {}
        self._tours: dict[tuple[str, str], set[str]] = {}
        self._pooled = {a: _Stats() for a in CURVE_ATTEMPTS}

    def add(self, s: SessionSummary) -> None:
        """One session's find steps (sessions in start order: attempts are numbered in it)."""
        for st in s.steps:
            if st.kind != "find" or not st.target or st.status == "not_reached":
                continue
            item = (s.ward, st.target)
            who = (s.trainee, s.ward, st.target)
            n = self._seen.get(who, 0) + 1
            self._seen[who] = n
            found = st.status == "passed"
            self._found_by[who] = self._found_by.get(who, False) or found
            groups = self._stats.get(item)
            if groups is None:
                groups = self._stats[item] = {k: _Stats() for k in (*_GROUPS, *CURVE_ATTEMPTS)}
                self._tours[item] = set()
            self._tours[item].add(s.tour)
            bucket = CURVE_ATTEMPTS[min(n, 4) - 1]
            for k in ("all", "first" if n == 1 else "repeat", bucket):
                groups[k].add(st, found)
            self._pooled[bucket].add(st, found)

    def items(self) -> list[dict[str, Any]]:
        """One row per ward and item (:data:`ITEM_COLUMNS`), sorted by ward and item."""
        trainees: dict[tuple[str, str], int] = {}
        never: dict[tuple[str, str], int] = {}
        for (_, ward, item), found in self._found_by.items():
            trainees[(ward, item)] = trainees.get((ward, item), 0) + 1
            if not found:
                never[(ward, item)] = never.get((ward, item), 0) + 1
        rows: list[dict[str, Any]] = []
        for key in sorted(self._stats):
            g = self._stats[key]
            a, f, r = g["all"], g["first"], g["repeat"]
            rows.append({
                "ward": key[0], "item": key[1], "tours": "/".join(sorted(self._tours[key])),
                "trainees": trainees.get(key, 0), "attempts": a.attempts, "found": a.found, "found_rate": _r(a.rate()),
                "median_time_s": _r(a.median_time(), 1), "spl_mean": _r(a.spl_mean()),
                "soft_spl_mean": _r(fmean(a.soft)) if a.soft else None,
                "first_attempts": f.attempts, "first_found_rate": _r(f.rate()),
                "first_median_time_s": _r(f.median_time(), 1), "first_spl_mean": _r(f.spl_mean()),
                "repeat_attempts": r.attempts, "repeat_found_rate": _r(r.rate()),
                "repeat_median_time_s": _r(r.median_time(), 1), "repeat_spl_mean": _r(r.spl_mean()),
                "found_rate_change": _change(f.rate(), r.rate()),
                "median_time_change_s": _change(f.median_time(), r.median_time(), 1),
                "spl_change": _change(f.spl_mean(), r.spl_mean()), "trainees_never_found": never.get(key, 0),
            })
        return rows

    def curve(self) -> list[dict[str, Any]]:
        """The learning curve per item: one row per ward, item and attempt number (1, 2, 3,
        4+) that has attempts (:data:`CURVE_COLUMNS`)."""
        rows: list[dict[str, Any]] = []
        for key in sorted(self._stats):
            g = self._stats[key]
            for a in CURVE_ATTEMPTS:
                st = g[a]
                if st.attempts:
                    rows.append({"ward": key[0], "item": key[1], "attempt": a, "attempts": st.attempts,
                                 "found": st.found, "found_rate": _r(st.rate()),
                                 "median_time_s": _r(st.median_time(), 1), "spl_mean": _r(st.spl_mean())})
        return rows

    def pooled_curve(self) -> list[dict[str, Any]]:
        """The learning curve of all items together (same columns, ward and item empty)."""
        return [{"ward": "", "item": "", "attempt": a, "attempts": st.attempts, "found": st.found,
                 "found_rate": _r(st.rate()), "median_time_s": _r(st.median_time(), 1),
                 "spl_mean": _r(st.spl_mean())}
                for a, st in self._pooled.items() if st.attempts]

    def never_found(self) -> list[dict[str, Any]]:
        """Per trainee and ward that tried any item: items tried, found, and the items never
        found (ids, space-separated, sorted); sorted by trainee (or pseudonym) and ward."""
        by: dict[tuple[str, str], list[Any]] = {}  # -> [items tried, items found, items missed]
        for (trainee, ward, item), found in self._found_by.items():
            b = by.get((trainee, ward))
            if b is None:
                b = by[(trainee, ward)] = [0, 0, []]
            b[0] += 1
            if found:
                b[1] += 1
            else:
                b[2].append(item)
        p = self._pseudonym
        rows = [{"trainee": p(t) if p else t, "ward": w, "items_tried": tried, "items_found": found,
                 "never_found": len(missed), "items_never_found": " ".join(sorted(missed))}
                for (t, w), (tried, found, missed) in by.items()]
        rows.sort(key=lambda r: (r["trainee"], r["ward"]))
        return rows


def item_evidence(sessions: Iterable[SessionSummary],
                  pseudonym: Callable[[str], str] | None = None) -> ItemEvidence:
    """:class:`ItemEvidence` of ``sessions`` (a list or an iterator, in start order)."""
    ev = ItemEvidence(pseudonym)
    for s in sessions:
        ev.add(s)
    return ev
