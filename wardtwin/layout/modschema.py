"""The schema of layout language version 2's modules: module files (``kind: module``), the
``placements`` of a floor plan or a module, and ``module_library`` in ``ward.yaml``.

Written with the same small types as :mod:`wardtwin.layout.schema` (one definition checks a
user's file with line numbers and prints the JSON Schema); :func:`register` adds these keys to
that module's schemas. Expansion itself is :mod:`wardtwin.layout.modules`.
"""

from __future__ import annotations

import re
from typing import Any

from wardtwin.layout import schema as _schema
from wardtwin.layout import vocab
from wardtwin.layout.schema import (
    ID_PATTERN, INVALID, Angle, Bool, Ctx, Enum, Field, Id, Int, Json, Length, ListOf, Obj, Point, Str, Type,
    did_you_mean, located_items,
)
from wardtwin.layout.units import describe
from wardtwin.layout.yamlsafe import LList, LMap, Loc

#: The layout language version that brought modules.
MODULES_VERSION = 2
#: Keys a version-1 file may not use (file kind -> keys).
V2_KEYS: dict[str, tuple[str, ...]] = {"floorplan": ("placements",), "ward": ("module_library",)}

#: One field of an id pattern: ``{id}``, ``{n}``, ``{n:02}``, ``{n:3d}``.
FIELD_RE = re.compile(r"\{\{|\}\}|\{([A-Za-z_]*)(?::([^{}]*))?\}|[{}]")
#: Fields an id pattern may use: the placement's id and its number.
FIELDS = ("id", "n")
_SPEC = re.compile(r"^(0?)([0-9]{0,2})d?$")
_ID_CHARS = re.compile(r"^[A-Za-z0-9._-]*$")


class PatternError(ValueError):
    """An id pattern or text template that cannot be filled; the message says why."""


def pattern_fields(text: str) -> set[str]:
    """The field names a pattern uses (``{"id", "n"}``); raises :class:`PatternError`."""
    used: set[str] = set()
    for m in FIELD_RE.finditer(text):
        tok = m.group(0)
        if tok in ("{{", "}}"):
            continue
        if tok in ("{", "}"):
            raise PatternError(f"a lone {tok!r}; write {tok * 2!r} for the character itself")
        name, spec = m.group(1), m.group(2)
        if name not in FIELDS:
            raise PatternError(f"unknown field {{{name}}}{did_you_mean(name, FIELDS)}; the fields are "
                               + ", ".join(f"{{{f}}}" for f in FIELDS))
        if spec is not None and (name != "n" or not _SPEC.match(spec)):
            raise PatternError(f"format {spec!r} of {{{name}}} is not one wardtwin knows; "
                               "{n:02} (at least two digits, zero-padded) or {n:3} (padded with spaces) expected"
                               if name == "n" else f"{{{name}}} takes no format")
        used.add(name)
    return used


