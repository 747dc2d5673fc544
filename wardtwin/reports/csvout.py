"""CSV files for spreadsheets (UTF-8, comma, header row; true/false; empty = no value).

Every file has its header row, also when it has no data rows (a filter that matched nobody)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Sequence

from wardtwin.exchange.files import check_output_path, ensure_output_dir, write_text_atomic

#: The files ``wardtwin report --format csv`` writes into the output folder.
CSV_FILES = {
    "roster.csv": "one row per trainee: completed, when, duration, score, steps missed, attempts",
    "sessions.csv": "one row per session: completion, SSQ pre/post (N/O/D/total), FMS, motion, frames",
    "step_results.csv": "one row per session and step: status, time, hints, reveals, path, SPL, answer",
    "steps.csv": "one row per tour step: success rate, median time, hint rate, SPL",
    "cohort.csv": "all / by role / by station: completion, median time, tolerability, dropouts",
}


def to_csv(rows: list[dict], columns: Sequence[str] | None = None) -> str:
    """``rows`` as CSV text under a header of ``columns`` (default: the first row's keys; a
    table with neither is empty text). Booleans are written true/false, None as empty."""
    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if not cols:
        return ""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([("true" if v else "false") if v.__class__ is bool else v for v in map(r.get, cols)])
    return buf.getvalue()


def write_csvs(folder: str | Path, tables: dict[str, list[dict]],
               columns: dict[str, Sequence[str]] | None = None) -> list[Path]:
    """One CSV file per table (``name -> rows``) in ``folder``; ``columns``: the header of each
    (needed for tables that may be empty). ``folder`` is created when missing; only a folder (or
    a link to one) is used, and only regular files in it are replaced."""
    folder = ensure_output_dir(folder)
    for name in tables:  # refuse before anything is written: all files or none
        check_output_path(folder / name)
    columns = columns or {}
    return [write_text_atomic(folder / name, to_csv(rows, columns.get(name))) for name, rows in tables.items()]
