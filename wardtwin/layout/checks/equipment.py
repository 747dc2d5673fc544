"""Checks of the inventory: known types and rooms, inside the room, clear of walls, doors and
other floor items, wall items against a wall, nothing above the ceiling."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from shapely.geometry import Point, Polygon
from shapely.strtree import STRtree

from wardtwin.layout.checks import finding, register
from wardtwin.layout.findings import Finding
from wardtwin.layout.geometry import back_midpoint, opening_polygons, overlap_area
from wardtwin.layout.model import EquipmentType, Item
from wardtwin.layout.plan import Plan
from wardtwin.layout.schema import did_you_mean

#: Overlaps smaller than this (m²) are touching, not overlapping.
AREA_TOL = 1e-4
#: A wall item's back may stand this far (m) off the wall face.
WALL_GAP = 0.03
#: Depth (m) of the strip on each side of a door opening that floor items must keep clear.
DOOR_CLEARANCE = 0.6


def _placed(plan: Plan) -> Iterator[tuple[Item, EquipmentType, Polygon]]:
    """(item, type, footprint) for every item whose type and room exist."""
    lay = plan.layout
    for it in lay.items:
        t = lay.item_type(it)
        if t is not None and it.room in lay.room_by_id:
            yield it, t, plan.footprint(it)


@register("equipment-refs")
def equipment_refs(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    for it in lay.items:
        if it.type not in lay.catalog and it.type not in lay.broken_ids:
            yield finding(it, "unknown-equipment-type", f"item {it.id}: type {it.type!r} is not in the catalog"
                          f"{did_you_mean(it.type, lay.catalog)}; add it to the ward's catalog.yaml or use a "
                          "shipped type (see assets/catalog.yaml)", "type")
        if it.room not in lay.room_by_id and it.room not in lay.broken_ids:
            yield finding(it, "unknown-room", f"item {it.id}: room {it.room!r} does not exist"
                          f"{did_you_mean(it.room, lay.room_by_id)}", "room")


@register("equipment-placement")
def equipment_placement(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    for it, t, fp in _placed(plan):
        room = plan.room_polygons.get(it.room)
        if room is None:
            continue
        name = f"{t.name.lower()} {it.id}"
        where = f"({it.at[0]:.2f}, {it.at[1]:.2f})"
        if not room.covers(Point(it.at)):
            inside = plan.room_at(*it.at)
            what = f"in room {inside}" if inside else "outside every room"
            yield finding(it, "equipment-outside-room", f"{name}: its centre {where} is {what}, not in room "
                          f"{it.room}", "at")
            continue
        depth = max((overlap_area(fp, h) for h in plan.solids_near(fp)), default=0.0)
        if depth > AREA_TOL:
            yield finding(it, "equipment-in-wall", f"{name} at {where}: its {t.footprint[0]:.2f} x "
                          f"{t.footprint[1]:.2f} m footprint cuts {depth:.3f} m² into a wall; move it into "
                          f"room {it.room} or turn it (rotation {it.rotation:g}°)", "at")
        elif fp.difference(plan.open_floor(it.room)).area > AREA_TOL:  # an alcove's items may reach into its parent
            yield finding(it, "equipment-blocks-door", f"{name} at {where}: reaches through a door opening "
                          f"out of room {it.room}", "at")
        top = lay.elevation_of(it) + t.height
        ceiling = lay.ceiling_of(lay.room_by_id[it.room])
        if top > ceiling + 1e-6:
            yield finding(it, "equipment-above-ceiling", f"{name}: reaches {top:.2f} m, above the "
                          f"{ceiling:.2f} m ceiling of room {it.room}", "elevation" if it.elevation is not None else "type")
        if lay.mount_of(it) == "wall":
            back = Point(back_midpoint(it.at, t.footprint, it.rotation))
            gap = min((back.distance(s) for s in plan.solids_near(back, 1.0)), default=None)
            if gap is None or gap > WALL_GAP:
                off = "more than 1 m" if gap is None else f"{gap:.2f} m"
                yield finding(it, "equipment-not-on-wall", f"{name}: wall-mounted, but its back is {off} from a wall "
                              f"face; put its back (local -y, see `rotation`) against a wall", "at")


def _first_overlaps(placed: list[tuple[Item, Polygon]], also: Callable[[Item, Item], bool] | None = None,
                    ) -> Iterator[tuple[Item, Item, float]]:
    """``(earlier, later, area m²)`` for each item of ``placed`` (``(item, footprint)`` pairs)
    whose footprint overlaps an earlier one's by more than :data:`AREA_TOL` (and for which
    ``also(earlier, later)`` holds, when given): the first such earlier item only, so n items
    stacked on one spot give n - 1 findings, not n²/2."""
    if not placed:
        return
    tree = STRtree([fp for _, fp in placed])
    for j, (b, fb) in enumerate(placed):
        for i in sorted(int(k) for k in tree.query(fb, predicate="intersects")):
            if i >= j:
                break
            area = overlap_area(placed[i][1], fb)
            if area > AREA_TOL and (also is None or also(placed[i][0], b)):
                yield placed[i][0], b, area
                break


@register("equipment-overlap")
def equipment_overlap(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    floor = [(it, fp) for it, _t, fp in _placed(plan) if lay.mount_of(it) == "floor"]
    for a, b, area in _first_overlaps(floor):
        yield finding(b, "equipment-overlap", f"item {b.id} overlaps item {a.id} ({a.src.file}:{a.src.line}) "
                      f"by {area:.3f} m²; floor items need their own floor", "at")


@register("equipment-stacked")
def equipment_stacked(plan: Plan) -> Iterator[Finding]:
    """Wall and ceiling items of one type whose footprints overlap at overlapping heights."""
    lay = plan.layout
    by_type: dict[str, list[tuple[Item, EquipmentType, Polygon]]] = {}
    for it, t, fp in _placed(plan):
        if lay.mount_of(it) != "floor":
            by_type.setdefault(it.type, []).append((it, t, fp))
    for entries in by_type.values():
        t = entries[0][1]
        same_height = (lambda a, b, h=t.height: abs(lay.elevation_of(a) - lay.elevation_of(b)) < h - 1e-6)
        for a, b, area in _first_overlaps([(it, fp) for it, _t, fp in entries], same_height):
            yield finding(b, "equipment-stacked", f"{t.name.lower()} {b.id} stands where {a.id} "
                          f"({a.src.file}:{a.src.line}) already is ({area:.3f} m² of footprint at the same "
                          "height); each item needs its own place (a duplicated entry?)", "at")


@register("door-clearance")
def door_clearance(plan: Plan) -> Iterator[Finding]:
    lay = plan.layout
    floor = [(it, t, fp) for it, t, fp in _placed(plan) if lay.mount_of(it) == "floor"]
    if not floor or not plan.openings:
        return
    polys = opening_polygons(plan.walls, plan.openings, lay.ward.wall_thickness + 2 * DOOR_CLEARANCE)
    zones = [(o.door, z) for o, z in zip(plan.openings, polys)]
    tree = STRtree([z for _, z in zones])
    for it, t, fp in floor:
        for k in tree.query(fp, predicate="intersects"):
            door, zone = zones[k]
            if overlap_area(fp, zone) > AREA_TOL:
                yield finding(it, "equipment-blocks-door", f"{t.name.lower()} {it.id}: stands within "
                              f"{DOOR_CLEARANCE:.1f} m of door {door}'s opening; keep door approaches clear", "at")
                break
