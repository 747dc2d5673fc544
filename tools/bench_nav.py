"""Navigation benchmark: wardtwin's navigation mesh against an exact visibility-graph solver
(extremitypathfinder), measured in the same run on the same walkable polygons and queries.

For each floor (the reference wards, and a synthetic multi-ward floor written by
``tools/synth_floor.py``) it compiles the ward, builds the mesh, answers N random queries
(points drawn uniformly over the part of the floor connected to the entrance) with wardtwin and
with the exact solver, and prints build time, time per query, and the excess of wardtwin's path
lengths over the exact ones. The exact solver needs numpy < 2, so it runs in its own virtual
environment (created on first use under ``~/.cache/wardtwin-bench/``, from PyPI) as a
subprocess that reads the polygon and queries as JSON (``tools/epf_runner.py``).

Floors (issue 3): build >= 20x faster, queries >= 20x faster, mean excess <= 1 %, worst <= 5 %.
Exits 1 when a floor fails, 2 when the exact solver could not be run.

    python tools/bench_nav.py [--wards medsurg-28 icu-12 PATH...] [--synth-wards 10] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import numpy as np  # noqa: E402

BUILD_RATIO = 20.0
QUERY_RATIO = 20.0
MEAN_EXCESS = 0.01
WORST_EXCESS = 0.05
CACHE = Path(os.environ.get("WARDTWIN_BENCH_CACHE", Path.home() / ".cache" / "wardtwin-bench"))
EXACT_REQUIREMENTS = ["extremitypathfinder==2.7.2", "numpy<2", "numba", "scipy"]


def exact_python(venv: Path) -> Path:
    """The Python of the exact solver's venv, creating it (pip from PyPI) when missing."""
    py = venv / "bin" / "python"
    stamp = venv / ".wardtwin-ready"
    if py.exists() and stamp.exists():
        return py
    print(f"creating the exact solver's environment in {venv} ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", *EXACT_REQUIREMENTS])
    if r.returncode:  # numba is optional: the solver falls back to plain Python
        subprocess.run([str(py), "-m", "pip", "install", "-q", *EXACT_REQUIREMENTS[:2]], check=True)
    stamp.write_text(" ".join(EXACT_REQUIREMENTS) + "\n")
    return py


