"""Egress rules: walking distance to the nearest exit from any point of the ward, and two
exits remote from each other."""

from __future__ import annotations

import math

from wardtwin.rules.engine import Context, at, rule
from wardtwin.rules.fire import farthest_point
from wardtwin.rules.pack import Limit, rule_finding


@rule("exit-distance", reads=lambda lim: ("exit", None))
def exit_distance(lim: Limit, ctx: Context):
    if not ctx.fields.exits():
        return ()  # too-few-exits says so
    return farthest_point(lim, ctx, "exit", "exit")


@rule("exits-remote")
def exits_remote(lim: Limit, ctx: Context):
    """The two exits farthest apart (straight line between the middles of their openings) at
    least ``limit`` x the diagonal of the box around the ward's rooms."""
    exits = ctx.fields.exits()
    if len(exits) < 2:
        return
    best = max(((math.dist(a[1], b[1]), a[0], b[0]) for i, a in enumerate(exits) for b in exits[i + 1:]))
    xs = [p[0] for r in ctx.layout.rooms for p in r.polygon]
    ys = [p[1] for r in ctx.layout.rooms for p in r.polygon]
    diag = math.hypot(max(xs) - min(xs), max(ys) - min(ys))
    need = lim.value * diag
    if best[0] >= need - 1e-9:
        return
    d = ctx.layout.door_by_id[best[2]]
    yield rule_finding(lim, *at(d.src), f"exits {best[1]} and {best[2]} are {best[0]:.1f} m apart, the farthest of "
                       f"the ward's {len(exits)} exits; at least {lim.value:.3g} of the ward's overall diagonal "
                       f"{diag:.1f} m = {need:.1f} m expected" + d.src.note())
