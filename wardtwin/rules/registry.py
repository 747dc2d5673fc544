"""Every rule a pack may set: its id, the kind of quantity its limit is, the finding code it
reports, and the extra parameters it takes. A pack entry for an id not listed here is an
``unknown-rule`` finding. Pure data: imported by the layout schema, so nothing heavy here."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Quantity(enum.Enum):
    """What a limit measures, and so which units it may be written in."""

    LENGTH = "length"
    TIME = "time"
    SPEED = "speed"
    RATIO = "ratio"
    AREA = "area"
    NONE = "none"  # the rule has no number (e.g. an isolation room opens through an anteroom)


#: base unit per unit, for each quantity (the base units: m, s, m/s, a plain number)
UNITS: dict[Quantity, dict[str, float]] = {
    Quantity.LENGTH: {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254, "ft": 0.3048},
    Quantity.TIME: {"s": 1.0, "min": 60.0},
    Quantity.SPEED: {"m/s": 1.0, "ft/s": 0.3048, "km/h": 1 / 3.6},
    Quantity.RATIO: {"": 1.0},
    Quantity.AREA: {"m2": 1.0, "m²": 1.0, "ft2": 0.09290304, "ft²": 0.09290304},
}
BASE = {Quantity.LENGTH: "m", Quantity.TIME: "s", Quantity.SPEED: "m/s", Quantity.RATIO: "", Quantity.AREA: "m²"}


class Family(enum.Enum):
    """Where a rule is evaluated: on the layout's plan (``check_ward`` runs it too), or on the
    compiled model (``wardtwin check`` once the layout has no errors)."""

    PLAN = "plan"
    MODEL = "model"


@dataclass(frozen=True)
class RuleDef:
    id: str
    quantity: Quantity
    code: str  # the finding code it reports (wardtwin.layout.findings.CODES)
    family: Family
    summary: str
    #: extra keys of a pack entry: name -> quantity (``Quantity.NONE``: a structured value, see
    #: :data:`STRUCTURED`)
    params: tuple[tuple[str, Quantity], ...] = ()
    #: the catalog types it measures to (a pack may give others with ``targets``)
    targets: tuple[str, ...] = ()


L, T, S, R, N = Quantity.LENGTH, Quantity.TIME, Quantity.SPEED, Quantity.RATIO, Quantity.NONE
#: The structured parameters (``Quantity.NONE``), each optional in a pack entry: ``requires``
#: (room kind -> catalog types), ``kinds`` (room kinds), ``minimums`` (room kind -> area).
STRUCTURED = ("requires", "kinds", "minimums")
#: Parameters a pack entry may leave out (the structured ones, and these).
OPTIONAL = (*STRUCTURED, "route")
P, M = Family.PLAN, Family.MODEL

RULES: dict[str, RuleDef] = {r.id: r for r in (
    RuleDef("door-clear-width", L, "door-too-narrow", P, "every door's clear width"),
    RuleDef("bed-door-clear-width", L, "bed-door-narrow", P,
            "clear width of doors a bed passes (between bed rooms and corridors)"),
    RuleDef("corridor-clear-width", L, "corridor-narrow", P, "corridor clear width between walls, and past the floor items in it"),
    RuleDef("extinguisher-distance", L, "extinguisher-too-far", M,
            "walking distance from any point of the ward to the nearest fire extinguisher",
            targets=("fire_extinguisher",)),
    RuleDef("exit-distance", L, "exit-too-far", M, "walking distance from any point of the ward to the nearest exit"),
    RuleDef("exits-remote", R, "exits-not-remote", M,
            "two exits at least this share of the ward's overall diagonal apart (straight line)"),
    RuleDef("alarm-box-at-exit", L, "alarm-box-not-at-exit", M,
            "a manual fire alarm box within this distance of each exit door",
            targets=("fire_alarm_pull_station",)),
    RuleDef("alarm-box-distance", L, "alarm-box-too-far", M,
            "walking distance from any point of the ward to the nearest manual fire alarm box",
            targets=("fire_alarm_pull_station",)),
    RuleDef("crash-cart-time", T, "crash-cart-too-far", M,
            "walking time from every bed to the nearest crash cart, at the pack's walking speed",
            params=(("speed", S),), targets=("crash_cart",)),
    RuleDef("aed-time", T, "aed-too-far", M,
            "walking time from every bed to the nearest AED, at the pack's walking speed",
            params=(("speed", S),), targets=("aed",)),
    RuleDef("hand-rub-at-entry", L, "hand-rub-not-at-entry", M,
            "a hand-rub dispenser within this distance of every patient-room entry door",
            targets=("hand_hygiene_dispenser",)),
    RuleDef("room-equipment", N, "room-equipment-missing", M,
            "the equipment each room kind must hold (`requires`: room kind -> types)",
            params=(("requires", N),)),
    RuleDef("isolation-anteroom", N, "isolation-without-anteroom", M,
            "an isolation room opens through an anteroom, not straight onto a corridor"),
    RuleDef("dead-end-corridor", L, "dead-end-too-long", M,
            "length of a dead-end corridor: walked from its far end to where two ways out divide"),
    RuleDef("bed-clearance", L, "bed-clearance-short", M,
            "clear floor between each bed's sides and foot and the walls facing them"),
    RuleDef("turning-space", L, "no-turning-space", M,
            "a turning circle of this diameter fits on the free floor of each room of the listed `kinds`",
            params=(("kinds", N),)),
    RuleDef("room-net-area", N, "room-too-small", M,
            "net floor area (inside the wall faces) of each room kind at least its `minimums` entry",
            params=(("minimums", N),)),
    RuleDef("room-cut-off", N, "room-cut-off", M,
            "floor equipment leaves no part of a room's floor cut off from the rest of the room"),
    RuleDef("equipment-access", L, "equipment-access-blocked", M,
            "clear floor this deep (and `width` wide) in front of each emergency item, free of floor items and "
            "reached by a way at least `route` wide",
            params=(("width", L), ("route", L)),
            targets=("crash_cart", "aed", "fire_extinguisher", "fire_alarm_pull_station", "eyewash_station",
                     "medical_gas_zone_valve_box")),
)}

#: Severities a pack may give a rule.
SEVERITIES = ("error", "warning", "info")

#: Field kinds a distance rule measures to, for ``wardtwin map --field``: name -> rule id.
FIELD_KINDS = {
    "extinguisher": "extinguisher-distance",
    "exit": "exit-distance",
    "alarm-box": "alarm-box-distance",
    "crash-cart": "crash-cart-time",
    "aed": "aed-time",
}
