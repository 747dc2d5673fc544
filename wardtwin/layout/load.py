"""Loading a ward folder into a :class:`~wardtwin.layout.model.Layout`.

:func:`load_ward` never raises for bad content: it returns what it could build and every
finding about the files' structure and values. Geometry and cross-references are checked by
:func:`wardtwin.layout.validate.validate` afterwards; :func:`wardtwin.layout.check_ward` runs
both.
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from wardtwin.errors import UsageError
from wardtwin.layout import vocab
from wardtwin.layout.fabric import door_extras, room_extras, window_of
from wardtwin.layout.finishes import finishes_of
from wardtwin.layout.findings import Finding
from wardtwin.gcpause import gc_paused
from wardtwin.layout.model import (
    CEILING_HEIGHT, WALL_THICKNESS, Door, Draw, EquipmentType, Item, Layout, Point, Room, Source, WardInfo, Window,
)
from wardtwin.layout.modschema import version_findings
from wardtwin.layout.modules import expand_placements
from wardtwin.layout.schema import INVALID, Ctx, schema_for
from wardtwin.layout.units import describe, excerpt
from wardtwin.layout.yamlsafe import LMap, read_yaml



@lru_cache(maxsize=None)
def _shipped(package: str) -> Path:
    """The folder of a data package shipped with wardtwin (``assets/`` and ``layouts/`` of the
    repository, installed as ``wardtwin.assets`` and ``wardtwin.reference_wards``)."""
    try:
        found = importlib.resources.files(package)
    except ModuleNotFoundError:
        found = None
    if not isinstance(found, Path) or not found.is_dir():
        raise UsageError(f"wardtwin's shipped data ({package}) is missing or not in a folder; reinstall wardtwin")
    return found


def assets_dir() -> Path:
    """The shipped assets folder (equipment catalog, models); ``WARDTWIN_ASSETS`` overrides it."""
    override = os.environ.get("WARDTWIN_ASSETS")
    return Path(os.path.realpath(override)) if override else _shipped("wardtwin.assets")


def layouts_dir() -> Path:
    """The folder of shipped reference wards."""
    return _shipped("wardtwin.reference_wards")


def shipped_wards() -> list[str]:
    """Names of the reference wards shipped in ``layouts/``."""
    d = layouts_dir()
    return sorted(p.name for p in d.iterdir() if (p / "ward.yaml").is_file()) if d.is_dir() else []


def resolve_ward(ward: str | os.PathLike[str]) -> Path:
    """A ward folder from a path, or from the name of a shipped ward (``medsurg-28``)."""
    p = Path(ward)
    if p.is_dir():
        return p
    if p.is_file() and p.name in vocab.FILE_KINDS.values():
        return p.parent
    shipped = layouts_dir() / str(ward)
    if not p.parent.parts and shipped.is_dir():
        return shipped
    names = shipped_wards()
    raise UsageError(
        f"{ward}: no such ward folder; give the path of a folder holding ward.yaml, "
        f"floorplan.yaml and equipment.yaml" + (f", or a shipped ward: {', '.join(names)}" if names else "")
    )


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else absolute."""
    try:
        inside = Path(os.path.realpath(path)).is_relative_to(os.path.realpath(Path.cwd()))  # a loop is no error here
        return os.path.relpath(path) if inside else str(path)
    except ValueError:
        return str(path)


def _read(path: Path, kind: str, findings: list[Finding], within: Path | None = None) -> LMap | None:
    """Read and schema-check one file; None when it is unusable (findings explain why).
    ``within``: the folder the file must resolve into (the ward's own folder)."""
    name = display_path(path)
    data, problems = read_yaml(path, name, within)
    findings.extend(problems)
    if data is None and problems:
        return None
    if not isinstance(data, LMap):  # (a mapping read_yaml read)
        findings.append(Finding.make("wrong-kind", name, 1, 1,
                                     f"the file holds {describe(data)}; a mapping starting with `kind: {kind}` expected"))
        return None
    found = data.get("kind")
    if found != kind:
        line, col = data.at("kind")
        shown = "no `kind`" if "kind" not in data else f"kind {excerpt(found)}"
        findings.append(Finding.make("wrong-kind", name, line, col,
                                     f"{shown} found; {path.name} must say `kind: {kind}`"))
        return None
    if data.get("version") not in vocab.VERSIONS or isinstance(data.get("version"), bool):
        line, col = data.at("version")
        findings.append(Finding.make(
            "unsupported-version", name, line, col,
            f"version {excerpt(data.get('version'))} found; this wardtwin reads version "
            f"{', '.join(map(str, vocab.VERSIONS))} (a newer wardtwin may read this file)"))
        return None
    ctx = Ctx(name)
    checked: LMap = schema_for(kind).check(data, ctx, data.loc, kind)
    version_findings(kind, checked, ctx)
    findings.extend(ctx.findings)
    return checked


