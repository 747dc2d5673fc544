"""Write a synthetic hospital floor as a ward folder: several wards side by side, each a
double-loaded corridor of patient and support rooms running north from one spine corridor,
with stairs (exits) at both ends of the spine and an elevator lobby (the entrance) south of it.

Deterministic: the same seed and sizes give the same files. Uses the shipped catalog's types.
The result passes ``wardtwin check`` with no findings. Lengths in metres.

    python tools/synth_floor.py OUT_DIR [--wards 10] [--slots 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

WALL = 0.15  # wall thickness, m
HALF = WALL / 2
ROOM_DEPTH = 5.0  # patient room depth (corridor to back wall), m
SLOT = 3.6  # room width along the ward corridor, m
CORRIDOR = 2.8  # ward corridor and spine width (wall centre lines), m
WARD_W = 2 * ROOM_DEPTH + CORRIDOR  # 12.8 m
SUPPORT = ("nurse_station", "medication_room", "clean_utility", "soiled_utility", "equipment_storage",
           "staff_room")


def _f(v: float) -> str:
    return f"{round(float(v), 4):g}"


def _pt(p) -> str:
    return f"[{_f(p[0])}, {_f(p[1])}]"


class Floor:
    """Collects rooms, doors and items while the floor is laid out."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.rooms: list[str] = []
        self.doors: list[str] = []
        self.items: list[str] = []
        self.n_items = 0

    def room(self, rid, name, kind, x0, y0, x1, y1):
        poly = ", ".join(_pt(p) for p in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))
        self.rooms.append(f"  - {{id: {rid}, name: {name}, kind: {kind}, polygon: [{poly}]}}")

    def door(self, did, a, b, at, width, type="swing", exit=False):
        extra = f", type: {type}" if type != "swing" else ""
        extra += ", exit: true" if exit else ""
        self.doors.append(f"  - {{id: {did}, between: [{a}, {b}], at: {_pt(at)}, width: {_f(width)}{extra}}}")

    def item(self, iid, type, room, at, rotation=0.0):
        self.items.append(f"  - {{id: {iid}, type: {type}, room: {room}, at: {_pt(at)}, rotation: {_f(rotation)}}}")
        self.n_items += 1

    def jitter(self, s=0.08) -> float:
        return float(self.rng.uniform(-s, s))


class Frame:
    """Room-local coordinates: u across the room from the corridor wall (0) to the back wall
    (``depth``), v along the corridor (0..width). ``side`` -1 for rooms west of the corridor,
    +1 for rooms east of it."""

    def __init__(self, corridor_x: float, y0: float, side: int, depth: float, width: float):
        self.cx, self.y0, self.side, self.depth, self.width = corridor_x, y0, side, depth, width

    def xy(self, u, v):
        return (self.cx + self.side * u, self.y0 + v)

    def rot(self, facing: str) -> float:
        """Rotation (deg) for an item whose front faces ``facing``: 'corridor', 'back', 'south'
        (v decreasing) or 'north'."""
        if facing in ("south", "north"):
            return 180.0 if facing == "south" else 0.0
        east = (facing == "corridor") == (self.side < 0)
        return -90.0 if east else 90.0

    def on_wall(self, wall: str, along: float, depth: float):
        """Centre and rotation of a wall item of ``depth`` against a wall of the room."""
        if wall == "back":
            return self.xy(self.depth - HALF - depth / 2, along), self.rot("corridor")
        if wall == "corridor":
            return self.xy(HALF + depth / 2, along), self.rot("back")
        if wall == "south":
            return self.xy(along, HALF + depth / 2), self.rot("north")
        return self.xy(along, self.width - HALF - depth / 2), self.rot("south")


