"""The Panda3D scene of a ward, built from :class:`~wardtwin.scene.geometry.WardGeometry`.

Static geometry (floors, walls, doors, signs, items) is batched into a few draw calls;
ceilings sit under their own node so a planner's dollhouse view can hide them;
safety-critical items keep individually addressable billboard labels (shown within
:data:`LABEL_RANGE` metres of the camera) and can be highlighted one by one for a tour.

At eye level each room is a cell, drawn only where it can be seen: from the camera's room,
through door openings (portals), clipped to the screen rectangle of the openings it is seen
through (see :class:`_PortalCull`). On a software rasteriser this is what makes a frame
cheap: the rooms along a corridor are no longer rasterised whole behind its walls.
"""

from __future__ import annotations

import weakref
from functools import lru_cache

import numpy as np
from panda3d.core import (
    CallbackNode, ColorAttrib, CullBinManager, Geom, GeomNode, GeomTriangles, GeomVertexArrayFormat,
    GeomVertexData, GeomVertexFormat, LODNode, NodePath, PythonCallbackObject, RenderState, ScissorAttrib,
    TextNode, TextureAttrib, TransparencyAttrib, Vec3, Vec4,
)

from wardtwin.errors import UnknownNameError
from wardtwin.scene.geometry import WardGeometry
from wardtwin.scene.labels import spread_labels
from wardtwin.scene.mesh import Mesh

#: Labels farther than this from the camera are not drawn, m.
LABEL_RANGE = 9.0
#: Range of labels on standard patient-room items (oxygen, suction...), m: seen from inside the room.
FITOUT_LABEL_RANGE = 3.5
#: Labels nearer than this are hidden (they would fill the view), m.
LABEL_NEAR = 0.7
LABEL_COLOUR = Vec4(0.55, 0.02, 0.08, 1)
#: Height of a label's text line, m (a TextNode's unit scaled).
LABEL_SCALE = 0.11
#: Tallest a label's card is drawn at eye level, as a share of the screen's height (nearer
#: labels are drawn smaller).
LABEL_MAX_HEIGHT = 0.07
HIGHLIGHT = Vec4(1.0, 0.85, 0.1, 1)

@lru_cache(maxsize=2)
def _format(textured: bool = False) -> GeomVertexFormat:
    """position, normal (float32 x3) and colour (float32 x4), and texture coordinates (float32
    x2) when ``textured``, interleaved; registered on first use."""
    arr = GeomVertexArrayFormat()
    arr.add_column("vertex", 3, Geom.NT_float32, Geom.C_point)
    arr.add_column("normal", 3, Geom.NT_float32, Geom.C_normal)
    arr.add_column("color", 4, Geom.NT_float32, Geom.C_color)
    if textured:
        arr.add_column("texcoord", 2, Geom.NT_float32, Geom.C_texcoord)
    return GeomVertexFormat.register_format(GeomVertexFormat(arr))


@lru_cache(maxsize=1)
def _textured_state() -> RenderState:
    """The render state of textured geometry: the detail texture (one state for all: batches
    of every room stay one draw call each)."""
    from wardtwin.scene.textures import detail_texture

    return RenderState.make(TextureAttrib.make(detail_texture()))


#: Static lighting baked into vertex colours: ambient, then (heading, pitch) degrees and colour
#: of directional lights. Wards are lit evenly from above; nothing moves the lights.
AMBIENT = np.array([0.55, 0.55, 0.57])
LIGHTS = (((35.0, -60.0), np.array([0.55, 0.54, 0.50])), ((-140.0, -35.0), np.array([0.25, 0.26, 0.30])))


def _light_dir(heading: float, pitch: float) -> np.ndarray:
    """The direction a Panda3D light with this heading/pitch shines along (its +y axis)."""
    h, p = np.radians(heading), np.radians(pitch)
    return np.array([-np.sin(h) * np.cos(p), np.cos(h) * np.cos(p), np.sin(p)])


#: Towards each light (columns) and each light's colour (rows): the Lambert terms of all
#: vertices are one product.
_TOWARDS = np.stack([-_light_dir(h, p) for (h, p), _ in LIGHTS], axis=1)
_LIGHT_COLOURS = np.stack([colour for _, colour in LIGHTS])


def baked_colors(mesh: Mesh) -> np.ndarray:
    """Vertex colours lit by :data:`AMBIENT` and :data:`LIGHTS` (Lambert, per vertex normal)."""
    light = AMBIENT + np.maximum(mesh.normals @ _TOWARDS, 0.0) @ _LIGHT_COLOURS
    out = mesh.colors.copy()
    out[:, :3] = np.clip(mesh.colors[:, :3] * light, 0.0, 1.0)
    return out


def mesh_node(name: str, mesh: Mesh, lit: bool = False) -> GeomNode:
    """A GeomNode holding ``mesh`` with its lighting baked into the vertex colours (``lit``:
    they are already, see :mod:`wardtwin.scene.bake`); a mesh with texture coordinates is
    drawn with the detail texture."""
    node = GeomNode(name)
    if not mesh.n_triangles:
        return node
    n = len(mesh.positions)
    textured = mesh.uvs is not None
    vdata = GeomVertexData(name, _format(textured), Geom.UH_static)
    vdata.unclean_set_num_rows(n)
    columns = [mesh.positions, mesh.normals, mesh.colors if lit else baked_colors(mesh)]
    if textured:
        columns.append(mesh.uvs)
    inter = np.concatenate(columns, axis=1).astype(np.float32)
    memoryview(vdata.modify_array(0)).cast("B")[:] = inter.tobytes()
    prim = GeomTriangles(Geom.UH_static)
    prim.set_index_type(Geom.NT_uint32)
    handle = prim.modify_vertices()
    handle.unclean_set_num_rows(mesh.n_triangles * 3)
    memoryview(handle).cast("B")[:] = mesh.triangles.astype(np.uint32).tobytes()
    geom = Geom(vdata)
    geom.add_primitive(prim)
    node.add_geom(geom, _textured_state() if textured else RenderState.make_empty())
    return node


