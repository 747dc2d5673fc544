"""Version 2's building fabric from checked file data: the extra fields of rooms and doors
(intended area, alcove parent, lift type; hinge, swing, leaves, ratings, bed route) and the
windows of a floor plan. Used by :mod:`wardtwin.layout.load` and :mod:`wardtwin.layout.modules`
so both build the very same objects."""

from __future__ import annotations

from typing import Any, TypedDict

from wardtwin.layout.model import Source, Window
from wardtwin.layout.schema import INVALID


class RoomExtras(TypedDict):
    """The version-2 fields of a :class:`~wardtwin.layout.model.Room` (keyword arguments)."""

    area: float | None
    open_to: str | None
    lift: str | None


class DoorExtras(TypedDict):
    """The version-2 fields of a :class:`~wardtwin.layout.model.Door` (keyword arguments)."""

    hinge: str | None
    swing: str | None
    leaves: tuple[float, float] | None
    fire_rating: int | None
    smoke: bool
    hold_open: bool
    bed_route: bool | None


def _v(m: object, key: str) -> Any:
    v = m.get(key) if isinstance(m, dict) else None
    return None if v is INVALID else v


def room_extras(m: object) -> RoomExtras:
    """``area``, ``open_to``, ``lift`` of a room entry (None where not given or invalid)."""
    area = _v(m, "area")
    return {"area": float(area) if area is not None else None, "open_to": _v(m, "open_to"), "lift": _v(m, "lift")}


def door_extras(m: object) -> DoorExtras:
    """The version-2 keys of a door entry."""
    leaves = _v(m, "leaves")
    if isinstance(leaves, (list, tuple)) and (len(leaves) != 2 or INVALID in leaves):
        leaves = None
    return {"hinge": _v(m, "hinge"), "swing": _v(m, "swing"),
            "leaves": (float(leaves[0]), float(leaves[1])) if leaves else None,
            "fire_rating": _v(m, "fire_rating"), "smoke": bool(_v(m, "smoke")),
            "hold_open": bool(_v(m, "hold_open")), "bed_route": _v(m, "bed_route")}


def window_of(m: object, src: Source) -> Window | None:
    """A window from a checked entry; None when a required value is missing or invalid."""
    if not isinstance(m, dict) or any(_v(m, k) is None for k in ("id", "room", "at", "width")) \
            or INVALID in m["at"]:
        return None
    sill, head = _v(m, "sill"), _v(m, "head")
    return Window(m["id"], m["room"], (float(m["at"][0]), float(m["at"][1])), float(m["width"]),
                  float(sill) if sill is not None else 0.9, float(head) if head is not None else 2.1, src)
