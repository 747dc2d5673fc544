"""Who needs a refresher. Pure: session summaries and the store's version registry in, one
:class:`DueRow` per trainee and ward out.

A trainee's *toured version* is the ward version of their last completed tour; a completed
refresher from that version to a later one moves it on (refreshers chain). They are up to date
when the toured version is the ward's current version; otherwise a refresher is due, and
``unseen`` lists the recorded changes on the way from their version to the current one. When
no recorded changes lead there (versions compared before the store kept them), the changes
are unknown.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Mapping


class DueStatus(str, Enum):
    UP_TO_DATE = "up to date"
    REFRESHER_DUE = "refresher due"
    CHANGES_UNKNOWN = "refresher due (changes since unknown)"
    NO_TOUR = "no completed tour"


@dataclass(frozen=True)
class DueRow:
    trainee: str
    ward: str
    toured_version: str | None  #: after the refreshers they completed
    last_tour_version: str | None  #: the ward version of their last completed tour (any kind)
    current_version: str
    status: DueStatus
    unseen: tuple[str, ...] = ()  #: summaries of the changes that matter, not yet covered

    @property
    def due(self) -> bool:
        return self.status is not DueStatus.UP_TO_DATE


def _path(edges: Mapping[str, set], a: str, b: str) -> list[tuple[str, str]] | None:
    """The fewest recorded steps from version ``a`` to ``b`` (breadth first), None when none."""
    prev = {a: None}
    todo = deque([a])
    while todo:
        v = todo.popleft()
        if v == b:
            out = []
            while prev[v] is not None:
                out.append((prev[v], v))
                v = prev[v]
            return out[::-1]
        for w in sorted(edges.get(v, ())):
            if w not in prev:
                prev[w] = v
                todo.append(w)
    return None


def due_rows(sessions: Iterable, registry, current: Mapping[str, str] | None = None, *,
             ordered: bool = True) -> list[DueRow]:
    """One row per trainee and ward (sorted by both; ``ordered=False``: in the order of their
    first session, for a caller that looks rows up). ``sessions``:
    :class:`~wardtwin.reports.summary.SessionSummary` (or anything with trainee, ward,
    layout_hash, tour_version, completed, started_at, session); ``registry``:
    :class:`~wardtwin.store.versions.VersionRegistry`; ``current``: ward -> current version
    (default: the version each ward was seen with last)."""
    refreshers = {r.tour_version: r for r in registry.refreshers}
    edges: dict[tuple[str, str], set] = {}
    changes: dict[tuple[str, str, str], list] = {}
    for c in registry.changes:
        edges.setdefault((c.ward, c.from_version), set()).add(c.to_version)
        changes.setdefault((c.ward, c.from_version, c.to_version), []).append(c)
    for r in registry.refreshers:
        edges.setdefault((r.ward, r.from_version), set()).add(r.to_version)
    ward_edges: dict[str, dict[str, set]] = {}
    for (w, v), ws in edges.items():
        ward_edges.setdefault(w, {})[v] = ws
    by: dict[tuple[str, str], list] = {}
    for s in sessions:
        key = (s.trainee, s.ward)
        ss = by.get(key)
        if ss is None:
            by[key] = [s]
        else:
            ss.append(s)
    currents: dict[str, str | None] = {}  # ward -> its current version
    # (ward, ((layout_hash, tour_version) of each completed session in order)) -> the row's
    # (toured version, last tour version, status, unseen): trainees with the same history share it
    verdicts: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[str | None, str, DueStatus, tuple[str, ...]]] = {}
    no_tour = DueStatus.NO_TOUR
    out = []
    for (trainee, ward), ss in (sorted(by.items()) if ordered else by.items()):
        if ward in currents:
            cur = currents[ward]
        else:
            cur = currents[ward] = (current or {}).get(ward) or registry.latest(ward)
        if cur is None:
            continue
        if len(ss) == 1:
            done = ss if ss[0].completed else []
        else:
            done = sorted((s for s in ss if s.completed), key=lambda s: (s.started_at, s.session))
        if not done:
            out.append(DueRow(trainee, ward, None, None, cur, no_tour))
            continue
        history = (((done[0].layout_hash, done[0].tour_version),) if len(done) == 1 else
                   tuple((s.layout_hash, s.tour_version) for s in done))
        v = verdicts.get((ward, history))
        if v is None:
            v = verdicts[(ward, history)] = _verdict(history, cur, refreshers, ward_edges.get(ward, {}),
                                                     changes, ward)
        out.append(DueRow(trainee, ward, v[0], v[1], cur, v[2], v[3]))
    return out


def _verdict(history: tuple[tuple[str, str], ...], cur: str, refreshers: Mapping[str, Any],
             ward_edges: Mapping[str, set], changes: Mapping[tuple[str, str, str], list],
             ward: str) -> tuple[str | None, str, DueStatus, tuple[str, ...]]:
    """One trainee's (toured version, last tour version, status, unseen) from the
    ``(layout_hash, tour_version)`` of their completed sessions in start order."""
    known = None
    covered: set[tuple[str, str]] = set()
    for layout_hash, tour_version in history:
        r = refreshers.get(tour_version)
        if r is None:
            known, covered = layout_hash, set()
        elif known is not None:
            covered.add((r.from_version, r.to_version))
            if known == r.from_version:
                known = r.to_version
    last = history[-1][0]
    if known == cur:
        return known, last, DueStatus.UP_TO_DATE, ()
    path = _path(ward_edges, known, cur) if known else None
    if path is None:
        return known, last, DueStatus.CHANGES_UNKNOWN, ()
    unseen = tuple(c.summary for a, b in path if (a, b) not in covered
                   for c in changes.get((ward, a, b), []) if c.matters)
    status = DueStatus.REFRESHER_DUE if unseen else DueStatus.UP_TO_DATE  # nothing that matters is unseen
    return known, last, status, unseen


def due_lines(rows: list[DueRow], only_due: bool = True) -> list[str]:
    """The rows as text (user text not escaped)."""
    shown = [r for r in rows if r.due or not only_due]
    out = [f"{sum(r.due for r in rows)} of {len(rows)} trainee(s) need a refresher or a tour"]
    for r in shown:
        out.append(f"{r.trainee} ({r.ward}): {r.status.value}; toured version {r.toured_version or 'none'}, "
                   f"current {r.current_version}")
        out.extend(f"    not seen: {u}" for u in r.unseen)
    return out
