"""Scale benchmark of ``wardtwin check``: a synthetic floor of N small rooms, timed per stage.

The floor (written to a temporary folder that is deleted afterwards) is a grid of bands, each a
row of small offices, a corridor and another row of offices, with a spine corridor on the west;
columns of bands stand on a main corridor (the entrance) with an exit to outside at each end.
Every office has a door to its corridor (and, with ``--chairs``, a chair); every corridor a
wall-mounted extinguisher (a safety-critical item whose access point is computed). It checks
clean (no findings). Times are this process's CPU time (the machine may be shared).

For each room count it times the stages of ``wardtwin check`` (load, each layout check, the
wall derivation and door placement, the compile: floor union, walkable area, navigation mesh,
room pieces, the walking-reachability findings, the rule pack's rules measured on the floor,
and the ward's version printed at the end: ``wardver``) and the total. Where the old, quadratic
wall derivation is cheap enough (``--old-max`` rooms) it is timed in the same run on the same
rooms, and its walls compared with the new ones; above that, the old time is extrapolated
quadratically from the largest measured count (marked ``~``).

With ``--baseline REV`` (a git revision, e.g. ``HEAD~3``) each floor is also checked by that
revision's ``wardtwin`` (exported with ``git archive`` to a temporary folder), each run in a
fresh process, the two alternating ``--repeat`` times (the fastest run of each is kept): a
table of both and their ratio per stage, measured on the same machine in the same minutes.
The revision reads its own ``assets`` (``WARDTWIN_ASSETS``). The ratio is the figure to trust
on a shared machine: absolute CPU times there vary by a third from one minute to the next.

The stages are the library's own calls (``load_ward``, ``derive_walls``, ``place_doors``,
``run_checks`` per check, ``compile_ward``, ``navigation_findings``, the rule engine's
``evaluate`` with the ward's pack, ``ward_version``), so what they do to run faster counts
(they pause the cyclic garbage collector, for one). The floor checks clean of layout and
reachability findings; the rules find a few (it is one long floor with its exits far apart):
the ``rule`` column counts them, and with ``--baseline`` both versions must find the same.

The stages are timed in one process (``WARDTWIN_JOBS=1``): on a large ward ``wardtwin check``
runs parts of them in a worker on a second core (see ``wardtwin.forked``), whose time this
process's clock would not see, so the stage times here add up to all the work done.

``--cli`` times the command itself instead, as users run it (with its worker where the machine
has a second core): ``python -m wardtwin check FLOOR`` in a fresh process, its wall-clock, user
and system CPU time and peak memory (of the command, from ``wait4``; its worker's time is in
the CPU columns, its memory is not), with the machine's load average beside each run; with
``--baseline`` the revision's command alternates with the working tree's, and their outputs
must be identical.

Floor (issue 17): 10,000 rooms check in at most 10 s, the command's wall-clock time, so
``--cli`` judges it. Exits 1 when the count of about 10,000 rooms takes longer there, when a
floor does not check clean, when the old and new walls differ, or when the baseline's
findings differ from the working tree's.

    python tools/bench_check_scale.py [--rooms 1000 3000 10000] [--big] [--old-max 3000]
        [--chairs] [--checks] [--wall] [--profile N] [--baseline REV [--repeat 3]] [--cli]
        [--workdir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Seconds a 10,000-room check may take (issue 17).
TARGET_10K = 10.0
#: Rooms asked for by ``--big``: the grid rounds up to 29,960, under the schema's 30,000.
BIG = 29_950

ROOM_W, ROOM_D, CORRIDOR, WALL = 3.6, 4.0, 2.8, 0.15
BAND = 2 * ROOM_D + CORRIDOR


def _f(v: float) -> str:
    """A coordinate to the 0.1 mm (``:g`` would keep only 6 digits: 1000.235 -> 1000.24)."""
    v = round(float(v), 4)
    return str(int(v)) if v == int(v) else repr(v)


def floor_yaml(n_rooms: int, per_row: int = 25, chairs: bool = False) -> tuple[str, str, str, int]:
    """``(ward.yaml, floorplan.yaml, equipment.yaml, rooms)`` text of a grid floor with about
    ``n_rooms`` rooms: columns of bands (a spine segment, a corridor, ``2 * per_row`` offices)
    standing on a main corridor (one segment per column); no room is longer than 100 m."""
    per_band = 2 * per_row + 2
    bands = max(1, math.ceil(n_rooms / per_band))
    col_w = CORRIDOR + per_row * ROOM_W
    cols = max(1, round(math.sqrt(bands * BAND / col_w)))
    per_col = math.ceil(bands / cols)
    cols = math.ceil(bands / per_col)
    rooms, doors, items = [], [], []

    def room(rid, kind, x0, y0, x1, y1):
        poly = f"[[{_f(x0)}, {_f(y0)}], [{_f(x1)}, {_f(y0)}], [{_f(x1)}, {_f(y1)}], [{_f(x0)}, {_f(y1)}]]"
        rooms.append(f"  - {{id: {rid}, name: Room {rid}, kind: {kind}, polygon: {poly}}}")

    def door(did, a, b, x, y, w, extra=""):
        doors.append(f"  - {{id: {did}, between: [{a}, {b}], at: [{_f(x)}, {_f(y)}], width: {_f(w)}{extra}}}")

    length = per_row * ROOM_W
    for c in range(cols):
        x = c * col_w
        main = f"m{c}"
        room(main, "corridor", x, -CORRIDOR, x + col_w, 0.0)
        if c:
            door(f"D{main}", f"m{c - 1}", main, x, -CORRIDOR / 2, 1.8, ", type: opening")
        if c == 0:
            door("X-W", main, "outside", x, -CORRIDOR / 2, 1.2, ", exit: true")
        if c == cols - 1:
            door("X-E", main, "outside", x + col_w, -CORRIDOR / 2, 1.2, ", exit: true")
        for b in range(c * per_col, min(bands, (c + 1) * per_col)):
            y0 = (b - c * per_col) * BAND
            spine, corr = f"s{b}", f"c{b}"
            room(spine, "corridor", x, y0, x + CORRIDOR, y0 + BAND)
            below = main if b == c * per_col else f"s{b - 1}"
            door(f"D{spine}", below, spine, x + CORRIDOR / 2, y0, 1.8, ", type: opening")
            cx, cy0, cy1 = x + CORRIDOR, y0 + ROOM_D, y0 + ROOM_D + CORRIDOR
            room(corr, "corridor", cx, cy0, cx + length, cy1)
            door(f"D{corr}", corr, spine, cx, (cy0 + cy1) / 2, 1.8, ", type: opening")
            items.append(f"  - {{id: fe{b}, type: fire_extinguisher, room: {corr}, at: "
                         f"[{_f(cx + ROOM_W * (per_row // 2) + 0.6)}, {_f(cy1 - WALL / 2 - 0.09)}], rotation: 180}}")
            for side, (ry0, ry1, dy) in enumerate(((y0, cy0, cy0), (cy1, y0 + BAND, cy1))):
                for k in range(per_row):
                    rid = f"r{b}-{side}-{k}"
                    x0 = cx + k * ROOM_W
                    room(rid, "office", x0, ry0, x0 + ROOM_W, ry1)
                    door(f"D{rid}", rid, corr, x0 + ROOM_W / 2, dy, 0.9)
                    if chairs:
                        items.append(f"  - {{id: ch{rid}, type: visitor_chair, room: {rid}, at: "
                                     f"[{_f(x0 + ROOM_W - 0.6)}, {_f((ry0 + ry1) / 2)}]}}")
    ward = ("kind: ward\nversion: 1\nid: scale\nname: Scale benchmark\nentrance: m0\n"
            f"wall_thickness: {WALL}\n")
    plan = "kind: floorplan\nversion: 1\nrooms:\n" + "\n".join(rooms) + "\ndoors:\n" + "\n".join(doors) + "\n"
    equip = "kind: equipment\nversion: 1\nitems:\n" + "\n".join(items) + "\n"
    return ward, plan, equip, len(rooms)


def write_floor(out: Path, n_rooms: int, chairs: bool = False) -> int:
    """Write the floor's three files into ``out``; returns its number of rooms."""
    ward, plan, equip, n = floor_yaml(n_rooms, chairs=chairs)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ward.yaml").write_text(ward)
    (out / "floorplan.yaml").write_text(plan)
    (out / "equipment.yaml").write_text(equip)
    return n


