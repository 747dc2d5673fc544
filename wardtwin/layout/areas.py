"""Net room areas (layout language version 2): the floor inside the wall faces.

Room outlines run along wall centre lines, while design guidance gives net (internal) areas:
a room's net area is its outline less the half of each of its walls that stands in it (a
``wall_thickness`` band along every wall of the room; none along an alcove's open edge).
Pure and deterministic (shapely), m².
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

import numpy as np
import shapely

if TYPE_CHECKING:
    from wardtwin.layout.model import Layout
    from wardtwin.layout.plan import Plan

#: An intended ``area`` is met within this fraction of it ...
AREA_TOLERANCE = 0.05
#: ... or within this many m², whichever is more.
AREA_TOLERANCE_M2 = 0.5


class RoomArea(TypedDict):
    """One room's areas (m²) in ``wardtwin check --format json``."""

    id: str
    kind: str
    outline_area_m2: float
    net_area_m2: float
    intended_area_m2: float | None
    area_ok: bool | None


def net_areas(plan: Plan, only: Iterable[str] | None = None) -> dict[str, float]:
    """Room id -> net area (m², rounded to 0.01) for each room with a valid outline (of the
    ids in ``only``, when given), in floor-plan order."""
    t = plan.layout.ward.wall_thickness
    walls = plan.walls
    by_room: dict[str, list[int]] = {}
    for i, w in enumerate(walls):
        for r in (w.left, w.right):
            if r is not None:
                by_room.setdefault(r, []).append(i)
    wanted = None if only is None else set(only)
    need = range(len(walls)) if wanted is None else sorted({i for r in wanted for i in by_room.get(r, ())})
    bands = np.empty(len(walls), dtype=object)
    if len(need):
        lines = shapely.linestrings(np.array([[walls[i].start, walls[i].end] for i in need], dtype=float))
        bands[list(need)] = shapely.buffer(lines, t / 2, cap_style="square", join_style="mitre")
    out: dict[str, float] = {}
    for rid, poly in plan.room_polygons.items():
        if wanted is not None and rid not in wanted:
            continue
        mine = by_room.get(rid, [])
        inner = poly.difference(shapely.union_all(bands[mine])) if mine else poly
        out[rid] = round(float(inner.area), 2)
    return out


def area_within(net: float, intended: float) -> bool:
    """Whether a net area meets an intended one (see :data:`AREA_TOLERANCE`)."""
    return abs(net - intended) <= max(AREA_TOLERANCE * intended, AREA_TOLERANCE_M2)


def room_areas(layout: Layout, plan: Plan | None = None) -> list[RoomArea]:
    """Per room, for reports (``wardtwin check --format json``): id, kind, the outline's area
    along the wall centre lines, the net area inside the wall faces, and the intended ``area``
    with whether the net one meets it (None where the room states none)."""
    from wardtwin.layout.plan import plan_of

    plan = plan if plan is not None else plan_of(layout)
    net = net_areas(plan)
    out: list[RoomArea] = []
    for r in layout.rooms:
        if r.id not in net:
            continue
        out.append({"id": r.id, "kind": r.kind, "outline_area_m2": round(float(plan.room_polygons[r.id].area), 2),
                    "net_area_m2": net[r.id], "intended_area_m2": r.area,
                    "area_ok": None if r.area is None else area_within(net[r.id], r.area)})
    return out