def sample_points(mesh, component: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniformly distributed over the triangles of one mesh component."""
    tri = mesh.vertices[mesh.triangles]
    e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    area = 0.5 * np.abs(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]) * (mesh.component == component)
    idx = rng.choice(len(tri), size=n, p=area / area.sum())
    r = rng.random((n, 2))
    r = np.where(r.sum(axis=1, keepdims=True) > 1, 1 - r, r)
    # keep away from edges so both solvers agree the point is inside
    r = 0.02 + 0.96 * r
    return tri[idx, 0] + r[:, :1] * e1[idx] + r[:, 1:] * e2[idx]


def bench_floor(name: str, ward: Path, exact_py: Path, n_queries: int, seed: int, timeout: float) -> dict:
    from wardtwin.layout import load_ward
    from wardtwin.model import build_navmesh, compile_ward

    layout, findings = load_ward(ward)
    if layout is None:
        raise SystemExit(f"{name}: cannot load {ward}")
    t0 = time.perf_counter()
    model = compile_ward(layout)
    compile_s = time.perf_counter() - t0
    area = model.walkable
    builds = []
    for _ in range(3):
        t0 = time.perf_counter()
        mesh = build_navmesh(area)
        builds.append(time.perf_counter() - t0)
    build_s = statistics.median(builds)
    rng = np.random.default_rng(seed)
    pts = sample_points(mesh, model.entrance_component, 2 * n_queries, rng)
    pairs = [(tuple(pts[2 * i]), tuple(pts[2 * i + 1])) for i in range(n_queries)]
    ours, our_paths, times = [], [], []
    for a, b in pairs:
        t0 = time.perf_counter()
        found = mesh.find_path(a, b)
        times.append(time.perf_counter() - t0)
        ours.append(None if found is None else found[1])
        our_paths.append(None if found is None else found[0])
    inside = _path_check(area)
    parts = [area] if area.geom_type == "Polygon" else list(area.geoms)
    comps = []
    for p in parts:
        comps.append({"boundary": [list(c) for c in p.exterior.coords[:-1]],
                      "holes": [[list(c) for c in h.coords[:-1]] for h in p.interiors]})
    # the part holding the queries
    import shapely

    main = next(k for k, p in enumerate(parts) if p.covers(shapely.Point(pairs[0][0])))
    job = {"components": comps, "queries": [[main, *a, *b] for a, b in pairs]}
    row = {"floor": name, "vertices": mesh.n_vertices, "triangles": mesh.n_triangles,
           "items": len(model.items), "compile_s": compile_s, "build_s": build_s,
           "query_s": statistics.fmean(times), "queries": n_queries}
    t0 = time.perf_counter()
    try:
        r = subprocess.run([str(exact_py), str(ROOT / "tools" / "epf_runner.py")], input=json.dumps(job),
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        row["exact_error"] = f"did not finish in {timeout:.0f} s"
        return row
    if r.returncode:
        row["exact_error"] = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}"
        return row
    ex = json.loads(r.stdout)
    row["exact_wall_s"] = time.perf_counter() - t0
    row["exact_build_s"] = sum(ex["build_s"])
    row["exact_query_s"] = statistics.fmean(ex["query_s"])
    excess, missing, rejected = [], 0, 0
    row["ours_invalid"] = sum(1 for p in our_paths if p is not None and not inside(p))
    for o, e, ep in zip(ours, ex["lengths"], ex["paths"]):
        if o is None or e is None:
            missing += (o is None) != (e is None)
            continue
        if not inside(ep):  # the exact solver's path leaves the walkable area: not a valid answer
            rejected += 1
            continue
        excess.append(o / e - 1.0 if e > 0 else 0.0)
    row["missing"] = missing
    row["exact_rejected"] = rejected
    row["mean_excess"] = statistics.fmean(excess) if excess else float("nan")
    row["worst_excess"] = max(excess) if excess else float("nan")
    row["best_excess"] = min(excess) if excess else float("nan")
    return row


def _path_check(area):
    """A test: does a polyline stay inside ``area`` (within 1 µm)?"""
    from shapely.geometry import LineString, Point
    from shapely.prepared import prep

    region = prep(area.buffer(1e-6))

    def inside(path) -> bool:
        pts = [(float(x), float(y)) for x, y in path]
        if not pts:
            return True
        return region.covers(LineString(pts) if len(set(pts)) > 1 else Point(pts[0]))

    return inside


def verdict(row: dict) -> tuple[bool, list[str]]:
    if "exact_error" in row:
        return False, [f"exact solver: {row['exact_error']}"]
    fails = []
    if row["exact_build_s"] / row["build_s"] < BUILD_RATIO:
        fails.append(f"build ratio < {BUILD_RATIO:g}")
    if row["exact_query_s"] / row["query_s"] < QUERY_RATIO:
        fails.append(f"query ratio < {QUERY_RATIO:g}")
    if not row["mean_excess"] <= MEAN_EXCESS:
        fails.append(f"mean excess > {MEAN_EXCESS:.0%}")
    if not row["worst_excess"] <= WORST_EXCESS:
        fails.append(f"worst excess > {WORST_EXCESS:.0%}")
    if row["missing"]:
        fails.append(f"{row['missing']} queries answered by one solver only")
    if row["ours_invalid"]:
        fails.append(f"{row['ours_invalid']} of our paths leave the walkable area")
    return not fails, fails


def print_table(rows: list[dict], out=sys.stdout) -> None:
    head = (f"{'floor':<14}{'items':>6}{'verts':>7}{'tris':>7} | {'build ours':>10}{'exact':>10}{'ratio':>8} | "
            f"{'query ours':>10}{'exact':>10}{'ratio':>8} | {'excess mean':>11}{'worst':>9} | verdict")
    print(head, file=out)
    print("-" * len(head), file=out)
    for r in rows:
        ok, why = verdict(r)
        base = (f"{r['floor']:<14}{r['items']:>6}{r['vertices']:>7}{r['triangles']:>7} | "
                f"{r['build_s'] * 1e3:>8.1f}ms")
        if "exact_error" in r:
            print(f"{base}{'':>18} | {r['query_s'] * 1e3:>8.2f}ms{'':>18} | {'':>20} | FAIL ({why[0]})", file=out)
            continue
        print(f"{base}{r['exact_build_s']:>9.2f}s{r['exact_build_s'] / r['build_s']:>7.0f}x | "
              f"{r['query_s'] * 1e3:>8.2f}ms{r['exact_query_s'] * 1e3:>8.1f}ms{r['exact_query_s'] / r['query_s']:>7.0f}x | "
              f"{r['mean_excess'] * 100:>10.4f}%{r['worst_excess'] * 100:>8.4f}% | "
              + ("PASS" if ok else "FAIL (" + "; ".join(why) + ")"), file=out)
    for r in rows:
        if r.get("exact_rejected"):
            print(f"{r['floor']}: {r['exact_rejected']} of {r['queries']} exact answers were rejected (their path "
                  "leaves the walkable area) and left out of the excess columns", file=out)
    print(f"floors: build >= {BUILD_RATIO:g}x, query >= {QUERY_RATIO:g}x faster; path length excess over exact: "
          f"mean <= {MEAN_EXCESS:.0%}, worst <= {WORST_EXCESS:.0%}", file=out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wards", nargs="*", default=None,
                    help="ward folders or shipped ward names (default: every shipped ward)")
    ap.add_argument("--synth-wards", type=int, default=10, help="wards of the synthetic floor (0: none)")
    ap.add_argument("--synth-slots", type=int, default=20, help="rooms along each side of a synthetic ward")
    ap.add_argument("--queries", type=int, default=200, help="random queries per floor (default 200)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--exact-venv", type=Path, default=CACHE / "epf-venv",
                    help="virtual environment of the exact solver (created when missing)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds the exact solver may take per floor")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    a = ap.parse_args(argv)

    from wardtwin.layout import check_ward, exit_code, resolve_ward, shipped_wards

    wards = a.wards if a.wards is not None else shipped_wards()
    floors = [(Path(w).name, resolve_ward(w)) for w in wards]
    tmp = None
    if a.synth_wards > 0:
        import synth_floor

        tmp = tempfile.TemporaryDirectory(prefix="wardtwin-synth-")
        path = Path(tmp.name) / "synth-floor"
        fl = synth_floor.write(path, a.synth_wards, a.synth_slots, a.seed)
        _lay, findings = check_ward(path)
        if exit_code(findings):
            print(f"synthetic floor does not check clean: {len(findings)} findings", file=sys.stderr)
            return 1
        floors.append((f"synth-{a.synth_wards}w", path))
        print(f"synthetic floor: {a.synth_wards} wards, {len(fl.rooms)} rooms, {fl.n_items} items", file=sys.stderr)
    try:
        py = exact_python(a.exact_venv)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"cannot set up the exact solver: {exc}", file=sys.stderr)
        return 2
    rows = []
    for name, path in floors:
        print(f"{name}: running ...", file=sys.stderr, flush=True)
        rows.append(bench_floor(name, path, py, a.queries, a.seed, a.timeout))
    print(f"\nnavigation: wardtwin (CDT + Polyanya) vs extremitypathfinder (exact visibility graph), "
          f"{a.queries} random queries per floor, seed {a.seed}, same walkable polygons")
    print_table(rows)
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(rows, indent=2))
    if tmp is not None:
        tmp.cleanup()
    if any("exact_error" in r for r in rows):
        return 2
    return 0 if all(verdict(r)[0] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
