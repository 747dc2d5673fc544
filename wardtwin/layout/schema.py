"""The schema of each file kind, written once and used twice: to check a user's file (every
problem reported with its line) and to print a JSON Schema for editors (``wardtwin schema``).

A schema is a tree of small types (:class:`Obj`, :class:`ListOf`, :class:`Length`, ...). Each
``check`` returns the value converted to base units (metres, degrees), or :data:`INVALID`
after reporting why.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from wardtwin.errors import UnknownNameError
from wardtwin.layout import vocab
from wardtwin.layout.findings import Finding
from wardtwin.layout.model import CEILING_HEIGHT, WALL_THICKNESS
from wardtwin.layout.units import (
    ANGLE_UNITS, LENGTH_UNITS, QuantityError, describe, excerpt, parse_angle, parse_length,
)
from wardtwin.layout.yamlsafe import LList, LMap, Loc

#: A JSON Schema object.
Json = dict[str, Any]


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"

    def __bool__(self) -> bool:
        return False


#: What ``check`` returns for a value it reported as wrong.
INVALID = _Invalid()

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


@dataclass
class Ctx:
    """Where findings go while one file is checked."""

    file: str
    findings: list[Finding] = field(default_factory=list)

    def report(self, code: str, loc: Loc, message: str) -> None:
        self.findings.append(Finding.make(code, self.file, loc[0], loc[1], message))


def did_you_mean(name: object, options: Iterable[object]) -> str:
    """`` (did you mean 'x'?)`` when ``name`` is close to one of ``options``, else ``""``."""
    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Type:
    """A schema node. ``check`` converts or reports; ``json`` gives its JSON Schema."""

    doc = ""

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        raise NotImplementedError

    def json(self) -> Json:
        raise NotImplementedError


class Str(Type):
    def __init__(self, doc: str = "", max_len: int = 2000, pattern: str | None = None, what: str = "text"):
        self.doc, self.max_len, self.what = doc, max_len, what
        self.pattern = re.compile(pattern) if pattern else None

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; {self.what} expected")
            return INVALID
        text = str(value)
        if not text.strip():
            ctx.report("wrong-type", loc, f"{label}: empty text; {self.what} expected")
            return INVALID
        if len(text) > self.max_len:
            ctx.report("out-of-range", loc, f"{label}: {len(text)} characters; at most {self.max_len}")
            return INVALID
        if self.pattern and not self.pattern.fullmatch(text):  # "CC\n" too: `$` would allow a last newline
            ctx.report("wrong-type", loc, f"{label}: {excerpt(text)} is not a valid {self.what}")
            return INVALID
        return text

    def json(self) -> Json:
        d: Json = {"type": "string", "maxLength": self.max_len}
        if self.pattern:
            d["pattern"] = self.pattern.pattern
        # a bare number is read as text (room number 412, name 5), as the checker does
        return {"anyOf": [d, {"type": "number"}], "description": self.doc}


def located_items(value: dict[Any, Any], loc: Loc) -> Iterator[tuple[Any, Any, Loc, Loc]]:
    """``(key, value, key location, value location)`` of each entry of a mapping read by
    :func:`~wardtwin.layout.yamlsafe.read_yaml` (``loc`` where a position is unknown)."""
    key_locs, value_locs = getattr(value, "key_locs", {}), getattr(value, "value_locs", {})
    for k, v in value.items():
        yield k, v, key_locs.get(k, loc), value_locs.get(k, loc)


class Int(Type):
    """A whole number from ``lo`` to ``hi``."""

    def __init__(self, doc: str = "", lo: int | None = None, hi: int | None = None):
        self.doc, self.lo, self.hi = doc, lo, hi

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; a whole number expected")
            return INVALID
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            ctx.report("out-of-range", loc, f"{label}: {value} found; expected {self.lo} to {self.hi}")
            return INVALID
        return value

    def json(self) -> Json:
        d: Json = {"type": "integer", "description": self.doc}
        if self.lo is not None:
            d["minimum"] = self.lo
        if self.hi is not None:
            d["maximum"] = self.hi
        return d


class Id(Str):
    """An identifier: letters, digits, '.', '_', '-'. A bare whole number (room 412) is read as
    text; a fraction (4.5) is refused."""

    def __init__(self, doc: str = ""):
        super().__init__(doc, 64, ID_PATTERN, "id (letters, digits, '.', '_' or '-')")

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if isinstance(value, float):
            ctx.report("wrong-type", loc, f"{label}: the number {value!r} found; an {self.what} expected "
                       "(quote it if it really is an id)")
            return INVALID
        return super().check(value, ctx, loc, label)

    def json(self) -> Json:
        return {"anyOf": [{"type": "string", "pattern": ID_PATTERN}, {"type": "integer", "minimum": 0}],
                "description": self.doc}


class Bool(Type):
    def __init__(self, doc: str = ""):
        self.doc = doc

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if not isinstance(value, bool):
            ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; true or false expected")
            return INVALID
        return value

    def json(self) -> Json:
        return {"type": "boolean", "description": self.doc}


class Quantity(Type):
    """A number in the base unit, or text with a unit. ``lo``/``hi`` bound the base-unit value."""

    units: dict[str, float] = {}
    base = ""
    what = ""

    def __init__(self, doc: str = "", lo: float | None = None, hi: float | None = None, lo_open: bool = False):
        self.doc, self.lo, self.hi, self.lo_open = doc, lo, hi, lo_open

    def parse(self, value: object) -> float:
        raise NotImplementedError

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        try:
            number = self.parse(value)
        except QuantityError as exc:
            ctx.report(exc.kind, loc, f"{label}: {exc}")
            return INVALID
        low_bad = self.lo is not None and (number <= self.lo if self.lo_open else number < self.lo)
        if low_bad or (self.hi is not None and number > self.hi):
            ctx.report("out-of-range", loc, f"{label}: {self._out_of_range(number)}")
            return INVALID
        return number

    def _out_of_range(self, number: float) -> str:
        """What an out-of-range finding says after its label."""
        return f"{number:g} {self.base} found; expected {self._range()}"

    def _range(self) -> str:
        parts = []
        if self.lo is not None:
            parts.append(f"{'more than' if self.lo_open else 'at least'} {self.lo:g} {self.base}")
        if self.hi is not None:
            parts.append(f"at most {self.hi:g} {self.base}")
        return " and ".join(parts)

    def json(self) -> Json:
        num: Json = {"type": "number"}
        if self.lo is not None:
            num["exclusiveMinimum" if self.lo_open else "minimum"] = self.lo
        if self.hi is not None:
            num["maximum"] = self.hi
        units = "|".join(re.escape(u) for u in self.units)
        text = {"type": "string", "pattern": rf"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*({units})\s*$"}
        return {"anyOf": [num, text], "description": f"{self.doc} ({self.base}, or text with a unit: {', '.join(self.units)})"}


class Length(Quantity):
    units, base, what = LENGTH_UNITS, "m", "length"

    def parse(self, value: object) -> float:
        return parse_length(value)


class Angle(Quantity):
    units, base, what = ANGLE_UNITS, "deg", "angle"

    def parse(self, value: object) -> float:
        return parse_angle(value)


class Enum(Type):
    def __init__(self, values: Iterable[object], doc: str = "", what: str = "value"):
        self.values, self.doc, self.what = tuple(values), doc, what

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if value not in self.values or isinstance(value, bool):
            code = "wrong-type" if isinstance(value, (dict, list)) else "unknown-value"
            ctx.report(code, loc, f"{label}: {describe(value)} is not a known {self.what}"
                       f"{did_you_mean(value, self.values)}; one of: {', '.join(map(str, self.values))}")
            return INVALID
        return value

    def json(self) -> Json:
        return {"enum": list(self.values), "description": self.doc}


class Color(Str):
    def __init__(self, doc: str = ""):
        super().__init__(doc, 7, r"^#[0-9A-Fa-f]{6}$", "colour ('#rrggbb')")


class ListOf(Type):
    """A list of ``item``. ``noun`` names the entries in messages ("answers"); ``item_label``
    turns an index into the label of an entry (default ``label[i]``)."""

    def __init__(self, item: Type, doc: str = "", min_items: int = 0, max_items: int = 100_000, exact: int | None = None,
                 noun: str | None = None, item_label: Callable[[int], str] | None = None, over: str = ""):
        self.item, self.doc, self.min_items, self.max_items, self.exact = item, doc, min_items, max_items, exact
        self.noun, self.item_label, self.over = noun, item_label, over
        #: (lo, hi) when this is a pair of plain numbers in a closed range (a point): such a pair
        #: of ints or floats inside it is checked in one step, as the item would check each
        self._pair: tuple[float, float] | None = None
        if (exact == 2 and type(item) in (Length, Angle) and isinstance(item, Quantity) and not item.lo_open
                and item.lo is not None and item.hi is not None):
            self._pair = (item.lo, item.hi)

    def _quick_pair(self, value: Any) -> list[float] | None:
        """``value`` checked in one step when it is a pair of plain numbers inside ``_pair``
        (as the item's check would give it), else None (the full check decides)."""
        if self._pair is not None and type(value) is LList and len(value) == 2:
            a, b = value
            ta, tb = type(a), type(b)
            if (ta is float or ta is int) and (tb is float or tb is int):
                lo, hi = self._pair
                try:
                    fa, fb = float(a), float(b)
                except OverflowError:  # an integer too large: the item reports it
                    return None
                if lo <= fa <= hi and lo <= fb <= hi:  # (never a nan or an infinity)
                    return [fa, fb]
        return None

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if self._pair is not None:
            quick = self._quick_pair(value)
            if quick is not None:
                return quick
        span = f"{self.min_items} to {self.max_items}"
        if not isinstance(value, list):
            wanted = f"a list of {span} {self.noun}" if self.noun else "a list"
            ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; {wanted} expected")
            return INVALID
        n = len(value)
        if self.exact is not None and n != self.exact:
            ctx.report("wrong-type", loc, f"{label}: {n} values found; exactly {self.exact} expected")
            return INVALID
        if n > self.max_items and self.over:
            ctx.report("out-of-range", loc, f"{label}: {n} {self.noun or 'entries'} found; at most {self.max_items:,} "
                       f"expected: {self.over}")
            return INVALID
        if n < self.min_items or n > self.max_items:
            ctx.report("out-of-range", loc, f"{label}: {n} {self.noun or 'entries'} found; expected {span}")
            return INVALID
        name = self.item_label or (lambda i: f"{label}[{i}]")
        located = cast(LList, value)  # read by read_yaml: it knows where each entry was written
        item = self.item
        if isinstance(item, ListOf) and item._pair is not None:  # points: most need no label
            pair = item._quick_pair
            out = []
            for i, v in enumerate(located):
                quick = pair(v)
                out.append(quick if quick is not None else item.check(v, ctx, located.at(i), name(i)))
        else:
            out = [item.check(v, ctx, located.at(i), name(i)) for i, v in enumerate(located)]
        return INVALID if (self.exact is not None and INVALID in out) else out

    def json(self) -> Json:
        d: Json = {"type": "array", "items": self.item.json(), "description": self.doc}
        if self.exact is not None:
            d["minItems"] = d["maxItems"] = self.exact
        else:
            d["minItems"], d["maxItems"] = self.min_items, self.max_items
        return d


#: Plan coordinates are kept within +-100 km of the origin (m).
COORD_LIMIT = 1e5


def Point(doc: str = "") -> ListOf:
    """``[x, y]`` in metres."""
    return ListOf(Length("coordinate", lo=-COORD_LIMIT, hi=COORD_LIMIT), doc or "[x, y], m", exact=2)


@dataclass
class Field:
    key: str
    type: Type
    required: bool = False
    default: object = None


def _comma_hint(value: dict[Any, Any], key: Any, key_locs: dict[Any, Loc]) -> str:
    """For an unknown key with no value written on the line of a text value before it: the
    hint that a comma inside ``{...}`` ended that text (``{text: Hello, welcome}`` reads as
    ``text: Hello`` and a key ``welcome``), and how to quote it; else ""."""
    if value.get(key) is not None or not isinstance(key, str):
        return ""
    keys = list(value)
    at = key_locs.get(key)
    prev = keys[keys.index(key) - 1] if keys.index(key) > 0 else None
    if prev is None or not isinstance(value.get(prev), str) or at is None or key_locs.get(prev) is None:
        return ""
    if key_locs[prev][0] != at[0]:
        return ""
    joined = f"{value[prev]}, {key}".replace('"', '\\"')
    return (f"; if it is the rest of `{prev}`, quote that text: inside {{...}} a comma ends a value "
            f"(write {prev}: \"{excerpt(joined)[1:-1]}\")")


class Obj(Type):
    """A mapping with known keys. ``what`` names its objects in messages ("door D3")."""

    def __init__(self, what: str, fields: list[Field], doc: str = ""):
        self.what, self.fields, self.doc = what, {f.key: f for f in fields}, doc

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if not isinstance(value, dict):
            ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; a mapping with keys "
                       f"{', '.join(self.fields)} expected")
            return INVALID
        if "id" in self.fields and isinstance(value.get("id"), (str, int)) and not isinstance(value.get("id"), bool):
            label = f"{self.what} {value['id']}"
        out = LMap()
        out.loc = getattr(value, "loc", loc)
        out.key_locs = getattr(value, "key_locs", {})
        out.value_locs = getattr(value, "value_locs", {})
        for key in value:
            if key not in self.fields:
                ctx.report("unknown-key", out.key_locs.get(key, out.loc),
                           f"{label}: unknown key {excerpt(key)}{did_you_mean(key, self.fields)}; "
                           f"{self.what} keys are {', '.join(self.fields)}{_comma_hint(value, key, out.key_locs)}")
        for key, f in self.fields.items():
            if key in value:
                out[key] = f.type.check(value[key], ctx, out.value_locs.get(key, out.loc), f"{label} `{key}`")
            elif f.required:
                ctx.report("missing-key", out.loc, f"{label}: required key {key!r} is missing")
                out[key] = INVALID
            else:
                out[key] = f.default
        return out

    def json(self) -> Json:
        return {
            "type": "object",
            "description": self.doc,
            "properties": {k: f.type.json() for k, f in self.fields.items()},
            "required": [k for k, f in self.fields.items() if f.required],
            "additionalProperties": False,
        }


