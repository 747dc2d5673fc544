#!/usr/bin/env python3
"""How long ``wardtwin check`` takes on a 30-bed ward written with modules, against its own
expanded (flat) form in the same run.

The ward: a double-loaded corridor of 57.6 m, 30 patient rooms with ensuites placed as three
rows of the shipped medsurg-28 patient-room module (each with its 12 items), an elevator
lobby (the entrance) and a nurse station, a stair at each end. It is written into a temporary
folder, checked, expanded with ``wardtwin expand`` and the flat copy checked too; the best of
``--repeat`` runs of each counts. Floor: the modular check at most ``--budget`` seconds (1.5).

    python tools/bench_modules.py [--repeat 3] [--budget 1.5]

Exit 0 within budget, 1 over it, 2 when the two forms disagree (they must give the same
findings and the same ward).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FLOORPLAN = """\
# A 30-bed ward: four rows of patient rooms on a double-loaded corridor.
kind: floorplan
version: 2
placements:
  - {module: patient-room, id: "{n}", n: 1, at: [1.8, 5], rotation: 180, mirror: true,
     repeat: {count: 15, step: [3.6, 0], mirror: alternate}}
  - {module: patient-room, id: "{n}", n: 16, at: [1.8, 7.6], repeat: {count: 7, step: [3.6, 0], mirror: alternate}}
  - {module: patient-room, id: "{n}", n: 23, at: [30.6, 7.6], repeat: {count: 8, step: [3.6, 0], mirror: alternate}}
rooms:
  - {id: corridor, name: Corridor, kind: corridor, polygon: [[0, 5], [57.6, 5], [57.6, 7.6], [0, 7.6]]}
  - {id: lobby, name: Elevator lobby, kind: elevator_lobby, polygon: [[25.2, 7.6], [28.8, 7.6], [28.8, 12.6], [25.2, 12.6]]}
  - {id: station, name: Nurse station, kind: nurse_station, polygon: [[54, 0], [57.6, 0], [57.6, 5], [54, 5]]}
  - {id: stair-west, name: Stair A, kind: stair, polygon: [[-3, 3.5], [0, 3.5], [0, 9.1], [-3, 9.1]]}
  - {id: stair-east, name: Stair B, kind: stair, polygon: [[57.6, 3.5], [60.6, 3.5], [60.6, 9.1], [57.6, 9.1]]}
doors:
  - {id: D-lobby, between: [lobby, corridor], at: [27, 7.6], width: 1.8, type: double}
  - {id: D-station, between: [station, corridor], at: [55.8, 5], width: 3, type: opening}
  - {id: D-stair-west, between: [corridor, stair-west], at: [0, 6.3], width: 1.2, exit: true}
  - {id: D-stair-east, between: [corridor, stair-east], at: [57.6, 6.3], width: 1.2, exit: true}
"""
WARD = """\
kind: ward
version: 2
id: bench-30
name: 30-bed benchmark ward
entrance: lobby
"""
EQUIPMENT = """\
kind: equipment
version: 2
items:
  - {id: CC-1, type: crash_cart, room: station, at: [55.8, 1], rotation: 0}
"""


def write_ward(folder: Path) -> Path:
    (folder / "modules").mkdir(parents=True)
    shutil.copyfile(ROOT / "layouts" / "medsurg-28" / "modules" / "patient-room.yaml",
                    folder / "modules" / "patient-room.yaml")
    (folder / "ward.yaml").write_text(WARD, encoding="utf-8")
    (folder / "floorplan.yaml").write_text(FLOORPLAN, encoding="utf-8")
    (folder / "equipment.yaml").write_text(EQUIPMENT, encoding="utf-8")
    return folder


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--budget", type=float, default=1.5, help="seconds the modular check may take")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from wardtwin.cli import main as cli
    from wardtwin.model import check

    with tempfile.TemporaryDirectory(prefix="wardtwin-bench-modules-") as tmp:
        ward = write_ward(Path(tmp) / "bench-30")
        flat = Path(tmp) / "flat"
        check(ward)  # warm: imports, the shipped catalog
        if cli(["expand", str(ward), "-o", str(flat)]) != 0:
            return 2
        layout, findings, _ = check(ward)
        flat_layout, flat_findings, _ = check(flat)
        beds = sum(1 for r in layout.rooms if r.kind == "patient_room")
        strip = [(f.code, re.sub(r" \(written in module [^)]*\)", "", f.message)) for f in findings]
        if layout != flat_layout or strip != [(f.code, f.message) for f in flat_findings]:
            print("the modular ward and its expanded form disagree", file=sys.stderr)
            return 2
        t_mod = best(lambda: check(ward), args.repeat)
        t_flat = best(lambda: check(flat), args.repeat)
    print(f"{'ward':34} {'rooms':>6} {'items':>6} {'findings':>9} {'check s':>8}")
    print(f"{'30-bed, modules (3 placements)':34} {len(layout.rooms):6} {len(layout.items):6} {len(findings):9} "
          f"{t_mod:8.3f}")
    print(f"{'30-bed, expanded (flat baseline)':34} {len(flat_layout.rooms):6} {len(flat_layout.items):6} "
          f"{len(flat_findings):9} {t_flat:8.3f}")
    ok = t_mod <= args.budget and beds == 30
    print(f"modules: {beds} beds, check {t_mod:.3f} s = {t_mod / t_flat:.2f} x the flat ward's; "
          f"budget {args.budget:g} s: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
