"""Stage 6: the session store (SQLite by default, PostgreSQL by URL). No Panda3D.

- :func:`open_store` / :class:`Store`: versioned schema with migrations, idempotent writes;
- :class:`SessionWriter`: a station's per-event writer (see its module for durability): on
  SQLite each event is appended to a per-session journal beside the database and folded into
  it in batches (:mod:`wardtwin.store.journal`);
- :func:`sync`: copy what another store lacks, without duplicates (``wardtwin sync``).
"""

from wardtwin.store.db import SCHEMA_VERSION, Store, StoreCounts, open_store
from wardtwin.store.errors import (
    NotAStoreError, SchemaTooNewError, StoreCorruptError, StoreError, StoreLockedError, StoreReadOnlyError,
    StoreUnavailableError,
)
from wardtwin.store.sync import SyncResult, sync
from wardtwin.store.writer import SessionWriter

__all__ = ["NotAStoreError", "SCHEMA_VERSION", "SchemaTooNewError", "SessionWriter", "Store", "StoreCorruptError",
           "StoreCounts", "StoreError", "StoreLockedError", "StoreReadOnlyError", "StoreUnavailableError", "SyncResult",
           "open_store", "sync"]
