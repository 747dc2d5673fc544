"""Portal culling never changes the picture: at eye level the batched scene (rooms as cells
seen through door openings, each clipped to the region of the screen it is seen through, its
items culled to that region) renders what the naive scene (every part, frustum culling only)
renders, from many poses on the reference wards: random places and directions on the
walkable floor, and standing in doorways, where the camera crosses a portal's plane."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from wardtwin.layout import check_ward, plan_of
from wardtwin.model import compile_ward
from wardtwin.scene.geometry import ward_geometry

EYE = 1.65
SIZE = (320, 180)


def _poses(model, plan, rng, n_random: int, n_doors: int) -> list:
    poses = []
    walk = model.walkable
    x0, y0, x1, y1 = walk.bounds
    while len(poses) < n_random:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if not walk.contains(Point(x, y)) or plan.room_at(x, y) is None:
            continue
        yaw = rng.uniform(0, 2 * math.pi)
        pitch = rng.uniform(-0.35, 0.15)
        poses.append(((x, y, EYE), (x + 5 * math.cos(yaw), y + 5 * math.sin(yaw), EYE + 5 * math.tan(pitch))))
    openings = list(plan.openings)
    for k in rng.choice(len(openings), size=min(n_doors, len(openings)), replace=False):
        o = openings[int(k)]
        wall = plan.walls[o.wall]
        (mx, my) = wall.point_at((o.t0 + o.t1) / 2)
        dx, dy = wall.direction
        nx, ny = -dy, dx
        for off in (-0.2, 0.0, 0.2):  # in the opening, and just either side of its centre line
            x, y = mx + nx * off, my + ny * off
            if plan.room_at(x, y) is None:
                continue
            for tx, ty in ((nx, ny), (-nx, -ny), (dx + nx, dy + ny), (-dx - nx, -dy - ny)):
                poses.append(((x, y, EYE), (x + 4 * tx, y + 4 * ty, EYE - 0.3)))
    return poses


@pytest.mark.parametrize("ward", ["icu-12", "medsurg-28"])
def test_portal_culled_views_match_the_naive_scene_on_reference_wards(ward):
    from wardtwin.scene.offscreen import Offscreen
    from wardtwin.scene.panda import WardScene

    layout, _ = check_ward(ward)
    plan = plan_of(layout)
    model = compile_ward(layout, plan=plan)
    g = ward_geometry(plan)
    rng = np.random.default_rng(20241122)
    poses = _poses(model, plan, rng, n_random=24, n_doors=6)
    scenes = {batched: WardScene(g, batched=batched, locate=plan.room_at) for batched in (False, True)}
    for scene in scenes.values():
        scene.show_labels(False)  # billboards turn to the camera; labels are tested elsewhere
    worst = []
    clipped = 0
    with Offscreen(SIZE) as off:
        for eye, target in poses:
            shots = {}
            for batched, scene in scenes.items():
                scene.root.reparent_to(off.render)
                off.look(eye, target, scene=scene)
                shots[batched] = off.image().astype(int)
                scene.root.detach_node()
            cells = scenes[True]
            assert cells.current_cell is not None, f"{eye} is in no room"
            clipped += any(c.scissor for c in cells._cells.values())  # left as the last frame clipped
            differ = (np.abs(shots[False] - shots[True]).sum(axis=2) > 40).mean()
            worst.append((differ, eye, target))
    worst.sort(reverse=True)
    assert worst[0][0] < 0.001, f"views differ between naive and portal-culled scenes: {worst[:3]}"
    assert clipped > len(poses) // 2, "rooms seen through doors were hardly ever clipped: the test tests nothing"


# coordinates on a 1/1024 grid: GEOS, the reference here, misjudges polygons that touch along
# an edge once a coordinate is off it by 1e-20 (it called such a touch a full overlap)
_COORD = st.integers(-3072, 3072).map(lambda v: v / 1024)
_POINT = st.tuples(_COORD, _COORD)


@settings(max_examples=300, deadline=None)
@given(st.lists(_POINT, min_size=3, max_size=8), st.one_of(st.none(), st.lists(_POINT, min_size=3, max_size=8)))
def test_portal_regions_are_clipped_exactly(subject, region):
    """Screen regions are convex polygons clipped one by another (and to the screen, which has
    its own quicker clipper): the result is their intersection, as shapely computes it."""
    from shapely.geometry import Polygon

    from wardtwin.scene.panda import _FULL, _clip_poly, _hull

    a = _hull(subject)
    b = _FULL if region is None else _hull(region)
    assume(len(a) >= 3 and len(b) >= 3)
    pa, pb = Polygon(a), Polygon(b)
    assume(pa.area > 1e-6 and pb.area > 1e-6)
    got = _clip_poly(a, b)
    want = pa.intersection(pb)
    if want.area < 1e-9:  # apart, or touching along an edge or at a corner
        assert len(got) < 3 or Polygon(got).area < 1e-9, f"{got}: an overlap where there is none"
        return
    assert len(got) >= 3, f"clipped away an overlap of {want.area}"
    pg = Polygon(got)
    assert abs(pg.area - want.area) < 1e-9 * max(1.0, want.area)
    # the same shape (a distance between outlines: GEOS's overlay of two near-identical thin
    # polygons can report them as disjoint)
    assert pg.hausdorff_distance(want) < 1e-7
