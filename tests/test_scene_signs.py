"""Signage in the 3D twin (issue 18, point 4): door signs on both faces of every door's wall,
EXIT over exit doors, wayfinding signs where public rooms meet; text readable from 3 m at
1280x720; the exit sign is green and bright with white text in a render."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wardtwin.layout import check_ward, exit_code, plan_of
from wardtwin.scene.geometry import ward_geometry
from wardtwin.scene.signs import (
    EXIT_TEXT, NAME_TEXT, NUMBER_TEXT, WAY_TEXT, door_sign_lines, projected_pixels,
)

TINY = Path(__file__).parent / "wards" / "tiny"


@pytest.fixture(scope="module")
def medsurg():
    layout, findings = check_ward("medsurg-28")
    assert exit_code(findings) == 0
    plan = plan_of(layout)
    return layout, plan, ward_geometry(plan)


@pytest.fixture(scope="module")
def tiny():
    layout, findings = check_ward(TINY)
    assert exit_code(findings) == 0
    plan = plan_of(layout)
    return layout, plan, ward_geometry(plan)


def test_every_door_is_signed_on_both_faces(medsurg):
    """Each door (not an archway) between two rooms has a sign on each face of its wall, each
    seen from its own room and naming the room on the other side."""
    layout, plan, g = medsurg
    by_door: dict[str, list] = {}
    for a in g.signs:
        by_door.setdefault(a.ref, []).append(a)
    checked = 0
    for door in layout.doors:
        rooms = [r for r in door.between if r in layout.room_by_id]
        if door.type == "opening" or len(rooms) != 2:
            continue
        for here, there in (rooms, rooms[::-1]):
            first = door_sign_lines(layout.room_by_id[there])[0][0]
            assert any(a.room == here and a.text == first for a in by_door.get(door.id, ())), (door.id, here)
        facings = {a.facing for a in by_door[door.id] if a.text == door_sign_lines(layout.room_by_id[rooms[0]])[0][0]
                   or a.text == door_sign_lines(layout.room_by_id[rooms[1]])[0][0]}
        assert any(np.dot(f1, f2) < -0.99 for f1 in facings for f2 in facings), door.id  # opposite faces
        checked += 1
    assert checked >= 50


def test_patient_room_door_sign_shows_number_large_then_name(medsurg):
    layout, plan, g = medsurg
    lines = [a for a in g.signs if a.ref == "D401" and a.room == "corridor"]
    assert [(a.text, a.size) for a in lines][:2] == [("401", NUMBER_TEXT), ("Patient room 401", NAME_TEXT)]
    assert lines[0].position[2] > lines[1].position[2]


def test_exit_doors_say_exit_on_each_face(tiny):
    layout, plan, g = tiny
    exits = [a for a in g.signs if a.text == "EXIT" and a.size == EXIT_TEXT]
    assert {a.ref for a in exits} == {"D-stair", "D-out"}
    assert {a.room for a in exits if a.ref == "D-stair"} == {"corridor", "stair"}
    assert {a.room for a in exits if a.ref == "D-out"} == {"corridor"}  # nobody reads it outside
    for a in exits:  # above the door, below the ceiling
        assert 2.1 < a.position[2] < layout.ward.ceiling_height


def test_wayfinding_points_to_the_exits_and_the_nurse_station(medsurg):
    layout, plan, g = medsurg
    corridor_side = [a for a in g.signs if a.ref == "D-ns" and a.room == "corridor"]
    texts = [a.text for a in corridor_side]
    assert texts[0] == "Nurse station"  # ahead, through the opening: listed first
    assert sum(t.startswith("EXIT") for t in texts) == 2
    # the lifts: their lobby's door is just behind a reader facing the nurse station (signed
    # there, not here); the sign at that door, read from the corridor, has them ahead
    assert "Lifts" not in texts
    assert _ways(layout, plan, "D-lobby")["corridor"][0] == ("Lifts", "ahead")
    ceiling = layout.ward.ceiling_height
    for a in corridor_side:  # hung above head height, under the ceiling
        assert 2.0 < a.position[2] < ceiling
    # the sign's plate is in the ward, on the corridor side of the opening
    plates = [p for p in g.layer("sign") if p.room == "corridor"]
    assert plates and all(p.mesh.n_triangles for p in plates)


def test_icu_corridor_junctions_are_signposted():
    layout, findings = check_ward("icu-12")
    g = ward_geometry(plan_of(layout))
    for door in ("D-corr-sw", "D-corr-nw", "D-corr-se", "D-corr-ne"):
        rooms = {a.room for a in g.signs if a.ref == door}
        assert len(rooms) == 2, door  # a sign on each side
        assert any(a.text.startswith("EXIT") for a in g.signs if a.ref == door)


def _cap_ratio() -> float:
    """Capital height / text scale of the font the scene draws signs with (Panda3D's default)."""
    from panda3d.core import NodePath, TextNode

    tn = TextNode("H")
    tn.set_text("H")
    lo, hi = NodePath(tn.generate()).get_tight_bounds()
    return float(hi.z - lo.z)


@pytest.mark.parametrize("size", [NAME_TEXT, WAY_TEXT, NUMBER_TEXT, EXIT_TEXT])
def test_sign_text_is_readable_from_3m_at_720p(size):
    """Capitals at least 12 pixels high seen face-on from 3 m at 1280x720, 75 degrees across
    (the station's and snapshot's lens)."""
    cap = _cap_ratio() * size
    assert projected_pixels(cap, 3.0, 720, 75.0, 16 / 9) >= 12.0


def test_exit_sign_renders_green_and_bright_with_white_text(tiny):
    """The EXIT sign over the stair door, seen from 2.5 m in front of it at 1280x720: the
    middle of the view is green and bright, with white letters."""
    from wardtwin.scene.offscreen import Offscreen, RenderError
    from wardtwin.scene.panda import WardScene

    layout, plan, g = tiny
    a = next(a for a in g.signs if a.ref == "D-stair" and a.text == "EXIT" and a.room == "corridor")
    scene = WardScene(g, locate=plan.room_at)
    target = (a.position[0], a.position[1], a.position[2] + 0.05)  # the box's middle
    eye = (a.position[0] + a.facing[0] * 2.5, a.position[1] + a.facing[1] * 2.5, 1.7)
    try:
        off = Offscreen((1280, 720))
    except RenderError as exc:
        pytest.skip(f"no offscreen renderer: {exc}")
    with off:
        scene.root.reparent_to(off.render)
        off.look(eye, target, scene=scene)
        img = off.image().astype(int)
    region = img[360 - 22:360 + 22, 640 - 60:640 + 60]
    r, gr, b = region[..., 0], region[..., 1], region[..., 2]
    green = (gr > r + 40) & (gr > b + 20) & (gr > 90)
    white = (r > 200) & (gr > 200) & (b > 200)
    assert green.mean() > 0.4, f"{green.mean():.0%} green"
    assert white.mean() > 0.05, f"{white.mean():.0%} white"


def test_sign_text_is_escaped():
    """Room names are user text: a control character (Panda3D's text markup uses some) or a
    bidirectional override never reaches the font."""
    from types import SimpleNamespace

    room = SimpleNamespace(id="x", number="4\x0101", name="Ward \u202eevil\n2", kind="patient_room")
    lines = door_sign_lines(room)
    assert [t for t, _ in lines] == ["4\\x0101", "Ward U+202Eevil\\n2"]


def test_signs_are_in_the_model_file_as_geometry(tiny):
    """What ``wardtwin build`` writes as .bam carries the signs' text as geometry (a GeomNode,
    not a TextNode, which a .bam stores empty), spanning every sign."""
    from wardtwin.scene.panda import WardScene

    layout, plan, g = tiny
    root = WardScene(g, locate=plan.room_at).standalone()
    signs = root.find("**/overview/static/signs")
    assert not signs.is_empty()
    assert root.find_all_matches("**/+TextNode").get_num_paths() == 0
    geoms = sum(n.node().get_num_geoms() for n in signs.find_all_matches("**/+GeomNode"))
    assert geoms >= 1
    lo, hi = signs.get_tight_bounds()
    for a in g.signs:
        x, y, z = a.position
        assert lo.x - 0.3 <= x <= hi.x + 0.3 and lo.y - 0.3 <= y <= hi.y + 0.3 and lo.z - 0.3 <= z <= hi.z + 0.3


def _ways(layout, plan, door_id: str, finder=None) -> dict[str, list[tuple[str, str | None]]]:
    """The wayfinding lines at a door, per room they are read from: (text, arrow), in order."""
    from wardtwin.scene.geometry import _wall_matrix
    from wardtwin.scene.signs import Wayfinder, wayfinding_signs

    finder = finder or Wayfinder(plan)
    o = next(o for o in plan.openings if o.door == door_id)
    wall = plan.walls[o.wall]
    t = layout.ward.wall_thickness
    signs = wayfinding_signs(plan, wall, o, layout.door_by_id[door_id], t, _wall_matrix(wall), finder)
    return {room: [(x.text, x.way) for x in texts] for room, _, texts in signs}


def test_wayfinding_arrows_point_the_way(medsurg):
    """From the corridor, facing the nurse station's opening (south): the nurse station is
    ahead, stair A (the west end) to the right, stair B (the east end) to the left; the lift
    lobby's door, just behind the reader, is signed at that door, not here."""
    layout, plan, g = medsurg
    lines = _ways(layout, plan, "D-ns")["corridor"]
    way = dict(lines)
    assert lines[0] == ("Nurse station", "ahead")
    west = next(k for k in way if k.startswith("EXIT") and "west" in k)
    east = next(k for k in way if k.startswith("EXIT") and "east" in k)
    assert (way[west], way[east]) == ("right", "left")
    assert "Lifts" not in way


U_CORRIDOR = Path(__file__).parent / "wards" / "u-corridor"


def test_wayfinding_follows_the_walk_not_the_straight_line():
    """In a U-shaped corridor stair A's door lies to the right of someone in the south
    corridor facing the nurse station's opening (north) as the crow flies, but the walk to it
    goes west (left) round the U: the arrow follows the walk. The outside exit at the south
    corridor's east end is to the right. In the west leg, facing back into the south corridor,
    the walk to stair A starts straight behind the reader: not signed there."""
    from wardtwin.scene.signs import Wayfinder

    layout, findings = check_ward(U_CORRIDOR)
    assert exit_code(findings) == 0
    plan = plan_of(layout)
    finder = Wayfinder(plan)
    stair = next(d for d in finder.destinations if d.label == "EXIT Stair A")
    assert stair.point[0] > 10.0 + 3  # the straight line: well to the east (right) of the opening at x = 10

    ns = _ways(layout, plan, "D-ns", finder)
    assert ns["corridor-south"] == [("Nurse station", "ahead"), ("EXIT Stair A", "left"), ("EXIT", "right")]
    assert [w for _, w in ns["nurse-station"]] == ["ahead", "ahead"]
    sw = _ways(layout, plan, "D-sw", finder)
    assert sw["corridor-west"] == [("Nurse station", "ahead"), ("EXIT", "ahead")]  # stair A: behind
    assert dict(sw["corridor-south"])["EXIT Stair A"] == "ahead"
    nw = _ways(layout, plan, "D-nw", finder)
    assert dict(nw["corridor-north"])["EXIT Stair A"] == "left"  # east along the north leg, facing south
    assert nw["corridor-west"] == [("EXIT Stair A", "ahead")]


def test_icu_lobby_sign_points_the_short_way_round_the_racetrack():
    """icu-12, at the lift lobby's door facing east: the nurse station is reached north-about
    (left), though it lies south-west as the crow flies; stair B is to the south (right)."""
    layout, findings = check_ward("icu-12")
    plan = plan_of(layout)
    lines = _ways(layout, plan, "D-lobby")["corridor-east"]
    assert lines[0] == ("Lifts", "ahead")
    way = dict(lines)
    assert way["Nurse station"] == "left" and way["EXIT Stair B (east)"] == "right"


def test_route_way_reads_the_first_metres_of_the_walk():
    """The reader at (0, 1) faces an opening from x = -1 to 1 on the line y = 0 (looking
    south, so their right is west): through it is ahead; west right, east left; a walk that
    starts straight back is not signed."""
    from wardtwin.scene.signs import route_way

    args = ((0.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (-1.0, 0.0), (1.0, 0.0))
    assert route_way([(0, 1), (0.5, -3)], *args) == "ahead"
    assert route_way([(0, 1), (-4, 1.2), (-4, -5)], *args) == "right"
    assert route_way([(0, 1), (1, 1.5), (6, 1.5)], *args) == "left"
    assert route_way([(0, 1), (0.2, 6)], *args) is None
    assert route_way([(0, 1), (2, 3)], *args) == "left"  # back and to the side: the side


def _same_geometry(a, b) -> None:
    """Two builds of a ward's geometry in one run: the same parts (names, meshes), signs,
    labels, portals, bounds and lights."""
    assert [(p.name, p.layer, p.ref, p.room, p.emissive) for p in a.parts] == \
        [(p.name, p.layer, p.ref, p.room, p.emissive) for p in b.parts]
    for p, q in zip(a.parts, b.parts):
        for k in ("positions", "normals", "colors", "triangles", "uvs"):
            x, y = getattr(p.mesh, k), getattr(q.mesh, k)
            assert (x is None and y is None) or np.array_equal(x, y), (p.name, k)
    assert (a.signs, a.labels, a.portals, a.bounds, a.look) == (b.signs, b.labels, b.portals, b.bounds, b.look)
    assert len(a.lights) == len(b.lights)


def test_geometry_routes_on_the_model_it_is_given(monkeypatch):
    """``ward_geometry(plan, model=...)``: the wayfinding signs follow the compiled model given
    (the ward is not compiled again) and the geometry is the one built without it; without a
    model the ward is compiled once for both builds of the walls (plain and full); a model
    compiled for another person's radius walks differently, so it is left aside."""
    import wardtwin.model.compiled as compiled
    from wardtwin.model import PERSON_RADIUS

    layout, findings = check_ward(U_CORRIDOR)
    assert exit_code(findings) == 0
    plan = plan_of(layout)
    model = compiled.compile_ward(layout, plan=plan)
    calls: list[float] = []
    real = compiled.compile_ward

    def counted(layout, radius=PERSON_RADIUS, plan=None):
        calls.append(radius)
        return real(layout, radius, plan)

    monkeypatch.setattr(compiled, "compile_ward", counted)
    given = ward_geometry(plan, "full", cache=False, model=model)
    assert calls == []
    assert any(a.text == "EXIT Stair A" for a in given.signs)  # (wayfinding signs: routes were walked)
    alone = ward_geometry(plan, "full", cache=False)
    assert calls == [PERSON_RADIUS]
    _same_geometry(given, alone)

    wide = real(layout, 0.5, plan)
    ward_geometry(plan, "full", cache=False, model=wide)
    assert calls == [PERSON_RADIUS, PERSON_RADIUS]
    from wardtwin.scene.signs import Wayfinder

    assert Wayfinder(plan, model=model).model is model
