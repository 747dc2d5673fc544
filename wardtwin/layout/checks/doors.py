"""Checks of doors: known rooms, on a shared wall, fitting their wall, wide enough."""

from __future__ import annotations

from collections.abc import Iterator

from wardtwin.layout import vocab
from wardtwin.layout.checks import finding, register
from wardtwin.layout.findings import Finding
from wardtwin.layout.leaves import is_bed_route
from wardtwin.layout.geometry import Opening
from wardtwin.layout.plan import Plan
from wardtwin.layout.schema import did_you_mean

#: Accessible clear door width: 32 in, m (the US rule pack's; the check reads the ward's pack).
DOOR_MIN = 0.81
#: Bed passage door width, m (NFPA 101's 41.5 in, the US rule pack's; the check reads the ward's pack).
BED_DOOR_MIN = 1.0541


@register("door-rooms")
def door_rooms(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    for d in lay.doors:
        a, b = d.between
        if a == b:
            yield finding(d, "door-to-itself", f"door {d.id}: `between` names room {a} twice; two different rooms "
                          f"(or a room and {vocab.OUTSIDE!r}) expected", "between")
            continue
        if a == vocab.OUTSIDE and b == vocab.OUTSIDE:
            yield finding(d, "unknown-room", f"door {d.id}: both sides are {vocab.OUTSIDE!r}; at least one room expected",
                          "between")
        for rid in (a, b):
            if rid != vocab.OUTSIDE and rid not in lay.room_by_id and rid not in lay.broken_ids:
                yield finding(d, "unknown-room", f"door {d.id}: room {rid!r} does not exist"
                              f"{did_you_mean(rid, lay.room_by_id)}", "between")


@register("door-placement")
def door_placement(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    for p in plan.door_problems:
        yield finding(lay.door_by_id[p.door], p.code, p.message, "at")
    by_wall: dict[int, list[Opening]] = {}
    for o in plan.openings:
        by_wall.setdefault(o.wall, []).append(o)
    for ops in by_wall.values():
        ops.sort(key=lambda o: o.t0)
        for o1, o2 in zip(ops, ops[1:]):
            if o2.t0 < o1.t1 - 1e-3:
                d = lay.door_by_id[o2.door]
                yield finding(d, "doors-overlap", f"door {d.id}: its opening overlaps door {o1.door}'s by "
                              f"{o1.t1 - o2.t0:.2f} m on the same wall", "at")


@register("door-width")
def door_width(plan: Plan) -> Iterator[Finding]:
    """Door widths against the ward's rule pack (``door-clear-width``, ``bed-door-clear-width``;
    a rule the pack does not set is not checked)."""
    from wardtwin.rules.pack import choose_pack, rule_finding

    lay = plan.layout
    choice = choose_pack(lay)
    door, bed = choice.limit("door-clear-width"), choice.limit("bed-door-clear-width")
    for d in lay.doors:
        a, b = d.between
        line, col = d.src.at("width")
        if door is not None and door.value is not None and d.width < door.value - 1e-9:
            yield rule_finding(door, d.src.file, line, col, f"door {d.id} between {a} and {b}: {d.width:.2f} m wide, "
                               f"at least {door.shown} clear needed" + d.src.note("width"))
        elif bed is not None and bed.value is not None and d.width < bed.value - 1e-9:
            # a bed passes a patient or isolation room's door to the corridor, a bed lift's, or one
            # declared `bed_route: true` (not an anteroom's staff door, an ensuite's or a toilet's)
            if is_bed_route(lay, d):
                yield rule_finding(bed, d.src.file, line, col, f"door {d.id} between {a} and {b}: {d.width:.2f} m "
                                   f"wide; a bed passes through doors of at least {bed.shown}" + d.src.note("width"))
