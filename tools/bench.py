"""The one benchmark entry point: runs every ``tools/bench_*.py`` (navigation first), each in
its own process with its defaults, shows their tables, and ends with one line per benchmark.
Each benchmark measures its baseline in the same run and exits non-zero when a floor fails;
this exits with the worst of their exit codes.

    python tools/bench.py            # all benchmarks
    python tools/bench.py nav        # only tools/bench_nav.py
    python tools/bench.py --list

A later issue adds a benchmark by adding ``tools/bench_NAME.py`` (exit 0 pass, 1 fail, 2 could
not run).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
FIRST = ("nav",)


def benchmarks() -> list[str]:
    """Names of the benchmarks in tools/ (``bench_NAME.py``), navigation first."""
    names = sorted(p.stem[len("bench_"):] for p in TOOLS.glob("bench_*.py"))
    return [n for n in FIRST if n in names] + [n for n in names if n not in FIRST]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    ap.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    a = ap.parse_args(argv)
    known = benchmarks()
    if a.list:
        print("\n".join(known))
        return 0
    unknown = [n for n in a.names if n not in known]
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(unknown)}; valid: {', '.join(known)}")
    results = []
    for name in a.names or known:
        print(f"=== bench {name} ===", flush=True)
        t0 = time.perf_counter()
        code = subprocess.run([sys.executable, str(TOOLS / f"bench_{name}.py")]).returncode
        results.append((name, code, time.perf_counter() - t0))
    print("\n=== summary ===")
    words = {0: "PASS", 1: "FAIL"}
    for name, code, secs in results:
        print(f"{name:<10} {words.get(code, f'ERROR (exit {code})'):<16} {secs:8.1f} s")
    return max((c for _n, c, _s in results), default=0)


if __name__ == "__main__":
    sys.exit(main())
