"""Modules: a group of rooms, doors and items written once, in its own coordinates, and placed
in a ward many times (layout language version 2).

A floor plan's ``placements`` (and a module's own, for modules made of modules) put a module
at a point, turned and mirrored, once or in a row (``repeat``). Expansion is pure and
deterministic: it turns every placement into plain :class:`~wardtwin.layout.model.Room`,
:class:`Door` and :class:`Item` objects in ward coordinates, which is all that later stages
ever see. An expanded object's :class:`~wardtwin.layout.model.Source` points at the placement
in the floor plan; its ``via`` names the module line that wrote it, so that a finding about it
names both.

Ids come from patterns: ``{id}`` is the placement's id, ``{n}`` its number (``{n:02}`` pads it
to two digits). A name in a module door's ``between`` or an item's ``room`` that is not a room
of the module names a room outside it (the corridor); the placement's ``connect`` maps it to a
room of the ward. ``set`` changes an object of one placement (by its id in the ward) and
``omit`` leaves objects out.

Where module files come from: ``modules/NAME.yaml`` in the ward folder, else ``NAME.yaml`` in
the folder ``ward.yaml``'s ``module_library`` names; each file must resolve inside its folder.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Callable, Literal, cast

from wardtwin.layout import vocab
from wardtwin.layout.fabric import door_extras, room_extras, window_of
from wardtwin.layout.findings import Finding
from wardtwin.layout.model import Door, Item, Point, Room, Source, Window
from wardtwin.layout.modschema import SETTABLE, PatternError, fill, pattern_fields
from wardtwin.layout.schema import ID_PATTERN, INVALID
from wardtwin.layout.yamlsafe import LList, LMap

#: Reads and checks one file: ``read(path, kind, findings, within)`` (see :mod:`wardtwin.layout.load`).
Reader = Callable[[Path, str, list[Finding], Path | None], LMap | None]

#: Deepest nesting of modules placed in modules.
MAX_DEPTH = 8
#: Most objects (rooms, doors, items) the placements of one ward may make.
MAX_OBJECTS = 200_000
#: Module folder inside a ward folder.
WARD_MODULES = "modules"

_ID = re.compile(ID_PATTERN)
_KEYS = {"room": ("id", "name", "kind", "number", "polygon", "ceiling_height", "area", "open_to", "lift"),
         "door": ("id", "between", "at", "width", "type", "exit", "hinge", "swing", "leaves", "fire_rating", "smoke",
                  "hold_open", "bed_route"),
         "item": ("id", "type", "room", "at", "rotation", "mount", "elevation", "label", "asset_tag"),
         "window": ("id", "room", "at", "width", "sill", "head")}
#: A mirrored module hangs its doors on the other side.
_FLIP_HINGE = {"left": "right", "right": "left"}


# ---- plane transforms: mirror (x -> -x), then turn about (0, 0), then move

def _cos_sin(deg: float) -> tuple[float, float]:
    """Exact for multiples of 90 degrees (no 6e-17 where 0 is meant)."""
    r = deg % 360.0
    exact = {0.0: (1.0, 0.0), 90.0: (0.0, 1.0), 180.0: (-1.0, 0.0), 270.0: (0.0, -1.0)}
    if r in exact:
        return exact[r]
    a = math.radians(deg)
    return math.cos(a), math.sin(a)


@dataclass(frozen=True)
class Transform:
    """``world = M @ local + t``, with ``M`` a turn, possibly times a mirror; angles map as
    ``sign * angle + offset`` (degrees)."""

    m: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 1.0)
    t: tuple[float, float] = (0.0, 0.0)
    sign: int = 1
    offset: float = 0.0

    @classmethod
    def of(cls, at: Sequence[float], rotation: float = 0.0, mirror: bool = False) -> "Transform":
        c, s = _cos_sin(rotation)
        k = -1.0 if mirror else 1.0
        return cls((k * c, -s, k * s, c), (float(at[0]), float(at[1])), -1 if mirror else 1, float(rotation))

    @property
    def mirrored(self) -> bool:
        return self.sign < 0

    def then(self, outer: "Transform") -> "Transform":
        """This transform followed by ``outer``."""
        a, b, c, d = outer.m
        p, q, r, s = self.m
        tx, ty = self.t
        return Transform((a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s),
                         (a * tx + b * ty + outer.t[0], c * tx + d * ty + outer.t[1]),
                         outer.sign * self.sign, outer.sign * self.offset + outer.offset)

    def point(self, p: Sequence[float]) -> Point:
        a, b, c, d = self.m
        x, y = float(p[0]), float(p[1])
        return _clean(a * x + b * y + self.t[0]), _clean(c * x + d * y + self.t[1])

    def polygon(self, pts: Iterable[Sequence[float]]) -> tuple[Point, ...]:
        """The outline moved; a mirrored one is walked backwards from the same first corner, so
        that it keeps its sense of rotation."""
        out = [self.point(p) for p in pts]
        return tuple(out[:1] + out[:0:-1]) if self.mirrored else tuple(out)

    def angle(self, deg: float) -> float:
        """An item's rotation moved, in (-180, 180]."""
        r = (self.sign * float(deg) + self.offset) % 360.0
        r = _clean(r - 360.0 if r > 180.0 else r)
        return 0.0 if r == 0 else r


