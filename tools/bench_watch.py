#!/usr/bin/env python3
"""Live preview: how long from a save to the picture updated, for ``wardtwin map --watch`` and
``wardtwin view --watch`` on a copy of a ward (default medsurg-28), against a plain ``check``
of the same ward in the same run.

- ``check``: ``wardtwin.model.check`` of the copy, in this process (what ``wardtwin check``
  does after its imports);
- ``map --watch``: the command in a subprocess writing plan.svg; a save moves workstation WS-1
  by 5 cm (a save that checks), the time runs from the write to the line saying the new map
  was written (after it is written);
- ``view --watch``: the desktop station offscreen (llvmpipe) in this process, drawing frames
  in real time at 60 a second while it watches; the same save, timed until the frame showing
  the new twin has been drawn (its findings panel and marks in place); the rule pack's
  findings follow it (measured on the new floor after the twin is shown: a row of its own);
- ``... broken save``: door D-med narrowed to 0.6 m (an error) and back: the time until the
  findings are shown (the map's line printed; the station's panel updated over the last good
  twin).

    python tools/bench_watch.py [--ward medsurg-28] [--runs 5] [--size 1280x720] [--budget 1.0]

Prints a table (best, median, worst, s). Exit 0 when the medians of "map written" and "new
twin drawn" are within ``--budget`` s, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MOVE = ("{id: WS-1, type: computer_workstation, room: nurse-station, at: [30, 3.8]",
        "{id: WS-1, type: computer_workstation, room: nurse-station, at: [30.05, 3.8]")
BREAK = ("{id: D-med, between: [med-room, nurse-station], at: [30.6, 2.4], width: 1}",
         "{id: D-med, between: [med-room, nurse-station], at: [30.6, 2.4], width: 0.6}")


def _swap(path: Path, pair: tuple[str, str], k: int) -> None:
    """Write ``path`` with ``pair[(k + 1) % 2]`` in place of ``pair[k % 2]`` (one save, as an
    editor does): even ``k`` makes the change, odd ``k`` takes it back."""
    text = path.read_text()
    old, new = (pair[0], pair[1]) if k % 2 == 0 else (pair[1], pair[0])
    if old not in text:
        raise SystemExit(f"{path}: {old!r} not found; the benchmark's edit no longer fits the ward")
    path.write_text(text.replace(old, new))


def _stats(xs):
    return min(xs), statistics.median(xs), max(xs)


def bench_check(ward: Path, runs: int):
    from wardtwin.model import check

    check(ward)
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        check(ward)
        out.append(time.perf_counter() - t)
    return out


def bench_map(ward: Path, runs: int, tmp: Path):
    svg = tmp / "plan.svg"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    p = subprocess.Popen([sys.executable, "-m", "wardtwin", "map", str(ward), "--watch", "-o", str(svg)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=tmp)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in p.stdout], daemon=True)
    reader.start()

    def line(timeout=30.0) -> str:
        try:
            return lines.get(timeout=timeout)
        except queue.Empty:
            p.kill()
            raise SystemExit("map --watch said nothing for 30 s") from None

    good, broken = [], []
    try:
        first = line(60.0)
        if "wrote" not in first:
            raise SystemExit(f"map --watch did not write the map: {first}")
        for k in range(2 * ((runs + 1) // 2)):  # an even number: the ward ends as it began
            time.sleep(0.3)
            t = time.perf_counter()
            _swap(ward / "equipment.yaml", MOVE, k)
            said = line()
            good.append(time.perf_counter() - t)
            if "wrote" not in said:
                raise SystemExit(f"map --watch: {said}")
        for k in range(2 * max(1, runs // 2)):
            time.sleep(0.3)
            t = time.perf_counter()
            _swap(ward / "floorplan.yaml", BREAK, k)
            said = line()
            if k % 2 == 0:
                broken.append(time.perf_counter() - t)
                if "error" not in said:
                    raise SystemExit(f"map --watch: a broken save not reported: {said}")
    finally:
        p.terminate()
        p.wait(10)
        reader.join(10)
        p.stdout.close()
    return good, broken


def bench_view(ward: Path, runs: int, size, background: bool):
    from wardtwin.layout.watch import LiveWard
    from wardtwin.scene.geometry import ward_geometry
    from wardtwin.model.checks import check
    from wardtwin.rules.engine import evaluate
    from wardtwin.station.desktop import DesktopStation

    live = LiveWard(ward, load=partial(check, rules=False), prepare=lambda m: ward_geometry(m.plan, model=m),
                    refine=evaluate, background=background, refine_background=True)  # as `wardtwin view --watch` does
    good, rules, broken = [], [], []
    try:
        g = live.good
        with DesktopStation(g.model, g.extra, offscreen=True, size=size, live=live, at="WS-1") as st:
            period = 1 / st.fps

            def frames_until(done, limit: float = 30.0):
                """Draw frames in real time until ``done()``; when it came (s, perf_counter)."""
                end = time.perf_counter() + limit
                while not done():
                    t = time.perf_counter()
                    st.step()  # applies a reading that is ready, then draws
                    if t > end:
                        raise SystemExit("view --watch: no reload within 30 s")
                    rest = period - (time.perf_counter() - t)
                    if rest > 0 and not done():
                        time.sleep(rest)
                return time.perf_counter()

            st.step(5)
            for k in range(2 * ((runs + 1) // 2)):
                time.sleep(0.3)
                n = live.reloads
                t = time.perf_counter()
                _swap(ward / "equipment.yaml", MOVE, k)
                good.append(frames_until(lambda: live.reloads >= n + 1) - t)
                if not st.newest.usable or st.shown is not st.newest:
                    raise SystemExit("view --watch: a good save did not replace the twin")
                rules.append(frames_until(lambda: not live.busy) - t)
                if not st.newest.refined:
                    raise SystemExit("view --watch: the rule findings did not follow")
            for k in range(2 * max(1, runs // 2)):
                time.sleep(0.3)
                t = time.perf_counter()
                _swap(ward / "floorplan.yaml", BREAK, k)
                n = live.reloads
                dt = frames_until(lambda: live.reloads >= n + 1) - t
                frames_until(lambda: not live.busy)
                if k % 2 == 0:
                    broken.append(dt)
                    if st.newest.usable or "D-med" not in st.marks.doors:
                        raise SystemExit("view --watch: a broken save was not shown with D-med marked")
    finally:
        live.close()
    return good, rules, broken


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ward", default="medsurg-28")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--budget", type=float, default=1.0)
    ap.add_argument("--skip-view", action="store_true", help="no station (no Panda3D)")
    ap.add_argument("--background", action="store_true", help="the station reads the ward in a worker thread (frames go on meanwhile; by default the frame "
                    "that reads waits for it, and only the rule pack is measured in the worker)")
    a = ap.parse_args(argv)
    size = tuple(int(v) for v in a.size.split("x"))
    from wardtwin.layout.load import resolve_ward

    src = resolve_ward(a.ward)
    with tempfile.TemporaryDirectory(prefix="wardtwin-bench-watch-") as d:
        tmp = Path(d)
        ward = tmp / "ward"
        shutil.copytree(src, ward)
        rows = [("check (same ward)", bench_check(ward, a.runs))]
        mg, mb = bench_map(ward, a.runs, tmp)
        rows += [("map --watch: save to map written", mg), ("map --watch: broken save to findings", mb)]
        if not a.skip_view:
            vg, vr, vb = bench_view(ward, a.runs, size, a.background)
            rows += [(f"view --watch: save to new twin drawn ({a.size})", vg),
                     ("view --watch: save to rule findings drawn", vr),
                     ("view --watch: broken save to findings drawn", vb)]
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"{a.ward}, {os.cpu_count()} CPUs, load {load:.1f}; seconds")
    print(f"{'':46} {'runs':>4} {'best':>7} {'median':>7} {'worst':>7}")
    for name, xs in rows:
        b, m, w = _stats(xs)
        print(f"{name:46} {len(xs):4d} {b:7.3f} {m:7.3f} {w:7.3f}")
    goods = [statistics.median(xs) for name, xs in rows if "map written" in name or "new twin" in name]
    ok = all(m <= a.budget for m in goods)
    print(f"budget {a.budget:.2f} s (median of the good saves): {'within' if ok else 'OVER'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
