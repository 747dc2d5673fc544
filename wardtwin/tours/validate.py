"""Tour validation against its ward: references to rooms, doors, items, types and categories
that do not exist (with "did you mean"), targets that cannot be reached on foot from where
their step starts, and steps that can never succeed. Every finding points at the tour file's
line, in the format of ``wardtwin check``.

The steps are followed in order from the tour's start, predicting where the trainee stands
when each step starts (a go_to ends at its target, a find at the item, a route at its exit).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from wardtwin.errors import UsageError
from wardtwin.layout.checks.text import unsafe_text_finding
from wardtwin.layout.findings import Finding, sort_findings
from wardtwin.layout.model import Point
from wardtwin.layout.schema import did_you_mean
from wardtwin.model import PlacedItem, WardModel
from wardtwin.model.queries import outside_ward
from wardtwin.tours.sight import Navigator
from wardtwin.tours.spec import Step, Tour
from wardtwin.tours.steps import FIND_RADIUS, FIND_REVEAL_AFTER, FIND_TIME_LIMIT, FIND_HINT_AFTER, STEP_TYPES

#: A point x,y a trainee is taken to must have floor a person can stand on this close (m).
OFF_FLOOR = 1.0
#: The walking a tour asks for must take at most this long at its comfort max_speed (s).
MAX_WALK_S = 3600.0
#: Largest narration audio file accepted, bytes.
MAX_AUDIO_BYTES = 32 * 1024 * 1024


class TourCheck:
    """The context step types' ``validate`` hooks report into. ``pos``: where the trainee is
    predicted to stand when the step being checked starts (None: unknown from here on)."""

    def __init__(self, tour: Tour, model: WardModel, nav: Navigator | None = None) -> None:
        self.tour, self.model = tour, model
        self.nav = nav or Navigator(model)
        self.findings: list[Finding] = []
        self.pos: Point | None = None
        self.walked = 0.0  # m, the predicted walking of the steps checked so far

    # reporting
    def report(self, step: Step | None, key: str | None, code: str, message: str) -> None:
        src = step.src if step is not None else self.tour.src
        line, col = src.at(key) if key else (src.line, src.column)
        self.findings.append(Finding.make(code, src.file, line, col, message))

    def _label(self, step: Step | None, key: str) -> str:
        return f"{step.label} `{key}`" if step is not None else f"tour `{key}`"

    # references
    def _names(self) -> list[str]:
        lay = self.model.layout
        return list(self.model.rooms) + list(lay.door_by_id) + list(self.model.item_by_id)

    def place(self, step: Step | None, key: str, value: str | None = None) -> Point | None:
        """The point a place name stands for, or None after reporting ``unknown-place``."""
        name = value if value is not None else (step.get(key) if step is not None else getattr(self.tour, key))
        try:
            return self.nav.place(name)
        except UsageError:
            pass
        self.report(step, key, "unknown-place",
                    f"{self._label(step, key)}: {name!r} is not a room, door or item of ward "
                    f"{self.model.layout.ward.id}{did_you_mean(name, self._names())}")
        return None

    def item(self, step: Step, key: str) -> PlacedItem | None:
        """The placed item named by ``step[key]``, or None after reporting."""
        name = step.get(key)
        it = self.model.item_by_id.get(name)
        if it is not None:
            return it
        lay = self.model.layout
        what = ("a room" if name in self.model.rooms else "a door" if name in lay.door_by_id else None)
        msg = (f"{self._label(step, key)}: {name!r} is {what}, not an item" if what else
               f"{self._label(step, key)}: no item {name!r} in ward {lay.ward.id}"
               f"{did_you_mean(name, self.model.item_by_id)}")
        self.report(step, key, "unknown-place", msg)
        return None

    def audio(self, step: Step, key: str) -> None:
        """An audio file: a regular file of at most :data:`MAX_AUDIO_BYTES` inside the tour's
        folder (so the station plays nothing from elsewhere, and no pipe or device)."""
        from wardtwin.errors import InputFileError
        from wardtwin.exchange.reading import open_regular

        rel = step.get(key)
        base = Path(step.src.file).parent
        problem = None
        if os.path.isabs(rel):
            problem = "is an absolute path; a path relative to the tour file expected"
        else:
            try:
                open_regular(base / rel, MAX_AUDIO_BYTES, name=rel, within=base).close()
            except InputFileError as exc:
                problem = "not found next to the tour file" if exc.reason == "missing" else exc.detail
        if problem:
            self.report(step, key, "audio-missing", f"{self._label(step, key)}: audio file {rel!r} {problem}")

    # reachability
    def on_floor(self, step: Step | None, key: str, point: Point) -> bool:
        """True when the place at ``key`` is a room, door or item, or a point ``x,y`` in a room
        with floor to stand on within :data:`OFF_FLOOR` m; else False after reporting."""
        name = step.get(key) if step is not None else getattr(self.tour, key)
        lay = self.model.layout
        if name in self.model.rooms or name in lay.door_by_id or name in self.model.item_by_id:
            return True
        why = outside_ward(self.model, point)
        if why:
            self.report(step, key, "place-outside-ward", f"{self._label(step, key)}: {why}; a point inside a "
                                                         "room expected")
            return False
        r = self.nav.route(point, point)
        off = math.inf if r is None else math.dist(r.goal, point)
        if off > OFF_FLOOR:
            self.report(step, key, "target-unreachable",
                        f"{self._label(step, key)}: no floor a person can stand on within {OFF_FLOOR:g} m of "
                        f"({point[0]:g}, {point[1]:g}); walls or equipment fill it")
            return False
        return True

    def walk_to(self, step: Step, key: str, point: Point) -> None:
        """Check that ``point`` can be walked to from the predicted position; move there."""
        if not self.on_floor(step, key, point):
            return
        if self.pos is None:
            self.pos = point
            return
        r = self.nav.route(self.pos, point)
        if r is None:
            self.report(step, key, "target-unreachable",
                        f"{self._label(step, key)}: {step.get(key)!r} cannot be reached on foot from where "
                        f"the step starts ({self.pos[0]:.1f}, {self.pos[1]:.1f})")
            return
        self.walked += r.length
        self.pos = r.goal

    def _time_needed(self, step: Step, length: float, key: str) -> None:
        limit = step.get("time_limit")
        if limit is None and step.type == "find":
            limit = FIND_TIME_LIMIT
        speed = self.tour.comfort.max_speed
        if limit is not None and length / speed > limit:
            self.report(step, "time_limit" if step.get("time_limit") is not None else key,
                        "step-never-succeeds",
                        f"{step.label}: the target is {length:.1f} m away on foot, at least {length / speed:.0f} s "
                        f"at {speed:g} m/s, but the time limit is {limit:g} s")

    def find_targets(self, step: Step) -> None:
        """The semantic checks of a find step."""
        from wardtwin.tours.steps import qualifying

        given = [k for k in ("item", "item_type", "category") if step.get(k) is not None]
        if not given:
            self.report(step, None, "missing-key", f"{step.label}: one of `item`, `item_type` or `category` is "
                                                   "required: what is to be found")
            return
        if len(given) > 1:
            self.report(step, given[1], "conflicting-keys",
                        f"{step.label}: `{given[0]}` and `{given[1]}` are both given; a find step names its "
                        "target by one of item, item_type or category")
            return
        hint_after = step.get("hint_after", FIND_HINT_AFTER)
        reveal_after = step.get("reveal_after", FIND_REVEAL_AFTER)
        limit = step.get("time_limit", FIND_TIME_LIMIT)
        if reveal_after > limit:
            self.report(step, "reveal_after" if step.get("reveal_after") is not None else "time_limit",
                        "step-never-succeeds",
                        f"{step.label}: the answer would be revealed at {reveal_after:g} s, after the "
                        f"{limit:g} s time limit; a trainee who needs it can never succeed")
        if hint_after > min(limit, reveal_after):
            self.report(step, "hint_after" if step.get("hint_after") is not None else "time_limit",
                        "hint-after-limit",
                        f"{step.label}: the hint would be shown at {hint_after:g} s, after the "
                        f"{'time limit' if limit <= reveal_after else 'reveal'} at {min(limit, reveal_after):g} s")
        lay = self.model.layout
        if step.get("item") is not None:
            if self.item(step, "item") is None:
                return
        elif step.get("item_type") is not None:
            t = step.get("item_type")
            if t not in lay.catalog:
                self.report(step, "item_type", "unknown-item-type",
                            f"{self._label(step, 'item_type')}: {t!r} is not an equipment type of the catalog"
                            f"{did_you_mean(t, lay.catalog)}")
                return
            if not any(i.type == t for i in self.model.items):
                self.report(step, "item_type", "step-never-succeeds",
                            f"{self._label(step, 'item_type')}: ward {lay.ward.id} has no {lay.catalog[t].name} "
                            f"({t}); there is nothing to find")
                return
        else:
            c = step.get("category")
            if not any(i.category == c for i in self.model.items):
                self.report(step, "category", "step-never-succeeds",
                            f"{self._label(step, 'category')}: ward {lay.ward.id} has no item of category "
                            f"{c!r}; there is nothing to find")
                return
        if step.get("near") is not None and self.place(step, "near") is None:
            return
        if self.pos is None:
            return
        ids, best = qualifying(self.nav, step, self.pos)
        key = given[0]
        if best is None:
            self.report(step, key, "target-unreachable",
                        f"{self._label(step, key)}: no {step.get(key)!r} item can be reached on foot from "
                        f"where the step starts ({self.pos[0]:.1f}, {self.pos[1]:.1f})")
            return
        radius = step.get("radius", FIND_RADIUS)
        tgt = self.nav.target(best.item.id)
        if tgt.distance(best.route.goal) > radius + 1e-9:
            self.report(step, "radius" if step.get("radius") is not None else key, "step-never-succeeds",
                        f"{step.label}: the success radius {radius:g} m is smaller than the distance "
                        f"({tgt.distance(best.route.goal):.2f} m) from {best.item.id} to where a person can stand")
        self._time_needed(step, best.route.length, key)
        self.walked += best.route.length
        self.pos = best.route.goal

    def route_goal(self, step: Step) -> None:
        """The semantic checks of a route step."""
        from wardtwin.tours.steps import exit_route

        lay = self.model.layout
        if step.get("from") is not None:
            p = self.place(step, "from")
            if p is None or not self.on_floor(step, "from", p):
                return
            self.pos = p
        door = step.get("to")
        if door is not None:
            if door not in lay.door_by_id:
                self.report(step, "to", "unknown-place",
                            f"{self._label(step, 'to')}: no door {door!r} in ward {lay.ward.id}"
                            f"{did_you_mean(door, self.model.plan.exits or lay.door_by_id)}")
                return
            if door not in self.model.plan.exits:
                self.report(step, "to", "not-an-exit",
                            f"{self._label(step, 'to')}: door {door!r} is not an exit; exits: "
                            f"{', '.join(self.model.plan.exits) or 'none'}")
                return
        elif not self.model.plan.exits:
            self.report(step, None, "step-never-succeeds", f"{step.label}: ward {lay.ward.id} has no exit door")
            return
        if self.pos is None:
            return
        d, r = exit_route(self.nav, self.pos, door)
        if r is None:
            self.report(step, "to" if door else None, "target-unreachable",
                        f"{step.label}: no exit can be reached on foot from "
                        f"({self.pos[0]:.1f}, {self.pos[1]:.1f})" if not door else
                        f"{self._label(step, 'to')}: exit {door!r} cannot be reached on foot from "
                        f"({self.pos[0]:.1f}, {self.pos[1]:.1f})")
            return
        self._time_needed(step, r.length, "to" if door else "from")
        self.walked += r.length
        self.pos = r.goal


def validate_tour(tour: Tour, model: WardModel, nav: Navigator | None = None) -> list[Finding]:
    """Findings about ``tour``'s references to ``model``'s ward, sorted by line."""
    vc = TourCheck(tour, model, nav)
    lay = model.layout
    if tour.ward != lay.ward.id:
        vc.report(None, "ward", "tour-wrong-ward",
                  f"tour `ward`: the tour is for ward {tour.ward!r}, not {lay.ward.id!r} ({lay.ward.name})")
    start = tour.start or lay.ward.entrance
    vc.pos = vc.place(None, "start") if tour.start else vc.nav.place(start) if start is not None else None
    if vc.pos is not None and tour.start and not vc.on_floor(None, "start", vc.pos):
        vc.pos = None
    if vc.pos is not None:
        r = vc.nav.route(vc.pos, vc.pos)
        vc.pos = r.goal if r is not None else None
    for step in tour.steps:
        hook = STEP_TYPES[step.type].validate
        if hook is not None:
            hook(step, vc)
    _walking_time(vc)
    vc.findings.extend(text_findings(tour))
    return sort_findings(vc.findings)


def _walking_time(vc: TourCheck) -> None:
    """``tour-too-slow`` when the predicted walking takes longer than :data:`MAX_WALK_S` at the
    tour's comfort max_speed (m/s)."""
    speed = vc.tour.comfort.max_speed
    if vc.walked / speed > MAX_WALK_S:
        key = "comfort" if "comfort" in vc.tour.src.keys else None
        vc.report(None, key, "tour-too-slow",
                  f"tour `comfort` max_speed {speed:g} m/s: walking the tour's {vc.walked:.0f} m takes "
                  f"{vc.walked / speed / 3600:.1f} h; at most {MAX_WALK_S / 3600:g} h expected (a max_speed of at "
                  f"least {vc.walked / MAX_WALK_S:.2g} m/s)")


