"""Writing a :class:`Layout` back to a ward folder (the inverse of :func:`load_ward`).

Output is canonical: keys in schema order, values that were not given (None) left out, points
in flow style, numbers as loaded (no rounding), so ``load -> dump -> load`` gives an equal
layout. Files are written
to a temporary folder and moved into place, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from wardtwin.layout import vocab
from wardtwin.layout.model import Layout

if TYPE_CHECKING:
    from wardtwin.layout.finishes import Finishes


class _Flow(list[Any]):
    """A list dumped in flow style: ``[x, y]``."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
#: Characters YAML reads as line breaks inside plain or single-quoted text.
_BREAKS = ("\x85", "\u2028", "\u2029")


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # double quotes escape them; any other style would read them back as a space
    style = '"' if any(c in value for c in _BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _pt(p: Sequence[float]) -> _Flow:
    return _Flow([float(p[0]), float(p[1])])


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _finishes(f: Finishes | None) -> dict[str, Any] | None:
    """The ``finishes`` mapping of ward.yaml (None: none set)."""
    if f is None:
        return None
    from wardtwin.layout.finishes import KEYS

    out: dict[str, Any] = {k: getattr(f, k) for k in KEYS if getattr(f, k)}
    if f.floors:
        out["floors"] = dict(sorted(f.floors.items()))
    return out or None


def layout_documents(layout: Layout) -> dict[str, dict[str, Any]]:
    """File name -> document (plain data) for each file of the ward folder."""
    w = layout.ward
    # version 2's building fabric (windows, door leaves, lifts, alcoves, areas) needs version 2
    fabric = bool(layout.windows) or any(
        r.area is not None or r.open_to or r.lift or r.kind in vocab.V2_ROOM_KINDS for r in layout.rooms) or any(
        d.hinge or d.swing or d.leaves or d.fire_rating is not None or d.smoke or d.hold_open
        or d.bed_route is not None or d.type in vocab.V2_DOOR_TYPES for d in layout.doors)
    fv = 2 if fabric else 1
    docs: dict[str, dict[str, Any]] = {
        "ward.yaml": _drop_none({
            "kind": "ward", "version": 1, "id": w.id, "name": w.name, "entrance": w.entrance,
            "wall_thickness": w.wall_thickness, "ceiling_height": w.ceiling_height, "description": w.description,
            "finishes": _finishes(w.finishes),
        }),
        "floorplan.yaml": {
            "kind": "floorplan", "version": fv,
            "rooms": [_drop_none({
                "id": r.id, "name": r.name, "kind": r.kind, "number": r.number,
                "polygon": [_pt(p) for p in r.polygon], "ceiling_height": r.ceiling_height,
                "area": r.area, "open_to": r.open_to, "lift": r.lift,
            }) for r in layout.rooms],
            "doors": [_drop_none({
                "id": d.id, "between": _Flow(d.between), "at": _pt(d.at), "width": d.width,
                "type": d.type, "exit": d.exit, "hinge": d.hinge, "swing": d.swing,
                "leaves": _Flow(d.leaves) if d.leaves else None, "fire_rating": d.fire_rating,
                "smoke": d.smoke or None, "hold_open": d.hold_open or None, "bed_route": d.bed_route,
            }) for d in layout.doors],
            **({"windows": [{"id": x.id, "room": x.room, "at": _pt(x.at), "width": x.width, "sill": x.sill,
                             "head": x.head} for x in layout.windows]} if layout.windows else {}),
        },
        "equipment.yaml": {
            "kind": "equipment", "version": 1,
            "items": [_drop_none({
                "id": i.id, "type": i.type, "room": i.room, "at": _pt(i.at), "rotation": i.rotation,
                "mount": i.mount, "elevation": i.elevation, "label": i.label, "asset_tag": i.asset_tag,
            }) for i in layout.items],
        },
    }
    if layout.ward_type_ids:
        types: list[dict[str, Any]] = []
        for tid in layout.ward_type_ids:
            t = layout.catalog[tid]
            types.append(_drop_none({
                "id": t.id, "name": t.name, "category": t.category, "footprint": _Flow(t.footprint),
                "height": t.height, "mount": t.mount, "elevation": t.elevation,
                "safety_critical": t.safety_critical, "description": t.description,
                "draw": _drop_none({"shape": t.draw.shape, "color": t.draw.color, "model": t.draw.model}),
            }))
        docs["catalog.yaml"] = {"kind": "catalog", "version": 1, "types": types}
    return docs


def layout_hash(layout: Layout) -> str:
    """The ward version id recorded with every session (``layout_hash``): see
    :func:`wardtwin.versions.identity.ward_version`."""
    from wardtwin.versions.identity import ward_version

    return ward_version(layout)


def dump_yaml(doc: dict[str, Any]) -> str:
    """One document as YAML text."""
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def dump_ward(layout: Layout, folder: str | os.PathLike[str]) -> Path:
    """Write the layout as a ward folder (created; existing files of the four kinds replaced).
    Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    docs = layout_documents(layout)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".dump-") as tmp:
        for name, doc in docs.items():
            (Path(tmp) / name).write_text(dump_yaml(doc), encoding="utf-8")
        for name in docs:
            os.replace(Path(tmp) / name, folder / name)
    if "catalog.yaml" not in docs and (folder / "catalog.yaml").exists():
        (folder / "catalog.yaml").unlink()
    src_assets = layout.root / "assets"
    if layout.ward_type_ids and src_assets.is_dir() and src_assets.resolve() != (folder / "assets").resolve():
        shutil.copytree(src_assets, folder / "assets", dirs_exist_ok=True, ignore=_not_plain)
    return folder


def _not_plain(folder: str, names: list[str]) -> list[str]:
    """For ``copytree``: the names in ``folder`` that are links, pipes or devices (only plain
    files and folders are copied: a link to ``/dev/zero`` would never end)."""
    def plain(name: str) -> bool:
        mode = os.lstat(os.path.join(folder, name)).st_mode
        return stat.S_ISREG(mode) or stat.S_ISDIR(mode)
    return [n for n in names if not plain(n)]
