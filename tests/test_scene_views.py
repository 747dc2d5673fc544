"""Where snapshots stand and look (issue 18, point 5), and labels on the screen: pure
placement tests (shapely, no rendering) and a few rendered frames."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point

from wardtwin.layout import shipped_wards
from wardtwin.model import load_model
from wardtwin.scene.camera import ENTRY_REACH, USE_NEAR, entry_door, room_focus, room_view, use_view, viewpoint
from wardtwin.scene.labels import overlaps, spread_labels

TINY = Path(__file__).parent / "wards" / "tiny"


@pytest.fixture(scope="module")
def medsurg():
    if "medsurg-28" not in shipped_wards():  # pragma: no cover
        pytest.skip("the medsurg-28 reference ward is not shipped")
    return load_model("medsurg-28")


def _angle(a, b) -> float:
    return math.degrees(math.acos(max(-1.0, min(1.0, (a[0] * b[0] + a[1] * b[1]) / (math.hypot(*a) * math.hypot(*b))))))


def test_patient_room_view_looks_at_the_bed_from_the_entry(medsurg):
    """``--at 405`` (an L-shaped room with an ensuite) used to look at the ensuite's partition
    with the bed cut off: now it stands within reach of the entry door and has the bed's head
    end in the middle of the view, with no wall in between."""
    plan = medsurg.plan
    for room in ("405", "401", "414"):
        view = room_view(medsurg, room)
        focus = room_focus(medsurg, room)
        assert focus.what == "bed" and focus.item.startswith("BED-")
        eye, target = view.eye, view.target
        door = entry_door(medsurg, room)
        assert math.dist(eye[:2], medsurg.place(door.id)) <= ENTRY_REACH + 0.01
        assert plan.room_at(*eye[:2]) == room
        bed = medsurg.layout.item_by_id[focus.item]
        look = (target[0] - eye[0], target[1] - eye[1])
        assert _angle(look, (bed.at[0] - eye[0], bed.at[1] - eye[1])) < 25, f"{room}: the bed is off to the side"
        sight = LineString([eye[:2], bed.at])
        assert not any(sight.intersects(s) for s in plan.solids), f"{room}: a wall hides the bed"


def test_working_rooms_look_at_a_fitted_out_wall(medsurg):
    for room in ("clean-utility", "soiled-utility", "equipment-storage"):
        assert room_focus(medsurg, room).what == "wall"
        view = room_view(medsurg, room)
        assert medsurg.plan.room_at(*view.eye[:2]) == room


def test_item_view_stands_in_front_of_the_item_with_room_to_see_it(medsurg):
    """Every safety-critical item is seen from in front, at least :data:`USE_NEAR` m from its
    front face, from its own room (or one it opens onto without a door, or the room its bay is
    open to), with no wall on the
    line of sight; the crash cart of the nurse station is no longer seen from on top."""
    lay, plan = medsurg.layout, medsurg.plan
    checked = 0
    for it in lay.items:
        t = lay.item_type(it)
        if t is None or not t.safety_critical:
            continue
        eye, target = use_view(medsurg, it.id).eye, use_view(medsurg, it.id).target
        r = math.radians(it.rotation)
        front = (-math.sin(r), math.cos(r))
        rel = (eye[0] - it.at[0], eye[1] - it.at[1])
        assert rel[0] * front[0] + rel[1] * front[1] > 0, f"{it.id}: the eye is behind the item"
        assert plan.footprints[it.id].distance(Point(eye[:2])) >= USE_NEAR - 0.2, f"{it.id}: the eye is on the item"
        room = plan.room_at(*eye[:2])
        opens = {d.between[0] if d.between[1] == it.room else d.between[1]
                 for d in lay.doors if d.type == "opening" and it.room in d.between}
        alcove = lay.room_by_id[it.room]
        if getattr(alcove, "open_to", None):  # an item in a bay is seen from the room the bay opens to
            opens.add(alcove.open_to)
        assert room == it.room or room in opens, f"{it.id}: the eye is in {room}"
        sight = LineString([eye[:2], it.at]).difference(plan.footprints[it.id].buffer(0.1))
        assert not any(sight.intersects(s) for s in plan.solids), f"{it.id}: a wall hides the item"
        checked += 1
    assert checked > 20
    eye, target = viewpoint(medsurg, "CC-1")
    cart = plan.footprints["CC-1"]
    assert cart.distance(Point(eye[:2])) >= 1.0
    assert math.atan2(eye[2] - target[2], math.dist(eye[:2], target[:2])) < math.radians(40), "looks down too steeply"


def test_views_are_deterministic(medsurg):
    assert viewpoint(medsurg, "405") == viewpoint(medsurg, "405")
    assert use_view(medsurg, "CC-1") == use_view(medsurg, "CC-1")


def test_spread_labels_never_overlap():
    rng = random.Random(7)
    for _ in range(200):
        boxes = []
        for _ in range(rng.randint(1, 9)):
            x, y = rng.uniform(-1, 0.8), rng.uniform(-1, 0.6)
            boxes.append((x, x + rng.uniform(0.05, 0.6), y, y + rng.uniform(0.03, 0.15)))
        lifts = spread_labels(boxes)
        assert overlaps(boxes, lifts) == []
    apart = [(-0.9, -0.5, 0.0, 0.1), (0.0, 0.4, 0.0, 0.1)]
    assert spread_labels(apart) == [0.0, 0.0], "labels apart stay where they are"
    # two labels on one headwall (the "...regulator" drawn over "...flowmeter"): stacked
    lifts = spread_labels([(-0.5, 0.2, 0.50, 0.60), (-0.3, 0.4, 0.52, 0.62)])
    assert lifts[0] == 0.0 and lifts[1] == pytest.approx(0.60 + 0.01 - 0.52)


def test_spread_labels_keep_to_the_screen_top():
    lifts = spread_labels([(-0.5, 0.2, 0.85, 0.95), (-0.3, 0.4, 0.88, 0.98), (-0.4, 0.3, 0.95, 1.05)])
    boxes = [(-0.5, 0.2, 0.85, 0.95), (-0.3, 0.4, 0.88, 0.98), (-0.4, 0.3, 0.95, 1.05)]
    assert overlaps(boxes, lifts) == []
    assert all(b[3] + d <= 1.0 + 1e-9 for b, d in zip(boxes, lifts))


# -- rendered ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def offscreen():
    from wardtwin.scene.offscreen import Offscreen

    with Offscreen((320, 180)) as off:
        yield off


def _scene(model):
    from wardtwin.scene.geometry import ward_geometry
    from wardtwin.scene.panda import WardScene

    return WardScene(ward_geometry(model.plan), locate=model.plan.room_at)


def test_headwall_labels_do_not_overlap_on_screen(medsurg, offscreen):
    """In room 405's view the head wall's labels (code blue, suction, oxygen) are all drawn,
    none over another (the boxes are those the scene drew this frame)."""
    scene = _scene(medsurg)
    scene.root.reparent_to(offscreen.render)
    try:
        offscreen.look(*viewpoint(medsurg, "405"), scene=scene)
        offscreen.image()
        boxes = scene.label_boxes
        assert {"O2-405", "SUC-405", "CB-405"} <= set(boxes), boxes
        b = list(boxes.values())
        assert overlaps(b, [0.0] * len(b)) == []
    finally:
        scene.root.remove_node()


def test_label_seen_through_a_door_is_drawn_whole_and_only_in_sight(medsurg, offscreen):
    """Walking the corridor toward the nurse station, CC-1's card is drawn whole over
    everything (it was clipped to the station's opening); looking away, it is not drawn."""
    import numpy as np

    scene = _scene(medsurg)
    scene.root.reparent_to(offscreen.render)
    try:
        eye, cart = (30.0, 6.6, 1.65), (35.45, 4.5, 0.9)
        offscreen.look(eye, cart, scene=scene)
        with_labels = offscreen.image().astype(int)
        assert scene.current_cell == "corridor" and "CC-1" in scene.label_boxes
        x0, x1, y0, y1 = scene.label_boxes["CC-1"]
        assert -1 <= x0 < x1 <= 1 and -1 <= y0 < y1 <= 1, "the card is on screen, whole"
        scene.show_labels(False)
        without = offscreen.image().astype(int)
        scene.show_labels(True)
        changed = np.abs(with_labels - without).sum(axis=2) > 60
        h, w = changed.shape
        c0, c1 = int((x0 + 1) / 2 * w), int((x1 + 1) / 2 * w)
        r0, r1 = int((1 - y1) / 2 * h), int((1 - y0) / 2 * h)
        box = changed[r0:r1, c0:c1]
        assert box.size and box.mean() > 0.3, "the card is not drawn where it was placed"
        assert box[:, : box.shape[1] // 4].any() and box[:, -box.shape[1] // 4:].any(), "the card is cut"
        offscreen.look(eye, (20.0, 6.6, 1.5), scene=scene)  # facing away from the station
        offscreen.image()
        assert "CC-1" not in scene.label_boxes
    finally:
        scene.root.remove_node()
