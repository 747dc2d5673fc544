"""A refresher tour of what changed: find-it steps for safety-critical items that were moved,
added or changed, say steps for removed ones, changed room uses and exit changes, ordered
along a short walk through them from the ward's entrance. Pure: a diff and the compiled new
ward in, a tour document (plain data, the tour file's content) out.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any, cast

from wardtwin.layout.model import Point
from wardtwin.model.compiled import WardModel
from wardtwin.versions.diff import Change, FieldChange, Kind, WardDiff, What

if TYPE_CHECKING:
    from wardtwin.layout.findings import Finding
    from wardtwin.tours.spec import Tour

#: A tour document (the tour file's content, plain data) and one of its steps.
TourDoc = dict[str, Any]
StepDoc = dict[str, Any]

#: Most stops ordered by walking distance; beyond it straight-line distance orders them.
WALK_ORDER_MAX = 40


def _label(c: Change) -> str:
    return f"{c.name[:1].upper()}{c.name[1:]}"


def _stop(c: Change, model: WardModel) -> tuple[Point, StepDoc] | None:
    """``(point, step)`` of one change, or None when it has no stop in the new ward."""
    lay = model.layout
    sid = f"{c.what.value}-{c.id}"[:60]  # numbered in walk order by refresher_tour
    if c.kind is Kind.ITEM and c.what is not What.REMOVED:
        if c.id not in model.item_by_id:
            return None
        if c.what is What.MOVED:
            text = (f"The {c.name} {c.id} has moved {c.moved_m:.0f} m"
                    + (f", from {c.old_room} to {c.room}" if c.old_room != c.room else f" within {c.room}")
                    + ". Find it where it is now.")
        elif c.what is What.ADDED:
            text = f"A new {c.name}, {c.id}, is in {c.room}. Find it."
        else:
            what = ", ".join(f"{f.name} {f.old} -> {f.new}" for f in c.fields)
            text = f"The {c.name} {c.id} has changed ({what}). Find it."
        return model.place(c.id), {"type": "find", "id": sid, "item": c.id, "title": _label(c), "text": text}
    old_at = cast(Point, c.old_at)  # removed, moved, changed: the diff gives the old position
    if c.kind is Kind.ITEM:  # removed
        text = f"The {c.name} {c.id} that was in {c.room} has been removed."
        near = None
        for it in model.items:
            if it.name.lower() == c.name and it.access is not None:
                d = math.dist(it.access, old_at)
                if near is None or d < near[0]:
                    near = (d, it)
        if near is not None:
            text += f" The nearest {c.name} now is {near[1].id} in {near[1].room}."
        at = c.room if c.room in model.rooms else None
        point = model.place(at) if at else old_at
        step: StepDoc = {"type": "say", "id": sid, "title": f"{_label(c)} removed", "text": text}
        return point, step
    if c.kind is Kind.ROOM:
        if c.what is What.REMOVED:
            text, title = f"{c.name} ({c.id}) is no longer part of the ward.", f"{c.name} removed"
        elif c.what is What.ADDED:
            text, title = f"There is a new room: {c.name} ({c.id}).", f"New room: {c.name}"
        else:
            k = cast(FieldChange, c.field("kind"))  # a room change that matters is a change of use
            text = (f"{c.name} ({c.id}) used to be a {str(k.old).replace('_', ' ')} and is now a "
                    f"{str(k.new).replace('_', ' ')}.")
            title = f"{c.name}: new use"
        step = {"type": "say", "id": sid, "title": title, "text": text}
        if c.id in model.rooms:
            step["at"] = c.id
            return model.place(c.id), step
        return old_at, step
    if c.kind is Kind.DOOR:
        if c.what is What.REMOVED:
            text = f"The {c.name} ({c.id}) is gone."
        elif c.what is What.ADDED:
            text = f"There is a new {c.name} ({c.id})."
        elif c.what is What.MOVED:
            text = f"The {c.name} ({c.id}) has moved {c.moved_m:.0f} m."
        else:
            text = f"The {c.name} ({c.id}) has changed: " + ", ".join(f"{f.name} {f.old} -> {f.new}"
                                                                         for f in c.fields) + "."
        step = {"type": "say", "id": sid, "title": f"Exit change: {c.id}", "text": text}
        if c.id in model.layout.door_by_id:
            step["at"] = c.id
            return model.place(c.id), step
        return old_at, step
    if c.kind is Kind.WARD:
        f = cast(FieldChange, c.field("entrance"))  # the ward change that matters
        return model.place(_entrance(model)), {"type": "say", "id": sid, "title": "New entrance",
                                                "text": f"The ward's entrance is now {f.new} (it was {f.old})."}
    return None


def _entrance(model: WardModel) -> str:
    """The ward's entrance (a ward that compiles has one)."""
    return cast(str, model.layout.ward.entrance)


