"""Equipment drawn from model files (a catalog type's ``draw.model``): the shipped model, its
fit to the item's footprint, height and mount, batching, pixels, export, and the errors for a
missing or unreadable file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, replace_text
from wardtwin.exchange.gltf import accessor_array, glb_bytes, read_glb, y_up_to_z_up
from wardtwin.layout import check_ward, exit_code, plan_of
from wardtwin.scene.geometry import ward_geometry
from wardtwin.scene.mesh import hex_rgba
from wardtwin.scene.models import ModelError, item_model, load_model_mesh

MODEL = REPO / "assets" / "models" / "aed_cabinet.glb"
YELLOW = hex_rgba("#f9a825")  # the defibrillator behind the cabinet's glass
RED = hex_rgba("#d32f2f")  # the heart on its sign, on the front face
EXTINGUISHER_DRAW = 'draw: {shape: cylinder, color: "#d32f2f"}'
MODEL_DRAW = 'draw: {shape: cylinder, color: "#d32f2f", model: models/cabinet.glb}'


def _model_ward(ward_copy, data: bytes | None = None, write: bool = True) -> Path:
    """tiny, its extinguisher type (FE-1: 0.25 x 0.25 x 0.6 m on the wall at 0.6 m, turned
    180 degrees) drawn from a model in the ward's own assets folder."""
    ward = ward_copy()
    (ward / "assets" / "models").mkdir(parents=True)
    if write:
        (ward / "assets" / "models" / "cabinet.glb").write_bytes(MODEL.read_bytes() if data is None else data)
    replace_text(ward / "catalog.yaml", EXTINGUISHER_DRAW, MODEL_DRAW)
    return ward


def _catalog_line(ward: Path) -> int:
    lines = (ward / "catalog.yaml").read_text().splitlines()
    return next(k + 1 for k, line in enumerate(lines) if "models/cabinet.glb" in line)


def _near(mesh, rgba, tol=0.02):
    return np.all(np.abs(mesh.colors - np.array(rgba, np.float32)) < tol, axis=1)


