"""Benchmark of the rule packs (issue 15): ``wardtwin check`` with every rule of the US pack
against the same check with the pack's model rules left out (today's check before rule packs:
layout checks and walking reachability), in one run.

    python tools/bench_rules.py [--repeat 5]

Budgets: medsurg-28 with every rule at most 2x the check without them; the 10-ward synthetic
floor (tools/synth_floor.py, 414 rooms, 5,426 items) at most 10 s with every rule. Times are
the best of ``--repeat`` runs (the floor: of 2), in-process, after one warm-up; the CPU time of the process is shown beside them
(on a loaded machine it moves far less than the wall clock). Exit 0 pass, 1 fail.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _time(ward, repeat: int, rules: bool) -> tuple[float, float, int]:
    import wardtwin.rules.engine as engine
    from wardtwin.model import check

    real = engine.evaluate
    if not rules:
        engine.evaluate = lambda *a, **k: []
    try:
        best, cpu, n = float("inf"), float("inf"), 0
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            _lay, fs, _m = check(ward)
            best = min(best, time.perf_counter() - t)
            cpu = min(cpu, time.process_time() - c)
            n = len(fs)
        return best, cpu, n
    finally:
        engine.evaluate = real


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    ok = True
    _time("medsurg-28", 1, True)  # warm-up: imports, the shipped catalog
    base, bcpu, nb = _time("medsurg-28", a.repeat, False)
    full, fcpu, nf = _time("medsurg-28", a.repeat, True)
    ratio = full / base
    print(f"medsurg-28   without model rules {base:6.3f} s ({nb} findings)   every rule {full:6.3f} s "
          f"({nf} findings)   ratio {ratio:4.2f} x (budget 2.00 x); CPU {bcpu:6.3f} s / {fcpu:6.3f} s = "
          f"{fcpu / bcpu:4.2f} x")
    ok &= ratio <= 2.0
    with tempfile.TemporaryDirectory() as tmp:
        floor = Path(tmp) / "floor"
        subprocess.run([sys.executable, str(ROOT / "tools" / "synth_floor.py"), str(floor)], check=True,
                       stdout=subprocess.DEVNULL)
        fbase, fbcpu, fnb = _time(floor, 2, False)
        ffull, ffcpu, fnf = _time(floor, 2, True)
    print(f"synth floor  without model rules {fbase:6.3f} s ({fnb} findings)   every rule {ffull:6.3f} s "
          f"({fnf} findings)   ratio {ffull / fbase:4.2f} x (budget 10 s with every rule); CPU {fbcpu:6.3f} s / "
          f"{ffcpu:6.3f} s")
    ok &= ffull <= 10.0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
