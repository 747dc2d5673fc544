"""Resuscitation rules: walking time from every bed to the nearest crash cart and AED, at
the pack's walking speed."""

from __future__ import annotations

import math

from wardtwin.rules.engine import Context, at, rule
from wardtwin.rules.pack import Limit, rule_finding


def beds(ctx: Context):
    """Placed items drawn as beds (``draw.shape: bed``), with where a person stands at them."""
    cat = ctx.layout.catalog
    return [i for i in ctx.model.items if cat.get(i.type) is not None and cat[i.type].draw.shape == "bed"]


def _bed_time(lim: Limit, ctx: Context, kind: str, what: str):
    speed = lim.params.get("speed") or 1.2
    lay = ctx.layout
    if not ctx.fields.targets((kind, lim.targets)):  # nothing to walk to: every bed is too far
        if n := len(beds(ctx)):
            yield rule_finding(lim, *at(lay.ward.src), f"ward {lay.ward.id}: no {what} ({', '.join(lim.targets)}) that a "
                               f"person can walk to from its {n} bed(s); each must be within {lim.shown} at {speed:g} m/s")
        return
    f = ctx.fields.field(kind, lim.targets)
    found = []
    for b in beds(ctx):
        p = b.access if b.access is not None else b.front
        d, who = f.at(p)
        t = d / speed
        if t > lim.value + 1e-9:
            found.append((t, d, b, who))
    if not found:
        return
    found.sort(key=lambda x: (-x[0], x[2].id))
    t, d, b, who = found[0]
    item = lay.item_by_id[b.id]
    others = f"; {len(found) - 1} other bed(s) too" if len(found) > 1 else ""
    dist = "cannot be walked to" if not math.isfinite(d) else f"{d:.1f} m walk, {t:.0f} s at {speed:g} m/s"
    yield rule_finding(lim, *at(item.src, "at"),
                       f"bed {b.id} in room {b.room}: the nearest {what} ({f.targets[who] if who >= 0 else 'none'}) "
                       f"{dist}; at most {lim.shown} ({lim.value * speed:.0f} m){others}" + item.src.note("at"))


@rule("crash-cart-time", reads=lambda lim: ("crash-cart", lim.targets))
def crash_cart_time(lim: Limit, ctx: Context):
    return _bed_time(lim, ctx, "crash-cart", "crash cart")


@rule("aed-time", reads=lambda lim: ("aed", lim.targets))
def aed_time(lim: Limit, ctx: Context):
    return _bed_time(lim, ctx, "aed", "AED")
