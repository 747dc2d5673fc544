"""The planner's 2D map of a ward (SVG). Pure: no display, no Panda3D.

>>> from wardtwin.planmap import write_map
>>> write_map(layout, "plan.svg")
"""

from __future__ import annotations

import os
from pathlib import Path

from wardtwin.exchange.files import write_text_atomic
from wardtwin.planmap.svg import LABEL_MODES, render_map

__all__ = ["LABEL_MODES", "render_map", "write_map"]


def write_map(layout, out: str | os.PathLike, **options) -> Path:
    """Render the layout's plan (see :func:`render_map` for ``options``) and write it to ``out``."""
    return write_text_atomic(out, render_map(layout, **options))
