"""Clearances: the floor around beds, turning circles in toilets and ensuites, net areas per
room kind, rooms cut in parts by floor equipment, and the clear floor in front of emergency
equipment. Lengths in metres, areas in m²."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from wardtwin.rules.emergency import beds
from wardtwin.rules.engine import NOT_FLOOR, Context, at, rule
from wardtwin.rules.pack import Limit, rule_finding

#: Overlaps under this (m²) are touching, not standing in the way.
AREA_TOL = 1e-3
#: A part of a room's walkable floor smaller than this (m², after the person's radius is taken
#: off every wall and item) is a gap behind furniture, not a part of the room.
MIN_PART = 0.5


def _frame(item):
    """``(front direction, side direction)`` unit vectors of a placed item (front: local +y)."""
    t = item.rotation
    return (-math.sin(t), math.cos(t)), (math.cos(t), math.sin(t))


def _rect(p, along, across, length: float, depth: float) -> Polygon:
    """The rectangle ``length`` wide (along ``across``) centred on ``p`` and ``depth`` deep
    toward ``along``."""
    hx, hy = across[0] * length / 2, across[1] * length / 2
    dx, dy = along[0] * depth, along[1] * depth
    return Polygon([(p[0] - hx, p[1] - hy), (p[0] + hx, p[1] + hy), (p[0] + hx + dx, p[1] + hy + dy),
                    (p[0] - hx + dx, p[1] - hy + dy)])


def _walls_near(plan, geom):
    hits = plan.solids_index.query(geom, predicate="intersects")
    return [plan.solids[k] for k in hits]


@rule("bed-clearance")
def bed_clearance(lim: Limit, ctx: Context):
    """Each bed's two sides and foot: the clear floor straight out from each edge to the
    nearest wall face (walls with their door openings cut out). One finding at the worst bed."""
    lay, plan = ctx.layout, ctx.model.plan
    found = []
    for b in beds(ctx):
        t = lay.item_type(lay.item_by_id[b.id])
        if t is None:
            continue
        front, side = _frame(b)
        c = b.footprint.centroid
        w, d = t.footprint
        worst = None
        for name, n, length, half in (("foot", front, w, d / 2), ("side", side, d, w / 2),
                                      ("side", (-side[0], -side[1]), d, w / 2)):
            edge_mid = (c.x + n[0] * half, c.y + n[1] * half)
            across = (-n[1], n[0])
            strip = _rect(edge_mid, n, across, length - 0.02, lim.value)
            walls = [s.intersection(strip) for s in _walls_near(plan, strip)]
            walls = [g for g in walls if not g.is_empty and g.area > 1e-6]
            if not walls:
                continue
            edge = LineString([(edge_mid[0] - across[0] * length / 2, edge_mid[1] - across[1] * length / 2),
                               (edge_mid[0] + across[0] * length / 2, edge_mid[1] + across[1] * length / 2)])
            gap = min(edge.distance(g) for g in walls)
            if gap < lim.value - 1e-6 and (worst is None or gap < worst[0]):
                worst = (gap, name)
        if worst is not None:
            found.append((worst[0], worst[1], b))
    if not found:
        return
    found.sort(key=lambda x: (x[0], x[2].id))
    gap, name, b = found[0]
    item = lay.item_by_id[b.id]
    others = f"; {len(found) - 1} other bed(s) too" if len(found) > 1 else ""
    yield rule_finding(lim, *at(item.src, "at"), f"bed {b.id} in room {b.room}: its {name} is {gap:.2f} m from a "
                       f"wall; at least {lim.shown} clear at its sides and foot{others}" + item.src.note("at"))


def _room_floor(ctx: Context, rid: str):
    """The room's floor inside its wall faces (with its half of each door opening)."""
    poly = ctx.model.plan.open_floor(rid)
    return shapely.clip_by_rect(ctx.model.floor, *poly.bounds).intersection(poly) if poly is not None else None


@rule("turning-space")
def turning_space(lim: Limit, ctx: Context):
    """Each room of the listed kinds: a circle of the limit's diameter fits on its floor
    inside the wall faces, clear of floor items. One finding at the room with the smallest
    circle, counting the others."""
    kinds = set(lim.params.get("kinds") or ())
    lay, m = ctx.layout, ctx.model
    radius = lim.value / 2
    found = []
    for r in lay.rooms:
        if r.kind not in kinds or r.id not in m.rooms:
            continue
        floor = _room_floor(ctx, r.id)
        if floor is None or floor.is_empty:
            continue
        items = [i.footprint for i in m.items if i.blocks and i.room == r.id]
        free = floor.difference(shapely.union_all(items)) if items else floor
        if not free.is_empty and not free.buffer(-radius + 1e-6).is_empty:
            continue
        best = 0.0
        for part in getattr(free, "geoms", [free]):
            if part.geom_type == "Polygon" and not part.is_empty:
                best = max(best, shapely.maximum_inscribed_circle(part, 0.005).length)
        found.append((best, r))
    if not found:
        return
    found.sort(key=lambda x: (x[0], x[1].id))
    best, r = found[0]
    others = f"; {len(found) - 1} other room(s) too" if len(found) > 1 else ""
    yield rule_finding(lim, *at(r.src, "kind"), f"room {r.id} ({r.name}, {r.kind.replace('_', ' ')}): no turning "
                       f"circle of {lim.shown} fits on its free floor (the largest is {2 * best:.2f} m across, walls "
                       f"and floor items counted){others}" + r.src.note("kind"))


