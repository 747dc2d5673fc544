"""Fire rules: walking distance to the nearest fire extinguisher and manual fire alarm box
from any point of the ward, and an alarm box beside each exit door."""

from __future__ import annotations

import math

from wardtwin.rules.engine import Context, at, rule
from wardtwin.rules.pack import Limit, rule_finding

_WHAT = {"extinguisher-distance": "fire extinguisher", "alarm-box-distance": "manual fire alarm box"}


def farthest_point(lim: Limit, ctx: Context, kind: str, what: str, targets=None):
    """One finding when some point of the ward is farther (walking) from the nearest target
    than the limit: at the worst point's room, naming the point, its distance, the nearest
    target and how much floor is over the limit."""
    fields = ctx.fields
    if not fields.targets((kind, targets)):  # (decided without the grid)
        src = ctx.layout.ward.src
        yield rule_finding(lim, *at(src), f"ward {ctx.layout.ward.id}: no {what} "
                           f"({', '.join(lim.targets) or kind}) that a person can walk to; every point must be within "
                           f"{lim.shown} walk of one")
        return
    f = fields.field(kind, targets)
    floor = fields.floor_mask()
    w = f.worst(floor)
    if w is None or w[0] <= lim.value + 1e-9:
        return
    dist, p, who = w
    over = float(((f.values > lim.value) & floor).sum()) * f.grid.cell ** 2
    src, rid = ctx.room_src(p)
    where = f"room {rid}" if rid else f"ward {ctx.layout.ward.id}"
    yield rule_finding(lim, *at(src, "polygon" if rid else None),
                       f"{where}: the point ({p[0]:.1f}, {p[1]:.1f}) is {dist:.1f} m walk from the nearest {what} "
                       f"({f.targets[who]}); at most {lim.shown}; {over:.0f} m² of floor is farther" + src.note("polygon"))


@rule("extinguisher-distance", reads=lambda lim: ("extinguisher", lim.targets))
def extinguisher_distance(lim: Limit, ctx: Context):
    return farthest_point(lim, ctx, "extinguisher", "fire extinguisher", lim.targets)


@rule("alarm-box-distance", reads=lambda lim: ("alarm-box", lim.targets))
def alarm_box_distance(lim: Limit, ctx: Context):
    return farthest_point(lim, ctx, "alarm-box", "manual fire alarm box", lim.targets)


@rule("alarm-box-at-exit")
def alarm_box_at_exit(lim: Limit, ctx: Context):
    """Each exit door: the nearest alarm box (straight line from the middle of the opening to
    the box's centre) within the limit."""
    boxes = [i for i in ctx.model.items if i.type in lim.targets]
    lay = ctx.layout
    for did, mid in ctx.fields.exits():
        d = lay.door_by_id[did]
        best = min(((math.hypot(b.footprint.centroid.x - mid[0], b.footprint.centroid.y - mid[1]), b.id)
                    for b in boxes), default=None)
        if best is not None and best[0] <= lim.value + 1e-9:
            continue
        near = f"the nearest, {best[1]}, is {best[0]:.1f} m away" if best else "the ward has none"
        yield rule_finding(lim, *at(d.src), f"exit door {d.id}: no manual fire alarm box within {lim.shown} of its "
                           f"opening ({near})" + d.src.note())
