"""CSV files for spreadsheets (UTF-8, comma, header row; true/false; empty = no value)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from wardtwin.exchange.files import write_text_atomic

#: The files ``wardtwin report --format csv`` writes into the output folder.
CSV_FILES = {
    "roster.csv": "one row per trainee: completed, when, duration, score, steps missed, attempts",
    "sessions.csv": "one row per session: completion, SSQ pre/post (N/O/D/total), FMS, motion, frames",
    "step_results.csv": "one row per session and step: status, time, hints, reveals, path, SPL, answer",
    "steps.csv": "one row per tour step: success rate, median time, hint rate, SPL",
    "cohort.csv": "all / by role / by station: completion, median time, tolerability, dropouts",
}


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    if not rows:
        return ""
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("true" if v is True else "false" if v is False else "" if v is None else v)
                    for k, v in r.items()})
    return buf.getvalue()


def write_csvs(folder: str | Path, tables: dict[str, list[dict]]) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_text_atomic(folder / name, to_csv(rows)) for name, rows in tables.items()]