def _clean(v: float) -> float:
    """Rounded to a nanometre: sums of steps (1.8 + 3 * 3.6) land on the decimal written."""
    r = round(v, 9)
    return 0.0 if r == 0 else r


# ---- module files


@dataclass
class Module:
    name: str
    file: str  # as shown in findings
    data: LMap
    uses_id: bool = False


class _Library:
    """Finds, reads (once) and checks module files."""

    def __init__(self, root: Path, wd: LMap | None, wname: str, read: Reader, findings: list[Finding]):
        self.read, self.findings = read, findings
        self.folders: list[Path] = [root / WARD_MODULES]
        self.cache: dict[str, Module | Literal[False] | None] = {}
        lib = wd.get("module_library") if isinstance(wd, dict) else None
        if isinstance(lib, str) and lib and wd is not None:
            path = root / lib
            line, col = wd.at("module_library")
            if not path.is_dir():
                what = "does not exist" if not os.path.lexists(path) else "is not a folder"
                findings.append(Finding.make("file-missing" if not os.path.lexists(path) else "file-unreadable",
                                             wname, line, col, f"module library {lib!r} {what} (it is read relative "
                                             "to the ward folder); a folder of module files expected"))
            else:
                self.folders.append(path)

    def get(self, name: str) -> Module | Literal[False] | None:
        """The module ``name``; False when its file has errors of its own; None when there is none."""
        if name in self.cache:
            return self.cache[name]
        found: Module | Literal[False] | None = None
        for folder in self.folders:
            path = folder / f"{name}.yaml"
            if not os.path.lexists(path):
                continue
            from wardtwin.layout.load import display_path

            data = self.read(path, "module", self.findings, Path(os.path.realpath(folder)))
            found = Module(name, display_path(path), data) if data is not None else False
            break
        if found:
            found.uses_id = any("id" in _fields_of(o) for k in ("rooms", "doors", "items", "windows")
                                for o in _entries(found.data, k))
        self.cache[name] = found
        return found


def _entries(data: object, key: str) -> list[LMap]:
    v = data.get(key) if isinstance(data, dict) else None
    return cast(list[LMap], [x for x in v if isinstance(x, dict)] if isinstance(v, list) else [])  # (checked data)


def _fields_of(obj: dict[str, Any]) -> set[str]:
    used: set[str] = set()
    for key in ("id", "name", "number", "room", "label", "asset_tag", "open_to"):
        v = obj.get(key)
        if isinstance(v, str):
            try:
                used |= pattern_fields(v)
            except PatternError:
                pass
    for v in obj.get("between") or () if isinstance(obj.get("between"), list) else ():
        if isinstance(v, str):
            try:
                used |= pattern_fields(v)
            except PatternError:
                pass
    return used


# ---- expansion


@dataclass
class _Obj:
    """An object being expanded: its fields in ward coordinates, the rooms it names (each with
    whether it is still outside the instance being built) and where modules wrote it."""

    kind: str
    f: dict[str, Any]
    refs: list[list[Any]]  # [[name, outside: bool], ...]: a door's between, an item's room
    via: tuple[tuple[str, Source], ...]  # ((label, Source), ...)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)  # overridden key -> position in the top placement's file


