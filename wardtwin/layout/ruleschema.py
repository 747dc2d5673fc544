"""The schema of rule packs (``kind: rules``) and of ``ward.yaml``'s version-2 keys that
choose one: ``rules`` (a shipped pack's name, or a pack file's path relative to the ward
folder) and ``rule_overrides`` (per-rule changes of limit, source or severity).

Written with the small types of :mod:`wardtwin.layout.schema`, so a bad pack gets file:line
findings like any other file: an unknown rule (``unknown-rule``), a limit in the wrong unit or
written without one (``bad-unit``), a missing source (``missing-key``). Loading packs and
choosing a ward's is :mod:`wardtwin.rules.pack`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wardtwin.layout import schema as _schema
from wardtwin.layout import vocab
from wardtwin.layout.schema import (
    INVALID, Ctx, Enum, Field, Id, Json, ListOf, Obj, Str, Type, did_you_mean, located_items,
)
from wardtwin.layout.units import QuantityError, describe, excerpt, parse_quantity
from wardtwin.layout.yamlsafe import LMap, Loc
from wardtwin.rules.registry import BASE, OPTIONAL, RULES, SEVERITIES, STRUCTURED, UNITS, Quantity

#: The rule pack file format's version.
PACK_VERSION = 1


class Limit(Type):
    """A quantity written with its unit (``75 ft``, ``60 s``, ``1.2 m/s``); a ratio is a plain
    number. Returns ``(value in the base unit, text as written)``."""

    def __init__(self, quantity: Quantity, doc: str = ""):
        self.quantity, self.doc = quantity, doc

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        q = self.quantity
        units = UNITS[q]
        if q is Quantity.RATIO:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; a share from 0 to 1 expected "
                           "(0.333 for a third)")
                return INVALID
            return float(value), f"{value:g}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ctx.report("bad-unit", loc, f"{label}: the number {value!r} has no unit; a {q.value} with its unit "
                       f"expected ({', '.join(units)}), e.g. '{value:g} {BASE[q]}'")
            return INVALID
        try:
            number = parse_quantity(value, units, q.value)
        except QuantityError as exc:
            ctx.report(exc.kind, loc, f"{label}: {exc}")
            return INVALID
        if number <= 0:
            ctx.report("out-of-range", loc, f"{label}: {excerpt(value)} found; more than 0 expected")
            return INVALID
        return number, str(value).strip()

    def json(self) -> Json:
        if self.quantity is Quantity.RATIO:
            return {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "description": self.doc}
        units = "|".join(u.replace("/", "/") for u in UNITS[self.quantity])
        return {"type": "string", "pattern": rf"^\s*\d+(\.\d+)?\s*({units})\s*$",
                "description": f"{self.doc} ({', '.join(UNITS[self.quantity])})"}


def _room_kind_entries(value: dict[Any, Any], ctx: Ctx, loc: Loc, label: str) -> Iterator[tuple[str, Any, Loc]]:
    """``(room kind, value, value's location)`` of each entry of a mapping keyed by room kind;
    a key that is not a room kind is reported at its own place and skipped."""
    for kind, item in value.items():
        kloc = value.key_locs.get(kind, loc) if hasattr(value, "key_locs") else loc
        vloc = value.value_locs.get(kind, loc) if hasattr(value, "value_locs") else loc
        if kind not in vocab.ROOM_KINDS:
            ctx.report("unknown-value", kloc, f"{label}: {excerpt(kind)} is not a room kind"
                       f"{did_you_mean(kind, vocab.ROOM_KINDS)}")
            continue
        yield kind, item, vloc


class Requires(Type):
    """``room kind -> [type, [type or type], ...]``: what each room kind must hold."""

    doc = "room kind -> the catalog types it must hold; a list inside the list means any one of them"

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if not isinstance(value, dict):
            ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; a mapping room kind -> types expected")
            return INVALID
        out: dict[str, tuple[tuple[str, ...], ...]] = {}
        for kind, types, vloc in _room_kind_entries(value, ctx, loc, label):
            entries = ListOf(_Alternatives(), "types").check(types, ctx, vloc, f"{label} {kind}")
            if entries is not INVALID:
                out[kind] = tuple(e for e in entries if e is not INVALID)
        return out

    def json(self) -> Json:
        alt = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]}
        return {"type": "object", "description": self.doc, "propertyNames": {"enum": list(vocab.ROOM_KINDS)},
                "additionalProperties": {"type": "array", "items": alt}}


class Kinds(Type):
    """A list of room kinds (``[ensuite, toilet]``)."""

    doc = "the room kinds the rule applies to"

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        kinds = ListOf(Enum(vocab.ROOM_KINDS, "room kind", "room kind"), "room kinds", 1).check(value, ctx, loc, label)
        return INVALID if kinds is INVALID or INVALID in kinds else tuple(kinds)

    def json(self) -> Json:
        return {"type": "array", "description": self.doc, "minItems": 1, "items": {"enum": list(vocab.ROOM_KINDS)}}


class Minimums(Type):
    """``room kind -> area`` (``patient_room: 120 ft2``): a minimum net area per room kind."""

    doc = "room kind -> its minimum net area (m2, ft2)"

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if not isinstance(value, dict):
            ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; a mapping room kind -> area expected")
            return INVALID
        out: dict[str, tuple[float, str]] = {}
        for kind, area, vloc in _room_kind_entries(value, ctx, loc, label):
            got = Limit(Quantity.AREA).check(area, ctx, vloc, f"{label} {kind}")
            if got is not INVALID:
                out[kind] = got
        return out

    def json(self) -> Json:
        return {"type": "object", "description": self.doc, "propertyNames": {"enum": list(vocab.ROOM_KINDS)},
                "additionalProperties": Limit(Quantity.AREA).json()}


#: the type of each structured parameter (registry.STRUCTURED)
_STRUCTURED_TYPES: dict[str, type[Type]] = {"requires": Requires, "kinds": Kinds, "minimums": Minimums}


class _Alternatives(Type):
    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if isinstance(value, list):
            ids = ListOf(Id("type id"), "alternatives", 1).check(value, ctx, loc, label)
            return INVALID if ids is INVALID or INVALID in ids else tuple(ids)
        one = Id("type id").check(value, ctx, loc, label)
        return INVALID if one is INVALID else (one,)


def entry_schema(rule_id: str, override: bool = False) -> Obj:
    """The keys of one rule's entry: ``limit`` (required unless the rule has no number, or in
    an override), ``source`` (required in a pack), ``severity``, the rule's parameters and,
    for a distance rule, ``targets`` (the catalog types it measures to)."""
    r = RULES[rule_id]
    fields: list[Field] = []
    if r.quantity is not Quantity.NONE:
        fields.append(Field("limit", Limit(r.quantity, f"the limit of {rule_id}"), required=not override))
    fields.append(Field("source", Str("the clause the limit comes from (standard, edition, section)", 400),
                        required=not override))
    fields.append(Field("severity", Enum(SEVERITIES, "how a finding of this rule is reported", "severity")))
    for name, q in r.params:
        t = _STRUCTURED_TYPES[name]() if name in STRUCTURED else Limit(q, name)
        fields.append(Field(name, t, required=not override and name not in OPTIONAL))
    if r.targets:
        fields.append(Field("targets", ListOf(Id("catalog type id"), "catalog types it measures to", 1)))
    fields.append(Field("note", Str("why this limit, in words", 1000)))
    return Obj(f"rule {rule_id}", fields, r.summary)


class RuleMap(Type):
    """``rule id -> entry``; an id no rule has is ``unknown-rule``, at the key."""

    def __init__(self, doc: str = "", override: bool = False):
        self.doc, self.override = doc, override

    def check(self, value: Any, ctx: Ctx, loc: Loc, label: str) -> Any:
        if not isinstance(value, dict):
            ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; a mapping rule id -> entry expected")
            return INVALID
        out = LMap()
        out.loc = getattr(value, "loc", loc)
        out.key_locs, out.value_locs = {}, {}
        for k, v, kloc, vloc in located_items(value, out.loc):
            if k not in RULES:
                ctx.report("unknown-rule", kloc, f"{label}: {excerpt(k)} is not a rule wardtwin knows"
                           f"{did_you_mean(k, RULES)}; `wardtwin rules` lists them")
                continue
            out[k] = entry_schema(k, self.override).check(v, ctx, vloc, f"rule {k}")
            out.key_locs[k], out.value_locs[k] = kloc, vloc
        return out

    def json(self) -> Json:
        return {"type": "object", "description": self.doc, "additionalProperties": False,
                "properties": {k: entry_schema(k, self.override).json() for k in RULES}}


PACK = Obj("rules", [
    Field("kind", Enum(["rules"], "file kind: always 'rules'", "file kind"), required=True),
    Field("version", Enum([PACK_VERSION], "rule pack format version", "version"), required=True),
    Field("id", Id("pack id"), required=True),
    Field("name", Str("what the pack is: the standards and editions it follows", 300), required=True),
    Field("description", Str("free text")),
    Field("rules", RuleMap("rule id -> limit, source, severity"), required=True),
], "a rule pack: the standards a ward is checked against")

#: ward.yaml keys of version 2 that choose and adjust the rule pack
WARD_KEYS = ("rules", "rule_overrides")


def register(schemas: dict[str, Obj], v2_keys: dict[str, tuple[str, ...]]) -> None:
    """Add ``rules`` and ``rule_overrides`` to the ward schema (version 2). Packs are not a
    ward file kind: :data:`PACK` checks them (:mod:`wardtwin.rules.pack`)."""
    ward = schemas["ward"]
    ward.fields["rules"] = Field("rules", Str("the rule pack: a shipped pack's name (us, ihfg) or a pack file's "
                                              "path relative to the ward folder (version 2); default us", 1000))
    ward.fields["rule_overrides"] = Field("rule_overrides", RuleMap(
        "per-rule changes of the pack's limit, source or severity (version 2)", override=True))
    v2_keys["ward"] = tuple(dict.fromkeys((*v2_keys.get("ward", ()), *WARD_KEYS)))


def _register() -> None:
    from wardtwin.layout import modschema

    register(_schema.SCHEMAS, modschema.V2_KEYS)


_register()
