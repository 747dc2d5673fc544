"""The durable local queue of cmi5 statements that the LRS has not stored yet.

A station appends every statement here before sending it, so a statement is never only in
memory: when the LRS cannot be reached (or refuses) it stays queued, and a later send (the next
cmi5 launch of a station using the same queue, or ``wardtwin cmi5-send``) delivers it, once and in
the order it was made. The file is JSON lines, appended and flushed to disk (fsync) line by line:

- ``{"n": 7, "endpoint": URL, "auth": "Basic ...", "statement": {...}}``: statement number 7,
  with the LMS endpoint and the session's authorization (cmi5 auth token) to send it with;
- ``{"sent": [5, 6, 7]}``: those numbers are stored in the LRS.

Once every statement is sent the file is emptied. A last line cut short by a crash is ignored,
and cut off by the next append (a statement is sent only after its line is whole on disk; a
``sent`` line cut short means those statements go again, which their stable ids make harmless);
anything else that is not such a line is an error naming the file and line, never skipped. The
file is read whole and must stay under :data:`MAX_BYTES`; it is created readable by its owner
only (it holds session tokens). Writers take an exclusive lock (``flock``) on it, so a station
and ``cmi5-send`` never interleave.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from wardtwin.errors import OutputPathError, UsageError

#: Largest queue file read (bytes): about 30,000 statements.
MAX_BYTES = 64 << 20
_FLAGS = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Queued:
    """One queued statement: its number, where it goes and with which authorization."""

    n: int
    endpoint: str
    auth: str | None
    statement: dict


def queue_path(db: str, given: str | None = None) -> Path:
    """Where the queue of a session store lives: ``given``, else ``<db>.cmi5-queue`` beside a
    SQLite store, else ``wardtwin.cmi5-queue`` in the working folder (a PostgreSQL store)."""
    if given:
        return Path(given)
    if "://" in db and not db.startswith("sqlite:"):
        return Path("wardtwin.cmi5-queue")
    path = db[len("sqlite:///"):] if db.startswith("sqlite:///") else db
    return Path(path + ".cmi5-queue")


class Outbox:
    """The queue file at ``path`` (see the module docstring). Use as a context manager, or
    call :meth:`close`."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._tlock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, _FLAGS, 0o600)
        except OSError as exc:
            raise OutputPathError(f"{self.path}: cannot open the cmi5 statement queue ({exc.strerror or exc}; a "
                                  "regular file expected)") from None
        if not stat.S_ISREG(os.fstat(self._fd).st_mode):
            os.close(self._fd)
            raise OutputPathError(f"{self.path}: the cmi5 statement queue must be a regular file")
        try:  # it holds session tokens: its owner's alone, however it was made
            os.fchmod(self._fd, 0o600)
        except OSError:
            pass

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def locked(self):
        """Hold the queue's exclusive lock: other processes (``flock``) and other threads of
        this one (a station's sender) wait."""
        import fcntl

        with self._tlock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _read(self) -> bytes:
        size = os.fstat(self._fd).st_size
        if size > MAX_BYTES:
            raise UsageError(f"{self.path}: the cmi5 statement queue is over {MAX_BYTES >> 20} MiB; send it "
                             "(`wardtwin cmi5-send`) before more sessions are queued")
        return os.pread(self._fd, size, 0)

    def _parse(self, blob: bytes) -> tuple[list[Queued], set[int], int]:
        """``(added, sent numbers, next number)``."""
        added, sent, top = [], set(), 0
        lines = blob.split(b"\n")
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except ValueError:
                if i == len(lines) - 1:  # the last line, cut short by a crash: never handed on
                    break
                raise UsageError(f"{self.path}:{i + 1}: not a line of a cmi5 statement queue") from None
            if isinstance(d, dict) and isinstance(d.get("sent"), list):
                sent.update(n for n in d["sent"] if isinstance(n, int))
            elif (isinstance(d, dict) and isinstance(d.get("n"), int) and isinstance(d.get("endpoint"), str)
                  and isinstance(d.get("statement"), dict) and isinstance(d.get("auth"), (str, type(None)))):
                added.append(Queued(d["n"], d["endpoint"], d["auth"], d["statement"]))
                top = max(top, d["n"])
            else:
                raise UsageError(f"{self.path}:{i + 1}: not a line of a cmi5 statement queue")
        return added, sent, top + 1

    def _append(self, lines: list[dict]) -> None:
        blob = self._read()
        data = b"".join(json.dumps(d, separators=(",", ":")).encode("utf-8") + b"\n" for d in lines)
        if blob and not blob.endswith(b"\n"):  # a line cut short by a crash: never handed on, dropped
            blob = blob[:blob.rfind(b"\n") + 1]
            os.ftruncate(self._fd, len(blob))
        if len(blob) + len(data) > MAX_BYTES:
            raise UsageError(f"{self.path}: the cmi5 statement queue would grow over {MAX_BYTES >> 20} MiB; send it "
                             "(`wardtwin cmi5-send`) first")
        try:
            os.write(self._fd, data)
            os.fsync(self._fd)
        except OSError as exc:
            raise OutputPathError(f"{self.path}: cannot write the cmi5 statement queue ({exc.strerror or exc})") from None

    def add(self, statements: list[dict], endpoint: str, auth: str | None) -> list[int]:
        """Queue ``statements`` (in order); returns their numbers."""
        with self.locked():
            _, _, n = self._parse(self._read())
            nums = list(range(n, n + len(statements)))
            self._append([{"n": k, "endpoint": endpoint, "auth": auth, "statement": st}
                          for k, st in zip(nums, statements)])
            return nums

    def pending(self) -> list[Queued]:
        """The statements not sent yet, oldest first."""
        with self.locked():
            added, sent, _ = self._parse(self._read())
        return [q for q in added if q.n not in sent]

    def mark_sent(self, numbers) -> None:
        """Record that ``numbers`` are stored in the LRS; empties the file when nothing is left."""
        numbers = sorted(set(numbers))
        if not numbers:
            return
        with self.locked():
            self._append([{"sent": numbers}])
            added, sent, _ = self._parse(self._read())
            if all(q.n in sent for q in added):
                os.ftruncate(self._fd, 0)
                os.fsync(self._fd)
