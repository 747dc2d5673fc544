"""Comparing two versions of a ward end to end: load both (a folder, a shipped ward or
``git:REV:path``), refuse two different wards, diff them, measure the walks of moved items.

Large wards are loaded and measured two at a time: the old version in one worker process
(forked, where the platform forks and more than one CPU is there), the new one here. The
result is the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path

from wardtwin import forked
from wardtwin.layout import vocab
from wardtwin.layout.model import Layout, Point
from wardtwin.versions.diff import THRESHOLD_M, Kind, WardDiff, What, diff_layouts
from wardtwin.versions.gitsource import is_git_spec
from wardtwin.versions.load import LoadedWard, load_version, same_ward
from wardtwin.versions.walks import Walk

#: Ward files (bytes, both versions together) from which the two versions load in parallel.
PARALLEL_BYTES = 256 * 1024

_WORKER_LAYOUTS: dict[str, Layout | None] = {}  # in the worker process only: the layout it loaded, for its walks


@dataclass(frozen=True)
class Comparison:
    """Both versions as loaded, and their diff (None when a version is unusable)."""

    old: LoadedWard
    new: LoadedWard
    diff: WardDiff | None


def _size(spec: str) -> int:
    if is_git_spec(spec):
        return PARALLEL_BYTES  # unknown before reading: assume large
    from wardtwin.errors import UsageError
    from wardtwin.layout.load import resolve_ward

    try:
        root = resolve_ward(spec)
    except UsageError:
        return 0
    total = 0
    for name in vocab.FILE_KINDS.values():
        try:
            st = os.stat(Path(root) / name)
        except OSError:
            continue
        total += st.st_size
    return total


def _worker_load(spec: str, tmp_root: str | os.PathLike[str] | None) -> LoadedWard:
    loaded = load_version(spec, tmp_root)
    _WORKER_LAYOUTS.clear()
    _WORKER_LAYOUTS[spec] = loaded.layout
    return loaded


def _idle_core() -> bool:
    """Whether a second core is free now (a worker on a busy machine only adds its start-up and
    the copying of a layout back: measured 2.75 s against 1.87 s serial on a loaded 2-core one)."""
    cores = forked.cores()
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - no load average on this system
        return False
    return cores > 1 and load <= cores - 1


def _worker_walks(spec: str, points: Mapping[str, tuple[str, Point]]) -> dict[str, Walk]:
    """The walks of ``points`` in the layout this worker loaded (:func:`_worker_load`)."""
    from wardtwin.versions.walks import measure

    layout = _WORKER_LAYOUTS[spec]
    if layout is None:  # compare() measures walks only between usable versions
        raise ValueError(f"{spec}: no layout loaded in this worker")
    return measure(layout, points)


def compare(old_spec: str, new_spec: str, *, threshold: float = THRESHOLD_M, force: bool = False,
            walks: bool = True, tmp_root: str | os.PathLike[str] | None = None,
            parallel: bool | None = None) -> Comparison:
    """Load, check they are one ward (:func:`~wardtwin.versions.load.same_ward`, a UsageError
    unless ``force``), diff, and measure the walks of moved items (``walks``). ``parallel``:
    None decides by size (:data:`PARALLEL_BYTES`) and whether a core is free now."""
    if parallel is None:
        parallel = forked.can_fork() and _idle_core() and _size(old_spec) + _size(new_spec) >= PARALLEL_BYTES
    pool = multiprocessing.get_context("fork").Pool(1) if parallel else None
    try:
        if pool is not None:
            pending = pool.apply_async(_worker_load, (old_spec, tmp_root))
            new = load_version(new_spec, tmp_root)
            old = pending.get()
        else:
            old, new = load_version(old_spec, tmp_root), load_version(new_spec, tmp_root)
        if not (old.usable and new.usable) or old.layout is None or new.layout is None:
            return Comparison(old, new, None)
        same_ward(old, new, force)
        d = diff_layouts(old.layout, new.layout, threshold=threshold, old_version=old.version,
                         new_version=new.version)
        if walks:
            d = _walked(d, old.layout, new.layout, old.spec, pool)
        return Comparison(old, new, d)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _walked(d: WardDiff, old: Layout, new: Layout, old_spec: str, pool: Pool | None) -> WardDiff:
    """``d`` with the walks of its moved items measured in both versions (the old one in
    ``pool``'s worker, which loaded ``old_spec``, when there is a pool)."""
    from dataclasses import replace

    from wardtwin.versions.walks import measure

    moved = [c for c in d.changes if c.kind is Kind.ITEM and c.what is What.MOVED]
    if not moved:
        return d
    # a moved item has its room and position in both versions
    old_points = {c.id: (c.old_room, c.old_at) for c in moved if c.old_room is not None and c.old_at is not None}
    new_points = {c.id: (c.room, c.new_at) for c in moved if c.room is not None and c.new_at is not None}
    if pool is not None:
        pending = pool.apply_async(_worker_walks, (old_spec, old_points))
        nw = measure(new, new_points)
        ow = pending.get()
    else:
        ow, nw = measure(old, old_points), measure(new, new_points)
    walked = {c.id: replace(c, old_walk=ow.get(c.id), new_walk=nw.get(c.id)) for c in moved}
    return replace(d, changes=tuple(walked.get(c.id, c) if c.kind is Kind.ITEM and c.what is What.MOVED else c
                                    for c in d.changes))