def patient_room(fl: Floor, rid: str, f: Frame):
    j = fl.jitter
    # bed: head at the back wall, foot toward the corridor
    bed_u = f.depth - HALF - 0.05 - 1.1
    fl.item(f"{rid}-bed", "patient_bed", rid, f.xy(bed_u, 1.8 + j(0.05)), f.rot("corridor"))
    # headwall services on the back wall beside the bed head
    for k, (t, v) in enumerate((("headwall_oxygen", 0.95), ("headwall_air", 1.15), ("headwall_suction", 2.45),
                                ("headwall_oxygen", 2.65), ("patient_monitor", 3.0), ("nurse_call_panel", 0.6))):
        depth = {"headwall_oxygen": 0.12, "headwall_air": 0.12, "headwall_suction": 0.15,
                 "patient_monitor": 0.2, "nurse_call_panel": 0.1}[t]
        at, rot = f.on_wall("back", v, depth)
        fl.item(f"{rid}-w{k}", t, rid, at, rot)
    # the bed's sides and the headwall stay clear; the rest stands near the corridor wall
    fl.item(f"{rid}-chair", "visitor_chair", rid, f.xy(0.7 + j(0.04), 0.475 + j(0.04)), 0.0)
    fl.item(f"{rid}-recliner", "recliner_chair", rid, f.xy(1.5 + j(0.04), 0.6 + j(0.03)), 0.0)
    fl.item(f"{rid}-table", "overbed_table", rid, f.xy(1.0 + j(0.04), 3.1 + j(0.03)), 0.0)
    fl.item(f"{rid}-pump", "iv_pump", rid, f.xy(2.0 + j(0.04), 3.15 + j(0.03)), 0.0)
    at, rot = f.on_wall("corridor", 0.55, 0.11)
    fl.item(f"{rid}-hh", "hand_hygiene_dispenser", rid, at, rot)
    at, rot = f.on_wall("north", 1.0, 0.15)
    fl.item(f"{rid}-sharps", "sharps_container", rid, at, rot)
    fl.item(f"{rid}-lift", "ceiling_lift", rid, f.xy(bed_u, 1.8), 0.0)


def support_room(fl: Floor, rid: str, kind: str, f: Frame):
    back = f.depth - HALF
    if kind == "nurse_station":
        fl.item(f"{rid}-desk", "nurse_station_desk", rid, f.xy(back - 0.45, 1.8), f.rot("corridor"))
        fl.item(f"{rid}-ws", "computer_workstation", rid, f.xy(back - 0.4 - 0.8 - 0.5, 0.75), f.rot("corridor"))
        fl.item(f"{rid}-cart", "crash_cart", rid, f.xy(2.0, 3.1), 180.0)
        at, rot = f.on_wall("back", 3.15, 0.2)
        fl.item(f"{rid}-aed", "aed", rid, at, rot)
        at, rot = f.on_wall("north", 3.5, 0.1)
        fl.item(f"{rid}-call", "nurse_call_panel", rid, at, rot)
    elif kind == "medication_room":
        fl.item(f"{rid}-adc", "automated_dispensing_cabinet", rid, f.xy(back - 0.33, 1.0), f.rot("corridor"))
        fl.item(f"{rid}-fridge", "medication_fridge", rid, f.xy(back - 0.32, 2.6), f.rot("corridor"))
        fl.item(f"{rid}-mcart", "medication_cart", rid, f.xy(2.4, 3.1), 180.0)
        at, rot = f.on_wall("south", 2.5, 0.11)
        fl.item(f"{rid}-hh", "hand_hygiene_dispenser", rid, at, rot)
    elif kind == "clean_utility":
        fl.item(f"{rid}-sh1", "shelving", rid, f.xy(back - 0.26, 1.0), f.rot("corridor"))
        fl.item(f"{rid}-sh2", "shelving", rid, f.xy(back - 0.26, 2.5), f.rot("corridor"))
        fl.item(f"{rid}-linen", "linen_cart", rid, f.xy(2.4, 3.15), 180.0)
    elif kind == "soiled_utility":
        fl.item(f"{rid}-bpw", "bedpan_washer", rid, f.xy(back - 0.31, 1.0), f.rot("corridor"))
        fl.item(f"{rid}-hamper", "soiled_linen_hamper", rid, f.xy(back - 0.3, 2.4), 0.0)
        fl.item(f"{rid}-waste", "clinical_waste_bin", rid, f.xy(2.6, 3.2), 0.0)
        at, rot = f.on_wall("south", 3.0, 0.3)
        fl.item(f"{rid}-eye", "eyewash_station", rid, at, rot)
        at, rot = f.on_wall("north", 1.5, 0.2)
        fl.item(f"{rid}-spill", "spill_kit", rid, at, rot)
    elif kind == "equipment_storage":
        for k in range(4):
            fl.item(f"{rid}-pump{k}", "iv_pump", rid, f.xy(back - 0.3, 0.45 + 0.6 * k), 0.0)
        fl.item(f"{rid}-wc", "wheelchair", rid, f.xy(2.2, 3.0), 90.0)
        fl.item(f"{rid}-scan", "bladder_scanner", rid, f.xy(3.0, 0.5), 0.0)
    else:  # staff_room
        fl.item(f"{rid}-table", "staff_table", rid, f.xy(back - 1.4, 1.8), 0.0)
        fl.item(f"{rid}-fridge", "nourishment_fridge", rid, f.xy(back - 0.33, 3.0), f.rot("corridor"))
        fl.item(f"{rid}-lock", "locker_bank", rid, f.xy(2.0, 3.2), 180.0)


