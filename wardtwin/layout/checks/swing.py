"""Checks of door leaves (version 2): keys that fit the door's type, leaf-and-a-half leaves
that make up the opening, and leaves that swing into a corridor's required clear width."""

from __future__ import annotations

import math
from collections.abc import Iterator

from shapely.geometry import LineString

from wardtwin.layout import vocab
from wardtwin.layout.checks import finding, register
from wardtwin.layout.findings import Finding
from wardtwin.layout.checks.rooms import CORRIDOR_CLEAR
from wardtwin.layout.leaves import door_leaves
from wardtwin.layout.model import Point
from wardtwin.layout.plan import Plan

#: How far (m) a corridor's width is looked for across from a door.
_REACH = 50.0


@register("door-keys")
def door_keys(plan: Plan) -> Iterator[Finding]:
    for d in plan.layout.doors:
        if d.hinge is not None and d.type not in vocab.HINGE_TYPES:
            yield finding(d, "door-key-not-for-type", f"door {d.id}: `hinge: {d.hinge}` on a {d.type} door; only "
                          f"{' and '.join(vocab.HINGE_TYPES)} doors have a hinge side"
                          + (" (a double door's leaves hang on both jambs)" if d.type == "double" else ""), "hinge")
        if d.swing is not None and d.type not in vocab.HINGED_TYPES:
            yield finding(d, "door-key-not-for-type", f"door {d.id}: `swing: {d.swing}` on a {d.type} door; only "
                          f"hinged doors ({', '.join(vocab.HINGED_TYPES)}) swing", "swing")
        if d.leaves is not None and d.type != "leaf_and_half":
            yield finding(d, "door-key-not-for-type", f"door {d.id}: `leaves` on a {d.type} door; only a "
                          "leaf_and_half door has leaves of two widths", "leaves")
        if d.type == "leaf_and_half":
            if d.leaves is None:
                yield finding(d, "leaf-widths", f"door {d.id}: a leaf_and_half door needs `leaves: [main, small]`, "
                              "the widths of its two leaves (m)", "type")
                continue
            main, small = d.leaves
            if main <= small:
                yield finding(d, "leaf-widths", f"door {d.id}: leaves [{main:.2f}, {small:.2f}]: the main leaf "
                              "(first) must be the larger", "leaves")
            elif abs(main + small - d.width) > 0.1 + 1e-9:
                yield finding(d, "leaf-widths", f"door {d.id}: leaves {main:.2f} + {small:.2f} = "
                              f"{main + small:.2f} m, but the opening is {d.width:.2f} m wide; the leaves "
                              "make up the opening (within 0.10 m for the frame's stops)", "leaves")


def _across(plan: Plan, room: str, foot: Point, normal: tuple[float, float]) -> float | None:
    """The corridor's width (between wall centre lines) straight across from a door."""
    poly = plan.room_polygons.get(room)
    if poly is None:
        return None
    ray = LineString([(foot[0] + normal[0] * 1e-3, foot[1] + normal[1] * 1e-3),
                      (foot[0] + normal[0] * _REACH, foot[1] + normal[1] * _REACH)])
    hit = ray.intersection(poly.exterior)
    if hit.is_empty:
        return None
    pts = [hit] if hit.geom_type == "Point" else list(getattr(hit, "geoms", []))
    d = [math.dist(foot, (p.x, p.y)) for p in pts if p.geom_type == "Point"]
    return min(d) if d else None


@register("leaf-sweep")
def leaf_sweep(plan: Plan) -> Iterator[Finding]:
    """A leaf declared to open into a corridor (``swing``) leaves less than the corridor's clear width
    (:data:`CORRIDOR_CLEAR`) between its open edge and the far wall face."""
    lay = plan.layout
    t = lay.ward.wall_thickness
    for o in plan.openings:
        door = lay.door_by_id[o.door]
        if door.swing is None:  # undeclared: wardtwin's guess of the side (Plan.swing_side), not the planner's
            continue
        leaves = door_leaves(plan, door.id)
        if not leaves:
            continue
        wall = plan.walls[o.wall]
        side = leaves[0].side
        into = wall.left if side > 0 else wall.right
        room = lay.room_by_id.get(into) if into else None
        if into is None or room is None or room.kind != "corridor":
            continue
        dx, dy = wall.direction
        normal = (-dy * side, dx * side)
        mid = wall.point_at((o.t0 + o.t1) / 2)
        width = _across(plan, into, mid, normal)
        if width is None:
            continue
        sweep = max(lf.width for lf in leaves)
        left = width - t - sweep
        if left < CORRIDOR_CLEAR - 1e-6:
            yield finding(door, "leaf-sweeps-corridor",
                          f"door {door.id}: its {sweep:.2f} m leaf opens into corridor {into} and leaves "
                          f"{max(left, 0):.2f} m clear of its {width - t:.2f} m; at least {CORRIDOR_CLEAR:.2f} m "
                          "(8 ft) must stay clear: swing it the other way (`swing`), recess it or slide it",
                          "swing" if door.swing else "type")
