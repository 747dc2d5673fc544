"""Errors of the session store. Every message names the database (file or URL, password hidden)
and says what to do."""

from __future__ import annotations

from wardtwin.errors import WardtwinError


class StoreError(WardtwinError):
    """A session database cannot be used as asked."""


class StoreUnavailableError(StoreError):
    """The database cannot be opened or reached (missing file, no server, bad credentials)."""


class StoreLockedError(StoreError):
    """Another process holds a lock on the database for longer than the timeout."""


class StoreCorruptError(StoreError):
    """The file is not a SQLite database, or it is damaged."""


class NotAStoreError(StoreError):
    """The file is a SQLite database (or an empty file) but not a wardtwin session store: it is
    refused, never given wardtwin's tables."""


class StoreReadOnlyError(StoreError):
    """A write was asked of a database opened (or mounted, or granted) read-only."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer wardtwin (its schema version is higher than ours)."""


class SessionConflictError(StoreError):
    """A session id is already in the store with other content (another trainee, start time or
    events): nothing of the new session is written."""
