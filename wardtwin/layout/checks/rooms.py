"""Checks of room outlines: valid polygons, no overlaps, no near-misses, corridor widths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.strtree import STRtree

from wardtwin.layout.checks import finding, register
from wardtwin.layout.findings import Finding
from wardtwin.layout.geometry import narrow_parts, overlap_area, valid_reason
from wardtwin.layout.model import Room
from wardtwin.layout.plan import Plan

if TYPE_CHECKING:
    from wardtwin.rules.pack import Limit

#: Clear corridor width in new health-care occupancies: 8 ft (NFPA 101), m.
CORRIDOR_CLEAR = 2.44
#: Rooms this close (m) without touching are probably meant to share a wall.
GAP_WARN = 0.05
#: A room longer than this on a side (m) is not a plausible ward room (a slip of units or digits).
MAX_ROOM_SIDE = 500.0


@register("room-polygons")
def room_polygons(plan: Plan) -> Iterator[Finding]:
    for r, poly, ok in zip(plan.layout.rooms, plan.room_outlines, plan.room_outline_valid):
        why = valid_reason(poly) if not ok or poly.area < 0.25 else None
        if why:
            yield finding(r, "invalid-polygon", f"room {r.id}: outline is not a usable polygon: {why}", "polygon")


@register("room-size")
def room_size(plan: Plan) -> Iterator[Finding]:
    for r in plan.layout.rooms:
        xs, ys = [p[0] for p in r.polygon], [p[1] for p in r.polygon]
        if not xs:
            continue
        w, d = max(xs) - min(xs), max(ys) - min(ys)
        if max(w, d) > MAX_ROOM_SIDE:
            yield finding(r, "room-too-large", f"room {r.id}: outline spans {w:.6g} x {d:.6g} m; at most "
                          f"{MAX_ROOM_SIDE:g} m on a side expected (coordinates are metres)", "polygon")


@register("room-overlaps")
def room_overlaps(plan: Plan) -> Iterator[Finding]:
    ids = list(plan.room_polygons)
    polys = [plan.room_polygons[i] for i in ids]
    if not polys:
        return
    tree = STRtree(polys)
    rooms = plan.layout.room_by_id
    arr = np.array(polys, dtype=object)
    ii, jj = tree.query(polys, predicate="intersects")
    pairs = ii * len(polys) + jj  # the pairs that intersect (for the gaps below)
    ii, jj = ii[ii < jj], jj[ii < jj]
    # rooms that only touch (share edges or corners, as neighbours do) have no floor in common;
    # two upright rectangles (most rooms) share floor when their spans overlap both ways
    box, rect = _upright_rectangles(arr)
    both = rect[ii] & rect[jj]
    inner = np.zeros(len(ii), dtype=bool)
    bi, bj = box[ii[both]], box[jj[both]]
    inner[both] = ((np.minimum(bi[:, 2], bj[:, 2]) > np.maximum(bi[:, 0], bj[:, 0]))
                   & (np.minimum(bi[:, 3], bj[:, 3]) > np.maximum(bi[:, 1], bj[:, 1])))
    if not both.all():
        inner[~both] = ~shapely.touches(arr[ii[~both]], arr[jj[~both]])
    for i, j in zip(ii[inner].tolist(), jj[inner].tolist()):
        area = overlap_area(polys[i], polys[j])
        if area > 1e-4:
            c = polys[i].intersection(polys[j]).representative_point()
            a, b = rooms[ids[i]], rooms[ids[j]]
            yield finding(b, "rooms-overlap",
                          f"room {b.id} overlaps room {a.id} ({a.src.file}:{a.src.line}) by {area:.2f} m² "
                          f"around ({c.x:.2f}, {c.y:.2f}); rooms may share edges but not floor", "polygon")
    ii, jj = tree.query(polys, predicate="dwithin", distance=GAP_WARN)
    near = (ii < jj) & ~np.isin(ii * len(polys) + jj, pairs)
    for i, j in zip(ii[near].tolist(), jj[near].tolist()):
        gap = polys[i].distance(polys[j])
        if gap > 1e-3:
            a, b = rooms[ids[i]], rooms[ids[j]]
            yield finding(b, "rooms-gap",
                          f"room {b.id} is {gap * 100:.1f} cm from room {a.id}: they do not share a wall, so both "
                          "get their own; make their edges meet exactly", "polygon")


def _upright_rectangles(polys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(bounds, rect)``: each polygon's bounds, and whether it is exactly its bounding box
    (four corners, each a corner of the box)."""
    box = shapely.bounds(polys)
    rect = shapely.get_num_coordinates(polys) == 5
    if rect.any():
        c = shapely.get_coordinates(shapely.get_exterior_ring(polys[rect])).reshape(-1, 5, 2)[:, :4]
        b = box[rect]
        on_x = (c[:, :, 0] == b[:, None, 0]) | (c[:, :, 0] == b[:, None, 2])
        on_y = (c[:, :, 1] == b[:, None, 1]) | (c[:, :, 1] == b[:, None, 3])
        corner = (c[:, :, 0] == b[:, None, 0]).astype(int) * 2 + (c[:, :, 1] == b[:, None, 1])
        distinct = np.sort(corner, axis=1)
        four = (distinct == np.arange(4)).all(axis=1)
        ok = on_x.all(axis=1) & on_y.all(axis=1) & four & (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])
        rect[np.flatnonzero(rect)[~ok]] = False
    return box, rect


