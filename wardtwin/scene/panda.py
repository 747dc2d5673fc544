"""The Panda3D scene of a ward, built from :class:`~wardtwin.scene.geometry.WardGeometry`.

Static geometry (floors, walls, doors, signs, items) is batched with ``flattenStrong`` into a
few draw calls; ceilings sit under their own node so a planner's dollhouse view can hide them;
safety-critical items keep individually addressable billboard labels (shown within
:data:`LABEL_RANGE` metres of the camera) and can be highlighted one by one for a tour.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from panda3d.core import (
    ColorAttrib, CullBinManager, Geom, GeomNode, GeomTriangles, GeomVertexArrayFormat,
    GeomVertexData, GeomVertexFormat, LODNode, NodePath, Point3, PortalNode, TextNode, TransparencyAttrib, Vec3,
    Vec4,
)

from wardtwin.errors import UnknownNameError
from wardtwin.scene.geometry import SIGN_TEXT, WardGeometry
from wardtwin.scene.mesh import Mesh

#: Labels farther than this from the camera are not drawn, m.
LABEL_RANGE = 9.0
#: Range of labels on standard patient-room items (oxygen, suction...), m: seen from inside the room.
FITOUT_LABEL_RANGE = 3.5
#: Labels nearer than this are hidden (they would fill the view), m.
LABEL_NEAR = 1.0
LABEL_COLOUR = Vec4(0.55, 0.02, 0.08, 1)
HIGHLIGHT = Vec4(1.0, 0.85, 0.1, 1)

@lru_cache(maxsize=1)
def _format() -> GeomVertexFormat:
    """position, normal (float32 x3) and colour (float32 x4), interleaved; registered on first use."""
    arr = GeomVertexArrayFormat()
    arr.add_column("vertex", 3, Geom.NT_float32, Geom.C_point)
    arr.add_column("normal", 3, Geom.NT_float32, Geom.C_normal)
    arr.add_column("color", 4, Geom.NT_float32, Geom.C_color)
    return GeomVertexFormat.register_format(GeomVertexFormat(arr))


#: Static lighting baked into vertex colours: ambient, then (heading, pitch) degrees and colour
#: of directional lights. Wards are lit evenly from above; nothing moves the lights.
AMBIENT = np.array([0.55, 0.55, 0.57])
LIGHTS = (((35.0, -60.0), np.array([0.55, 0.54, 0.50])), ((-140.0, -35.0), np.array([0.25, 0.26, 0.30])))


def _light_dir(heading: float, pitch: float) -> np.ndarray:
    """The direction a Panda3D light with this heading/pitch shines along (its +y axis)."""
    h, p = np.radians(heading), np.radians(pitch)
    return np.array([-np.sin(h) * np.cos(p), np.cos(h) * np.cos(p), np.sin(p)])


def baked_colors(mesh: Mesh) -> np.ndarray:
    """Vertex colours lit by :data:`AMBIENT` and :data:`LIGHTS` (Lambert, per vertex normal)."""
    light = np.tile(AMBIENT, (len(mesh.normals), 1))
    for (h, p), colour in LIGHTS:
        light += np.clip(mesh.normals @ -_light_dir(h, p), 0.0, None)[:, None] * colour
    out = mesh.colors.copy()
    out[:, :3] = np.clip(mesh.colors[:, :3] * light, 0.0, 1.0)
    return out


def mesh_node(name: str, mesh: Mesh) -> GeomNode:
    """A GeomNode holding ``mesh`` with its lighting baked into the vertex colours."""
    node = GeomNode(name)
    if not mesh.n_triangles:
        return node
    n = len(mesh.positions)
    vdata = GeomVertexData(name, _format(), Geom.UH_static)
    vdata.unclean_set_num_rows(n)
    inter = np.concatenate([mesh.positions, mesh.normals, baked_colors(mesh)], axis=1).astype(np.float32)
    memoryview(vdata.modify_array(0)).cast("B")[:] = inter.tobytes()
    prim = GeomTriangles(Geom.UH_static)
    prim.set_index_type(Geom.NT_uint32)
    handle = prim.modify_vertices()
    handle.unclean_set_num_rows(mesh.n_triangles * 3)
    memoryview(handle).cast("B")[:] = mesh.triangles.astype(np.uint32).tobytes()
    geom = Geom(vdata)
    geom.add_primitive(prim)
    node.add_geom(geom)
    return node


_HERE_BIN, _ROOMS_BIN = "wardtwin-here", "wardtwin-rooms"


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


class WardScene:
    """A ward's scene graph under ``root``.

    Two representations of the same geometry: ``overview`` (everything batched into a few
    draw calls: plan, dollhouse and whole-ward views) and ``cells`` (one flattened cell per
    room, joined by portals at door openings: eye-level views draw only what can be seen
    through the doors). :meth:`set_viewpoint` picks one from the camera position.
    ``batched=False`` builds the naive baseline instead: one node per part, no portals.
    ``locate`` maps a plan point (m) to the id of the room containing it.
    """

    def __init__(self, geometry: WardGeometry, *, batched: bool = True, locate=None):
        self.geometry = geometry
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
        self._cells: dict[str, NodePath] = {}
        self.current_cell: str | None = None
        self._ceilings_on = True
        self._dirty = True
        _register_bins()
        if batched:
            self._build_overview()
            self._build_cells()
        else:
            self._build_naive()
        self._build_labels()
        self.cells.hide()
        self.root.set_light_off(1)  # lighting is baked into the vertex colours

    # -- construction -------------------------------------------------------------------
    def _batch(self, parent: NodePath, parts, name: str) -> NodePath:
        """All ``parts`` as one GeomNode holding one geom (never flattened together with nodes
        of another render state, such as the signs' textured, transparent text)."""
        node = parent.attach_new_node(mesh_node(name, Mesh.concat([p.mesh for p in parts])))
        return node

    def _signs(self, parent: NodePath, anchors) -> None:
        holder = parent.attach_new_node("signs")
        for a in anchors:
            tn = _text_node(f"sign/{a.ref}", a.text, card=False, colour=Vec4(1, 1, 1, 1))
            # generated geometry (not a TextNode), so flattening merges every sign into one batch
            np_ = holder.attach_new_node(tn.generate())
            np_.set_scale(SIGN_TEXT)
            np_.set_pos(*a.position)
            fx, fy = a.facing
            # a text node reads from its -y side: turn it so -y points along ``facing``
            np_.look_at(Vec3(a.position[0] - fx, a.position[1] - fy, a.position[2]))
            np_.set_z(a.position[2] - 0.025)
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
        rooms = sorted({p.room for p in g.parts if p.room})
        for room in rooms:
            cell = self.cells.attach_new_node(f"cell/{room}")
            body = cell.attach_new_node("body")  # ceiling included: cells are for eye level
            self._batch(body, [p for p in g.parts if p.room == room], "body")
            self._signs(body, [a for a in g.signs if a.room == room])
            body.set_bin(_ROOMS_BIN, 0)
            self._cells[room] = cell
        for p in g.portals:
            if p.cell_in not in self._cells or p.cell_out not in self._cells:
                continue
            pn = PortalNode(f"portal/{p.door}/{p.cell_in}")
            for c in p.corners:
                pn.add_vertex(Point3(*c))
            pn.set_cell_in(self._cells[p.cell_in])
            pn.set_cell_out(self._cells[p.cell_out])
            self._cells[p.cell_in].attach_new_node(pn)

    def _build_naive(self) -> None:
        static = self.overview.attach_new_node("static")
        ceilings = self.overview.attach_new_node("ceilings")
        for p in self.geometry.parts:
            (ceilings if p.layer == "ceiling" else static).attach_new_node(mesh_node(p.name, p.mesh))
        self._signs(static, self.geometry.signs)
        self._ceilings.append(ceilings)

    def _build_labels(self) -> None:
        for a in self.geometry.labels:
            lod = LODNode(f"label:{a.ref}")
            holder = NodePath(lod)
            holder.set_pos(*a.position)
            holder.set_bin("fixed", 10)
            holder.set_depth_write(False)
            holder.set_light_off(1)
            tn = _text_node(f"label-text/{a.ref}", a.text, card=True, colour=LABEL_COLOUR)
            text = holder.attach_new_node(tn)
            text.set_scale(0.11)
            text.set_billboard_point_eye()
            lod.add_switch(FITOUT_LABEL_RANGE if a.fitout else LABEL_RANGE, LABEL_NEAR)
            for parent in (self.labels, self._cells.get(a.room)):
                if parent is not None:
                    holder.instance_to(parent)
            self._labels[a.ref] = holder

    # -- viewing ------------------------------------------------------------------------
    def set_viewpoint(self, x: float, y: float) -> str | None:
        """Choose the representation for a camera at plan point (x, y) m: inside a room, only
        that room's cell is shown and the portals reveal the rest; outside (or with ceilings
        off), the overview. Returns the room id (None outside)."""
        room = self.locate(x, y) if (self.locate and self._cells) else None
        if room == self.current_cell and not self._dirty:
            return room
        self.current_cell, self._dirty = room, False
        if room is None or room not in self._cells or not self._ceilings_on:
            self.cells.hide()
            self.overview.show()
            self.labels.show()
            return room
        self.overview.hide()
        self.labels.hide()
        self.cells.show()
        for rid, cell in self._cells.items():
            (cell.show if rid == room else cell.hide)()
            # the camera's own room is drawn first: its walls hide most of what lies beyond
            cell.find("body").set_bin(_HERE_BIN if rid == room else _ROOMS_BIN, 0)
        return room

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

    def show_ceilings(self, on: bool) -> None:
        """Ceilings on or off (off: the overview is used at eye level too, cells carry ceilings)."""
        self._ceilings_on = on
        for node in self._ceilings:
            (node.show if on else node.hide)()
        self._dirty = True  # set_viewpoint chooses again

    def show_labels(self, on: bool) -> None:
        for holder in self._labels.values():  # instances share the node: one call hides all
            (holder.show if on else holder.hide)()

    def count_geoms(self) -> int:
        """Geoms of the overview (or naive) representation: the draw calls of a whole-ward
        view without labels. Per-frame counts come from PStats (tools/bench_scene.py)."""
        return sum(n.node().get_num_geoms() for n in self.overview.find_all_matches("**/+GeomNode"))