def test_shipped_model_is_what_the_generator_writes():
    """Compared by content (float data within make_models.TOLERANCE), not bytes: a float may
    differ in its last bit on another CPU."""
    r = subprocess.run([sys.executable, str(REPO / "tools" / "make_models.py"), "--check"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def _make_models():
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import make_models
    finally:
        sys.path.remove(str(REPO / "tools"))
    return make_models


def test_model_check_tolerates_last_bits_and_names_real_differences():
    mm = _make_models()
    data = MODEL.read_bytes()
    doc, binary = read_glb(data)
    colours = doc["accessors"][doc["meshes"][0]["primitives"][0]["attributes"]["COLOR_0"]]
    start = doc["bufferViews"][colours["bufferView"]]["byteOffset"]

    def with_first_colour(delta: float) -> bytes:
        arr = accessor_array(doc, binary, doc["meshes"][0]["primitives"][0]["attributes"]["COLOR_0"]).copy()
        arr[0, 0] = np.nextafter(arr[0, 0], np.float32(2)) if delta == 0 else arr[0, 0] + np.float32(delta)
        out = bytearray(data)
        body = 20 + int.from_bytes(data[12:16], "little") + 8
        out[body + start:body + start + arr.nbytes] = arr.tobytes()
        return bytes(out)

    assert mm.model_differences(data, data) == []
    assert mm.model_differences(with_first_colour(0), data) == []  # one ulp: the same model
    problems = mm.model_differences(with_first_colour(0.01), data)
    assert len(problems) == 1 and "VEC4" in problems[0] and "0.01" in problems[0]
    assert mm.model_differences(b"junk", data)


def test_shipped_model_passes_khronos_validator():
    import json

    from test_scene import _validator

    v = _validator()
    if v is None:
        pytest.skip("Node.js with the npm package gltf-validator is not installed (.ci/run installs it)")
    node, mod_dir = v
    r = subprocess.run([node, str(REPO / "tools" / "gltf_validate.mjs"), str(MODEL)], cwd=mod_dir,
                       capture_output=True, text=True, timeout=120)
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["errors"] == 0, report["messages"]


def test_shipped_model_loads_in_wardtwin_axes():
    """The glTF file faces glTF's +z; loaded, it stands on z = 0 with its front to +y."""
    m = load_model_mesh(MODEL)
    assert m.n_triangles > 50
    lo, hi = m.bounds()
    assert np.allclose(lo, (-0.225, -0.1, 0.0), atol=1e-4) and np.allclose(hi, (0.225, 0.1, 0.55), atol=1e-4)
    heart = _near(m, RED)
    assert heart.any(), "the red heart lost its colour (linear/sRGB)"
    assert np.allclose(m.normals[heart], (0, 1, 0), atol=1e-4), "the front must face +y"
    assert m.positions[heart][:, 1].min() > 0.09
    assert np.allclose(np.linalg.norm(m.normals, axis=1), 1, atol=1e-4)


def test_a_type_with_a_model_is_drawn_from_it_at_its_footprint(ward_copy):
    ward = _model_ward(ward_copy)
    layout, findings = check_ward(ward)
    assert exit_code(findings) == 0, [f.format() for f in findings]
    g = ward_geometry(plan_of(layout), look="plain")  # the file's colours, unbaked
    mesh = g.item_parts["FE-1"].mesh
    assert _near(mesh, YELLOW).any(), "drawn from the procedural shape, not the model"
    lo, hi = mesh.bounds()
    # footprint 0.25 x 0.25 centred on (5.5, 7.4), from the 0.6 m elevation up 0.6 m
    assert np.allclose(lo, (5.375, 7.275, 0.6), atol=1e-4) and np.allclose(hi, (5.625, 7.525, 1.2), atol=1e-4)
    # turned 180 degrees, its front faces -y (away from the wall it hangs on)
    heart = _near(mesh, RED)
    assert np.allclose(mesh.normals[heart], (0, -1, 0), atol=1e-4)
    assert mesh.positions[heart][:, 1].max() < 7.3
    # the same file, another type: the model cache is per size
    assert item_model(layout.item_type(layout.item_by_id["FE-1"])).n_triangles == load_model_mesh(MODEL).n_triangles


def test_reference_ward_aed_cabinets_sit_on_the_wall_at_their_height():
    layout, findings = check_ward("medsurg-28")
    assert exit_code(findings) == 0
    g = ward_geometry(plan_of(layout))
    t = layout.catalog["aed"]
    assert t.draw.model == "models/aed_cabinet.glb"
    aeds = [it for it in layout.items if it.type == "aed"]
    assert aeds
    for it in aeds:
        mesh = g.item_parts[it.id].mesh
        assert _near(mesh, YELLOW).any()
        lo, hi = mesh.bounds()
        w, d = t.footprint
        if abs(it.rotation) % 180 == 90:
            w, d = d, w
        z0 = layout.elevation_of(it)
        assert np.allclose(hi - lo, (w, d, t.height), atol=1e-3)
        assert np.allclose((lo[:2] + hi[:2]) / 2, it.at, atol=1e-3)
        assert lo[2] == pytest.approx(z0, abs=1e-4) and z0 == pytest.approx(1.0)


def test_model_is_exported_with_the_ward(ward_copy):
    ward = _model_ward(ward_copy)
    layout, _ = check_ward(ward)
    g = ward_geometry(plan_of(layout))
    doc, binary = read_glb(glb_bytes(g.glb_meshes(), layout.ward.name))
    node = next(n for n in doc["nodes"] if n["name"] == "item/FE-1")
    prim = doc["meshes"][node["mesh"]]["primitives"][0]
    pos = y_up_to_z_up(accessor_array(doc, binary, prim["attributes"]["POSITION"]))
    assert np.allclose(pos, g.item_parts["FE-1"].mesh.positions, atol=1e-6)


def test_missing_model_is_a_finding_and_an_error_naming_the_catalog_line(ward_copy):
    ward = _model_ward(ward_copy, write=False)
    layout, findings = check_ward(ward)
    missing = [f for f in findings if f.code == "asset-missing"]
    assert missing and "models/cabinet.glb" in missing[0].message and missing[0].file.endswith("catalog.yaml")
    with pytest.raises(ModelError) as err:
        ward_geometry(plan_of(layout))
    msg = str(err.value)
    assert f"catalog.yaml:{_catalog_line(ward)}" in msg and "models/cabinet.glb" in msg and "test_extinguisher" in msg


@pytest.mark.parametrize("data", [b"glTF-not-really", b'{"asset": {"version": "2.0"}, "meshes": [{"primitives": [{}]}]}'])
def test_unreadable_model_is_an_error_naming_the_catalog_line_and_file(ward_copy, data):
    ward = _model_ward(ward_copy, data)
    layout, _ = check_ward(ward)
    with pytest.raises(ModelError) as err:
        ward_geometry(plan_of(layout))
    msg = str(err.value)
    assert f"catalog.yaml:{_catalog_line(ward)}" in msg
    assert "models/cabinet.glb" in msg and str(ward / "assets" / "models" / "cabinet.glb") in msg


def test_build_with_an_unreadable_model_writes_nothing(ward_copy, tmp_path):
    ward = _model_ward(ward_copy, b"glTF-not-really")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "wardtwin", "build", str(ward), "-o", str(out)], capture_output=True,
                       text=True, timeout=240, cwd=tmp_path)
    assert r.returncode == 1  # the check finds it first: a finding of error severity
    assert f"catalog.yaml:{_catalog_line(ward)}" in r.stderr and "models/cabinet.glb" in r.stderr
    assert "asset-unreadable" in r.stderr
    assert not out.exists() or not any(out.iterdir())