#: The clock of every time reported: this process's CPU time, so that other work on a shared
#: machine does not count (wardtwin runs on one core; ``--wall`` reports wall-clock time).
clock = time.process_time


class Timer:
    def __init__(self):
        self.t: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        t0 = clock()
        try:
            yield
        finally:
            self.t[name] = self.t.get(name, 0.0) + clock() - t0


#: Stage columns of the table, in order.
STAGES = ("load", "walls", "doors", "checks", "compile", "walk", "rules", "wardver", "total")


def timed_check(ward: Path) -> tuple[dict, list]:
    """Run ``wardtwin check``'s stages (as :func:`wardtwin.model.check` and the command do)
    with a timer around each. Returns ``(seconds per stage, findings)``: the layout's and
    reachability findings; those of the rules are counted (``rule_findings``) and hashed
    (``rule_digest``: the same findings give the same digest) in the times."""
    from wardtwin import layout as _layout  # noqa: F401
    from wardtwin.layout import vocab
    from wardtwin.layout.checks import CHECKS, run_checks
    from wardtwin.layout.findings import exit_code
    from wardtwin.layout.geometry import derive_walls, place_doors
    from wardtwin.layout.load import load_ward
    from wardtwin.layout.plan import Plan
    from wardtwin.model.checks import navigation_findings
    from wardtwin.model.compiled import PERSON_RADIUS, compile_ward

    tm = Timer()
    t0 = clock()
    with tm("load"):
        layout, findings = load_ward(ward)
    if layout is None:
        return {**tm.t, "total": clock() - t0}, findings
    with tm("walls"):
        walls = derive_walls(layout.rooms)
    with tm("doors"):
        known = set(layout.room_by_id) | {vocab.OUTSIDE}
        doors = [d for d in layout.doors if set(d.between) <= known and d.between[0] != d.between[1]]
        openings, problems = place_doors(doors, walls, layout.ward.wall_thickness, vocab.OUTSIDE)
        plan = Plan(layout, walls, openings, problems)
    per_check = {}
    with tm("checks"):
        run_checks(plan, only=[])  # registers the checks
        for name in CHECKS:
            if name == "door-reachability":
                continue
            c0 = clock()
            findings = findings + run_checks(plan, only=[name])
            per_check[name] = clock() - c0
    if exit_code(findings):
        return {**tm.t, "total": clock() - t0, "per_check": per_check}, findings
    with tm("compile"):
        model = compile_ward(layout, PERSON_RADIUS, plan=plan)
    with tm("walk"):
        findings = findings + navigation_findings(layout, model)
    extra = {}
    if not exit_code(findings):
        with tm("rules"):
            rule_findings = _rules(layout, model)
        if rule_findings is not None:
            text = "\n".join(sorted(f.format() for f in rule_findings))
            extra = {"rule_findings": len(rule_findings), "rule_digest": hashlib.sha256(text.encode()).hexdigest()[:16]}
    with tm("wardver"):
        _version(layout)
    return {**tm.t, "total": clock() - t0, "per_check": per_check, **extra}, findings