def _order(points: list[Point], start: Point, model: WardModel) -> list[int]:
    """Indexes of ``points`` in the order of a short open walk from ``start``: nearest
    neighbour, then 2-opt."""
    n = len(points)
    if n <= 1:
        return list(range(n))
    pts = [start, *points]
    walk = n <= WALK_ORDER_MAX

    def dist(a: Point, b: Point) -> float:
        if walk:
            d = model.distance(a, b)
            if math.isfinite(d):
                return d
        return math.dist(a, b) * 1.5

    m = [[0.0] * (n + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(i + 1, n + 1):
            m[i][j] = m[j][i] = dist(pts[i], pts[j])
    tour: list[int] = []
    left, here = set(range(1, n + 1)), 0
    while left:
        here = min(left, key=lambda j: (m[here][j], j))
        tour.append(here)
        left.discard(here)

    def length(t: list[int]) -> float:
        return sum(m[a][b] for a, b in zip([0, *t], t))

    improved = True
    while improved:
        improved = False
        for i in range(len(tour) - 1):
            for j in range(i + 1, len(tour)):
                cand = tour[:i] + tour[i:j + 1][::-1] + tour[j + 1:]
                if length(cand) < length(tour) - 1e-9:
                    tour, improved = cand, True
    return [k - 1 for k in tour]


def refresher_tour(d: WardDiff, model: WardModel) -> TourDoc | None:
    """The refresher tour document for ``d`` on the new ward's ``model``; None when no change
    matters to staff (:attr:`~wardtwin.versions.diff.Change.matters`)."""
    lay = model.layout
    stops = [s for c in d.relevant if (s := _stop(c, model)) is not None]
    if not stops:
        return None
    start = model.place(_entrance(model))
    ordered = [stops[k] for k in _order([p for p, _s in stops], start, model)]
    steps = [{"type": "say", "id": "welcome", "title": "What changed",
              "text": f"{lay.ward.name} has changed since you last toured it. This short tour shows you "
                      f"{len(ordered)} change{'s' if len(ordered) != 1 else ''} that matter for your work."}]
    steps += [{**s, "id": f"{k + 1:02d}-{s['id']}"} for k, (_p, s) in enumerate(ordered)]
    steps.append({"type": "say", "id": "done", "title": "Done", "text": "That is everything that changed. Thank you."})
    return {
        "kind": "tour", "version": 1, "id": f"{lay.ward.id}-refresher-{d.new_version[:8]}"[:64],
        "name": f"{lay.ward.name}: what changed"[:120], "ward": lay.ward.id,
        "revision": f"refresher {d.old_version[:12]}..{d.new_version[:12]}",
        "description": (f"Refresher of the changes from ward version {d.old_version} to {d.new_version}, "
                        "written by `wardtwin refresher`."),
        "mode": "guided", "start": lay.ward.entrance, "steps": steps,
    }


def tour_text(doc: TourDoc) -> str:
    """The tour document as YAML, with a header comment saying where it came from."""
    import yaml

    head = ("# Written by `wardtwin refresher`: a tour of what changed between two versions of the ward.\n"
            "# Check it with `wardtwin tour-check WARD THIS-FILE`.\n")
    return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def validated(doc: TourDoc, model: WardModel,
              tmp_root: str | os.PathLike[str] | None = None) -> tuple[str, Tour | None, list[Finding]]:
    """``(text, tour, findings)``: the document as YAML, loaded back and validated against the
    new ward exactly as ``wardtwin tour-check`` would (through a temporary file, removed)."""
    import tempfile
    from pathlib import Path

    from wardtwin.exchange.files import write_text_atomic
    from wardtwin.tours.load import load_tour
    from wardtwin.tours.validate import validate_tour

    text = tour_text(doc)
    with tempfile.TemporaryDirectory(prefix="wardtwin-refresher-", dir=tmp_root) as tmp:
        path = write_text_atomic(Path(tmp) / "refresher.yaml", text)
        tour, findings = load_tour(path)
    if tour is not None:
        findings = list(findings) + validate_tour(tour, model)
    return text, tour, findings
