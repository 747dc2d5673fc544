"""Copying sessions and events from one store to another without duplicates (``wardtwin sync``).

Incremental: the target is asked, for the source's sessions, how many events it holds and the
highest seq. When a session's events in the target are exactly seqs ``0..m`` (the normal case:
a station writes them in order and every sync copies a prefix), only the source's events with
seq above ``m`` are read and sent, and a session the target already holds whole costs nothing
but that question. A session whose events in the target have a gap (a copy interrupted by
hand, rows deleted) is sent whole, and the ids the target has are skipped. Event ids come from
session and seq, so repeating a sync, or two syncs at once, never makes a duplicate.

A session is one session everywhere: when the target holds a session of the same id with other
content (another trainee, ward or start: any column of its ``sessions`` row; or an event at
the same seq with another type, time, step or data) it is a conflict. Nothing of that session
is copied, the other sessions are, and :attr:`SyncResult.conflicts` says what differs (the
command exits 2). Cheaply: the session rows are compared, and of the events both hold the
first and the last (seq 0 and the highest both hold; every one when the target has a gap),
which is where two different sessions of one id differ. Identical content is no conflict, so
repeating a sync stays idempotent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence, TypeVar

from wardtwin.events import event_id
from wardtwin.store.db import (
    EVENT_COLUMNS, SESSION_COLUMNS, Store, describe_session_difference, event_content, session_differences,
)

_IN_CHUNK = 500  # ids per IN (...) list
_T = TypeVar("_T")


@dataclass(frozen=True)
class SyncResult:
    sessions_seen: int
    events_seen: int  #: events in the source
    sessions_new: int
    events_new: int
    abandoned: int  #: sessions whose last event is not ``session_ended`` (in the source)
    events_sent: int = 0  #: events read from the source and offered to the target
    sessions_current: int = 0  #: sessions the target already held whole (nothing read for them)
    #: ``(session, what differs)`` of each session the target holds with other content (not copied)
    conflicts: tuple[tuple[str, str], ...] = ()


def _chunks(items: Sequence[_T], size: int = _IN_CHUNK) -> Iterable[Sequence[_T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _event_extent(store: Store, sessions: Sequence[str] | None = None) -> dict[str, tuple[int, int]]:
    """``{session: (number of events, highest seq)}``, for ``sessions`` or every session."""
    if sessions is None:
        q = "SELECT session, COUNT(*), MAX(seq) FROM events GROUP BY session"
        return {r[0]: (int(r[1]), int(r[2])) for r in store.execute(q).fetchall()}
    out: dict[str, tuple[int, int]] = {}
    for part in _chunks(list(sessions)):
        marks = ", ".join("?" for _ in part)
        q = f"SELECT session, COUNT(*), MAX(seq) FROM events WHERE session IN ({marks}) GROUP BY session"
        out.update({r[0]: (int(r[1]), int(r[2])) for r in store.execute(q, tuple(part)).fetchall()})
    return out


def _present_sessions(store: Store, ids: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for part in _chunks(list(ids)):
        marks = ", ".join("?" for _ in part)
        out.update(r[0] for r in store.execute(f"SELECT id FROM sessions WHERE id IN ({marks})", tuple(part)).fetchall())
    return out


def _session_rows(store: Store, ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for part in _chunks(list(ids)):
        marks = ", ".join("?" for _ in part)
        q = f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions WHERE id IN ({marks})"
        out.update({r[0]: tuple(r) for r in store.execute(q, tuple(part)).fetchall()})
    return out


def _event_contents(store: Store, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], tuple[Any, ...]]:
    """``{(session, seq): event_content}`` of the events at ``keys`` that ``store`` holds (by id)."""
    ids = {event_id(sid, seq): (sid, seq) for sid, seq in keys}
    out: dict[tuple[str, int], tuple[Any, ...]] = {}
    for part in _chunks(sorted(ids)):
        marks = ", ".join("?" for _ in part)
        q = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE id IN ({marks})"
        out.update({(r[1], int(r[2])): event_content(r) for r in store.execute(q, tuple(part)).fetchall()})
    return out


def _probe_seqs(dst: Store, sid: str, src_max: int, dst_ext: tuple[int, int]) -> list[int]:
    """The seqs of ``sid`` compared between the stores: the first and the last both may hold,
    or every one the target holds when it has a gap."""
    n_dst, m_dst = dst_ext
    if n_dst != m_dst + 1:
        return [int(r[0]) for r in dst.execute("SELECT seq FROM events WHERE session = ?", (sid,)).fetchall()]
    return sorted({0, min(m_dst, src_max)})


def find_conflicts(src: Store, dst: Store, src_ids: Sequence[str], src_ext: dict[str, tuple[int, int]],
                   dst_ext: dict[str, tuple[int, int]]) -> dict[str, str]:
    """``{session: what differs}`` for the sessions ``dst`` holds with other content than ``src``
    (see the module docstring for what is compared)."""
    out: dict[str, str] = {}
    common = sorted(set(src_ids) & set(_present_sessions(dst, src_ids)))
    if common:
        mine, theirs = _session_rows(src, common), _session_rows(dst, common)
        for sid in common:
            if session_differences(theirs[sid], mine[sid]):
                out[sid] = describe_session_difference(theirs[sid], mine[sid])
    keys = [(sid, q) for sid in sorted(set(src_ext) & set(dst_ext)) if sid not in out
            for q in _probe_seqs(dst, sid, src_ext[sid][1], dst_ext[sid])]
    a, b = _event_contents(src, keys), _event_contents(dst, keys)
    for key in keys:
        if key[0] not in out and key in a and key in b and a[key] != b[key]:
            out[key[0]] = (f"event {key[1]} is a {b[key][0]} at t={b[key][1]:g} s there, a {a[key][0]} at "
                           f"t={a[key][1]:g} s here" if a[key][:2] != b[key][:2] else f"event {key[1]} differs")
    return out


def sync(src: Store, dst: Store, *, batch: int = 5000) -> SyncResult:
    """Copy what ``dst`` lacks of ``src``'s sessions and events in ONE transaction of ``dst``
    (all or nothing), except sessions ``dst`` holds with other content (:attr:`SyncResult.conflicts`);
    see the module docstring for how little is read and sent."""
    src_ext = _event_extent(src)
    src_ids = [r[0] for r in src.execute("SELECT id FROM sessions ORDER BY id").fetchall()]
    dst_ext = _event_extent(dst, sorted(set(src_ids) | set(src_ext)))
    conflicts = find_conflicts(src, dst, src_ids, src_ext, dst_ext)
    missing = sorted(set(src_ids) - _present_sessions(dst, src_ids) - set(conflicts))
    plan: list[tuple[str, int]] = []  # (session, copy events with seq above this)
    current = 0
    for sid in sorted(set(src_ext) - set(conflicts)):
        n_dst, m_dst = dst_ext.get(sid, (0, -1))
        above = m_dst if n_dst == m_dst + 1 else -1  # a prefix 0..m without gap, else everything
        if above >= src_ext[sid][1]:
            current += 1
            continue
        plan.append((sid, above))
    n_s = n_e = sent = 0
    with dst.transaction():
        with dst.translated():  # a source's StoreError passes through as it is
            for part in _chunks(missing):
                marks = ", ".join("?" for _ in part)
                rows = src.execute(f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions WHERE id IN ({marks}) "
                                   "ORDER BY id", tuple(part)).fetchall()
                n_s += dst.dialect.insert_many(dst, "sessions", SESSION_COLUMNS, [tuple(r) for r in rows])
            chunk: list[tuple[Any, ...]] = []
            for sid, above in plan:
                chunk.extend(tuple(r) for r in src.execute(
                    f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE session = ? AND seq > ? ORDER BY seq",
                    (sid, above)).fetchall())
                if len(chunk) >= batch:
                    n_e += dst.dialect.insert_many(dst, "events", EVENT_COLUMNS, chunk)
                    sent += len(chunk)
                    chunk = []
            if chunk:
                n_e += dst.dialect.insert_many(dst, "events", EVENT_COLUMNS, chunk)
                sent += len(chunk)
            _copy_version_tables(src, dst)
            dst.refresh_results([*missing, *(sid for sid, _ in plan)])
    return SyncResult(len(src_ids), sum(n for n, _ in src_ext.values()), n_s, n_e, src.counts().abandoned,
                      sent, current, tuple(sorted(conflicts.items())))


#: The tables of ward versions, their changes and refresher tours (small; copied whole, idempotently).
_VERSION_TABLES = {
    "ward_versions": ("ward", "version", "first_seen"),
    "ward_changes": ("ward", "from_version", "to_version", "change", "seq", "matters", "summary"),
    "refresher_tours": ("tour_version", "tour", "ward", "from_version", "to_version", "written_at"),
}


def _copy_version_tables(src: Store, dst: Store) -> None:
    """What the destination lacks of the source's version tables (a source of an older schema,
    read as it is, has none), so ``report --due`` works on the central store too."""
    from wardtwin.store.versions import VERSIONS_SCHEMA

    if src.schema_version < VERSIONS_SCHEMA:
        return
    for table, columns in _VERSION_TABLES.items():
        rows = [tuple(r) for r in src.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()]
        dst.dialect.insert_many(dst, table, columns, rows)


def sync_urls(src_url: str | os.PathLike[str], dst_url: str | os.PathLike[str], *,
              batch: int = 5000) -> tuple[SyncResult, str, str]:
    """``(result, source, destination)`` (the two as shown in messages) of :func:`sync` from
    the store at ``src_url`` (an existing wardtwin store, checked and refused when damaged or
    foreign before anything else) into ``dst_url`` (created when new). A destination file
    this call created is removed again when the sync fails: nothing is left behind."""
    from wardtwin.store.db import open_store

    with open_store(src_url, create=False) as src:
        made = _new_sqlite_file(dst_url)
        try:
            with open_store(dst_url) as dst:
                return sync(src, dst, batch=batch), src.url, dst.url
        except BaseException:
            if made is not None:
                _remove_store_files(made)
            raise


def _new_sqlite_file(url: str | os.PathLike[str]) -> Path | None:
    """The SQLite file ``url`` names when nothing is there yet (this call will create it), else None."""
    from wardtwin.store.dialect import dialect_of

    dialect, target, _ = dialect_of(url)
    if not dialect.file_backed or target == ":memory:":
        return None
    path = Path(target)
    return None if os.path.lexists(path) else path


def _remove_store_files(path: Path) -> None:
    """A new SQLite file and what SQLite made beside it (``-wal``, ``-shm``, ``-journal``, an
    empty journal folder)."""
    for p in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        p.unlink(missing_ok=True)
    try:
        path.with_name(path.name + ".pending").rmdir()
    except OSError:
        pass