def _source(name: str, m: dict[Any, Any]) -> Source:
    """Where a mapping read by read_yaml (an :class:`LMap`) and its values were written."""
    lm = cast(LMap, m)
    return Source(name, lm.loc[0], lm.loc[1], {k: (v[0], v[1]) for k, v in lm.value_locs.items()})


def _ok(m: object, *keys: str) -> bool:
    return isinstance(m, dict) and all(m.get(k) is not INVALID for k in keys)


def _opt(v: Any) -> Any:
    """``v``, or None for a value the schema reported as invalid."""
    return None if v is INVALID else v


def _points(v: Iterable[Sequence[float]]) -> tuple[Point, ...]:
    return tuple((float(x), float(y)) for x, y in v)


class _Ids:
    """One namespace for room, door and item ids; reports duplicates with the first place."""

    def __init__(self, findings: list[Finding]):
        self.first: dict[str, str] = {}
        self.findings = findings

    def claim(self, what: str, ident: str, src: Source) -> bool:
        if ident == vocab.OUTSIDE:
            self.findings.append(Finding.make("duplicate-id", src.file, *src.at("id"),
                                              f"{what} id {ident!r} is reserved for doors that lead outside"))
            return False
        if ident in self.first:
            self.findings.append(Finding.make("duplicate-id", src.file, *src.at("id"),
                                              f"{what} id {ident!r} is already used by {self.first[ident]}"
                                              + src.note("id")))
            return False
        self.first[ident] = f"{what} {ident} ({src.file}:{src.line})"
        return True


@lru_cache(maxsize=4)
def _shipped_catalog(path: Path, mtime: float) -> tuple[LMap | None, tuple[Finding, ...]]:
    findings: list[Finding] = []
    data = _read(path, "catalog", findings)
    return data, tuple(findings)


def _types(data: LMap, name: str, assets: Path, ids: dict[str, str], origin: str, findings: list[Finding],
           broken: set[str]) -> list[EquipmentType]:
    out: list[EquipmentType] = []
    for t in (data.get("types") or []) if _ok(data, "types") else []:
        if not isinstance(t, dict):
            continue
        src = _source(name, t)
        if not _ok(t, "id", "name", "category", "footprint", "height", "description", "draw"):
            if t.get("id"):
                broken.add(t["id"])
            continue
        if t["id"] in ids:
            findings.append(Finding.make("duplicate-id", name, *src.at("id"),
                                         f"type id {t['id']!r} is already defined by {ids[t['id']]}"))
            continue
        ids[t["id"]] = f"{origin} ({name}:{src.line})"
        d = t["draw"]
        out.append(EquipmentType(
            id=t["id"], name=t["name"], category=t["category"], footprint=tuple(t["footprint"]),
            height=t["height"], description=t["description"].strip(),
            draw=Draw(_opt(d.get("shape")), _opt(d.get("color")), _opt(d.get("model"))),
            mount=_opt(t["mount"]) or "floor", elevation=_opt(t["elevation"]) or 0.0,
            safety_critical=bool(_opt(t["safety_critical"])), assets_dir=assets, src=src,
        ))
    return out


