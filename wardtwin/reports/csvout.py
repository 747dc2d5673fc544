"""CSV files for spreadsheets (RFC 4180: UTF-8, comma, CRLF line ends, so that a carriage return
or line feed inside a cell is always quoted; header row; true/false; empty = no value).

Every file has its header row, also when it has no data rows (a filter that matched nobody).

Formula injection: a spreadsheet runs a cell whose text starts with ``=``, ``+``, ``-`` or ``@``
as a formula (``=HYPERLINK(...)`` becomes a live link, ``+SUM(1,1)`` shows 2), and tab or
carriage return at the start can hide such a start. Following OWASP's CSV-injection guidance,
every text cell starting with one of those characters is written with a leading apostrophe
(``'=2+2``), which spreadsheets show as text. Numbers stay numbers: an int or float, and a text
cell that is exactly a plain decimal number (``-5``, ``+0.25``, ``1e-3``), are written as they
are. ``excel=True`` starts each file with a UTF-8 byte order mark, so that Excel reads UTF-8
("Zoë") instead of the system's legacy code page.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Self, Sequence, TextIO, cast

if TYPE_CHECKING:
    from _csv import Writer

from wardtwin.exchange.files import check_output_path, ensure_output_dir, write_bytes_atomic

#: The files ``wardtwin report --format csv`` writes into the output folder.
CSV_FILES = {
    "roster.csv": "one row per trainee: completed, when, duration, score, steps missed, attempts",
    "sessions.csv": "one row per session: completion, SSQ pre/post (N/O/D/total), FMS, motion, frames",
    "step_results.csv": "one row per session and step: status, time, hints, reveals, path, SPL, answer",
    "steps.csv": "one row per tour step: success rate, median time, hint rate, SPL",
    "cohort.csv": "all / by role / by station: completion, median time, tolerability, dropouts",
    "items.csv": "one row per item to find: found rate, median time to find, SPL; first vs repeat attempts",
    "item_attempts.csv": "the learning curve: one row per item and attempt number (1, 2, 3, 4+)",
    "items_never_found.csv": "one row per trainee and ward: items tried, found, and the items never found",
}

#: First characters that make a spreadsheet read a cell as a formula (or hide one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
BOM = "\ufeff"


def neutralise(value: str) -> str:
    """``value`` as safe spreadsheet text: a leading apostrophe when it starts like a formula
    (see the module docstring) and is not a plain number."""
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _cell(v: object) -> object:
    cls = v.__class__
    if cls is str:
        t = cast(str, v)
        return neutralise(t) if t and t[0] in "=+-@\t\r" else t
    if cls is bool:
        return "true" if v else "false"
    if v is None or cls is int or cls is float:
        return v
    return neutralise(str(v))


def to_csv(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None) -> str:
    """``rows`` as CSV text under a header of ``columns`` (default: the first row's keys; a
    table with neither is empty text). Booleans are written true/false, None as empty, text
    that would start a formula neutralised (:func:`neutralise`)."""
    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if not cols:
        return ""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([_cell(c) for c in cols])
    for r in rows:
        w.writerow([_cell(v) for v in map(r.get, cols)])
    return buf.getvalue()


def write_csvs(folder: str | os.PathLike[str], tables: Mapping[str, Sequence[Mapping[str, object]]],
               columns: dict[str, Sequence[str]] | None = None, *, excel: bool = False) -> list[Path]:
    """One CSV file per table (``name -> rows``) in ``folder``; ``columns``: the header of each
    (needed for tables that may be empty); ``excel``: each file starts with a UTF-8 byte order
    mark. ``folder`` is created when missing; only a folder (or a link to one) is used, and
    only regular files in it are replaced."""
    out = ensure_output_dir(folder)
    for name in tables:  # refuse before anything is written: all files or none
        check_output_path(out / name)
    columns = columns or {}
    texts = {name: (BOM if excel else "") + to_csv(rows, columns.get(name)) for name, rows in tables.items()}
    return [write_bytes_atomic(out / name, text.encode("utf-8")) for name, text in texts.items()]


class CsvFolder:
    """CSV files written row by row into an output folder, all or none: each file goes to a
    temporary file beside its final name, and :meth:`commit` renames them all once every file
    is complete; leaving the ``with`` block without a commit (an error) removes them, so a
    failed report leaves nothing. Cells as :func:`to_csv` writes them (formulas neutralised),
    memory bounded by one row whatever the number of rows."""

    def __init__(self, folder: str | os.PathLike[str], columns: Mapping[str, Sequence[str]], *, excel: bool = False) -> None:
        from wardtwin.exchange.files import check_output_dir

        self._created = not os.path.lexists(check_output_dir(folder))  # removed again when nothing is written
        self.folder = ensure_output_dir(folder)
        for name in columns:  # refuse before anything is written
            check_output_path(self.folder / name)
        self._columns = {name: list(cols) for name, cols in columns.items()}
        self._excel = excel
        self._files: dict[str, tuple[TextIO, Path, Writer, list[str]]] = {}

    def __enter__(self) -> Self:
        from wardtwin.errors import OutputPathError

        try:
            for name, cols in self._columns.items():
                fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.", suffix=".tmp")
                fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
                self._files[name] = (fh, Path(tmp), csv.writer(fh, lineterminator="\r\n"), cols)
                if self._excel:
                    fh.write(BOM)
                self._files[name][2].writerow([_cell(c) for c in cols])
        except OSError as exc:
            self._discard()
            raise OutputPathError(f"{self.folder}: not written: {exc.strerror or exc}") from None
        return self

    def write(self, name: str, rows: Iterable[Mapping[str, object]]) -> None:
        """Append ``rows`` (dicts) to file ``name``."""
        _, _, w, cols = self._files[name]
        w.writerows([_cell(v) for v in map(r.get, cols)] for r in rows)

    def commit(self) -> list[Path]:
        """Close every file and move it to its name (only regular files are replaced)."""
        from wardtwin.exchange.files import _umask
        from wardtwin.errors import OutputPathError

        out: list[Path] = []
        try:
            for name, (fh, tmp, _, _) in self._files.items():
                fh.close()
                os.chmod(tmp, 0o666 & ~_umask())
            for name, (_, tmp, _, _) in self._files.items():
                check_output_path(self.folder / name)
            for name, (_, tmp, _, _) in self._files.items():
                os.replace(tmp, self.folder / name)
                out.append(self.folder / name)
            self._created = False
        except OSError as exc:
            self._discard()
            raise OutputPathError(f"{self.folder}: not written: {exc.strerror or exc}") from None
        self._files = {}
        return out

    def _discard(self) -> None:
        for fh, tmp, _, _ in self._files.values():
            try:
                fh.close()
            except OSError:
                pass
            tmp.unlink(missing_ok=True)
        self._files = {}
        if self._created:
            try:
                self.folder.rmdir()  # made for this report, and still empty
            except OSError:
                pass

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]:
        self._discard()
        return False