@register("corridor-width")
def corridor_width(plan: Plan) -> Iterator[Finding]:
    """Corridor widths against the ward's rule pack (``corridor-clear-width``)."""
    from wardtwin.rules.pack import choose_pack, rule_finding

    lim = choose_pack(plan.layout).limit("corridor-clear-width")
    if lim is None or lim.value is None:
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
            continue
        yield from _passage_past_items(plan, r, poly, lim, clear)


#: Cross-sections taken along each floor item in a corridor, to find the narrowest passage.
_SAMPLES = 5


def _passage_past_items(plan: Plan, room: Room, poly: Polygon, lim: Limit, clear: float) -> Iterator[Finding]:
    """The corridor's clear width with its floor items counted: across the corridor (square
    to its nearest wall) at :data:`_SAMPLES` places along each floor item, the widest clear
    way past; one finding at the item leaving the narrowest, naming the width and where.
    ``clear``: the rule's limit (m)."""
    import numpy as np
    import shapely
    from shapely.geometry import LineString

    from wardtwin.rules.pack import rule_finding

    lay = plan.layout
    candidates = [(it, plan.footprint(it)) for it in lay.items
                  if it.room == room.id and lay.mount_of(it) == "floor" and lay.item_type(it) is not None]
    items = [(it, fp) for it, fp in candidates if fp is not None and not fp.is_empty]
    if not items:
        return
    t = lay.ward.wall_thickness
    net = poly.buffer(-t / 2, join_style="mitre")
    free = net.difference(shapely.union_all([fp for _it, fp in items]))
    ring = np.asarray(poly.exterior.coords)
    edges = [(ring[k], ring[k + 1]) for k in range(len(ring) - 1) if np.hypot(*(ring[k + 1] - ring[k])) > 1e-9]
    worst = None
    for it, fp in items:
        c = fp.centroid
        a, b = min(edges, key=lambda e: LineString(e).distance(c))
        ax = (b - a) / np.hypot(*(b - a))
        nx = np.array([-ax[1], ax[0]])
        proj = [float(np.dot(np.asarray(p) - (c.x, c.y), ax)) for p in fp.exterior.coords]
        lo, hi = min(proj) + 0.01, max(proj) - 0.01
        reach = 2 * (clear + t) + 1.0
        for k in range(_SAMPLES):
            s = lo + (hi - lo) * k / (_SAMPLES - 1)
            o = np.array([c.x, c.y]) + s * ax
            cut = free.intersection(LineString([o - reach * nx, o + reach * nx]))
            pieces = [g for g in getattr(cut, "geoms", [cut]) if g.geom_type == "LineString" and not g.is_empty]
            if not pieces:
                continue
            best = max(pieces, key=lambda g: g.length)
            key = (round(best.length, 6), abs(s))  # ties: the cross-section nearest the item's middle
            if worst is None or key < worst[3]:
                worst = (best.length, it, best.interpolate(0.5, normalized=True), key)
    if worst is None or worst[0] >= clear - 1e-9:
        return
    width, it, p, _key = worst
    line, col = it.src.at("at")
    yield rule_finding(lim, it.src.file, line, col,
                       f"corridor {room.id}: with item {it.id} ({it.type}) standing in it, the clear way past is "
                       f"{width:.2f} m wide at ({p.x:.1f}, {p.y:.1f}); at least {lim.shown} clear, floor "
                       "equipment counted" + it.src.note("at"))
