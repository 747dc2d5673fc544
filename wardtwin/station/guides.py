"""What a tour shows in the ward itself, for any station: breadcrumbs on the floor along a
hinted route, and the item lit up once the answer is revealed. Imports Panda3D."""

from __future__ import annotations

import numpy as np
from panda3d.core import GeomNode

from wardtwin.scene.mesh import Mesh
from wardtwin.scene.panda import mesh_node

CRUMB_COLOUR = (1.0, 0.78, 0.10, 1.0)
#: Breadcrumb radius and height above the floor, m.
CRUMB_RADIUS = 0.10
CRUMB_Z = 0.02


def discs(name: str, points, radius: float, z: float, colour) -> GeomNode:
    """Flat octagons of ``radius`` m at height ``z`` m over plan points (m), in one Geom."""
    a = np.arange(8) * np.pi / 4
    disc = np.vstack([(0.0, 0.0), radius * np.column_stack([np.cos(a), np.sin(a)])])  # its centre, then 8 corners
    xy = (np.asarray(points, dtype=float).reshape(-1, 1, 2) + disc).reshape(-1, 2)
    n, k = len(xy), np.arange(8)
    fan = np.column_stack([np.zeros(8), k + 1, (k + 1) % 8 + 1])
    tris = (fan + 9 * np.arange(n // 9)[:, None, None]).reshape(-1, 3).astype(np.uint32)
    mesh = Mesh(np.column_stack([xy, np.full(n, z)]).astype(np.float32), np.tile(np.float32((0, 0, 1)), (n, 1)),
                np.tile(np.float32(colour), (n, 1)), tris)
    return mesh_node(name, mesh, lit=True)


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
