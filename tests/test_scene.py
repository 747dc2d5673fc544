"""The 3D twin: meshes, the Panda3D scene, offscreen snapshots (looking at the pixels), the
glTF export (round trip, Khronos validator when Node has it) and `wardtwin build`."""

import json
import math
from dataclasses import replace
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wardtwin.errors import UnknownNameError
from wardtwin.exchange.gltf import accessor_array, glb_bytes, read_glb, y_up_to_z_up, z_up_to_y_up
from wardtwin.layout import check_ward, exit_code, plan_of, shipped_wards
from wardtwin.model import compile_ward
from wardtwin.scene.geometry import LAYERS, ward_geometry
from wardtwin.scene.mesh import Mesh, MeshBuilder, hex_rgba
from wardtwin.scene.equipment import BEYOND
from wardtwin.scene.shapes import SHAPES, build_shape
from wardtwin.layout import vocab

ROOT = Path(__file__).resolve().parents[1]
TINY = Path(__file__).parent / "wards" / "tiny"


@pytest.fixture(scope="module")
def tiny():
    layout, findings = check_ward(TINY)
    assert exit_code(findings) == 0
    plan = plan_of(layout)
    return layout, plan, ward_geometry(plan)


def test_every_catalog_shape_has_a_builder():
    assert set(SHAPES) == set(vocab.SHAPES)
    with pytest.raises(UnknownNameError, match="bed"):
        build_shape("sofa", 1, 1, 1, (1, 1, 1, 1))


@pytest.mark.parametrize("shape", vocab.SHAPES)
def test_shapes_fill_their_box(shape):
    w, d, h = 0.8, 0.6, 1.2
    m = build_shape(shape, w, d, h, hex_rgba("#c62828"))
    lo, hi = m.bounds()
    assert 10 <= m.n_triangles <= 1000
    # inside the footprint (a handle or a hose may stand out a few cm) and up to the height,
    # but for what a shape says it draws beyond (a sign above, a bed's headwall behind)
    above, behind, side = BEYOND.get(shape, (0.0, 0.0, 0.0))
    assert lo[0] >= -w / 2 - 0.06 - side and hi[0] <= w / 2 + 0.06 + side
    assert lo[1] >= -d / 2 - 0.06 - behind and hi[1] <= d / 2 + 0.06
    assert lo[2] >= -1e-6 and hi[2] <= h + above + 0.01 and abs(hi[2] - h) < 0.05 * h + 0.01 + above
    assert np.allclose(np.linalg.norm(m.normals, axis=1), 1, atol=1e-4)


def test_box_normals_point_outward():
    b = MeshBuilder()
    b.box(0, 0, 0, 1, 2, 3, (1, 1, 1, 1), bottom=True)
    m = b.build()
    centre = np.array([0.5, 1, 1.5])
    for tri in m.triangles:
        p = m.positions[tri].mean(axis=0)
        assert np.dot(m.normals[tri[0]], p - centre) > 0
        a, b_, c = m.positions[tri]
        assert np.dot(np.cross(b_ - a, c - a), m.normals[tri[0]]) > 0, "triangle wound clockwise"


def test_geometry_layers_and_items(tiny):
    layout, plan, g = tiny
    assert {p.layer for p in g.parts} <= set(LAYERS)
    assert set(g.item_parts) == {i.id for i in layout.items}
    assert {a.ref for a in g.labels} == {i.id for i in layout.items if layout.item_type(i).safety_critical}
    # every door into a room gets a sign; the stair exit's sign says EXIT
    assert any("EXIT" in a.text for a in g.signs)
    lo, hi = g.bounds
    assert hi[2] == pytest.approx(layout.ward.ceiling_height, abs=1e-3)
    # items sit at their footprint: the bed's mesh is centred on its position
    bed = g.item_parts["BED-101"].mesh
    blo, bhi = bed.bounds()
    assert (blo[0] + bhi[0]) / 2 == pytest.approx(1.8, abs=0.05)
    assert bhi[1] - blo[1] == pytest.approx(2.2, abs=0.06)


