"""Can every room be reached on foot from the ward entrance? Are there enough exits?"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from wardtwin.layout import vocab
from wardtwin.layout.checks import finding, register
from wardtwin.layout.findings import Finding
from wardtwin.layout.plan import Plan
from wardtwin.layout.schema import did_you_mean


def reachable_rooms(plan: Plan, start: str) -> set[str]:
    """Rooms reachable from ``start`` through doors (the door graph; the walkable-area check
    of the navigation stage refines this). Doors left out for errors of their own count as
    there: the rooms behind them are that error's consequence, already reported."""
    graph: dict[str, set[str]] = {}
    for a, b in [d.between for d in plan.layout.doors] + list(plan.layout.broken_links):
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set()).add(a)
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in graph.get(todo.popleft(), ()):
            if nxt not in seen and nxt != vocab.OUTSIDE:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@register("entrance")
def entrance(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    e = lay.ward.entrance
    if e is not None and e not in lay.room_by_id and e not in lay.broken_ids:
        line, col = lay.ward.src.at("entrance")
        yield Finding.make("unknown-entrance", lay.ward.src.file, line, col,
                           f"ward {lay.ward.id}: entrance {e!r} is not a room of the floor plan"
                           f"{did_you_mean(e, lay.room_by_id)}")


@register("door-reachability")
def door_reachability(plan: Plan) -> Iterator[Finding]:
    """Rooms no door path leads to. An approximation: the walking check of the compiled model
    (door widths, equipment in the way) replaces it once the layout has no other errors."""
    lay = plan.layout
    entrance = lay.ward.entrance
    if entrance not in lay.room_by_id:
        return
    seen = reachable_rooms(plan, entrance)
    for a, b, _n in plan.open_edges:  # an alcove is reached through the room it is open to
        if a in seen or b in seen:
            seen |= {a, b}
    for r in lay.rooms:
        if r.id not in seen and r.kind not in vocab.UNWALKED_KINDS:  # nobody walks into a shaft
            yield finding(r, "room-unreachable", f"room {r.id} ({r.name}): no door path leads here from the "
                          f"entrance {entrance}; add a door to a room that can be reached")


@register("exits")
def exits(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    n = len(plan.exits)
    if n < 2:
        line, col = lay.ward.src.line, lay.ward.src.column
        yield Finding.make("too-few-exits", lay.ward.src.file, line, col,
                           f"ward {lay.ward.id}: {n} exit door(s) found (doors with `exit: true`); at least 2 "
                           "remote exits are expected for a health-care floor")