@rule("room-net-area")
def room_net_area(lim: Limit, ctx: Context):
    """Each room of a kind the pack lists: its net area (inside the wall faces) at least the
    kind's minimum."""
    from wardtwin.layout.areas import net_areas

    mins = lim.params.get("minimums") or {}
    lay = ctx.layout
    if not any(r.kind in mins for r in lay.rooms):
        return
    net = net_areas(ctx.model.plan, [r.id for r in lay.rooms if r.kind in mins])
    for r in lay.rooms:
        if r.kind not in mins or r.id not in net:
            continue
        need, written = mins[r.kind]
        if net[r.id] < need - 1e-6:
            shown = f"{need:.2f} m²" + ("" if written.replace(" ", "") in (f"{need:g}m2", f"{need:g}m²")
                                         else f" ({written})")
            yield rule_finding(lim, *at(r.src, "kind"), f"room {r.id} ({r.name}, {r.kind.replace('_', ' ')}): "
                               f"net area {net[r.id]:.2f} m² inside the wall faces; at least {shown}"
                               + r.src.note("kind"))


def _room_groups(ctx: Context) -> tuple[dict, list]:
    """Room id -> group index (an alcove with the room it is open to), and the groups' ids."""
    plan = ctx.model.plan
    group: dict[str, int] = {}
    names: list = []
    for rid in ctx.model.rooms:
        if rid in group:
            continue
        todo, members = [rid], []
        while todo:
            x = todo.pop()
            if x in group:
                continue
            group[x] = len(names)
            members.append(x)
            todo.extend(plan.open_neighbours(x))
        names.append(tuple(members))
    return group, names


def triangle_parts(mesh, tg: np.ndarray) -> np.ndarray:
    """Per mesh triangle, the lowest index of the triangles joined to it through neighbours of
    the same group ``tg`` (a group >= 0; a triangle of group -1 is a part of its own)."""
    from scipy.sparse import coo_matrix  # here: scipy takes a while to import
    from scipy.sparse.csgraph import connected_components

    T = mesh.n_triangles
    nb = mesh.neighbors
    t_idx, k_idx = np.nonzero(nb >= 0)
    other = nb[t_idx, k_idx]
    same = (tg[t_idx] == tg[other]) & (tg[t_idx] >= 0)
    g = coo_matrix((np.ones(int(same.sum()), dtype=np.int8), (t_idx[same], other[same])), shape=(T, T))
    _n, label = connected_components(g, directed=False)
    low = np.full(int(label.max(initial=-1)) + 1, T, dtype=np.int64)
    np.minimum.at(low, label, np.arange(T))
    return low[label]


@rule("room-cut-off")
def room_cut_off(lim: Limit, ctx: Context):
    """A room (with the alcoves open to it) whose walkable floor, inside the room, falls into
    parts of at least :data:`MIN_PART` m² that walls alone leave joined: the floor items
    between them cut it. One finding per room, at the first of those items."""
    m, lay = ctx.model, ctx.layout
    mesh = m.mesh
    T = mesh.n_triangles
    if not T:
        return
    tri = mesh.vertices[mesh.triangles]
    cent = tri.mean(axis=1)
    area = 0.5 * np.abs((tri[:, 1, 0] - tri[:, 0, 0]) * (tri[:, 2, 1] - tri[:, 0, 1])
                        - (tri[:, 2, 0] - tri[:, 0, 0]) * (tri[:, 1, 1] - tri[:, 0, 1]))
    group, names = _room_groups(ctx)
    ids = list(m.rooms)
    tree = shapely.STRtree([m.rooms[r] for r in ids])
    pi, ri = tree.query(shapely.points(cent), predicate="intersects")
    tg = np.full(T, -1, dtype=np.int64)
    tg[pi[::-1]] = np.array([group[ids[k]] for k in ri[::-1]], dtype=np.int64)  # the first room written wins
    roots = triangle_parts(mesh, tg)
    kinds = {r.id: r.kind for r in lay.rooms}
    # each part's area, summed in triangle order; a part is one group's (its root's)
    has = tg >= 0
    part_of = roots[has]
    sums = np.bincount(part_of, weights=area[has], minlength=T)
    by_group: dict[int, list] = {}
    for rt in np.unique(part_of).tolist():
        if sums[rt] >= MIN_PART:
            by_group.setdefault(int(tg[rt]), []).append((float(sums[rt]), rt))
    for g in sorted(by_group):
        parts = sorted(by_group[g], key=lambda x: (-x[0], x[1]))
        members = names[g]
        if len(parts) < 2 or any(kinds.get(r) in NOT_FLOOR for r in members):
            continue
        # the triangles suggest parts (a triangle belongs to the room holding its centre); the
        # walkable floor clipped to the room decides
        region = shapely.union_all([m.rooms[r] for r in members])
        walk = shapely.clip_by_rect(m.walkable, *region.bounds).intersection(region)
        polys = sorted((p for p in getattr(walk, "geoms", [walk]) if p.geom_type == "Polygon" and p.area >= MIN_PART),
                       key=lambda p: (-p.area, p.representative_point().x, p.representative_point().y))
        if len(polys) < 2:
            continue
        floor = region.intersection(m.floor).buffer(-m.radius)
        if len(getattr(floor, "geoms", [floor])) >= len(polys):
            continue  # walls alone part it so (another check's business)
        main = polys[0]
        items = [i for i in m.items if i.blocks and i.room in members]
        for poly in polys[1:]:
            between = [i for i in items if i.footprint.distance(main) <= m.radius + 0.05
                       and i.footprint.distance(poly) <= m.radius + 0.05]
            if not between:
                continue
            first = min(between, key=lambda i: (lay.item_by_id[i.id].src.line, i.id))
            src = lay.item_by_id[first.id].src
            c = poly.representative_point()
            rid = members[0]
            names_ = ", ".join(i.id for i in sorted(between, key=lambda i: i.id))
            yield rule_finding(lim, *at(src, "at"), f"room {rid} ({lay.room_by_id[rid].name}): floor equipment "
                               f"({names_}) cuts off the floor around ({c.x:.1f}, {c.y:.1f}) from the rest of the "
                               "room: no way inside the room leads between the two parts" + src.note("at"))
            break


