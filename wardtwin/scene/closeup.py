"""Close-ups of equipment types, each drawn alone (for review: is a crash cart recognisable
without its label?). A type is drawn as a ward draws it (:func:`type_mesh`), in front of a
wall panel when it hangs on a wall and on a floor slab, seen from the front and a little to
the side and above, framed to fill the image.

    from wardtwin.scene.closeup import render_closeups
    pngs = render_closeups(catalog_types, size=256)   # {type id: PNG bytes}
"""

from __future__ import annotations

import math

import numpy as np

from wardtwin.scene.mesh import Mesh, MeshBuilder, hex_rgba

#: The backdrop: a wall (for wall-mounted items) and a floor, in the ward's own finishes.
WALL = (0.90, 0.89, 0.86, 1.0)
FLOOR = hex_rgba("#cfd3cf")
#: The camera looks from this direction (heading from the front, degrees; pitch down, degrees).
HEADING, PITCH = 28.0, 14.0
#: The close-up camera's field of view, degrees.
FOV = 40.0


def type_mesh(t) -> Mesh:
    """The mesh a ward draws for catalog type ``t`` (its model file, else its procedural
    shape), in the type's own frame: footprint centred on the origin, front +y, from z = 0."""
    from wardtwin.scene.models import item_model
    from wardtwin.scene.shapes import SHAPES, build_shape

    if t.draw.model:
        return item_model(t)
    w, d = t.footprint
    shape = t.draw.shape if t.draw.shape in SHAPES else "box"
    colour = hex_rgba(t.draw.color) if t.draw.color else (0.6, 0.6, 0.6, 1.0)
    return build_shape(shape, float(w), float(d), float(t.height), colour)


def backdrop(t, mesh: Mesh) -> Mesh:
    """A floor under the item and, for a wall-mounted type, the wall behind it (at -d/2; behind
    a bed's headwall for a bed)."""
    lo, hi = mesh.bounds()
    span = float(max(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], 0.3)) * 1.6
    b = MeshBuilder()
    d = float(t.footprint[1])
    floor_z = -float(t.elevation) if t.mount == "wall" else 0.0
    from wardtwin.scene.equipment import BEYOND

    behind = BEYOND.get(t.draw.shape, (0.0, 0.0))[1] if not t.draw.model else 0.0
    on_wall = t.mount == "wall" or behind > 0
    back = -d / 2 - behind if on_wall else float(lo[1]) - span
    b.quad((-span, back, floor_z), (span, back, floor_z), (span, span, floor_z), (-span, span, floor_z), FLOOR)
    if on_wall:
        top = floor_z + 3.0
        b.quad((span, back - 0.001, floor_z), (-span, back - 0.001, floor_z), (-span, back - 0.001, top),
               (span, back - 0.001, top), WALL)
        b.quad((-span, back, floor_z), (span, back, floor_z), (span, back, top), (-span, back, top), WALL)
    return b.build()


def camera_for(mesh: Mesh, fov: float) -> tuple[tuple, tuple]:
    """(eye, target) m: the item's bounding box seen from :data:`HEADING`/:data:`PITCH`, far
    enough back that its bounding sphere fills the view (``fov``: degrees)."""
    lo, hi = mesh.bounds()
    centre = (lo + hi) / 2
    radius = float(np.linalg.norm(hi - lo)) / 2
    dist = radius / math.sin(math.radians(fov / 2)) * 1.02
    h, p = math.radians(HEADING), math.radians(PITCH)
    direction = np.array([math.sin(h) * math.cos(p), math.cos(h) * math.cos(p), math.sin(p)])
    eye = centre + direction * dist
    return tuple(map(float, eye)), tuple(map(float, centre))


def render_closeups(types, size: int = 256, *, pipes=None) -> dict[str, bytes]:
    """PNG bytes of each catalog type in ``types`` drawn alone, ``size`` x ``size`` pixels."""
    from wardtwin.scene.offscreen import PIPES, Offscreen

    out: dict[str, bytes] = {}
    with Offscreen((size, size), pipes=pipes or PIPES, fov=FOV) as off:
        for t in types:
            holder = _stage(off, t)
            out[t.id] = off.png_bytes()
            holder.remove_node()
    return out


def closeup_image(t, size: int = 256, *, pipes=None) -> np.ndarray:
    """One type's close-up as an (size, size, 3) uint8 RGB array, top row first."""
    from wardtwin.scene.offscreen import PIPES, Offscreen

    with Offscreen((size, size), pipes=pipes or PIPES, fov=FOV) as off:
        _stage(off, t)
        return off.image()


def _stage(off, t):
    """Put type ``t`` alone before its backdrop in ``off``'s scene, unlit (its colours carry
    their shading), and aim the camera at it; the node holding both."""
    from wardtwin.scene.panda import mesh_node

    mesh = type_mesh(t)
    holder = off.render.attach_new_node(f"closeup/{t.id}")
    holder.attach_new_node(mesh_node("backdrop", backdrop(t, mesh)))
    holder.attach_new_node(mesh_node(t.id, mesh))
    holder.set_light_off(1)
    off.look(*camera_for(mesh, FOV))
    return holder
