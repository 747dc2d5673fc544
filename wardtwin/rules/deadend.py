"""Dead-end corridors: how far a corridor runs past the point where two ways out divide,
walked along the corridor floor.

The corridor network is the ward's corridor rooms joined by their doors and openings; its
*ways out* are exit doors and doors to rooms that have an exit door. A corridor room on no way
between two ways out (nor on a loop) is pruned away room by room, as a leaf of that network;
what stays is the *core*. In each core room the core is the set of straight lines between the
points just inside its core doors (doors to other core rooms and ways out); with fewer than
two such doors in the whole network the ways out themselves are the core. Every point of the
corridor floor (walls, not equipment: a dead end is built, not parked) is then walked to the
core on a grid of :data:`CELL` m (8 neighbours: at most 8% longer than the straight walk on a
diagonal, exact along the corridor's axes; one multi-source Dijkstra search, scipy's). A
point's walk is the length of the dead end it stands in; the worst point is reported.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from wardtwin.rules.distance import _label_rooms, inside_cells, step_graph, step_masks
from wardtwin.rules.engine import Context, at, rule
from wardtwin.rules.pack import Limit, rule_finding

#: Grid cell, m.
CELL = 0.25
#: A core door's point stands this far (m) inside its room from the wall's centre line.
INSET = 0.4


def _inside_point(plan, door_id: str, room_poly) -> tuple[float, float] | None:
    o = plan.opening_by_door.get(door_id)
    if o is None:
        return None
    w = plan.walls[o.wall]
    mx, my = w.point_at((o.t0 + o.t1) / 2)
    dx, dy = w.end[0] - w.start[0], w.end[1] - w.start[1]
    n = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / n, dx / n
    for s in (1.0, -1.0):
        p = (mx + s * INSET * nx, my + s * INSET * ny)
        if shapely.contains_xy(room_poly, *p):
            return p
    return (mx, my)


def core_lines(layout, plan) -> tuple[list, dict]:
    """``(segments, corridors)``: the core's straight lines ``((x0, y0), (x1, y1))`` (a way
    out alone is a zero-length line) and the corridor rooms' polygons by id."""
    rooms = {r.id: r for r in layout.rooms}
    corr = {r.id: plan.room_polygons[r.id] for r in layout.rooms
            if r.kind == "corridor" and r.id in plan.room_polygons}
    has_exit = {rid for d in layout.doors if d.exit for rid in d.between}
    EXIT = object()
    # per corridor room: its doors that lead to another corridor room or out
    edges: dict[str, list] = {c: [] for c in corr}
    for d in layout.doors:
        if d.id not in plan.opening_by_door:
            continue
        a, b = d.between
        for here, there in ((a, b), (b, a)):
            if here not in corr:
                continue
            if d.exit or (there in rooms and there not in corr and there in has_exit):
                edges[here].append((d.id, EXIT))
            elif there in corr:
                edges[here].append((d.id, there))
    alive = set(corr)
    changed = True
    while changed:  # prune leaf rooms: a room with at most one door toward the rest
        changed = False
        for c in sorted(alive):
            live = [e for e in edges[c] if e[1] is EXIT or e[1] in alive]
            if len(live) <= 1:
                alive.discard(c)
                changed = True
    segs = []
    for c in sorted(alive):
        pts = [p for did, there in edges[c] if there is EXIT or there in alive
               for p in [_inside_point(plan, did, corr[c])] if p is not None]
        segs += [(p, q) for i, p in enumerate(pts) for q in pts[i + 1:]]
    if not segs:  # no way between two ways out: each way out is the core
        for c in sorted(corr):
            for did, there in edges[c]:
                if there is EXIT:
                    p = _inside_point(plan, did, corr[c])
                    if p is not None:
                        segs.append((p, p))
    return segs, corr


