"""Loading a tour file into a :class:`~wardtwin.tours.spec.Tour`, the same way a layout file
is loaded: :func:`~wardtwin.layout.yamlsafe.read_yaml`, then the schema, every problem a
:class:`~wardtwin.layout.findings.Finding` with file:line. Never raises for bad content.
References to the ward are checked by :mod:`wardtwin.tours.validate`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any, cast

from wardtwin.errors import UsageError
from wardtwin.events.kinds import TourMode
from wardtwin.exchange.reading import resolve
from wardtwin.layout.findings import Finding
from wardtwin.layout.load import display_path, resolve_ward
from wardtwin.layout.model import Source
from wardtwin.layout.schema import INVALID, Ctx
from wardtwin.layout.units import describe, excerpt
from wardtwin.layout.yamlsafe import LMap, read_yaml
from wardtwin.tours.schema import TOUR_VERSIONS, tour_schema
from wardtwin.tours.spec import ComfortSettings, Step, Tour, freeze

#: Folder of a ward that holds its tours.
TOURS_DIR = "tours"
#: Step parameters given in degrees in files and kept in radians inside code.
ANGLE_PARAMS = ("view_angle",)


def shipped_tours(ward: str | os.PathLike[str]) -> list[str]:
    """Names of the tours in a ward folder's ``tours/`` (without ``.yaml``)."""
    d = resolve_ward(ward) / TOURS_DIR
    return sorted(p.stem for p in d.glob("*.yaml")) if d.is_dir() else []


def resolve_tour(ward: str | os.PathLike[str], tour: str | os.PathLike[str]) -> Path:
    """A tour file from a path, or from a tour name in the ward folder's ``tours/`` (which must
    not lead outside the ward folder: :class:`~wardtwin.errors.InputFileError`). A path that is
    there but not a regular file is returned: :func:`load_tour` says what it is."""
    p = Path(tour)
    if os.path.lexists(p) and not p.is_dir():
        return p
    root = resolve_ward(ward)  # an unknown ward is the problem to report, not the tour
    if not p.parent.parts:
        cand = root / TOURS_DIR / (p.name if p.suffix in (".yaml", ".yml") else f"{p.name}.yaml")
        if os.path.lexists(cand):
            resolve(cand, display_path(cand), within=root)
            return cand
    names = shipped_tours(ward)
    raise UsageError(f"{tour}: no such tour file" + (f"; tours of this ward: {', '.join(names)}" if names else ""))


def _source(name: str, m: LMap) -> Source:
    return Source(name, m.loc[0], m.loc[1], {k: tuple(v) for k, v in getattr(m, "value_locs", {}).items()})


def _digest(data: object) -> str:
    def plain(v: object) -> object:
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    text = json.dumps(plain(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _comfort(c: object) -> ComfortSettings:
    base = ComfortSettings()
    if not isinstance(c, dict):
        return base
    kw: dict[str, Any] = {}
    for key in ("max_speed", "acceleration", "turn", "vignette", "stop_pause", "fms_stop", "fms_action"):
        if c.get(key) not in (None, INVALID):
            kw[key] = c[key]
    for key in ("yaw_rate", "snap_angle"):
        if c.get(key) not in (None, INVALID):
            kw[key] = math.radians(c[key])
    return ComfortSettings(**{**base.__dict__, **kw})


def load_tour(path: str | os.PathLike[str]) -> tuple[Tour | None, list[Finding]]:
    """Read and schema-check a tour file. Returns ``(tour, findings)``; ``tour`` is None when
    the file is unusable. Steps with errors are left out of the tour (their findings say why)."""
    path = Path(path)
    name = display_path(path)
    data, findings = read_yaml(path, name)
    findings = list(findings)
    if data is None and findings:
        return None, findings
    if not isinstance(data, dict):
        return None, findings + [Finding.make("wrong-kind", name, 1, 1,
                                              f"the file holds {describe(data)}; a mapping starting with "
                                              "`kind: tour` expected")]
    data = cast(LMap, data)  # read_yaml's mappings are located
    if data.get("kind") != "tour":
        line, col = data.at("kind")
        shown = "no `kind`" if "kind" not in data else f"kind {excerpt(data.get('kind'))}"
        return None, findings + [Finding.make("wrong-kind", name, line, col,
                                              f"{shown} found; a tour file must say `kind: tour`")]
    version = data.get("version")
    if version not in TOUR_VERSIONS or isinstance(version, bool):
        line, col = data.at("version")
        return None, findings + [Finding.make(
            "unsupported-version", name, line, col,
            f"version {excerpt(version)} found; this wardtwin reads tour version "
            f"{', '.join(map(str, TOUR_VERSIONS))} (a newer wardtwin may read this file)")]
    ctx = Ctx(name)
    checked = cast(LMap, tour_schema().check(data, ctx, data.loc, "tour"))  # a mapping checks into a mapping
    findings.extend(ctx.findings)
    if any(checked.get(k) is INVALID for k in ("id", "name", "ward", "steps")):
        return None, findings

    steps: list[Step] = []
    seen: dict[object, int] = {}
    for i, s in enumerate(checked["steps"]):
        if not isinstance(s, LMap):
            continue
        src = _source(name, s)
        if any(v is INVALID for v in s.values()):
            continue
        sid = s.get("id") or f"step-{i + 1}"
        if sid in seen:
            findings.append(Finding.make("duplicate-id", name, *src.at("id"),
                                         f"step {i + 1}: step id {sid!r} is already used by step {seen[sid] + 1}"))
            continue
        seen[sid] = i
        params = {k: v for k, v in s.items() if k not in ("type", "id", "title")}
        for k in ANGLE_PARAMS:
            if params.get(k) is not None:
                params[k] = math.radians(params[k])
        steps.append(Step(index=len(steps), type=s["type"], id=str(sid), title=s.get("title"),
                          params=freeze(params), src=src))
    def opt(k: str) -> Any:
        return None if checked.get(k) is INVALID else checked.get(k)

    tour = Tour(id=str(checked["id"]), name=checked["name"], ward=str(checked["ward"]), steps=tuple(steps),
                mode=opt("mode") or TourMode.GUIDED.value, start=opt("start"), comfort=_comfort(opt("comfort")),
                revision=opt("revision"), description=opt("description"), digest=_digest(data),
                pass_mark=opt("pass_mark"),
                src=_source(name, checked))
    return tour, findings