def test_bam_model_is_read_in_its_own_axes(tmp_path):
    """A .bam model is taken as wardtwin's frame and colours (no axis turn, no linear/sRGB)."""
    from wardtwin.scene.panda import mesh_node
    from panda3d.core import NodePath

    src = load_model_mesh(MODEL)
    path = tmp_path / "cabinet.bam"
    node = NodePath(mesh_node("cabinet", src))
    assert node.write_bam_file(str(path))
    m = load_model_mesh(path)
    assert np.allclose(m.bounds()[0], src.bounds()[0], atol=1e-5) and np.allclose(m.bounds()[1], src.bounds()[1], atol=1e-5)
    assert m.n_triangles == src.n_triangles


# --- Panda3D ----------------------------------------------------------------------------

def test_model_is_batched_and_seen_in_an_offscreen_render(ward_copy):
    from wardtwin.model import compile_ward
    from wardtwin.scene.camera import viewpoint
    from wardtwin.scene.offscreen import Offscreen
    from wardtwin.scene.panda import WardScene
    from dataclasses import replace

    ward = _model_ward(ward_copy)
    layout, _ = check_ward(ward)
    plan = plan_of(layout)
    g = ward_geometry(plan)
    batched = WardScene(g, locate=plan.room_at)
    assert batched.count_geoms() <= 6, "the model must be merged into the batch"
    body = batched._cells["corridor"].body.find("body")
    assert body.node().get_num_geoms() == 1, "the model must be part of its room's one batch"
    eye, target = viewpoint(compile_ward(layout, plan=plan), "FE-1")

    def render(geometry):
        scene = WardScene(geometry, locate=plan.room_at)
        scene.show_labels(False)
        with Offscreen((320, 180)) as off:
            scene.root.reparent_to(off.render)
            off.look(eye, target, scene=scene)
            return off.image().astype(int)

    def yellow(img):  # the lit defibrillator: strong red and green, little blue
        r, gr, b = img[..., 0], img[..., 1], img[..., 2]
        return (r > 150) & (gr > 90) & (gr < r) & (b < 80)

    img = render(g)
    seen = yellow(img)
    assert seen.sum() > 20, "the model's yellow is not in view"
    ys, xs = np.nonzero(seen)
    assert abs(xs.mean() - img.shape[1] / 2) < img.shape[1] * 0.2, "the model is not where the item is"
    without = render(replace(g, parts=tuple(p for p in g.parts if p.ref != "FE-1")))
    assert yellow(without).sum() < seen.sum() * 0.1
