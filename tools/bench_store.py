"""Benchmark of the session store and reports (issue 6 targets). Prints a table; exit 1 when a
target fails.

1. per-event write cost at a station (SessionWriter on a SQLite file: each event journaled,
   the database committed every 256 events; see wardtwin/store/writer.py), with baselines in the
   same run: plain sqlite3 INSERT + commit per event (WAL, synchronous=NORMAL), and the writer
   with batch=1 (journal + one commit per event); target <= 0.2 ms/event;
2. HTML report for 2,000 trainees x 40 steps on SQLite (load, summarise, aggregate, render);
   target < 2 s; then, measured only: the CSV report, the xAPI statements (time and size), and
   ``sync`` of that store into a new one, twice (the second finds nothing to send);
3. the same HTML report for 100,000 trainees on PostgreSQL (``--pg URL`` or
   $WARDTWIN_TEST_PG_URL): the report as it is (its tables aggregated by one SQL statement over
   the typed results the store keeps, wardtwin/reports/sqlagg.py) and, in the same run, the
   Python fold of every session's events (streamed; ``SQL_TABLES`` off) and the former list
   path (every summary in memory, then the tables) as baselines; target <= 10 s; the load
   average before and after; and the writer's per-event cost there; skipped with a message
   when there is no server;
4. the CSV report of a store of ``--csv-events`` events (default 1,000,000; 0 skips it) on
   SQLite, each in a child process whose peak RSS (VmHWM) is read from /proc: streamed (the
   report as it is; target < 500 MB) and the former list path (baseline).

    python tools/bench_store.py [--events 5000] [--trainees 2000] [--steps 40]
                                [--pg URL] [--pg-trainees 100000] [--pg-steps 10] [--pg-schema NAME]
                                [--csv-events 1000000]

``--pg-schema NAME`` keeps row 3's loaded data (about 3 minutes to load) in that schema, and a
later run with the same name reuses it: ``--pg-schema bench_keep --csv-events 0``.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from wardtwin.reports import build_report
from wardtwin.store import SessionWriter, open_store, sync
from wardtwin.store.synthetic import bulk_load, synthetic_sessions


def _baseline(path: Path, n: int) -> float:
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=NORMAL")
    c.execute("CREATE TABLE e (id TEXT PRIMARY KEY, session TEXT, seq INTEGER, type TEXT, t REAL, step INTEGER, "
              "data TEXT)")
    c.execute("CREATE INDEX e_s ON e (session, seq)")
    t0 = time.perf_counter()
    for i in range(n):
        c.execute("INSERT INTO e VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                  (str(uuid.uuid4()), "s", i, "comfort_rating", i * 0.1, 1, '{"fms":2}'))
    dt = (time.perf_counter() - t0) / n
    c.close()
    return dt


def _writer(path, n: int, **kw) -> float:
    with SessionWriter(str(path), "bench", **kw) as w:
        w.emit("session_started", 0.0, trainee="T", station="vr", ward="w", layout_hash="h", tour="t",
               tour_version="1", mode="tour")
        t0 = time.perf_counter()
        for i in range(n):
            w.emit("comfort_rating", i * 0.1, step=1, fms=2)
        return (time.perf_counter() - t0) / n


#: A child process: one report (streamed, or the former list path), then its time and peak RSS.
_CHILD = r"""
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
url, fmt, out, path = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
if path in ("streamed", "sql"):
    from wardtwin import reports
    reports.SQL_TABLES = path == "sql"  # streamed: the Python fold of every session
    reports.build_report(url, fmt, out)
else:
    sys.path.insert(0, str(Path(sys.argv[5])))
    from bench_store import list_report
    list_report(url, fmt, out)
