"""Per-session journals: how a station's events reach a SQLite store cheaply and crash-safely.

A :class:`~wardtwin.store.writer.SessionWriter` on a SQLite file ``X.db`` appends every event
of its session to ``X.db.pending/<name>.jsonl`` (one ``os.write`` of one line, ``O_APPEND``)
and folds the journal into the database in one transaction every ``batch`` events, on
:meth:`~wardtwin.store.writer.SessionWriter.flush` and on close; after each fold the journal is
cut back to its header line, and on close it is deleted.

The file:

- line 1, the header: ``{"session":"<id>","wardtwin_journal":1}``;
- then one line per event: ``[seq, type, t, step, data]`` (``data`` a JSON object), with a 6th
  item, the wall-clock start (UTC ISO 8601), on the ``session_started`` line.

A writer holds an exclusive ``flock`` on its journal for as long as it is open; the kernel
drops the lock when the process dies, however it dies. So a journal that can be locked is
the leftover of a writer that crashed (or was never closed): :func:`recover` (run by every
writable :func:`~wardtwin.store.db.open_store`) folds such journals into the database and
deletes them; journals of live writers are left alone. Only the lock holder truncates or
deletes a journal, and a writer checks after locking that the path still names the file it
locked, so a recovery can never delete a journal that a new writer has started.

Reports open stores read-only and cannot fold; :func:`read_pending` gives them the events that
are still only in journals (of crashed or still running stations) to merge in memory.

Without ``fcntl`` (Windows) or for an in-memory database there are no journals: the writer
commits every event (see :mod:`wardtwin.store.writer`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wardtwin.events import EVENT_NAMESPACE, EventType
from wardtwin.store.errors import StoreCorruptError, StoreError, StoreLockedError, StoreReadOnlyError

if TYPE_CHECKING:
    from wardtwin.store.db import Store

try:
    import fcntl
    _HAS_FCNTL = True
except ImportError:  # pragma: no cover - Windows: no journals
    _HAS_FCNTL = False

JOURNAL_SUFFIX = ".pending"
JOURNAL_FORMAT = 1
_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
#: Never follow a link, never block (a named pipe), never become a terminal's controller.
_NO_SURPRISES = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | _CLOEXEC
#: The largest journal read (bytes). A writer folds its journal every batch of events, so a
#: journal holds a few hundred events (a crashed writer's, at most one session's): far below this.
JOURNAL_LIMIT = 64 << 20


def journal_dir(store: Store) -> Path | None:
    """The journal folder of a SQLite file store (``<db>.pending``), or None when the store
    cannot have journals (PostgreSQL, an in-memory database, no ``fcntl``)."""
    path = store.path
    if not _HAS_FCNTL or not store.dialect.file_backed or path is None:
        return None
    return path.with_name(path.name + JOURNAL_SUFFIX)


def journal_name(session: str) -> str:
    """The file name of a session's journal: the id itself when it is a plain lower-case name,
    else a hash of it (the header line always holds the real id)."""
    if _SAFE_NAME.match(session):
        return session + ".jsonl"
    return "h-" + hashlib.sha256(session.encode("utf-8")).hexdigest()[:40] + ".jsonl"


class EventIds:
    """``ids(seq)`` == :func:`~wardtwin.events.event_id` ``(session, seq)``: the same uuid5,
    computed from a SHA-1 state that already holds the namespace and the session (a writer
    makes one id per event)."""

    def __init__(self, session: str):
        self._prefix = hashlib.sha1(EVENT_NAMESPACE.bytes + f"{session}:".encode("utf-8"))

    def __call__(self, seq: int) -> str:
        h = self._prefix.copy()
        h.update(str(int(seq)).encode("ascii"))
        b = bytearray(h.digest()[:16])
        b[6] = (b[6] & 0x0F) | 0x50  # version 5
        b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
        x = b.hex()
        return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def _header(session: str) -> bytes:
    return (json.dumps({"session": session, "wardtwin_journal": JOURNAL_FORMAT}, sort_keys=True,
                       separators=(",", ":")) + "\n").encode("utf-8")


def _number(x: float) -> str:
    r = repr(float(x))
    return r if r[-1].isdigit() else json.dumps(float(x))  # inf / nan: the spellings json reads back


def encode_line(seq: int, type_: str, t: float, step: int | None, data_json: str,
                started_at: str | None = None) -> bytes:
    """One journal line. ``type_`` is a known event type (a plain identifier, checked by
    :class:`~wardtwin.events.Event`); ``data_json`` is the event's data as the store keeps
    it (sorted JSON)."""
    tail = "]\n" if started_at is None else "," + json.dumps(started_at) + "]\n"
    return (f'[{int(seq)},"{type_}",{_number(t)},{"null" if step is None else int(step)},'
            f"{data_json}{tail}").encode("utf-8")


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


def _open_journal(path: Path, flags: int, where: str) -> int | None:
    """A descriptor of the journal at ``path`` opened with ``flags``, or None when it is gone.
    Only a regular file is used: a symbolic link, named pipe, device or folder there raises
    :class:`StoreCorruptError` naming it (it is never opened through a link, nor blocked on)."""
    try:
        fd = os.open(path, flags | _NO_SURPRISES)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW on a link
            raise _not_a_journal(path, "a symbolic link") from None
        if exc.errno in (errno.ENXIO, errno.EISDIR):
            raise _not_a_journal(path, "not a regular file") from None
        raise StoreReadOnlyError(f"{where}: cannot open the station journal {path} ({exc.strerror}); make the "
                                 "database's folder readable and writable") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_a_journal(path, "not a regular file (a device, named pipe or folder)")
        if st.st_size > JOURNAL_LIMIT:
            raise _not_a_journal(path, f"{st.st_size} bytes, over the {JOURNAL_LIMIT >> 20} MiB a journal can hold")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _not_a_journal(path: Path, what: str) -> StoreCorruptError:
    return StoreCorruptError(f"{path}: not a station journal ({what}); wardtwin reads only regular files there. "
                             "Move it out of the folder")


def _read_all(fd: int) -> bytes:
    size = min(os.fstat(fd).st_size, JOURNAL_LIMIT)
    chunks, offset = [], 0
    while offset < size:
        b = os.pread(fd, size - offset, offset)
        if not b:
            break
        chunks.append(b)
        offset += len(b)
    return b"".join(chunks)


def parse(blob: bytes, where: str, *, strict: bool = True) -> tuple[str | None, list[list[Any]]]:
    """``(session, events)`` of a journal's bytes; each event ``[seq, type, t, step, data(, started_at)]``.

    A last line without its newline is the event whose write was cut short: dropped. Zero bytes
    at the end (a file extended but not written before a power cut) are ignored. Any other
    line that is not an event raises :class:`StoreCorruptError` (``strict``) or is skipped."""
    from wardtwin.store.db import event_problem

    text = blob.rstrip(b"\0").decode("utf-8", "replace")
    lines = text.split("\n")
    if not text.endswith("\n"):
        lines = lines[:-1]  # the event in flight (or an empty file)
    session = None
    events: list[list[Any]] = []
    for i, line in enumerate(lines):
        if not line:
            continue
        try:
            item = json.loads(line)
            if i == 0:
                if not isinstance(item, dict) or item.get("wardtwin_journal") != JOURNAL_FORMAT:
                    raise ValueError("not a wardtwin journal header")
                session = str(item["session"])
                continue
            if not (isinstance(item, list) and 5 <= len(item) <= 6 and isinstance(item[4], dict)):
                raise ValueError("not an event line")
            why = event_problem(*item[:4])
            if why:
                raise ValueError(f"an event line whose {why}")
        except (ValueError, KeyError, TypeError) as exc:
            if not strict:
                if i == 0:
                    return None, []
                continue
            raise StoreCorruptError(
                f"{where}:{i + 1}: damaged station journal ({exc}); move the file out of the folder to "
                "open the database (the events in it are not in the database yet)") from None
        events.append(item)
    return session, events


def journal_rows(session: str, events: list[list[Any]]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """``sessions`` and ``events`` rows (as :meth:`Store.write_rows` takes them) of journal events."""
    from wardtwin.store.db import _json, session_row
    from wardtwin.events import Event

    s_rows: list[tuple[Any, ...]] = []
    e_rows: list[tuple[Any, ...]] = []
    ids = EventIds(session)
    for item in events:
        seq, type_, t, step, data = item[:5]
        if type_ == EventType.SESSION_STARTED:
            ev = Event(session, seq, type_, float(t), step, data)
            s_rows.append(session_row(ev, item[5] if len(item) > 5 else None))
        e_rows.append((ids(seq), session, seq, type_, float(t), step, _json(data)))
    return s_rows, e_rows


class Journal:
    """An open, locked journal of one session (see the module docstring). Use :meth:`open`."""

    def __init__(self, path: Path, fd: int, session: str, header_len: int, fsync: bool):
        self.path, self.fd, self.session, self.header_len, self.fsync = path, fd, session, header_len, fsync

    @classmethod
    def open(cls, folder: Path, session: str, *, timeout: float, fsync: bool = False,
             shown: str = "") -> "Journal":
        """Create (or take over) the journal of ``session`` in ``folder`` and lock it. Another
        live writer of the same session makes this wait up to ``timeout`` s, then
        :class:`StoreLockedError`."""
        where = shown or str(folder)
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreReadOnlyError(f"{where}: cannot create the station journal folder {folder} "
                                     f"({exc.strerror}); make the database's folder writable") from None
        path = folder / journal_name(session)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | _NO_SURPRISES, 0o644)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
                    raise _not_a_journal(path, "a symbolic link, or not a regular file") from None
                raise StoreReadOnlyError(f"{where}: cannot write the station journal {path} ({exc.strerror}); "
                                         "make the database's folder writable") from None
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise _not_a_journal(path, "not a regular file (a device, named pipe or folder)")
            os.set_blocking(fd, True)
            try:
                if _try_lock(fd):
                    if _same_file(fd, path):  # not deleted by a recovery between open and lock
                        break
                elif time.monotonic() > deadline:
                    raise StoreLockedError(f"{where}: session {session!r} is being written by another process "
                                           f"(its journal {path} is locked); one writer per session")
                else:
                    time.sleep(0.02)
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        try:
            blob = _read_all(fd)
            header = _header(session)
            if header.startswith(blob):  # new (or its header was cut short: nothing follows it)
                if blob:
                    os.ftruncate(fd, 0)
                os.write(fd, header)
                if fsync:
                    os.fsync(fd)
                    _fsync_dir(folder)
            elif not blob.startswith(header):
                found, _ = parse(blob, str(path), strict=False)
                raise StoreCorruptError(
                    f"{path}: " + (f"the journal of session {found!r}, not {session!r}" if found is not None
                                   else "not a station journal") + "; move the file out of the folder")
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd, session, len(header), fsync)

    def leftover(self) -> list[list[Any]]:
        """Events a previous writer of this session left in the journal (it crashed)."""
        blob = _read_all(self.fd)
        if len(blob) <= self.header_len:
            return []
        session, events = parse(blob, str(self.path))
        if session is None:  # a header cut short: nothing after it can be an event
            return []
        return events

    def append(self, line: bytes) -> None:
        """One event line, written with one ``write`` (and ``fsync`` when asked)."""
        done = 0
        try:
            done = os.write(self.fd, line)
            while done < len(line):  # only when the disk is full: finish the line or take it back
                done += os.write(self.fd, line[done:])
            if self.fsync:
                os.fsync(self.fd)
        except OSError as exc:
            if 0 < done < len(line):
                os.ftruncate(self.fd, os.fstat(self.fd).st_size - done)
            raise StoreError(f"{self.path}: cannot append to the station journal ({exc.strerror}); "
                             "free some disk space") from None

    def reset(self) -> None:
        """Cut the journal back to its header (its events are in the database now)."""
        os.ftruncate(self.fd, self.header_len)

    def remove(self) -> None:
        """Delete the journal and release it (every event is in the database)."""
        if self.fd < 0:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            self.release()

    def release(self) -> None:
        """Close and unlock, keeping the file (its events are folded by the next recovery)."""
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)

    def __del__(self) -> None:  # a writer dropped without close(): let a recovery take its journal
        try:
            self.release()
        except Exception:
            pass


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | _CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def recover(store: Store) -> tuple[int, int]:
    """Fold the journals of crashed writers into ``store`` (each in one transaction) and delete
    them; journals of live writers are skipped. Returns ``(journals, events new)``.

    A database locked for longer than its timeout leaves the journals in place for the next
    recovery (they are not lost, and reports read them); other errors are raised."""
    folder = journal_dir(store)
    if folder is None or store.read_only or not folder.is_dir():
        return 0, 0
    n_j = n_e = 0
    for path in sorted(folder.glob("*.jsonl")):
        fd = _open_journal(path, os.O_RDWR, store.url)
        if fd is None:
            continue
        try:
            if not _try_lock(fd) or not _same_file(fd, path):
                continue  # a live writer's, or already recovered by another process
            session, events = parse(_read_all(fd), str(path))
            if session is not None and events:
                s_rows, e_rows = journal_rows(session, events)
                try:
                    n_e += store.write_rows(s_rows, e_rows)[1]
                except StoreLockedError:
                    return n_j, n_e
            path.unlink(missing_ok=True)
            n_j += 1
        finally:
            os.close(fd)
    return n_j, n_e


def read_pending(store: Store) -> dict[str, tuple[list[Any] | None, list[list[Any]]]]:
    """Events still only in journals, without locking or writing anything (for read-only
    readers): ``{session: (its session_started line or None, event lines)}``. Lines a live writer is
    writing at this moment may be missing. A journal that is not a regular file (a symbolic
    link, a device), is over :data:`JOURNAL_LIMIT`, or holds a damaged line raises
    :class:`StoreCorruptError` naming it."""
    folder = journal_dir(store)
    out: dict[str, tuple[list[Any] | None, list[list[Any]]]] = {}
    if folder is None or not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.jsonl")):
        session, events = _read_journal(path, store.url)
        if session is None or not events:
            continue
        started = next((e for e in events if e[1] == EventType.SESSION_STARTED), None)
        prev = out.get(session)
        if prev is not None:  # two files for one session (never normally): merge
            events = prev[1] + events
            started = started or prev[0]
        out[session] = (started, events)
    return out


def _read_journal(path: Path, where: str) -> tuple[str | None, list[list[Any]]]:
    """``parse`` of one journal read whole (bounded, a regular file only), its session_started
    line checked; ``(None, [])`` when it is gone."""
    from wardtwin.errors import WardtwinError
    from wardtwin.store.db import session_problem

    fd = _open_journal(path, os.O_RDONLY, where)
    if fd is None:
        return None, []
    try:
        blob = _read_all(fd)
    except OSError as exc:
        raise StoreError(f"{where}: cannot read the station journal {path} ({exc.strerror})") from None
    finally:
        os.close(fd)
    session, events = parse(blob, str(path))
    for item in events:
        if item[1] == EventType.SESSION_STARTED:
            try:  # no header line (the first line empty): the line belongs to no session
                why = ("the journal has no session header line" if session is None
                       else session_problem(journal_rows(session, [item])[0][0]))
            except (WardtwinError, KeyError, TypeError, ValueError) as exc:
                why = str(exc)
            if why:
                raise StoreCorruptError(f"{path}: damaged station journal (its session_started line: {why}); move "
                                        "the file out of the folder") from None
    return session, events