def _header(kind: str) -> list[Field]:
    return [
        Field("kind", Enum([kind], f"file kind: always {kind!r}", "file kind"), required=True),
        Field("version", Enum(list(vocab.VERSIONS), "layout language version", "version"), required=True),
    ]


WARD = Obj("ward", _header("ward") + [
    Field("id", Id("ward id"), required=True),
    Field("name", Str("ward name shown to people"), required=True),
    Field("entrance", Id("id of the room where a person arrives; reachability is checked from it"), required=True),
    Field("wall_thickness", Length("wall thickness", lo=0.05, hi=1.0), default=WALL_THICKNESS),
    Field("ceiling_height", Length("default ceiling height", lo=2.0, hi=10.0), default=CEILING_HEIGHT),
    Field("description", Str("free text")),
], "ward.yaml: the ward's name, entrance and defaults")

ROOM = Obj("room", [
    Field("id", Id("room id, unique in the ward"), required=True),
    Field("name", Str("room name shown on signs and maps"), required=True),
    Field("kind", Enum(vocab.ROOM_KINDS, "room kind", "room kind"), required=True),
    Field("number", Str("number on the door sign", max_len=16)),
    Field("polygon", ListOf(Point(), "outline along wall centre lines, [[x, y], ...] in m", 3, 1000), required=True),
    Field("ceiling_height", Length("ceiling height, overrides the ward's", lo=2.0, hi=10.0)),
])

