"""Tour simulation benchmark: how much faster than real time simulated trainees run a tour
headless (issue 5: at least 1,000x).

For each shipped ward's orientation tour (or the tours given) and each mode, it simulates N
trainees with a fixed seed, and reports simulated seconds, wall seconds and the ratio. The
ward is compiled before the clock starts (a station compiles once too). Exits 1 when a run is
below the required ratio or a tour does not validate.

    python tools/bench_tours.py [--trainees 20] [--seed 1] [--modes guided self_directed mixed]
                                [--ward medsurg-28 --tour orientation ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from wardtwin.layout import shipped_wards  # noqa: E402
from wardtwin.tours.load import shipped_tours  # noqa: E402
from wardtwin.tours.simulate import simulate  # noqa: E402
from wardtwin.tours.validate import check_tour  # noqa: E402

REQUIRED_RATIO = 1000.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trainees", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--modes", nargs="+", default=["guided", "self_directed", "mixed"])
    ap.add_argument("--ward", action="append", help="ward (repeatable; default: every shipped ward)")
    ap.add_argument("--tour", default="orientation", help="tour name or file (default: orientation)")
    ap.add_argument("--min-ratio", type=float, default=REQUIRED_RATIO)
    ap.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = ap.parse_args(argv)

    wards = args.ward or [w for w in shipped_wards() if args.tour in shipped_tours(w) or Path(args.tour).is_file()]
    rows, ok = [], True
    for ward in wards:
        tour, model, findings = check_tour(ward, args.tour)
        if tour is None or model is None or any(f.severity.blocks for f in findings):
            print(f"{ward}: {args.tour} does not validate; run wardtwin tour-check {ward} {args.tour}", file=sys.stderr)
            ok = False
            continue
        for mode in args.modes:
            t0 = time.perf_counter()
            rep = simulate(model, tour, args.trainees, np.random.default_rng(args.seed), mode=mode, seed=args.seed)
            wall = time.perf_counter() - t0
            ratio = rep.sim_seconds / wall if wall > 0 else float("inf")
            passed = ratio >= args.min_ratio
            ok &= passed
            rows.append({"ward": ward, "tour": tour.id, "mode": mode, "trainees": args.trainees,
                         "steps": len(tour.steps), "completion": rep.completion_rate,
                         "sim_s": round(rep.sim_seconds, 1), "wall_s": round(wall, 3),
                         "per_trainee_ms": round(1000 * wall / args.trainees, 1), "ratio": round(ratio, 1),
                         "ok": passed})

    head = f"{'ward':12} {'mode':14} {'trainees':>8} {'steps':>5} {'done':>6} {'sim s':>9} {'wall s':>8} " \
           f"{'ms/trainee':>10} {'x real':>8}  ok"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['ward']:12} {r['mode']:14} {r['trainees']:>8} {r['steps']:>5} {r['completion'] * 100:>5.0f}% "
              f"{r['sim_s']:>9.0f} {r['wall_s']:>8.2f} {r['per_trainee_ms']:>10.1f} {r['ratio']:>8.0f}  "
              f"{'yes' if r['ok'] else 'NO'}")
    print(f"required: >= {args.min_ratio:g}x real time -> {'PASS' if ok else 'FAIL'}")
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
