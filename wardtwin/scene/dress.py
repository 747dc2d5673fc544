"""The ward's materials and fittings (issue 18, points 1 and 2), as plain meshes: floors and
ceilings cut into graded grids (fine near the walls, where the baked shade changes), the
ceiling's tile grid and its light fixtures, the coved skirting at the foot of every wall,
corridor handrails with wall protection, and the details of door leaves (kick plates, vision
panels, handles). Colours come from the ward's ``finishes`` (:class:`Style`).

No Panda3D here: :mod:`wardtwin.scene.geometry` places these meshes in parts, and
:mod:`wardtwin.scene.bake` lights them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Polygon

from wardtwin.layout.finishes import DEFAULTS, Finishes
from wardtwin.scene.mesh import Mesh, MeshBuilder, graded_cuts, hex_rgba

#: Longest edge of a cut in floors and wall faces, m (the baked light is linear between; more
#: cuts cost a software rasteriser more than their pixels: see tools/bench_scene.py).
STEP = 4.0
#: Floors: the band along the walls where occlusion darkens the floor (m), and the longest
#: edge along it (m).
BAND = 0.35
EDGE = 2.0
LATTICE = 3.0  # m, the spacing of floor vertices away from walls and fixtures
#: Longest edge of a cut in wall faces, m.
WALL_STEP = 2.0
#: Ceiling tile size (a world-aligned grid), m; T-bar width, m.
TILE = 0.6
TBAR = 0.024
#: A light fixture's panel (square), m; fixtures stand about this far apart, m.
FIXTURE = 0.6
FIXTURE_SPACING = 2.4
FIXTURE_COLOUR = (1.0, 0.99, 0.95, 1.0)
TBAR_COLOUR = (0.86, 0.86, 0.85, 1.0)
#: Coved skirting: its profile (m out from the wall face, m up), from the floor to its top.
SKIRTING = ((0.025, 0.0), (0.008, 0.012), (0.0, 0.1))
#: Corridor handrail: height of its top, m; its section (m).
HANDRAIL_TOP, HANDRAIL_H, HANDRAIL_OUT = 0.92, 0.06, 0.09
#: Wall protection (crash rail) below the handrail: from and to, m above the floor.
GUARD = (0.22, 0.38)
KICK_PLATE = 0.25  # m
STEEL = (0.74, 0.75, 0.76, 1.0)
VISION_GLASS = (0.24, 0.30, 0.34, 1.0)
EXIT_GLOW = hex_rgba("#27d35a")
#: Room kinds without a ceiling grid or fixtures (a shaft has no ceiling to speak of).
UNLIT_KINDS = ("shaft",)


@dataclass(frozen=True)
class Style:
    """The colours of the full look, (r, g, b, a) 0..1, from a ward's finishes."""

    finishes: Finishes
    wall: tuple
    ceiling: tuple
    skirting: tuple
    door: tuple
    door_frame: tuple
    handrail: tuple
    accent: tuple

    @staticmethod
    def of(finishes: Finishes | None) -> "Style":
        f = finishes if isinstance(finishes, Finishes) else Finishes()
        c = {k: hex_rgba(f.colour(k)) for k in DEFAULTS}
        return Style(f, c["wall"], c["ceiling"], c["skirting"], c["door"], c["door_frame"], c["handrail"], c["accent"])

    def floor(self, kind: str, default: str) -> tuple:
        return hex_rgba(self.finishes.floor_of(kind, default))


@dataclass(frozen=True)
class Light:
    """A light the bake uses: a ceiling fixture (``kind`` "fixture", facing down) or a window
    (``kind`` "window", facing ``normal`` into the room). Position (m), ``area`` m²."""

    room: str
    kind: str
    position: tuple[float, float, float]
    normal: tuple[float, float, float]
    area: float


# -- floors and ceilings ---------------------------------------------------------------
def _rectilinear(poly: Polygon) -> bool:
    for ring in (poly.exterior, *poly.interiors):
        c = np.asarray(ring.coords)
        d = np.diff(c, axis=0)
        if not np.all((np.abs(d[:, 0]) < 1e-6) | (np.abs(d[:, 1]) < 1e-6)):
            return False
    return True


