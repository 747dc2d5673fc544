"""Checks of room outlines: valid polygons, no overlaps, no near-misses, corridor widths."""

from __future__ import annotations

from shapely.strtree import STRtree

from wardtwin.layout.checks import finding, register
from wardtwin.layout.geometry import narrow_parts, overlap_area, valid_reason
from wardtwin.layout.plan import Plan

#: Clear corridor width in new health-care occupancies: 8 ft (NFPA 101), m.
CORRIDOR_CLEAR = 2.44
#: Rooms this close (m) without touching are probably meant to share a wall.
GAP_WARN = 0.05
#: A room longer than this on a side (m) is not a plausible ward room (a slip of units or digits).
MAX_ROOM_SIDE = 500.0


@register("room-polygons")
def room_polygons(plan: Plan):
    for r, poly, ok in zip(plan.layout.rooms, plan.room_outlines, plan.room_outline_valid):
        why = valid_reason(poly) if not ok or poly.area < 0.25 else None
        if why:
            yield finding(r, "invalid-polygon", f"room {r.id}: outline is not a usable polygon: {why}", "polygon")


@register("room-size")
def room_size(plan: Plan):
    for r in plan.layout.rooms:
        xs, ys = [p[0] for p in r.polygon], [p[1] for p in r.polygon]
        if not xs:
            continue
        w, d = max(xs) - min(xs), max(ys) - min(ys)
        if max(w, d) > MAX_ROOM_SIDE:
            yield finding(r, "room-too-large", f"room {r.id}: outline spans {w:.6g} x {d:.6g} m; at most "
                          f"{MAX_ROOM_SIDE:g} m on a side expected (coordinates are metres)", "polygon")


@register("room-overlaps")
def room_overlaps(plan: Plan):
    ids = list(plan.room_polygons)
    polys = [plan.room_polygons[i] for i in ids]
    if not polys:
        return
    tree = STRtree(polys)
    rooms = plan.layout.room_by_id
    for i, j in zip(*tree.query(polys, predicate="intersects")):
        if i >= j:
            continue
        area = overlap_area(polys[i], polys[j])
        if area > 1e-4:
            c = polys[i].intersection(polys[j]).representative_point()
            a, b = rooms[ids[i]], rooms[ids[j]]
            yield finding(b, "rooms-overlap",
                          f"room {b.id} overlaps room {a.id} ({a.src.file}:{a.src.line}) by {area:.2f} m² "
                          f"around ({c.x:.2f}, {c.y:.2f}); rooms may share edges but not floor", "polygon")
    for i, j in zip(*tree.query(polys, predicate="dwithin", distance=GAP_WARN)):
        if i >= j or polys[i].intersects(polys[j]):
            continue
        gap = polys[i].distance(polys[j])
        if gap > 1e-3:
            a, b = rooms[ids[i]], rooms[ids[j]]
            yield finding(b, "rooms-gap",
                          f"room {b.id} is {gap * 100:.1f} cm from room {a.id}: they do not share a wall, so both "
                          "get their own; make their edges meet exactly", "polygon")


@register("corridor-width")
def corridor_width(plan: Plan):
    """Corridor widths against the ward's rule pack (``corridor-clear-width``)."""
    from wardtwin.rules.pack import choose_pack, rule_finding

    lim = choose_pack(plan.layout).limit("corridor-clear-width")
    if lim is None:
        return
    clear = lim.value
    t = plan.layout.ward.wall_thickness
    for r in plan.layout.rooms:
        poly = plan.room_polygons.get(r.id)
        if r.kind != "corridor" or poly is None:
            continue
        narrow = narrow_parts(poly, clear + t)
        if narrow:
            where = ", ".join(f"({p.centroid.x:.1f}, {p.centroid.y:.1f})" for p in narrow[:3])
            line, col = r.src.at("polygon")
            yield rule_finding(lim, r.src.file, line, col,
                               f"corridor {r.id}: narrower than {lim.shown} clear around {where}; "
                               f"outlines run along wall centre lines, so {clear + t:.2f} m between lines "
                               "is needed" + r.src.note("polygon"))
