"""``wardtwin build`` and ``wardtwin snapshot``: a ward's scene written as .bam, .glb and a JSON
summary, or rendered offscreen to a PNG. Imports Panda3D."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from panda3d.core import NodePath

from wardtwin.errors import OutputPathError
from wardtwin.exchange.files import check_output_path, ensure_output_dir
from wardtwin.exchange.gltf import glb_bytes
from wardtwin.layout.model import Layout
from wardtwin.layout.plan import Plan, plan_of
from wardtwin.scene.camera import overview, viewpoint
from wardtwin.scene.geometry import WardGeometry, ward_geometry
from wardtwin.scene.panda import WardScene

if TYPE_CHECKING:
    from wardtwin.model.compiled import WardModel

VIEWS = ("eye", "plan", "orbit")

#: A point or extent in the ward's frame: x, y, z in metres (z up).
Xyz = tuple[float, float, float]


@dataclass(frozen=True)
class SceneSummary:
    """Counts and bounds of a built scene: ``nodes`` of the model the .bam holds, ``triangles``,
    ``draw_calls`` (Geoms), ``labels`` and ``signs``; ``bounds`` (lowest, highest corner, m)."""

    ward: str
    name: str
    rooms: int
    doors: int
    items: int
    nodes: int
    triangles: int
    draw_calls: int
    labels: int
    signs: int
    bounds: tuple[Xyz, Xyz]
    units: str = "m, z up"

    def as_dict(self) -> dict[str, Any]:
        """The summary as ``build`` writes it in ``<id>.json`` (bounds as ``{"min", "max"}``)."""
        return {"ward": self.ward, "name": self.name, "rooms": self.rooms, "doors": self.doors,
                "items": self.items, "nodes": self.nodes, "triangles": self.triangles,
                "draw_calls": self.draw_calls, "labels": self.labels, "signs": self.signs,
                "bounds": {"min": list(self.bounds[0]), "max": list(self.bounds[1])}, "units": self.units}


class BuildFiles(NamedTuple):
    """The names of the files ``build`` wrote, relative to its output folder."""

    bam: str
    glb: str
    json: str


@dataclass(frozen=True)
class BuildResult:
    """What ``build`` wrote: the scene's ``summary`` and the ``files``."""

    summary: SceneSummary
    files: BuildFiles

    def as_dict(self) -> dict[str, Any]:
        """The content of ``<id>.json``: the summary, then ``files`` by kind."""
        return {**self.summary.as_dict(), "files": self.files._asdict()}


@dataclass(frozen=True)
class Snapshot:
    """One rendered frame: the PNG ``file``, the ``view``, camera ``eye`` and ``target`` (m),
    ``size`` (width, height in pixels) and the ``renderer`` that drew it."""

    file: str
    view: str
    eye: Xyz
    target: Xyz
    size: tuple[int, int]
    renderer: str

    def as_dict(self) -> dict[str, Any]:
        """The snapshot as plain JSON data (tuples as lists)."""
        return {"file": self.file, "view": self.view, "eye": list(self.eye), "target": list(self.target),
                "size": list(self.size), "renderer": self.renderer}


def summary(layout: Layout, geometry: WardGeometry, scene: WardScene, model: NodePath) -> SceneSummary:
    """Counts and bounds of a built scene (what ``build`` writes as JSON); ``nodes``: those of
    ``model``, what the .bam holds (:meth:`WardScene.standalone`)."""
    return SceneSummary(
        ward=layout.ward.id, name=layout.ward.name, rooms=len(layout.rooms), doors=len(layout.doors),
        items=len(layout.items), nodes=model.count_num_descendants() + 1, triangles=geometry.n_triangles,
        draw_calls=scene.count_geoms(), labels=len(geometry.labels), signs=len(geometry.signs),
        bounds=geometry.bounds)


def build(layout: Layout, out_dir: str | os.PathLike[str], plan: Plan | None = None, *,
          model: WardModel | None = None) -> BuildResult:
    """Write ``<id>.bam``, ``<id>.glb`` and ``<id>.json`` into ``out_dir`` and return what was
    written (the summary and the file names). All three are written to a temporary folder first
    and moved into place only when all succeeded; only new paths or regular files are replaced
    (anything else there: :class:`~wardtwin.errors.OutputPathError`, before any work).
    ``model``: the ward already compiled, when the caller has it (see :func:`ward_geometry`)."""
    out = ensure_output_dir(out_dir)
    stem = layout.ward.id
    targets = {k: check_output_path(out / f"{stem}.{k}") for k in ("bam", "glb", "json")}
    plan = plan or plan_of(layout)
    geometry = ward_geometry(plan, model=model)
    scene = WardScene(geometry)
    model = scene.standalone()
    info = BuildResult(summary(layout, geometry, scene, model), BuildFiles(*(f"{stem}.{k}" for k in targets)))
    try:
        with tempfile.TemporaryDirectory(dir=out, prefix=".build-") as tmp_name:
            tmp = Path(tmp_name)
            if not model.write_bam_file(str(tmp / f"{stem}.bam")):
                raise OutputPathError(f"{targets['bam']}: not written: Panda3D could not write the .bam")
            (tmp / f"{stem}.glb").write_bytes(glb_bytes(geometry.glb_meshes(), layout.ward.name))
            (tmp / f"{stem}.json").write_text(json.dumps(info.as_dict(), indent=2) + "\n", encoding="utf-8")
            for k, target in targets.items():
                os.replace(tmp / f"{stem}.{k}", check_output_path(target))
    except OSError as exc:
        raise OutputPathError(f"{out}: not written: {exc.strerror or exc}") from None
    return info


def snapshot(model: WardModel, out: str | os.PathLike[str], *, at: str | None = None, look: str | None = None,
             view: str = "eye", size: tuple[int, int] = (1280, 720), labels: bool = True,
             ceilings: bool | None = None) -> Snapshot:
    """Render one offscreen frame to ``out`` (PNG). ``view``: ``eye`` (first person from
    ``at`` toward ``look``), ``plan`` (top-down, orthographic) or ``orbit`` (dollhouse).
    Ceilings are hidden in the overview views unless asked for. ``model``: the compiled ward
    (:func:`wardtwin.model.check` gives it)."""
    from wardtwin.errors import UnknownNameError, UsageError
    from wardtwin.scene.offscreen import Offscreen

    if view not in VIEWS:
        raise UnknownNameError("view", view, VIEWS)
    place = None  # where an eye-level view is taken
    if view == "eye":
        if not at:
            raise UsageError("an eye-level snapshot needs --at PLACE (a room, door or item id, or x,y)")
        place = at
    check_output_path(out)  # before rendering: a refused path costs nothing
    plan = model.plan
    geometry = ward_geometry(plan, model=model)  # the signs' routes: this model's, not compiled again
    scene = WardScene(geometry, locate=plan.room_at)
    scene.show_labels(labels)
    scene.show_ceilings(view == "eye" if ceilings is None else ceilings)
    with Offscreen(size) as off:
        scene.root.reparent_to(off.render)
        if place is not None:
            eye, target = viewpoint(model, place, look)
        else:
            eye, target, film = overview(geometry.bounds, view, size[0] / size[1])
            if film is not None:
                off.orthographic(film, film * size[1] / size[0])
        off.look(eye, target, up=(0, 1, 0) if view == "plan" else (0, 0, 1), scene=scene)
        off.save(out)
        x, y, z = map(float, eye)
        tx, ty, tz = map(float, target)
        return Snapshot(file=str(out), view=view, eye=(x, y, z), target=(tx, ty, tz), size=(size[0], size[1]),
                        renderer=off.renderer)