dt = time.perf_counter() - t0
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"s": dt, "rss_mb": hwm / 1024}))
"""


def list_report(url: str, fmt: str, out) -> None:
    """The former report path (before streaming): every session's summary in memory, then the
    tables, then the files (the baseline of rows 3 and 4)."""
    from datetime import datetime, timezone

    from wardtwin.reports import aggregate
    from wardtwin.gcpause import paused_gc
    from wardtwin.reports.summary import load_summaries
    from wardtwin.store.db import read_store

    with paused_gc():
        sessions = read_store(url, load_summaries)
        roster, cohort, steps = aggregate.roster(sessions), aggregate.cohort(sessions), aggregate.steps(sessions)
        if fmt == "csv":
            from wardtwin.reports.csvout import write_csvs
            write_csvs(out, {"roster.csv": roster, "sessions.csv": aggregate.session_rows(sessions),
                             "step_results.csv": aggregate.step_result_rows(sessions), "steps.csv": steps,
                             "cohort.csv": cohort})
            return
        from wardtwin.exchange.files import write_output
        from wardtwin.reports.html import render
        html = render(sessions, roster, cohort, steps, title="wardtwin orientation report",
                      generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), filters="all wards")
        write_output(out, html.encode("utf-8"))


def _child(url: str, fmt: str, out, path: str) -> dict:
    """:data:`_CHILD` in a fresh interpreter: ``{"s": seconds, "rss_mb": peak RSS}``."""
    r = subprocess.run([sys.executable, "-c", _CHILD, str(url), fmt, str(out), path, str(Path(__file__).parent)],
                       capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise SystemExit(f"bench child ({path} {fmt}) failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="session store benchmark")
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument("--trainees", type=int, default=2000)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--pg", default=os.environ.get("WARDTWIN_TEST_PG_URL"))
    ap.add_argument("--pg-trainees", type=int, default=100_000)
    ap.add_argument("--pg-steps", type=int, default=10)
    ap.add_argument("--csv-events", type=int, default=1_000_000)
    ap.add_argument("--pg-schema", default=None,
                    help="load row 3's data into this PostgreSQL schema and keep it (not dropped); a schema "
                         "that already holds sessions is reused as it is, without loading (repeated runs)")
    a = ap.parse_args(argv)
    rows, ok = [], True
    rows.append(("load average (1, 5, 15 min) at the start", " ".join(f"{x:.1f}" for x in os.getloadavg()), "-", ""))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = _baseline(tmp / "baseline.db", a.events)
        one = _writer(tmp / "writer1.db", a.events, batch=1)
        per = _writer(tmp / "writer.db", a.events)
        rows.append(("plain sqlite insert+commit per event (baseline)", f"{base * 1e3:.3f} ms/event", "-", ""))
        rows.append(("SessionWriter.emit, batch=1 (commit per event)", f"{one * 1e3:.3f} ms/event", "-", ""))
        good = per <= 0.0002
        ok &= good
        rows.append(("SessionWriter.emit, SQLite WAL + journal", f"{per * 1e3:.3f} ms/event", "<= 0.2 ms",
                     "ok" if good else "FAIL"))
        db = tmp / "cohort.db"
        t0 = time.perf_counter()
        with open_store(db) as st:
            _, n_e = bulk_load(st, synthetic_sessions(1, a.trainees, a.steps))
        per_trainee = max(1, n_e // max(1, a.trainees))  # events per trainee at --steps (row 4)
        gen = time.perf_counter() - t0
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            build_report(str(db), "html", tmp / "r.html")
            times.append(time.perf_counter() - t0)
        best = min(times)
        good = best < 2.0
        ok &= good
        rows.append((f"data: {a.trainees} trainees x {a.steps} steps ({n_e} events)", f"{gen:.1f} s", "-", ""))
        rows.append(("HTML report, SQLite (best of 3)", f"{best:.2f} s", "< 2 s", "ok" if good else "FAIL"))
        t0 = time.perf_counter()
        build_report(str(db), "csv", tmp / "csv")
        rows.append(("CSV report (8 files), SQLite", f"{time.perf_counter() - t0:.2f} s", "measured", ""))
        for name in ("x.json", "x.json.gz"):
            t0 = time.perf_counter()
            info = build_report(str(db), "xapi", tmp / name)
            dt = time.perf_counter() - t0
            n, size = info.statements or 0, info.bytes or 0
            rows.append((f"xAPI {name}: {n} statements, {size / 1e6:.1f} MB ({size / max(1, n):.0f} B each)",
                         f"{dt:.2f} s", "measured", ""))
        with open_store(db) as src, open_store(tmp / "central.db") as dst:
            for label in ("sync into an empty store", "sync again (nothing new)"):
                t0 = time.perf_counter()
                r = sync(src, dst)
                rows.append((f"{label}: {r.events_sent} events sent", f"{time.perf_counter() - t0:.2f} s",
                             "measured", ""))
        if a.pg:
            import psycopg
            schema = a.pg_schema or "bench_" + uuid.uuid4().hex[:8]
            if not schema.isidentifier():
                raise SystemExit(f"--pg-schema {schema!r}: a plain SQL name expected")
            with psycopg.connect(a.pg, autocommit=True) as c:
                c.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                kept = c.execute("SELECT to_regclass(%s)", (f"{schema}.sessions",)).fetchone()[0] is not None
                if kept:
                    kept = c.execute(f"SELECT COUNT(*) FROM {schema}.sessions").fetchone()[0] > 0
            url = a.pg + ("&" if "?" in a.pg else "?") + f"options=-csearch_path%3D{schema}"
            try:
                t0 = time.perf_counter()
                if kept:  # --pg-schema loaded by an earlier run
                    with psycopg.connect(a.pg, autocommit=True) as c:
                        n_e = c.execute(f"SELECT COUNT(*) FROM {schema}.events").fetchone()[0]
                else:
                    with open_store(url) as st:
                        _, n_e = bulk_load(st, synthetic_sessions(2, a.pg_trainees, a.pg_steps), chunk=2000)
                gen = time.perf_counter() - t0
                load0 = os.getloadavg()
                new = _child(url, "html", tmp / "pg.html", "sql")
                fold = _child(url, "html", tmp / "pg-fold.html", "streamed")
                old = _child(url, "html", tmp / "pg-old.html", "list")
                load1 = os.getloadavg()
                if a.pg_schema:  # the kept data stay as loaded: the writer writes into a schema of its own
                    wschema = "bench_" + uuid.uuid4().hex[:8]
                    with psycopg.connect(a.pg, autocommit=True) as c:
                        c.execute(f"CREATE SCHEMA {wschema}")
                    try:
                        pg_per = _writer(a.pg + ("&" if "?" in a.pg else "?") + f"options=-csearch_path%3D{wschema}",
                                         1000)
                    finally:
                        with psycopg.connect(a.pg, autocommit=True) as c:
                            c.execute(f"DROP SCHEMA {wschema} CASCADE")
                else:
                    pg_per = _writer(url, 1000)
                rows.append((f"data: {a.pg_trainees} trainees x {a.pg_steps} steps, PostgreSQL ({n_e} events)"
                             + (f", reused from schema {schema}" if kept else ""), f"{gen:.1f} s", "-", ""))
                rows.append(("HTML report, PostgreSQL, former list path (baseline)",
                             f"{old['s']:.2f} s", "measured", f"peak RSS {old['rss_mb']:.0f} MB"))
                rows.append(("HTML report, PostgreSQL, Python fold of every session (streamed)",
                             f"{fold['s']:.2f} s", "measured", f"{fold['s'] / old['s']:.2f}x the baseline; "
                             f"peak RSS {fold['rss_mb']:.0f} MB"))
                good = new["s"] <= 10.0
                ok &= good
                rows.append(("HTML report, PostgreSQL, SQL over typed results (the report)", f"{new['s']:.2f} s",
                             "<= 10 s", f"{'ok' if good else 'FAIL'}: {new['s'] / old['s']:.2f}x the baseline, "
                             f"{new['s'] / fold['s']:.2f}x the fold; peak RSS {new['rss_mb']:.0f} MB"))
                rows.append(("load average (1, 5, 15 min) before / after the three reports",
                             " ".join(f"{x:.1f}" for x in load0), "-", " ".join(f"{x:.1f}" for x in load1)))
                rows.append(("SessionWriter.emit, PostgreSQL (commit per event)", f"{pg_per * 1e3:.3f} ms/event",
                             "measured", ""))
            finally:
                if not a.pg_schema:
                    with psycopg.connect(a.pg, autocommit=True) as c:
                        c.execute(f"DROP SCHEMA {schema} CASCADE")
        else:
            rows.append(("HTML report, PostgreSQL", "skipped", "measured",
                         "no server: pass --pg URL or set WARDTWIN_TEST_PG_URL (.ci/services.sh)"))
        if a.csv_events > 0:
            big = tmp / "big.db"
            t0 = time.perf_counter()
            with open_store(big) as st:
                _, n_big = bulk_load(st, synthetic_sessions(3, -(-a.csv_events // per_trainee), a.steps), chunk=1000)
            rows.append((f"data: {n_big} events, SQLite", f"{time.perf_counter() - t0:.1f} s", "-", ""))
            old = _child(big, "csv", tmp / "csv-old", "list")
            new = _child(big, "csv", tmp / "csv-new", "streamed")
            rows.append(("CSV report, former list path (baseline): peak RSS", f"{old['rss_mb']:.0f} MB", "measured",
                         f"{old['s']:.1f} s"))
            good = new["rss_mb"] < 500
            ok &= good
            rows.append(("CSV report, streamed: peak RSS", f"{new['rss_mb']:.0f} MB", "< 500 MB",
                         f"{'ok' if good else 'FAIL'}: {new['rss_mb'] / old['rss_mb']:.2f}x the baseline's; "
                         f"{new['s']:.1f} s ({new['s'] / old['s']:.2f}x)"))
    w = max(len(r[0]) for r in rows)
    print(f"{'measure':{w}}  {'result':>16}  {'target':>10}  status")
    for r in rows:
        print(f"{r[0]:{w}}  {r[1]:>16}  {r[2]:>10}  {r[3]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
