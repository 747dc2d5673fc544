"""Stable pseudonyms for trainee ids: ``p-`` + the first 16 hex digits of HMAC-SHA256(key, id).

The key comes from ``--pseudonym-key-file FILE``, else the environment variable
``WARDTWIN_PSEUDONYM_KEY`` (the key itself), else ``WARDTWIN_PSEUDONYM_KEY_FILE`` (a file holding
it). Keep the key secret and the same across reports: the same key always gives the same
pseudonym, so reports can be joined without showing who is who; without the key a pseudonym
cannot be reversed or recomputed from a list of staff ids.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from wardtwin.errors import InputFileError, UsageError
from wardtwin.exchange.reading import read_bounded

MIN_KEY_BYTES = 16
#: Largest key file read, bytes (a key is a line of text).
MAX_KEY_FILE_BYTES = 4096


def load_key(key_file: str | os.PathLike[str] | None = None) -> bytes:
    """The pseudonymisation key (see the module docstring), or :class:`UsageError` saying how to set one."""
    if key_file is None and os.environ.get("WARDTWIN_PSEUDONYM_KEY"):
        key = os.environ["WARDTWIN_PSEUDONYM_KEY"].encode("utf-8")
        where = "WARDTWIN_PSEUDONYM_KEY"
    else:
        key_file = key_file or os.environ.get("WARDTWIN_PSEUDONYM_KEY_FILE")
        if not key_file:
            raise UsageError("--pseudonymise needs a secret key: set WARDTWIN_PSEUDONYM_KEY, or "
                             "WARDTWIN_PSEUDONYM_KEY_FILE / --pseudonym-key-file to a file holding it "
                             "(e.g. `head -c 32 /dev/urandom | base64 > key`)")
        try:
            key = read_bounded(key_file, MAX_KEY_FILE_BYTES).strip()
        except InputFileError as exc:
            raise UsageError(f"cannot read the pseudonymisation key: {exc}") from None
        where = str(key_file)
    if len(key) < MIN_KEY_BYTES:
        raise UsageError(f"{where}: the pseudonymisation key must be at least {MIN_KEY_BYTES} bytes")
    return key


class Pseudonymiser:
    """Callable: trainee id -> stable pseudonym."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[str, str] = {}

    def __call__(self, trainee: str) -> str:
        p = self._cache.get(trainee)
        if p is None:
            p = self._cache[trainee] = "p-" + hmac.new(self._key, trainee.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
        return p

    def session(self, session: str) -> str:
        """A session id's pseudonym (``ps-`` + 32 hex digits, keyed like trainee pseudonyms but
        in its own domain): pseudonymised xAPI statements carry it instead of the session id, and
        derive their statement ids and registrations from it, so that without the key they
        cannot be joined to the named export of the same sessions."""
        return "ps-" + hmac.new(self._key, b"session\0" + session.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
