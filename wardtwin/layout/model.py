"""The layout as plain, immutable data, each object knowing the file and line it came from.

Values are in the units of the files: metres and degrees. Equality ignores source positions,
so a layout loaded, dumped and loaded again compares equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, cast

if TYPE_CHECKING:
    from wardtwin.layout.finishes import Finishes

Point = tuple[float, float]


@dataclass(frozen=True)
class Source:
    """Where an object was written: file, 1-based line/column, and the position of each key."""

    file: str
    line: int = 0
    column: int = 0
    keys: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)
    #: For an object a module placement made (this Source is then the placement): where the
    #: modules wrote it, outermost first, as ``(what, Source)`` ("written in module bedroom").
    via: tuple[tuple[str, Source], ...] = field(default=(), compare=False, repr=False)

    def at(self, key: str) -> tuple[int, int]:
        """``(line, column)`` of a key's value (the object's own position when absent)."""
        return cast(tuple[int, int], tuple(self.keys.get(key, (self.line, self.column))))

    def note(self, key: str | None = None) -> str:
        """``""``, or for an object a module placement made, where the module wrote it (at
        ``key``'s line when given): `` (written in module bedroom at modules/bedroom.yaml:9:5)``.
        Findings about such an object point at the placement and end with this note."""
        if not self.via:
            return ""
        parts = []
        for i, (what, src) in enumerate(self.via):
            line, col = src.at(key) if key and i == len(self.via) - 1 else (src.line, src.column)
            parts.append(f"{what} at {src.file}:{line}:{col}")
        return f" ({'; '.join(parts)})"


_NOWHERE = Source("<memory>")

#: The ward's defaults where ward.yaml does not say (m); the schema and the loader use these.
WALL_THICKNESS = 0.15
CEILING_HEIGHT = 2.7


def _src() -> Source:
    return field(default=_NOWHERE, compare=False, repr=False)


@dataclass(frozen=True)
class WardInfo:
    id: str
    name: str
    entrance: str | None  # None only when ward.yaml could not be read (the layout then has errors)
    wall_thickness: float = WALL_THICKNESS  # m
    ceiling_height: float = CEILING_HEIGHT  # m
    description: str | None = None
    src: Source = _src()
    #: the ward's colours (``finishes:``; :class:`wardtwin.layout.finishes.Finishes`), None: the default look
    finishes: Finishes | None = None


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    kind: str
    polygon: tuple[Point, ...]  # wall centre lines, m
    number: str | None = None
    ceiling_height: float | None = None  # m; None: the ward's
    src: Source = _src()
    # version 2 (issue 14)
    area: float | None = None  # intended net area, m²; checked against the computed one
    open_to: str | None = None  # an alcove: the room it is open to (no wall along their shared edge)
    lift: str | None = None  # a lift: "bed" or "passenger"


@dataclass(frozen=True)
class Door:
    id: str
    between: tuple[str, str]  # room ids; the second may be "outside"
    at: Point  # centre of the opening, m
    width: float  # clear width, m
    type: str = "swing"
    exit: bool = False
    src: Source = _src()
    # version 2 (issue 14): leaves, ratings, bed passage
    hinge: str | None = None  # "left"/"right", seen from the side the leaf swings away from
    swing: str | None = None  # "in": into between[0]; "out": into between[1]; None: derived
    leaves: tuple[float, float] | None = None  # leaf_and_half: (main leaf, small leaf) widths, m
    fire_rating: int | None = None  # minutes
    smoke: bool = False  # a smoke door
    hold_open: bool = False  # held open (released by the fire alarm)
    bed_route: bool | None = None  # declared; None: derived (see wardtwin.layout.leaves)


@dataclass(frozen=True)
class Window:
    """A window in an exterior wall of ``room`` (version 2): centred at ``at`` on the wall line,
    ``width`` wide, from ``sill`` to ``head`` above the floor (m)."""

    id: str
    room: str
    at: Point
    width: float
    sill: float = 0.9
    head: float = 2.1
    src: Source = _src()


@dataclass(frozen=True)
class Draw:
    shape: str | None = None
    color: str | None = None
    model: str | None = None  # path relative to the catalog's assets folder


@dataclass(frozen=True)
class EquipmentType:
    id: str
    name: str
    category: str
    footprint: tuple[float, float]  # width (local x), depth (local y), m
    height: float  # m
    description: str
    draw: Draw
    mount: str = "floor"
    elevation: float = 0.0  # m, underside above the floor
    safety_critical: bool = False
    assets_dir: Path | None = field(default=None, compare=False, repr=False)
    src: Source = _src()


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    room: str
    at: Point  # centre of the footprint, m
    rotation: float = 0.0  # degrees counter-clockwise; 0: front faces +y
    mount: str | None = None  # None: the type's
    elevation: float | None = None  # m; None: the type's
    label: str | None = None
    asset_tag: str | None = None
    src: Source = _src()


@dataclass(frozen=True)
class Layout:
    """A whole ward as written: ward info, rooms, doors, items and the catalog they use.

    ``catalog`` holds the shipped types and the ward's own (``ward_type_ids``). ``broken_ids``
    names objects left out because their own entries had errors, so that references to them
    are not reported a second time; ``broken_links`` the room pairs such left-out doors
    connect (a room behind one is not reported unreachable as well).
    """

    root: Path = field(compare=False)
    ward: WardInfo
    rooms: tuple[Room, ...]
    doors: tuple[Door, ...]
    items: tuple[Item, ...]
    catalog: Mapping[str, EquipmentType]
    ward_type_ids: tuple[str, ...] = ()
    broken_ids: frozenset[str] = field(default=frozenset(), compare=False)
    broken_links: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    windows: tuple[Window, ...] = ()  # version 2

    @cached_property
    def window_by_id(self) -> dict[str, Window]:
        return {w.id: w for w in self.windows}

    @cached_property
    def room_by_id(self) -> dict[str, Room]:
        return {r.id: r for r in self.rooms}

    @cached_property
    def door_by_id(self) -> dict[str, Door]:
        return {d.id: d for d in self.doors}

    @cached_property
    def item_by_id(self) -> dict[str, Item]:
        return {i.id: i for i in self.items}

    def item_type(self, item: Item) -> EquipmentType | None:
        return self.catalog.get(item.type)

    def mount_of(self, item: Item) -> str:
        """The item's mount, falling back to its type's (``floor`` if the type is unknown)."""
        if item.mount:
            return item.mount
        t = self.catalog.get(item.type)
        return t.mount if t else "floor"

    def elevation_of(self, item: Item) -> float:
        """The item's underside above the floor, m."""
        if item.elevation is not None:
            return item.elevation
        t = self.catalog.get(item.type)
        return t.elevation if t else 0.0

    def ceiling_of(self, room: Room) -> float:
        """The room's ceiling height, m."""
        return room.ceiling_height if room.ceiling_height is not None else self.ward.ceiling_height