@gc_paused
def load_ward(ward: str | os.PathLike[str]) -> tuple[Layout | None, list[Finding]]:
    """Read a ward folder. Returns ``(layout, findings)``; ``layout`` is None when the ward or
    floor plan file is unusable. Structure and value problems are findings; geometry is not
    checked here (see :func:`wardtwin.layout.validate.validate`)."""
    root = resolve_ward(ward)
    real = Path(os.path.realpath(root))  # the ward's files may not lead outside it
    findings: list[Finding] = []
    broken: set[str] = set()
    files = {k: root / n for k, n in vocab.FILE_KINDS.items()}
    wd = _read(files["ward"], "ward", findings, real)
    fp = _read(files["floorplan"], "floorplan", findings, real)
    eq = _read(files["equipment"], "equipment", findings, real)
    wc = _read(files["catalog"], "catalog", findings, real) if os.path.lexists(files["catalog"]) else None

    shipped_path = assets_dir() / "catalog.yaml"
    try:
        sc, sc_findings = _shipped_catalog(shipped_path, shipped_path.stat().st_mtime)
    except FileNotFoundError:
        sc, sc_findings = None, (Finding.make("file-missing", display_path(shipped_path), 0, 0,
                                              "the shipped equipment catalog is missing; reinstall wardtwin"),)
    findings.extend(sc_findings)
    type_ids: dict[str, str] = {}
    catalog = {t.id: t for t in _types(sc, display_path(shipped_path), assets_dir(), type_ids,
                                       "the shipped catalog", findings, broken)} if sc else {}
    ward_types = _types(wc, display_path(files["catalog"]), root / "assets", type_ids,
                        "the ward catalog", findings, broken) if wc else []
    catalog.update((t.id, t) for t in ward_types)

    if fp is None:
        return None, findings
    wname = display_path(files["ward"])
    if wd is not None:
        ward_info = WardInfo(
            id=_opt(wd["id"]) or root.name, name=_opt(wd["name"]) or root.name,
            entrance=_opt(wd["entrance"]), wall_thickness=_opt(wd["wall_thickness"]) or WALL_THICKNESS,
            ceiling_height=_opt(wd["ceiling_height"]) or CEILING_HEIGHT, description=_opt(wd["description"]),
            src=_source(wname, wd), finishes=finishes_of(wd.get("finishes")))
    else:
        ward_info = WardInfo(id=root.name, name=root.name, entrance=None, src=Source(wname))

    ids = _Ids(findings)
    fname = display_path(files["floorplan"])
    rooms: list[Room] = []
    doors: list[Door] = []
    items: list[Item] = []
    links: list[tuple[str, str]] = []
    placed = expand_placements(root, fp, wd, fname, wname, _read, findings)  # modules first, in placement order
    broken |= placed.broken
    rooms += [r for r in placed.rooms if ids.claim("room", r.id, r.src)]
    for r in fp.get("rooms") or [] if _ok(fp, "rooms") else []:
        if not isinstance(r, dict):
            continue
        src = _source(fname, r)
        if not _ok(r, "id", "name", "kind", "polygon") or INVALID in r["polygon"]:
            if isinstance(r.get("id"), str):
                broken.add(r["id"])
            continue
        if ids.claim("room", r["id"], src):
            rooms.append(Room(r["id"], r["name"], r["kind"], _points(r["polygon"]), _opt(r["number"]),
                              _opt(r["ceiling_height"]), src, **room_extras(r)))
    doors += [d for d in placed.doors if ids.claim("door", d.id, d.src)]
    for d in fp.get("doors") or [] if _ok(fp, "doors") else []:
        if not isinstance(d, dict):
            continue
        src = _source(fname, d)
        if not _ok(d, "id", "between", "at", "width"):
            if isinstance(d.get("id"), str):
                broken.add(d["id"])
            if _ok(d, "between") and isinstance(d.get("between"), (list, tuple)) and len(d["between"]) == 2:
                links.append((str(d["between"][0]), str(d["between"][1])))
            continue
        if ids.claim("door", d["id"], src):
            doors.append(Door(d["id"], tuple(d["between"]), _points([d["at"]])[0], d["width"],
                              _opt(d["type"]) or "swing", bool(_opt(d["exit"])), src, **door_extras(d)))
    windows: list[Window] = [w for w in placed.windows if ids.claim("window", w.id, w.src)]
    for w in fp.get("windows") or [] if _ok(fp, "windows") else []:
        win = window_of(w, _source(fname, w)) if isinstance(w, dict) else None
        if win is None:
            if isinstance(w, dict) and isinstance(w.get("id"), str):
                broken.add(w["id"])
            continue
        if ids.claim("window", win.id, win.src):
            windows.append(win)
    ename = display_path(files["equipment"])
    items += [i for i in placed.items if ids.claim("item", i.id, i.src)]
    for it in eq.get("items") or [] if eq is not None and _ok(eq, "items") else []:
        if not isinstance(it, dict):
            continue
        src = _source(ename, it)
        if not _ok(it, "id", "type", "room", "at"):
            if isinstance(it.get("id"), str):
                broken.add(it["id"])
            continue
        if ids.claim("item", it["id"], src):
            items.append(Item(it["id"], it["type"], it["room"], _points([it["at"]])[0],
                              _opt(it["rotation"]) or 0.0, _opt(it["mount"]), _opt(it["elevation"]),
                              _opt(it["label"]), _opt(it["asset_tag"]), src))
    layout = Layout(root=root, ward=ward_info, rooms=tuple(rooms), doors=tuple(doors), items=tuple(items),
                    catalog=catalog, ward_type_ids=tuple(t.id for t in ward_types),
                    broken_ids=frozenset(broken), broken_links=tuple(links), windows=tuple(windows))
    return layout, findings
