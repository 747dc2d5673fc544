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
from pathlib import Path

from wardtwin.errors import OutputPathError, UsageError
from wardtwin.tours.events import Event

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class JsonlRecorder:
    """Appends a session's events to ``folder/<session>.jsonl`` (a regular file or a new one:
    anything else there is refused). ``fsync``: also ask the OS to write each line to disk
    (stations; slower)."""

    def __init__(self, folder, session: str, fsync: bool = False):
        if not _SAFE.match(session):
            raise UsageError(f"session id {session!r}: letters, digits, '.', '_' or '-' expected for a file name")
        from wardtwin.exchange.files import check_output_path, ensure_output_dir

        self.path = check_output_path(ensure_output_dir(folder) / f"{session}.jsonl")  # a file, or new
        self.session, self.fsync = session, fsync
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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_events(path) -> list[Event]:
    """The events of a JSON-lines record; a last line cut short by a crash is dropped."""
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    out = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            if i >= len(lines) - 2:  # the event in flight
                break
            raise UsageError(f"{path}:{i + 1}: not a JSON event line") from None
        out.append(Event.from_dict(d))
    return out
