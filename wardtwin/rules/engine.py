"""The rule engine: evaluates the ward's rule pack on its compiled model.

``evaluate(layout, model)`` runs every model rule the pack sets (plan rules such as door and
corridor widths run with the layout's own checks) and returns their findings. Distance rules
share :class:`Fields`: one walking-distance field per target kind, computed on first use and
kept for the map (``wardtwin map --field``). On a large ward the rules run on two cores (see
:func:`evaluate` and :mod:`wardtwin.forked`).
"""

from __future__ import annotations

import contextlib
import math
from typing import Callable, Iterable, Iterator

import numpy as np

from wardtwin.layout.findings import Finding
from wardtwin.forked import Background, share_out
from wardtwin.rules.distance import Field, Grid, build_grid, distance_field, grid_cells, prepare_graph
from wardtwin.rules.pack import Choice, Limit, choose_pack
from wardtwin.rules.registry import RULES, Family

#: A distance field's key: its kind and the catalog types of its targets (None: exit doors).
FieldKey = tuple[str, "tuple[str, ...] | None"]
#: rule id -> function (limit, context) -> findings; filled by the rule family modules
EVALUATORS: dict[str, Callable[[Limit, "Context"], Iterable[Finding]]] = {}
#: rule id -> the key of the distance field its evaluator reads, from its limit
READS: dict[str, Callable[[Limit], FieldKey]] = {}
#: Room kinds that are not part of the ward's floor for "any point" rules: past the exit, or
#: not walked in.
NOT_FLOOR = ("stair", "shaft", "lift")


def rule(rule_id: str, reads: Callable[[Limit], FieldKey] | None = None):
    """Decorator: the evaluator of a model rule; ``reads``: the key of the distance field it
    reads (so that the field can be computed ahead)."""
    def deco(fn):
        assert rule_id in RULES and RULES[rule_id].family is Family.MODEL, rule_id
        EVALUATORS[rule_id] = fn
        if reads is not None:
            READS[rule_id] = reads
        return fn
    return deco


class Fields:
    """The distance fields of one compiled model, each computed once (by key)."""

    def __init__(self, model):
        self.model = model
        self._grid: Grid | None = None
        self._fields: dict = {}
        self._floor: np.ndarray | None = None

    @property
    def grid(self) -> Grid:
        if self._grid is None:
            self._grid = build_grid(self.model)
        return self._grid

    def items(self, types: tuple[str, ...]) -> list[tuple[str, tuple[float, float]]]:
        """``(id, where a person stands to use it)`` of the items of ``types``, id order."""
        out = [(i.id, i.access) for i in self.model.items if i.type in types and i.access is not None]
        return sorted(out)

    def exits(self) -> list[tuple[str, tuple[float, float]]]:
        """``(door id, middle of its opening)`` of the exit doors."""
        from wardtwin.model.queries import resolve_place

        plan = self.model.plan
        return [(d, resolve_place(self.model, d)) for d in plan.exits if d in plan.opening_by_door]

    def targets(self, key: FieldKey) -> list[tuple[str, tuple[float, float]]]:
        """The named points of ``key``'s field: the exits', or its items'."""
        kind, targets = key
        return self.exits() if kind == "exit" else self.items(targets or ())

    def field(self, kind: str, targets: tuple[str, ...] | None = None) -> Field:
        """The field of ``kind``: ``exit`` (exit doors), or the items of catalog ``targets``."""
        key = (kind, targets)
        if key not in self._fields:
            self._fields[key] = distance_field(self.grid, kind, self.targets(key))
        return self._fields[key]

    def floor_mask(self) -> np.ndarray:
        """Cells that count as "any point of the ward": walkable, in a room that is not past
        an exit or unwalked (:data:`NOT_FLOOR`); computed once (read-only)."""
        got = self._floor
        if got is None:
            g = self.grid
            kinds = self.model.layout.room_by_id
            bad = np.array([kinds[r].kind in NOT_FLOOR if r in kinds else False for r in g.room_ids] + [True], bool)
            got = self._floor = g.inside & ~bad[g.room]
            got.setflags(write=False)
        return got