def _rules(layout, model):
    """The findings of the ward's rule pack measured on the floor (None: a wardtwin without
    rule packs)."""
    try:
        from wardtwin.rules.engine import evaluate
        from wardtwin.rules.pack import choose_pack
    except ImportError:
        return None
    try:
        from wardtwin.gcpause import paused_gc
    except ImportError:
        paused_gc = contextlib.nullcontext
    with paused_gc():  # as in wardtwin.model.check, which pauses the collector throughout
        return evaluate(layout, model, choose_pack(layout))


def _version(layout) -> None:
    """The ward's version, as ``wardtwin check`` prints it last (nothing in a wardtwin without)."""
    try:
        from wardtwin.versions import ward_version
    except ImportError:
        return
    ward_version(layout)


def old_derive_walls(rooms):
    """The wall derivation before issue 17 (every room edge against every corner), kept here
    as the benchmark's baseline."""
    import numpy as np

    from wardtwin.layout.geometry import SNAP, Wall, _merge, _Snapper, ring

    snap = _Snapper()
    rings = [(r.id, [snap(p) for p in ring(r.polygon)]) for r in rooms]
    rings = [(rid, pts) for rid, pts in rings if len(pts) >= 2]
    if not rings:
        return ()
    verts = [p for _, pts in rings for p in pts]
    allv = np.array(verts, dtype=float)
    owner = np.array([i for i, (_, pts) in enumerate(rings) for _ in pts])
    pieces: dict[tuple, list] = {}
    for ri, (rid, pts) in enumerate(rings):
        for k in range(len(pts)):
            p, q = pts[k], pts[(k + 1) % len(pts)]
            d = np.subtract(q, p)
            length = float(np.hypot(*d))
            if length <= SNAP:
                continue
            u = d / length
            rel = allv - p
            t = rel @ u
            off = np.abs(rel[:, 0] * u[1] - rel[:, 1] * u[0])
            hit = np.nonzero((owner != ri) & (off <= SNAP) & (t > SNAP) & (t < length - SNAP))[0]
            cuts = [verts[i] for i in hit[np.argsort(t[hit], kind="stable")]]
            stops = [p]
            for c in cuts:
                if c != stops[-1]:
                    stops.append(c)
            stops.append(q)
            for pa, pb in zip(stops, stops[1:]):
                if math.dist(pa, pb) <= SNAP:
                    continue
                key = tuple(sorted((pa, pb)))
                pieces.setdefault(key, []).append((rid, pa, pb))
    segments: dict[tuple, list] = {}
    for key, owners in pieces.items():
        owners.sort(key=lambda o: o[0])
        rid, pa, pb = owners[0]
        other = next((o[0] for o in owners[1:] if o[0] != rid), None)
        segments.setdefault((rid, other), []).append((pa, pb))
    walls = []
    for (left, right), segs in sorted(segments.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        walls.extend(Wall(a, b, left, right) for a, b in _merge(segs))
    return tuple(walls)


def measure(counts, old_max: int, workdir: Path | None = None, chairs: bool = False) -> list[dict]:
    """One row per room count: stage times (s), findings, and the old wall derivation's time
    (measured up to ``old_max`` rooms, with its walls compared to the new ones)."""
    from wardtwin.layout.geometry import derive_walls
    from wardtwin.layout.load import load_ward

    rows = []
    with tempfile.TemporaryDirectory(prefix="wardtwin-scale-", dir=workdir) as tmp:
        for n in counts:
            ward = Path(tmp) / f"floor{n}"
            rooms = write_floor(ward, n, chairs)
            t, findings = timed_check(ward)
            row = {"rooms": rooms, **t, "findings": len(findings),
                   "codes": sorted({f.code for f in findings}), "old_walls": None, "same_walls": None}
            if n <= old_max:
                layout, _ = load_ward(ward)
                t0 = clock()
                old = old_derive_walls(layout.rooms)
                row["old_walls"] = clock() - t0
                row["same_walls"] = old == derive_walls(layout.rooms)
            rows.append(row)
            shutil.rmtree(ward)
    return rows


def table(rows: list[dict]) -> str:
    head = (f"{'rooms':>7} " + " ".join(f"{s:>8}" for s in STAGES) + f" {'old walls':>10} {'ratio':>7} {'findings':>8}"
            f" {'rule':>5}")
    lines = [head, "-" * len(head)]
    measured = [r for r in rows if r["old_walls"] is not None]
    ref = measured[-1] if measured else None
    for r in rows:
        cells = " ".join(f"{r[s]:8.2f}" if s in r else f"{'-':>8}" for s in STAGES)
        if r["old_walls"] is not None:
            old, mark = r["old_walls"], " "
        elif ref is not None:  # quadratic: every edge against every corner
            old, mark = ref["old_walls"] * (r["rooms"] / ref["rooms"]) ** 2, "~"
        else:
            old, mark = None, " "
        old_s = f"{mark}{old:9.2f}" if old is not None else f"{'-':>10}"
        ratio = f"{old / r['walls']:6.0f}x" if old is not None and r.get("walls") else f"{'-':>7}"
        lines.append(f"{r['rooms']:7d} {cells} {old_s} {ratio} {r['findings']:8d} {r.get('rule_findings', '-'):>5}")
    return "\n".join(lines)


def _export(rev: str, dest: Path) -> Path:
    """``git archive`` of the ``wardtwin`` package and its ``assets`` at ``rev`` into ``dest``;
    returns ``dest``."""
    arc = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev, "wardtwin", "assets"],
                         capture_output=True, check=False)
    if arc.returncode:
        raise SystemExit(f"--baseline {rev}: git archive failed: {arc.stderr.decode(errors='replace').strip()}")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(arc.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def _child_run(root: Path, ward: Path) -> dict:
    """One timed check of ``ward`` by the ``wardtwin`` under ``root``, in a fresh process."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(root), str(ward)]
    if clock is time.perf_counter:
        cmd.append("--wall")
    env = dict(os.environ)
    if root != ROOT:  # an exported revision reads its own catalog and rule packs
        env["WARDTWIN_ASSETS"] = str(root / "assets")
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=str(root), env=env)
    if out.returncode:
        raise SystemExit(f"the timed check under {root} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(counts, rev: str, repeat: int = 3, chairs: bool = False, workdir: Path | None = None) -> list[dict]:
    """For each room count: the fastest of ``repeat`` timed checks by revision ``rev`` and by
    the working tree, alternating, each in a fresh process. One row per (count, version)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="wardtwin-scale-", dir=workdir) as tmp:
        base = _export(rev, Path(tmp) / "base")
        for n in counts:
            ward = Path(tmp) / f"floor{n}"
            rooms = write_floor(ward, n, chairs)
            best: dict[str, dict] = {}
            for _ in range(repeat):
                for name, root in ((rev, base), ("new", ROOT)):
                    t = _child_run(root, ward)
                    if name not in best or t["total"] < best[name]["total"]:
                        best[name] = t
            for name in (rev, "new"):
                rows.append({"rooms": rooms, "version": name, **best[name]})
            shutil.rmtree(ward)
    return rows


