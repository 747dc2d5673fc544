"""The full look (issue 18, points 1 and 2): light baked into vertex colours and cached by the
ward's content, the materials and fittings, the ward's finishes, and the switch back to the
plain look. Pixel tests compare brightness with a tolerance, never exact values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wardtwin.errors import UnknownNameError
from wardtwin.layout import check_ward, exit_code, plan_of
from wardtwin.scene import bake, dress
from wardtwin.scene.geometry import ward_geometry

TINY = Path(__file__).parent / "wards" / "tiny"
SIZE = (320, 180)
#: In tiny's stair (x 7.2-10.2, y 5-7.6, exterior walls east and north): an eye by the door,
#: looking at the east wall; its inner face is at x = 10.125, the north face at y = 7.525.
EYE, TARGET = (7.6, 6.3, 1.6), (10.125, 6.9, 1.4)
MID_WALL, CORNER = (10.12, 6.3, 1.4), (10.12, 7.50, 1.4)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WARDTWIN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("WARDTWIN_LOOK", raising=False)
    return tmp_path / "cache" / "bake"


def _plan(path=TINY):
    layout, findings = check_ward(path)
    assert not exit_code(findings), findings
    return plan_of(layout)


def _pixels(plan, geometry, eye, target, points, up=(0, 0, 1)) -> list[np.ndarray]:
    """The mean colour (0-255) of the 3x3 pixels where each 3D point is drawn."""
    from panda3d.core import Point2, Point3

    from wardtwin.scene.offscreen import Offscreen
    from wardtwin.scene.panda import WardScene

    scene = WardScene(geometry, locate=plan.room_at)
    scene.show_labels(False)
    with Offscreen(SIZE) as off:
        scene.root.reparent_to(off.render)
        off.look(eye, target, up=up, scene=scene)
        img = off.image().astype(float)
        out = []
        for p in points:
            q = Point2()
            assert off.lens.project(off.camera.get_relative_point(off.render, Point3(*p)), q), f"{p} is not in view"
            col, row = int((q.x + 1) / 2 * SIZE[0]), int((1 - q.y) / 2 * SIZE[1])
            out.append(img[row - 1:row + 2, col - 1:col + 2].reshape(-1, 3).mean(axis=0))
        scene.root.remove_node()
    return out


def test_the_bake_is_deterministic_and_an_unchanged_ward_is_not_baked_again(cache):
    plan = _plan()
    baked = bake.STATS["baked"]
    first = ward_geometry(plan, "full")
    assert bake.STATS["baked"] == baked + 1
    assert len(list(cache.glob("*.npz"))) == 1  # kept in the cache folder, not beside the ward
    again = ward_geometry(plan, "full")
    assert bake.STATS["baked"] == baked + 1, "an unchanged ward was baked again"
    fresh = ward_geometry(plan, "full", cache=False)  # baked again from scratch: the same colours
    assert bake.STATS["baked"] == baked + 2
    for a, b, c in zip(first.parts, again.parts, fresh.parts):
        assert a.name == b.name == c.name and a.emissive == b.emissive
        assert np.array_equal(a.mesh.colors, b.mesh.colors) and np.array_equal(a.mesh.colors, c.mesh.colors), a.name
        assert np.array_equal(a.mesh.positions, b.mesh.positions)
    assert first.lights == again.lights and first.bounds == again.bounds
    (kept,) = cache.glob("*.npz")
    kept.write_bytes(b"damaged")  # a damaged cache file is not trusted: the ward is baked again
    ward_geometry(plan, "full")
    assert bake.STATS["baked"] == baked + 3


def test_a_changed_finish_bakes_again(cache, ward_copy):
    plan = _plan()
    ward_geometry(plan, "full")
    baked = bake.STATS["baked"]
    text = (TINY / "ward.yaml").read_text(encoding="utf-8") + 'finishes: {wall: "#d8e4ec"}\n'
    ward_geometry(_plan(ward_copy({"ward.yaml": text})), "full")
    assert bake.STATS["baked"] == baked + 1


def test_the_cache_keeps_only_the_latest_looks(cache, ward_copy, monkeypatch):
    monkeypatch.setattr(bake, "KEEP", 1)
    ward_geometry(_plan(), "full")
    text = (TINY / "ward.yaml").read_text(encoding="utf-8") + 'finishes: {door: "#806040"}\n'
    ward_geometry(_plan(ward_copy({"ward.yaml": text})), "full")
    assert len(list(cache.glob("*.npz"))) == 1


def test_the_plain_look_is_the_former_one(cache, monkeypatch):
    plan = _plan()
    full = ward_geometry(plan, "full")
    assert full.look == "full"
    assert any(lt.kind == "fixture" for lt in full.lights)
    assert {p.layer for p in full.parts if p.emissive} >= {"ceiling", "exit"}  # light panels, exit signs
    names = {p.name.split("/")[0] for p in full.parts}
    assert {"light", "ceilgrid", "trim"} <= names
    monkeypatch.setenv("WARDTWIN_LOOK", "plain")
    plain = ward_geometry(plan)
    assert plain.look == "plain" and not plain.lights
    assert not {p.name.split("/")[0] for p in plain.parts} & {"light", "ceilgrid", "trim"}
    with pytest.raises(UnknownNameError):
        ward_geometry(plan, "fancy")


def test_the_plain_look_has_the_former_equipment_and_signs(cache):
    """The switch turns the whole new look off: the simple equipment shapes (the detailed models
    replaced them) and one name plate per door (no door signs on both faces, no wayfinding, no
    EXIT lettering), so that benchmarks compare with the look as it was."""
    from wardtwin.scene.shapes import FORMER, build_shape

    plan = _plan("medsurg-28")
    plain, full = ward_geometry(plan, "plain"), ward_geometry(plan, "full")
    lay = plan.layout
    cart = next(it for it in lay.items if lay.item_type(it).draw.shape == "crash_cart")
    t = lay.item_type(cart)
    simple = build_shape(FORMER["crash_cart"], *map(float, t.footprint), float(t.height), (0.5, 0.5, 0.5, 1.0))
    assert plain.item_parts[cart.id].mesh.n_triangles == simple.n_triangles
    assert full.item_parts[cart.id].mesh.n_triangles > simple.n_triangles
    bed = next(it for it in lay.items if lay.item_type(it).draw.shape == "bed")
    assert plain.item_parts[bed.id].mesh.n_triangles < full.item_parts[bed.id].mesh.n_triangles
    doors = [a.ref for a in plain.signs]
    assert len(doors) == len(set(doors)) and 0 < len(doors) < len(lay.doors)  # at most one per door
    assert all(a.align == "center" and a.text != "EXIT" for a in plain.signs)
    assert any(a.align == "left" for a in full.signs) and any(a.text == "EXIT" for a in full.signs)
    assert len(plain.layer("sign")) < len(full.layer("sign"))


def test_windows_give_daylight_and_their_glass_glows(cache):
    plan = _plan("medsurg-28")
    g = ward_geometry(plan, "full")
    windows = [lt for lt in g.lights if lt.kind == "window"]
    assert len(windows) == len(plan.window_openings) > 0
    assert any(p.name.startswith("glass/") and p.emissive for p in g.parts)


def test_door_leaves_have_kick_plates_vision_panels_and_handles(cache):
    plan = _plan()
    plain, full = ward_geometry(plan, "plain"), ward_geometry(plan, "full")
    doors = {p.name: p for p in plain.parts if p.layer == "door"}
    for p in full.parts:
        if p.name in doors:
            assert p.mesh.n_triangles > doors[p.name].mesh.n_triangles, f"{p.name}: no door details"
            steel = np.all(np.abs(p.mesh.colors[:, :3] - p.mesh.colors[:, :3].mean(axis=1, keepdims=True)) < 0.05, axis=1)
            assert steel.any()  # kick plates and handles are grey steel


def test_a_corner_is_darker_than_the_middle_of_the_wall(cache):
    plan = _plan()
    mid, corner = _pixels(plan, ward_geometry(plan, "full"), EYE, TARGET, [MID_WALL, CORNER])
    assert corner.mean() < 0.93 * mid.mean(), (corner, mid)


def test_the_floor_under_a_fixture_is_lit_by_it(cache, monkeypatch):
    """The stair has one fixture: its light, the difference between the floor drawn with and
    without fixtures, is greater straight under it than in a far corner of the room."""
    plan = _plan()
    lit = ward_geometry(plan, "full", cache=False)
    (fixture,) = [lt for lt in lit.lights if lt.room == "stair" and lt.kind == "fixture"]
    under = (fixture.position[0], fixture.position[1], 0.0)
    far = (9.85, 7.15, 0.0)  # about 1.4 m from it, 0.3 m from the east wall
    eye, target, up = (9.3, 6.3, 2.4), (9.3, 6.31, 0.0), (0, 1, 0)  # under the ceiling, looking down
    with_light = _pixels(plan, lit, eye, target, [under, far], up)
    monkeypatch.setattr(dress, "fixture_spots", lambda *a, **k: [])
    dark = ward_geometry(plan, "full", cache=False)
    without = _pixels(plan, dark, eye, target, [under, far], up)
    gain_under = (with_light[0] - without[0]).mean()
    gain_far = (with_light[1] - without[1]).mean()
    assert gain_under > 8 and gain_under > 1.4 * gain_far, (gain_under, gain_far)
    assert with_light[0].mean() > with_light[1].mean()


def test_finishes_change_the_colours_drawn(cache, ward_copy):
    plan = _plan()
    down = ((9.3, 6.3, 2.4), (9.3, 6.31, 0.0), [(9.3, 6.6, 0.0)], (0, 1, 0))  # the stair's floor, from above
    grey = _pixels(plan, ward_geometry(plan, "full"), EYE, TARGET, [MID_WALL])[0]
    grey_floor = _pixels(plan, ward_geometry(plan, "full"), *down)[0]
    text = (TINY / "ward.yaml").read_text(encoding="utf-8") + (
        'finishes:\n  wall: "#c83c3c"\n  floors: {stair: "#3c64c8"}\n')
    red = _plan(ward_copy({"ward.yaml": text}))
    assert red.layout.ward.finishes.wall == "#c83c3c"
    g = ward_geometry(red, "full")
    wall = _pixels(red, g, EYE, TARGET, [MID_WALL])[0]
    floor = _pixels(red, g, *down)[0]
    assert abs(grey[0] - grey[1]) < 20 and wall[0] - wall[1] > 50, (grey, wall)
    assert abs(grey_floor[2] - grey_floor[0]) < 25 and floor[2] - floor[0] > 50, (grey_floor, floor)


def test_finishes_are_kept_by_dump(tmp_path, ward_copy):
    from wardtwin.layout.dump import dump_ward

    text = (TINY / "ward.yaml").read_text(encoding="utf-8") + (
        'finishes:\n  accent: "#123456"\n  floors: {corridor: "#abcdef"}\n')
    layout, _ = check_ward(ward_copy({"ward.yaml": text}))
    out = dump_ward(layout, tmp_path / "dumped")
    again, findings = check_ward(out)
    assert not exit_code(findings)
    assert again.ward.finishes == layout.ward.finishes
    assert again.ward.finishes.accent == "#123456" and again.ward.finishes.floors == {"corridor": "#abcdef"}


def test_the_detail_texture_is_made_by_code_with_a_plain_block():
    from wardtwin.scene.textures import MEAN, PLAIN_UV, SIZE as TEX, detail_image

    img = detail_image()
    assert img.shape == (TEX, TEX) and 0.0 <= img.min() and img.max() <= 1.0
    i, j = int(PLAIN_UV[1] * TEX), int(PLAIN_UV[0] * TEX)
    assert np.all(img[i - 1:i + 2, j - 1:j + 2] == 1.0)  # what untextured surfaces sample
    assert abs(img.mean() - MEAN) < 0.01 and img.std() < 0.05  # a subtle pattern
    assert np.array_equal(img, detail_image.__wrapped__())  # the same every time


def test_the_detail_texture_is_mipmapped_and_repeats():
    from panda3d.core import SamplerState

    from wardtwin.scene.textures import detail_texture

    tex = detail_texture()
    assert tex.get_num_ram_mipmap_images() > 1 and tex.uses_mipmaps()
    assert tex.get_wrap_u() == tex.get_wrap_v() == SamplerState.WM_repeat
