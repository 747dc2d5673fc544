"""Checks of the catalog's model paths: inside the assets folder, and present."""

from __future__ import annotations

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
