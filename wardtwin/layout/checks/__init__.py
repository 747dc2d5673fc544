"""Semantic checks of a loaded layout: a registry of named checks, each a function
``(plan) -> iterable of Finding``. :func:`validate` runs them all (or the ones named)."""

from __future__ import annotations

from typing import Callable, Iterable, Protocol, TypeVar

from wardtwin.errors import UnknownNameError
from wardtwin.layout.findings import Finding
from wardtwin.gcpause import gc_paused
from wardtwin.layout.model import Source
from wardtwin.layout.plan import Plan

Check = Callable[[Plan], Iterable[Finding]]
CHECKS: dict[str, Check] = {}
_C = TypeVar("_C", bound=Check)


class Sourced(Protocol):
    """Anything written in a ward's files: a room, door, window, item, type or the ward."""

    @property
    def src(self) -> Source: ...


def register(name: str) -> Callable[[_C], _C]:
    """Decorator: add a check under ``name`` (names are unique)."""

    def deco(fn: _C) -> _C:
        if name in CHECKS:
            raise ValueError(f"check {name!r} registered twice")
        CHECKS[name] = fn
        return fn

    return deco


def finding(obj: Sourced, code: str, message: str, key: str | None = None) -> Finding:
    """A finding pointing at ``obj``'s source (at ``key``'s value when given)."""
    line, col = obj.src.at(key) if key else (obj.src.line, obj.src.column)
    return Finding.make(code, obj.src.file, line, col, message + obj.src.note(key))


@gc_paused
def run_checks(plan: Plan, only: Iterable[str] | None = None, skip: Iterable[str] = ()) -> list[Finding]:
    """Run the named checks (all by default, less ``skip``) in registry order."""
    from wardtwin.layout.checks import assets, doors, equipment, reach, rooms, spaces, swing, text, windows  # noqa: F401,E501 (registers)

    names = list(CHECKS) if only is None else list(only)
    skip = list(skip)
    for n in [*names, *skip]:
        if n not in CHECKS:
            raise UnknownNameError("check", n, CHECKS)
    names = [n for n in names if n not in skip]
    out: list[Finding] = []
    for n in names:
        out.extend(CHECKS[n](plan))
    return out