class Context:
    """What an evaluator gets: the layout, the model, the shared fields."""

    def __init__(self, layout, model, fields: Fields):
        self.layout, self.model, self.fields = layout, model, fields

    def room_at(self, p) -> str | None:
        return self.model.plan.room_at(p[0], p[1])

    def room_src(self, p):
        """The source of the room holding ``p`` (the ward file's when none), and its id."""
        rid = self.room_at(p)
        room = self.layout.room_by_id.get(rid) if rid else None
        return (room.src, rid) if room is not None else (self.layout.ward.src, None)


@contextlib.contextmanager
def plain_pages() -> Iterator[None]:
    """Run the block with numpy's huge-page advice off (as it was after). The grid's arrays are
    large and written once (the graph alone is about 400 MB at 10,000 rooms); asking the kernel
    for 2 MiB pages for each of them cost more system time than it saved (on the 10,041-room
    floor: 1.7 s of system time in ``check``, to 0.6 s without; user time unchanged). A numpy
    without the switch runs the block as it is."""
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    switch = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if switch is None:
        yield
        return
    was = switch(False)
    try:
        yield
    finally:
        switch(was)


def _families():
    from wardtwin.rules import clearance, deadend, egress, emergency, equipment, fire, hygiene  # noqa: F401 (registers)


def evaluate(layout, model, choice: Choice | None = None, fields: Fields | None = None) -> list[Finding]:
    """Findings of every model rule of the ward's pack (``choice``: the pack, default the
    ward's own), in the pack's order. ``fields``: distance fields to use and keep (on a large
    ward those computed by a worker process are not kept)."""
    _families()
    choice = choice if choice is not None else choose_pack(layout)
    if choice.pack is None:
        return []
    fields = fields or Fields(model)
    ctx = Context(layout, model, fields)
    rules = [(rid, lim, EVALUATORS[rid]) for rid, lim in choice.pack.limits.items() if rid in EVALUATORS]
    keys = _field_keys(fields, rules)
    # on a large ward: the rules that read no field run in a worker while this process builds
    # the grid and its graph; then the rules that read a field are shared out with a second
    # worker (which reads this process's graph)
    parallel = bool(keys) and grid_cells(model) >= PARALLEL_CELLS
    on_grid = [i for i, (rid, lim, _fn) in enumerate(rules) if _reads(rid, lim) in keys]
    off_grid = [i for i in range(len(rules)) if i not in on_grid]
    with plain_pages(), Background(lambda: [_job(*rules[i][:2], ctx)() for i in off_grid], parallel=parallel) as side:
        if parallel:
            prepare_graph(fields.grid, max(len(fields.targets(k)) for k in keys))
        found = dict(zip(on_grid, share_out([_job(*rules[i][:2], ctx) for i in on_grid], parallel)))
        found.update(zip(off_grid, side.result()))
    return [f for i in range(len(rules)) for f in found[i]]


#: Grids of fewer cells (padded) run their rules in this process alone: a worker costs more
#: than it saves (a 0.25 m cell; 500,000 cells are about 30,000 m² of bounding box).
PARALLEL_CELLS = 500_000


def _job(rid: str, lim: Limit, ctx: Context) -> Callable[[], list[Finding]]:
    fn = EVALUATORS[rid]
    return lambda: list(fn(lim, ctx))


def _reads(rid: str, lim: Limit) -> FieldKey | None:
    reads = READS.get(rid)
    return reads(lim) if reads is not None else None


def _field_keys(fields: Fields, rules) -> list[FieldKey]:
    """The fields the rules read, in the rules' order, among those not yet computed that have
    targets (a field without is a constant)."""
    keys: list[FieldKey] = []
    for rid, lim, _fn in rules:
        key = _reads(rid, lim)
        if key is not None and key not in keys and key not in fields._fields and fields.targets(key):
            keys.append(key)
    return keys


def at(src, key: str | None = None) -> tuple[str, int, int]:
    line, col = src.at(key) if key else (src.line, src.column)
    return src.file, line, col


def metres(v: float) -> str:
    return "no path" if not math.isfinite(v) else f"{v:.1f} m"