def fill(text: str, values: dict[str, object]) -> str:
    """``text`` with each field replaced by its value (``{n:02}`` of 7 -> ``07``); raises
    :class:`PatternError` for a field that has no value here."""
    def one(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok in ("{{", "}}"):
            return tok[0]
        name, spec = m.group(1), m.group(2)
        value = values.get(name)
        if value is None:
            raise PatternError(f"{{{name}}} has no value here" + (
                "; give the placement an `id`" if name == "id" else "; give the placement an `n`"))
        if name == "n":
            sm = _SPEC.match(spec or "")
            assert sm is not None  # pattern_fields checked the format
            width = int(sm.group(2) or 0)
            return f"{value:{'0' if sm.group(1) else ''}{width}d}"
        return str(value)
    pattern_fields(text)
    return FIELD_RE.sub(one, text)


class Pattern(Str):
    """Text with fields (``Patient room {n}``); ``is_id``: the text is an id once filled."""

    def __init__(self, doc: str = "", max_len: int = 2000, is_id: bool = False):
        super().__init__(doc, max_len, None, "id pattern (letters, digits, '.', '_', '-' and fields such as "
                                                "{id} or {n:02})" if is_id else "text")
        self.is_id = is_id

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if self.is_id and isinstance(value, float):
            ctx.report("wrong-type", loc, f"{label}: the number {value!r} found; an {self.what} expected "
                       "(quote it if it really is an id)")
            return INVALID
        text = super().check(value, ctx, loc, label)
        if text is INVALID:
            return text
        try:
            pattern_fields(text)
        except PatternError as exc:
            ctx.report("bad-id-pattern", loc, f"{label}: {text!r}: {exc}")
            return INVALID
        if self.is_id and not _ID_CHARS.match(FIELD_RE.sub("", text)):
            ctx.report("bad-id-pattern", loc, f"{label}: {text!r} is not a valid {self.what}")
            return INVALID
        return text

    def json(self) -> Json:
        if not self.is_id:
            return super().json()
        chars = r"^([A-Za-z0-9._-]|\{(id|n)(:0?[0-9]{0,2}d?)?\})+$"
        return {"anyOf": [{"type": "string", "pattern": chars, "maxLength": self.max_len},
                          {"type": "integer", "minimum": 0}], "description": self.doc}


class MapOf(Type):
    """A mapping from ids (``key``) to ``value``s; keeps the positions of keys and values."""

    def __init__(self, value: Type, doc: str = "", key: Type | None = None, max_items: int = 10_000):
        self.value, self.doc, self.key, self.max_items = value, doc, key or Id(), max_items

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if not isinstance(value, dict):
            ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; a mapping `{{id: ...}}` expected")
            return INVALID
        if len(value) > self.max_items:
            ctx.report("out-of-range", loc, f"{label}: {len(value)} entries; at most {self.max_items}")
            return INVALID
        out = LMap()
        out.loc = getattr(value, "loc", loc)
        out.key_locs, out.value_locs = {}, {}
        for k, v, kloc, vloc in located_items(value, out.loc):
            key = self.key.check(k, ctx, kloc, f"{label} key")
            if key is INVALID:
                continue
            out[key] = self.value.check(v, ctx, vloc, f"{label} {key}")
            out.key_locs[key], out.value_locs[key] = kloc, vloc
        return out

    def json(self) -> Json:
        return {"type": "object", "description": self.doc, "propertyNames": {"pattern": ID_PATTERN},
                "additionalProperties": self.value.json(), "maxProperties": self.max_items}


class IdList(ListOf):
    """A list of ids that keeps where each was written (for findings about one of them)."""

    def __init__(self, doc: str = ""):
        super().__init__(Id(), doc)

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        out = super().check(value, ctx, loc, label)
        if out is INVALID:
            return out
        kept = LList(out)
        kept.loc = getattr(value, "loc", loc)
        kept.item_locs = [value.at(i) if hasattr(value, "at") else kept.loc for i in range(len(out))]
        return kept


# ---- what a module holds: rooms, doors and items whose ids and names are patterns

def _pid(doc: str) -> Pattern:
    return Pattern(doc, 64, is_id=True)


MODULE_ROOM = Obj("room", [
    Field("id", _pid("room id pattern, e.g. '{id}' or '{id}-ens'"), required=True),
    Field("name", Pattern("room name, e.g. 'Patient room {id}'"), required=True),
    Field("kind", Enum(vocab.ROOM_KINDS, "room kind", "room kind"), required=True),
    Field("number", Pattern("number on the door sign, e.g. '{n}'", max_len=16)),
    Field("polygon", ListOf(Point(), "outline along wall centre lines in the module's own coordinates, m", 3, 1000),
          required=True),
    Field("ceiling_height", Length("ceiling height, overrides the ward's", lo=2.0, hi=10.0)),
], "a room of the module")

MODULE_DOOR = Obj("door", [
    Field("id", _pid("door id pattern, e.g. 'D{id}'"), required=True),
    Field("between", ListOf(_pid("a room of the module, or a room outside it (see `connect`)"),
                            f"two room ids, or a room id and {vocab.OUTSIDE!r}", exact=2), required=True),
    Field("at", Point("centre of the opening, module coordinates, [x, y] in m"), required=True),
    Field("width", Length("clear width", lo=0.0, hi=10.0, lo_open=True), required=True),
    Field("type", Enum(vocab.DOOR_TYPES, "door type", "door type"), default="swing"),
    Field("exit", Bool("true for an evacuation exit"), default=False),
], "a door of the module")

MODULE_ITEM = Obj("item", [
    Field("id", _pid("item id pattern, e.g. 'BED-{id}'"), required=True),
    Field("type", Id("catalog type id"), required=True),
    Field("room", _pid("the room it stands in: a room of the module or one outside it"), required=True),
    Field("at", Point("centre of the footprint, module coordinates, [x, y] in m"), required=True),
    Field("rotation", Angle("turn counter-clockwise in the module; 0: the front faces the module's +y",
                            lo=-360, hi=360), default=0.0),
    Field("mount", Enum(vocab.MOUNTS, "floor, wall or ceiling; default: the type's", "mount")),
    Field("elevation", Length("underside above the floor; default: the type's", lo=0.0, hi=10.0)),
    Field("label", Pattern("what signage calls it", max_len=80)),
    Field("asset_tag", Pattern("asset tag", max_len=64)),
], "an item of the module")

#: Keys a placement's `set` may change, by the kind of object.
SETTABLE: dict[str, tuple[str, ...]] = {
    "room": ("id", "name", "kind", "number", "ceiling_height"),
    "door": ("id", "width", "type", "exit"),
    "item": ("id", "type", "label", "asset_tag", "mount", "elevation"),
}

OVERRIDE = Obj("override", [
    Field("id", Id("a new id for the object (references inside the placement follow)")),
    Field("name", Str("room: another name")),
    Field("kind", Enum(vocab.ROOM_KINDS, "room: another kind", "room kind")),
    Field("number", Str("room: another number", max_len=16)),
    Field("ceiling_height", Length("room: another ceiling height", lo=2.0, hi=10.0)),
    Field("width", Length("door: another clear width", lo=0.0, hi=10.0, lo_open=True)),
    Field("type", Id("door: another door type; item: another catalog type")),
    Field("exit", Bool("door: evacuation exit or not")),
    Field("label", Str("item: another label", max_len=80)),
    Field("asset_tag", Str("item: its asset tag", max_len=64)),
    Field("mount", Enum(vocab.MOUNTS, "item: another mount", "mount")),
    Field("elevation", Length("item: another elevation", lo=0.0, hi=10.0)),
], "what changes for this object in this placement")

REPEAT = Obj("repeat", [
    Field("count", Int("how many copies, the first at `at`", 1, 1000), required=True),
    Field("step", Point("from one copy to the next, [dx, dy] in m"), required=True),
    Field("n_step", Int("how `n` changes from one copy to the next", -1000, 1000), default=1),
    Field("mirror", Enum(("same", "alternate"), "alternate: every second copy is mirrored the other way",
                         "repeat mirror"), default="same"),
], "a row of copies")

PLACEMENT = Obj("placement", [
    Field("module", Id("the module: modules/NAME.yaml in the ward folder, or NAME.yaml in the module library"),
          required=True),
    Field("id", _pid("the placement's id, the module's {id}; may use {n}, e.g. 'BR{n:02}'")),
    Field("n", Int("the placement's number, the module's {n}; default 1", -1_000_000, 1_000_000)),
    Field("at", Point("where the module's point (0, 0) goes, [x, y] in m"), required=True),
    Field("rotation", Angle("turn counter-clockwise about the module's (0, 0), after mirroring",
                            lo=-360, hi=360), default=0.0),
    Field("mirror", Bool("mirror the module east-west (its x -> -x) before turning it"), default=False),
    Field("repeat", REPEAT),
    Field("connect", MapOf(Id("ward room id"), "rooms outside the module its doors and items name -> "
                           "the ward's rooms they are here ({corridor: corridor-south})")),
    Field("set", MapOf(OVERRIDE, "per-object changes, by the object's id in the ward")),
    Field("omit", IdList("ids of objects left out here (a room's doors and items go with it)")),
], "a module placed once, or in a row")


def _header(kind: str) -> list[Field]:
    return [
        Field("kind", Enum([kind], f"file kind: always {kind!r}", "file kind"), required=True),
        Field("version", Enum([MODULES_VERSION], "layout language version (modules need 2)", "version"),
              required=True),
    ]


MODULE = Obj("module", _header("module") + [
    Field("name", Str("what the module is, for people", max_len=200)),
    Field("description", Str("free text")),
    Field("rooms", ListOf(MODULE_ROOM, "rooms, in the module's coordinates"), default=[]),
    Field("doors", ListOf(MODULE_DOOR, "doors"), default=[]),
    Field("items", ListOf(MODULE_ITEM, "equipment"), default=[]),
    Field("placements", ListOf(PLACEMENT, "other modules placed inside this one"), default=[]),
], "modules/NAME.yaml: rooms, doors and items placed as a group by a floor plan's `placements`")


def register(schemas: dict[str, Obj]) -> None:
    """Add version 2's keys to the ward and floor plan schemas, and the module kind."""
    schemas["floorplan"].fields["placements"] = Field(
        "placements", ListOf(PLACEMENT, "modules placed in the ward (version 2)"), default=[])
    schemas["ward"].fields["module_library"] = Field(
        "module_library", Str("a folder of module files shared between wards, relative to the ward folder "
                              "(version 2)", max_len=1000))
    schemas["module"] = MODULE


def version_findings(kind: str, data: LMap, ctx: Ctx) -> None:
    """Report the version-2 keys a version-1 file uses."""
    if data.get("version") != 1:
        return
    from wardtwin.layout.fabricschema import v1_findings

    v1_findings(kind, data, ctx)  # rooms' and doors' version-2 keys, kinds and types
    for key in V2_KEYS.get(kind, ()):
        if key in data.key_locs:  # written in the file (a checked mapping holds every key)
            ctx.report("unknown-key", data.key_locs[key],
                       f"{kind}: key {key!r} needs `version: {MODULES_VERSION}` (this file says version 1; "
                       f"`wardtwin upgrade WARD` rewrites a ward to version {MODULES_VERSION})")


def json_version_rules(kind: str) -> Json:
    """JSON Schema rules that keep version-2 keys out of version-1 files."""
    keys = V2_KEYS.get(kind)
    if not keys:
        return {}
    from wardtwin.layout.fabricschema import json_v1_rules

    nested = json_v1_rules() if kind == "floorplan" else []
    return {"allOf": [{"if": {"properties": {"version": {"const": 1}}},
                       "then": {"properties": {k: False for k in keys}}}, *nested]}


register(_schema.SCHEMAS)

# version 2's building fabric (windows, door leaves, lifts, alcoves, areas) adds its keys to the
# schemas above and to these
from wardtwin.layout import fabricschema as _fabricschema  # noqa: E402,F401

# version 2's rule pack keys in ward.yaml (`rules`, `rule_overrides`) and the pack file kind
from wardtwin.layout import ruleschema as _ruleschema  # noqa: E402,F401

# the ward's finishes and colours in ward.yaml (`finishes`, issue 18)
from wardtwin.layout import finishes as _finishes  # noqa: E402,F401
