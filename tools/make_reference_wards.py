#!/usr/bin/env python3
"""Generate the two reference wards shipped with wardtwin:

    layouts/medsurg-28/   a 28-bed medical-surgical unit (double-loaded corridor, ensuites)
    layouts/icu-12/       a 12-bed intensive care unit (racetrack corridors, two isolation rooms)

Each ward folder gets ward.yaml, floorplan.yaml and equipment.yaml. The output is deterministic
(no randomness, no clock), so regenerating gives byte-identical files:

    python tools/make_reference_wards.py            # write both wards
    python tools/make_reference_wards.py --check    # exit 1 if the files on disk differ

Geometry conventions (see docs/layout-format.md): room polygons are wall centre lines, walls
are 0.15 m thick, so a wall face is 0.075 m from the line. Wall-mounted items are placed with
their back 1 cm off the wall face; floor items keep 5 cm off wall faces. Only the standard
library and PyYAML are used (PyYAML to read the shipped catalog's footprints and to check that
the written files parse).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "assets" / "catalog.yaml"

WALL_T = 0.15          # wall thickness, m
HALF = WALL_T / 2      # centre line to wall face
WALL_GAP = 0.01        # a wall item's back to the wall face
FLOOR_GAP = 0.05       # a floor item's edge to the wall face

HEADER = """\
# GENERATED FILE - do not edit by hand.
# Written by tools/make_reference_wards.py; change that script and regenerate with
#     python tools/make_reference_wards.py
"""


# --------------------------------------------------------------------------- small helpers

def load_footprints() -> dict[str, tuple[float, float]]:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    return {t["id"]: (float(t["footprint"][0]), float(t["footprint"][1])) for t in data["types"]}


FOOTPRINT = load_footprints()


def num(v: float) -> str:
    """A length rounded to 3 decimals, without trailing zeros (and never '-0')."""
    r = round(float(v), 3)
    if r == 0:
        r = 0.0
    s = f"{r:.3f}".rstrip("0").rstrip(".")
    return s


def rotation_of(front: tuple[float, float]) -> int:
    """The rotation (degrees CCW) that turns an item's local +y (its front) to ``front``."""
    deg = math.degrees(math.atan2(-front[0], front[1]))
    r = int(round(deg)) % 360
    return r - 360 if r > 180 else r


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 .()/+\-]*[A-Za-z0-9.)]|[A-Za-z]")
_RESERVED = {"yes", "no", "true", "false", "on", "off", "null", "y", "n", "none", "outside_"}


def q(s: str) -> str:
    """A YAML scalar for text: plain when unambiguous, else double-quoted."""
    s = str(s)
    if _PLAIN.fullmatch(s) and s.lower() not in _RESERVED and ": " not in s and " #" not in s:
        return s
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{out}"'


def pt(p) -> str:
    return f"[{num(p[0])}, {num(p[1])}]"