def test_walls_leave_door_openings(tiny):
    """Walls fill their stretch except the door openings (below the lintel)."""
    layout, plan, g = tiny
    walls = Mesh.concat([p.mesh for p in g.layer("wall")])
    # D101 at (1.8, 5.0), 1.2 m wide: no wall vertex strictly inside the opening below 2.0 m
    p = walls.positions
    inside = (np.abs(p[:, 0] - 1.8) < 0.55) & (np.abs(p[:, 1] - 5.0) < 0.1) & (p[:, 2] < 2.0)
    assert not inside.any()


def test_gltf_round_trip(tiny):
    layout, plan, g = tiny
    doc, binary = read_glb(glb_bytes(g.glb_meshes(), layout.ward.name))
    assert doc["asset"]["version"] == "2.0"
    names = [n["name"] for n in doc["nodes"]]
    assert names == [p.name for p in g.parts if p.mesh.n_triangles]
    for node in doc["nodes"]:
        part = next(p for p in g.parts if p.name == node["name"])
        prim = doc["meshes"][node["mesh"]]["primitives"][0]
        pos = y_up_to_z_up(accessor_array(doc, binary, prim["attributes"]["POSITION"]))
        assert np.allclose(pos, part.mesh.positions, atol=1e-6)
        idx = accessor_array(doc, binary, prim["indices"]).reshape(-1, 3)
        assert (idx == part.mesh.triangles).all()
    # glTF is y-up: the ceiling height is on y, and plan north (+y) is glTF -z
    v = np.array([[1.0, 2.0, 3.0]])
    assert z_up_to_y_up(v).tolist() == [[1.0, 3.0, -2.0]]


def _validator():
    node = shutil.which("node")
    mod_dir = os.environ.get("WARDTWIN_GLTF_VALIDATOR_DIR", str(ROOT / ".ci" / "node"))
    if not node or not (Path(mod_dir) / "node_modules" / "gltf-validator").is_dir():
        return None
    return node, mod_dir


@pytest.mark.parametrize("ward", ["tiny", *shipped_wards()])
def test_glb_passes_khronos_validator(ward, tmp_path):
    v = _validator()
    if v is None:
        pytest.skip("Node.js with the npm package gltf-validator is not installed (.ci/run installs it)")
    node, mod_dir = v
    layout, findings = check_ward(TINY if ward == "tiny" else ward)
    out = tmp_path / f"{layout.ward.id}.glb"
    out.write_bytes(glb_bytes(ward_geometry(plan_of(layout)).glb_meshes()))
    r = subprocess.run([node, str(ROOT / "tools" / "gltf_validate.mjs"), str(out)], cwd=mod_dir,
                       capture_output=True, text=True, timeout=120)
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["errors"] == 0, report["messages"]


# --- Panda3D: only these tests import it -------------------------------------------------

@pytest.fixture(scope="module")
def offscreen():
    from wardtwin.scene.offscreen import Offscreen

    with Offscreen((320, 180)) as off:
        yield off


def test_scene_is_batched(tiny):
    from wardtwin.scene.panda import WardScene

    layout, plan, g = tiny
    batched, naive = WardScene(g), WardScene(g, batched=False)
    assert batched.count_geoms() <= 6
    assert naive.count_geoms() >= len(layout.items)
    assert batched.label("FE-1").get_pos().z > 1.0
    with pytest.raises(UnknownNameError, match="FE-1"):
        batched.label("BED-101")  # not safety-critical: no label


def _red(img):
    r, g, b = (img[..., k].astype(int) for k in range(3))
    return (r > 150) & (g < 80) & (b < 80)


