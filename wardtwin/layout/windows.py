"""Windows on exterior walls (layout language version 2): where each window sits on its room's
walls. Pure functions over plain data, used by the checks, the 2D map and the 3D twin alike.

A window is written on its room's exterior wall (``at`` on the wall line, as a door's is) with
a width, a sill and a head height. :func:`place_windows` finds the wall: the room's nearest
wall within half a wall thickness (plus 1 cm) of ``at``; if that wall is shared with another
room the window is on an interior wall, which is a problem, as is a window running past its
wall's end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from wardtwin.layout.geometry import SNAP, Wall
from wardtwin.layout.model import Window


@dataclass(frozen=True)
class WindowOpening:
    """A window's opening: from ``t0`` to ``t1`` metres along ``walls[wall]``, from ``sill``
    to ``head`` metres above the floor."""

    window: str
    wall: int
    t0: float
    t1: float
    sill: float
    head: float


@dataclass(frozen=True)
class WindowProblem:
    """Why a window could not be placed. ``code`` is a finding code."""

    window: str
    code: str
    message: str


def place_windows(windows: Iterable[Window], walls: Sequence[Wall],
                  thickness: float) -> tuple[tuple[WindowOpening, ...], tuple[WindowProblem, ...]]:
    """Each window's opening on an exterior wall of its room, or the problem that stops it."""
    windows = list(windows)
    if not windows:
        return (), ()
    tol = thickness / 2 + 0.01
    by_room: dict[str, list[int]] = {}
    for i, w in enumerate(walls):
        for r in (w.left, w.right):
            if r is not None:
                by_room.setdefault(r, []).append(i)
    openings: list[WindowOpening] = []
    problems: list[WindowProblem] = []
    for win in windows:
        what = f"window {win.id} of room {win.room}"
        candidates = by_room.get(win.room, [])

        def dist(i: int) -> float:
            w = walls[i]
            t, d = w.project(win.at)
            return math.hypot(max(0.0, -t, t - w.length), d)

        near = sorted((i for i in candidates if dist(i) <= tol), key=lambda i: (walls[i].right is not None, dist(i)))
        if not near:
            ext = [i for i in candidates if walls[i].right is None]
            why = (f"at ({win.at[0]:.2f}, {win.at[1]:.2f}) is {min(dist(i) for i in ext):.2f} m from the nearest "
                   f"exterior wall of room {win.room}; at most {tol:.2f} m expected" if ext
                   else f"room {win.room} has no exterior wall")
            problems.append(WindowProblem(win.id, "window-not-exterior",
                                          f"{what}: {why}; a window sits on a wall with the outside behind it"))
            continue
        best = near[0]
        w = walls[best]
        if w.right is not None:
            other = w.right if w.left == win.room else w.left
            problems.append(WindowProblem(win.id, "window-not-exterior",
                                          f"{what}: at ({win.at[0]:.2f}, {win.at[1]:.2f}) is on the wall it shares "
                                          f"with room {other}, an interior wall; a window goes on an exterior wall "
                                          "(one with the outside behind it)"))
            continue
        t, _ = w.project(win.at)
        t0, t1 = t - win.width / 2, t + win.width / 2
        if t0 < thickness / 2 - SNAP or t1 > w.length - thickness / 2 + SNAP:
            past = max(thickness / 2 - t0, t1 - (w.length - thickness / 2))
            problems.append(WindowProblem(win.id, "window-past-wall-end",
                                          f"{what}: the {win.width:.2f} m window centred at ({win.at[0]:.2f}, "
                                          f"{win.at[1]:.2f}) runs {past:.2f} m past the end of its {w.length:.2f} m "
                                          "exterior wall (or into the wall it meets there); move it along the wall "
                                          "or make it narrower"))
            continue
        openings.append(WindowOpening(win.id, best, float(t0), float(t1), float(win.sill), float(win.head)))
    return tuple(openings), tuple(problems)


def clashes(openings: Sequence[WindowOpening], door_spans: Iterable[tuple[str, int, float, float]],
            gap: float = 0.0) -> list[tuple[WindowOpening, str, float]]:
    """``(window, other id, overlap m)`` for each window opening that overlaps a door opening
    (``(door id, wall, t0, t1)``) or an earlier window on the same wall (the first such only)."""
    if not openings:
        return []
    spans: dict[int, list[tuple[str, float, float]]] = {}
    for did, wall, t0, t1 in door_spans:
        spans.setdefault(wall, []).append((did, t0, t1))
    out = []
    for o in openings:
        others = spans.setdefault(o.wall, [])
        hit = next(((oid, min(o.t1, b) - max(o.t0, a)) for oid, a, b in others
                    if min(o.t1, b) - max(o.t0, a) > 1e-3 - gap), None)
        if hit is not None:
            out.append((o, *hit))
        others.append((o.window, o.t0, o.t1))
    return out
