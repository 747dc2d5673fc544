"""Checks of the catalog's model paths: inside the assets folder, present, and readable as
the model format their suffix says, within size and triangle limits (checked with the
standard library only, reading headers and JSON, not whole files: no Panda3D)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import cast

from wardtwin.errors import InputFileError
from wardtwin.exchange.gltfcheck import ModelFileError, check_model_file
from wardtwin.layout.checks import finding, register
from wardtwin.layout.findings import Finding
from wardtwin.layout.plan import Plan

MODEL_SUFFIXES = (".glb", ".gltf", ".bam", ".egg")


def assets_base(assets_dir: Path) -> Path:
    """The folder that model files (and the files they refer to) must stay in: ``assets_dir``
    as found in its parent folder, so that an assets folder which is itself a link to
    somewhere else does not count as inside."""
    return Path(os.path.realpath(assets_dir.parent)) / assets_dir.name


def model_path(assets_dir: Path, rel: str) -> Path | None:
    """``rel`` resolved under ``assets_dir``; None when it escapes the folder (absolute,
    ``..``, a drive, a symlink leading out, or an assets folder that is a link to elsewhere)."""
    p = PurePosixPath(rel.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or ":" in rel:
        return None
    base = assets_base(assets_dir)
    full = Path(os.path.realpath(base / p))
    return full if full.is_relative_to(base) else None


def model_problem(path: Path, assets_dir: Path) -> tuple[str, str] | None:
    """``(finding code, why)`` when the model file at ``path`` cannot be used, else None: it
    must pass :func:`wardtwin.exchange.gltfcheck.check_model_file` (regular file, size, the
    format its suffix says, buffers and accessors that fit, a triangle budget), and everything
    it refers to must stay in the assets folder (``asset-path-escapes``)."""
    try:
        check_model_file(path, assets_base(assets_dir))
    except InputFileError as exc:
        why = exc.detail if exc.name == path.name else str(exc)
        return ("asset-path-escapes" if exc.reason == "outside" else "asset-unreadable"), why
    except ModelFileError as exc:
        return "asset-unreadable", str(exc)
    return None


@register("assets")
def assets(plan: Plan) -> Iterator[Finding]:
    for t in plan.layout.catalog.values():
        rel = t.draw.model
        if not rel:
            if not t.draw.shape:
                yield finding(t, "missing-key", f"type {t.id}: `draw` needs a `shape` or a `model`", "draw")
            continue
        assets_dir = cast(Path, t.assets_dir)  # set for every type a catalog file defines
        full = model_path(assets_dir, rel)
        if full is None:
            yield finding(t, "asset-path-escapes", f"type {t.id}: model path {rel!r} leads outside the assets "
                          f"folder {t.assets_dir}; a relative path inside it expected", "draw")
        elif not full.suffix.lower() in MODEL_SUFFIXES:
            yield finding(t, "wrong-type", f"type {t.id}: model {rel!r} is not a model file; one of "
                          f"{', '.join(MODEL_SUFFIXES)} expected", "draw")
        elif not os.path.lexists(full):
            yield finding(t, "asset-missing", f"type {t.id}: model {rel!r} not found in {t.assets_dir}", "draw")
        elif (problem := model_problem(full, assets_dir)) is not None:
            code, why = problem
            yield finding(t, code, f"type {t.id}: model {rel!r} cannot be used: {why}", "draw")