def test_eye_snapshot_sees_the_extinguisher(tiny, offscreen):
    from wardtwin.scene.camera import viewpoint
    from wardtwin.scene.panda import WardScene

    layout, plan, g = tiny
    eye, target = viewpoint(compile_ward(layout, plan=plan), "FE-1")
    assert plan.room_at(*eye[:2]) == "corridor", "the camera must stand in the item's room"

    def render(geometry):
        scene = WardScene(geometry, locate=plan.room_at)
        scene.root.reparent_to(offscreen.render)
        try:
            offscreen.look(eye, target, scene=scene)
            return offscreen.image()
        finally:
            scene.root.remove_node()

    img = render(g)
    assert img.std() > 10, "blank frame"
    red = _red(img)
    assert red.sum() > 30, "the red extinguisher is not in view"
    ys, xs = np.nonzero(red)
    assert abs(xs.mean() - img.shape[1] / 2) < img.shape[1] * 0.2, "the extinguisher is not centred"
    # without the extinguisher's part the red pixels are gone: they were the extinguisher's
    without = replace(g, parts=tuple(p for p in g.parts if p.ref != "FE-1"),
                      labels=tuple(a for a in g.labels if a.ref != "FE-1"))
    assert _red(render(without)).sum() < red.sum() * 0.1


def test_room_is_seen_through_its_door(tiny, offscreen):
    """From the corridor, the bed of room 101 is drawn through the open doorway: the portal
    from the corridor's cell into 101's cell works (it would not if wired or wound wrongly)."""
    from wardtwin.scene.panda import WardScene

    layout, plan, g = tiny

    def render(geometry):
        scene = WardScene(geometry, locate=plan.room_at)
        scene.root.reparent_to(offscreen.render)
        try:
            offscreen.look((1.8, 7.0, 1.65), (1.8, 1.0, 0.6), scene=scene)
            assert scene.current_cell == "corridor" and scene.overview.is_hidden()
            assert scene._cells["101"].node.is_hidden(), "101's cell must be hidden: only the portal may show it"
            return offscreen.image().astype(int)
        finally:
            scene.root.remove_node()

    with_bed = render(g)
    without = render(replace(g, parts=tuple(p for p in g.parts if p.ref != "BED-101")))
    assert (np.abs(with_bed - without).sum(axis=2) > 30).sum() > 100, "room 101's bed is not seen through its door"


def test_label_text_is_visible(tiny, offscreen):
    """Text on a label card renders (needs stencil bits with headless GL)."""
    from wardtwin.scene.camera import viewpoint
    from wardtwin.scene.panda import WardScene

    layout, plan, g = tiny
    scene = WardScene(g)
    scene.root.reparent_to(offscreen.render)
    try:
        offscreen.look(*viewpoint(compile_ward(layout, plan=plan), "CC-1"))
        with_labels = offscreen.image()
        scene.show_labels(False)
        without = offscreen.image()
        changed = np.abs(with_labels.astype(int) - without.astype(int)).sum(axis=2) > 60
        assert changed.sum() > 150, "the label made no visible difference"
        # the card is near-white and the text dark red: both appear where the label is
        card = (with_labels.min(axis=2) > 220) & changed
        text = (with_labels[..., 0] > 100) & (with_labels[..., 1] < 60) & changed
        assert card.sum() > 50 and text.sum() > 10
    finally:
        scene.root.detach_node()


def test_camera_never_inside_a_wall(tiny):
    from shapely.geometry import Point

    from wardtwin.scene.camera import viewpoint

    layout, plan, g = tiny
    model = compile_ward(layout, plan=plan)
    for name in [*layout.room_by_id, *layout.door_by_id, *layout.item_by_id]:
        eye, _ = viewpoint(model, name)
        p = Point(eye[:2])
        assert all(s.distance(p) >= 0.3 for s in plan.solids), f"--at {name}: eye {eye} is in or at a wall"
        assert plan.room_at(*eye[:2]) is not None, f"--at {name}: eye {eye} is outside every room"


