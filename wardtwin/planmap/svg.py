"""The planner's 2D map as a self-contained SVG: rooms shaded by kind with their names, walls
with door openings and swings, exits marked, equipment at its footprint (safety-critical items
outlined and labelled), an optional walking route, a legend, a scale bar and a north arrow.

Pure string building: no display, no Panda3D, deterministic output for a given layout.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Sequence

from shapely.geometry import Polygon

from wardtwin.errors import UnknownNameError
from wardtwin.layout import vocab
from wardtwin.layout.geometry import Opening, Wall, label_point
from wardtwin.layout.fitout import fitout_types
from wardtwin.layout.leaves import door_leaves
from wardtwin.layout.leaves import Leaf
from wardtwin.layout.model import Door, Layout
from wardtwin.layout.plan import Plan, plan_of
from wardtwin.planmap import style as S
from wardtwin.safetext import xml_text

LABEL_MODES = ("safety", "all", "none")

#: A drawing box (px): (x0, y0, x1, y1), y down.
Box = tuple[float, float, float, float]
#: Plan metres -> drawing coordinates, one function for x and one for y.
ToPx = Callable[[float], float]
#: More SVG elements drawn over the plan, given the plan -> drawing functions for x and y.
Overlay = Callable[[ToPx, ToPx], list[str]]


class _Frame:
    """Plan metres -> SVG pixels (y flipped so north is up)."""

    def __init__(self, bounds: tuple[float, float, float, float], top: float):
        minx, miny, maxx, maxy = bounds
        self.minx, self.maxy, self.top = minx, maxy, top
        self.width = (maxx - minx) * S.PX_PER_M + 2 * S.MARGIN
        self.plan_height = (maxy - miny) * S.PX_PER_M

    def x(self, x: float) -> float:
        return (x - self.minx) * S.PX_PER_M + S.MARGIN

    def y(self, y: float) -> float:
        return (self.maxy - y) * S.PX_PER_M + self.top

    def pt(self, p: Sequence[float]) -> str:
        return f"{self.x(p[0]):.1f},{self.y(p[1]):.1f}"

    def points(self, coords: Iterable[Sequence[float]]) -> str:
        return " ".join(self.pt(p) for p in coords)


def _text(x: float, y: float, s: str, size: float, *, anchor: str = "middle", weight: str = "normal",
          fill: str = S.TEXT, halo: bool = True, cls: str = "") -> str:
    halo_attr = ' stroke="#ffffff" stroke-width="2.6" stroke-linejoin="round" paint-order="stroke"' if halo else ""
    c = f' class="{cls}"' if cls else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.1f}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{halo_attr}{c}>{xml_text(s)}</text>')


def _text_width(s: str, size: float) -> float:
    return 0.56 * size * len(s)


#: Room names are bold: their width is estimated wider than item labels' (DejaVu Sans Bold
#: averages about 0.68 em a character), and room labels keep this gap (px) from each other.
_BOLD_EM = 0.68
_LABEL_GAP = 2.0


def _room_label(plan: Plan, f: _Frame, rid: str, poly: Polygon, placer: "_Labels") -> list[str]:
    """A room's name (else its number or id) in bold, as large as fits (at most 11 px) inside
    the room and clear of every box already reserved (EXIT badges, earlier room labels): tried at
    the room's label point and a few points above and below it, shrinking to 6 px; a name that
    fits in no room is drawn at 6 px where it is clear of the others, else the number alone;
    when nothing fits clear the label is left out (the room's tooltip still names it)."""
    room = plan.layout.room_by_id[rid]
    c = label_point(poly)
    minx, miny, maxx, maxy = poly.bounds
    room_w = (maxx - minx) * S.PX_PER_M * 0.9
    room_h = (maxy - miny) * S.PX_PER_M
    x0, y0 = f.x(c.x), f.y(c.y)
    lines: list[str] = []
    candidates = [room.name] + ([room.number or room.id] if (room.number or room.id) != room.name else [])
    chosen: tuple[str, float, float, float, Box] | None = None
    # the name inside the room; else the name clear of other labels (it may cross a wall); else the number
    for name, inside in [(n, i) for n in candidates for i in (True, False)]:
        size = min(11.0, room_w / max(1.0, _BOLD_EM * len(name)), room_h / 1.6) if inside else 6.0
        while size >= 6.0 and chosen is None:
            w = _BOLD_EM * size * len(name)
            for dx, dy in ((0, 0), (0, -size * 1.3), (0, size * 1.3), (0, -size * 2.6), (0, size * 2.6)):
                x, y = x0 + dx, y0 + dy
                box = (x - w / 2, y - size, x + w / 2, y + size * 0.3)
                if placer.free(box, _LABEL_GAP) and (not inside or _box_in(poly, f, box)):
                    chosen = (name, size, x, y, box)
                    break
            size -= 0.5
        if chosen:
            break
    if chosen is None:
        return lines
    name, size, x, y, box = chosen
    lines.append(_text(x, y, name, size, weight="bold", cls="room-name"))
    placer.reserve(*box)
    if room.number and room.number not in name and room_h > 3 * size:
        lines.append(_text(x, y + size * 1.2, room.number, size * 0.85, cls="room-number"))
        placer.reserve(x - size, y + size * 0.3, x + size, y + size * 1.4)
    return lines


def _box_in(poly: Polygon, f: _Frame, box: Box) -> bool:
    """Whether a drawing box (px) lies inside a room outline."""
    from shapely.geometry import box as shapely_box

    x0, y0, x1, y1 = box
    to_m = 1.0 / S.PX_PER_M
    b = shapely_box(f.minx + (x0 - S.MARGIN) * to_m, f.maxy - (y1 - f.top) * to_m,
                    f.minx + (x1 - S.MARGIN) * to_m, f.maxy - (y0 - f.top) * to_m)
    return bool(poly.buffer(1e-6).contains(b))


def _exit_box(f: _Frame, wall: Wall, o: Opening, inside: str) -> Box:
    """The drawing box (px) of an exit door's EXIT badge (see :func:`_exit_tag`)."""
    dx, dy = wall.direction
    mid = wall.point_at((o.t0 + o.t1) / 2)
    side = 1.0 if inside == wall.left else -1.0
    x, y = f.x(mid[0] + side * -dy * 0.9), f.y(mid[1] + side * dx * 0.9)
    return (x - 15, y - 6, x + 15, y + 6)


def _door_symbol(f: _Frame, wall: Wall, o: Opening, door: Door, thickness: float, inside: str,
                 side: float, hung: Sequence[Leaf] | None = None) -> list[str]:
    """Opening gap, leaf and swing arc (or sliding/arch marks) for one door; ``side`` is
    :meth:`Plan.swing_side`; ``hung`` the leaves as declared (:func:`door_leaves`)."""
    out: list[str] = []
    a, b = wall.point_at(o.t0), wall.point_at(o.t1)
    dx, dy = wall.direction
    nx, ny = -dy * side, dx * side  # toward the room the leaf opens into
    colour = S.EXIT if door.exit else S.DOOR
    width = o.t1 - o.t0
    sw = 2.2 if door.exit else 1.2
    if door.type == "opening":
        out.append(f'<line x1="{f.x(a[0]):.1f}" y1="{f.y(a[1]):.1f}" x2="{f.x(b[0]):.1f}" y2="{f.y(b[1]):.1f}" '
                   f'stroke="{colour}" stroke-width="{sw * 0.8:.1f}" stroke-dasharray="4 3"/>')
    elif door.type == "sliding":
        off = thickness * 0.7
        p0 = (a[0] + nx * off, a[1] + ny * off)
        p1 = (b[0] + nx * off, b[1] + ny * off)
        out.append(f'<line x1="{f.x(p0[0]):.1f}" y1="{f.y(p0[1]):.1f}" x2="{f.x(p1[0]):.1f}" y2="{f.y(p1[1]):.1f}" '
                   f'stroke="{colour}" stroke-width="{sw + 1:.1f}"/>')
    else:
        leaves = ([(wall.point_at(lf.hinge), lf.toward, lf.width) for lf in hung] if hung else
                  [(a, 1.0, width)] if door.type == "swing" else [(a, 1.0, width / 2), (b, -1.0, width / 2)])
        for hinge, sign, r in leaves:
            # leaf open 90° into the wall's left room, swing arc back to the closed position
            tip_open = (hinge[0] + nx * r, hinge[1] + ny * r)
            tip_closed = (hinge[0] + sign * dx * r, hinge[1] + sign * dy * r)
            out.append(f'<line x1="{f.x(hinge[0]):.1f}" y1="{f.y(hinge[1]):.1f}" x2="{f.x(tip_open[0]):.1f}" '
                       f'y2="{f.y(tip_open[1]):.1f}" stroke="{colour}" stroke-width="{sw:.1f}"/>')
            rp = r * S.PX_PER_M
            # the arc turns from the open leaf back to the wall; screen y is flipped
            cross = nx * sign * dy - ny * sign * dx
            sweep = 1 if cross > 0 else 0
            out.append(f'<path d="M {f.pt(tip_open)} A {rp:.1f} {rp:.1f} 0 0 {sweep} {f.pt(tip_closed)}" '
                       f'fill="none" stroke="{colour}" stroke-width="0.8" stroke-dasharray="3 2"/>')
    if door.exit:
        mid = wall.point_at((o.t0 + o.t1) / 2)
        out.append(_exit_tag(f, mid, (-dy, dx), wall, inside))
    return out


def _exit_tag(f: _Frame, mid: Sequence[float], normal: tuple[float, float], wall: Wall, inside: str) -> str:
    """A green EXIT tag on the ward side (room ``inside``) of an exit door, read before leaving."""
    side = 1.0 if inside == wall.left else -1.0  # ``normal`` points into the wall's left room
    ox, oy = mid[0] + side * normal[0] * 0.9, mid[1] + side * normal[1] * 0.9
    x, y = f.x(ox), f.y(oy)
    return (f'<g class="exit-tag"><rect x="{x - 15:.1f}" y="{y - 6:.1f}" width="30" height="12" rx="2" '
            f'fill="{S.EXIT}"/><text x="{x:.1f}" y="{y + 3.5:.1f}" font-size="8.5" text-anchor="middle" '
            f'font-weight="bold" fill="#ffffff">EXIT</text></g>')


class _Labels:
    """Greedy placement of item labels: first candidate spot that overlaps no earlier label."""

    def __init__(self) -> None:
        self.boxes: list[Box] = []

    def reserve(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Keep later labels off this box (a room name, an EXIT badge)."""
        self.boxes.append((x0, y0, x1, y1))

    def free(self, box: Box, gap: float = 0.0) -> bool:
        """Whether ``box`` keeps ``gap`` px clear of every reserved box."""
        x0, y0, x1, y1 = box
        return all(x1 + gap <= b[0] or x0 - gap >= b[2] or y1 + gap <= b[1] or y0 - gap >= b[3] for b in self.boxes)

    def place(self, cx: float, cy: float, r: float, text: str, size: float) -> tuple[float, float, str]:
        w, h = _text_width(text, size), size * 1.1
        candidates = [(cx + r + 2, cy + h / 3, "start"), (cx - r - 2, cy + h / 3, "end"),
                      (cx, cy - r - 3, "middle"), (cx, cy + r + h, "middle"),
                      (cx + r + 2, cy - h, "start"), (cx - r - 2, cy + h * 1.4, "end")]
        best: tuple[int, float, float, str, Box] | None = None
        for x, y, anchor in candidates:
            x0 = x if anchor == "start" else x - w if anchor == "end" else x - w / 2
            box = (x0, y - h, x0 + w, y + h * 0.2)
            hits = sum(1 for b in self.boxes if not (box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3]))
            if best is None or hits < best[0]:
                best = (hits, x, y, anchor, box)
            if hits == 0:
                break
        assert best is not None  # there are candidates
        _, x, y, anchor, box = best
        self.boxes.append(box)
        return x, y, anchor


def _items(plan: Plan, f: _Frame, labels: str, placer: "_Labels") -> tuple[list[str], list[str]]:
    lay = plan.layout
    shapes: list[str] = []
    texts: list[str] = []
    fitout = fitout_types(lay) if labels == "safety" else set()
    order = sorted(lay.items, key=lambda i: ({"floor": 0, "wall": 1, "ceiling": 2}[lay.mount_of(i)], i.id))
    for it in order:
        t = lay.item_type(it)
        fp = plan.footprint(it)
        if t is None or fp is None:
            continue
        colour = xml_text(t.draw.color or S.DEFAULT_ITEM)
        mount = lay.mount_of(it)
        title = xml_text(f"{it.id}: {t.name} ({mount}) — {t.description}")
        if t.safety_critical:
            stroke = f'stroke="{S.SAFETY_OUTLINE}" stroke-width="1.3"'
        else:
            stroke = 'stroke="#4a4a4a" stroke-width="0.5"'
        dash = ' stroke-dasharray="2 2" fill-opacity="0.35"' if mount == "ceiling" else ""
        shapes.append(f'<polygon class="item" data-id="{xml_text(it.id)}" data-type="{xml_text(t.id)}" '
                      f'points="{f.points(list(fp.exterior.coords)[:-1])}" fill="{colour}" {stroke}{dash}>'
                      f'<title>{title}</title></polygon>')
        if labels == "all" or (labels == "safety" and t.safety_critical and t.id not in fitout):
            text = it.label or t.name
            c = fp.centroid
            minx, miny, maxx, maxy = fp.bounds
            r = max(maxx - minx, maxy - miny) * S.PX_PER_M / 2
            x, y, anchor = placer.place(f.x(c.x), f.y(c.y), r, text, 7.0)
            texts.append(_text(x, y, text, 7.0, anchor=anchor, fill=S.SAFETY_OUTLINE if t.safety_critical else S.TEXT,
                               cls="item-label"))
    return shapes, texts


def _nice_length(max_m: float) -> float:
    for v in (50, 20, 10, 5, 2, 1):
        if v <= max_m:
            return float(v)
    return 1.0


def _scale_bar(f: _Frame, x: float, y: float, plan_width_m: float) -> list[str]:
    length = _nice_length(plan_width_m / 4)
    px = length * S.PX_PER_M
    out = ['<g class="scale-bar">']
    half = px / 2
    out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{half:.1f}" height="5" fill="{S.TEXT}"/>')
    out.append(f'<rect x="{x + half:.1f}" y="{y:.1f}" width="{half:.1f}" height="5" fill="#ffffff" stroke="{S.TEXT}" stroke-width="0.8"/>')
    for frac, lab in ((0, "0"), (0.5, f"{length / 2:g}"), (1, f"{length:g} m")):
        out.append(_text(x + px * frac, y + 16, lab, 8.5, halo=False))
    out.append("</g>")
    return out


def _north_arrow(x: float, y: float) -> str:
    return (f'<g class="north-arrow"><polygon points="{x:.1f},{y - 16:.1f} {x + 7:.1f},{y + 8:.1f} {x:.1f},{y + 3:.1f} '
            f'{x - 7:.1f},{y + 8:.1f}" fill="{S.TEXT}"/>'
            + _text(x, y + 20, "N", 10, weight="bold", halo=False) + "</g>")


def _legend(lay: Layout, x: float, y: float, width: float, equipment: bool = True) -> tuple[list[str], float]:
    """Legend rows laid out across ``width`` px starting at (x, y); returns (svg, height).
    ``equipment=False``: rooms and exits only (the plan draws no equipment)."""
    kinds = sorted({r.kind for r in lay.rooms}, key=vocab.ROOM_KINDS.index)
    used = {t.id: t for t in (lay.item_type(i) for i in lay.items if equipment) if t is not None}
    fitout = fitout_types(lay)
    safety = sorted((t for t in used.values() if t.safety_critical and t.id not in fitout),
                    key=lambda t: (t.category, t.name))
    standard = sorted((t for t in used.values() if t.id in fitout), key=lambda t: (t.category, t.name))
    other_cats = sorted({t.category for t in used.values() if not t.safety_critical}, key=vocab.CATEGORIES.index)
    entries: list[tuple[str, str, str]] = [(S.ROOM_FILL[k], k.replace("_", " "), "room") for k in kinds]
    entries += [(t.draw.color or S.DEFAULT_ITEM, t.name, "safety") for t in safety]
    entries += [(t.draw.color or S.DEFAULT_ITEM, t.name, "fitout") for t in standard]
    cat_colour: dict[str, str] = {}
    for t in sorted(used.values(), key=lambda t: t.id):
        cat_colour.setdefault(t.category, t.draw.color or S.DEFAULT_ITEM)
    entries += [(cat_colour[c], c.replace("_", " "), "item") for c in other_cats]
    out = ['<g class="legend">', _text(x, y, "Legend", 10, anchor="start", weight="bold", halo=False)]
    col_w = max(150.0, max((_text_width(label, 8.5) for _, label, _ in entries), default=0) + 32)
    cols = max(1, int(width // col_w))
    row_h = 14.0
    sections = [("Rooms", "room"), ("Safety-critical equipment (labelled on the plan)", "safety"),
                ("In every patient room (not labelled)", "fitout"), ("Other equipment", "item")]
    cy = y + 8
    for title, kind in sections:
        rows = [e for e in entries if e[2] == kind]
        if not rows:
            continue
        cy += 14
        out.append(_text(x, cy, title, 8.5, anchor="start", weight="bold", halo=False))
        for i, (colour, label, _) in enumerate(rows):
            cx = x + (i % cols) * col_w
            ry = cy + 6 + (i // cols) * row_h
            strong = kind in ("safety", "fitout")
            stroke = S.SAFETY_OUTLINE if strong else "#6b6b6b"
            out.append(f'<rect x="{cx:.1f}" y="{ry:.1f}" width="14" height="9" fill="{xml_text(colour)}" '
                       f'stroke="{stroke}" stroke-width="{1.2 if strong else 0.6}"/>')
            out.append(_text(cx + 19, ry + 8, label, 8.5, anchor="start", halo=False))
        cy += 6 + math.ceil(len(rows) / cols) * row_h
    cy += 8
    out.append(f'<rect x="{x:.1f}" y="{cy:.1f}" width="30" height="12" rx="2" fill="{S.EXIT}"/>')
    out.append(_text(x + 15, cy + 9, "EXIT", 8.5, weight="bold", fill="#ffffff", halo=False))
    out.append(_text(x + 38, cy + 9, "exit door (evacuation route)", 8.5, anchor="start", halo=False))
    out.append(f'<line x1="{x + 250:.1f}" y1="{cy + 6:.1f}" x2="{x + 280:.1f}" y2="{cy + 6:.1f}" stroke="{S.ROUTE}" '
               f'stroke-width="3"/>')
    out.append(_text(x + 288, cy + 9, "walking route (when drawn)", 8.5, anchor="start", halo=False))
    out.append("</g>")
    return out, cy + 20 - y


def _windows(plan: Plan, f: _Frame) -> list[str]:
    """Each window as a glazing line across its gap in the exterior wall, with its jambs."""
    t = plan.layout.ward.wall_thickness
    out = [f'<g class="windows" stroke="{S.WINDOW}">']
    for o in plan.window_openings:
        wall = plan.walls[o.wall]
        dx, dy = wall.direction
        a, b = wall.point_at(o.t0), wall.point_at(o.t1)
        nx, ny = -dy * t / 2, dx * t / 2
        jambs = " ".join(f"M {f.pt((p[0] - nx, p[1] - ny))} L {f.pt((p[0] + nx, p[1] + ny))}" for p in (a, b))
        out.append(f'<g class="window" data-id="{xml_text(o.window)}"><title>window {xml_text(o.window)}: '
                   f'{o.t1 - o.t0:.2f} m wide, sill {o.sill:.2f} m, head {o.head:.2f} m</title>'
                   f'<path d="M {f.pt((a[0] - nx, a[1] - ny))} L {f.pt((b[0] - nx, b[1] - ny))} L {f.pt((b[0] + nx, b[1] + ny))} '
                   f'L {f.pt((a[0] + nx, a[1] + ny))} Z" fill="#ffffff" stroke="none"/>'
                   f'<path d="M {f.pt(a)} L {f.pt(b)} {jambs}" fill="none" stroke-width="1.6"/></g>')
    out.append("</g>")
    return out


def _areas(plan: Plan, f: _Frame) -> list[str]:
    """Each room's net area under its name (and the intended one where the room states it)."""
    from wardtwin.layout.areas import net_areas

    lay = plan.layout
    out = ['<g class="room-areas">']
    for rid, net in net_areas(plan).items():
        room = lay.room_by_id[rid]
        c = label_point(plan.room_polygons[rid])
        text = f"{net:.1f} m²" + (f" ({room.area:g} intended)" if room.area is not None else "")
        out.append(_text(f.x(c.x), f.y(c.y) - 12, text, 7.5, fill=S.AREA_TEXT, cls="room-area"))
    out.append("</g>")
    return out


def render_map(layout: Layout, *, labels: str = "safety", equipment: bool = True,
               route: Sequence[tuple[float, float]] | None = None, route_label: str | None = None,
               plan: Plan | None = None, overlay: Overlay | None = None, areas: bool = False) -> str:
    """The plan of a (valid) layout as SVG text.

    ``labels``: which items get a text label (``safety``, ``all`` or ``none``). ``route``: an
    optional walking route, a polyline of plan points (m), drawn with ``route_label``.
    ``overlay(to_x, to_y)``: more SVG elements drawn above the plan, given the functions that
    turn plan metres into drawing coordinates (the diff map uses it). ``areas``: write each
    room's net area (inside the wall faces) under its name.
    """
    if labels not in LABEL_MODES:
        raise UnknownNameError("label mode", labels, LABEL_MODES)
    plan = plan or plan_of(layout)
    lay = plan.layout
    polys = plan.room_polygons
    xs = [p[0] for r in lay.rooms for p in r.polygon]
    ys = [p[1] for r in lay.rooms for p in r.polygon]
    bounds = (min(xs), min(ys), max(xs), max(ys))
    title_h = 46.0
    f = _Frame(bounds, S.MARGIN + title_h)
    plan_w_m = bounds[2] - bounds[0]
    legend_y = f.top + f.plan_height + 50
    legend, legend_h = _legend(lay, S.MARGIN, legend_y + 10, max(300.0, f.width - 2 * S.MARGIN), equipment)
    height = legend_y + legend_h + S.MARGIN
    width = max(f.width, 520.0)
    t = lay.ward.wall_thickness

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{S.FONT}">',
           f'<title>{xml_text(lay.ward.name)} — floor plan</title>',
           '<rect width="100%" height="100%" fill="#ffffff"/>',
           _text(S.MARGIN, S.MARGIN + 4, lay.ward.name, 16, anchor="start", weight="bold", halo=False),
           _text(S.MARGIN, S.MARGIN + 22,
                 f"{lay.ward.id} · {len(lay.rooms)} rooms · {len(lay.doors)} doors "
                 f"({len(plan.exits)} exits) · {len(lay.items)} items", 9.5, anchor="start", halo=False)]
    out.append('<g class="rooms">')
    for r in lay.rooms:
        poly = polys.get(r.id)
        if poly is None:
            continue
        out.append(f'<polygon class="room" data-id="{xml_text(r.id)}" data-kind="{r.kind}" '
                   f'points="{f.points(list(poly.exterior.coords)[:-1])}" fill="{S.ROOM_FILL[r.kind]}">'
                   f'<title>{xml_text(r.name)} ({r.kind.replace("_", " ")}, {poly.area:.1f} m²)</title></polygon>')
    out.append("</g>")
    placer = _Labels()
    for o in plan.openings:  # EXIT badges first: room and item labels keep clear of them
        if lay.door_by_id[o.door].exit:
            placer.reserve(*_exit_box(f, plan.walls[o.wall], o, plan.ward_side(o.door)))
    room_labels = []
    for rid, poly in polys.items():
        room_labels.extend(_room_label(plan, f, rid, poly, placer))
    if equipment:
        shapes, texts = _items(plan, f, labels, placer)
        out.append('<g class="equipment">')
        out.extend(shapes)
        out.append("</g>")
    else:
        texts = []
    out.append(f'<g class="walls" fill="{S.WALL}">')
    for solid in plan.solids:
        if not solid.is_empty:
            out.append(f'<polygon points="{f.points(list(solid.exterior.coords)[:-1])}"/>')
    out.append("</g>")
    out.append('<g class="doors">')
    for o in plan.openings:
        door = lay.door_by_id[o.door]
        out.extend(_door_symbol(f, plan.walls[o.wall], o, door, t, plan.ward_side(door.id), plan.swing_side(door.id),
                                door_leaves(plan, door.id)))
    out.append("</g>")
    if plan.window_openings:
        out.extend(_windows(plan, f))
    if route:
        out.extend(_route(f, route, route_label))
    if overlay is not None:
        out.extend(overlay(f.x, f.y))
    out.append('<g class="room-labels">')
    out.extend(room_labels)
    out.append("</g>")
    if areas:
        out.extend(_areas(plan, f))
    out.append('<g class="item-labels">')
    out.extend(texts)
    out.append("</g>")
    out.extend(_scale_bar(f, S.MARGIN, f.top + f.plan_height + 18, plan_w_m))
    out.append(_north_arrow(width - S.MARGIN - 10, S.MARGIN + 6))
    out.extend(legend)
    out.append("</svg>")
    text = "\n".join(out) + "\n"
    _check_well_formed(text)
    return text


def _check_well_formed(text: str) -> None:
    """Parse the document with the standard library's XML parser (expat): a map that is not
    well-formed XML 1.0 is a bug, raised before anything is written."""
    import xml.etree.ElementTree as ET

    try:
        ET.fromstring(text)
    except ET.ParseError as exc:
        raise RuntimeError(f"the plan map is not well-formed XML ({exc})") from None


def _route(f: _Frame, route: Sequence[tuple[float, float]], label: str | None) -> list[str]:
    pts = f.points(route)
    (x0, y0), (x1, y1) = route[0], route[-1]
    out = ['<g class="route">',
           f'<polyline points="{pts}" fill="none" stroke="{S.ROUTE}" stroke-width="3.2" stroke-linejoin="round" '
           f'stroke-linecap="round" opacity="0.9"/>',
           f'<circle cx="{f.x(x0):.1f}" cy="{f.y(y0):.1f}" r="5" fill="#ffffff" stroke="{S.ROUTE}" stroke-width="2.5"/>',
           f'<circle cx="{f.x(x1):.1f}" cy="{f.y(y1):.1f}" r="5.5" fill="{S.ROUTE}"/>']
    if label:
        out.append(_text(f.x(x1) + 8, f.y(y1) - 8, label, 9, anchor="start", weight="bold", fill=S.ROUTE))
    out.append("</g>")
    return out
