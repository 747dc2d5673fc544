"""What a tour shows in the ward itself, for any station: breadcrumbs on the floor along a
hinted route, and the item lit up once the answer is revealed. Imports Panda3D."""

from __future__ import annotations

import math

from panda3d.core import Geom, GeomNode, GeomTriangles, GeomVertexData, GeomVertexFormat, GeomVertexWriter

CRUMB_COLOUR = (1.0, 0.78, 0.10, 1.0)
#: Breadcrumb radius and height above the floor, m.
CRUMB_RADIUS = 0.10
CRUMB_Z = 0.02


def discs(name: str, points, radius: float, z: float, colour) -> GeomNode:
    """Flat octagons of ``radius`` m at height ``z`` m over plan points (m), in one Geom."""
    vdata = GeomVertexData(name, GeomVertexFormat.get_v3c4(), Geom.UH_static)
    vw, cw = GeomVertexWriter(vdata, "vertex"), GeomVertexWriter(vdata, "color")
    tris = GeomTriangles(Geom.UH_static)
    k = 0
    for x, y in points:
        vw.add_data3(x, y, z)
        cw.add_data4(*colour)
        for i in range(8):
            a = i * math.pi / 4
            vw.add_data3(x + radius * math.cos(a), y + radius * math.sin(a), z)
            cw.add_data4(*colour)
        for i in range(8):
            tris.add_vertices(k, k + 1 + i, k + 1 + (i + 1) % 8)
        k += 9
    geom = Geom(vdata)
    geom.add_primitive(tris)
    node = GeomNode(name)
    node.add_geom(geom)
    return node


class Guides:
    """Keeps the breadcrumbs and the revealed item of a
    :class:`~wardtwin.station.tourplay.TourPlayer` drawn under ``render`` and in ``scene``
    (a :class:`~wardtwin.scene.panda.WardScene`); call :meth:`update` each frame."""

    def __init__(self, render, scene):
        self.scene = scene
        self.crumbs = render.attach_new_node("breadcrumbs")
        self.crumbs.set_light_off(1)
        self.crumbs.set_depth_offset(2)
        self._crumbs_of = None
        self.revealed: str | None = None

    def update(self, player) -> None:
        if player.breadcrumbs is not self._crumbs_of:
            self._crumbs_of = player.breadcrumbs
            self.crumbs.node().remove_all_children()
            if player.breadcrumbs:
                self.crumbs.attach_new_node(discs("crumbs", player.breadcrumbs, CRUMB_RADIUS, CRUMB_Z, CRUMB_COLOUR))
        if player.reveal != self.revealed:
            parts = self.scene.geometry.item_parts
            if self.revealed is not None and self.revealed in parts:
                self.scene.highlight(self.revealed, False)
            self.revealed = player.reveal
            if player.reveal is not None and player.reveal in parts:
                self.scene.highlight(player.reveal, True)
