"""The schema of tour files, written with the layout language's schema DSL so that a tour is
checked (every problem with its file:line) and printed as JSON Schema exactly like a layout.

A tour file::

    kind: tour
    version: 1
    id: medsurg-orientation
    name: 4 West orientation
    ward: medsurg-28          # the id of the ward it is for
    mode: guided              # guided | self_directed | mixed
    start: elevator-lobby     # where the trainee starts (default: the ward's entrance)
    comfort: {max_speed: 1.2, turn: snap}
    steps: [...]              # each a mapping with `type:` (see wardtwin.tours.steps)

Values are read in file units (m, s, degrees, m/s, deg/s); :mod:`wardtwin.tours.load`
converts angles to radians.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, cast

from wardtwin.events.kinds import TourMode, values
from wardtwin.layout.schema import (
    ID_PATTERN, INVALID, Angle, Bool, Enum, Field, Id, Int, ListOf, Obj, Quantity, Str, Type, did_you_mean,
)
from wardtwin.layout.units import QuantityError, describe, parse_quantity
from wardtwin.layout.yamlsafe import LList, LMap, Loc

if TYPE_CHECKING:
    from wardtwin.layout.schema import Ctx
    from wardtwin.tours.steps import StepType

#: Versions of the tour language this wardtwin reads.
TOUR_VERSIONS = (1,)
#: Session modes: who drives the movement (see :mod:`wardtwin.tours.engine`).
MODES = values(TourMode)
#: Highest walking speed an autopilot or trainee setting may use (m/s): the comfort default.
MAX_SPEED = 1.4

_XY = re.compile(r"^\s*\(?\s*[-+]?(\d+\.?\d*|\.\d+)\s*[,; ]\s*[-+]?(\d+\.?\d*|\.\d+)\s*\)?\s*$")


class Seconds(Quantity):
    """A duration: a number of seconds or text with s/min/ms."""

    units, base, what = {"s": 1.0, "min": 60.0, "ms": 0.001}, "s", "duration"

    def parse(self, value: object) -> float:
        return parse_quantity(value, self.units, "duration")


class Speed(Quantity):
    units, base, what = {"m/s": 1.0, "km/h": 1 / 3.6}, "m/s", "speed"

    def parse(self, value: object) -> float:
        return parse_quantity(value, self.units, "speed")


class Accel(Quantity):
    units, base, what = {"m/s2": 1.0, "m/s²": 1.0}, "m/s2", "acceleration"

    def parse(self, value: object) -> float:
        return parse_quantity(value, self.units, "acceleration")


class TurnRate(Quantity):
    units, base, what = {"deg/s": 1.0, "°/s": 1.0, "rad/s": 180 / math.pi}, "deg/s", "turn rate"

    def parse(self, value: object) -> float:
        return parse_quantity(value, self.units, "turn rate")


class Share(Quantity):
    """A share from 0 to 1: a number (``0.8``) or a percentage (``80%``)."""

    units, base, what = {"%": 0.01}, "", "share"

    def parse(self, value: object) -> float:
        return parse_quantity(value, self.units, "share")

    def _out_of_range(self, number: float) -> str:
        lo = -math.inf if self.lo is None else self.lo  # (no bound given: none)
        hi = math.inf if self.hi is None else self.hi
        return f"{number:g} found; a share from {lo:g} to {hi:g} expected (e.g. 0.8, or 80%)"

    def json(self) -> dict[str, object]:
        return {**super().json(), "description": f"{self.doc} (a number, or a percentage such as 80%)"}


class Place(Type):
    """A place in the ward: a room, door or item id, or a point ``[x, y]`` / ``"x,y"`` (m).
    Checked here for form only; :mod:`wardtwin.tours.validate` checks that it exists.
    Returns text that :meth:`wardtwin.model.WardModel.place` understands."""

    def __init__(self, doc: str = "") -> None:
        self.doc = doc

    def check(self, value: object, ctx: Ctx, loc: Loc, label: str) -> object:
        if isinstance(value, list) and len(value) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
            return f"{float(value[0]):g},{float(value[1]):g}"
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; a room, door or item id, "
                                          "or a point [x, y] in m expected")
            return INVALID
        text = str(value)
        if _XY.match(text) or re.match(ID_PATTERN, text):
            return text
        ctx.report("wrong-type", loc, f"{label}: {text!r} is not a room, door or item id, nor a point 'x,y'")
        return INVALID

    def json(self) -> dict[str, object]:
        return {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0},
                          {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}],
                "description": self.doc}


class Choices(ListOf):
    """A list of 2-8 distinct answer texts."""

    def __init__(self, doc: str = "") -> None:
        super().__init__(Str("answer", max_len=200), doc, 2, 8, noun="answers")

    def check(self, value: object, ctx: Ctx, loc: Loc, label: str) -> object:
        out = super().check(value, ctx, loc, label)
        if out is INVALID or INVALID in out:
            return INVALID
        seen: dict[object, int] = {}
        for i, v in enumerate(out):
            if v in seen:  # super().check passed: value is a YAML list
                ctx.report("duplicate-id", cast(LList, value).at(i), f"{label}: answer {v!r} is listed twice "
                                                        f"(first as [{seen[v]}])")
                return INVALID
            seen[v] = i
        return out

    def json(self) -> dict[str, object]:
        return {**super().json(), "uniqueItems": True}


#: Fields every step has, whatever its type.
COMMON_FIELDS = [
    Field("id", Id("step id, unique in the tour (default: step-N)")),
    Field("title", Str("short title shown in progress lists and reports", max_len=120)),
]


class StepOf(Type):
    """One tour step: a mapping whose ``type`` selects the schema of the rest (a registry of
    named step types; an unknown type is reported with the list of valid ones)."""

    doc = "a tour step: `type` and the fields of that type"

    def _types(self) -> dict[str, StepType]:
        from wardtwin.tours.steps import STEP_TYPES

        return STEP_TYPES

    def check(self, value: object, ctx: Ctx, loc: Loc, label: str) -> object:
        types = self._types()
        if not isinstance(value, dict):
            ctx.report("wrong-type", loc, f"{label}: {describe(value)} found; a mapping with `type` "
                                          f"({', '.join(types)}) expected")
            return INVALID
        kind = value.get("type")
        if "type" not in value:
            ctx.report("missing-key", getattr(value, "loc", loc), f"{label}: required key 'type' is missing; "
                                                                   f"one of: {', '.join(types)}")
            return INVALID
        if not isinstance(kind, str) or kind not in types:
            ctx.report("unknown-step-type", cast(LMap, value).at("type"),
                       f"{label}: unknown step type {describe(kind)}{did_you_mean(kind, types)}; "
                       f"valid types: {', '.join(types)}")
            return INVALID
        return types[kind].schema.check(value, ctx, loc, f"{label} ({kind})")

    def json(self) -> dict[str, object]:
        return {"oneOf": [t.schema.json() for t in self._types().values()], "description": self.doc}


def step_schema(name: str, fields: list[Field], doc: str) -> Obj:
    """The schema of one step type: ``type`` (always ``name``), the common fields, ``fields``."""
    return Obj(f"{name} step", [Field("type", Enum([name], f"step type: {name!r}", "step type"), required=True)]
               + COMMON_FIELDS + fields, doc)


def StepList() -> ListOf:
    """The steps: at least one, at most 500, each named "step N" in messages."""
    return ListOf(StepOf(), "the tour's steps, in order", 1, 500, noun="steps", item_label=lambda i: f"step {i + 1}")


COMFORT = Obj("comfort", [
    Field("max_speed", Speed(f"walking speed cap (at most {MAX_SPEED} m/s)", lo=0.0, hi=MAX_SPEED, lo_open=True)),
    Field("acceleration", Accel("acceleration and braking limit", lo=0.0, hi=5.0, lo_open=True)),
    Field("turn", Enum(("smooth", "snap"), "continuous turning at `yaw_rate`, or snap turns of `snap_angle`",
                       "turn style")),
    Field("yaw_rate", TurnRate("continuous turn rate limit", lo=0.0, hi=360.0, lo_open=True)),
    Field("snap_angle", Angle("snap turn angle", lo=5.0, hi=180.0)),
    Field("vignette", Bool("tunnelling vignette during motion")),
    Field("stop_pause", Seconds("pause at each stop of a guided ride", lo=0.0, hi=30.0)),
    Field("fms_stop", Int("FMS rating (0-20) at or above which the comfort rule applies", lo=1, hi=20)),
    Field("fms_action", Enum(("end", "pause"), "what the comfort rule does: end the session or pause it",
                             "comfort action")),
], "comfort defaults of the tour (a trainee's own settings may be gentler)")


def _tour_schema() -> Obj:
    return Obj("tour", [
        Field("kind", Enum(["tour"], "file kind: always 'tour'", "file kind"), required=True),
        Field("version", Enum(list(TOUR_VERSIONS), "tour language version", "version"), required=True),
        Field("id", Id("tour id"), required=True),
        Field("name", Str("tour name shown to trainees", max_len=120), required=True),
        Field("ward", Id("id of the ward the tour is for (ward.yaml `id`)"), required=True),
        Field("revision", Str("the planner's revision label of this tour", max_len=40)),
        Field("description", Str("free text", max_len=2000)),
        Field("mode", Enum(MODES, "default session mode", "mode"), default=TourMode.GUIDED.value),
        Field("pass_mark", Share("share of the steps completed to pass the tour, 0 to 1: the mastery score of "
                                 "its cmi5 package (default 0.8)", lo=0.0, hi=1.0)),
        Field("start", Place("where the trainee starts (default: the ward's entrance)")),
        Field("comfort", COMFORT),
        Field("steps", StepList(), required=True),
    ], "a tour: an orientation walkthrough of one ward")


_TOUR: Obj | None = None


def tour_schema() -> Obj:
    """The schema of a tour file (built on first use: step types register first)."""
    global _TOUR
    if _TOUR is None:
        _TOUR = _tour_schema()
    return _TOUR


def tour_json_schema() -> dict[str, object]:
    """A JSON Schema (draft 2020-12) for tour files."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://wardtwin.invalid/schema/tour-v{max(TOUR_VERSIONS)}.json",
        "title": "wardtwin tour file",
        **tour_schema().json(),
    }


__all__ = ["Accel", "COMFORT", "Choices", "Int", "MAX_SPEED", "MODES", "Place", "Seconds", "Speed",
           "StepList", "StepOf", "TOUR_VERSIONS", "TurnRate", "step_schema", "tour_json_schema", "tour_schema"]
