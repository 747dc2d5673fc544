"""Drawings over the plan map for the rule packs: a walking-distance field as a heat map
(``wardtwin map --field``) with the limit's contour and the worst point, and every finding
that has a place (``wardtwin map --findings``). Each returns an ``overlay(to_x, to_y)`` for
:func:`wardtwin.planmap.svg.render_map`. Pure string building."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from wardtwin.safetext import xml_text

if TYPE_CHECKING:
    from wardtwin.layout.findings import Finding
    from wardtwin.layout.model import Door, Item, Layout
    from wardtwin.planmap.svg import Overlay, ToPx

#: Colours from near (0) to the limit (1); cells over the limit are :data:`OVER`.
RAMP = ("#1a9850", "#66bd63", "#a6d96a", "#d9ef8b", "#fee08b", "#fdae61", "#f46d43")
OVER = "#b2182b"
CONTOUR = "#4a0010"


class _Grid(Protocol):
    """The cells of a field: the corner (``x0``, ``y0``) and the cell size (m)."""

    @property
    def x0(self) -> float: ...
    @property
    def y0(self) -> float: ...
    @property
    def cell(self) -> float: ...


class DistanceField(Protocol):
    """What :func:`field_overlay` reads of a walking-distance field
    (:class:`wardtwin.rules.distance.Field`): ``values`` (m) per grid cell, the targets' names
    and points (m), and its worst cell ``(distance, (x, y), target index)`` or None."""

    @property
    def kind(self) -> str: ...
    @property
    def grid(self) -> _Grid: ...
    @property
    def values(self) -> np.ndarray: ...
    @property
    def targets(self) -> tuple[str, ...]: ...
    @property
    def points(self) -> tuple[tuple[float, float], ...]: ...
    def worst(self) -> tuple[float, tuple[float, float], int] | None: ...


def field_overlay(field: DistanceField, limit: float, scale: float = 1.0, label: str = "", unit: str = "m") -> Overlay:
    """A heat map of ``field`` (values in m; shown as value / ``scale`` in ``unit``: seconds
    at a walking speed when ``scale`` is that speed), cells coloured by their share of
    ``limit`` (in ``unit``), the contour where the limit is crossed, and the worst point."""
    g = field.grid
    vals = field.values / scale
    finite = np.isfinite(vals)
    share = np.where(finite, vals / limit, -1.0)
    bins = np.where(share > 1.0, len(RAMP), np.minimum((share * len(RAMP)).astype(int), len(RAMP) - 1))
    bins = np.where(finite, bins, -1)
    worst = field.worst()

    def overlay(to_x: ToPx, to_y: ToPx) -> list[str]:
        h = g.cell
        out = [f'<g class="field" data-kind="{xml_text(field.kind)}" opacity="0.55">']
        ny, nx = bins.shape
        for iy in range(ny):
            row = bins[iy]
            ix = 0
            while ix < nx:
                b = row[ix]
                j = ix + 1
                while j < nx and row[j] == b:
                    j += 1
                if b >= 0:
                    x0, x1 = g.x0 + ix * h, g.x0 + j * h
                    y0, y1 = g.y0 + iy * h, g.y0 + (iy + 1) * h
                    colour = OVER if b >= len(RAMP) else RAMP[b]
                    out.append(f'<rect x="{to_x(x0):.1f}" y="{to_y(y1):.1f}" width="{to_x(x1) - to_x(x0):.1f}" '
                               f'height="{to_y(y0) - to_y(y1):.1f}" fill="{colour}"/>')
                ix = j
        out.append("</g>")
        # the limit's contour: cell edges between a cell over the limit and one within it
        over = finite & (vals > limit)
        within = finite & ~over
        segs: list[str] = []
        for a, b, horiz in ((over[:, :-1], within[:, 1:], False), (within[:, :-1], over[:, 1:], False),
                            (over[:-1, :], within[1:, :], True), (within[:-1, :], over[1:, :], True)):
            for iy, ix in zip(*np.nonzero(a & b)):
                if horiz:  # between rows iy and iy+1
                    y = g.y0 + (iy + 1) * h
                    x0, x1 = g.x0 + ix * h, g.x0 + (ix + 1) * h
                    segs.append(f"M{to_x(x0):.1f},{to_y(y):.1f}H{to_x(x1):.1f}")
                else:
                    x = g.x0 + (ix + 1) * h
                    y0, y1 = g.y0 + iy * h, g.y0 + (iy + 1) * h
                    segs.append(f"M{to_x(x):.1f},{to_y(y0):.1f}V{to_y(y1):.1f}")
        if segs:
            out.append(f'<path class="field-limit" d="{"".join(segs)}" fill="none" stroke="{CONTOUR}" '
                       f'stroke-width="1.6" stroke-dasharray="4 2"><title>limit {limit:g} {unit}</title></path>')
        for name, p in zip(field.targets, field.points):
            out.append(f'<circle class="field-target" cx="{to_x(p[0]):.1f}" cy="{to_y(p[1]):.1f}" r="4" '
                       f'fill="#ffffff" stroke="#000000" stroke-width="1.5"><title>{xml_text(name)}</title></circle>')
        if worst is not None:
            d, p, who = worst
            text = f"worst: {d / scale:.0f} {unit}" if unit == "s" else f"worst: {d:.1f} m"
            tip = f"{text} from {field.targets[who]} at ({p[0]:.1f}, {p[1]:.1f}); limit {limit:g} {unit}"
            x, y = to_x(p[0]), to_y(p[1])
            out.append(f'<g class="field-worst"><title>{xml_text(tip)}</title>'
                       f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="none" stroke="#000000" stroke-width="2.2"/>'
                       f'<path d="M{x - 10:.1f},{y:.1f}H{x + 10:.1f}M{x:.1f},{y - 10:.1f}V{y + 10:.1f}" '
                       'stroke="#000000" stroke-width="1.2"/>'
                       f'<text x="{x + 10:.1f}" y="{y - 9:.1f}" font-size="10" font-weight="bold" stroke="#ffffff" '
                       f'stroke-width="2.6" paint-order="stroke">{xml_text(text)}</text></g>')
        if label:
            out.append(f'<text class="field-label" x="{to_x(g.x0):.1f}" y="{to_y(g.y0) + 18:.1f}" font-size="10">'
                       f'{xml_text(label)}</text>')
        return out

    return overlay


_POINT = re.compile(r"the point \((-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?)\)")


def finding_places(layout: Layout, findings: Iterable[Finding]) -> list[tuple[Sequence[float], Finding]]:
    """``(point, finding)`` for each finding that has a place: the point a rule finding names
    ("the point (x, y)"), else the room (its label point), door or item written at the
    finding's file and line. Findings about a whole file have none."""
    from wardtwin.layout.geometry import label_point
    from wardtwin.layout.geometry import room_polygon

    at_line: dict[tuple[str, int], Sequence[float]] = {}
    for r in layout.rooms:
        c = label_point(room_polygon(r)) if len(r.polygon) >= 3 else None
        if c is not None:
            at_line.setdefault((r.src.file, r.src.line), (c.x, c.y))
    placed: list[Door | Item] = [*layout.doors, *layout.items]
    for obj in placed:
        at_line.setdefault((obj.src.file, obj.src.line), tuple(obj.at))
    out: list[tuple[Sequence[float], Finding]] = []
    for f in findings:
        m = _POINT.search(f.message)
        if m:
            out.append(((float(m.group(1)), float(m.group(2))), f))
        elif (f.file, f.line) in at_line:
            out.append((at_line[(f.file, f.line)], f))
    return out


def findings_overlay(places: Sequence[tuple[Sequence[float], Finding]]) -> Overlay:
    """Each placed finding as a numbered marker (red: error, orange: warning, blue: info) with
    its message as a tooltip."""
    colours = {"fatal": "#b2182b", "error": "#b2182b", "warning": "#e08214", "info": "#2166ac"}

    def overlay(to_x: ToPx, to_y: ToPx) -> list[str]:
        out = ['<g class="findings">']
        for n, (p, f) in enumerate(places, 1):
            x, y = to_x(p[0]), to_y(p[1])
            out.append(f'<g class="finding" data-code="{xml_text(f.code)}"><title>{xml_text(f.format())}</title>'
                       f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="{colours[f.severity.value]}" '
                       f'stroke="#ffffff" stroke-width="1.5"/><text x="{x:.1f}" y="{y + 3.5:.1f}" font-size="9" '
                       f'text-anchor="middle" fill="#ffffff" font-weight="bold">{n}</text></g>')
        out.append("</g>")
        return out

    return overlay
