"""Plane angles shared by every stage (radians, counter-clockwise, 0 = north / +y)."""

from __future__ import annotations

import math


def wrap_angle(a: float) -> float:
    """``a`` (rad) wrapped into (-pi, pi]: pi stays pi, -pi becomes pi."""
    w = math.fmod(a + math.pi, 2 * math.pi)
    if w <= 0:
        w += 2 * math.pi
    return w - math.pi


def bearing(dx: float, dy: float) -> float:
    """The heading (rad, counter-clockwise from north) of the direction ``(dx, dy)``."""
    return math.atan2(-dx, dy)