@pytest.mark.parametrize("ward", ["tiny", *shipped_wards()])
def test_a_room_is_seen_as_someone_coming_in_sees_it(ward):
    from shapely.geometry import LineString

    from wardtwin.layout.geometry import label_point
    from wardtwin.scene.camera import viewpoint

    layout, _ = check_ward(TINY if ward == "tiny" else ward)
    plan = plan_of(layout)
    model = compile_ward(layout, plan=plan)
    checked = 0
    for room in layout.rooms:
        doors = [d for d in layout.doors if room.id in d.between]
        if room.kind in ("corridor", "elevator_lobby", "reception", "nurse_station") or not doors:
            continue
        eye, target = viewpoint(model, room.id)
        door_xy = min((model.place(d.id) for d in doors), key=lambda p: math.dist(p, eye[:2]))
        assert math.dist(door_xy, eye[:2]) < 2.2, f"--at {room.id}: the eye {eye} is not by a door"
        c = label_point(plan.room_polygons[room.id])
        look = (target[0] - eye[0], target[1] - eye[1])
        assert look[0] * (c.x - eye[0]) + look[1] * (c.y - eye[1]) > 0, f"--at {room.id}: looks away from the room"
        # the view is open for a metre and a half (less in a small room): no wall right in front
        x0, y0, x1, y1 = plan.room_polygons[room.id].bounds
        free = min(1.5, 0.5 * min(x1 - x0, y1 - y0))
        ray = LineString([eye[:2], (eye[0] + look[0] / math.hypot(*look) * free,
                                    eye[1] + look[1] / math.hypot(*look) * free)])
        assert not any(ray.intersects(s) for s in plan.solids), f"--at {room.id}: a wall fills the view"
        checked += 1
    assert checked >= 2


def test_a_camera_above_the_ceilings_sees_the_overview(tiny):
    """Cells leave out the tops of walls: a camera above a room (a plan view with ceilings on,
    the planner's orbit) gets the overview, one at eye level in the room its cell."""
    from wardtwin.scene.panda import WardScene

    layout, plan, g = tiny
    scene = WardScene(g, locate=plan.room_at)
    x, y = 3.0, 9.5
    room = plan.room_at(x, y)
    assert room is not None
    assert scene.set_viewpoint(x, y, 1.65) == room and scene.overview.is_hidden()
    assert scene.set_viewpoint(x, y, 30.0) is None and not scene.overview.is_hidden()
    assert scene.set_viewpoint(x, y) == room  # no height: eye level


def test_highlight_addresses_one_item(tiny):
    from wardtwin.scene.panda import WardScene

    layout, plan, g = tiny
    scene = WardScene(g)
    node = scene.highlight("BED-101")
    assert scene.highlights.get_num_children() == 1 and node.get_name() == "highlight/BED-101"
    scene.highlight("BED-101", on=False)
    assert scene.highlights.get_num_children() == 0
    with pytest.raises(UnknownNameError):
        scene.highlight("BED-999")


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "wardtwin", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=240)