class _Expander:
    def __init__(self, lib: _Library, findings: list[Finding]):
        self.lib, self.findings, self.count = lib, findings, 0
        self.broken: set[str] = set()

    def report(self, code: str, file: str, loc: Sequence[int], message: str) -> None:
        self.findings.append(Finding.make(code, file, loc[0], loc[1], message))

    def place(self, p: LMap, file: str, outer: Transform, outer_vars: dict[str, Any], stack: tuple[str, ...],
              top: bool) -> list[_Obj]:
        """Every object of one placement (all its copies), in ward coordinates."""
        if not _ok(p, "module", "at"):
            return []
        name = p["module"]
        where = f"placement of module {name}"
        if name in stack:
            chain = " -> ".join((*stack[stack.index(name):], name))
            self.report("module-cycle", file, p.at("module"),
                        f"{where}: modules place each other in a circle ({chain}); a module may not contain itself")
            return []
        if len(stack) >= MAX_DEPTH:
            self.report("module-cycle", file, p.at("module"),
                        f"{where}: modules nest more than {MAX_DEPTH} deep ({' -> '.join(stack)})")
            return []
        mod = self.lib.get(name)
        if mod is None:
            places = ", ".join(str(f / f"{name}.yaml") for f in self.lib.folders)
            self.report("module-missing", file, p.at("module"),
                        f"{where}: no module {name!r}; looked for {places}")
            return []
        if mod is False:  # its file has findings of its own
            return []
        rep: LMap | None = p.get("repeat") if isinstance(p.get("repeat"), dict) else None
        count = rep["count"] if rep and _ok(rep, "count", "step") else 1
        step = rep["step"] if rep and _ok(rep, "count", "step") else (0.0, 0.0)
        n_step = rep["n_step"] if rep and _ok(rep, "n_step") else 1
        alternate = rep is not None and rep.get("mirror") == "alternate"
        n0 = p.get("n") if isinstance(p.get("n"), int) else (outer_vars.get("n") if not top else 1)
        if n0 is None:
            n0 = 1
        connect = cast(dict[str, str], p["connect"]) if isinstance(p.get("connect"), dict) else {}
        rotation = p["rotation"] if _ok(p, "rotation") else 0.0
        mirror = bool(p["mirror"]) if _ok(p, "mirror") else False
        out: list[_Obj] = []
        for k in range(count):
            n = n0 + k * n_step
            pid: str | None = p.get("id") if isinstance(p.get("id"), str) else None
            if pid is not None:
                try:
                    pid = fill(pid, {"n": n, "id": outer_vars.get("id")})
                except PatternError as exc:
                    self.report("bad-id-pattern", file, p.at("id"), f"{where}: id {p['id']!r}: {exc}")
                    return out
                if not _ID.match(pid):
                    self.report("bad-id-pattern", file, p.at("id"),
                                f"{where}: id {p['id']!r} gives {pid!r}, not a valid id (letters, digits, '.', "
                                "'_' or '-', at most 64)")
                    return out
            elif mod.uses_id:
                self.report("bad-id-pattern", file, p.at("module"),
                            f"{where}: module {name}'s ids use {{id}}, and this placement gives no `id`")
                return out
            at = (step[0] * k + p["at"][0], step[1] * k + p["at"][1])
            t = Transform.of(at, rotation, mirror != (alternate and k % 2 == 1)).then(outer)
            objs = self.instance(mod, {"id": pid, "n": n}, t, (*stack, name), file, p)
            if objs is None:
                return out
            for o in objs:
                for ref in o.refs:
                    if ref[1] and ref[0] in connect:
                        ref[0] = connect[ref[0]]
            out.extend(objs)
        self.count += len(out)
        if self.count > MAX_OBJECTS:
            self.report("out-of-range", file, p.loc, f"{where}: the placements make more than {MAX_OBJECTS:,} "
                        "rooms, doors and items; a ward is far smaller")
            return []
        return self.overrides(p, file, out, where, top)

    def instance(self, mod: Module, values: dict[str, Any], t: Transform, stack: tuple[str, ...], pfile: str,
                 p: LMap) -> list[_Obj] | None:
        """One copy of a module; None after reporting a pattern that cannot be filled."""
        out: list[_Obj] = []
        data = mod.data
        for kind, key in (("room", "rooms"), ("door", "doors"), ("item", "items"), ("window", "windows")):
            for e in _entries(data, key):
                src = Source(mod.file, e.loc[0], e.loc[1], {k: (v[0], v[1]) for k, v in e.value_locs.items()})
                label = f"{kind} {e.get('id')!s}"
                try:
                    f = self._fields(kind, e, values, t)
                except PatternError as exc:
                    self.report("bad-id-pattern", pfile, p.at("module"),
                                f"placement of module {mod.name}: {label} ({mod.file}:{e.loc[0]}): {exc}")
                    return None
                if f is None:  # an entry with errors of its own (reported with the module file)
                    try:
                        self.broken.add(fill(e["id"], values)) if isinstance(e.get("id"), str) else None
                    except PatternError:
                        pass
                    continue
                bad = next((v for v in (f["id"], *(r for r in f.get("between", ()))) if not _ID.match(v)
                            and v != vocab.OUTSIDE), None)
                if bad is not None:
                    self.report("bad-id-pattern", pfile, p.at("module"),
                                f"placement of module {mod.name}: {label} ({mod.file}:{e.loc[0]}) gives {bad!r}, "
                                "not a valid id (letters, digits, '.', '_' or '-', at most 64)")
                    return None
                refs: list[list[Any]] = [[r, r != vocab.OUTSIDE] for r in f.pop("between", ())] if kind == "door" else (
                    [[f.pop("room"), True]] if kind in ("item", "window") else [])
                out.append(_Obj(kind, f, refs, ((f"written in module {mod.name}", src),)))
        for q in _entries(data, "placements"):
            qsrc = Source(mod.file, q.loc[0], q.loc[1])
            for o in self.place(q, mod.file, t, values, stack, top=False):
                o.via = ((f"placed by module {mod.name}", qsrc), *o.via)
                o.keys = {}
                out.append(o)
        rooms = {o.f["id"] for o in out if o.kind == "room"}
        for o in out:
            for ref in o.refs:
                if ref[1] and ref[0] in rooms:
                    ref[1] = False
        return out

    @staticmethod
    def _fields(kind: str, e: LMap, values: dict[str, Any], t: Transform) -> dict[str, Any] | None:
        need = {"room": ("id", "name", "kind", "polygon"), "door": ("id", "between", "at", "width"),
                "item": ("id", "type", "room", "at"), "window": ("id", "room", "at", "width")}[kind]
        if not _ok(e, *need) or (kind == "room" and INVALID in e["polygon"]):
            return None
        f: dict[str, Any] = {k: (None if e.get(k) is INVALID else e.get(k)) for k in _KEYS[kind]}
        for k in ("id", "name", "number", "room", "label", "asset_tag", "open_to"):
            if isinstance(f.get(k), str):
                f[k] = fill(f[k], values)
        if kind == "room":
            f["polygon"] = t.polygon(f["polygon"])
        elif kind == "door":
            f["between"] = [fill(str(x), values) for x in f["between"]]
            f["at"] = t.point(f["at"])
            if t.mirrored and f.get("hinge") in _FLIP_HINGE:
                f["hinge"] = _FLIP_HINGE[f["hinge"]]
        elif kind == "window":
            f["at"] = t.point(f["at"])
        else:
            f["at"] = t.point(f["at"])
            f["rotation"] = t.angle(f["rotation"] or 0.0)
        return f

    def overrides(self, p: LMap, file: str, objs: list[_Obj], where: str, top: bool) -> list[_Obj]:
        """Apply the placement's ``omit`` and ``set``; report ids that name nothing."""
        ids = {o.f["id"]: o for o in objs}
        omit = cast(list[Any], p["omit"]) if isinstance(p.get("omit"), list) else []
        gone: set[str] = set()
        for i, oid in enumerate(omit):
            if oid is INVALID:
                continue
            if oid not in ids:
                self.report("unknown-override", file, omit.at(i) if isinstance(omit, LList) else p.at("omit"),
                            f"{where}: `omit` names {oid!r}, which this placement does not make"
                            f"{_near(oid, ids)}")
                continue
            gone.add(oid)
        rooms_gone = {i for i in gone if ids[i].kind == "room"}
        kept = [o for o in objs if o.f["id"] not in gone
                and not any(not outside and r in rooms_gone for r, outside in o.refs)]
        sets: Any = p.get("set") if isinstance(p.get("set"), dict) else {}  # checked data: an LMap of LMaps
        renamed: dict[str, str] = {}
        for oid, change in sets.items():
            kloc = sets.key_locs.get(oid, p.at("set"))
            o = ids.get(oid)
            if o is None or oid in gone:
                self.report("unknown-override", file, kloc, f"{where}: `set` names {oid!r}, which this placement "
                            f"does not make{_near(oid, ids)}")
                continue
            if not isinstance(change, dict):
                continue
            change = cast(LMap, change)  # (checked data)
            for key, value in change.items():
                vloc = change.value_locs.get(key, kloc)
                if value is INVALID or value is None:
                    continue
                if key not in SETTABLE[o.kind]:
                    self.report("unknown-key", file, change.key_locs.get(key, kloc),
                                f"{where}: `set` {oid}: a {o.kind} has no {key!r} to change; a {o.kind}'s are "
                                + ", ".join(SETTABLE[o.kind]))
                    continue
                if o.kind == "door" and key == "type" and value not in vocab.DOOR_TYPES:
                    self.report("unknown-value", file, vloc, f"{where}: `set` {oid} `type`: {value!r} is not a door "
                                f"type; one of: {', '.join(vocab.DOOR_TYPES)}")
                    continue
                if key == "id" and o.kind == "room":
                    renamed[o.f["id"]] = value
                if key == "leaves" and (not isinstance(value, list) or INVALID in value):
                    continue
                o.f[key] = value
                if top:
                    o.keys[key] = (vloc[0], vloc[1])
        if renamed:
            for o in kept:
                for ref in o.refs:
                    if not ref[1] and ref[0] in renamed:
                        ref[0] = renamed[ref[0]]
        return kept


