"""Planner checks that use the navigation mesh: can every room, and every safety-critical
item, be reached on foot from the ward's entrance by a person of the default radius?"""

from __future__ import annotations

import os

from wardtwin.forked import Background, can_fork
from wardtwin.gcpause import gc_paused
from wardtwin.layout.findings import Finding
from wardtwin.layout.model import Item, Layout, Point, Room
from wardtwin.model.compiled import ACCESS_REACH, PERSON_RADIUS, WardModel, compile_ward


def _finding(obj: Room | Item, code: str, message: str, key: str | None = None) -> Finding:
    line, col = obj.src.at(key) if key else (obj.src.line, obj.src.column)
    return Finding.make(code, obj.src.file, line, col, message + obj.src.note(key))


@gc_paused
def navigation_findings(layout: Layout, model: WardModel | None = None) -> list[Finding]:
    """``room-unreachable`` for each room, and ``item-unreachable`` for each safety-critical
    item, that a person cannot walk to from the ward entrance (compiled with the default
    radius, or the given ``model``). Nothing when the entrance is not a room (another check
    reports that). Findings in layout order: rooms, then items."""
    lay = layout
    entrance = lay.ward.entrance
    if entrance not in lay.room_by_id:
        return []
    m = model if model is not None else compile_ward(layout, PERSON_RADIUS)
    width = 2 * m.radius
    out: list[Finding] = []
    for r in lay.rooms:
        if r.id not in m.rooms or m.room_reachable(r.id):
            continue
        if not m.room_components(r.id):
            why = (f"no floor is left where a person {width:.2f} m wide can stand; walls and floor "
                   "equipment fill it")
        elif r.id == entrance:
            why = "it is the entrance, yet has no usable floor"
        else:
            why = (f"no gap at least {width:.2f} m wide leads here from the entrance {entrance} through "
                   "doors and past floor equipment; widen a door or move equipment")
        if r.id == entrance and not m.room_components(r.id):
            why = f"it is the ward's entrance, but {why}"
        out.append(_finding(r, "room-unreachable", f"room {r.id} ({r.name}): cannot be reached on foot: {why}"))
    for it in m.items:
        if not it.safety_critical or (it.access is not None and _reachable(m, it.access)):
            continue
        src = lay.item_by_id[it.id]
        if not m.room_reachable(it.room):
            why = f"its room {it.room} cannot be reached"
        elif it.access is None:
            why = (f"walls or floor equipment leave no place to stand within {ACCESS_REACH:.1f} m of it "
                   f"for a person {width:.2f} m wide")
        else:
            why = (f"the only places to stand within {ACCESS_REACH:.1f} m of it are cut off from the "
                   f"entrance {entrance} by floor equipment or walls")
        out.append(_finding(src, "item-unreachable",
                            f"{it.name.lower()} {it.id} in room {it.room}: safety-critical, but cannot be "
                            f"reached on foot from the entrance: {why}", "at"))
    return out


def _reachable(m: WardModel, p: Point) -> bool:
    return m.entrance_component >= 0 and m.component_of(p) == m.entrance_component


#: Wards of at least this many rooms compile while a worker checks them (on a second core):
#: on smaller ones the checks take too little time for a worker to pay.
PARALLEL_ROOMS = 1000


@gc_paused
def check(ward: str | os.PathLike[str], *, rules: bool = True) -> tuple[Layout | None, list[Finding], WardModel | None]:
    """Every finding about a ward folder, as ``wardtwin check`` reports them: the layout's own
    checks, then whether every room and safety-critical item can be reached on foot, decided
    by walking on the compiled floor. While other errors remain (so the floor cannot be
    trusted), reachability falls back to following doors. Returns the compiled model too
    (None when the layout has errors), so callers need not compile again. ``rules=False``
    leaves out the rule pack's measurements on the floor (:func:`wardtwin.rules.engine.evaluate`;
    the live preview shows the twin first and measures them after it)."""
    from wardtwin.layout.findings import exit_code, sort_findings
    from wardtwin.layout.load import load_ward
    from wardtwin.layout.plan import plan_of
    from wardtwin.layout.validate import validate
    from wardtwin.versions.identity import remember_version, ward_version

    layout, findings = load_ward(ward)
    if layout is None:
        return None, sort_findings(findings), None
    from wardtwin.rules.engine import evaluate
    from wardtwin.rules.pack import choose_pack

    plan = plan_of(layout)
    choice = choose_pack(layout)  # the ward's rule pack: its own findings, and the limits the checks use
    findings = findings + list(choice.findings)
    # a large ward that has read cleanly is compiled while a worker unites its walls (which the
    # compile asks for once it has united the rooms) and then runs the layout's checks and makes
    # the ward's version (``wardtwin check`` prints it); the model is dropped when the checks
    # find errors, as is anything compiling raised
    ahead = len(layout.rooms) >= PARALLEL_ROOMS and not exit_code(findings) and can_fork()
    model: WardModel | None = None
    failed: Exception | None = None
    with Background(lambda: plan.solid_union,
                    lambda: (validate(layout, skip=["door-reachability"], plan=plan),
                             ward_version(layout) if ahead else None), parallel=ahead) as side:
        if ahead:
            try:
                model = compile_ward(layout, PERSON_RADIUS, plan=plan, walls_from=lambda: side.result(0))
            except Exception as exc:  # noqa: BLE001 - raised below unless the checks explain it
                failed = exc
        checked, version = side.result(1)
    if version is not None:
        remember_version(layout, version)
    findings = findings + checked
    if exit_code(findings):
        return layout, sort_findings(findings + validate(layout, only=["door-reachability"], plan=plan)), None
    if failed is not None:
        raise failed
    if model is None:
        model = compile_ward(layout, PERSON_RADIUS, plan=plan)
    findings = findings + navigation_findings(layout, model)
    if rules and not exit_code(findings):  # the pack's rules measured on the floor, once it can be trusted
        findings = findings + evaluate(layout, model, choice)
    return layout, sort_findings(findings), (model if not exit_code(findings) else None)
