"""The stations' typed summaries write the mappings that `wardtwin tour --format json` always
wrote: the same keys in the same order (no Panda3D needed)."""

import json

from wardtwin.events import StationKind
from wardtwin.events.stations import DeskTourSummary, FrameTimes, LiveState, VRSummary, VRTourSummary, WalkSummary
from wardtwin.store import StoreCounts

WALK = dict(frames=3, time_s=0.1, walk_time_s=0.05, x=1.0, y=2.0, heading_deg=90.0, room="101", room_name="Patient 101",
            distance_m=0.5, mode="walk", screenshots=("a.png",), renderer="none")
WALK_KEYS = ["frames", "time_s", "walk_time_s", "x", "y", "heading_deg", "room", "room_name", "distance_m", "mode",
             "screenshots", "renderer"]
FT = FrameTimes(5, 2, 1, 11.2, 18.4, 20.0)


def test_frame_times_leave_out_the_times_of_no_frame():
    assert FrameTimes().as_dict() == {"count": 0, "over_budget_11ms": 0, "over_budget_14ms": 0}
    assert list(FT.as_dict()) == ["count", "over_budget_11ms", "over_budget_14ms", "mean_ms", "p95_ms", "max_ms"]


def test_desktop_summaries_keep_their_keys_in_order():
    walk = WalkSummary(**WALK)
    assert list(walk.as_dict()) == WALK_KEYS and walk.as_dict()["screenshots"] == ["a.png"]
    live = WalkSummary(**WALK, live=LiveState(2, 1, False)).as_dict()
    assert list(live) == [*WALK_KEYS, "reloads", "findings", "showing_newest"] and live["reloads"] == 2
    tour = DeskTourSummary(**WALK, tour=None, frame_times=FT).as_dict()
    assert list(tour) == [*WALK_KEYS, "tour", "frame_times"] and tour["frame_times"] == FT.as_dict()


def test_vr_summaries_keep_their_keys_in_order():
    vr = VRTourSummary(station=StationKind.VR, source="scripted", frames=3, time_s=0.1, x=1.0, y=2.0, heading_deg=0.0,
                       room=None, room_name=None, distance_m=0.0, teleports=1, snap_turns=2, turned_deg=45.0,
                       recentres=0, eye_size=(96, 108), ipd_m=0.063, frame_times=FT, renderer="none", selections=4)
    d = vr.as_dict()
    assert list(d) == ["station", "source", "frames", "time_s", "x", "y", "heading_deg", "room", "room_name",
                       "distance_m", "teleports", "snap_turns", "turned_deg", "recentres", "eye_size", "ipd_m",
                       "frame_times", "renderer", "selections"]
    assert d["eye_size"] == [96, 108] and json.loads(json.dumps(d))["station"] == "vr"
    assert isinstance(vr, VRSummary) and VRSummary.as_dict(vr).keys() == d.keys() - {"selections"}


def test_store_counts():
    c = StoreCounts(1, 3, 1)
    assert c.as_dict() == {"sessions": 1, "events": 3, "abandoned": 1} and c.events == 3
