"""``wardtwin build`` and ``wardtwin snapshot``: a ward's scene written as .bam, .glb and a JSON
summary, or rendered offscreen to a PNG. Imports Panda3D."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from panda3d.core import NodePath

from wardtwin.errors import OutputPathError
from wardtwin.exchange.files import check_output_path, ensure_output_dir
from wardtwin.exchange.gltf import glb_bytes
from wardtwin.layout.model import Layout
from wardtwin.layout.plan import Plan, plan_of
from wardtwin.scene.camera import overview, viewpoint
from wardtwin.scene.geometry import WardGeometry, ward_geometry
from wardtwin.scene.panda import WardScene

VIEWS = ("eye", "plan", "orbit")


def summary(layout: Layout, geometry: WardGeometry, scene: WardScene, model: NodePath) -> dict:
    """Counts and bounds of a built scene (what ``build`` writes as JSON); ``nodes``: those of
    ``model``, what the .bam holds (:meth:`WardScene.standalone`)."""
    return {
        "ward": layout.ward.id,
        "name": layout.ward.name,
        "rooms": len(layout.rooms),
        "doors": len(layout.doors),
        "items": len(layout.items),
        "nodes": model.count_num_descendants() + 1,
        "triangles": geometry.n_triangles,
        "draw_calls": scene.count_geoms(),
        "labels": len(geometry.labels),
        "signs": len(geometry.signs),
        "bounds": {"min": list(geometry.bounds[0]), "max": list(geometry.bounds[1])},
        "units": "m, z up",
    }


def build(layout: Layout, out_dir: str | os.PathLike, plan: Plan | None = None) -> dict:
    """Write ``<id>.bam``, ``<id>.glb`` and ``<id>.json`` into ``out_dir`` and return the
    summary. All three are written to a temporary folder first and moved into place only when
    all succeeded; only new paths or regular files are replaced (anything else there:
    :class:`~wardtwin.errors.OutputPathError`, before any work)."""
    out = ensure_output_dir(out_dir)
    stem = layout.ward.id
    targets = {k: check_output_path(out / f"{stem}.{k}") for k in ("bam", "glb", "json")}
    plan = plan or plan_of(layout)
    geometry = ward_geometry(plan)
    scene = WardScene(geometry)
    model = scene.standalone()
    info = summary(layout, geometry, scene, model)
    info["files"] = {k: f"{stem}.{k}" for k in ("bam", "glb", "json")}
    try:
        with tempfile.TemporaryDirectory(dir=out, prefix=".build-") as tmp:
            tmp = Path(tmp)
            if not model.write_bam_file(str(tmp / f"{stem}.bam")):
                raise OutputPathError(f"{targets['bam']}: not written: Panda3D could not write the .bam")
            (tmp / f"{stem}.glb").write_bytes(glb_bytes(geometry.glb_meshes(), layout.ward.name))
            (tmp / f"{stem}.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
            for k, target in targets.items():
                os.replace(tmp / f"{stem}.{k}", check_output_path(target))
    except OSError as exc:
        raise OutputPathError(f"{out}: not written: {exc.strerror or exc}") from None
    return info


def snapshot(model, out: str | os.PathLike, *, at: str | None = None, look: str | None = None,
             view: str = "eye", size=(1280, 720), labels: bool = True, ceilings: bool | None = None) -> dict:
    """Render one offscreen frame to ``out`` (PNG). ``view``: ``eye`` (first person from
    ``at`` toward ``look``), ``plan`` (top-down, orthographic) or ``orbit`` (dollhouse).
    Ceilings are hidden in the overview views unless asked for. ``model``: the compiled ward
    (:func:`wardtwin.model.check` gives it)."""
    from wardtwin.errors import UnknownNameError, UsageError
    from wardtwin.scene.offscreen import Offscreen

    if view not in VIEWS:
        raise UnknownNameError("view", view, VIEWS)
    if view == "eye" and not at:
        raise UsageError("an eye-level snapshot needs --at PLACE (a room, door or item id, or x,y)")
    check_output_path(out)  # before rendering: a refused path costs nothing
    plan = model.plan
    geometry = ward_geometry(plan)
    scene = WardScene(geometry, locate=plan.room_at)
    scene.show_labels(labels)
    scene.show_ceilings(view == "eye" if ceilings is None else ceilings)
    with Offscreen(size) as off:
        scene.root.reparent_to(off.render)
        if view == "eye":
            eye, target = viewpoint(model, at, look)
        else:
            eye, target, film = overview(geometry.bounds, view, size[0] / size[1])
            if film is not None:
                off.orthographic(film, film * size[1] / size[0])
        off.look(eye, target, up=(0, 1, 0) if view == "plan" else (0, 0, 1), scene=scene)
        off.save(out)
        return {"file": str(out), "view": view, "eye": list(map(float, eye)), "target": list(map(float, target)),
                "size": list(size), "renderer": off.renderer}
