"""The schema of layout language version 2's building fabric (issue 14, points 2-6): windows,
door leaves and ratings, bed routes, lifts, alcoves and intended net areas.

Written with the small types of :mod:`wardtwin.layout.schema` (one definition checks a user's
file with line numbers and prints the JSON Schema); :func:`register` adds the keys to the
floor plan's and the module files' rooms and doors, a ``windows`` list to both, and the keys a
placement's ``set`` may change. Version 1 files may not use them (:func:`v1_findings` says so,
with the hint to run ``wardtwin upgrade``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from wardtwin.layout import modschema as _mod
from wardtwin.layout import schema as _schema
from wardtwin.layout import vocab
from wardtwin.layout.schema import Bool, Ctx, Enum, Field, Id, Int, Length, ListOf, Obj, Point, Quantity, Type
from wardtwin.layout.units import parse_quantity
from wardtwin.layout.yamlsafe import LMap

#: square metres per unit
AREA_UNITS = {"m2": 1.0, "m²": 1.0, "sq m": 1.0, "ft2": 0.09290304, "sq ft": 0.09290304}
#: Default sill and head heights of a window, m.
SILL, HEAD = 0.9, 2.1
#: Longest fire rating, minutes.
MAX_FIRE_RATING = 240


class Area(Quantity):
    units, base, what = AREA_UNITS, "m²", "area"

    def parse(self, value: object) -> float:
        return parse_quantity(value, AREA_UNITS, "area")


class Minutes(Int):
    """Whole minutes (a fire rating: 30, 60, 90, 120)."""


#: Room keys version 2 adds.
ROOM_FIELDS = [
    Field("area", Area("intended net area inside the wall faces; checked against the computed one "
                       "(within 5% or 0.5 m², whichever is more)", lo=0.0, hi=250_000.0, lo_open=True)),
    Field("open_to", Id("alcove: the room it is open to along their shared edge (no wall there)")),
    Field("lift", Enum(vocab.LIFT_TYPES, "lift: what the car carries (bed or passenger)", "lift type")),
]

#: Door keys version 2 adds.
DOOR_FIELDS = [
    Field("hinge", Enum(vocab.HINGE_SIDES, "swing and leaf_and_half doors: the side the (main) leaf is hinged "
                        "on, seen from the side it swings away from", "hinge side")),
    Field("swing", Enum(vocab.SWING_WAYS, "swing, double and leaf_and_half doors: 'in' opens into the first "
                        "room of `between`, 'out' into the second", "swing")),
    Field("leaves", ListOf(Length("leaf width", lo=0.0, hi=5.0, lo_open=True),
                           "leaf_and_half: [main leaf, small leaf] widths in m", exact=2)),
    Field("fire_rating", Minutes("fire resistance, minutes", 0, MAX_FIRE_RATING)),
    Field("smoke", Bool("a smoke door (self-closing, sealed)")),
    Field("hold_open", Bool("held open by a magnet the fire alarm releases")),
    Field("bed_route", Bool("a bed passes through it (true), or not (false); default: derived from the rooms "
                            "(patient and isolation rooms' doors to a corridor, bed lifts' doors)")),
]


def _window(pid: Callable[[str], Type]) -> Obj:
    return Obj("window", [
        Field("id", pid("window id, unique in the ward"), required=True),
        Field("room", pid("the room whose exterior wall holds it"), required=True),
        Field("at", Point("centre of the window on the wall line, [x, y] in m"), required=True),
        Field("width", Length("width of the opening", lo=0.0, hi=30.0, lo_open=True), required=True),
        Field("sill", Length("sill height above the floor", lo=0.0, hi=10.0), default=SILL),
        Field("head", Length("head height above the floor", lo=0.0, hi=10.0, lo_open=True), default=HEAD),
    ], "a window in an exterior wall (version 2)")


WINDOW = _window(Id)
MODULE_WINDOW = _window(_mod._pid)

#: Keys a placement's ``set`` may change that version 2's fabric adds, by kind of object.
SETTABLE = {
    "room": ("area", "lift"),
    "door": ("hinge", "swing", "leaves", "fire_rating", "smoke", "hold_open", "bed_route"),
    "window": ("id", "width", "sill", "head"),
}
OVERRIDE_FIELDS = [
    Field("area", ROOM_FIELDS[0].type), Field("lift", ROOM_FIELDS[2].type),
    *DOOR_FIELDS,
    Field("sill", Length("window: another sill height", lo=0.0, hi=10.0)),
    Field("head", Length("window: another head height", lo=0.0, hi=10.0, lo_open=True)),
]

#: Keys of rooms and doors a version-1 file may not use.
V2_ROOM_KEYS = tuple(f.key for f in ROOM_FIELDS)
V2_DOOR_KEYS = tuple(f.key for f in DOOR_FIELDS)


def register(schemas: dict[str, Obj]) -> None:
    """Add the keys to the floor plan, module and placement schemas."""
    for obj, fields in ((_schema.ROOM, ROOM_FIELDS), (_mod.MODULE_ROOM, ROOM_FIELDS),
                        (_schema.DOOR, DOOR_FIELDS), (_mod.MODULE_DOOR, DOOR_FIELDS), (_mod.OVERRIDE, OVERRIDE_FIELDS)):
        for f in fields:
            obj.fields.setdefault(f.key, f)
    if _mod.MODULE_ROOM.fields["open_to"].type.__class__ is Id:  # in a module: a pattern ({id})
        _mod.MODULE_ROOM.fields["open_to"] = Field("open_to", _mod._pid("alcove: the room it is open to"))
    schemas["floorplan"].fields.setdefault("windows", Field("windows", ListOf(WINDOW, "windows (version 2)"),
                                                            default=[]))
    _mod.MODULE.fields.setdefault("windows", Field("windows", ListOf(MODULE_WINDOW, "windows"), default=[]))
    for kind, keys in SETTABLE.items():
        _mod.SETTABLE[kind] = tuple(dict.fromkeys((*_mod.SETTABLE.get(kind, ()), *keys)))
    if "windows" not in _mod.V2_KEYS["floorplan"]:
        _mod.V2_KEYS["floorplan"] = (*_mod.V2_KEYS["floorplan"], "windows")


def v1_findings(kind: str, data: LMap, ctx: Ctx) -> None:
    """Report the version-2 room and door keys, room kinds and door types a version-1 floor
    plan uses (the hint: ``wardtwin upgrade``)."""
    if kind != "floorplan" or data.get("version") != 1:
        return
    hint = (f"needs `version: {_mod.MODULES_VERSION}` (this file says version 1; `wardtwin upgrade WARD` rewrites "
            f"a ward to version {_mod.MODULES_VERSION})")
    for key, what, keys, values in (("rooms", "room", V2_ROOM_KEYS, ("kind", vocab.V2_ROOM_KINDS)),
                                    ("doors", "door", V2_DOOR_KEYS, ("type", vocab.V2_DOOR_TYPES))):
        entries = data.get(key)
        for e in entries if isinstance(entries, list) else ():
            if not isinstance(e, dict):
                continue
            label = f"{what} {e.get('id')}"
            located = cast(LMap, e)  # (read by read_yaml)
            for k in keys:
                if k in getattr(e, "key_locs", {}):
                    ctx.report("unknown-key", located.key_locs[k], f"{label}: key {k!r} {hint}")
            vkey, new = values
            if e.get(vkey) in new:
                ctx.report("unknown-value", located.value_locs.get(vkey, located.loc),
                           f"{label}: {vkey} {e.get(vkey)!r} {hint}")


def json_v1_rules() -> list[dict[str, Any]]:
    """JSON Schema rules that keep version-2 room and door keys out of version-1 floor plans."""
    return [{"if": {"properties": {"version": {"const": 1}}},
             "then": {"properties": {
                 "rooms": {"items": {"properties": {**{k: False for k in V2_ROOM_KEYS},
                                                    "kind": {"not": {"enum": list(vocab.V2_ROOM_KINDS)}}}}},
                 "doors": {"items": {"properties": {**{k: False for k in V2_DOOR_KEYS},
                                                    "type": {"not": {"enum": list(vocab.V2_DOOR_TYPES)}}}}},
             }}}]


register(_schema.SCHEMAS)
