"""Where a panel stands in the headset and where the controller's ray meets it. Pure (no
Panda3D). The panel's content is laid out elsewhere (a
:class:`~wardtwin.station.panelui.PanelLayout`: metres on the panel, origin at its centre,
+x right, +y up); here the panel is a ``width`` x ``height`` m rectangle standing in the ward,
level, facing the trainee.

The panel's own frame: origin at its centre, u (= the layout's x) to the right, v (= the
layout's y) up, and the trainee looking along its +y (the panel's front faces -y). Metres,
radians.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from wardtwin.station.vr.pose import Pose

#: Distance of a new panel in front of the eyes, m, and how far below eye level its centre is, m.
DISTANCE = 1.4
DROP = 0.15


@dataclass(frozen=True)
class Placement:
    """Where a panel stands: its centre (m, ward) and heading ``yaw`` (rad; a trainee looking
    along this heading faces it)."""

    centre: tuple[float, float, float]
    yaw: float

    @property
    def pose(self) -> Pose:
        return Pose.from_ypr(self.centre, self.yaw)

    def point(self, u: float, v: float) -> tuple[float, float, float]:
        """The ward point (m) of panel point (u, v) m."""
        return self.pose.transform((u, 0.0, v))


def place(head: Pose, distance: float = DISTANCE, drop: float = DROP) -> Placement:
    """A panel ``distance`` m in front of the ``head`` (ward pose), level, ``drop`` m below
    the eyes, turned to face it."""
    yaw = head.yaw
    x, y, z = head.position
    return Placement((x - math.sin(yaw) * distance, y + math.cos(yaw) * distance, z - drop), yaw)


@dataclass(frozen=True)
class PanelHit:
    """A ray meeting a panel: ``t`` (m along the unit ray), the point (m, ward) and the point
    on the panel (u, v m, the layout's x and y)."""

    t: float
    point: tuple[float, float, float]
    uv: tuple[float, float]


def hit(placement: Placement, width: float, height: float, origin, direction) -> PanelHit | None:
    """Where a ray from ``origin`` along ``direction`` (m, ward) meets a ``width`` x
    ``height`` m panel, from its front only; None when it misses."""
    n = math.sqrt(sum(c * c for c in direction))
    if n == 0:
        return None
    d = tuple(c / n for c in direction)
    inv = placement.pose.inverse()
    o_l = inv.transform(origin)
    d_l = inv.rotate(d)
    if d_l[1] <= 1e-9 or o_l[1] > 0:  # parallel, going away, or behind the panel
        return None
    t = -o_l[1] / d_l[1]
    u, v = o_l[0] + t * d_l[0], o_l[2] + t * d_l[2]
    if abs(u) > width / 2 or abs(v) > height / 2:
        return None
    return PanelHit(t, tuple(o + t * c for o, c in zip(origin, d)), (u, v))