def text_findings(tour: Tour) -> list[Finding]:
    """``unsafe-character`` findings for the tour's ids, names and texts, and its steps'."""
    found = [unsafe_text_finding(tour.src, key, getattr(tour, key), f"tour `{key}`")
             for key in ("id", "name", "ward", "revision", "description", "start")]
    for st in tour.steps:
        for key, value in (("id", st.id), ("title", st.title), *st.params.items()):
            for v in value if isinstance(value, tuple) else (value,):
                found.append(unsafe_text_finding(st.src, key, v, f"{st.label} `{key}`"))
    return [f for f in found if f is not None]


def check_tour(ward: str | os.PathLike[str],
               tour_path: str | os.PathLike[str]) -> tuple[Tour | None, WardModel | None, list[Finding]]:
    """Load a ward (checking it) and a tour file, and validate the tour against the ward.
    Returns ``(tour, model, findings)``; the ward's own findings come first. ``tour`` is
    None when the tour file is unusable, ``model`` when the ward is."""
    from wardtwin.model import check
    from wardtwin.tours.load import load_tour, resolve_tour

    path = resolve_tour(ward, tour_path)
    layout, ward_findings, model = check(ward)
    blocking = [f for f in ward_findings if f.severity.blocks]
    tour, findings = load_tour(path)
    if model is None:
        return tour, None, sort_findings(blocking) + sort_findings(findings)
    if tour is not None:
        findings = findings + validate_tour(tour, model)
    return tour, model, sort_findings(findings)