def _lines(values, lo: float, hi: float, t: float, lights=()) -> np.ndarray:
    """Cut lines along one axis: at each wall (its centre line ``v`` and faces ``v +- t/2``),
    graded away from the faces, through each light fixture and half a spacing either side of
    it (the pool of light under it, and the dimmer floor between), and at most :data:`STEP`
    apart."""
    cuts = {lo, hi}
    for v in lights:
        for c in (v - FIXTURE_SPACING / 2, v, v + FIXTURE_SPACING / 2):
            if lo <= c <= hi:
                cuts.add(round(c, 6))
    for v in values:
        for d in (0.0, 0.1, 0.4):
            for c in (v - t / 2 - d, v + t / 2 + d, v):
                if lo <= c <= hi:
                    cuts.add(round(c, 6))
    s = sorted(cuts)
    out = [s[0]]
    for c in s[1:]:
        if c - out[-1] < 0.02:
            continue
        base = out[-1]
        n = max(1, math.ceil((c - base) / STEP - 1e-9))
        out.extend([base + (c - base) * k / n for k in range(1, n + 1)])
    return np.asarray(out)


def surface_grid(poly: Polygon, t: float, spots=()) -> tuple[np.ndarray, np.ndarray] | None:
    """A rectilinear room's floor as a grid of rectangles (plan points (N, 2), counter-
    clockwise triangles (M, 3) seen from above), cut finely near its walls and through its
    light fixtures' ``spots``; None for a room with a slanted wall (the caller triangulates it)."""
    if not _rectilinear(poly):
        return None
    c = np.asarray(poly.exterior.coords)
    for ring in poly.interiors:
        c = np.concatenate([c, np.asarray(ring.coords)])
    x0, y0, x1, y1 = poly.bounds
    xs = _lines(np.unique(c[:, 0]), x0, x1, t, sorted({x for x, _ in spots}))
    ys = _lines(np.unique(c[:, 1]), y0, y1, t, sorted({y for _, y in spots}))
    cx, cy = (xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2
    gx, gy = np.meshgrid(cx, cy)
    inside = shapely.contains_xy(poly, gx, gy)  # (ny-1, nx-1)
    j, i = np.nonzero(inside)
    if not len(i):
        return None
    nx = len(xs)
    a, b, cc, d = j * nx + i, j * nx + i + 1, (j + 1) * nx + i + 1, (j + 1) * nx + i
    tris = np.concatenate([np.stack([a, b, cc], 1), np.stack([a, cc, d], 1)])
    used, inv = np.unique(tris, return_inverse=True)
    pts = np.stack([xs[used % nx], ys[used // nx]], 1)
    return pts, inv.reshape(-1, 3).astype(np.uint32)


def _ring_points(ring, step: float) -> list:
    """A ring's corners and points along its edges at most ``step`` m apart."""
    c = np.asarray(ring.coords)
    out = []
    for a, b in zip(c[:-1], c[1:]):
        n = max(1, math.ceil(float(np.linalg.norm(b - a)) / step))
        out.extend((a + (b - a) * k / n).tolist() for k in range(n))
    return out


def surface_mesh(poly: Polygon, t: float, spots=()) -> tuple[np.ndarray, np.ndarray] | None:
    """A room's floor as well-shaped triangles (plan points (N, 2), counter-clockwise
    triangles (M, 3) seen from above) with vertices where the baked light changes: along the
    wall faces and a band :data:`BAND` m into the room, under each light fixture, and on a
    coarse lattice between (a Delaunay triangulation of those and the room's corners, kept
    inside the room)."""
    pts = []
    for ring in (poly.exterior, *poly.interiors):  # the centre lines, under the walls: corners only
        pts += np.asarray(ring.coords)[:-1].tolist()
    for d in (t / 2, t / 2 + BAND):
        inner = poly.buffer(-d, join_style="mitre")
        for g in getattr(inner, "geoms", [inner]):
            if g.geom_type == "Polygon" and not g.is_empty:
                for ring in (g.exterior, *g.interiors):
                    pts += _ring_points(ring, EDGE)
    pts += [list(p) for p in spots]
    core = poly.buffer(-(t / 2 + BAND + 0.3))
    if not core.is_empty:
        x0, y0, x1, y1 = core.bounds
        gx, gy = np.meshgrid(np.arange(x0, x1 + 1e-9, LATTICE), np.arange(y0, y1 + 1e-9, LATTICE))
        inside = shapely.contains_xy(core, gx, gy)
        pts += np.stack([gx[inside], gy[inside]], 1).tolist()
    p = np.unique(np.round(np.asarray(pts, np.float64), 5), axis=0)
    tris = shapely.delaunay_triangles(shapely.multipoints(p))
    cells = shapely.get_parts(tris)
    keep = shapely.contains_xy(poly, *shapely.get_coordinates(shapely.centroid(cells)).T)
    corners = shapely.get_coordinates(shapely.get_exterior_ring(cells[keep])).reshape(-1, 4, 2)[:, :3]
    lookup = {tuple(v): k for k, v in enumerate(p.tolist())}
    try:
        idx = np.array([[lookup[(round(x, 5), round(y, 5))] for x, y in tri] for tri in corners.tolist()],
                       np.int64).reshape(-1, 3)
    except KeyError:  # a corner GEOS moved: the caller triangulates the room plainly
        return None
    a, b, c = p[idx[:, 0]], p[idx[:, 1]], p[idx[:, 2]]
    cw = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]) < 0
    idx[cw] = idx[cw][:, [0, 2, 1]]
    return p, idx.astype(np.uint32)


def flat_mesh(pts: np.ndarray, tris: np.ndarray, z: float, up: bool, rgba) -> Mesh:
    """A horizontal surface at height ``z`` from plan points and triangles (counter-clockwise
    from above); ``up`` False: facing down (the triangles turned over)."""
    n = len(pts)
    pos = np.concatenate([pts, np.full((n, 1), z)], 1).astype(np.float32)
    nor = np.tile(np.float32([0, 0, 1 if up else -1]), (n, 1))
    col = np.tile(np.float32(rgba), (n, 1))
    tri = tris if up else tris[:, ::-1]
    return Mesh(pos, nor, col, np.ascontiguousarray(tri, dtype=np.uint32))


def _inner(poly: Polygon, t: float) -> Polygon:
    """The room inside its wall faces."""
    g = poly.buffer(-t / 2, join_style="mitre")
    if g.geom_type == "MultiPolygon":
        g = max(g.geoms, key=lambda p: p.area)
    return g if g.geom_type == "Polygon" else Polygon()


def ceiling_grid(poly: Polygon, t: float, h: float) -> Mesh:
    """The T-bars of the room's suspended ceiling: a world-aligned :data:`TILE` grid inside its
    wall faces, just under the ceiling, facing down."""
    inner = _inner(poly, t)
    if inner.is_empty:
        return Mesh.empty()
    x0, y0, x1, y1 = inner.bounds
    lines = [((x, y0 - 1), (x, y1 + 1)) for x in np.arange(math.ceil(x0 / TILE), math.floor(x1 / TILE) + 1) * TILE]
    lines += [((x0 - 1, y), (x1 + 1, y)) for y in np.arange(math.ceil(y0 / TILE), math.floor(y1 / TILE) + 1) * TILE]
    if not lines:
        return Mesh.empty()
    cut = MultiLineString(lines).intersection(inner)
    pieces = shapely.get_parts(cut)
    pieces = pieces[(shapely.get_type_id(pieces) == 1) & (shapely.length(pieces) > 1e-3)]  # line strings
    if not len(pieces):
        return Mesh.empty()
    a = shapely.get_coordinates(shapely.get_point(pieces, 0))
    b = shapely.get_coordinates(shapely.get_point(pieces, -1))
    segs = a
    d = (b - a) / np.linalg.norm(b - a, axis=1, keepdims=True)
    off = np.stack([-d[:, 1], d[:, 0]], 1) * TBAR / 2
    z = h - 0.004
    # facing down: counter-clockwise seen from below
    quad = np.stack([a + off, b + off, b - off, a - off], 1).reshape(-1, 2)
    n = len(quad)
    pos = np.concatenate([quad, np.full((n, 1), z)], 1).astype(np.float32)
    k = np.arange(len(segs))[:, None] * 4
    tris = np.concatenate([k + [0, 1, 2], k + [0, 2, 3]]).astype(np.uint32)
    return Mesh(pos, np.tile(np.float32([0, 0, -1]), (n, 1)), np.tile(np.float32(TBAR_COLOUR), (n, 1)), tris)


def fixture_spots(poly: Polygon, t: float, kind: str) -> list[tuple[float, float]]:
    """Where a room's ceiling light fixtures go (plan points, m): about
    :data:`FIXTURE_SPACING` apart in a grid over the room, each on a ceiling tile, each panel
    wholly inside the wall faces; a room too small for that gets one in its middle."""
    if kind in UNLIT_KINDS:
        return []
    inner = _inner(poly, t)
    if inner.is_empty or inner.area < 0.5:
        return []
    x0, y0, x1, y1 = inner.bounds
    nx, ny = max(1, round((x1 - x0) / FIXTURE_SPACING)), max(1, round((y1 - y0) / FIXTURE_SPACING))
    out = []
    room = inner.buffer(-0.1)
    for i in range(nx):
        for j in range(ny):
            x = x0 + (i + 0.5) * (x1 - x0) / nx
            y = y0 + (j + 0.5) * (y1 - y0) / ny
            x, y = (math.floor(x / TILE) + 0.5) * TILE, (math.floor(y / TILE) + 0.5) * TILE  # on a tile
            half = FIXTURE / 2
            if room.contains(Polygon([(x - half, y - half), (x + half, y - half), (x + half, y + half), (x - half, y + half)])):
                out.append((round(x, 4), round(y, 4)))
    if not out:
        p = inner.representative_point()
        if room.contains(p.buffer(FIXTURE / 2, cap_style="square")):
            out.append((round(p.x, 4), round(p.y, 4)))
    return sorted(set(out))


def fixture_mesh(spots, h: float) -> Mesh:
    """The light panels (emissive: the bake leaves them at full brightness), just under the
    ceiling, facing down."""
    b = MeshBuilder()
    z = h - 0.008
    s = FIXTURE / 2 - 0.01
    for x, y in spots:
        b.quad((x - s, y - s, z), (x - s, y + s, z), (x + s, y + s, z), (x + s, y - s, z), FIXTURE_COLOUR)
    return b.build()


# -- the foot of the walls, handrails --------------------------------------------------
def face_spans(plan, room: str) -> list[tuple[np.ndarray, np.ndarray, float, float]]:
    """The room's wall faces less its door openings: ``(start point, unit direction, s0, s1)``,
    from ``s0`` to ``s1`` m along each edge of the room inside its wall faces (counter-
    clockwise: the room is on the left)."""
    poly = plan.room_polygons.get(room)
    if poly is None:
        return []
    t = plan.layout.ward.wall_thickness
    inner = _inner(poly, t)
    if inner.is_empty:
        return []
    inner = shapely.geometry.polygon.orient(inner, 1.0)
    cuts = []  # door openings on this room's walls: (a, b) on the centre line
    for o in plan.openings:
        w = plan.walls[o.wall]
        if room in (w.left, w.right):
            cuts.append((np.asarray(w.point_at(o.t0)), np.asarray(w.point_at(o.t1)), np.asarray(w.direction)))
    for w in plan.open_walls:  # an alcove's open edge: no wall, no skirting
        if room in (w.left, w.right):
            cuts.append((np.asarray(w.start, float), np.asarray(w.end, float), np.asarray(w.direction)))
    out = []
    for ring in (inner.exterior, *inner.interiors):
        c = np.asarray(ring.coords)
        for a, b in zip(c[:-1], c[1:]):
            length = float(np.linalg.norm(b - a))
            if length < 0.05:
                continue
            u = (b - a) / length
            n = np.array([-u[1], u[0]])
            spans = [(0.0, length)]
            for p0, p1, wd in cuts:
                if abs(u[0] * wd[1] - u[1] * wd[0]) > 1e-3:
                    continue
                if abs(abs(float((p0 - a) @ n)) - t / 2) > 0.03:
                    continue
                s0, s1 = sorted((float((p0 - a) @ u), float((p1 - a) @ u)))
                spans = [piece for lo, hi in spans for piece in ((lo, min(hi, s0)), (max(lo, s1), hi)) if piece[1] - piece[0] > 1e-3]
            out.extend((a, u, lo, hi) for lo, hi in spans)
    return out


def _along(b: MeshBuilder, a, u, s0, s1, profile, rgba, ends: bool = False) -> None:
    """Sweep a wall-hugging ``profile`` ((out m, up m) pairs, bottom to top) along the face from
    ``s0`` to ``s1``; ``ends``: close both ends (a rail)."""
    n = np.array([-u[1], u[0]])
    p0, p1 = a + u * s0, a + u * s1

    def P(p, q):
        return (float(p[0] + n[0] * q[0]), float(p[1] + n[1] * q[0]), float(q[1]))

    for q, r in zip(profile, profile[1:]):
        b.quad(P(p1, q), P(p0, q), P(p0, r), P(p1, r), rgba)
    if ends and len(profile) > 2:
        tris = [(0, k, k + 1) for k in range(1, len(profile) - 1)]
        b.polygon([P(p0, q) for q in profile], tris, (-u[0], -u[1], 0.0), rgba)
        b.polygon([P(p1, q) for q in reversed(profile)], tris, (u[0], u[1], 0.0), rgba)


def wall_trim(plan, style: Style) -> dict[str, Mesh]:
    """Per room: the coved skirting along its wall faces and, in corridors, the handrails with
    the wall protection below them (rails stop short of door openings)."""
    lay = plan.layout
    out = {}
    rail = ((0.0, HANDRAIL_TOP - HANDRAIL_H), (HANDRAIL_OUT, HANDRAIL_TOP - HANDRAIL_H),
            (HANDRAIL_OUT, HANDRAIL_TOP), (0.0, HANDRAIL_TOP))
    guard = ((0.0, GUARD[0]), (0.02, GUARD[0] + 0.01), (0.02, GUARD[1] - 0.01), (0.0, GUARD[1]))
    for rid in plan.room_polygons:
        room = lay.room_by_id[rid]
        if room.kind in UNLIT_KINDS:
            continue
        b = MeshBuilder()
        corridor = room.kind in ("corridor", "elevator_lobby")
        for a, u, s0, s1 in face_spans(plan, rid):
            _along(b, a, u, s0, s1, SKIRTING, style.skirting)
            if corridor and s1 - s0 > 0.5:
                _along(b, a, u, s0 + 0.1, s1 - 0.1, rail, style.handrail, ends=True)
                _along(b, a, u, s0 + 0.1, s1 - 0.1, guard, style.accent, ends=True)
        mesh = b.build()
        if mesh.n_triangles:
            out[rid] = mesh
    return out


def segments(plan, room: str) -> np.ndarray:
    """The room's wall faces less door openings as plan segments (E, 2, 2), m: what the bake
    casts its rays against."""
    spans = face_spans(plan, room)
    if not spans:
        return np.zeros((0, 2, 2))
    return np.array([[a + u * s0, a + u * s1] for a, u, s0, s1 in spans], np.float64)


# -- doors -----------------------------------------------------------------------------
def leaf_details(box, x0, y0, x1, y1, top, lead_high: bool, style: Style) -> None:
    """Kick plates, a vision panel and lever handles on both faces of a door leaf standing
    open across the wall: ``box`` draws an axis-aligned box (x0, y0, z0, x1, y1, z1, rgba);
    the leaf is thin along x (``x0``..``x1``) and runs from ``y0`` to ``y1``; its leading
    edge (away from the hinge) at ``y1`` when ``lead_high``, else at ``y0``."""
    e = 0.003
    width = y1 - y0
    if width < 0.3:
        return
    # each a box through the leaf: its two broad faces are the plates on both sides
    box(x0 - e, y0 + 0.02, 0.02, x1 + e, y1 - 0.02, KICK_PLATE, STEEL)
    if width > 0.55:  # a vision panel toward the leading edge
        yc = y1 - 0.28 * width if lead_high else y0 + 0.28 * width
        box(x0 - e, yc - 0.09, 1.1, x1 + e, yc + 0.09, min(1.75, top - 0.1), VISION_GLASS)
    yl = y1 - 0.07 if lead_high else y0 + 0.07
    box(x0 - 0.055, yl - 0.015, 0.99, x1 + 0.055, yl + 0.015, 1.03, STEEL)  # the levers' spindle
    ys = (yl - 0.13, yl + 0.015) if lead_high else (yl - 0.015, yl + 0.13)
    for g0, g1 in ((x0 - 0.055, x0 - 0.035), (x1 + 0.035, x1 + 0.055)):  # a grip on each face
        box(g0, ys[0], 0.995, g1, ys[1], 1.025, STEEL)


def sliding_details(box, x0, y0, x1, y1, top, style: Style) -> None:
    """Kick plates, a vision panel and pull handles on both faces of a sliding leaf (parallel
    to the wall: thin along y, from ``x0`` to ``x1``)."""
    e = 0.003
    w = x1 - x0
    if w < 0.3:
        return
    box(x0 + 0.02, y0 - e, 0.02, x1 - 0.02, y1 + e, KICK_PLATE, STEEL)
    if w > 0.55:
        xc = x0 + w / 2
        box(xc - 0.12, y0 - e, 1.1, xc + 0.12, y1 + e, min(1.75, top - 0.1), VISION_GLASS)
    box(x0 + 0.06, y0 - 0.04, 0.8, x0 + 0.09, y1 + 0.04, 1.3, STEEL)  # a pull on each face
