"""Writing output files so that a failure never leaves a partial file behind, and nothing but a
regular file is ever replaced.

Every output of wardtwin (reports, maps, models, pictures, event records) goes through
:func:`check_output_path` (a file) or :func:`ensure_output_dir` (a folder of files): a path
may be new or name a regular file; a device, named pipe, socket, folder or symbolic link there
is refused with :class:`~wardtwin.errors.OutputPathError`, never replaced or written through.
``-`` (:data:`STDOUT`) names standard output where a command allows it (:func:`write_output`).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from wardtwin.errors import OutputPathError

#: The output path that means standard output (where a command accepts it).
STDOUT = "-"

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"))


def is_stdout(path: object) -> bool:
    """True when ``path`` is ``-``: standard output."""
    return isinstance(path, str) and path == STDOUT


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _lstat(path: Path) -> os.stat_result | None:
    """``os.lstat`` of ``path``, None when nothing is there; other failures as OutputPathError."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise OutputPathError(f"{path}: not written: a folder in that path is a file") from None
    except OSError as exc:
        raise OutputPathError(f"{path}: not written: {exc.strerror}") from None


def _link_target(path: Path) -> str:
    """What a symbolic link points to, and what is there, for messages."""
    try:
        target = os.readlink(path)
    except OSError:
        return "a symbolic link"
    try:
        there = "a regular file" if os.path.isfile(path) else _kind(os.stat(path).st_mode)
    except OSError:
        there = "nothing"
    return f"a symbolic link to {target} ({there})"


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path when a file may be written there: nothing is there yet, or a regular
    file (replaced). Anything else (device, named pipe, socket, folder, symbolic link, even one
    to a regular file) raises :class:`OutputPathError` saying what is there."""
    path = Path(path)
    st = _lstat(path)
    if st is None or stat.S_ISREG(st.st_mode):
        return path
    if stat.S_ISLNK(st.st_mode):
        raise OutputPathError(f"{path}: not written: it is {_link_target(path)}; wardtwin replaces only regular "
                              "files, so give the real path or remove the link")
    hint = "; give a file path inside it" if stat.S_ISDIR(st.st_mode) else ""
    raise OutputPathError(f"{path}: not written: it is {_kind(st.st_mode)}, and wardtwin writes only to a regular "
                          f"file or a new path{hint}")


def check_output_dir(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path when it may be an output folder: nothing there yet, a folder, or a
    symbolic link to one (nothing in it is replaced but regular files). Anything else raises
    :class:`OutputPathError`."""
    path = Path(path)
    st = _lstat(path)
    if st is None or stat.S_ISDIR(st.st_mode) or (stat.S_ISLNK(st.st_mode) and os.path.isdir(path)):
        return path
    what = _link_target(path) if stat.S_ISLNK(st.st_mode) else (
        "a regular file" if stat.S_ISREG(st.st_mode) else _kind(st.st_mode))
    raise OutputPathError(f"{path}: not written: it is {what}, not a folder; give a folder path")


def ensure_output_dir(path: str | os.PathLike[str]) -> Path:
    """The output folder ``path`` (:func:`check_output_dir`), created with its parents when missing."""
    path = check_output_dir(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(f"{path}: cannot create the output folder ({exc.strerror or exc})") from None
    return path


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename; only
    a new path or a regular file is written (:func:`check_output_path`). Failures raise
    :class:`OutputPathError` and leave nothing behind."""
    path = check_output_path(path)
    ensure_output_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputPathError(f"{path}: not written: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file normal permissions
        check_output_path(path)  # again, just before the rename: nothing else appeared there meanwhile
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputPathError(f"{path}: not written: {exc.strerror or exc}") from None
        raise
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """:func:`write_bytes_atomic` for UTF-8 text."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_output(path: str | os.PathLike[str], data: bytes) -> str:
    """``data`` to standard output when ``path`` is ``-``, else :func:`write_bytes_atomic`;
    returns where it went (``-`` or the path), for messages."""
    if is_stdout(path):
        sys.stdout.flush()  # what was printed before goes first
        raw = getattr(sys.stdout, "buffer", None)
        if raw is None:  # a text-only stream (some embedders): the data is UTF-8 text
            sys.stdout.write(data.decode("utf-8"))
        else:
            raw.write(data)
        sys.stdout.flush()
        if raw is not None:
            raw.flush()
        return STDOUT
    return str(write_bytes_atomic(path, data))