def ccw(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Counter-clockwise, starting at the lowest (then leftmost) corner."""
    pts = [(round(x, 6), round(y, 6)) for x, y in points]
    area2 = sum(pts[i - 1][0] * pts[i][1] - pts[i][0] * pts[i - 1][1] for i in range(len(pts)))
    if area2 < 0:
        pts.reverse()
    k = min(range(len(pts)), key=lambda i: (pts[i][1], pts[i][0]))
    return pts[k:] + pts[:k]


def rect(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


@dataclass
class Frame:
    """An axis-aligned local frame: world = origin + (a*u, b*v), a and b = +-1.

    Used for patient rooms: u runs along the corridor, v away from it (v = 0 on the corridor
    wall). Mirroring a room flips a; rooms south of a corridor have b = -1."""

    ox: float
    oy: float
    a: int = 1
    b: int = 1

    def p(self, u, v):
        return (self.ox + self.a * u, self.oy + self.b * v)

    def vec(self, du, dv):
        return (self.a * du, self.b * dv)

    def poly(self, pts):
        return ccw([self.p(u, v) for u, v in pts])


# --------------------------------------------------------------------------- the ward builder

@dataclass
class Ward:
    id: str
    name: str
    entrance: str
    ceiling_height: float
    description: str
    rooms: list = field(default_factory=list)
    doors: list = field(default_factory=list)
    items: list = field(default_factory=list)
    tag_prefix: str = "BME"
    tag_next: int = 1

    # rooms and doors -------------------------------------------------------------------
    def section(self, what: str, title: str):
        getattr(self, what).append(("#", title))

    def room(self, rid, name, kind, polygon, number=None):
        self.rooms.append(dict(id=rid, name=name, kind=kind, number=number, polygon=ccw(polygon)))

    def door(self, did, a, b, at, width, type="swing", exit=False):
        self.doors.append(dict(id=did, between=(a, b), at=at, width=width, type=type, exit=exit))

    # equipment -------------------------------------------------------------------------
    def tag(self) -> str:
        t = f"{self.tag_prefix}-{self.tag_next:05d}"
        self.tag_next += 1
        return t

    def floor(self, iid, typ, room, at, front=(0, 1), label=None, tagged=False):
        """A floor item centred at ``at`` with its front facing ``front`` (a unit vector)."""
        self.items.append(dict(id=iid, type=typ, room=room, at=at, rotation=rotation_of(front),
                               label=label, asset_tag=self.tag() if tagged else None))

    def ceiling(self, iid, typ, room, at, front=(0, 1), elevation=None, label=None, tagged=False):
        self.items.append(dict(id=iid, type=typ, room=room, at=at, rotation=rotation_of(front),
                               elevation=elevation, label=label, asset_tag=self.tag() if tagged else None))

    def wall(self, iid, typ, room, on_line, normal, label=None, tagged=False):
        """A wall item whose back is against the wall through ``on_line`` (a point on the wall
        centre line); ``normal`` is the unit vector from the wall into ``room``."""
        depth = FOOTPRINT[typ][1]
        off = HALF + WALL_GAP + depth / 2
        at = (on_line[0] + normal[0] * off, on_line[1] + normal[1] * off)
        self.items.append(dict(id=iid, type=typ, room=room, at=at, rotation=rotation_of(normal),
                               label=label, asset_tag=self.tag() if tagged else None))

    # output ----------------------------------------------------------------------------
    def ward_yaml(self) -> str:
        desc = textwrap.fill(self.description, width=88, initial_indent="  ", subsequent_indent="  ")
        return (HEADER + "kind: ward\nversion: 1\n"
                f"id: {q(self.id)}\nname: {q(self.name)}\nentrance: {q(self.entrance)}\n"
                f"wall_thickness: {num(WALL_T)}\nceiling_height: {num(self.ceiling_height)}\n"
                f"description: >-\n{desc}\n")

    def floorplan_yaml(self) -> str:
        out = [HEADER, "kind: floorplan\nversion: 1\nrooms:\n"]
        for r in self.rooms:
            if isinstance(r, tuple):
                out.append(f"\n  # {r[1]}\n")
                continue
            out.append(f"  - id: {rid_yaml(r['id'])}\n")
            out.append(f"    name: {q(r['name'])}\n    kind: {r['kind']}\n")
            if r["number"]:
                out.append(f"    number: \"{r['number']}\"\n")
            out.append(f"    polygon: [{', '.join(pt(p) for p in r['polygon'])}]\n")
        out.append("\ndoors:\n")
        for d in self.doors:
            if isinstance(d, tuple):
                out.append(f"\n  # {d[1]}\n")
                continue
            a, b = (rid_yaml(x) for x in d["between"])
            out.append(f"  - id: {q(d['id'])}\n    between: [{a}, {b}]\n    at: {pt(d['at'])}\n"
                       f"    width: {num(d['width'])}\n    type: {d['type']}\n")
            if d["exit"]:
                out.append("    exit: true\n")
        return "".join(out)

    def equipment_yaml(self) -> str:
        out = [HEADER, "kind: equipment\nversion: 1\nitems:\n"]
        for it in self.items:
            if isinstance(it, tuple):
                out.append(f"\n  # {it[1]}\n")
                continue
            out.append(f"  - id: {q(it['id'])}\n    type: {it['type']}\n    room: {rid_yaml(it['room'])}\n"
                       f"    at: {pt(it['at'])}\n    rotation: {it['rotation']}\n")
            if it.get("elevation") is not None:
                out.append(f"    elevation: {num(it['elevation'])}\n")
            if it.get("label"):
                out.append(f"    label: {q(it['label'])}\n")
            if it.get("asset_tag"):
                out.append(f"    asset_tag: {it['asset_tag']}\n")
        return "".join(out)

    def files(self) -> dict[str, str]:
        return {"ward.yaml": self.ward_yaml(), "floorplan.yaml": self.floorplan_yaml(),
                "equipment.yaml": self.equipment_yaml()}


def rid_yaml(rid: str) -> str:
    return f'"{rid}"' if rid[:1].isdigit() else q(rid)


# --------------------------------------------------------------------------- medsurg-28

MS_RW, MS_RD = 3.6, 5.0          # patient room: width along the corridor, depth
MS_EW, MS_ED = 1.9, 2.2          # ensuite: width, depth (carved from the room's corridor side)
MS_CY0, MS_CY1 = 5.0, 7.6        # corridor centre lines (2.6 m: 2.45 m clear)
MS_CORE0, MS_CORE1 = 25.2, 39.6  # the support core between the wings
MS_LEN = 64.8                    # corridor length
MS_STAIR_W = 3.0
MS_STAIR_Y = (3.5, 9.1)
MS_BARIATRIC = {"407", "408", "421", "422"}   # rooms with a ceiling lift


def ms_patient_room(w: Ward, num_: str, fr: Frame):
    """One patient room with its ensuite, in local coordinates (u along the corridor, v away
    from it). Unmirrored: ensuite at u in [0, 1.9] on the corridor side; the entrance vestibule
    beside it; the bed zone across the window end; the headwall on the vestibule-side partition
    (u = 3.6), so mirrored neighbours share ensuite walls and headwalls back to back."""
    rid, ens = num_, f"{num_}-ens"
    corridor = "corridor"
    w.room(rid, f"Patient room {num_}", "patient_room",
           fr.poly([(MS_EW, 0), (MS_RW, 0), (MS_RW, MS_RD), (0, MS_RD), (0, MS_ED), (MS_EW, MS_ED)]), number=num_)
    w.room(ens, f"Ensuite {num_}", "ensuite", fr.poly(rect(0, 0, MS_EW, MS_ED)))
    door_u = MS_EW + (MS_RW - MS_EW) / 2
    w.door(f"D{num_}", rid, corridor, fr.p(door_u, 0), 1.2, "swing")
    w.door(f"D{num_}-ens", rid, ens, fr.p(MS_EW, 1.2), 1.0, "sliding")

    into_corr = fr.vec(0, -1)
    w.section("items", f"Room {num_}")
    vb = (MS_ED + MS_RD) / 2                                  # bed centre line
    w.floor(f"BED-{num_}", "patient_bed", rid, fr.p(MS_RW - HALF - FLOOR_GAP - 1.1, vb), fr.vec(-1, 0), tagged=True)
    head = fr.vec(-1, 0)                                      # from the headwall into the room
    # headwall services on the bed's entrance side (the nurse's working side, between the bed
    # and the ensuite wall); the monitor on its arm above the bed head
    w.wall(f"MON-{num_}", "patient_monitor", rid, fr.p(MS_RW, vb), head, tagged=True)
    w.wall(f"CB-{num_}", "code_blue_button", rid, fr.p(MS_RW, vb - 1.15), head)
    w.wall(f"SUC-{num_}", "headwall_suction", rid, fr.p(MS_RW, vb - 0.9), head)
    w.wall(f"O2-{num_}", "headwall_oxygen", rid, fr.p(MS_RW, vb - 0.65), head)
    w.wall(f"HH-{num_}", "hand_hygiene_dispenser", corridor, fr.p(door_u - 0.815, 0), into_corr)
    # a visitor chair in the window corner leaves a 0.6 m way round the foot of the bed
    w.floor(f"CHAIR-{num_}", "visitor_chair", rid, fr.p(HALF + FLOOR_GAP + 0.275, MS_RD - HALF - FLOOR_GAP - 0.275),
            fr.vec(1, 0))
    w.floor(f"OBT-{num_}", "overbed_table", rid, fr.p(2.4, 4.45), fr.vec(0, -1))
    if num_ in MS_BARIATRIC:
        w.ceiling(f"CL-{num_}", "ceiling_lift", rid, fr.p(MS_RW - 1.3, vb), fr.vec(-1, 0), tagged=True)
    # ensuite
    w.floor(f"WC-{num_}", "toilet", ens, fr.p(HALF + FLOOR_GAP + 0.35, 1.6), fr.vec(1, 0))
    w.wall(f"SINK-{num_}", "hand_wash_sink", ens, fr.p(0.7, 0), fr.vec(0, 1))
    w.wall(f"CORD-{num_}", "bathroom_call_cord", ens, fr.p(0, 1.15), fr.vec(1, 0))


def medsurg() -> Ward:
    w = Ward("medsurg-28", "4 West Medical-Surgical Unit", "elevator-lobby", 2.7,
             "Reference 28-bed medical-surgical unit: single rooms of 3.6 x 5.0 m with ensuites on a "
             "double-loaded 2.6 m corridor (2.45 m clear), a support core in the middle with the nurse "
             "station, medication room, utilities, storage, staff room and the elevator lobby, and a "
             "stair at each end of the corridor. Generated by tools/make_reference_wards.py.",
             tag_prefix="BME-4W")
    # ---- patient rooms: (number, frame) --------------------------------------------
    south, north = [], []
    for i in range(7):                                   # west wing, west -> east
        x0, m = MS_RW * i, i % 2 == 1
        south.append((401 + i, x0, m))
        north.append((428 - i, x0, m))
    for k in range(7):                                   # east wing, east end first
        x0, m = MS_LEN - MS_RW * (k + 1), k % 2 == 0
        south.append((414 - k, x0, m))
        north.append((415 + k, x0, m))

    def frame(x0, m, side):
        ox = x0 + MS_RW if m else x0
        a = -1 if m else 1
        return Frame(ox, MS_CY0, a, -1) if side == "S" else Frame(ox, MS_CY1, a, 1)

    for what in ("rooms", "doors"):
        w.section(what, "Patient rooms, south side (401-414), each with its ensuite")
    for n, x0, m in sorted(south):
        ms_patient_room(w, str(n), frame(x0, m, "S"))
    for what in ("rooms", "doors"):
        w.section(what, "Patient rooms, north side (415-428), each with its ensuite")
    for n, x0, m in sorted(north):
        ms_patient_room(w, str(n), frame(x0, m, "N"))

    # ---- corridor, core, stairs ------------------------------------------------------
    C0, C1, L = MS_CORE0, MS_CORE1, MS_LEN
    w.section("rooms", "Corridor (double-loaded, 2.6 m between wall centre lines)")
    w.room("corridor", "Corridor", "corridor", rect(0, MS_CY0, L, MS_CY1))
    w.section("rooms", "Support core, south of the corridor")
    w.room("clean-utility", "Clean utility", "clean_utility", rect(C0, 0, 28.8, MS_CY0))
    w.room("nurse-station", "Nurse station", "nurse_station", rect(28.8, 2.4, 36.0, MS_CY0))
    w.room("med-room", "Medication room", "medication_room", rect(28.8, 0, 32.4, 2.4))
    w.room("charge-office", "Charge nurse office", "office", rect(32.4, 0, 36.0, 2.4))
    w.room("soiled-utility", "Soiled utility", "soiled_utility", rect(36.0, 0, C1, MS_CY0))
    w.section("rooms", "Support core, north of the corridor")
    w.room("equipment-storage", "Equipment storage", "equipment_storage", rect(C0, MS_CY1, 28.8, 12.6))
    w.room("elevator-lobby", "Elevator lobby", "elevator_lobby", rect(28.8, MS_CY1, 33.0, 12.6))
    w.room("nourishment", "Nourishment", "nourishment", rect(33.0, MS_CY1, 35.4, 10.6))
    w.room("staff-toilet", "Staff toilet", "toilet", rect(33.0, 10.6, 35.4, 12.6))
    w.room("staff-room", "Staff room", "staff_room", rect(35.4, MS_CY1, C1, 12.6))
    w.section("rooms", "Stairs at the corridor ends (evacuation exits)")
    w.room("stair-west", "Stair A (west)", "stair", rect(-MS_STAIR_W, MS_STAIR_Y[0], 0, MS_STAIR_Y[1]))
    w.room("stair-east", "Stair B (east)", "stair", rect(L, MS_STAIR_Y[0], L + MS_STAIR_W, MS_STAIR_Y[1]))

    # doors: patient room doors were added with the rooms; now the core and the stairs
    w.section("doors", "Support core")
    w.door("D-clean", "clean-utility", "corridor", (27.0, MS_CY0), 1.2)
    w.door("D-ns", "nurse-station", "corridor", (32.4, MS_CY0), 5.0, "opening")
    w.door("D-med", "med-room", "nurse-station", (30.6, 2.4), 1.0)
    w.door("D-office", "charge-office", "nurse-station", (34.2, 2.4), 0.9)
    w.door("D-soiled", "soiled-utility", "corridor", (37.8, MS_CY0), 1.2)
    w.door("D-equip", "equipment-storage", "corridor", (27.0, MS_CY1), 1.5, "double")
    w.door("D-lobby", "elevator-lobby", "corridor", (30.9, MS_CY1), 1.8, "double")
    w.door("D-nour", "nourishment", "corridor", (34.2, MS_CY1), 0.9)
    w.door("D-staff", "staff-room", "corridor", (37.5, MS_CY1), 0.9)
    w.door("D-staff-wc", "staff-toilet", "staff-room", (35.4, 11.6), 0.9)
    w.section("doors", "Exits to the stairs")
    mid = (MS_CY0 + MS_CY1) / 2
    w.door("D-stair-west", "corridor", "stair-west", (0, mid), 1.2, "swing", exit=True)
    w.door("D-stair-east", "corridor", "stair-east", (L, mid), 1.2, "swing", exit=True)

    # ---- corridor equipment -----------------------------------------------------------
    N, S, E, W_ = (0, 1), (0, -1), (1, 0), (-1, 0)     # inward normals
    w.section("items", "Corridor: safety equipment (south wall faces north, north wall faces south)")
    w.wall("EVAC-1", "evacuation_chair", "corridor", (0.7, MS_CY0), N, label="Evacuation chair, stair A")
    w.wall("FE-1", "fire_extinguisher", "corridor", (0.7, MS_CY1), S, label="Fire extinguisher (ABC), stair A")
    w.wall("PULL-1", "fire_alarm_pull_station", "corridor", (0, mid + 0.85), E, label="Fire alarm, stair A exit")
    w.wall("ZVB-1", "medical_gas_zone_valve_box", "corridor", (7.2, MS_CY0), N,
           label="Zone valves O2/air/vacuum: rooms 401-407 and 422-428")
    w.wall("PPE-2", "ppe_station", "corridor", (14.4, MS_CY0), N, label="PPE station, west wing")
    w.wall("AED-1", "aed", "corridor", (14.4, MS_CY1), S, label="AED, west wing", tagged=True)
    w.wall("FE-2", "fire_extinguisher", "corridor", (21.6, MS_CY1), S, label="Fire extinguisher (ABC), west wing")
    w.wall("FE-3", "fire_extinguisher", "corridor", (L - 21.6, MS_CY1), S, label="Fire extinguisher (ABC), east wing")
    w.wall("AED-2", "aed", "corridor", (L - 14.4, MS_CY1), S, label="AED, east wing", tagged=True)
    w.wall("PPE-3", "ppe_station", "corridor", (L - 14.4, MS_CY0), N, label="PPE station, east wing")
    w.wall("ZVB-2", "medical_gas_zone_valve_box", "corridor", (L - 7.2, MS_CY0), N,
           label="Zone valves O2/air/vacuum: rooms 408-414 and 415-421")
    w.wall("EVAC-2", "evacuation_chair", "corridor", (L - 0.7, MS_CY0), N, label="Evacuation chair, stair B")
    w.wall("FE-4", "fire_extinguisher", "corridor", (L - 0.7, MS_CY1), S, label="Fire extinguisher (ABC), stair B")
    w.wall("PULL-2", "fire_alarm_pull_station", "corridor", (L, mid + 0.85), W_, label="Fire alarm, stair B exit")

    # ---- core equipment -----------------------------------------------------------------
    w.section("items", "Nurse station")
    w.floor("DESK-1", "nurse_station_desk", "nurse-station", (32.4, 2.4 + HALF + FLOOR_GAP + 0.4), N)
    w.floor("WS-1", "computer_workstation", "nurse-station", (30.0, 3.8), S)
    w.floor("WS-2", "computer_workstation", "nurse-station", (34.8, 3.8), S)
    w.floor("CC-1", "crash_cart", "nurse-station", (35.45, 4.5), S, label="Crash cart (4 West)", tagged=True)
    w.wall("NCP-1", "nurse_call_panel", "nurse-station", (28.8, 3.8), E, label="Call-light annunciator")
    w.wall("PTS-1", "pneumatic_tube_station", "nurse-station", (36.0, 3.0), W_, label="Tube station 4W")

    w.section("items", "Medication room")
    w.floor("ADC-1", "automated_dispensing_cabinet", "med-room", (29.6, HALF + FLOOR_GAP + 0.325), N, tagged=True)
    w.floor("FRIDGE-1", "medication_fridge", "med-room", (30.55, HALF + FLOOR_GAP + 0.31), N, tagged=True)
    w.floor("COUNTER-MED", "counter", "med-room", (32.4 - HALF - FLOOR_GAP - 0.3, 1.1), W_)
    w.wall("HH-MED", "hand_hygiene_dispenser", "med-room", (28.8, 1.5), E)

    w.section("items", "Charge nurse office")
    w.floor("WS-3", "computer_workstation", "charge-office", (34.2, HALF + FLOOR_GAP + 0.35), N)

    w.section("items", "Clean utility")
    w.floor("SHELF-1", "shelving", "clean-utility", (C0 + HALF + FLOOR_GAP + 0.25, 1.5), E)
    w.floor("SHELF-2", "shelving", "clean-utility", (C0 + HALF + FLOOR_GAP + 0.25, 3.3), E)
    w.floor("SHELF-3", "shelving", "clean-utility", (28.8 - HALF - FLOOR_GAP - 0.25, 1.5), W_)
    w.floor("BW-1", "blanket_warmer", "clean-utility", (28.35, 3.0), W_)
    w.floor("LINEN-1", "linen_cart", "clean-utility", (27.0, HALF + FLOOR_GAP + 0.3), N)
    w.floor("ISO-CART-1", "isolation_cart", "clean-utility", (26.3, 3.8), N, label="Isolation cart, ready to deploy")
    w.wall("PPE-1", "ppe_station", "clean-utility", (28.8, 4.1), W_, label="PPE and isolation supplies")

    w.section("items", "Soiled utility")
    w.floor("BPW-1", "bedpan_washer", "soiled-utility", (36.6, HALF + FLOOR_GAP + 0.3), N)
    w.floor("WASTE-1", "clinical_waste_bin", "soiled-utility", (37.5, HALF + FLOOR_GAP + 0.225), N)
    w.floor("HAMPER-1", "soiled_linen_hamper", "soiled-utility", (38.2, HALF + FLOOR_GAP + 0.25), N)
    w.wall("SINK-SU", "hand_wash_sink", "soiled-utility", (36.0, 2.0), E)
    w.wall("EYE-1", "eyewash_station", "soiled-utility", (36.0, 3.2), E, label="Eyewash station")
    w.wall("SPILL-1", "spill_kit", "soiled-utility", (C1, 2.5), W_, label="Spill kit")

    w.section("items", "Equipment storage")
    xs = C0 + HALF + FLOOR_GAP + 0.25
    w.floor("SHELF-4", "shelving", "equipment-storage", (xs, 9.4), E)
    w.floor("SHELF-5", "shelving", "equipment-storage", (xs, 10.8), E)
    w.floor("LIFT-1", "patient_lift", "equipment-storage", (26.45, 12.6 - HALF - FLOOR_GAP - 0.65), S, tagged=True)
    w.floor("VS-1", "vitals_monitor", "equipment-storage", (27.1, 12.2), S, tagged=True)
    w.floor("BS-1", "bladder_scanner", "equipment-storage", (27.7, 12.225), S, tagged=True)
    for k, y in enumerate((12.2, 11.6, 11.0, 10.4), start=1):     # a row of pumps along the east wall
        w.floor(f"IVP-{k}", "iv_pump", "equipment-storage", (28.4, y), W_, tagged=True)
    w.floor("VS-2", "vitals_monitor", "equipment-storage", (28.4, 9.8), W_, tagged=True)
    w.floor("O2RACK-1", "oxygen_cylinder_rack", "equipment-storage", (28.8 - HALF - FLOOR_GAP - 0.175, 9.0), W_)
    w.floor("WCH-1", "wheelchair", "equipment-storage", (27.0, 9.3), N)

    w.section("items", "Elevator lobby (ward entrance)")
    w.wall("HH-ENT", "hand_hygiene_dispenser", "elevator-lobby", (32.1, MS_CY1), N, label="Hand rub, ward entrance")

    w.section("items", "Nourishment")
    w.floor("ICE-1", "ice_machine", "nourishment", (33.0 + HALF + FLOOR_GAP + 0.325, 9.0), E)
    w.floor("NFRIDGE-1", "nourishment_fridge", "nourishment", (33.0 + HALF + FLOOR_GAP + 0.325, 9.9), E)
    w.floor("COUNTER-NOUR", "counter", "nourishment", (35.4 - HALF - FLOOR_GAP - 0.3, 9.4), W_)

    w.section("items", "Staff toilet and staff room")
    w.floor("WC-STAFF", "toilet", "staff-toilet", (33.8, 12.6 - HALF - FLOOR_GAP - 0.35), S)
    w.wall("SINK-STAFF", "hand_wash_sink", "staff-toilet", (33.0, 11.0), E)
    w.floor("TABLE-STAFF", "staff_table", "staff-room", (37.8, 10.4), N)
    w.floor("CHAIR-STAFF-1", "visitor_chair", "staff-room", (37.8, 9.45), N)
    w.floor("CHAIR-STAFF-2", "visitor_chair", "staff-room", (37.8, 11.35), S)
    xl = C1 - HALF - FLOOR_GAP - 0.25
    w.floor("LOCKERS-1", "locker_bank", "staff-room", (xl, 9.5), W_)
    w.floor("LOCKERS-2", "locker_bank", "staff-room", (xl, 11.0), W_)
    return w


# --------------------------------------------------------------------------- icu-12

ICU_RW, ICU_RD = 4.8, 5.4        # standard room
ICU_IW = 6.0                     # isolation bay (anteroom + isolation room)
ICU_AW, ICU_AD = 2.4, 2.8        # anteroom
CS0, CS1 = 5.4, 8.2              # corridor-south centre lines (2.8 m)
CORE1 = 15.2                     # core: y in [8.2, 15.2]
CN1 = 18.0                       # corridor-north: y in [15.2, 18.0]
ICU_LEN = 30.0                   # corridor length between the cross corridors
ICU_CW = 2.8                     # cross corridor width
ICU_CEIL = 2.9
VENTILATED = {"ICU-01", "ICU-03", "ICU-05", "ICU-06", "ICU-08", "ICU-10", "ICU-12"}


def icu_bed_space(w: Ward, rid: str, corridor: str, fr: Frame, bed_u: float, mon_u: float, cb_u: float,
                  gas_u: float, inf_u: float, vent_u: float, table_u: float, chair_at, chair_front,
                  sharps_at, sharps_normal):
    head = fr.vec(0, -1)                                  # from the headwall (v = 5.4) into the room
    bed_v = ICU_RD - HALF - FLOOR_GAP - 2.35 / 2
    w.floor(f"BED-{rid}", "icu_bed", rid, fr.p(bed_u, bed_v), head, tagged=True)
    w.wall(f"MON-{rid}", "patient_monitor", rid, fr.p(mon_u, ICU_RD), head, tagged=True)
    w.wall(f"CB-{rid}", "code_blue_button", rid, fr.p(cb_u, ICU_RD), head)
    w.wall(f"O2-{rid}", "headwall_oxygen", rid, fr.p(gas_u, ICU_RD), head)
    w.wall(f"AIR-{rid}", "headwall_air", rid, fr.p(gas_u + 0.35, ICU_RD), head)
    w.wall(f"SUC-{rid}", "headwall_suction", rid, fr.p(gas_u + 0.7, ICU_RD), head)
    w.floor(f"INF-{rid}", "infusion_tower", rid, fr.p(inf_u, 4.35), head, tagged=True)
    if rid in VENTILATED:
        w.floor(f"VENT-{rid}", "ventilator", rid, fr.p(vent_u, 4.2), head, tagged=True)
    w.floor(f"OBT-{rid}", "overbed_table", rid, fr.p(table_u, 2.6), fr.vec(-1, 0))
    w.floor(f"CHAIR-{rid}", "recliner_chair", rid, fr.p(*chair_at), fr.vec(*chair_front))
    w.wall(f"SHARPS-{rid}", "sharps_container", rid, fr.p(*sharps_at), fr.vec(*sharps_normal))
    w.ceiling(f"CL-{rid}", "ceiling_lift", rid, fr.p(bed_u, 3.6), head,
              elevation=ICU_CEIL - 0.35, tagged=True)


def icu_room(w: Ward, n: int, corridor: str, fr: Frame):
    rid = f"ICU-{n:02d}"
    w.room(rid, f"ICU room {n:02d}", "patient_room", fr.poly(rect(0, 0, ICU_RW, ICU_RD)), number=f"{n:02d}")
    w.door(f"D-{rid}", rid, corridor, fr.p(ICU_RW / 2, 0), 1.8, "sliding")
    w.section("items", f"{rid}")
    icu_bed_space(w, rid, corridor, fr, bed_u=2.4, mon_u=1.4, cb_u=0.85, gas_u=3.3, inf_u=1.45, vent_u=3.4,
                  table_u=3.9, chair_at=(HALF + FLOOR_GAP + 0.45, 1.6), chair_front=(1, 0),
                  sharps_at=(0, 2.5), sharps_normal=(1, 0))
    w.wall(f"HH-{rid}", "hand_hygiene_dispenser", corridor, fr.p(ICU_RW / 2 + 0.9 + 0.215, 0), fr.vec(0, -1))
    w.wall(f"HH-{rid}-bed", "hand_hygiene_dispenser", rid, fr.p(1.2, 0), fr.vec(0, 1))
    w.wall(f"SINK-{rid}", "hand_wash_sink", rid, fr.p(4.15, 0), fr.vec(0, 1))


def icu_isolation(w: Ward, n: int, corridor: str, fr: Frame, ppe: str):
    rid, ante = f"ICU-{n:02d}", f"ICU-{n:02d}-ante"
    w.room(rid, f"ICU isolation room {n:02d}", "isolation_room",
           fr.poly([(ICU_AW, 0), (ICU_IW, 0), (ICU_IW, ICU_RD), (0, ICU_RD), (0, ICU_AD), (ICU_AW, ICU_AD)]),
           number=f"{n:02d}")
    w.room(ante, f"Anteroom {n:02d}", "anteroom", fr.poly(rect(0, 0, ICU_AW, ICU_AD)))
    w.door(f"D-{ante}", ante, corridor, fr.p(ICU_AW / 2, 0), 1.2, "sliding")
    w.door(f"D-{rid}", rid, ante, fr.p(ICU_AW / 2, ICU_AD), 1.2, "sliding")
    w.section("items", f"{rid} (airborne isolation) and its anteroom")
    icu_bed_space(w, rid, corridor, fr, bed_u=3.85, mon_u=2.85, cb_u=2.3, gas_u=4.75, inf_u=2.75, vent_u=1.9,
                  table_u=5.5, chair_at=(ICU_IW - HALF - FLOOR_GAP - 0.45, 1.2), chair_front=(-1, 0),
                  sharps_at=(ICU_IW, 2.2), sharps_normal=(-1, 0))
    w.wall(f"HH-{rid}-bed", "hand_hygiene_dispenser", rid, fr.p(2.05, ICU_AD), fr.vec(0, 1))
    w.wall(f"SINK-{rid}", "hand_wash_sink", rid, fr.p(ICU_AW, 1.4), fr.vec(1, 0))
    # anteroom: hand hygiene, PPE, isolation cart, sink; hand rub outside its corridor door
    w.wall(f"HH-{ante}", "hand_hygiene_dispenser", corridor, fr.p(ICU_AW / 2 + 0.6 + 0.215, 0), fr.vec(0, -1))
    w.wall(f"HH-{rid}", "hand_hygiene_dispenser", ante, fr.p(2.05, ICU_AD), fr.vec(0, -1))
    w.wall(ppe, "ppe_station", ante, fr.p(ICU_AW, 1.85), fr.vec(-1, 0), label=f"PPE for isolation room {n:02d}")
    w.floor(f"ISO-CART-{n:02d}", "isolation_cart", ante, fr.p(ICU_AW - HALF - FLOOR_GAP - 0.225, 1.0), fr.vec(-1, 0))
    w.wall(f"SINK-{ante}", "hand_wash_sink", ante, fr.p(0, 1.4), fr.vec(1, 0))


def icu() -> Ward:
    w = Ward("icu-12", "3 East Intensive Care Unit", "elevator-lobby", ICU_CEIL,
             "Reference 12-bed intensive care unit: ten single rooms of 4.8 x 5.4 m and two airborne "
             "isolation rooms, each entered through an anteroom, on a racetrack of 2.8 m corridors "
             "around a central core with the nurse station open to both long corridors. Stairs at the "
             "west and east ends; the elevator lobby off the east cross corridor is the entrance. "
             "Generated by tools/make_reference_wards.py.", tag_prefix="BME-3E")
    L = ICU_LEN
    for what in ("rooms", "doors"):
        w.section(what, "ICU rooms, south side (ICU-01 to ICU-06; ICU-06 is an isolation room)")
    for i in range(5):
        x0, m = ICU_RW * i, i % 2 == 1
        icu_room(w, i + 1, "corridor-south", Frame(x0 + ICU_RW if m else x0, CS0, -1 if m else 1, -1))
    icu_isolation(w, 6, "corridor-south", Frame(L - ICU_IW, CS0, 1, -1), "PPE-1")
    for what in ("rooms", "doors"):
        w.section(what, "ICU rooms, north side (ICU-07 to ICU-12; ICU-12 is an isolation room)")
    for i in range(5):
        x0, m = L - ICU_RW * (i + 1), i % 2 == 1
        icu_room(w, 7 + i, "corridor-north", Frame(x0 + ICU_RW if m else x0, CN1, -1 if m else 1, 1))
    icu_isolation(w, 12, "corridor-north", Frame(ICU_IW, CN1, -1, 1), "PPE-2")

    w.section("rooms", "Racetrack corridors (2.8 m between wall centre lines)")
    w.room("corridor-south", "South corridor", "corridor", rect(0, CS0, L, CS1))
    w.room("corridor-north", "North corridor", "corridor", rect(0, CORE1, L, CN1))
    w.room("corridor-west", "West cross corridor", "corridor", rect(-ICU_CW, CS0, 0, CN1))
    w.room("corridor-east", "East cross corridor", "corridor", rect(L, CS0, L + ICU_CW, CN1))
    w.section("rooms", "Central core, south half (doors to the south corridor)")
    mid = 11.7
    w.room("equipment-storage", "Equipment storage", "equipment_storage", rect(0, CS1, 6.0, mid))
    w.room("clean-utility", "Clean utility", "clean_utility", rect(6.0, CS1, 11.4, mid))
    w.room("nurse-station", "Nurse station", "nurse_station", rect(11.4, CS1, 18.6, CORE1))
    w.room("soiled-utility", "Soiled utility", "soiled_utility", rect(18.6, CS1, 23.4, mid))
    w.room("workroom", "Physician workroom", "office", rect(23.4, CS1, L, mid))
    w.section("rooms", "Central core, north half (doors to the north corridor or the nurse station)")
    w.room("staff-toilet", "Staff toilet", "toilet", rect(0, mid, 2.4, CORE1))
    w.room("staff-room", "Staff room", "staff_room", rect(2.4, mid, 7.8, CORE1))
    w.room("med-room", "Medication room", "medication_room", rect(7.8, mid, 11.4, CORE1))
    w.room("nourishment", "Nourishment", "nourishment", rect(18.6, mid, 22.8, CORE1))
    w.room("linen", "Clean linen", "linen", rect(22.8, mid, 26.4, CORE1))
    w.room("janitor", "Housekeeping", "janitor", rect(26.4, mid, L, CORE1))
    w.section("rooms", "Stairs and the elevator lobby")
    w.room("stair-west", "Stair A (west)", "stair", rect(-ICU_CW - 3.2, 8.7, -ICU_CW, 14.7))
    w.room("stair-east", "Stair B (east)", "stair", rect(L + ICU_CW, CS0, L + ICU_CW + 3.2, 10.8))
    w.room("elevator-lobby", "Elevator lobby", "elevator_lobby", rect(L + ICU_CW, 10.8, L + ICU_CW + 4.8, 17.4))

    w.section("doors", "Racetrack: the corridor stretches open into each other")
    cw = ICU_CW - 0.2     # the opening leaves 0.1 m of wall at each end of the shared edge
    w.door("D-corr-sw", "corridor-west", "corridor-south", (0, (CS0 + CS1) / 2), cw, "opening")
    w.door("D-corr-nw", "corridor-west", "corridor-north", (0, (CORE1 + CN1) / 2), cw, "opening")
    w.door("D-corr-se", "corridor-east", "corridor-south", (L, (CS0 + CS1) / 2), cw, "opening")
    w.door("D-corr-ne", "corridor-east", "corridor-north", (L, (CORE1 + CN1) / 2), cw, "opening")
    w.section("doors", "Central core")
    w.door("D-ns-south", "nurse-station", "corridor-south", (15.0, CS1), 5.0, "opening")
    w.door("D-ns-north", "nurse-station", "corridor-north", (15.0, CORE1), 5.0, "opening")
    w.door("D-equip", "equipment-storage", "corridor-south", (3.0, CS1), 1.5, "double")
    w.door("D-clean", "clean-utility", "corridor-south", (8.7, CS1), 1.2)
    w.door("D-soiled", "soiled-utility", "corridor-south", (21.0, CS1), 1.2)
    w.door("D-workroom", "workroom", "corridor-south", (26.7, CS1), 0.9)
    w.door("D-staff", "staff-room", "corridor-north", (5.1, CORE1), 0.9)
    w.door("D-staff-wc", "staff-toilet", "staff-room", (2.4, 13.45), 0.9)
    w.door("D-med", "med-room", "nurse-station", (11.4, 13.45), 1.0)
    w.door("D-nour", "nourishment", "corridor-north", (20.7, CORE1), 0.9)
    w.door("D-linen", "linen", "corridor-north", (24.6, CORE1), 1.0)
    w.door("D-janitor", "janitor", "corridor-north", (28.2, CORE1), 0.9)
    w.section("doors", "Exits and the entrance")
    w.door("D-stair-west", "corridor-west", "stair-west", (-ICU_CW, 11.7), 1.2, "swing", exit=True)
    w.door("D-stair-east", "corridor-east", "stair-east", (L + ICU_CW, 8.1), 1.2, "swing", exit=True)
    w.door("D-lobby", "elevator-lobby", "corridor-east", (L + ICU_CW, 14.1), 1.8, "double")

    N, S, E, W_ = (0, 1), (0, -1), (1, 0), (-1, 0)
    w.section("items", "Corridors: safety equipment")
    w.wall("EVAC-1", "evacuation_chair", "corridor-west", (-ICU_CW, 10.5), E, label="Evacuation chair, stair A")
    w.wall("PULL-1", "fire_alarm_pull_station", "corridor-west", (-ICU_CW, 12.55), E, label="Fire alarm, stair A exit")
    w.wall("FE-1", "fire_extinguisher", "corridor-west", (0, 11.7), W_, label="Fire extinguisher (ABC), west")
    w.wall("FE-2", "fire_extinguisher", "corridor-south", (9.6, CS0), N, label="Fire extinguisher (ABC), south")
    w.wall("ZVB-1", "medical_gas_zone_valve_box", "corridor-south", (19.2, CS0), N,
           label="Zone valves O2/air/vacuum: ICU-01 to ICU-06")
    w.wall("FE-3", "fire_extinguisher", "corridor-east", (L, 11.7), E, label="Fire extinguisher (ABC), east")
    w.wall("PULL-2", "fire_alarm_pull_station", "corridor-east", (L + ICU_CW, 8.95), W_, label="Fire alarm, stair B exit")
    w.wall("EVAC-2", "evacuation_chair", "corridor-east", (L + ICU_CW, 10.0), W_, label="Evacuation chair, stair B")
    w.wall("AED-1", "aed", "corridor-east", (L + ICU_CW, 11.8), W_, label="AED, by the elevator lobby", tagged=True)
    w.wall("FE-4", "fire_extinguisher", "corridor-north", (10.8, CN1), S, label="Fire extinguisher (ABC), north")
    w.wall("ZVB-2", "medical_gas_zone_valve_box", "corridor-north", (15.6, CN1), S,
           label="Zone valves O2/air/vacuum: ICU-07 to ICU-12")

    w.section("items", "Nurse station")
    w.floor("DESK-1", "nurse_station_desk", "nurse-station", (15.0, 10.4), S)
    w.floor("DESK-2", "nurse_station_desk", "nurse-station", (15.0, 13.0), N)
    w.floor("CMS-1", "central_monitoring_station", "nurse-station", (15.0, 11.7), N, tagged=True)
    w.floor("WS-1", "computer_workstation", "nurse-station", (12.4, 10.4), S)
    w.floor("WS-2", "computer_workstation", "nurse-station", (17.6, 13.0), N)
    w.floor("CC-1", "crash_cart", "nurse-station", (18.6 - HALF - FLOOR_GAP - 0.275, 10.4), W_,
            label="Crash cart (3 East)", tagged=True)
    w.wall("NCP-1", "nurse_call_panel", "nurse-station", (11.4, 9.5), E, label="Call-light annunciator")
    w.wall("PTS-1", "pneumatic_tube_station", "nurse-station", (18.6, 12.0), W_, label="Tube station 3E")

    w.section("items", "Medication room")
    top = CORE1 - HALF - FLOOR_GAP
    w.floor("ADC-1", "automated_dispensing_cabinet", "med-room", (8.6, top - 0.325), S, tagged=True)
    w.floor("FRIDGE-1", "medication_fridge", "med-room", (9.6, top - 0.31), S, tagged=True)
    w.floor("MEDCART-1", "medication_cart", "med-room", (10.55, top - 0.275), S)
    w.floor("COUNTER-MED", "counter", "med-room", (9.3, mid + HALF + FLOOR_GAP + 0.3), N)
    w.wall("HH-MED", "hand_hygiene_dispenser", "med-room", (7.8, 13.4), E)

    w.section("items", "Clean utility")
    ys = mid - HALF - FLOOR_GAP - 0.25
    for k, x in enumerate((6.8, 8.1, 9.4), start=1):
        w.floor(f"SHELF-{k}", "shelving", "clean-utility", (x, ys), S)
    w.floor("BW-1", "blanket_warmer", "clean-utility", (10.85, 10.4), W_)

    w.section("items", "Soiled utility")
    w.wall("EYE-1", "eyewash_station", "soiled-utility", (18.6, 10.0), E, label="Eyewash station")
    w.wall("SINK-SU", "hand_wash_sink", "soiled-utility", (18.6, 11.0), E)
    w.wall("SPILL-1", "spill_kit", "soiled-utility", (23.4, 10.0), W_, label="Spill kit")
    yb = mid - HALF - FLOOR_GAP
    w.floor("BPW-1", "bedpan_washer", "soiled-utility", (20.0, yb - 0.3), S)
    w.floor("WASTE-1", "clinical_waste_bin", "soiled-utility", (21.0, yb - 0.225), S)
    w.floor("HAMPER-1", "soiled_linen_hamper", "soiled-utility", (21.9, yb - 0.25), S)

    w.section("items", "Equipment storage")
    for k, x in enumerate((0.45, 1.05, 1.65, 2.25), start=1):
        w.floor(f"IVP-{k}", "iv_pump", "equipment-storage", (x, yb - 0.275), S, tagged=True)
    w.floor("INF-SPARE-1", "infusion_tower", "equipment-storage", (3.0, yb - 0.3), S, tagged=True)
    w.floor("VENT-SPARE-1", "ventilator", "equipment-storage", (3.8, yb - 0.35), S, tagged=True)
    w.floor("LIFT-1", "patient_lift", "equipment-storage", (6.0 - HALF - FLOOR_GAP - 0.65, 11.15), W_, tagged=True)
    w.floor("VS-1", "vitals_monitor", "equipment-storage", (5.45, 9.9), W_, tagged=True)
    w.floor("VS-2", "vitals_monitor", "equipment-storage", (5.45, 9.2), W_, tagged=True)
    w.floor("BS-1", "bladder_scanner", "equipment-storage", (4.75, 9.55), W_, tagged=True)
    w.floor("O2RACK-1", "oxygen_cylinder_rack", "equipment-storage", (HALF + FLOOR_GAP + 0.175, 9.5), E)

    w.section("items", "Physician workroom")
    w.floor("WS-3", "computer_workstation", "workroom", (24.6, yb - 0.35), S)
    w.floor("WS-4", "computer_workstation", "workroom", (28.4, yb - 0.35), S)

    w.section("items", "Staff room and staff toilet")
    w.floor("TABLE-STAFF", "staff_table", "staff-room", (5.1, 13.0), N)
    w.floor("CHAIR-STAFF-1", "visitor_chair", "staff-room", (4.1, 13.0), E)
    w.floor("CHAIR-STAFF-2", "visitor_chair", "staff-room", (6.1, 13.0), W_)
    w.floor("LOCKERS-1", "locker_bank", "staff-room", (7.8 - HALF - FLOOR_GAP - 0.25, 13.45), W_)
    w.floor("WC-STAFF", "toilet", "staff-toilet", (0.8, CORE1 - HALF - FLOOR_GAP - 0.35), S)
    w.wall("SINK-STAFF", "hand_wash_sink", "staff-toilet", (0, 12.6), E)

    w.section("items", "Nourishment, linen, housekeeping")
    yn = mid + HALF + FLOOR_GAP
    w.floor("ICE-1", "ice_machine", "nourishment", (19.3, yn + 0.325), N)
    w.floor("NFRIDGE-1", "nourishment_fridge", "nourishment", (20.1, yn + 0.325), N)
    w.floor("COUNTER-NOUR", "counter", "nourishment", (21.7, yn + 0.3), N)
    w.floor("LINEN-1", "linen_cart", "linen", (23.8, yn + 0.3), N)
    w.floor("LINEN-2", "linen_cart", "linen", (25.4, yn + 0.3), N)
    w.floor("SHELF-4", "shelving", "linen", (22.8 + HALF + FLOOR_GAP + 0.25, 13.6), E)
    w.floor("SHELF-5", "shelving", "janitor", (L - HALF - FLOOR_GAP - 0.25, 13.0), W_)

    w.section("items", "Elevator lobby (unit entrance)")
    w.wall("HH-ENT", "hand_hygiene_dispenser", "elevator-lobby", (L + ICU_CW, 15.25), E, label="Hand rub, unit entrance")
    return w


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "layouts", help="folder to write the ward folders into")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file on disk differs")
    args = ap.parse_args(argv)
    stale = []
    for ward in (medsurg(), icu()):
        folder = args.out / ward.id
        for name, text in ward.files().items():
            yaml.safe_load(text)                     # must parse
            path = folder / name
            if args.check:
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    stale.append(str(path))
                continue
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if not args.check:
            rooms = sum(1 for r in ward.rooms if not isinstance(r, tuple))
            doors = sum(1 for d in ward.doors if not isinstance(d, tuple))
            items = sum(1 for i in ward.items if not isinstance(i, tuple))
            print(f"{folder}: {rooms} rooms, {doors} doors, {items} items")
    if stale:
        print("out of date (run tools/make_reference_wards.py):\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
