"""Checks of version 2's kinds of space and of net areas: alcoves open to a room, lifts opening
to a lobby, room keys that fit the room's kind, intended areas met."""

from __future__ import annotations

from collections.abc import Iterator

from wardtwin.layout.areas import AREA_TOLERANCE, AREA_TOLERANCE_M2, area_within, net_areas
from wardtwin.layout.checks import finding, register
from wardtwin.layout.findings import Finding
from wardtwin.layout.plan import Plan
from wardtwin.layout.schema import did_you_mean

#: Where a lift's doors may open.
LIFT_LOBBIES = ("elevator_lobby", "corridor")
#: An alcove's open edge is at least this long, m.
MIN_OPEN_EDGE = 0.5


@register("room-keys")
def room_keys(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    for r in lay.rooms:
        if r.open_to is not None and r.kind != "alcove":
            yield finding(r, "room-key-not-for-kind", f"room {r.id}: `open_to` on a {r.kind} room; only an alcove "
                          "is open to another room (kind: alcove)", "open_to")
        if r.lift is not None and r.kind != "lift":
            yield finding(r, "room-key-not-for-kind", f"room {r.id}: `lift: {r.lift}` on a {r.kind} room; only a "
                          "lift (kind: lift) carries beds or passengers", "lift")


@register("alcoves")
def alcoves(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    opened = {a: n for a, _b, n in plan.open_edges}
    for r in lay.rooms:
        if r.kind != "alcove":
            continue
        if r.open_to is None:
            yield finding(r, "alcove-not-open", f"alcove {r.id}: no `open_to`; an alcove names the room it is open "
                          "to along their shared edge", "kind")
        elif r.open_to == r.id:
            yield finding(r, "alcove-not-open", f"alcove {r.id}: `open_to` names itself; the room it opens onto "
                          "expected", "open_to")
        elif r.open_to not in lay.room_by_id:
            if r.open_to not in lay.broken_ids:
                yield finding(r, "unknown-room", f"alcove {r.id}: `open_to` room {r.open_to!r} does not exist"
                              f"{did_you_mean(r.open_to, lay.room_by_id)}", "open_to")
        elif opened.get(r.id, 0.0) < MIN_OPEN_EDGE:
            yield finding(r, "alcove-not-open", f"alcove {r.id}: shares {opened.get(r.id, 0.0):.2f} m of edge with "
                          f"room {r.open_to}, which it is open to; its outline must share an edge of at least "
                          f"{MIN_OPEN_EDGE:.2f} m with that room's (the open side, where no wall is built)", "polygon")


@register("lifts")
def lifts(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    for d in lay.doors:
        rooms = [lay.room_by_id.get(r) for r in d.between]
        for here, there in ((rooms[0], rooms[1]), (rooms[1], rooms[0])):
            if here is not None and here.kind == "lift" and (there is None or there.kind not in LIFT_LOBBIES):
                where = f"room {there.id} ({there.kind.replace('_', ' ')})" if there is not None else "the outside"
                yield finding(d, "lift-not-to-lobby", f"door {d.id} of lift {here.id}: opens to {where}; a lift "
                              "opens to a lift lobby (elevator_lobby) or a corridor", "between")


@register("net-areas")
def net_area(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    wanted = [(r, r.area) for r in lay.rooms if r.area is not None and r.id in plan.room_polygons]
    if not wanted:
        return
    net = net_areas(plan)
    for r, area in wanted:
        if not area_within(net[r.id], area):
            tol = max(AREA_TOLERANCE * area, AREA_TOLERANCE_M2)
            yield finding(r, "area-mismatch", f"room {r.id}: net area {net[r.id]:.2f} m² inside the wall faces, "
                          f"intended {r.area:.2f} m² (within {tol:.2f} m²: 5% or 0.5 m²); outlines run along wall "
                          "centre lines, so a room's outline is larger than its net area", "area")
