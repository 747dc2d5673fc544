"""What the store keeps about ward versions (schema version 3): the version ids it has seen,
the changes recorded between two versions (one line each, never the layout files), and which
tour versions are refreshers from one ward version to another. Portable SQL (SQLite and
PostgreSQL); every write is ``INSERT ... ON CONFLICT DO NOTHING`` and idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from wardtwin.store.db import Store, utc_now

#: The schema version that added the ward_versions, ward_changes and refresher_tours tables.
VERSIONS_SCHEMA = 3


@dataclass(frozen=True)
class ChangeRecord:
    """One recorded change between two versions of a ward (``change``: its stable key)."""

    ward: str
    from_version: str
    to_version: str
    change: str
    seq: int
    matters: bool
    summary: str


@dataclass(frozen=True)
class RefresherRecord:
    """A refresher tour (by its tour version, as sessions record it) and the versions it bridges."""

    tour_version: str
    tour: str
    ward: str
    from_version: str
    to_version: str


@dataclass(frozen=True)
class VersionRegistry:
    """Versions seen per ward (``(ward, version, first_seen)``, oldest first; sessions' versions
    included), the changes recorded between versions, and the refresher tours."""

    versions: tuple[tuple[str, str, str], ...]
    changes: tuple[ChangeRecord, ...]
    refreshers: tuple[RefresherRecord, ...]

    def latest(self, ward: str) -> str | None:
        """The version of ``ward`` seen last (by first sighting), None when none was."""
        seen = [v for v in self.versions if v[0] == ward]
        return seen[-1][1] if seen else None


def record_versions(store: Store, ward: str, versions: Sequence[str]) -> None:
    """Remember that these versions of ``ward`` exist (first sighting: now)."""
    now = utc_now()
    with store.transaction():
        for v in versions:
            store.execute("INSERT INTO ward_versions (ward, version, first_seen) VALUES (?, ?, ?) "
                          "ON CONFLICT DO NOTHING", (ward, v, now))


def record_changes(store: Store, ward: str, from_version: str, to_version: str,
                   changes: Sequence[tuple[str, bool, str]]) -> None:
    """Record the changes ``(key, matters, summary)`` from one version of ``ward`` to another
    (and both versions as seen)."""
    record_versions(store, ward, [from_version, to_version])
    with store.transaction():
        for seq, (key, matters, summary) in enumerate(changes):
            store.execute("INSERT INTO ward_changes (ward, from_version, to_version, change, seq, matters, summary) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          (ward, from_version, to_version, key, seq, int(bool(matters)), summary))


def record_refresher(store: Store, tour_version: str, tour: str, ward: str, from_version: str,
                     to_version: str) -> None:
    """Record that tour version ``tour_version`` is a refresher of ``ward`` from one version to another."""
    with store.transaction():
        store.execute("INSERT INTO refresher_tours (tour_version, tour, ward, from_version, to_version, written_at) "
                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                      (tour_version, tour, ward, from_version, to_version, utc_now()))


def version_registry(store: Store, ward: str | None = None) -> VersionRegistry:
    """Everything the store knows about ward versions (of ``ward``, or of every ward). A store
    older than :data:`VERSIONS_SCHEMA` (read-only, not yet migrated) knows only its sessions'."""
    cond, params = (" WHERE ward = ?", (ward,)) if ward else ("", ())
    seen: dict[tuple[str, str], str] = {}
    tables = store.schema_version >= VERSIONS_SCHEMA
    rows = store.execute(f"SELECT ward, version, first_seen FROM ward_versions{cond}", params).fetchall() if tables else []
    for w, v, first in rows:
        seen[(w, v)] = first
    q = f"SELECT ward, layout_hash, MIN(started_at) FROM sessions{cond} GROUP BY ward, layout_hash"
    for w, v, first in store.execute(q, params).fetchall():
        if (w, v) not in seen or first < seen[(w, v)]:
            seen[(w, v)] = first
    versions = tuple(sorted(((w, v, f) for (w, v), f in seen.items()), key=lambda r: (r[0], r[2], r[1])))
    if not tables:
        return VersionRegistry(versions, (), ())
    changes = tuple(ChangeRecord(r[0], r[1], r[2], r[3], int(r[4]), bool(r[5]), r[6]) for r in store.execute(
        "SELECT ward, from_version, to_version, change, seq, matters, summary FROM ward_changes"
        f"{cond} ORDER BY ward, from_version, to_version, seq", params).fetchall())
    refreshers = tuple(RefresherRecord(*r) for r in store.execute(
        f"SELECT tour_version, tour, ward, from_version, to_version FROM refresher_tours{cond} "
        "ORDER BY tour_version", params).fetchall())
    return VersionRegistry(versions, changes, refreshers)