def compare_table(rows: list[dict]) -> str:
    """Base and new rows of :func:`compare`, and new/base per stage."""
    head = f"{'rooms':>7} {'version':>10} " + " ".join(f"{s:>8}" for s in STAGES) + f" {'findings':>8} {'rule':>5}"
    lines = [head, "-" * len(head)]
    for base, new in zip(rows[::2], rows[1::2]):
        for r in (base, new):
            cells = " ".join(f"{r[s]:8.2f}" if s in r else f"{'-':>8}" for s in STAGES)
            lines.append(f"{r['rooms']:7d} {r['version'][:10]:>10} {cells} {r['findings']:8d} "
                         f"{r.get('rule_findings', '-'):>5}")
        ratio = " ".join(f"{new[s] / base[s]:7.2f}x" if base.get(s) and s in new else f"{'-':>8}" for s in STAGES)
        lines.append(f"{'':7} {'new/base':>10} {ratio}")
    return "\n".join(lines)


def _cli_run(root: Path, ward: Path, tmp: Path) -> dict:
    """One ``python -m wardtwin check WARD`` by the wardtwin under ``root`` in a fresh process:
    its wall-clock, user and system CPU seconds and peak memory (MiB, from ``wait4``), the
    load average when it ended, its exit code and output."""
    env = dict(os.environ, PYTHONPATH=str(root))
    if root != ROOT:
        env["WARDTWIN_ASSETS"] = str(root / "assets")
    out_p, err_p = tmp / "out.txt", tmp / "err.txt"
    with open(out_p, "wb") as out, open(err_p, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "wardtwin", "check", str(ward)], cwd=str(root), env=env,
                                stdout=out, stderr=err)
        _pid, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "peak": ru.ru_maxrss / 1024,
            "code": proc.returncode, "out": out_p.read_text(errors="replace"),
            "err": err_p.read_text(errors="replace")[-2000:], "load": os.getloadavg()[0]}


