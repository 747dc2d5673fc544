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
    AmbientLight, ColorAttrib, DirectionalLight, Geom, GeomNode, GeomTriangles, GeomVertexArrayFormat,
    GeomVertexData, GeomVertexFormat, LODNode, NodePath, TextNode, TransparencyAttrib, Vec3, Vec4,
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


def mesh_node(name: str, mesh: Mesh) -> GeomNode:
    """A GeomNode holding ``mesh`` (vertex colours, per-vertex normals)."""
    node = GeomNode(name)
    if not mesh.n_triangles:
        return node
    n = len(mesh.positions)
    vdata = GeomVertexData(name, _format(), Geom.UH_static)
    vdata.unclean_set_num_rows(n)
    inter = np.concatenate([mesh.positions, mesh.normals, mesh.colors], axis=1).astype(np.float32)
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
    """A ward's scene graph under ``root``: ``static``, ``ceilings``, ``signs``, ``labels`` and
    ``highlights`` children. ``batched=False`` keeps one node per part (the naive baseline)."""

    def __init__(self, geometry: WardGeometry, *, batched: bool = True):
        self.geometry = geometry
        self.batched = batched
        self.root = NodePath("ward")
        self.static = self.root.attach_new_node("static")
        self.ceilings = self.root.attach_new_node("ceilings")
        self.signs = self.root.attach_new_node("signs")
        self.labels = self.root.attach_new_node("labels")
        self.highlights = self.root.attach_new_node("highlights")
        self._labels: dict[str, NodePath] = {}
        self._highlights: dict[str, NodePath] = {}
        self._build()
        self._light()

    def _build(self) -> None:
        g = self.geometry
        if self.batched:
            for layer in ("floor", "wall", "door", "exit", "sign", "item"):
                meshes = [p.mesh for p in g.layer(layer)]
                self.static.attach_new_node(mesh_node(layer, Mesh.concat(meshes)))
            self.ceilings.attach_new_node(mesh_node("ceiling", Mesh.concat([p.mesh for p in g.layer("ceiling")])))
        else:
            for p in g.parts:
                parent = self.ceilings if p.layer == "ceiling" else self.static
                parent.attach_new_node(mesh_node(p.name, p.mesh))
        for a in g.signs:
            tn = _text_node(f"sign/{a.ref}", a.text, card=False, colour=Vec4(1, 1, 1, 1))
            # generated geometry (not a TextNode) so that flattening merges every sign into one batch
            np_ = self.signs.attach_new_node(tn.generate())
            np_.set_scale(SIGN_TEXT)
            np_.set_pos(*a.position)
            fx, fy = a.facing
            # a text node reads from its -y side: turn it so -y points along ``facing``
            np_.look_at(Vec3(a.position[0] - fx, a.position[1] - fy, a.position[2]))
            np_.set_z(a.position[2] - 0.025)
        self.signs.set_light_off(1)
        if self.batched:
            self.static.flatten_strong()
            self.ceilings.flatten_strong()
            self.signs.flatten_strong()
        for a in g.labels:
            lod = LODNode(f"label/{a.ref}")
            holder = self.labels.attach_new_node(lod)
            holder.set_pos(*a.position)
            tn = _text_node(f"label-text/{a.ref}", a.text, card=True, colour=LABEL_COLOUR)
            text = holder.attach_new_node(tn)
            text.set_scale(0.11)
            text.set_billboard_point_eye()
            lod.add_switch(FITOUT_LABEL_RANGE if a.fitout else LABEL_RANGE, LABEL_NEAR)
            self._labels[a.ref] = holder
        self.labels.set_light_off(1)
        self.labels.set_bin("fixed", 10)
        self.labels.set_depth_write(False)

    def _light(self) -> None:
        amb = AmbientLight("ambient")
        amb.set_color(Vec4(0.55, 0.55, 0.57, 1))
        key = DirectionalLight("key")
        key.set_color(Vec4(0.55, 0.54, 0.5, 1))
        fill = DirectionalLight("fill")
        fill.set_color(Vec4(0.25, 0.26, 0.3, 1))
        for light, hpr in ((amb, None), (key, (35, -60, 0)), (fill, (-140, -35, 0))):
            lnp = self.root.attach_new_node(light)
            if hpr:
                lnp.set_hpr(*hpr)
            self.root.set_light(lnp)

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
        (self.ceilings.show if on else self.ceilings.hide)()

    def show_labels(self, on: bool) -> None:
        (self.labels.show if on else self.labels.hide)()

    def count_geoms(self) -> int:
        """Geoms under the root that are not hidden (an upper bound on draw calls)."""
        total = 0
        for np_ in self.root.find_all_matches("**/+GeomNode"):
            if not np_.is_hidden():
                total += np_.node().get_num_geoms()
        return total