def ward(fl: Floor, w: int, x0: float, y0: float, slots: int):
    p = f"W{w:02d}"
    cx0, cx1 = x0 + ROOM_DEPTH, x0 + ROOM_DEPTH + CORRIDOR
    length = slots * SLOT
    corr = f"{p}-corr"
    fl.room(corr, f"Ward {w} corridor", "corridor", cx0, y0, cx1, y0 + length)
    fl.door(f"{p}-D0", corr, "spine", ((cx0 + cx1) / 2, y0), 2.4, type="opening")
    support = {int(k) for k in fl.rng.choice(2 * slots, size=len(SUPPORT), replace=False)}
    kinds = iter(SUPPORT)
    n = 0
    for side, cx in ((-1, cx0), (1, cx1)):
        for s in range(slots):
            n += 1
            sy = y0 + s * SLOT
            f = Frame(cx, sy, side, ROOM_DEPTH, SLOT)
            xa, xb = sorted((cx, cx + side * ROOM_DEPTH))
            slot_id = (0 if side < 0 else slots) + s
            if slot_id in support:
                kind = next(kinds)
                rid = f"{p}-{kind.split('_')[0]}"
                fl.room(rid, f"Ward {w} {kind.replace('_', ' ')}", kind, xa, sy, xb, sy + SLOT)
                width = 1.0 if kind != "nurse_station" else 2.0
                fl.door(f"{p}-D{n}", rid, corr, (cx, sy + 1.8), width, type="opening" if kind == "nurse_station" else "swing")
                support_room(fl, rid, kind, f)
            else:
                rid = f"{p}-{n:03d}"
                fl.room(rid, f"Ward {w} room {n}", "patient_room", xa, sy, xb, sy + SLOT)
                fl.door(f"{p}-D{n}", rid, corr, (cx, sy + 1.8), 1.2)
                patient_room(fl, rid, f)
            # corridor wall items between doors (on the corridor's side of the wall)
            cf = Frame(cx, sy, -side, CORRIDOR, SLOT)
            if s % 2 == 0:
                at, rot = cf.on_wall("corridor", 3.2, 0.11)
                fl.item(f"{p}-hh{n}", "hand_hygiene_dispenser", corr, at, rot)
            elif s % 6 == 1:
                at, rot = cf.on_wall("corridor", 3.2, 0.18)
                fl.item(f"{p}-fe{n}", "fire_extinguisher", corr, at, rot)
            elif s % 6 == 3:
                at, rot = cf.on_wall("corridor", 3.2, 0.08)
                fl.item(f"{p}-pull{n}", "fire_alarm_pull_station", corr, at, rot)
            else:
                at, rot = cf.on_wall("corridor", 3.2, 0.12)
                fl.item(f"{p}-gas{n}", "medical_gas_zone_valve_box", corr, at, rot)


