"""Reading users' files: regular files only, never more than a size limit, never outside the
folder they must stay in.

Every file wardtwin reads on a user's behalf (ward files, tours, station scripts, model files,
the pseudonymisation key) goes through :func:`open_regular` or :func:`read_bounded`. Both
follow symlinks only to check where they lead, refuse anything but a regular file *before*
opening it (a named pipe would block, a device never ends), check the opened descriptor again
(the path may change in between), and say what was found. Problems raise
:class:`~wardtwin.errors.InputFileError`; its ``reason`` lets callers turn it into a finding.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from wardtwin.errors import InputFileError

_KINDS = (
    (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
)
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def kind_of(mode: int) -> str:
    """What a ``st_mode`` is, in words ("a named pipe"); "a regular file" for one."""
    return next((what for test, what in _KINDS if test(mode)), "a regular file" if stat.S_ISREG(mode)
                else "not a regular file")


def size_text(n: int) -> str:
    """``n`` bytes in words: "3.2 GiB", "8 MiB" (a whole number shown whole), "300 bytes"."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n // scale} {unit}" if n % scale == 0 else f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _refused(name: str, exc: OSError) -> InputFileError:
    """The :class:`InputFileError` for an ``OSError`` met while finding or opening a file."""
    if exc.errno == errno.ELOOP:
        return InputFileError(name, "not-a-file", "is a symlink loop, not a regular file")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return InputFileError(name, "missing", "not found")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return InputFileError(name, "unreadable", "is unreadable (permission denied)")
    return InputFileError(name, "unreadable", f"is unreadable ({exc.strerror or exc})")


def inside(path: Path, root: Path) -> bool:
    """True when ``path`` (already resolved) is ``root`` (resolved here) or below it."""
    return Path(path).is_relative_to(Path(os.path.realpath(root)))


def resolve(path: str | os.PathLike[str], name: str | None = None, within: str | os.PathLike[str] | None = None) -> Path:
    """``path`` with every symlink followed; raises :class:`InputFileError` when it is missing,
    a symlink loop, unreachable, or (given ``within``) leads outside that folder."""
    name = str(path) if name is None else name
    try:
        real = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        raise _refused(name, exc) from None
    if within is not None and not inside(real, Path(within)):
        raise InputFileError(name, "outside", f"leads outside its folder {within} (it is a link to a file "
                                              "elsewhere); files must be inside the folder")
    return real


def open_regular(path: str | os.PathLike[str], limit: int | None = None, *, name: str | None = None,
                 within: str | os.PathLike[str] | None = None) -> BinaryIO:
    """The regular file at ``path`` opened for reading in binary (the caller closes it).

    ``limit``: largest size accepted, bytes; ``name``: the file's name in messages (default
    ``path``); ``within``: a folder the file must resolve into. Raises
    :class:`~wardtwin.errors.InputFileError` for anything else; never blocks on a pipe."""
    name = str(path) if name is None else name
    real = resolve(path, name, within)
    try:
        found = os.stat(real)
    except OSError as exc:
        raise _refused(name, exc) from None
    _need_regular(name, found.st_mode, found.st_size, limit)  # before opening: a device is never opened
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        raise _refused(name, exc) from None
    try:
        st = os.fstat(fd)
        _need_regular(name, st.st_mode, st.st_size, limit)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _need_regular(name: str, mode: int, size: int, limit: int | None) -> None:
    if not stat.S_ISREG(mode):
        raise InputFileError(name, "not-a-file", f"is {kind_of(mode)}, not a regular file")
    if limit is not None and size > limit:
        raise InputFileError(name, "too-large", f"is {size_text(size)}, over the limit of {size_text(limit)}")


def read_bounded(path: str | os.PathLike[str], limit: int, *, name: str | None = None,
                 within: str | os.PathLike[str] | None = None) -> bytes:
    """The whole content of the regular file at ``path``, at most ``limit`` bytes (reads at
    most ``limit`` + 1: a file that grew past the limit is refused too). See :func:`open_regular`."""
    name = str(path) if name is None else name
    with open_regular(path, limit, name=name, within=within) as fh:
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise _refused(name, exc) from None
    if len(data) > limit:
        raise InputFileError(name, "too-large", f"grew past the limit of {size_text(limit)} while being read")
    return data


def read_at(fh: BinaryIO, offset: int, size: int) -> bytes:
    """Exactly ``size`` bytes at ``offset`` of an open file, or fewer at its end."""
    fh.seek(offset)
    return fh.read(size)
