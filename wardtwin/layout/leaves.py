"""Door leaves (layout language version 2): which way a hinged door swings, which jamb each
leaf hangs on and how wide it is, and which doors a bed passes. Pure functions of a
:class:`~wardtwin.layout.plan.Plan`, read by the checks, the 2D map and the 3D twin, so the
map draws and the twin hangs every leaf as the file declares it.

Conventions (see docs/layout-format.md):

- ``swing: in`` opens into the first room of the door's ``between``, ``out`` into the second.
  Undeclared, the side is derived (:meth:`Plan.swing_side`: into rooms off a corridor, out of
  ensuites and toilets, toward the stair for exits).
- ``hinge: left|right`` is seen from the side the leaf swings away from (the side you push
  it from). Undeclared, a single leaf hangs on the jamb at the start of its wall.
- ``leaf_and_half``: a main leaf on the hinge side and a small leaf on the other jamb, with
  widths in the proportion of ``leaves: [main, small]``.
- Bed routes: a patient or isolation room's doors to a corridor and a bed lift's doors are
  derived; ``bed_route: true`` adds a door (an anteroom's on the way to an isolation room,
  a lobby door) and ``bed_route: false`` takes a derived one away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from wardtwin.layout import vocab

if TYPE_CHECKING:
    from wardtwin.layout.model import Door, Layout
    from wardtwin.layout.plan import Plan

#: Room kinds whose doors to a corridor are bed routes.
BED_ROOMS = ("patient_room", "isolation_room")
#: Rooms a bed is wheeled along to reach them.
BED_WAYS = ("corridor", "elevator_lobby")


@dataclass(frozen=True)
class Leaf:
    """One leaf of a hinged door: hinged ``hinge`` metres along its wall, reaching ``width``
    metres toward ``toward`` (+1: increasing t along the wall) when closed; it opens 90 degrees
    to ``side`` (+1: the wall's left room, -1: its right)."""

    hinge: float
    toward: float
    width: float
    side: float


def hinge_at_start(plan: Plan, door_id: str) -> bool:
    """Whether a door's (main) leaf hangs on the jamb at the start of its opening (low t)."""
    door = plan.layout.door_by_id[door_id]
    if door.hinge not in vocab.HINGE_SIDES:
        return True
    side = plan.swing_side(door_id)
    # pushed from the other side, facing the way it swings: with the wall running +x and
    # its left room +y, a leaf swinging left (+y) is pushed facing +y, right hand at +x
    right_at_end = side > 0
    return (door.hinge == "right") != right_at_end


def door_leaves(plan: Plan, door_id: str) -> tuple[Leaf, ...]:
    """The hinged leaves of a door as declared (none for sliding doors and openings)."""
    door = plan.layout.door_by_id[door_id]
    o = plan.opening_by_door.get(door_id)
    if o is None or door.type not in vocab.HINGED_TYPES:
        return ()
    side = plan.swing_side(door_id)
    w = o.t1 - o.t0
    start = hinge_at_start(plan, door_id)
    if door.type == "swing":
        return (Leaf(o.t0, 1.0, w, side),) if start else (Leaf(o.t1, -1.0, w, side),)
    if door.type == "double":
        return (Leaf(o.t0, 1.0, w / 2, side), Leaf(o.t1, -1.0, w / 2, side))
    main, small = door.leaves if door.leaves else (2.0, 1.0)
    wm = w * main / (main + small)
    if start:
        return (Leaf(o.t0, 1.0, wm, side), Leaf(o.t1, -1.0, w - wm, side))
    return (Leaf(o.t1, -1.0, wm, side), Leaf(o.t0, 1.0, w - wm, side))


def is_bed_route(layout: Layout, door: Door) -> bool:
    """Whether a bed passes through ``door``: declared with ``bed_route``, else derived."""
    if door.bed_route is not None:
        return bool(door.bed_route)
    rooms = [layout.room_by_id.get(r) for r in door.between]
    kinds = {r.kind for r in rooms if r is not None}
    if kinds & set(BED_ROOMS) and kinds & set(BED_WAYS):
        return True
    return any(r is not None and r.kind == "lift" and r.lift == "bed" for r in rooms)
