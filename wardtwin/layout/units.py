"""Quantities with units, as planners write them: ``2.4``, ``"2.4 m"``, ``"32 in"``, ``"90 deg"``.

Lengths come out in metres, angles in degrees (the units of the files).
"""

from __future__ import annotations

import math
import re

#: metres per unit
LENGTH_UNITS = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254, "ft": 0.3048}
#: degrees per unit
ANGLE_UNITS = {"deg": 1.0, "°": 1.0, "rad": 180.0 / math.pi}

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\d\s].*?)?\s*$")


class QuantityError(ValueError):
    """``kind`` is ``"wrong-type"`` (not a quantity at all) or ``"bad-unit"``."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def parse_quantity(value: object, units: dict[str, float], what: str) -> float:
    """A number (already in the base unit) or ``"<number> <unit>"`` -> float in the base unit."""
    if isinstance(value, bool):
        raise QuantityError("wrong-type", f"{value!r} is a yes/no value, not a {what}")
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            raise QuantityError("wrong-type", f"{str(value)[:20]}... is too large to be a {what}") from None
    elif isinstance(value, str):
        m = _QUANTITY.match(value)
        if not m:
            raise QuantityError("wrong-type", f"{value!r} is not a {what}")
        number, unit = float(m.group(1)), m.group(2)
        if unit is not None:
            if unit not in units:
                raise QuantityError(
                    "bad-unit", f"{value!r} has unit {unit!r}; a {what} takes {', '.join(units)}"
                )
            number *= units[unit]
    else:
        raise QuantityError("wrong-type", f"{describe(value)} is not a {what}")
    if not math.isfinite(number):
        raise QuantityError("wrong-type", f"{value!r} is not a finite {what}")
    return number


def parse_length(value: object) -> float:
    """A length in metres."""
    return parse_quantity(value, LENGTH_UNITS, "length")


def parse_angle(value: object) -> float:
    """An angle in degrees."""
    return parse_quantity(value, ANGLE_UNITS, "angle")


#: Longest piece of a user's value quoted in a message, characters.
EXCERPT_CHARS = 60


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``repr(value)`` (control characters escaped), cut to about ``limit`` characters: a
    message never echoes more of a file than that (``'root:x:0:0...' (1,234 characters)``)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


def describe(value: object) -> str:
    """A value found in a file, in words ("a mapping", "a list") or as a short excerpt."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "an empty value"
    return excerpt(value)



