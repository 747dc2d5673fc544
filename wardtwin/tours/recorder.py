"""Session records until the session store exists: one JSON-lines file per session
(``<dir>/<session id>.jsonl``), one :meth:`Event.to_json` line per event, flushed as each
event is written, so a crash loses at most the event in flight. Use it as a session's sink::

    with JsonlRecorder(folder, session_id) as rec:
        s = Session(..., session_id=session_id, sink=rec.write)
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from types import TracebackType
from typing import Self

from wardtwin.errors import OutputPathError, UsageError, WardtwinError
from wardtwin.events import Event

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class JsonlRecorder:
    """Appends a session's events to ``folder/<session>.jsonl`` (a regular file or a new one:
    anything else there is refused). ``fsync``: also ask the OS to write each line to disk
    (stations; slower)."""

    def __init__(self, folder: str | os.PathLike[str], session: str, fsync: bool = False) -> None:
        if not _SAFE.match(session):
            raise UsageError(f"session id {session!r}: letters, digits, '.', '_' or '-' expected for a file name")
        from wardtwin.exchange.files import check_output_path, ensure_output_dir

        self.path = check_output_path(ensure_output_dir(folder) / f"{session}.jsonl")  # a file, or new
        self.session, self.fsync = session, fsync
        _check_own_record(self.path, session)
        try:
            self._f = open(self.path, "a", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise OutputPathError(f"{self.path}: cannot write the session record ({exc.strerror})") from None

    def write(self, event: Event) -> None:
        if event.session != self.session:
            raise UsageError(f"event of session {event.session} written to the record of {self.session}")
        self._f.write(event.to_json() + "\n")
        self._f.flush()
        if self.fsync:
            os.fsync(self._f.fileno())

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


#: The largest record read back (bytes), and how much of a file is read to tell whose record it is.
RECORD_LIMIT = 256 << 20
_HEAD = 64 << 10
_READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_CLOEXEC", 0))


def _read_regular(path: Path, limit: int) -> bytes:
    """Up to ``limit`` + 1 bytes of the regular file at ``path`` (never through a symbolic link,
    never blocking on a pipe); anything else raises :class:`UsageError`."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the session record ({exc.strerror}; a regular file expected)") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UsageError(f"{path}: not a session record (not a regular file)")
        os.set_blocking(fd, True)
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(limit + 1)
    finally:
        os.close(fd)


def _check_own_record(path: Path, session: str) -> None:
    """Refuse to append to an existing file that is not this session's record (another
    session's, or not an events record at all): it is left as it is."""
    if not path.exists():
        return
    head = _read_regular(path, _HEAD)
    if not head.strip():
        return
    first = head.split(b"\n", 1)[0]
    try:
        d = json.loads(first)
        own = isinstance(d, dict) and d.get("session") == session and isinstance(d.get("seq"), int)
    except ValueError:
        own = False
    if not own:
        raise OutputPathError(f"{path}: not written: it holds something other than the events record of session "
                              f"{session!r}; move it away, or give another folder")


def read_events(path: str | os.PathLike[str]) -> list[Event]:
    """The events of a JSON-lines record (a regular file, at most :data:`RECORD_LIMIT` bytes);
    a last line cut short by a crash is dropped. Anything else raises :class:`UsageError`
    naming the file (and line)."""
    blob = _read_regular(Path(path), RECORD_LIMIT)
    if len(blob) > RECORD_LIMIT:
        raise UsageError(f"{path}: over the {RECORD_LIMIT >> 20} MiB a session record can hold")
    lines = blob.decode("utf-8", "replace").split("\n")
    out: list[Event] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            if i >= len(lines) - 2:  # the event in flight
                break
            raise UsageError(f"{path}:{i + 1}: not a JSON event line") from None
        try:
            out.append(Event.from_dict(d))
        except (WardtwinError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UsageError(f"{path}:{i + 1}: not an event ({type(exc).__name__}: {exc})") from None
    return out
