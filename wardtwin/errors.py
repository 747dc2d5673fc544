"""The one exception hierarchy of wardtwin.

Problems in a user's files are not exceptions: they are :class:`~wardtwin.layout.findings.Finding`
values, collected and reported together. Exceptions are for calls that cannot go on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wardtwin.layout.findings import Finding


class WardtwinError(Exception):
    """Base class of every error wardtwin raises on purpose."""


class UsageError(WardtwinError):
    """A command or function was called with arguments that cannot work (exit code 2)."""


class OutputPathError(UsageError):
    """An output path cannot be written: something other than a regular file is there (a device,
    a named pipe, a folder, a symbolic link), or its folder cannot be written (exit code 2)."""


class InputFileError(UsageError):
    """A user's file cannot be read safely (exit code 2): missing, not a regular file (a folder,
    a named pipe, a device, a symlink loop), unreadable, over its size limit, or leading outside
    the folder it must stay in. ``reason``: one of ``missing``, ``not-a-file``, ``unreadable``,
    ``too-large``, ``outside``; ``detail``: what was found, without the file name."""

    def __init__(self, name: str, reason: str, detail: str):
        self.name, self.reason, self.detail = str(name), reason, detail
        super().__init__(f"{name}: {detail}")


class UnknownNameError(UsageError, KeyError):
    """A registry lookup by name failed; the message lists the valid names."""

    def __init__(self, what: str, name: str, valid: Iterable[str], total: int | None = None):
        """``valid``: the names to list; ``total``: how many valid names there are when
        ``valid`` lists only some (the closest ones)."""
        self.what, self.name, self.valid = what, name, sorted(valid)
        more = (total or 0) - len(self.valid)
        listed = f"valid: {', '.join(self.valid)}" if more <= 0 else (
            f"valid names include: {', '.join(self.valid)} (and {more} more)")
        super().__init__(f"unknown {what} {name!r}; {listed}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class InvalidLayoutError(WardtwinError):
    """A layout has findings of error severity, so it cannot be used.

    ``findings`` holds every finding, so callers can print them all.
    """

    def __init__(self, ward: str, findings: Iterable[Finding]):
        self.findings = list(findings)
        n = sum(1 for f in self.findings if f.severity.blocks)
        super().__init__(f"{ward}: {n} problem(s) make this layout unusable; run `wardtwin check {ward}`")