DOOR = Obj("door", [
    Field("id", Id("door id, unique in the ward"), required=True),
    Field("between", ListOf(Id(), f"two room ids, or a room id and {vocab.OUTSIDE!r}", exact=2), required=True),
    Field("at", Point("centre of the opening on the shared wall, [x, y] in m"), required=True),
    Field("width", Length("clear width", lo=0.0, hi=10.0, lo_open=True), required=True),
    Field("type", Enum(vocab.DOOR_TYPES, "door type", "door type"), default="swing"),
    Field("exit", Bool("true for an evacuation exit"), default=False),
])

#: Most rooms in one floor plan: about what ``wardtwin check`` handles in a minute on one core
#: (measured with ``tools/bench_check_scale.py``; issue 17).
MAX_ROOMS = 30_000

FLOORPLAN = Obj("floorplan", _header("floorplan") + [
    Field("rooms", ListOf(ROOM, "rooms", 1, MAX_ROOMS, noun="rooms",
                          over="more rooms take `wardtwin check` over a minute; split the floor into several wards"),
          required=True),
    Field("doors", ListOf(DOOR, "doors"), default=[]),
], "floorplan.yaml: rooms and doors")

ITEM = Obj("item", [
    Field("id", Id("item id, unique in the ward"), required=True),
    Field("type", Id("catalog type id"), required=True),
    Field("room", Id("id of the room it stands in"), required=True),
    Field("at", Point("centre of the footprint, [x, y] in m"), required=True),
    Field("rotation", Angle("turn counter-clockwise; at 0 the front faces north (+y)", lo=-360, hi=360), default=0.0),
    Field("mount", Enum(vocab.MOUNTS, "floor, wall or ceiling; default: the type's", "mount")),
    Field("elevation", Length("underside above the floor; default: the type's", lo=0.0, hi=10.0)),
    Field("label", Str("what signage calls it", max_len=80)),
    Field("asset_tag", Str("asset tag", max_len=64)),
])

