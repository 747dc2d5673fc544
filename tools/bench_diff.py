"""Diff benchmark (issue 16): `wardtwin diff` of the 10-ward synthetic floor, at most 2 s.

Writes the floor (tools/synth_floor.py) and a copy with N items moved (a fixed seed), then times
`compare()` — loading both versions, the version ids, the diff and the walking distances of
every moved item — which is all `wardtwin diff OLD NEW` does besides printing. Reports the best
of R runs and the serial time (both versions loaded and measured in this process) as the
baseline. The floor is written to a temporary folder that is removed. Exits 1 over the limit.

    python tools/bench_diff.py [--wards 10] [--moves 20] [--runs 3] [--limit 2.0]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import synth_floor  # noqa: E402

from wardtwin.versions.compare import compare  # noqa: E402

_AT = re.compile(r"at: \[([-\d.]+), ([-\d.]+)\]")


def move_items(folder: Path, moves: int, seed: int) -> None:
    """Move ``moves`` items of the floor 0.6 m east (one-line flow-style entries of synth_floor)."""
    path = folder / "equipment.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    rng = random.Random(seed)
    for k in rng.sample([k for k, ln in enumerate(lines) if ln.startswith("  - {id:")], moves):
        m = _AT.search(lines[k])
        lines[k] = lines[k].replace(m.group(0), f"at: [{float(m.group(1)) + 0.6:g}, {m.group(2)}]")
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wards", type=int, default=10)
    ap.add_argument("--moves", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=float, default=2.0, help="seconds allowed (default 2.0)")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wardtwin-bench-diff-") as tmp:
        old, new = Path(tmp) / "old", Path(tmp) / "new"
        fl = synth_floor.write(old, wards=a.wards, seed=a.seed)
        shutil.copytree(old, new)
        move_items(new, a.moves, a.seed)
        size = sum(p.stat().st_size for p in old.iterdir())
        print(f"floor: {a.wards} wards, {len(fl.rooms)} rooms, {fl.n_items} items, {size / 1e6:.2f} MB of YAML; "
              f"{a.moves} items moved 0.6 m")
        rows = []
        for label, parallel in (("serial (baseline)", False), ("diff (as the command runs)", None)):
            times = []
            for _ in range(a.runs):
                t0 = time.perf_counter()
                c = compare(str(old), str(new), parallel=parallel)
                times.append(time.perf_counter() - t0)
            d = c.diff
            moved = sum(1 for ch in d.changes if ch.what.value == "moved")
            walked = sum(1 for ch in d.changes if ch.new_walk is not None and ch.new_walk.from_entrance_m is not None)
            rows.append((label, min(times), max(times), len(d.changes), moved, walked))
    print(f"{'run':28} {'best s':>7} {'worst s':>8} {'changes':>8} {'moved':>6} {'walked':>7}")
    for label, best, worst, n, moved, walked in rows:
        print(f"{label:28} {best:7.2f} {worst:8.2f} {n:8d} {moved:6d} {walked:7d}")
    best = rows[-1][1]
    ok = best <= a.limit and rows[-1][4] == a.moves
    print(f"required: diff of the {a.wards}-ward floor in <= {a.limit:g} s -> {'PASS' if ok else 'FAIL'} "
          f"({best:.2f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
