"""The tunnelling vignette: during artificial motion (smooth walking, smooth turning, a ride)
the periphery of each eye's view is darkened, which reduces vection and so motion sickness;
the centre stays clear. Pure (numpy, no Panda3D).

Strength is 0..1 (the darkening at the very edge of the view): it rises with the linear speed
(m/s) and the yaw rate (rad/s) of the *artificial* motion (the trainee's own head motion is
never vignetted), is 0 when still, and fades out over :attr:`VignetteSettings.fade_out` s
after the motion stops (it rises at once). Snap turns and teleports are instantaneous and do
not vignette.

The mask is radial in each eye's image: 0 inside ``inner`` and 1 beyond ``outer``, with a
smooth step between; radii are fractions of the half-width/half-height of the image (so 1.0
is the middle of an edge), around the point the eye's view axis projects to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point

from wardtwin.errors import UsageError
from wardtwin.station.locomotion import check_ranges


@dataclass(frozen=True)
class VignetteSettings:
    """Per-trainee vignette settings. ``enabled``; ``max_strength`` (0..1) reached at
    ``speed_full`` m/s or ``yaw_rate_full`` rad/s; motion below ``still_speed`` m/s and
    ``still_yaw_rate`` rad/s counts as none; ``inner``/``outer``: mask radii (see the module
    doc); ``fade_out``: s from full strength to 0 once the motion stops."""

    enabled: bool = True
    max_strength: float = 0.85
    speed_full: float = 1.4
    yaw_rate_full: float = math.radians(60.0)
    still_speed: float = 0.02
    still_yaw_rate: float = math.radians(1.0)
    inner: float = 0.55
    outer: float = 1.05
    fade_out: float = 0.25

    def __post_init__(self):
        check_ranges(self, "vignette setting", (
            ("max_strength", 0.0, 1.0), ("speed_full", 0.05, 10.0), ("yaw_rate_full", 0.05, 20.0),
            ("still_speed", 0.0, 1.0), ("still_yaw_rate", 0.0, 1.0), ("inner", 0.0, 2.0), ("outer", 0.01, 3.0),
            ("fade_out", 0.0, 5.0)))
        if self.outer <= self.inner:
            raise UsageError(f"vignette radii inner={self.inner} outer={self.outer}: inner < outer expected")


def target_strength(speed: float, yaw_rate: float, settings: VignetteSettings = VignetteSettings()) -> float:
    """The strength (0..1) that artificial motion at ``speed`` m/s and ``yaw_rate`` rad/s
    (either sign) calls for: 0 when still or disabled, rising linearly with the larger of
    speed / ``speed_full`` and |yaw rate| / ``yaw_rate_full`` up to ``max_strength``."""
    s = settings
    speed, rate = abs(float(speed)), abs(float(yaw_rate))
    if not s.enabled or not (math.isfinite(speed) and math.isfinite(rate)):
        return 0.0
    if speed <= s.still_speed and rate <= s.still_yaw_rate:
        return 0.0
    level = max(speed / s.speed_full, rate / s.yaw_rate_full)
    return min(1.0, level) * s.max_strength


class Vignette:
    """The vignette's strength over time: :meth:`update` once per frame."""

    def __init__(self, settings: VignetteSettings = VignetteSettings()):
        self.settings = settings
        self.strength = 0.0

    def update(self, speed: float, yaw_rate: float, dt: float) -> float:
        """Strength after a frame of ``dt`` s with artificial motion at ``speed`` m/s and
        ``yaw_rate`` rad/s: rises to the target at once, falls by at most
        ``max_strength * dt / fade_out`` per frame, and is exactly 0 when the target is 0 and
        the fade is over."""
        target = target_strength(speed, yaw_rate, self.settings)
        if target >= self.strength:
            self.strength = target
        else:
            f = self.settings.fade_out
            drop = math.inf if f == 0 else self.settings.max_strength * max(dt, 0.0) / f
            self.strength = max(target, self.strength - drop)
        if self.strength < 1e-4:
            self.strength = 0.0
        return self.strength


def smoothstep(e0: float, e1: float, x):
    t = np.clip((np.asarray(x, dtype=float) - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def ring(settings: VignetteSettings = VignetteSettings(), centre: tuple[float, float] = (0.5, 0.5),
         steps: int = 8, segments: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """The vignette as a mesh that covers only the darkened part of the image: an annulus
    around the view axis from the ``inner`` radius (alpha 0) out past the image's corners,
    its alpha the mask's at each of ``steps`` rings between ``inner`` and ``outer`` (linear
    in between) and 1 beyond. Returns (vertices (n, 3): x, y in normalised device
    coordinates (-1..1, y up) and alpha; triangles (m, 3) vertex indices, counter-clockwise).
    ``centre``: where the view axis meets the image, as fractions of its width and height from
    the top left. Drawing it costs only the pixels it darkens."""
    s = settings
    ax, ay = 2 * centre[0] - 1, 1 - 2 * centre[1]
    far = math.hypot(abs(ax) + 1, abs(ay) + 1) * 1.01  # past the farthest corner of the image
    radii = list(np.linspace(s.inner, s.outer, steps + 1))
    if far > s.outer:
        radii.append(far)
    radii = np.array(radii)
    alpha = smoothstep(s.inner, s.outer, radii)
    # the inner edge is a polygon inside its circle, the outer ones are drawn a little wide
    # (1/cos of half a segment) so that no pixel near a ring is left out between two vertices
    grow = np.where(np.arange(len(radii)) == 0, 1.0, 1.0 / math.cos(math.pi / segments))
    th = np.linspace(0.0, 2 * math.pi, segments, endpoint=False)
    r = (radii * grow)[:, None]
    verts = np.stack([ax + r * np.cos(th), ay + r * np.sin(th), np.repeat(alpha[:, None], segments, 1)], axis=-1)
    k = np.arange(len(radii) - 1)[:, None] * segments
    j = np.arange(segments)[None, :]
    a, b = k + j, k + (j + 1) % segments  # this ring, next vertex
    c, d = b + segments, a + segments  # the next ring out
    tris = np.concatenate([np.stack([a, c, b], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)])
    return verts.reshape(-1, 3), tris


def axis_point(fov) -> tuple[float, float]:
    """Where the view axis meets the image of an eye with field of view ``fov``
    (a :class:`~wardtwin.station.vr.pose.Fov`), as fractions from the top left."""
    tl, tr, tu, td = fov.tangents
    return (-tl / (tr - tl), tu / (tu - td))


#: A head this far (m) inside a wall, or outside the ward's rooms, starts the view's fade to
#: black; it is black at :data:`FADE_FULL` m.
FADE_START = 0.05
FADE_FULL = 0.25


def wall_fade(depth: float, start: float = FADE_START, full: float = FADE_FULL) -> float:
    """How dark (0..1) the whole view goes with the head ``depth`` m into a wall (0: clear)."""
    return float(smoothstep(start, full, depth))


class FreeSpace:
    """Where a head may be without being in a wall: the rooms' floor minus the wall solids
    (m, plan). Equipment does not count: a trainee may lean over a bed."""

    def __init__(self, plan):
        rooms = shapely.union_all(list(plan.room_polygons.values()))
        walls = shapely.union_all(list(plan.solids)) if plan.solids else None
        self.area = rooms.difference(walls) if walls is not None else rooms
        shapely.prepare(self.area)

    def depth(self, x: float, y: float) -> float:
        """How far (m) the point (x, y) is from the free space (0 inside it)."""
        if shapely.intersects_xy(self.area, x, y):  # a point covered by (or on the edge of) the area
            return 0.0
        return float(self.area.distance(Point(x, y)))
