"""Planner mode, the pure part: an orbit camera over the ward, and the catalog entry of the
item a click picks (the desktop station turns the mouse into a ray and asks
:func:`wardtwin.model.picking.pick` which item it meets). No Panda3D.

Lengths in metres, angles in radians; plan axes x east, y north, z up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from wardtwin.errors import UnknownNameError

#: Orbit limits: pitch below the horizon (rad) and distance to the target (m).
ORBIT_PITCH = (math.radians(10.0), math.radians(89.0))
ORBIT_DISTANCE = (2.0, 400.0)


@dataclass(frozen=True)
class Orbit:
    """A camera circling ``target`` (x, y, z m) at ``distance`` m, from ``heading`` (rad, the
    yaw the camera faces, counter-clockwise from north) looking down by ``pitch`` rad."""

    target: tuple[float, float, float]
    distance: float
    heading: float = math.radians(30.0)
    pitch: float = math.radians(50.0)

    @property
    def eye(self) -> tuple[float, float, float]:
        c = math.cos(self.pitch) * self.distance
        fx, fy = -math.sin(self.heading), math.cos(self.heading)
        tx, ty, tz = self.target
        return (tx - fx * c, ty - fy * c, tz + math.sin(self.pitch) * self.distance)

    def orbit(self, d_heading: float, d_pitch: float) -> "Orbit":
        """Turned by ``d_heading`` rad (+ counter-clockwise) and tilted down by ``d_pitch`` rad."""
        p = min(ORBIT_PITCH[1], max(ORBIT_PITCH[0], self.pitch + d_pitch))
        h = math.remainder(self.heading + d_heading, 2 * math.pi)  # exact: a still orbit does not drift
        return replace(self, heading=h, pitch=p)

    def zoom(self, factor: float) -> "Orbit":
        """Distance times ``factor`` (< 1 nearer), within :data:`ORBIT_DISTANCE`."""
        d = min(ORBIT_DISTANCE[1], max(ORBIT_DISTANCE[0], self.distance * factor))
        return replace(self, distance=d)

    def pan(self, forward: float, right: float) -> "Orbit":
        """Target moved ``forward``/``right`` m along the ground, relative to the view."""
        fx, fy = -math.sin(self.heading), math.cos(self.heading)
        tx, ty, tz = self.target
        return replace(self, target=(tx + fx * forward + fy * right, ty + fy * forward - fx * right, tz))


def framing(bounds, fov_deg: float = 75.0, aspect: float = 16 / 9) -> Orbit:
    """An orbit that shows the whole ward (``bounds`` ((x0, y0, z0), (x1, y1, z1)) m)."""
    (x0, y0, _z0), (x1, y1, _z1) = bounds
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    span = max(w, h * aspect, h, w / aspect) * 0.6
    dist = span / math.tan(math.radians(fov_deg) / 2) * 1.1
    o = Orbit(((x0 + x1) / 2, (y0 + y1) / 2, 0.0), dist)
    return o.zoom(1.0)


@dataclass(frozen=True)
class CatalogEntry:
    """What a planner (or trainee) is told about an item: its id and asset tag, and its
    catalog type's name, category and description."""

    id: str
    type: str
    name: str
    category: str
    description: str
    asset_tag: str | None
    room: str
    room_name: str
    safety_critical: bool
    label: str | None = None

    def lines(self) -> list[str]:
        """The entry as lines of text for an on-screen panel."""
        out = [self.label or self.name,
               f"{self.category.replace('_', ' ')}{' - safety critical' if self.safety_critical else ''}",
               self.description.strip(),
               f"id {self.id}  |  type {self.type}  |  asset tag {self.asset_tag or '-'}",
               f"in {self.room_name} ({self.room})"]
        return out


def catalog_entry(layout, item_id: str) -> CatalogEntry:
    """The catalog entry of a placed item (UnknownNameError for an unknown id)."""
    it = layout.item_by_id.get(item_id)
    if it is None:
        raise UnknownNameError("item", item_id, layout.item_by_id)
    t = layout.item_type(it)
    room = layout.room_by_id.get(it.room)
    return CatalogEntry(
        id=it.id, type=it.type, name=t.name if t else it.type, category=t.category if t else "unknown",
        description=t.description if t else "", asset_tag=it.asset_tag, room=it.room,
        room_name=room.name if room else it.room, safety_critical=bool(t and t.safety_critical), label=it.label,
    )
