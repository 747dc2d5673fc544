"""The planner's 2D map of a ward (SVG). Pure: no display, no Panda3D.

>>> from wardtwin.planmap import write_map
>>> write_map(layout, "plan.svg")
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from wardtwin.planmap.svg import LABEL_MODES, render_map

__all__ = ["LABEL_MODES", "render_map", "write_map", "write_text_atomic"]


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder, so that a failure
    never leaves a partial file behind. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_map(layout, out: str | os.PathLike, **options) -> Path:
    """Render the layout's plan (see :func:`render_map` for ``options``) and write it to ``out``."""
    return write_text_atomic(out, render_map(layout, **options))