def dead_end_field(model):
    """``(values, x0, y0, room index, room ids)``: the walk (m) from each corridor cell to the
    core (inf: none can be walked to); None when the ward has no corridor or no way out."""
    from scipy.sparse import csr_matrix  # here: scipy takes a while to import
    from scipy.sparse.csgraph import dijkstra

    layout, plan = model.layout, model.plan
    segs, corr = core_lines(layout, plan)
    if not corr or not segs:
        return None
    ids = tuple(corr)
    union = shapely.union_all(list(corr.values()))
    minx, miny, maxx, maxy = union.bounds
    ix0, iy0 = math.floor(minx / CELL), math.floor(miny / CELL)
    nx, ny = math.ceil(maxx / CELL) - ix0, math.ceil(maxy / CELL) - iy0
    x0, y0 = ix0 * CELL, iy0 * CELL
    xs, ys = x0 + (np.arange(nx) + 0.5) * CELL, y0 + (np.arange(ny) + 0.5) * CELL
    inside = inside_cells(union, xs, ys) & inside_cells(model.floor, xs, ys)
    room = _label_rooms([corr[i] for i in ids], x0, y0, CELL, xs, ys)  # the room listed first wins
    room[~inside] = -1
    W = nx + 2
    d2 = CELL * math.sqrt(2)
    moves = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))
    # a diagonal step passes the two cells beside it
    mask = step_masks(inside, 1, [(dx, dy, ((dx, 0), (0, dy)) if dx and dy else ()) for dx, dy in moves])
    offsets = [dy * W + dx for dx, dy in moves]
    lengths = [d2 if dx and dy else CELL for dx, dy in moves]
    n = mask.size
    seeds = []
    for p, q in segs:  # the core's cells: points every half cell along each line
        m = max(1, int(math.ceil(math.dist(p, q) / (CELL / 2))))
        k = np.arange(m + 1)
        x = p[0] + (q[0] - p[0]) * k / m
        y = p[1] + (q[1] - p[1]) * k / m
        jx, jy = np.floor((x - x0) / CELL).astype(np.int64), np.floor((y - y0) / CELL).astype(np.int64)
        ok = (jx >= 0) & (jx < nx) & (jy >= 0) & (jy < ny)
        ok[ok] = inside[jy[ok], jx[ok]]
        seeds.append((jy[ok] + 1) * W + jx[ok] + 1)
    seeds = np.unique(np.concatenate(seeds)) if seeds else np.zeros(0, np.int64)
    if len(seeds):
        g = csr_matrix(step_graph(mask, offsets, lengths, n)[::-1], shape=(n, n), copy=False)
        dist = dijkstra(g, directed=True, indices=seeds, min_only=True)
    else:
        dist = np.full(n, math.inf)
    vals = dist.reshape(ny + 2, W)[1:-1, 1:-1]
    return vals, x0, y0, room, ids


@rule("dead-end-corridor")
def dead_end_corridor(lim: Limit, ctx: Context):
    """One finding when some point of a corridor is farther (walking) from where two ways out
    divide than the limit: at the worst point's corridor, naming the point and its walk."""
    got = dead_end_field(ctx.model)
    if got is None:
        return
    vals, x0, y0, room, ids = got
    finite = np.where(np.isfinite(vals), vals, -1.0)
    k = int(np.argmax(finite))
    iy, ix = divmod(k, finite.shape[1])
    worst = float(finite[iy, ix])
    if worst <= lim.value + 1e-9:
        return
    p = (x0 + (ix + 0.5) * CELL, y0 + (iy + 0.5) * CELL)
    rid = ids[room[iy, ix]] if room[iy, ix] >= 0 else None
    r = ctx.layout.room_by_id.get(rid) if rid else None
    src = r.src if r is not None else ctx.layout.ward.src
    over = float((finite > lim.value).sum()) * CELL ** 2
    what = f"corridor {rid}" if rid else f"ward {ctx.layout.ward.id}"
    yield rule_finding(lim, *at(src, "polygon" if r is not None else None),
                       f"{what}: a dead end: the point ({p[0]:.1f}, {p[1]:.1f}) is {worst:.1f} m walk along the "
                       f"corridor from where two ways out divide; at most {lim.shown}; {over:.0f} m² of corridor "
                       "lies deeper in dead ends" + (src.note("polygon") if r is not None else ""))

