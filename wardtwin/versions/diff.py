"""What changed between two versions of a ward: rooms, doors, windows and items added,
removed, moved, changed and renamed. Pure: two :class:`~wardtwin.layout.model.Layout` values
in, one :class:`WardDiff` out. Lengths in metres, angles in degrees.

- Objects are matched by id. A matched object that moved by more than ``threshold`` m
  (default :data:`THRESHOLD_M`) is *moved*; less counts as unchanged. Its other differences
  (type, kind, label, width, room, ...) are listed as :class:`FieldChange` values.
- An object removed under one id and added under another, of the same type (kind, for rooms)
  and at the same place (within the threshold), is a *rename*.
- Safety-critical changes come first: items of a safety-critical type, exit doors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Iterable

from wardtwin.layout.model import Layout, Point
from wardtwin.versions.walks import Walk
from wardtwin.versions.identity import canonical_ring

#: Default move threshold, m: smaller moves count as unchanged.
THRESHOLD_M = 0.25
#: Smallest changes reported for widths and elevations (m) and rotations (degrees).
WIDTH_EPS_M = 0.005
ROTATION_EPS_DEG = 1.0


class Kind(str, Enum):
    ITEM = "item"
    DOOR = "door"
    WINDOW = "window"
    ROOM = "room"
    WARD = "ward"


class What(str, Enum):
    REMOVED = "removed"
    MOVED = "moved"
    ADDED = "added"
    CHANGED = "changed"
    RENAMED = "renamed"


@dataclass(frozen=True)
class FieldChange:
    """One attribute that differs: its name and its old and new values (text, number, bool)."""

    name: str
    old: object
    new: object


@dataclass(frozen=True)
class Change:
    """One change. ``id`` is the new id (the old one for ``removed``); ``old_id`` the id before
    a rename. ``old_at``/``new_at``: positions (m; rooms: their centroid); ``moved_m``: how far
    it moved. ``old_walk``/``new_walk``: walking distances of a moved item in each version."""

    kind: Kind
    what: What
    id: str
    name: str
    safety: bool
    room: str | None = None
    old_id: str | None = None
    old_room: str | None = None
    old_at: Point | None = None
    new_at: Point | None = None
    moved_m: float | None = None
    fields: tuple[FieldChange, ...] = ()
    old_walk: Walk | None = None
    new_walk: Walk | None = None

    @property
    def key(self) -> str:
        """A stable key for this change (what the store keeps of it): ``kind:id:what``."""
        ident = f"{self.old_id}>{self.id}" if self.what is What.RENAMED else self.id
        return f"{self.kind.value}:{ident}:{self.what.value}"

    def field(self, name: str) -> FieldChange | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def matters(self) -> bool:
        """True for a change staff must learn of (what a refresher tour covers): a
        safety-critical item added, removed, moved or changed; an exit door added, removed,
        moved or changed; a room added, removed or used for something else."""
        if self.what is What.RENAMED:
            return False
        if self.kind is Kind.ITEM or self.kind is Kind.DOOR:
            return self.safety
        if self.kind is Kind.ROOM:
            return self.what in (What.ADDED, What.REMOVED) or self.field("kind") is not None
        return self.kind is Kind.WARD and self.field("entrance") is not None

    def summary(self) -> str:
        """One line saying what changed (user text not escaped: the caller shows it safely)."""
        what = f"{self.what.value:8} {self.kind.value} {self.id}"
        if self.what is What.RENAMED:
            what = f"{self.what.value:8} {self.kind.value} {self.old_id} -> {self.id}"
        parts = [f"{what} ({self.name})"]
        if self.what is What.MOVED and self.moved_m is not None:
            rooms = f" from {self.old_room} to {self.room}" if self.old_room != self.room else f" in {self.room}"
            parts.append(f"{self.moved_m:.1f} m{rooms}")
        elif self.what in (What.ADDED, What.REMOVED) and self.room:
            parts.append(f"in {self.room}")
        for f in self.fields:
            if f.name != "room" or self.what is not What.MOVED:
                parts.append(f"{f.name} {_shown(f.old)} -> {_shown(f.new)}")
        walk = walk_text(self.old_walk, self.new_walk)
        if walk:
            parts.append(walk)
        return "; ".join(parts)

    def to_dict(self) -> dict:
        d = {"kind": self.kind.value, "change": self.what.value, "id": self.id, "name": self.name,
             "safety_critical": self.safety, "matters": self.matters, "key": self.key}
        for k in ("old_id", "room", "old_room"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        for k in ("old_at", "new_at"):
            v = getattr(self, k)
            if v is not None:
                d[k] = [round(v[0], 3), round(v[1], 3)]
        if self.moved_m is not None:
            d["moved_m"] = round(self.moved_m, 3)
        if self.fields:
            d["fields"] = {f.name: {"old": _plain(f.old), "new": _plain(f.new)} for f in self.fields}
        for k in ("old_walk", "new_walk"):
            w = getattr(self, k)
            if w is not None:
                d[k] = {"from_entrance_m": _r(w.from_entrance_m), "patient_room": w.patient_room,
                        "to_patient_room_m": _r(w.to_patient_room_m)}
        return d


@dataclass(frozen=True)
class WardDiff:
    """The changes from an old to a new version of a ward, safety-critical first."""

    ward: str
    old_ward: str
    old_version: str
    new_version: str
    threshold_m: float
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def safety_changes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.safety)

    @property
    def relevant(self) -> tuple[Change, ...]:
        """The changes a refresher tour covers (:attr:`Change.matters`)."""
        return tuple(c for c in self.changes if c.matters)

    def counts(self) -> dict[str, int]:
        return {w.value: sum(1 for c in self.changes if c.what is w) for w in What}

    def to_dict(self) -> dict:
        return {"ward": self.ward, "old_ward": self.old_ward, "old_version": self.old_version,
                "new_version": self.new_version, "threshold_m": self.threshold_m, "counts": self.counts(),
                "safety_critical": len(self.safety_changes), "changes": [c.to_dict() for c in self.changes]}

    def lines(self) -> list[str]:
        """The diff as text lines (user text not escaped)."""
        n, s = len(self.changes), len(self.safety_changes)
        ward = self.ward if self.ward == self.old_ward else f"{self.old_ward} -> {self.ward}"
        out = [f"ward {ward}: version {self.old_version} -> {self.new_version} (moves under "
               f"{self.threshold_m:g} m ignored): {n} change{'s' if n != 1 else ''}"
               + (f", {s} safety-critical" if n else "")]
        if not n:
            out.append("  no changes")
        for title, group in (("safety-critical", [c for c in self.changes if c.safety]),
                             ("other", [c for c in self.changes if not c.safety])):
            if group:
                out.append(f"{title}:")
                out.extend(f"  {c.summary()}" for c in group)
        return out


def _r(v):
    return None if v is None else round(v, 2)


def _plain(v):
    return list(v) if isinstance(v, tuple) else v


def _shown(v) -> str:
    if v is None:
        return "none"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, tuple):
        return "/".join(map(str, v))
    return str(v)


def walk_text(old: Walk | None, new: Walk | None) -> str:
    """How walking distances changed: ``walk from entrance 20.1 -> 31.0 m (+10.9); nearest
    patient room 405 3.2 m -> 412 2.1 m``; empty when not measured."""
    if old is None or new is None:
        return ""
    parts = []
    a, b = old.from_entrance_m, new.from_entrance_m
    if a is not None or b is not None:
        delta = f" ({b - a:+.1f})" if a is not None and b is not None else ""
        parts.append(f"walk from entrance {_m(a)} -> {_m(b)}{delta}")
    if old.patient_room or new.patient_room:
        parts.append(f"nearest patient room {old.patient_room or 'none'} {_m(old.to_patient_room_m)} -> "
                     f"{new.patient_room or 'none'} {_m(new.to_patient_room_m)}")
    return "; ".join(parts)


def _m(v) -> str:
    return "no walk" if v is None else f"{v:.1f} m"


# -- the comparison --------------------------------------------------------------------------
def _centroid(poly) -> Point:
    return (sum(p[0] for p in poly) / len(poly), sum(p[1] for p in poly) / len(poly))


def _area(poly) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(poly, poly[1:] + poly[:1]))) / 2


def _same_outline(a, b, tol: float) -> bool:
    """The same outline within ``tol`` m at every corner, whichever corner each starts from."""
    a, b = canonical_ring(a), canonical_ring(b)
    return len(a) == len(b) and all(math.dist(p, q) <= tol for p, q in zip(a, b))


def _num_changed(a, b, eps: float) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(float(a) - float(b)) > eps


def _rot_changed(a: float, b: float) -> bool:
    d = (float(a) - float(b)) % 360.0
    return min(d, 360.0 - d) > ROTATION_EPS_DEG


class _Ctx:
    def __init__(self, old: Layout, new: Layout, threshold: float):
        self.old, self.new, self.t = old, new, threshold

    def type_name(self, type_id: str) -> str:
        t = self.new.catalog.get(type_id) or self.old.catalog.get(type_id)
        return t.name.lower() if t else type_id

    def item_safety(self, *type_ids) -> bool:
        for lay in (self.old, self.new):
            for tid in type_ids:
                t = lay.catalog.get(tid)
                if t is not None and t.safety_critical:
                    return True
        return False


def _item_fields(c: _Ctx, a, b) -> list[FieldChange]:
    out = []
    if a.type != b.type:
        out.append(FieldChange("type", a.type, b.type))
    if a.room != b.room:
        out.append(FieldChange("room", a.room, b.room))
    if (a.label or None) != (b.label or None):
        out.append(FieldChange("label", a.label, b.label))
    if c.old.mount_of(a) != c.new.mount_of(b):
        out.append(FieldChange("mount", c.old.mount_of(a), c.new.mount_of(b)))
    if _num_changed(c.old.elevation_of(a), c.new.elevation_of(b), WIDTH_EPS_M):
        out.append(FieldChange("elevation", float(c.old.elevation_of(a)), float(c.new.elevation_of(b))))
    if _rot_changed(a.rotation, b.rotation):
        out.append(FieldChange("rotation", float(a.rotation), float(b.rotation)))
    if (a.asset_tag or None) != (b.asset_tag or None):
        out.append(FieldChange("asset_tag", a.asset_tag, b.asset_tag))
    return out


def _door_fields(a, b) -> list[FieldChange]:
    out = []
    if sorted(a.between) != sorted(b.between):
        out.append(FieldChange("between", tuple(a.between), tuple(b.between)))
    if _num_changed(a.width, b.width, WIDTH_EPS_M):
        out.append(FieldChange("width", float(a.width), float(b.width)))
    if a.type != b.type:
        out.append(FieldChange("type", a.type, b.type))
    if bool(a.exit) != bool(b.exit):
        out.append(FieldChange("exit", bool(a.exit), bool(b.exit)))
    for k in ("hinge", "swing", "leaves", "fire_rating", "smoke", "hold_open", "bed_route"):  # version 2
        if getattr(a, k, None) != getattr(b, k, None):
            out.append(FieldChange(k, getattr(a, k, None), getattr(b, k, None)))
    return out


def _window_fields(a, b) -> list[FieldChange]:
    out = [FieldChange(k, float(getattr(a, k)), float(getattr(b, k))) for k in ("width", "sill", "head")
           if _num_changed(getattr(a, k), getattr(b, k), WIDTH_EPS_M)]
    if a.room != b.room:
        out.append(FieldChange("room", a.room, b.room))
    return out


def _room_fields(c: _Ctx, a, b) -> list[FieldChange]:
    out = []
    if a.kind != b.kind:
        out.append(FieldChange("kind", a.kind, b.kind))
    if a.name != b.name:
        out.append(FieldChange("name", a.name, b.name))
    if (a.number or None) != (b.number or None):
        out.append(FieldChange("number", a.number, b.number))
    if not _same_outline(a.polygon, b.polygon, c.t):
        before, after = round(_area(a.polygon), 2), round(_area(b.polygon), 2)
        out.append(FieldChange("area_m2", before, after) if before != after else
                   FieldChange("outline", f"{len(canonical_ring(a.polygon))} corners",
                               f"{len(canonical_ring(b.polygon))} corners"))
    if _num_changed(a.ceiling_height, b.ceiling_height, WIDTH_EPS_M):
        out.append(FieldChange("ceiling_height", a.ceiling_height, b.ceiling_height))
    return out


def _pair_renames(removed: list, added: list, same: Callable, at: Callable, t: float) -> list[tuple]:
    """Greedy pairs (old, new) of the same type at the same place (within ``t`` m), closest first."""
    by_key: dict = {}
    for n in added:
        by_key.setdefault(same(n), []).append(n)
    cands = []
    for o in removed:
        for n in by_key.get(same(o), ()):
            d = math.dist(at(o), at(n))
            if d <= t:
                cands.append((d, o.id, n.id, o, n))
    cands.sort(key=lambda x: x[:3])
    used_o, used_n, pairs = set(), set(), []
    for _d, oid, nid, o, n in cands:
        if oid not in used_o and nid not in used_n:
            used_o.add(oid)
            used_n.add(nid)
            pairs.append((o, n))
    return pairs


def _compare(kind: Kind, olds: Iterable, news: Iterable, *, at: Callable, same: Callable, name: Callable,
             safety: Callable, fields: Callable, room: Callable, t: float) -> list[Change]:
    old_by = {o.id: o for o in olds}
    new_by = {n.id: n for n in news}
    out: list[Change] = []
    for i in sorted(old_by.keys() & new_by.keys()):
        a, b = old_by[i], new_by[i]
        d = math.dist(at(a), at(b))
        fs = tuple(fields(a, b))
        moved = d > t
        if not moved and not fs:
            continue
        out.append(Change(kind, What.MOVED if moved else What.CHANGED, i, name(b), safety(a, b), room=room(b),
                          old_room=room(a), old_at=at(a), new_at=at(b), moved_m=d if moved else None, fields=fs))
    removed = [old_by[i] for i in sorted(old_by.keys() - new_by.keys())]
    added = [new_by[i] for i in sorted(new_by.keys() - old_by.keys())]
    pairs = _pair_renames(removed, added, same, at, t)
    paired_o = {o.id for o, _n in pairs}
    paired_n = {n.id for _o, n in pairs}
    for o, n in pairs:
        out.append(Change(kind, What.RENAMED, n.id, name(n), safety(o, n), room=room(n), old_id=o.id,
                          old_room=room(o), old_at=at(o), new_at=at(n), fields=tuple(fields(o, n))))
    for o in removed:
        if o.id not in paired_o:
            out.append(Change(kind, What.REMOVED, o.id, name(o), safety(o, o), room=room(o), old_at=at(o)))
    for n in added:
        if n.id not in paired_n:
            out.append(Change(kind, What.ADDED, n.id, name(n), safety(n, n), room=room(n), new_at=at(n)))
    return out


_KIND_RANK = {k: i for i, k in enumerate(Kind)}
_WHAT_RANK = {w: i for i, w in enumerate(What)}


def order(changes: Iterable[Change]) -> tuple[Change, ...]:
    """Safety-critical first, then items, doors, windows, rooms, the ward; removed, moved,
    added, changed, renamed; then by id."""
    return tuple(sorted(changes, key=lambda c: (not c.safety, _KIND_RANK[c.kind], _WHAT_RANK[c.what], c.id)))


def diff_layouts(old: Layout, new: Layout, *, threshold: float = THRESHOLD_M, old_version: str = "",
                 new_version: str = "") -> WardDiff:
    """The changes from ``old`` to ``new`` (walking distances not measured: see
    :func:`with_walks`). ``threshold``: moves up to this (m) count as unchanged."""
    c = _Ctx(old, new, threshold)
    changes: list[Change] = []
    changes += _compare(
        Kind.ITEM, old.items, new.items, at=lambda i: i.at, same=lambda i: i.type, t=threshold,
        name=lambda i: c.type_name(i.type), room=lambda i: i.room,
        safety=lambda a, b: c.item_safety(a.type, b.type), fields=lambda a, b: _item_fields(c, a, b))
    changes += _compare(
        Kind.DOOR, old.doors, new.doors, at=lambda d: d.at, same=lambda d: tuple(sorted(d.between)), t=threshold,
        name=lambda d: f"{'exit door' if d.exit else 'door'} between {d.between[0]} and {d.between[1]}",
        room=lambda d: d.between[0], safety=lambda a, b: bool(a.exit or b.exit), fields=_door_fields)
    ow, nw = getattr(old, "windows", None) or (), getattr(new, "windows", None) or ()
    if ow or nw:
        changes += _compare(
            Kind.WINDOW, ow, nw, at=lambda w: w.at, same=lambda w: round(float(getattr(w, "width", 0) or 0), 2),
            t=threshold, name=lambda w: "window", room=lambda w: getattr(w, "room", None),
            safety=lambda a, b: False,
            fields=_window_fields)
    changes += _compare(
        Kind.ROOM, old.rooms, new.rooms, at=lambda r: _centroid(r.polygon), t=threshold,
        same=lambda r: (r.kind, len(r.polygon)), name=lambda r: r.name, room=lambda r: r.id,
        safety=lambda a, b: False, fields=lambda a, b: _room_fields(c, a, b))
    wf = [FieldChange(k, getattr(old.ward, k), getattr(new.ward, k)) for k in ("name", "entrance")
          if getattr(old.ward, k) != getattr(new.ward, k)]
    if wf:
        changes.append(Change(Kind.WARD, What.CHANGED, new.ward.id, new.ward.name, False, fields=tuple(wf)))
    # a renamed room keeps its place; its outline is compared vertex by vertex in _same_outline
    return WardDiff(new.ward.id, old.ward.id, old_version, new_version, threshold, order(changes))