def test_build_writes_three_files(tmp_path):
    r = _run("build", str(TINY), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["tiny.bam", "tiny.glb", "tiny.json"]
    info = json.loads((tmp_path / "out" / "tiny.json").read_text())
    assert info["items"] == 4 and info["triangles"] > 1000 and info["draw_calls"] >= 1
    read_glb((tmp_path / "out" / "tiny.glb").read_bytes())
    from panda3d.core import BamFile, Filename

    bam = BamFile()
    assert bam.open_read(Filename.from_os_specific(str(tmp_path / "out" / "tiny.bam")))
    root = bam.read_node()
    assert root is not None and root.get_name() == "ward"
    bam.close()


def test_bam_carries_its_labels_as_geometry(tiny, offscreen, tmp_path):
    """Every label is in the .bam as glyph geometry (a TextNode would load as an empty node),
    still turning to face the viewer, and it draws its text: dark glyphs on a light card."""
    from panda3d.core import BillboardEffect, Filename, GeomNode, Loader, LoaderOptions, NodePath

    from wardtwin.scene.export import build

    layout, plan, g = tiny
    build(layout, tmp_path, plan=plan)
    opts = LoaderOptions(LoaderOptions.LF_no_cache | LoaderOptions.LF_report_errors)
    loaded = NodePath(Loader.get_global_ptr().load_sync(Filename.from_os_specific(str(tmp_path / "tiny.bam")), opts))
    texts = [n for n in loaded.find_all_matches("**/+GeomNode") if n.get_name().startswith("label-text/")]
    assert g.labels and len(texts) == len(g.labels), [n.get_name() for n in loaded.find_all_matches("**")][:50]
    for t in texts:
        geoms = sum(n.node().get_num_geoms() for n in [t, *t.find_all_matches("**/+GeomNode")])
        assert isinstance(t.node(), GeomNode) and geoms >= 2, t  # the card and the glyphs
        assert t.node().get_effect(BillboardEffect.get_class_type()) is not None
    label = g.labels[0]
    x, y, z = label.position
    loaded.reparent_to(offscreen.render)
    try:
        for cand in ((0, -1.2), (0, 1.2), (1.2, 0), (-1.2, 0)):
            offscreen.look((x + cand[0], y + cand[1], z), (x, y, z), up=(0, 0, 1))
            img = offscreen.image().astype(int)
            centre = img[60:120, 100:220, :3].sum(axis=2)
            if (centre > 600).mean() > 0.2 and (centre < 200).mean() > 0.01:
                break
        else:
            pytest.fail(f"the label of {label.ref} shows no text in the loaded .bam")
    finally:
        loaded.detach_node()


def test_bam_round_trip_draws_the_ward_as_built(tiny, offscreen, tmp_path):
    """build -> .bam -> load: the model file draws the same pictures as the scene it was made
    from (the whole-ward views, labels included), with none of the eye-level cells."""
    from panda3d.core import Filename, Loader, LoaderOptions, NodePath

    from wardtwin.scene.camera import overview
    from wardtwin.scene.export import build
    from wardtwin.scene.panda import WardScene

    layout, plan, g = tiny
    info = build(layout, tmp_path, plan=plan)
    opts = LoaderOptions(LoaderOptions.LF_no_cache | LoaderOptions.LF_report_errors)
    loaded = NodePath(Loader.get_global_ptr().load_sync(Filename.from_os_specific(str(tmp_path / "tiny.bam")), opts))
    assert loaded.get_name() == "ward"
    assert loaded.find("**/cells").is_empty() and loaded.find("**/=portal-cull").is_empty()
    assert loaded.count_num_descendants() + 1 == info.summary.nodes
    scene = WardScene(g, locate=plan.room_at)
    shots = {}
    for name, root in (("scene", scene.root), ("bam", loaded)):
        root.reparent_to(offscreen.render)
        try:
            shots[name] = []
            for view in ("orbit", "plan"):  # ceilings on: the plan view looks down on them
                eye, target, film = overview(g.bounds, view, 320 / 180)
                if film is not None:
                    offscreen.orthographic(film, film * 180 / 320)
                offscreen.look(eye, target, up=(0, 1, 0) if view == "plan" else (0, 0, 1),
                               scene=scene if name == "scene" else None)
                shots[name].append(offscreen.image().astype(int))
        finally:
            root.detach_node()
            offscreen.camera.node().set_lens(offscreen.lens)
    for view, a, b in zip(("orbit", "plan"), shots["scene"], shots["bam"]):
        differ = (np.abs(a - b).sum(axis=2) > 0).mean()
        assert differ == 0, f"{view} view: {differ:.2%} of pixels differ between the scene and its .bam"
        assert a.std() > 10, f"{view} view is blank"


def test_build_and_snapshot_write_nothing_for_a_bad_ward(tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(TINY, bad)
    text = (bad / "floorplan.yaml").read_text().replace("width: 0.9}", "width: 0.7}")
    (bad / "floorplan.yaml").write_text(text)
    r = _run("build", str(bad), "-o", str(tmp_path / "out"))
    assert r.returncode == 1 and "door-too-narrow" in r.stderr
    assert not (tmp_path / "out").exists()
    r = _run("snapshot", str(bad), "--at", "med", "-o", str(tmp_path / "x.png"))
    assert r.returncode == 1 and not (tmp_path / "x.png").exists()


def test_snapshot_cli_views(tmp_path):
    for view in ("plan", "orbit"):
        out = tmp_path / f"{view}.png"
        r = _run("snapshot", str(TINY), "--view", view, "--size", "320x200", "-o", str(out))
        assert r.returncode == 0, r.stderr
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = _run("snapshot", str(TINY), "--at", "nowhere", "-o", str(tmp_path / "n.png"))
    assert r.returncode == 2 and "nowhere" in r.stderr and "corridor" in r.stderr
    assert not (tmp_path / "n.png").exists()


def test_portal_culled_views_match_the_naive_scene(tiny, offscreen):
    """Rooms as cells and doors as portals only skip what cannot be seen: eye-level views of
    the batched scene equal those of the naive one (one node per part, no culling)."""
    from wardtwin.scene.panda import WardScene

    layout, plan, g = tiny
    views = [((0.8, 6.3, 1.65), (7.0, 6.3, 1.5)), ((6.5, 6.8, 1.65), (1.0, 5.5, 1.2)),
             ((1.8, 3.0, 1.65), (1.8, 9.5, 1.4)), ((3.0, 9.5, 1.65), (3.6, 5.0, 1.2))]
    shots = {}
    for batched in (False, True):
        scene = WardScene(g, batched=batched, locate=plan.room_at)
        scene.root.reparent_to(offscreen.render)
        scene.show_labels(False)
        try:
            shots[batched] = []
            for eye, target in views:
                offscreen.look(eye, target, scene=scene)
                if batched:
                    assert scene.current_cell is not None, f"{eye} is in no room"
                shots[batched].append(offscreen.image().astype(int))
        finally:
            scene.root.remove_node()
    for (eye, _), a, b in zip(views, shots[False], shots[True]):
        differ = (np.abs(a - b).sum(axis=2) > 40).mean()
        assert differ < 0.001, f"from {eye}: {differ:.2%} of pixels differ between naive and portal-culled views"


@pytest.mark.parametrize("ward", ["tiny", *shipped_wards()])
def test_orbit_view_fills_the_frame(ward, offscreen):
    """The dollhouse view spans at least 70% of the image's width, and nothing is cut off at
    its edges (the outermost rows and columns show the background)."""
    from wardtwin.layout.load import resolve_ward
    from wardtwin.scene.camera import overview
    from wardtwin.scene.offscreen import BACKGROUND
    from wardtwin.scene.panda import WardScene

    layout, findings = check_ward(TINY if ward == "tiny" else resolve_ward(ward))
    g = ward_geometry(plan_of(layout))
    scene = WardScene(g)
    scene.root.reparent_to(offscreen.render)
    try:
        eye, target, _ = overview(g.bounds, "orbit", 320 / 180)
        offscreen.look(eye, target, up=(0, 0, 1))
        img = offscreen.image().astype(int)
    finally:
        scene.root.detach_node()
    bg = np.array([round(c * 255) for c in BACKGROUND[:3]])
    ward_px = np.abs(img[..., :3] - bg).sum(axis=2) > 12
    cols = np.flatnonzero(ward_px.any(axis=0))
    assert cols.size and (cols[-1] - cols[0] + 1) / img.shape[1] >= 0.7, f"spans {cols.size / img.shape[1]:.0%}"
    edges = np.concatenate([ward_px[0], ward_px[-1], ward_px[:, 0], ward_px[:, -1]])
    assert not edges.any(), "the ward touches the image's edge"


def test_exchange_takes_plain_arrays_and_imports_no_stage():
    """``wardtwin.exchange`` sits below the scene: it imports only errors and itself, and its
    materials are the scene's layers."""
    import ast

    import wardtwin.exchange as exchange_pkg
    from wardtwin.exchange.gltf import LAYER_MATERIAL
    from wardtwin.scene.geometry import LAYERS

    assert tuple(LAYER_MATERIAL) == LAYERS
    for py in sorted(Path(exchange_pkg.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name.startswith("wardtwin."):
                    assert name.split(".")[1] in ("errors", "exchange"), f"{py.name} imports {name}"