EQUIPMENT = Obj("equipment", _header("equipment") + [
    Field("items", ListOf(ITEM, "placed equipment"), required=True),
], "equipment.yaml: the ward's inventory")

DRAW = Obj("draw", [
    Field("shape", Enum(vocab.SHAPES, "procedural shape", "shape")),
    Field("color", Color("colour '#rrggbb'")),
    Field("model", Str("model file under the assets folder (.glb, .gltf, .bam, .egg)", max_len=255)),
], "how the type is drawn: a procedural shape and colour, or a model")

TYPE = Obj("type", [
    Field("id", Id("type id, referenced by items' `type`"), required=True),
    Field("name", Str("name a trainee learns", max_len=80), required=True),
    Field("category", Enum(vocab.CATEGORIES, "category", "category"), required=True),
    Field("footprint", ListOf(Length("size", lo=0.0, hi=20.0, lo_open=True), "[width, depth] in m", exact=2), required=True),
    Field("height", Length("height", lo=0.0, hi=10.0, lo_open=True), required=True),
    Field("mount", Enum(vocab.MOUNTS, "default mount", "mount"), default="floor"),
    Field("elevation", Length("default underside above the floor", lo=0.0, hi=10.0), default=0.0),
    Field("safety_critical", Bool("a trainee must be able to find it"), default=False),
    Field("description", Str("what a trainee should know about it", max_len=600), required=True),
    Field("draw", DRAW, required=True),
])

CATALOG = Obj("catalog", _header("catalog") + [
    Field("types", ListOf(TYPE, "equipment types", 1), required=True),
], "catalog.yaml: equipment types")

SCHEMAS: dict[str, Obj] = {"ward": WARD, "floorplan": FLOORPLAN, "equipment": EQUIPMENT, "catalog": CATALOG}

# version 2: modules (placements, module_library, module files) are defined in modschema, which
# adds them to SCHEMAS when it has been read (it uses the types above)
from wardtwin.layout import modschema as _modschema  # noqa: E402


def schema_for(kind: str) -> Obj:
    """The schema of a file kind; an unknown kind raises an error listing the valid ones."""
    try:
        return SCHEMAS[kind]
    except KeyError:
        raise UnknownNameError("file kind", kind, SCHEMAS) from None


def json_schema(kind: str) -> Json:
    """A JSON Schema (draft 2020-12) for one file kind."""
    body = schema_for(kind).json()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://wardtwin.invalid/schema/{kind}-v{max(vocab.VERSIONS)}.json",
        "title": f"wardtwin {kind} file ({vocab.FILE_KINDS.get(kind, 'modules/NAME.yaml')})",
        **body,
        **_modschema.json_version_rules(kind),
    }
