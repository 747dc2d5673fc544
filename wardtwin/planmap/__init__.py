"""The planner's 2D map of a ward (SVG). Pure: no display, no Panda3D.

>>> from wardtwin.planmap import write_map
>>> write_map(layout, "plan.svg")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from wardtwin.exchange.files import STDOUT, check_output_path, is_stdout, write_output
from wardtwin.layout.model import Layout
from wardtwin.planmap.svg import LABEL_MODES, render_map

__all__ = ["LABEL_MODES", "STDOUT", "render_map", "write_map"]


def write_map(layout: Layout, out: str | os.PathLike[str], **options: Any) -> Path:
    """Render the layout's plan (see :func:`render_map` for ``options``) and write it to ``out``
    (a new path or a regular file, written atomically; ``-``: standard output). Returns ``out``."""
    if not is_stdout(out):
        check_output_path(out)  # before rendering: a refused path costs nothing
    return Path(write_output(out, render_map(layout, **options).encode("utf-8")))
