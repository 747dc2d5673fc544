"""Checks of windows (version 2): in a known room, on an exterior wall of it, within the wall,
clear of doors and other windows, a head above the sill and below the ceiling."""

from __future__ import annotations

from collections.abc import Iterator

from wardtwin.layout.checks import finding, register
from wardtwin.layout.findings import Finding
from wardtwin.layout.plan import Plan
from wardtwin.layout.schema import did_you_mean
from wardtwin.layout.windows import clashes


@register("window-placement")
def window_placement(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    for w in lay.windows:
        if w.room not in lay.room_by_id and w.room not in lay.broken_ids:
            yield finding(w, "unknown-room", f"window {w.id}: room {w.room!r} does not exist"
                          f"{did_you_mean(w.room, lay.room_by_id)}", "room")
    for p in plan.window_problems:
        yield finding(lay.window_by_id[p.window], p.code, p.message, "at")
    doors = [(o.door, o.wall, o.t0, o.t1) for o in plan.openings]
    for o, other, overlap in clashes(plan.window_openings, doors):
        w = lay.window_by_id[o.window]
        what = f"door {other}" if other in lay.door_by_id else f"window {other}"
        yield finding(w, "window-overlap", f"window {w.id}: overlaps {what} by {overlap:.2f} m on the same wall; "
                      "move it along the wall or make it narrower", "at")


@register("window-height")
def window_height(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    for w in lay.windows:
        room = lay.room_by_id.get(w.room)
        if w.head <= w.sill + 1e-9:
            yield finding(w, "window-height", f"window {w.id}: head {w.head:.2f} m is not above its sill "
                          f"{w.sill:.2f} m; `head` is the top of the opening, `sill` its bottom (m above the floor)",
                          "head")
        elif room is not None and w.head > lay.ceiling_of(room) + 1e-9:
            yield finding(w, "window-height", f"window {w.id}: head {w.head:.2f} m is above the "
                          f"{lay.ceiling_of(room):.2f} m ceiling of room {room.id}", "head")
