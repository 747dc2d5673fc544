"""Pausing Python's cyclic garbage collector while a ward is loaded, derived and compiled, or a
report builds its tables.

Those stages allocate millions of small, long-lived objects (values read from the files, points,
walls, geometries, report rows) and make almost no reference cycles; with the collector running, it scans
them again and again (about a fifth of ``check``'s time on a 10,000-room floor). Reference
counting still frees everything as usual; the collector runs again when the stage ends.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cyclic collector off (as it was after: a pause inside a pause, or
    under a caller that turned the collector off, leaves it off)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def gc_paused(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: run ``fn`` under :func:`paused_gc`."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with paused_gc():
            return fn(*args, **kwargs)

    return wrapper
