"""Fill a session store with synthetic sessions (seeded numpy Generator; deterministic).

    python tools/make_sessions.py --db cohort.db --trainees 2000 --steps 40 [--seed 1] [--ward medsurg-28]
    python tools/make_sessions.py --db postgresql://wardtwin@127.0.0.1:5432/wardtwin --trainees 100000 --steps 10
"""

from __future__ import annotations

import argparse
import sys
import time

from wardtwin.store import open_store
from wardtwin.store.synthetic import bulk_load, synthetic_sessions


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="SQLite path / sqlite:///path or postgresql://...")
    ap.add_argument("--trainees", type=int, default=2000)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ward", default="medsurg-28")
    ap.add_argument("--prefix", default="syn", help="session id prefix (distinct prefixes never collide)")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    with open_store(a.db) as st:
        n_s, n_e = bulk_load(st, synthetic_sessions(a.seed, a.trainees, a.steps, ward=a.ward, prefix=a.prefix))
        print(f"{st.url}: {n_s} sessions, {n_e} events new ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
