"""Findings marked in the 3D twin (live preview): the rooms, doors and items findings point at
(:class:`~wardtwin.layout.watch.Marks`) as one translucent mesh, coloured by the worst
severity — a tinted floor for a room, a slab filling the opening for a door, a slightly
enlarged shell for an item; doors and items also get a pin standing above the ceilings, so a
planner finds them in the dollhouse view (at eye level the ceiling hides it). One mesh, so
one draw call however many are marked. Plain numpy (no Panda3D): the scene shows it with
:meth:`~wardtwin.scene.panda.WardScene.show_marks`.
"""

from __future__ import annotations

import math

import numpy as np

from wardtwin.scene.geometry import DOOR_HEIGHT, WardGeometry
from wardtwin.scene.mesh import Mesh, MeshBuilder, placement_matrix

#: Colour (r, g, b, alpha) of a mark by its worst finding's severity.
COLOURS = {
    "fatal": (0.92, 0.12, 0.10, 0.5),
    "error": (0.92, 0.12, 0.10, 0.5),
    "warning": (1.0, 0.58, 0.08, 0.45),
    "info": (0.20, 0.50, 0.95, 0.4),
}
#: A marked room's floor tint floats this far above the floor, m (no z-fighting).
FLOOR_LIFT = 0.02
#: A marked door's slab is this much thicker than the wall, m.
DOOR_MARGIN = 0.08
#: A marked item's shell is this much larger than the item (scale about its centre).
ITEM_GROW = 1.06
#: Radius of the column that marks a door with no opening in the plan (it could not be placed), m.
POST_RADIUS = 0.18
#: A pin: its shaft's width and its head's size (m); it stands this far above the ceiling, m.
PIN_WIDTH, PIN_HEAD, PIN_ABOVE = 0.12, 0.7, 1.2


def _pin(b: MeshBuilder, x: float, y: float, z0: float, top: float, rgba) -> None:
    """A shaft from ``z0`` up to ``top`` m with a cube on it (opaque enough to see from afar)."""
    strong = (*rgba[:3], min(1.0, rgba[3] + 0.35))
    if top > z0:
        b.cbox(x, y, z0, PIN_WIDTH, PIN_WIDTH, top - z0, strong)
    b.cbox(x, y, top, PIN_HEAD, PIN_HEAD, PIN_HEAD, strong, bottom=True)


def _coloured(mesh: Mesh, rgba) -> Mesh:
    colours = np.empty((len(mesh.positions), 4), np.float32)
    colours[:] = rgba
    return Mesh(mesh.positions, mesh.normals, colours, mesh.triangles)


def marks_mesh(plan, geometry: WardGeometry, marks) -> Mesh:
    """The mesh marking ``marks`` (rooms, doors, items of ``plan``'s layout) in a twin built
    from ``plan`` as ``geometry``. Ids the twin does not have are left out."""
    meshes = []
    pins = MeshBuilder()
    lay = plan.layout
    top = max([lay.ward.ceiling_height, *(r.ceiling_height or 0.0 for r in lay.rooms)]) + PIN_ABOVE
    floors = {p.ref: p.mesh for p in geometry.parts if p.layer == "floor" and p.ref}
    for rid, sev in marks.rooms.items():
        m = floors.get(rid)
        if m is not None and m.n_triangles:
            lifted = Mesh(m.positions + np.float32([0.0, 0.0, FLOOR_LIFT]), m.normals, m.colors, m.triangles)
            meshes.append(_coloured(lifted, COLOURS[sev]))
    if marks.doors:
        t = lay.ward.wall_thickness + DOOR_MARGIN
        placed = set()
        b = MeshBuilder()
        for o in plan.openings:
            sev = marks.doors.get(o.door)
            if sev is None:
                continue
            placed.add(o.door)
            w = plan.walls[o.wall]
            (x0, y0), (x1, y1) = w.point_at(o.t0), w.point_at(o.t1)
            length = math.hypot(x1 - x0, y1 - y0)
            if length <= 0:
                continue
            box = MeshBuilder()
            box.box(0.0, -t / 2, 0.0, length, t / 2, DOOR_HEIGHT, COLOURS[sev], bottom=True)
            heading = math.degrees(math.atan2(y1 - y0, x1 - x0))
            meshes.append(box.build().transformed(placement_matrix(x0, y0, 0.0, heading)))
            _pin(pins, (x0 + x1) / 2, (y0 + y1) / 2, DOOR_HEIGHT, top, COLOURS[sev])
        for did, sev in marks.doors.items():
            door = lay.door_by_id.get(did)
            if door is not None and did not in placed:
                b.cylinder(door.at[0], door.at[1], 0.0, POST_RADIUS, DOOR_HEIGHT, COLOURS[sev])
                _pin(pins, door.at[0], door.at[1], DOOR_HEIGHT, top, COLOURS[sev])
        meshes.append(b.build())
    for iid, sev in marks.items.items():
        part = geometry.item_parts.get(iid)
        if part is None or not part.mesh.n_triangles:
            continue
        lo, hi = part.mesh.bounds()
        centre = (lo + hi) / 2
        grown = Mesh(((part.mesh.positions - centre) * ITEM_GROW + centre).astype(np.float32), part.mesh.normals,
                     part.mesh.colors, part.mesh.triangles)
        meshes.append(_coloured(grown, COLOURS[sev]))
        _pin(pins, float(centre[0]), float(centre[1]), float(hi[2]), max(top, float(hi[2]) + 0.3), COLOURS[sev])
    meshes.append(pins.build())
    return Mesh.concat(meshes)