def cli_compare(counts, rev: str | None, repeat: int = 3, chairs: bool = False,
                workdir: Path | None = None) -> list[dict]:
    """For each room count: ``repeat`` runs of the command by the working tree (and, with
    ``rev``, by that revision, alternating); of each, the run of least CPU time (user + system:
    on a shared machine the wall clock mostly measures the others' load) with its wall-clock
    time, peak memory and load average, and the least wall-clock time of any run
    (``best_wall``). One row per (count, version)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="wardtwin-scale-", dir=workdir) as tmp:
        versions = [("new", ROOT)]
        if rev:
            versions.insert(0, (rev, _export(rev, Path(tmp) / "base")))
        for n in counts:
            ward = Path(tmp) / f"floor{n}"
            rooms = write_floor(ward, n, chairs)
            best: dict[str, dict] = {}
            for _ in range(repeat):
                for name, root in versions:
                    r = _cli_run(root, ward, Path(tmp))
                    if r["code"] not in (0, 1):
                        raise SystemExit(f"wardtwin check under {root} exited {r['code']}:\n{r['err']}")
                    walls = min(r["wall"], best[name]["best_wall"]) if name in best else r["wall"]
                    if name not in best or r["user"] + r["sys"] < best[name]["user"] + best[name]["sys"]:
                        best[name] = r
                    best[name]["best_wall"] = walls
            for name, _root in versions:
                rows.append({"rooms": rooms, "version": name, **best[name]})
            shutil.rmtree(ward)
    return rows


def cli_table(rows: list[dict]) -> str:
    """The rows of :func:`cli_compare`, and new/base where a baseline ran."""
    head = (f"{'rooms':>7} {'version':>10} {'wall s':>7} {'user s':>7} {'sys s':>6} {'cpu s':>6} {'peak MiB':>8} "
            f"{'load':>5} {'exit':>4} {'lines':>5} {'best wall':>9}")
    lines = [head, "-" * len(head)]
    base = None
    for r in rows:
        lines.append(f"{r['rooms']:7d} {r['version'][:10]:>10} {r['wall']:7.2f} {r['user']:7.2f} {r['sys']:6.2f} "
                     f"{r['user'] + r['sys']:6.2f} {r['peak']:8.0f} {r['load']:5.2f} {r['code']:4d} "
                     f"{len(r['out'].splitlines()):5d} {r['best_wall']:9.2f}")
        if r["version"] != "new":
            base = r
        elif base is not None and base["rooms"] == r["rooms"]:
            lines.append(f"{'':7} {'new/base':>10} {r['wall'] / base['wall']:6.2f}x {r['user'] / base['user']:6.2f}x "
                         f"{'':6} {(r['user'] + r['sys']) / (base['user'] + base['sys']):5.2f}x")
    return "\n".join(lines)


def _cli_verdict(rows: list[dict]) -> int:
    """Exit code of ``--cli``: 1 when a version's output differs from the baseline's, or about
    10,000 rooms take longer than :data:`TARGET_10K` of wall-clock time in every run."""
    code = 0
    base = None
    for r in rows:
        if r["version"] != "new":
            base = r
            continue
        if base is not None and base["rooms"] == r["rooms"] and (base["out"], base["code"]) != (r["out"], r["code"]):
            print(f"FAIL: {r['rooms']} rooms: the output differs from {base['version']}'s")
            code = 1
        if 10_000 <= r["rooms"] < 11_000 and r["best_wall"] > TARGET_10K:
            print(f"FAIL: {r['rooms']} rooms took {r['best_wall']:.1f} s wall at best ({r['user'] + r['sys']:.1f} s "
                  f"CPU at load {r['load']:.1f}); at most {TARGET_10K:.0f} s expected")
            code = 1
    return code


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rooms", type=int, nargs="+", default=[1000, 3000, 10000], help="room counts")
    ap.add_argument("--big", action="store_true", help=f"also about {BIG:,} rooms (just under the schema's limit)")
    ap.add_argument("--old-max", type=int, default=3000,
                    help="time the old wall derivation up to this many rooms (default 3000)")
    ap.add_argument("--checks", action="store_true", help="also print each layout check's time")
    ap.add_argument("--profile", type=int, metavar="N", help="profile one check of N rooms instead")
    ap.add_argument("--chairs", action="store_true", help="a chair in every office")
    ap.add_argument("--wall", action="store_true", help="wall-clock times instead of CPU times")
    ap.add_argument("--baseline", metavar="REV",
                    help="also time the wardtwin of this git revision, in alternating fresh processes")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each version with --baseline (default 3)")
    ap.add_argument("--cli", action="store_true",
                    help="time the command `python -m wardtwin check` itself (wall, user, sys, memory)")
    ap.add_argument("--workdir", metavar="DIR", help="where the floors (and the exported baseline) are written "
                    "(default: the system's temporary folder)")
    ap.add_argument("--child", nargs=2, metavar=("ROOT", "WARD"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if not a.cli:  # stages timed in one process (a worker's time would not show; see the doc)
        os.environ["WARDTWIN_JOBS"] = "1"
    if a.wall:
        global clock
        clock = time.perf_counter
    if a.child:  # one timed check by the wardtwin under ROOT (see --baseline)
        sys.path.insert(0, str(Path(a.child[0]).resolve()))
        t, findings = timed_check(Path(a.child[1]))
        t.pop("per_check", None)
        print(json.dumps({**t, "findings": len(findings)}))
        return 0
    workdir = Path(a.workdir) if a.workdir else None
    if a.cli:
        counts = sorted(set(a.rooms + ([BIG] if a.big else [])))
        rows = cli_compare(counts, a.baseline, max(1, a.repeat), a.chairs, workdir)
        print(cli_table(rows))
        return _cli_verdict(rows)
    if a.profile:
        import cProfile
        import pstats

        with tempfile.TemporaryDirectory(prefix="wardtwin-scale-") as tmp:
            write_floor(Path(tmp), a.profile, a.chairs)
            pr = cProfile.Profile()
            pr.enable()
            timed_check(Path(tmp))
            pr.disable()
        pstats.Stats(pr).sort_stats("cumulative").print_stats(40)
        return 0
    counts = sorted(set(a.rooms + ([BIG] if a.big else [])))
    if a.baseline:
        both = compare(counts, a.baseline, max(1, a.repeat), a.chairs, workdir)
        print(compare_table(both))
        print()
        rows = [dict(r, codes=[], same_walls=None, old_walls=None) for r in both if r["version"] == "new"]
        code = _verdict(rows)
        for base, new in zip(both[::2], both[1::2]):
            if base.get("rule_digest") and base.get("rule_digest") != new.get("rule_digest"):
                print(f"FAIL: {new['rooms']} rooms: the rules' findings differ from {a.baseline}'s")
                code = 1
        return code
    rows = measure(counts, a.old_max, workdir, chairs=a.chairs)
    print(table(rows))
    if a.checks:
        for r in rows:
            slow = sorted(r.get("per_check", {}).items(), key=lambda kv: -kv[1])[:5]
            print(f"{r['rooms']:7d} checks: " + ", ".join(f"{k} {v:.2f}" for k, v in slow))
    return _verdict(rows)


def _verdict(rows: list[dict]) -> int:
    """Exit code: 1 when a floor has findings or its walls differ from the old derivation's
    (the time floor is :func:`_cli_verdict`'s)."""
    code = 0
    for r in rows:
        if r["findings"]:
            print(f"FAIL: {r['rooms']} rooms: {r['findings']} findings ({', '.join(r['codes'])})")
            code = 1
        if r["same_walls"] is False:
            print(f"FAIL: {r['rooms']} rooms: the new wall derivation differs from the old one")
            code = 1
    if any(r["rooms"] >= 10_000 for r in rows):
        print(f"(the {TARGET_10K:.0f} s floor is the command's wall-clock time, on two cores where there are: "
              "--cli judges it)")
    return code


if __name__ == "__main__":
    sys.exit(main())
