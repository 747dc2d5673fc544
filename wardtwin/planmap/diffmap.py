"""The change map: the new plan (:func:`~wardtwin.planmap.svg.render_map`) with what changed
drawn over it — moved items as an arrow from the old place to the new, removed items ghosted
at their old place, added items highlighted, changed ones ringed. Pure string building."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from wardtwin.layout.model import Layout
from wardtwin.safetext import xml_text
from wardtwin.versions.diff import Kind, WardDiff, What

if TYPE_CHECKING:
    from wardtwin.layout.plan import Plan
    from wardtwin.planmap.svg import Overlay, ToPx

ADDED = "#1b8a3a"
REMOVED = "#9e9e9e"
MOVED = "#e65100"
CHANGED = "#1565c0"


def _overlay(d: WardDiff) -> Overlay:
    def draw(x: ToPx, y: ToPx) -> list[str]:
        out = ['<g class="changes">', '<defs><marker id="wt-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
               f'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
               f'fill="{MOVED}"/></marker></defs>']
        for c in d.changes:
            if c.kind is Kind.ROOM or c.kind is Kind.WARD:
                continue
            tip = f"<title>{xml_text(c.summary())}</title>"
            cls = f'class="change {c.what.value}" data-id="{xml_text(c.id)}"'
            if c.what is What.MOVED and c.old_at and c.new_at:
                (x0, y0), (x1, y1) = c.old_at, c.new_at
                out.append(f'<g {cls}>{tip}<circle cx="{x(x0):.1f}" cy="{y(y0):.1f}" r="5" fill="none" '
                           f'stroke="{MOVED}" stroke-width="1.5" stroke-dasharray="2 2"/>'
                           f'<line x1="{x(x0):.1f}" y1="{y(y0):.1f}" x2="{x(x1):.1f}" y2="{y(y1):.1f}" '
                           f'stroke="{MOVED}" stroke-width="2.2" marker-end="url(#wt-arrow)"/></g>')
            elif c.what is What.REMOVED and c.old_at:
                px, py = x(c.old_at[0]), y(c.old_at[1])
                out.append(f'<g {cls} opacity="0.75">{tip}<circle cx="{px:.1f}" cy="{py:.1f}" r="6" '
                           f'fill="#ffffff" stroke="{REMOVED}" stroke-width="1.5" stroke-dasharray="3 2"/>'
                           f'<path d="M {px - 4:.1f} {py - 4:.1f} L {px + 4:.1f} {py + 4:.1f} M {px - 4:.1f} '
                           f'{py + 4:.1f} L {px + 4:.1f} {py - 4:.1f}" stroke="{REMOVED}" stroke-width="1.5"/></g>')
            elif c.new_at:
                colour = ADDED if c.what is What.ADDED else CHANGED
                px, py = x(c.new_at[0]), y(c.new_at[1])
                out.append(f'<g {cls}>{tip}<circle cx="{px:.1f}" cy="{py:.1f}" r="8" fill="none" '
                           f'stroke="{colour}" stroke-width="2.5"/></g>')
        out.append("</g>")
        return out

    return draw


def render_diff_map(d: WardDiff, new_layout: Layout, plan: Plan | None = None) -> str:
    """The change map of ``d`` over the new version's plan, as SVG text."""
    from wardtwin.planmap.svg import render_map

    return render_map(new_layout, plan=plan, overlay=_overlay(d))


def write_diff_map(d: WardDiff, new_layout: Layout, out: str | os.PathLike[str], plan: Plan | None = None) -> str:
    """Render the change map and write it (a new path or a regular file, atomically; ``-``:
    standard output). Returns where it went."""
    from wardtwin.exchange.files import check_output_path, is_stdout, write_output

    if not is_stdout(out):
        check_output_path(out)
    return write_output(out, render_diff_map(d, new_layout, plan).encode("utf-8"))