def _route_pieces(m, width: float):
    """The walkable floor for a body ``width`` m wide (the model's walkable floor shrunk by
    the rest of half that width), as pieces, and the indices of those that reach into the
    entrance room."""
    extra = width / 2 - m.radius
    walk = m.walkable.buffer(-extra, join_style="mitre") if extra > 0 else m.walkable
    pieces = [p for p in getattr(walk, "geoms", [walk]) if p.geom_type == "Polygon" and not p.is_empty]
    ent = m.rooms.get(m.layout.ward.entrance)
    main = {k for k, p in enumerate(pieces) if ent is not None and p.intersects(ent)}
    return pieces, main


@rule("equipment-access")
def equipment_access(lim: Limit, ctx: Context):
    """Each item of the rule's types: the clear floor in front of it (``width``, at least the
    item's own width, by the limit's depth) holds no other floor item, and (with ``route``)
    can be reached from the ward's entrance by a way at least ``route`` wide."""
    m, lay = ctx.model, ctx.layout
    width = lim.params.get("width") or 0.0
    route = lim.params.get("route")
    floor_items = [i for i in m.items if i.blocks]
    tree = shapely.STRtree([i.footprint for i in floor_items]) if floor_items else None
    pieces = main = ptree = None
    for it in m.items:
        if it.type not in lim.targets:
            continue
        t = lay.item_type(lay.item_by_id[it.id])
        front, side = _frame(it)
        wide = max(width, t.footprint[0] if t else 0.0)
        zone = _rect(it.front, front, side, wide, lim.value)
        hits = []
        for k in sorted(tree.query(zone, predicate="intersects").tolist()) if tree is not None else ():
            other = floor_items[k]
            if other.id != it.id and other.footprint.intersection(zone).area > AREA_TOL:
                hits.append(other)
        if hits:
            o = min(hits, key=lambda i: (i.footprint.distance(shapely.Point(it.front)), i.id))
            src = lay.item_by_id[o.id].src
            gap = o.footprint.distance(shapely.Point(it.front))
            yield rule_finding(lim, *at(src, "at"), f"{o.name.lower()} {o.id} stands {gap:.2f} m in front of "
                               f"{it.name.lower()} {it.id}: the floor {wide:.2f} m wide and {lim.shown} deep in front "
                               "of emergency equipment must stay clear" + src.note("at"))
            continue
        if not route:
            continue
        if pieces is None:
            pieces, main = _route_pieces(m, route)
            ptree = shapely.STRtree(pieces) if pieces else None
        if ptree is None or not main:
            continue
        mid = shapely.Point(it.front[0] + front[0] * lim.value / 2, it.front[1] + front[1] * lim.value / 2)
        near = ptree.query(zone, predicate="intersects").tolist()
        if any(k in main for k in near):
            continue
        # the floor in front is cut off from the entrance for a body `route` wide: name the
        # floor item nearest to it that borders the cut-off floor (or the front itself)
        around = shapely.union_all([pieces[k] for k in near]) if near else zone
        by = [o for o in floor_items if o.id != it.id and o.footprint.distance(around) <= route / 2 + 0.05]
        o = min(by, key=lambda i: (i.footprint.distance(mid), i.id)) if by else None
        src = lay.item_by_id[(o or it).id].src
        who = f"{o.name.lower()} {o.id} leaves " if o is not None else ""
        yield rule_finding(lim, *at(src, "at"), f"{who}the floor in front of {it.name.lower()} {it.id} reached from "
                           f"the entrance only through gaps narrower than {route:.2f} m (`route`): the way a cart and "
                           "its crew need to it" + src.note("at"))
