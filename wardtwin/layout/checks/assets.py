"""Checks of the catalog's model paths: inside the assets folder, present, and readable as
the model format their suffix says (checked with the standard library only: no Panda3D)."""

from __future__ import annotations

import json
import struct
from pathlib import Path, PurePosixPath

from wardtwin.layout.checks import finding, register
from wardtwin.layout.plan import Plan

MODEL_SUFFIXES = (".glb", ".gltf", ".bam", ".egg")


def model_path(assets_dir: Path, rel: str) -> Path | None:
    """``rel`` resolved under ``assets_dir``; None when it escapes the folder (absolute,
    ``..``, a drive, or a symlink leading out)."""
    p = PurePosixPath(rel.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or ":" in rel:
        return None
    base = assets_dir.resolve()
    full = (base / p).resolve()
    return full if full.is_relative_to(base) else None


def model_problem(path: Path) -> str | None:
    """Why the model file at ``path`` cannot be read as its suffix says (None: it can): a
    ``.glb`` needs glTF's binary header (magic, version 2, the file's length) and a JSON chunk
    with ``asset.version`` "2.0"; a ``.gltf`` the same JSON and every external buffer or image
    present; a ``.bam`` Panda3D's header; an ``.egg`` UTF-8 text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    suffix = path.suffix.lower()
    if suffix == ".bam":
        return None if data.startswith(b"pbj\0\n\r") else "not a Panda3D .bam file (no 'pbj' header)"
    if suffix == ".egg":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return "not a text .egg file (not UTF-8)"
        return None
    if suffix == ".glb":
        if len(data) < 20 or data[:4] != b"glTF":
            return "not a binary glTF file (no 'glTF' header)"
        version, length = struct.unpack_from("<II", data, 4)
        if version != 2:
            return f"binary glTF version {version}; version 2 expected"
        if length != len(data):
            return f"cut short or padded: the header says {length} bytes, the file has {len(data)}"
        chunk_len, chunk_type = struct.unpack_from("<II", data, 12)
        if chunk_type != 0x4E4F534A or 20 + chunk_len > len(data):  # "JSON"
            return "its first chunk is not glTF JSON"
        text = data[20:20 + chunk_len]
    else:
        text = data
    try:
        doc = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return f"its glTF JSON cannot be parsed ({exc})"
    version = doc.get("asset", {}).get("version") if isinstance(doc, dict) and isinstance(doc.get("asset"), dict) \
        else None
    if version != "2.0":
        return f"glTF asset version {version!r}; \"2.0\" expected"
    if suffix == ".gltf":
        for kind in ("buffers", "images"):
            for entry in doc.get(kind) or []:
                uri = entry.get("uri") if isinstance(entry, dict) else None
                if uri and not uri.startswith("data:") and not (path.parent / uri).is_file():
                    return f"its {kind[:-1]} {uri!r} is missing next to it"
    return None


@register("assets")
def assets(plan: Plan):
    for t in plan.layout.catalog.values():
        rel = t.draw.model
        if not rel:
            if not t.draw.shape:
                yield finding(t, "missing-key", f"type {t.id}: `draw` needs a `shape` or a `model`", "draw")
            continue
        full = model_path(t.assets_dir, rel)
        if full is None:
            yield finding(t, "asset-path-escapes", f"type {t.id}: model path {rel!r} leads outside the assets "
                          f"folder {t.assets_dir}; a relative path inside it expected", "draw")
        elif not full.suffix.lower() in MODEL_SUFFIXES:
            yield finding(t, "wrong-type", f"type {t.id}: model {rel!r} is not a model file; one of "
                          f"{', '.join(MODEL_SUFFIXES)} expected", "draw")
        elif not full.is_file():
            yield finding(t, "asset-missing", f"type {t.id}: model {rel!r} not found in {t.assets_dir}", "draw")
        elif (why := model_problem(full)) is not None:
            yield finding(t, "asset-unreadable", f"type {t.id}: model {rel!r} cannot be used: {why}", "draw")