def _near(name: object, ids: Iterable[str]) -> str:
    from wardtwin.layout.schema import did_you_mean

    return did_you_mean(name, list(ids)[:2000])


def _ok(m: object, *keys: str) -> bool:
    return isinstance(m, dict) and all(k in m and m.get(k) is not INVALID and m.get(k) is not None for k in keys)


@dataclass
class Expanded:
    """What a ward's placements make, in placement order."""

    rooms: list[Room] = field(default_factory=list)
    doors: list[Door] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)


def expand_placements(root: Path, fp: LMap, wd: LMap | None, fname: str, wname: str, read: Reader,
                      findings: list[Finding]) -> Expanded:
    """The rooms, doors and items of the floor plan's ``placements`` (checked data of a
    version-2 ``floorplan.yaml``). ``read(path, kind, findings, within)`` reads and checks one
    file (that of :mod:`wardtwin.layout.load`). Problems are added to ``findings``."""
    out = Expanded()
    placements = fp.get("placements") if isinstance(fp, dict) else None
    if not isinstance(placements, list) or not placements:
        return out
    ex = _Expander(_Library(root, wd, wname, read, findings), findings)
    for p in placements:
        if not isinstance(p, dict):
            continue
        p = cast(LMap, p)  # (checked data)
        psrc = (fname, p.loc[0], p.loc[1])
        for o in ex.place(p, fname, Transform(), {}, (), top=True):
            src = Source(*psrc, dict(o.keys), via=o.via)
            f = o.f
            if o.kind == "room":
                out.rooms.append(Room(f["id"], f["name"], f["kind"], f["polygon"], f["number"],
                                      f["ceiling_height"], src, **room_extras(f)))
            elif o.kind == "door":
                out.doors.append(Door(f["id"], tuple(r for r, _ in o.refs), f["at"], f["width"],
                                      f["type"] or "swing", bool(f["exit"]), src, **door_extras(f)))
            elif o.kind == "window":
                w = window_of({**f, "room": o.refs[0][0]}, src)
                if w is not None:
                    out.windows.append(w)
            else:
                out.items.append(Item(f["id"], f["type"], o.refs[0][0], f["at"], f["rotation"], f["mount"],
                                      f["elevation"], f["label"], f["asset_tag"], src))
    out.broken = ex.broken
    return out


__all__ = ["Expanded", "Module", "Transform", "expand_placements"]
