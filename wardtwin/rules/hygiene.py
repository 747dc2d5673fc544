"""Hand hygiene: a hand-rub dispenser at every patient-room entry."""

from __future__ import annotations

import math

from wardtwin.layout import vocab
from wardtwin.rules.engine import Context, at, rule
from wardtwin.rules.pack import Limit, rule_finding

#: Rooms whose entries need a dispenser.
PATIENT_KINDS = ("patient_room", "isolation_room")
#: Rooms a patient room's inner doors lead to (not entries).
INNER_KINDS = ("ensuite", "toilet", "shower", "anteroom", "alcove")


@rule("hand-rub-at-entry")
def hand_rub_at_entry(lim: Limit, ctx: Context):
    """Each door of a patient or isolation room to a room that is not its own ensuite or
    anteroom (or to an anteroom from outside): a dispenser's centre within the limit of the
    middle of the opening, on either side."""
    from wardtwin.model.queries import resolve_place

    import numpy as np

    lay = ctx.layout
    rubs = [i for i in ctx.model.items if i.type in lim.targets]
    rub_xy = np.array([(i.footprint.centroid.x, i.footprint.centroid.y) for i in rubs]).reshape(-1, 2)
    kinds = {r.id: r.kind for r in lay.rooms}
    found = []
    for d in lay.doors:
        a, b = (kinds.get(r, vocab.OUTSIDE) for r in d.between)
        entry = (a in PATIENT_KINDS and b not in INNER_KINDS + PATIENT_KINDS) or (
            b in PATIENT_KINDS and a not in INNER_KINDS + PATIENT_KINDS) or (
            "anteroom" in (a, b) and not {a, b} & set(PATIENT_KINDS))
        if not entry or d.id not in ctx.model.plan.opening_by_door:
            continue
        mid = resolve_place(ctx.model, d.id)
        best = None
        if len(rubs):
            dist = np.hypot(rub_xy[:, 0] - mid[0], rub_xy[:, 1] - mid[1])
            k = int(np.argmin(dist))
            best = (float(dist[k]), rubs[k].id)
        if best is None or best[0] > lim.value + 1e-9:
            found.append((best[0] if best else math.inf, d, best))
    if not found:
        return
    found.sort(key=lambda x: (-x[0], x[1].id))
    _v, d, best = found[0]
    near = f"the nearest, {best[1]}, is {best[0]:.1f} m from its opening" if best else "the ward has none"
    others = f"; {len(found) - 1} other entry door(s) too" if len(found) > 1 else ""
    yield rule_finding(lim, *at(d.src), f"door {d.id} between {d.between[0]} and {d.between[1]}: a patient-room "
                       f"entry with no hand-rub dispenser within {lim.shown} ({near}){others}" + d.src.note())
