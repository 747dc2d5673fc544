"""Equipment that looks like itself (issue 18, point 3): the safety-critical types and the
patient-room set build as their detailed shapes, with a bounded number of triangles, sit on
the floor or against the wall as their mounting says, and show their colours in a 256x256
close-up drawn alone."""

from __future__ import annotations

import numpy as np
import pytest

from wardtwin.layout import check_ward, exit_code, plan_of
from wardtwin.scene.closeup import type_mesh
from wardtwin.scene.equipment import BEYOND
from wardtwin.scene.geometry import ward_geometry

#: type id -> the detailed shape the shipped catalog draws it with
DETAILED = {
    "crash_cart": "crash_cart", "fire_extinguisher": "extinguisher", "fire_alarm_pull_station": "pull_station",
    "eyewash_station": "eyewash", "medical_gas_zone_valve_box": "valve_box", "hand_hygiene_dispenser": "dispenser",
    "ppe_station": "ppe_station", "evacuation_chair": "evac_chair", "spill_kit": "spill_kit",
    "patient_bed": "bed", "icu_bed": "bed", "patient_monitor": "monitor", "iv_pump": "iv_pole",
    "recliner_chair": "chair", "visitor_chair": "chair", "overbed_table": "overbed_table",
    "headwall_oxygen": "flowmeter", "headwall_air": "flowmeter", "headwall_suction": "suction",
    "code_blue_button": "call_button",
}
#: Most triangles one item may draw (the whole patient-room set stays a few thousand).
MAX_TRIANGLES = 1000


@pytest.fixture(scope="module")
def catalog():
    layout, findings = check_ward("medsurg-28")
    assert exit_code(findings) == 0
    return layout.catalog


@pytest.mark.parametrize("type_id", sorted(DETAILED))
def test_type_builds_its_detailed_shape_within_bounds(catalog, type_id):
    t = catalog[type_id]
    assert t.draw.shape == DETAILED[type_id]
    m = type_mesh(t)
    assert 40 <= m.n_triangles <= MAX_TRIANGLES
    w, d = t.footprint
    lo, hi = m.bounds()
    above, behind, side = BEYOND.get(t.draw.shape, (0.0, 0.0, 0.0))
    # standing on z = 0 of its own frame (the floor, or its elevation on the wall)
    assert abs(float(lo[2])) < 1e-4
    assert float(hi[2]) <= t.height + above + 0.01
    assert float(lo[0]) >= -w / 2 - 0.06 - side and float(hi[0]) <= w / 2 + 0.06 + side
    assert float(hi[1]) <= d / 2 + 0.06
    if t.mount == "wall":  # its back against the wall: the back face at -d/2
        assert abs(float(lo[1]) + d / 2) < 1e-3
    else:
        assert float(lo[1]) >= -d / 2 - 0.06 - behind


def test_reference_ward_items_sit_as_mounted():
    """In medsurg-28 every detailed item stands on the floor or hangs at its elevation, and a
    wall item's back lies on a wall face (within 2 cm)."""
    layout, findings = check_ward("medsurg-28")
    plan = plan_of(layout)
    g = ward_geometry(plan)
    seen = set()
    for it in layout.items:
        t = layout.item_type(it)
        if t is None or t.id not in DETAILED:
            continue
        seen.add(t.id)
        mesh = g.item_parts[it.id].mesh
        z = layout.elevation_of(it)
        assert float(mesh.bounds()[0][2]) == pytest.approx(z, abs=1e-3), it.id
    assert {"crash_cart", "fire_extinguisher", "patient_bed", "patient_monitor"} <= seen


def test_patient_room_set_has_few_triangles(catalog):
    """Bed, monitor, IV pole, chair and overbed table together: under 2,500 triangles."""
    total = sum(type_mesh(catalog[k]).n_triangles
                for k in ("patient_bed", "patient_monitor", "iv_pump", "visitor_chair", "overbed_table"))
    assert total <= 2500


#: Colour classes, by hue (the bake shades faces, so absolute values vary).
CLASSES = {
    "red": lambda r, g, b: (r > 100) & (r > 2.2 * g) & (r > 2.2 * b),
    "green": lambda r, g, b: (g > 60) & (g > 1.4 * r) & (g > 1.2 * b),
    "yellow": lambda r, g, b: (r > 120) & (g > 100) & (b < 0.45 * g),
}


def _share(img, kind: str) -> float:
    r, g, b = (img[..., k].astype(int) for k in range(3))
    return float(CLASSES[kind](r, g, b).mean())


@pytest.mark.parametrize("type_id, colour, least", [
    ("crash_cart", "red", 0.08),  # red drawers fill the view
    ("fire_extinguisher", "red", 0.01),  # a red cylinder and a red sign
    ("eyewash_station", "green", 0.01),  # the green sign
    ("spill_kit", "yellow", 0.08),  # yellow
])
def test_closeup_shows_the_type_in_its_colours(catalog, type_id, colour, least):
    from wardtwin.scene.closeup import closeup_image
    from wardtwin.scene.offscreen import RenderError

    try:
        img = closeup_image(catalog[type_id], 256)
    except RenderError as exc:
        pytest.skip(f"no offscreen renderer: {exc}")
    assert img.shape == (256, 256, 3)
    assert _share(img, colour) >= least, f"{_share(img, colour):.1%}"