def build(wards: int = 10, slots: int = 20, seed: int = 0) -> Floor:
    """Lay out the floor; returns the collected YAML lines."""
    rng = np.random.default_rng(seed)
    fl = Floor(rng)
    total = wards * WARD_W
    sy0, sy1 = 0.0, CORRIDOR
    fl.room("spine", "Spine corridor", "corridor", 0.0, sy0, total, sy1)
    fl.room("stair-w", "Stair West", "stair", -4.0, sy0, 0.0, sy1)
    fl.room("stair-e", "Stair East", "stair", total, sy0, total + 4.0, sy1)
    fl.door("D-stair-w", "spine", "stair-w", (0.0, CORRIDOR / 2), 1.2, exit=True)
    fl.door("D-stair-e", "spine", "stair-e", (total, CORRIDOR / 2), 1.2, exit=True)
    lx = round(total / 2 / SLOT) * SLOT
    fl.room("lobby", "Elevator lobby", "elevator_lobby", lx - 3.0, -6.0, lx + 3.0, 0.0)
    fl.door("D-lobby", "lobby", "spine", (lx, 0.0), 2.4, type="opening")
    fl.item("lobby-fe", "fire_extinguisher", "lobby", (lx + 3.0 - HALF - 0.09, -3.0), 90.0)
    fl.item("lobby-pull", "fire_alarm_pull_station", "lobby", (lx - 3.0 + HALF + 0.04, -3.0), -90.0)
    fl.item("lobby-chair1", "visitor_chair", "lobby", (lx - 2.0, -5.2), 0.0)
    fl.item("lobby-chair2", "visitor_chair", "lobby", (lx - 1.2, -5.2), 0.0)
    for side, x in (("w", -2.0), ("e", total + 2.0)):
        fl.item(f"stair-{side}-evac", "evacuation_chair", f"stair-{side}", (x, CORRIDOR - HALF - 0.11), 180.0)
    for w in range(wards):
        ward(fl, w, w * WARD_W, CORRIDOR, slots)
    return fl


def write(out: Path, wards: int = 10, slots: int = 20, seed: int = 0) -> Floor:
    """Write ward.yaml, floorplan.yaml and equipment.yaml into ``out`` (created)."""
    fl = build(wards, slots, seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ward.yaml").write_text(
        "kind: ward\nversion: 1\nid: synth-floor\n"
        f"name: Synthetic floor ({wards} wards, seed {seed})\nentrance: lobby\nwall_thickness: {WALL}\n"
        "ceiling_height: 2.7\ndescription: generated by tools/synth_floor.py\n")
    (out / "floorplan.yaml").write_text("kind: floorplan\nversion: 1\nrooms:\n" + "\n".join(fl.rooms)
                                        + "\ndoors:\n" + "\n".join(fl.doors) + "\n")
    (out / "equipment.yaml").write_text("kind: equipment\nversion: 1\nitems:\n" + "\n".join(fl.items) + "\n")
    return fl


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder to write the ward files into")
    ap.add_argument("--wards", type=int, default=10, help="number of wards (default 10)")
    ap.add_argument("--slots", type=int, default=20, help="rooms along each side of a ward corridor (default 20)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    if a.wards < 1 or a.slots < 2:
        ap.error("--wards must be >= 1 and --slots >= 2")
    fl = write(a.out, a.wards, a.slots, a.seed)
    print(f"wrote {a.out}: {a.wards} wards, {len(fl.rooms)} rooms, {len(fl.doors)} doors, {fl.n_items} items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