_HERE_BIN, _ROOMS_BIN = "wardtwin-here", "wardtwin-rooms"

#: A camera nearer than this to a portal's plane (m), within the opening, sees through it
#: whole (it stands in the doorway: the opening may surround it).
DOORWAY = 0.35
#: Regions on screen are convex polygons in normalised device coordinates (-1..1, y up),
#: counter-clockwise, as lists of (x, y).
_FULL = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
_W_MIN = 1e-6  # portal corners are clipped to w >= this before they are projected
_EPS = 1e-9


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _hull(points) -> list:
    """The convex hull of 2-D points, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts
    lower, upper = [], []
    for q in pts:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], q) <= _EPS:
            lower.pop()
        lower.append(q)
    for q in reversed(pts):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], q) <= _EPS:
            upper.pop()
        upper.append(q)
    return lower[:-1] + upper[:-1]


def _clip_poly(subject: list, region: list) -> list:
    """``subject`` (convex) clipped to the convex, counter-clockwise ``region``
    (Sutherland-Hodgman); fewer than three points when they do not overlap. (Per camera and
    frame, for every portal seen through another or off the screen's edge: the arithmetic is
    written out rather than calling :func:`_cross`.)"""
    if region is _FULL:
        return _clip_to_screen(subject)
    out = subject
    n = len(region)
    for k in range(n):
        if len(out) < 3:
            return []
        (ax, ay), (bx, by) = region[k], region[(k + 1) % n]
        ex, ey = bx - ax, by - ay
        # > 0: left of the edge a -> b, inside (the cross product of the edge and a -> p)
        side = [ex * (py - ay) - ey * (px - ax) for px, py in out]
        out = _cut(out, side)
    return out if len(out) >= 3 else []


def _clip_to_screen(subject: list) -> list:
    """``subject`` (convex) clipped to the screen, -1 <= x, y <= 1 (as :func:`_clip_poly`
    against :data:`_FULL`, edge by edge in the same order, with the sides read off the
    coordinates)."""
    out = subject
    for axis, sign in ((1, 1.0), (0, -1.0), (1, -1.0), (0, 1.0)):  # bottom, right, top, left
        if len(out) < 3:
            return []
        out = _cut(out, [1.0 + sign * p[axis] for p in out])
    return out if len(out) >= 3 else []


def _cut(points: list, side: list) -> list:
    """One Sutherland-Hodgman step: the part of the polygon ``points`` where ``side`` (a
    linear function's value at each point) is >= 0."""
    out = []
    m = len(points)
    for j in range(m):
        p, cp, cq = points[j], side[j], side[(j + 1) % m]
        if cp >= 0:
            out.append(p)
        if (cp >= 0) != (cq >= 0):
            q = points[(j + 1) % m]
            t = cp / (cp - cq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def _covers(region: list, points, eps: float = 1e-7) -> bool:
    """True when every point lies inside the convex, counter-clockwise ``region``."""
    n = len(region)
    return all(_cross(region[k], region[(k + 1) % n], p) >= -eps for p in points for k in range(n))


def _bbox(poly: list) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
    return min(xs), max(xs), min(ys), max(ys)


def _project(clip: np.ndarray) -> list | None:
    """The screen polygon (NDC, convex, counter-clockwise) of a portal given its corners in
    clip space (4, 4), clipped to the part in front of the camera; None when none is."""
    pts = clip.tolist()  # four corners: plain floats are quicker than numpy at this size
    if any(p[3] <= _W_MIN for p in pts):  # Sutherland-Hodgman against w = _W_MIN (linear in clip space)
        kept = []
        for k, a in enumerate(pts):
            b = pts[(k + 1) % len(pts)]
            if a[3] > _W_MIN:
                kept.append(a)
            if (a[3] > _W_MIN) != (b[3] > _W_MIN):
                t = (_W_MIN - a[3]) / (b[3] - a[3])
                kept.append([u + t * (v - u) for u, v in zip(a, b)])
        if len(kept) < 3:
            return None
        pts = kept
    poly = _hull([(p[0] / p[3], p[1] / p[3]) for p in pts])
    return poly if len(poly) >= 3 else None


class _PortalCull:
    """Which cells a camera sees, and the region of the screen each is seen through.

    A cell is seen through a portal of the cell it is seen from when the camera is on the
    portal's front side, and then only within the portal's projection, clipped to the region
    of that cell (convex polygons on screen). A cell seen along several paths gets the convex
    hull of them all, and any growth is passed on to the cells beyond. The result never leaves
    out anything that can be seen (every part of a room lies on its own side of its portals,
    see :class:`~wardtwin.scene.geometry.Portal`); the depth test still decides what is in
    front.
    """

    MAX_STEPS = 20000  # a bound on the propagation; past it every cell is shown whole

    def __init__(self, portals, cells):
        ps = [p for p in portals if p.cell_in in cells and p.cell_out in cells]
        self.targets = [p.cell_out for p in ps]
        self.by_cell: dict[str, list[int]] = {}
        for k, p in enumerate(ps):
            self.by_cell.setdefault(p.cell_in, []).append(k)
        self.corners = np.array([[(*c, 1.0) for c in p.corners] for p in ps], dtype=np.float64).reshape(-1, 4, 4)
        normal = np.array([(p.facing[0], p.facing[1], 0.0) for p in ps], dtype=np.float64).reshape(-1, 3)
        self.offset = np.einsum("kj,kj->k", normal, self.corners[:, 0, :3])
        along = np.stack([-normal[:, 1], normal[:, 0], np.zeros(len(ps))], axis=1)
        self.frame = np.concatenate([normal, along])  # rows: each portal's normal, then its direction
        s = np.einsum("kcj,kj->kc", self.corners[:, :, :3], along)
        self.s_lo, self.s_hi = s.min(axis=1, initial=0.0) - DOORWAY, s.max(axis=1, initial=0.0) + DOORWAY
        self.z_lo, self.z_hi = self.corners[:, :, 2].min(axis=1, initial=0.0), self.corners[:, :, 2].max(axis=1, initial=0.0)

    def _portal_polygons(self, eye: np.ndarray, view_projection: np.ndarray) -> dict:
        """``{portal index: polygon}`` of the portals the camera may see through, on screen:
        True for a portal whose doorway the camera stands in (it sees through it whole).
        (Per camera and frame: few, small numpy operations, as their count is the cost.)"""
        out: dict = {}
        if not self.targets:
            return out
        n = len(self.targets)
        ds = self.frame @ eye  # distance in front of each portal's plane, position along it
        dist, s = ds[:n] - self.offset, ds[n:]
        doorway = ((np.abs(dist) < DOORWAY) & (s > self.s_lo) & (s < self.s_hi)
                   & (eye[2] > self.z_lo) & (eye[2] < self.z_hi))
        for k in np.flatnonzero(doorway).tolist():
            out[k] = True
        front = np.flatnonzero((dist > 0) & ~doorway)
        if not len(front):
            return out
        clip = self.corners[front] @ view_projection  # (portals, 4 corners, xyzw)
        w = clip[..., 3]
        positive = w > _W_MIN
        ahead = positive.all(axis=1)
        # a portal wholly in front of the camera projects to a convex quadrilateral, turning
        # the same way for all of them (seen from the front): only the direction is checked
        a = np.flatnonzero(ahead)
        q = clip[a]
        x, y = q[..., 0] / q[..., 3], q[..., 1] / q[..., 3]
        on_screen = ((x.min(axis=1) < 1) & (x.max(axis=1) > -1) & (y.min(axis=1) < 1) & (y.max(axis=1) > -1))
        # twice the signed area of a quadrilateral: the cross product of its diagonals
        turn = (x[:, 2] - x[:, 0]) * (y[:, 3] - y[:, 1]) - (y[:, 2] - y[:, 0]) * (x[:, 3] - x[:, 1])
        on = np.flatnonzero(on_screen)
        for k, xs, ys, cw in zip(front[a[on]].tolist(), x[on].tolist(), y[on].tolist(), (turn[on] < 0).tolist()):
            out[k] = list(zip(xs[::-1], ys[::-1]) if cw else zip(xs, ys))
        straddle = np.flatnonzero(~ahead & positive.any(axis=1))  # partly behind the camera: clip, then project
        for j in straddle.tolist():
            poly = _project(clip[j])
            if poly is not None:
                out[int(front[j])] = poly
        return out

    def visible(self, eye, view_projection: np.ndarray, start: str) -> dict | None:
        """``{cell: polygon}`` of the cells seen from ``eye`` (a point in ``start``) by a
        camera whose cell-to-clip-space matrix is ``view_projection`` (row vectors, as
        Panda3D's); None when the propagation did not settle (show everything)."""
        portal = self._portal_polygons(np.asarray(eye, dtype=np.float64), view_projection)
        regions = {start: _FULL}
        stack = [start]
        steps = 0
        while stack:
            cell = stack.pop()
            steps += 1
            if steps > self.MAX_STEPS:
                return None
            region = regions[cell]
            for k in self.by_cell.get(cell, ()):
                poly = portal.get(k)
                if poly is None:
                    continue
                if poly is True:
                    new = region
                elif region is _FULL and all(-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0 for x, y in poly):
                    new = poly  # on screen whole: nothing to clip
                else:
                    new = _clip_poly(poly, region)
                if not new:
                    continue
                t = self.targets[k]
                old = regions.get(t)
                if old is None:
                    regions[t] = new
                elif _covers(old, new):
                    continue
                else:
                    regions[t] = _hull(old + new)
                stack.append(t)
        return regions


def _register_bins() -> None:
    """Cull bins for eye-level views: the camera's room first, then other rooms nearest first."""
    mgr = CullBinManager.get_global_ptr()
    if mgr.find_bin(_HERE_BIN) < 0:
        mgr.add_bin(_HERE_BIN, CullBinManager.BT_unsorted, 18)
        mgr.add_bin(_ROOMS_BIN, CullBinManager.BT_front_to_back, 19)


def _text_node(name: str, text: str, *, card: bool, colour: Vec4, scale_align=TextNode.A_center) -> TextNode:
    tn = TextNode(name)
    tn.set_text(text)
    tn.set_align(scale_align)
    tn.set_text_color(colour)
    if card:
        tn.set_card_color(1, 1, 1, 0.88)
        tn.set_card_as_margin(0.25, 0.25, 0.12, 0.12)
        tn.set_card_decal(True)
    return tn


def _text_as_geometry(text: NodePath) -> NodePath:
    """Replace a TextNode by the geometry it generates (glyphs and card), keeping its name,
    transform, render state and effects (the billboard): a model file then carries the text
    itself, where a TextNode is written as an empty node."""
    tn = text.node()
    geom = NodePath(tn.generate())
    geom.set_name(tn.get_name())
    geom.reparent_to(text.get_parent())
    geom.set_transform(text.get_transform())
    geom.set_state(text.get_state())
    geom.node().set_effects(tn.get_effects())
    text.remove_node()
    return geom


def _weak_callback(method):
    """A callback calling ``method`` while its object lives: the scene graph holding the
    callback does not keep the scene (and its geometry) alive."""
    ref = weakref.WeakMethod(method)

    def call(cbdata) -> None:
        bound = ref()
        if bound is not None:
            bound(cbdata)

    return call


#: Upward faces of walls above this height (m) are wall tops, which no eye below the ceiling sees.
WALL_TOP_ABOVE = 2.3


def _without_tops(mesh: Mesh) -> Mesh:
    """``mesh`` less the tops of its walls: upward-facing triangles above :data:`WALL_TOP_ABOVE`
    (a window board under the sill faces up too, and is seen)."""
    tri = mesh.triangles
    up = mesh.normals[tri[:, 0], 2] >= 0.99
    high = mesh.positions[tri[:, 0], 2] > WALL_TOP_ABOVE
    return Mesh(mesh.positions, mesh.normals, mesh.colors, tri[~(up & high)], mesh.uvs)


class _Cell:
    """One room at eye level: ``body`` (everything, one batch: drawn when the camera is in the
    room), ``shell`` (all but the items, one batch) and ``items`` (one node each: drawn when
    the room is seen through a door, each only when it can fall inside the door's rectangle)."""

    def __init__(self, node: NodePath, body: NodePath, shell: NodePath, items: dict, top: float):
        self.node, self.body, self.shell = node, body, shell
        self.items = items  # item index (WardScene._item_corners) -> its node
        self.top = top  # the room's highest point, m
        self.role = "body"  # what is shown inside: "body" or "shell" (with some items)
        self.shown_items: set[int] = set()
        self.scissor = None

    def show_body(self) -> None:
        if self.role != "body":
            self.shell.hide()
            self.body.show()
            self.role = "body"
        self.show_items(set())

    def show_shell(self, items: set[int]) -> None:
        if self.role != "shell":
            self.body.hide()
            self.shell.show()
            self.role = "shell"
        self.show_items(items)

    def show_items(self, items: set[int]) -> None:
        for k in self.shown_items - items:
            self.items[k].hide()
        for k in items - self.shown_items:
            self.items[k].show()
        self.shown_items = items

    def clip(self, scissor) -> None:
        """Restrict drawing to ``scissor`` (left, right, bottom, top as fractions of the
        display region), or not at all (None)."""
        if scissor != self.scissor:
            if scissor is None:
                self.node.clear_attrib(ScissorAttrib)
            else:
                self.node.set_attrib(ScissorAttrib.make(*scissor))
            self.scissor = scissor


class WardScene:
    """A ward's scene graph under ``root``.

    Two representations of the same geometry: ``overview`` (everything batched into a few
    draw calls: plan, dollhouse and whole-ward views) and ``cells`` (one cell per room, joined
    by portals at door openings: eye-level views draw only what can be seen through the
    doors). :meth:`set_viewpoint` picks one from the camera position. At eye level the
    camera's room is drawn whole, as one batch; every room seen through a door is drawn as
    its shell (one batch) and those of its items that can be seen, clipped to the rectangle
    of the screen it is seen through. That choice is made for each camera as it is culled
    (a cull callback: it works for any number of cameras, such as a headset's two eyes, and
    needs Panda3D's default single-threaded pipeline). Keep the WardScene while its ``root``
    is drawn: the scene graph refers to it weakly, so that a dropped scene is freed.
    ``batched=False`` builds the naive baseline instead: one node per part, no portals.
    ``locate`` maps a plan point (m) to the id of the room containing it; without it no cells
    are built and the overview serves every view (enough for an export, see :meth:`standalone`).

    Labels at eye level (``screen_labels``, the default) are drawn over everything, whole,
    each only while its item is in sight (its room seen and its centre inside the part of
    the screen that room is seen through), and are lifted apart on the screen so none
    overlaps another (:func:`spread_labels`); this is decided in the same cull callback.
    ``screen_labels=False`` keeps the former labels (depth-tested, clipped with their room's
    cell) for comparison in benchmarks.
    """

    def __init__(self, geometry: WardGeometry, *, batched: bool = True, locate=None, screen_labels: bool = True):
        self.geometry = geometry
        self.lit = geometry.look == "full"  # vertex colours baked with light already
        self.screen_labels = screen_labels
        self.batched = batched
        self.locate = locate
        self.root = NodePath("ward")
        self.overview = self.root.attach_new_node("overview")
        self.cells = self.root.attach_new_node("cells")
        self.labels = self.root.attach_new_node("labels")  # the overview's labels (instances)
        self.highlights = self.root.attach_new_node("highlights")
        self._ceilings: list[NodePath] = []
        self._labels: dict[str, NodePath] = {}
        self._highlights: dict[str, NodePath] = {}
        self._cells: dict[str, _Cell] = {}
        self.current_cell: str | None = None
        self._ceilings_on = True
        self._dirty = True
        _register_bins()
        if batched:
            self._build_overview()
            if locate is not None:
                self._build_cells()
        else:
            self._build_naive()
        self._build_labels()
        self.cells.hide()
        self.root.set_light_off(1)  # lighting is baked into the vertex colours

    # -- construction -------------------------------------------------------------------
    def _batch(self, parent: NodePath, parts, name: str, eye_level: bool = False, textured: bool = True) -> NodePath:
        """All ``parts`` as one GeomNode holding one geom (never flattened together with nodes
        of another render state, such as the signs' textured, transparent text), or two
        where some parts carry the detail texture (the floors: the texture costs a software
        rasteriser by the pixel, so it is drawn on those alone); ``textured`` False: one
        geom, without the texture (a room seen through a door: its floor's pattern, a few
        per cent of its colour, is left out there). ``eye_level``: for a camera below the
        ceilings, which never sees the tops of walls (they face up from the height of the
        ceiling or above): those are left out."""
        meshes = [_without_tops(p.mesh) if eye_level and p.layer == "wall" else p.mesh for p in parts]
        if not textured:
            meshes = [Mesh(m.positions, m.normals, m.colors, m.triangles) for m in meshes]
        plain = [m for m in meshes if m.uvs is None]
        node = parent.attach_new_node(mesh_node(name, Mesh.concat(plain), self.lit))
        detail = [m for m in meshes if m.uvs is not None]
        if detail:
            parent.attach_new_node(mesh_node(f"{name}-textured", Mesh.concat(detail), self.lit))
        return node

    def _signs(self, parent: NodePath, anchors) -> None:
        holder = parent.attach_new_node("signs")
        for a in anchors:
            align = TextNode.A_left if a.align == "left" else TextNode.A_center
            tn = _text_node(f"sign/{a.ref}", a.text, card=False, colour=Vec4(1, 1, 1, 1), scale_align=align)
            # generated geometry (not a TextNode), so flattening merges every sign into one batch
            np_ = holder.attach_new_node(tn.generate())
            np_.set_scale(a.size)
            np_.set_pos(*a.position)
            fx, fy = a.facing
            # a text node reads from its -y side: turn it so -y points along ``facing``
            np_.look_at(Vec3(a.position[0] - fx, a.position[1] - fy, a.position[2]))
        holder.set_light_off(1)
        holder.flatten_strong()  # only the text: one geom per font page

    def _build_overview(self) -> None:
        g = self.geometry
        static = self.overview.attach_new_node("static")
        self._batch(static, [p for p in g.parts if p.layer != "ceiling"], "static")
        self._signs(static, g.signs)
        ceilings = self.overview.attach_new_node("ceilings")
        self._batch(ceilings, g.layer("ceiling"), "ceiling")
        self._ceilings.append(ceilings)

    def _build_cells(self) -> None:
        g = self.geometry
        # sign plates go with the signs' text, below; in the plain look (the former one) with
        # their room, as they were
        former = g.look == "plain"
        by_room: dict[str, list] = {}
        for p in g.parts:
            if p.room and (former or p.layer != "sign"):
                by_room.setdefault(p.room, []).append(p)
        corners: list = []
        item_cell: list[int] = []
        for room in sorted(by_room):
            parts = by_room[room]
            node = self.cells.attach_new_node(f"cell/{room}")
            body = node.attach_new_node("body")  # ceiling included: cells are for eye level
            self._batch(body, parts, "body", eye_level=True)
            shell = node.attach_new_node("shell")
            self._batch(shell, [p for p in parts if p.layer != "item"], "shell", eye_level=True, textured=False)
            shell.hide()
            holder = node.attach_new_node("items")
            items = {}
            for p in parts:
                if p.layer == "item" and p.mesh.n_triangles:
                    items[len(corners)] = holder.attach_new_node(mesh_node(p.name, p.mesh, self.lit))
                    items[len(corners)].hide()
                    lo, hi = p.mesh.bounds()
                    corners.append([(x, y, z, 1.0) for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                                    for z in (lo[2], hi[2])])
                    item_cell.append(len(self._cells))
            for n in (body, shell, holder):
                n.set_bin(_ROOMS_BIN, 0)
            top = max(float(p.mesh.bounds()[1][2]) for p in parts if p.mesh.n_triangles)
            self._cells[room] = _Cell(node, body, shell, items, top)
        # the corners of every item's bounding box (items, 8, homogeneous xyzw) and the index of its cell
        self._item_corners = np.array(corners, np.float64).reshape(-1, 8, 4)
        self._item_cell = np.array(item_cell, np.int64)
        self._cell_index = {room: k for k, room in enumerate(self._cells)}
        # door and wayfinding signs, plates and text, always drawn at eye level (small; the
        # depth test hides them), so that no text stands without its plate where a room is clipped
        signs = self.cells.attach_new_node("signs")
        if not former:
            self._batch(signs, g.layer("sign"), "sign-plates")
        self._signs(signs, g.signs)
        self._portal_cull = _PortalCull(g.portals, self._cells)
        # two callbacks around the cells: the first, traversed before them, shows what the
        # camera sees through the doors, clipped to the doors; the last puts it back as it was
        before = CallbackNode("portal-cull")
        before.set_cull_callback(PythonCallbackObject(_weak_callback(self._cull)))
        self.cells.attach_new_node(before, -1000)
        after = CallbackNode("portal-cull-done")
        after.set_cull_callback(PythonCallbackObject(_weak_callback(self._uncull)))
        self.cells.attach_new_node(after, 1000)
        self._shown: set[str] = set()  # cells shown by the last _cull

    def _build_naive(self) -> None:
        static = self.overview.attach_new_node("static")
        ceilings = self.overview.attach_new_node("ceilings")
        for p in self.geometry.parts:
            (ceilings if p.layer == "ceiling" else static).attach_new_node(mesh_node(p.name, p.mesh, self.lit))
        self._signs(static, self.geometry.signs)
        self._ceilings.append(ceilings)

    def _build_labels(self) -> None:
        screen = self.screen_labels and bool(self._cells)
        eye = self.cells.attach_new_node("eye-labels", 500) if screen else None  # after _cull, before _uncull
        if eye is not None:  # over everything, whole: shown only while their item is in sight
            eye.set_bin("fixed", 10)
            eye.set_depth_test(False)
            eye.set_depth_write(False)
            eye.set_light_off(1)
        self._eye_labels = eye
        anchors, centres, ranges, cells, cards, nodes = [], [], [], [], [], []
        for a in self.geometry.labels:
            lod = LODNode(f"label:{a.ref}")
            holder = NodePath(lod)
            holder.set_pos(*a.position)
            holder.set_bin("fixed", 10)
            holder.set_depth_write(False)
            holder.set_light_off(1)
            tn = _text_node(f"label-text/{a.ref}", a.text, card=True, colour=LABEL_COLOUR)
            text = holder.attach_new_node(tn)
            text.set_scale(LABEL_SCALE)
            text.set_billboard_point_eye()
            reach = FITOUT_LABEL_RANGE if a.fitout else LABEL_RANGE
            lod.add_switch(reach, LABEL_NEAR)
            holder.instance_to(self.labels)
            cell = self._cells.get(a.room)
            if eye is not None:
                node = eye.attach_new_node(f"eye-label:{a.ref}")
                node.set_pos(*a.position)
                node.set_billboard_point_eye()
                card = node.attach_new_node(tn)
                card.set_scale(LABEL_SCALE)
                node.hide()
                part = self.geometry.item_parts.get(a.ref)
                lo, hi = part.mesh.bounds() if part is not None else (np.array(a.position),) * 2
                anchors.append((*a.position, 1.0))
                centres.append((*((np.asarray(lo) + np.asarray(hi)) / 2), 1.0))
                ranges.append(reach)
                cells.append(self._cell_index[a.room] if cell is not None else len(self._cells))
                l, r, b, t = tn.get_card_actual()
                cards.append((l * LABEL_SCALE, r * LABEL_SCALE, b * LABEL_SCALE, t * LABEL_SCALE))
                nodes.append((node, card))
            elif cell is not None:  # the former labels: drawn with their room's cell (clipped with it)
                holder.instance_to(cell.node)
            self._labels[a.ref] = holder
        if eye is not None:
            self._lab_anchor = np.array(anchors, np.float64).reshape(-1, 4)
            self._lab_centre = np.array(centres, np.float64).reshape(-1, 4)
            self._lab_range = np.array(ranges, np.float64)
            self._lab_cell = np.array(cells, np.int64)
            self._lab_card = np.array(cards, np.float64).reshape(-1, 4)
            self._lab_nodes = nodes
            self._lab_shown: dict[int, tuple] = {}  # label index -> (lift m, scale factor), as drawn
        #: eye-level labels drawn by the last camera culled: item id -> screen box (x0, x1, y0, y1),
        #: normalised device coordinates, as lifted apart
        self.label_boxes: dict[str, tuple] = {}

    def _place_labels(self, rects: dict, vp: np.ndarray, eye, lens) -> None:
        """Show the eye-level labels whose item is in sight: in range, in front, its centre
        inside the screen rectangle its room is seen through (the whole screen for the
        camera's room); lift them apart where they would overlap. Only changes are applied
        to the scene graph. (Per camera and frame: a few numpy operations on every label,
        then a loop over those shown.)"""
        n_cells = len(self._cells)
        rect = np.empty((n_cells + 1, 4))
        rect[:] = (np.inf, -np.inf, np.inf, -np.inf)  # the last row: labels outside every cell
        for room, r in rects.items():
            rect[self._cell_index[room]] = r
        clip = self._lab_centre @ vp
        w = clip[:, 3]
        dist = np.linalg.norm(self._lab_anchor[:, :3] - np.asarray(eye, np.float64), axis=1)
        ok = (w > 0.05) & (dist >= LABEL_NEAR) & (dist <= self._lab_range)
        ww = np.where(ok, w, 1.0)
        x, y = clip[:, 0] / ww, clip[:, 1] / ww
        r = rect[self._lab_cell]
        ok &= (x >= r[:, 0]) & (x <= r[:, 1]) & (y >= r[:, 2]) & (y <= r[:, 3])
        idx = np.flatnonzero(ok)
        lifts: dict[int, tuple] = {}
        if len(idx):
            a = self._lab_anchor[idx] @ vp
            aw = np.maximum(a[:, 3], 0.05)
            fov = lens.get_fov()
            sx, sy = 1.0 / np.tan(np.radians(fov[0] / 2)), 1.0 / np.tan(np.radians(fov[1] / 2))
            ax, ay = a[:, 0] / aw, a[:, 1] / aw
            c = self._lab_card[idx]
            # near labels are drawn smaller: a card never taller than LABEL_MAX_HEIGHT of the screen
            f = np.minimum(1.0, LABEL_MAX_HEIGHT * 2.0 * aw / np.maximum((c[:, 3] - c[:, 2]) * sy, 1e-9))
            c = c * f[:, None]
            boxes = np.stack([ax + c[:, 0] * sx / aw, ax + c[:, 1] * sx / aw,
                              ay + c[:, 2] * sy / aw, ay + c[:, 3] * sy / aw], axis=1)
            up = spread_labels(boxes.tolist())
            self.label_boxes = {self.geometry.labels[k].ref: (b[0], b[1], b[2] + d, b[3] + d)
                                for k, b, d in zip(idx.tolist(), boxes.tolist(), up)}
            lifts = {k: (d * wk / sy, fk) for k, d, wk, fk in zip(idx.tolist(), up, aw.tolist(), f.tolist())}
        else:
            self.label_boxes = {}
        shown = self._lab_shown
        for k in set(shown) - set(lifts):
            self._lab_nodes[k][0].hide()
        for k, (lift, f) in lifts.items():
            node, card = self._lab_nodes[k]
            old = shown.get(k)
            if old is None:
                node.show()
            if old is None or abs(old[0] - lift) > 1e-4:
                card.set_z(lift)
            if old is None or abs(old[1] - f) > 1e-3:
                card.set_scale(LABEL_SCALE * f)
        self._lab_shown = lifts

    # -- viewing ------------------------------------------------------------------------
    def set_viewpoint(self, x: float, y: float, z: float | None = None) -> str | None:
        """Choose the representation for a camera at plan point (x, y) m, at height ``z`` m
        (None: eye level): inside a room, below its ceiling, only that room's cell is shown
        and, as each frame is culled, the portals reveal the rest; elsewhere (outside, above
        the ceilings, or with ceilings off), the overview: the cells leave out the tops of
        walls, which only a camera above them sees. Returns the room whose cell is shown
        (None: the overview)."""
        room = self.locate(x, y) if (self.locate and self._cells) else None
        if room in self._cells and z is not None and not -0.05 < z < self._cells[room].top:
            room = None
        if room == self.current_cell and not self._dirty:
            return room
        self.current_cell, self._dirty = room, False
        if room is None or room not in self._cells or not self._ceilings_on:
            self.cells.hide()
            self.overview.show()
            self.labels.show()
            return None
        self.overview.hide()
        self.labels.hide()
        self.cells.show()
        for rid, cell in self._cells.items():
            (cell.node.show if rid == room else cell.node.hide)()
            # the camera's own room is drawn first: its walls hide most of what lies beyond
            cell.body.set_bin(_HERE_BIN if rid == room else _ROOMS_BIN, 0)
        here = self._cells[room]
        here.show_body()
        here.clip(None)
        return room

    def _cull(self, cbdata) -> None:
        """Cull callback, once per camera and frame, before the cells are traversed: show what
        its camera sees through the doors (see :class:`_PortalCull`), each room clipped to
        the bounding rectangle of the region of the screen it is seen through, and of its
        items only those that reach into that rectangle."""
        setup = cbdata.get_trav().get_scene()
        lens, cam = setup.get_lens(), setup.get_camera_path()
        regions, start, vp = None, None, None
        if lens is not None and lens.is_perspective() and self.locate is not None:
            p = cam.get_pos(self.cells)
            start = self.locate(p.x, p.y)
            if start in self._cells and -0.05 < p.z < self._cells[start].top:
                vp = np.array(self.cells.get_mat(cam)) @ np.array(lens.get_projection_mat())
                regions = self._portal_cull.visible((p.x, p.y, p.z), vp, start)
        if regions is None:  # not inside a room at eye level: every room, whole
            regions, start, vp = dict.fromkeys(self._cells, _FULL), None, None
        # each room is clipped to the bounding rectangle of its region (scissor; clip planes
        # along the region's edges would clip closer, but llvmpipe's clipper costs more than
        # the pixels they save), widened by two pixels: rounding never clips what it should show
        px = 4.0 / max(1, setup.get_viewport_width())
        py = 4.0 / max(1, setup.get_viewport_height())
        rects = {room: _bbox(poly) for room, poly in regions.items()}
        items = self._items_in(rects, start, vp) if vp is not None else {}
        for room, rect in rects.items():
            cell = self._cells[room]
            l, r, b, t = ((max(-1.0, rect[0] - px) + 1) / 2, (min(1.0, rect[1] + px) + 1) / 2,
                          (max(-1.0, rect[2] - py) + 1) / 2, (min(1.0, rect[3] + py) + 1) / 2)
            cell.clip(None if (l, r, b, t) == (0.0, 1.0, 0.0, 1.0) else (l, r, b, t))
            if room == start or vp is None:  # (a room seen through a door, items or not, is its shell:
                cell.show_body()              # one geom, untextured, where its body draws its floors apart)
            else:
                cell.show_shell(items.get(room, set()))
            cell.node.show()
        here = self.current_cell
        if here in self._cells and here not in regions:
            self._cells[here].node.hide()
        self._shown = set(regions)
        if self._eye_labels is not None and lens is not None and lens.is_perspective():
            if vp is None:
                vp = np.array(self.cells.get_mat(cam)) @ np.array(lens.get_projection_mat())
            p = cam.get_pos(self.cells)
            self._place_labels(rects, vp, (p.x, p.y, p.z), lens)

    def _items_in(self, rects: dict, start: str | None, vp: np.ndarray) -> dict[str, set[int]]:
        """The items of the rooms seen through doors whose bounding box, seen by the camera,
        reaches into the room's rectangle (an item partly behind the camera counts as
        reaching in): ``{room: item indices}``."""
        if not len(self._item_cell):
            return {}
        n = len(self._cells)
        lo_x, hi_x, lo_y, hi_y = (np.full(n, v) for v in (np.inf, -np.inf, np.inf, -np.inf))
        for room, r in rects.items():
            if room != start:
                k = self._cell_index[room]
                lo_x[k], hi_x[k], lo_y[k], hi_y[k] = r
        sel = np.flatnonzero(lo_x[self._item_cell] < np.inf)
        if not len(sel):
            return {}
        clip = self._item_corners[sel] @ vp  # (items, 8 corners, xyzw)
        w = clip[..., 3]
        front = w > _W_MIN
        ww = np.where(front, w, 1.0)
        x, y = clip[..., 0] / ww, clip[..., 1] / ww  # (items, 8): reduced along contiguous rows
        c = self._item_cell[sel]
        inside = ((x.min(axis=1) < hi_x[c]) & (x.max(axis=1) > lo_x[c])
                  & (y.min(axis=1) < hi_y[c]) & (y.max(axis=1) > lo_y[c]))
        inside |= front.any(axis=1) & ~front.all(axis=1)
        rooms = list(self._cells)
        out: dict[str, set[int]] = {}
        for k, cell in zip(sel[inside].tolist(), c[inside].tolist()):
            out.setdefault(rooms[cell], set()).add(k)
        return out

    def _uncull(self, cbdata) -> None:
        """Cull callback after the cells: back to the state :meth:`set_viewpoint` left (only
        the camera's room, whole)."""
        here = self.current_cell
        for room in self._shown:
            if room != here:
                self._cells[room].node.hide()
        if here in self._cells:
            cell = self._cells[here]
            cell.show_body()
            cell.clip(None)
            cell.node.show()
        self._shown = set()

    # -- what tours and stations address ------------------------------------------------
    def label(self, item_id: str) -> NodePath:
        """The label node of a safety-critical item."""
        if item_id not in self._labels:
            raise UnknownNameError("labelled item", item_id, self._labels)
        return self._labels[item_id]

    def highlight(self, item_id: str, on: bool = True) -> NodePath | None:
        """Outline an item in a bright colour (a tour shows the trainee what to find)."""
        part = self.geometry.item_parts.get(item_id)
        if part is None:
            raise UnknownNameError("item", item_id, self.geometry.item_parts)
        if not on:
            node = self._highlights.pop(item_id, None)
            if node is not None:
                node.remove_node()
            return None
        if item_id in self._highlights:
            return self._highlights[item_id]
        node = self.highlights.attach_new_node(mesh_node(f"highlight/{item_id}", part.mesh))
        centre = (part.mesh.bounds()[0] + part.mesh.bounds()[1]) / 2
        node.set_pos(*(-centre * 0.06))
        node.set_scale(1.06)
        node.set_attrib(ColorAttrib.make_flat(HIGHLIGHT))
        node.set_transparency(TransparencyAttrib.M_alpha)
        node.set_alpha_scale(0.55)
        node.set_light_off(1)
        self._highlights[item_id] = node
        return node

    def show_marks(self, mesh: Mesh | None) -> NodePath | None:
        """Show findings in the twin (live preview): ``mesh`` (translucent, coloured per vertex,
        see :mod:`wardtwin.scene.marks`) as one batch under ``highlights``, in place of the
        last marks; None or an empty mesh: no marks. One draw call, drawn after the opaque
        geometry without writing depth (it hides nothing)."""
        old = getattr(self, "_marks", None)
        if old is not None:
            old.remove_node()
        self._marks = None
        if mesh is None or not mesh.n_triangles:
            return None
        node = self.highlights.attach_new_node(mesh_node("finding-marks", mesh))
        node.set_transparency(TransparencyAttrib.M_alpha)
        node.set_depth_write(False)
        node.set_two_sided(True)
        node.set_light_off(1)
        self._marks = node
        return node

    def show_ceilings(self, on: bool) -> None:
        """Ceilings on or off (off: the overview is used at eye level too, cells carry ceilings)."""
        self._ceilings_on = on
        for node in self._ceilings:
            (node.show if on else node.hide)()
        self._dirty = True  # set_viewpoint chooses again

    def show_labels(self, on: bool) -> None:
        for holder in self._labels.values():  # instances share the node: one call hides all
            (holder.show if on else holder.hide)()
        if self._eye_labels is not None:
            (self._eye_labels.show if on else self._eye_labels.hide)()

    def standalone(self) -> NodePath:
        """A copy of the ward as a model other programs can show (what ``wardtwin build``
        writes as .bam): the overview representation (static geometry, door signs, ceilings
        under their own node) and the labels. The eye-level cells are left out: they are drawn
        through this scene's cull callback, which a model file cannot carry."""
        root = NodePath("ward")
        for part in (self.overview, self.labels):
            copy = part.copy_to(root)
            copy.show()
        for text in root.find_all_matches("**/+TextNode"):
            _text_as_geometry(text)
        return root

    def count_geoms(self) -> int:
        """Geoms of the overview (or naive) representation: the draw calls of a whole-ward
        view without labels. Per-frame counts come from PStats (tools/bench_scene.py)."""
        return sum(n.node().get_num_geoms() for n in self.overview.find_all_matches("**/+GeomNode"))
