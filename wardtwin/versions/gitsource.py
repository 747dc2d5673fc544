"""A ward as it was at a git revision: ``git:REV:path/to/ward``.

The ward's files are read with ``git`` in a subprocess (never a shell), each blob's output
bounded by the same size limit as a ward file on disk, into a temporary folder that is removed
when the ``with`` block ends. ``path`` is relative to the current directory, as ``git show
REV:./path`` reads it; it may not be absolute or climb out with ``..``. A revision or path
that does not exist is a :class:`~wardtwin.errors.UsageError` (exit 2).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterator

from wardtwin.errors import UsageError
from wardtwin.layout import vocab
from wardtwin.layout.yamlsafe import MAX_FILE_BYTES

PREFIX = "git:"
#: Seconds one git command may take.
TIMEOUT_S = 30.0
_REV = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/@{}~^+-]{0,199}$")


def is_git_spec(spec: str) -> bool:
    """True for ``git:REV:path`` (a ward version taken from git history)."""
    return isinstance(spec, str) and spec.startswith(PREFIX)


def parse_spec(spec: str) -> tuple[str, str]:
    """``(rev, path)`` of ``git:REV:path``; a UsageError when it is malformed or unsafe."""
    rest = spec[len(PREFIX):]
    rev, sep, path = rest.partition(":")
    if not sep or not rev or not path:
        raise UsageError(f"{spec!r}: git:REV:path/to/ward expected (e.g. git:HEAD~1:layouts/medsurg-28)")
    if not _REV.match(rev):
        raise UsageError(f"{spec!r}: {rev!r} is not a git revision (a branch, tag, commit or HEAD~N expected)")
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts:
        raise UsageError(f"{spec!r}: the path must be relative to the current folder and stay inside it")
    return rev, str(p)


def _git(args: list[str], limit: int = 1 << 20, cwd: str | None = None) -> tuple[int, bytes, str]:
    """``(exit status, stdout, stderr text)`` of ``git args``, stdout read up to ``limit`` + 1 bytes."""
    try:
        proc = subprocess.Popen(["git", "-c", "core.quotepath=off", *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    except FileNotFoundError:
        raise UsageError("git is not installed, so git:REV:path cannot be read") from None
    try:
        out = proc.stdout.read(limit + 1)
        if len(out) > limit:
            proc.kill()
        _, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise UsageError(f"git {args[0]} took longer than {TIMEOUT_S:g} s") from None
    finally:
        proc.stdout.close()
        proc.stderr.close()
    if len(out) > limit:
        return -1, out, ""
    return proc.returncode, out, err.decode("utf-8", "replace").strip()


#: Most files and bytes copied out of git for one ward version (its folder and module library).
MAX_FILES = 2000
MAX_TOTAL_BYTES = 256 * 1024 * 1024


def _check_rev(rev: str, spec: str) -> None:
    code, _out, _err = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"])
    if code != 0:
        inside, _o, _e = _git(["rev-parse", "--is-inside-work-tree"])
        if inside != 0:
            raise UsageError(f"{spec!r}: the current folder is not in a git repository")
        raise UsageError(f"{spec!r}: no git revision {rev!r} in this repository")


def _tree(rev: str, path: str, spec: str) -> dict[str, tuple[str, str]]:
    """Relative name -> (mode, object type) of every file below the folder ``path`` at ``rev``."""
    code, out, _err = _git(["ls-tree", "-r", "-z", f"{rev}:./{path}"], limit=16 << 20)
    if code != 0:
        raise UsageError(f"{spec!r}: no folder {path!r} at revision {rev!r}")
    entries = {}
    for rec in out.split(b"\0"):
        if not rec:
            continue
        meta, _tab, name = rec.partition(b"\t")
        mode, kind, _obj = meta.decode().split(" ")
        entries[name.decode("utf-8", "replace")] = (mode, kind)
    if len(entries) > MAX_FILES:
        raise UsageError(f"{spec!r}: {len(entries)} files below {path!r}; at most {MAX_FILES} are read")
    return entries


def _copy_tree(rev: str, path: str, dest: Path, spec: str, budget: list[int]) -> dict[str, tuple[str, str]]:
    """Every regular file below ``path`` at ``rev`` written under ``dest`` (symlinks and
    submodules are left out: a ward's files must be regular files); ``budget``: bytes left."""
    entries = _tree(rev, path, spec)
    for name, (mode, kind) in sorted(entries.items()):
        rel = PurePosixPath(name)
        if kind != "blob" or mode not in ("100644", "100755") or rel.is_absolute() or ".." in rel.parts:
            continue
        limit = min(MAX_FILE_BYTES, budget[0])
        code, data, err = _git(["cat-file", "blob", f"{rev}:./{path}/{name}"], limit=limit)
        if code == -1:
            raise UsageError(f"{spec}/{name}: over the limit of {limit >> 20} MiB for a file read from git")
        if code != 0:
            raise UsageError(f"{spec}/{name}: cannot be read from git ({err.splitlines()[0] if err else code})")
        budget[0] -= len(data)
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    return entries


def _library_of(ward_yaml: Path, path: str) -> str | None:
    """The repository path of the module library ``ward.yaml`` names (relative to the ward),
    or None (none named, absolute, or leaving the repository)."""
    from wardtwin.layout.yamlsafe import read_yaml

    data, _ = read_yaml(ward_yaml) if ward_yaml.is_file() else (None, [])
    lib = data.get("module_library") if isinstance(data, dict) else None
    if not isinstance(lib, str) or not lib or os.path.isabs(lib):
        return None
    joined = os.path.normpath(os.path.join(path, lib))
    return None if joined == ".." or joined.startswith("../") or os.path.isabs(joined) else joined


@contextmanager
def checkout_ward(spec: str, tmp_root: str | os.PathLike | None = None) -> Iterator[Path]:
    """The ward folder of ``git:REV:path`` (every regular file in it, its modules and tours
    included, and the module library its ward.yaml names) laid out as in the repository in a
    temporary folder that is removed afterwards. Each file is at most the ward file size limit,
    :data:`MAX_FILES` files and :data:`MAX_TOTAL_BYTES` bytes in all."""
    rev, path = parse_spec(spec)
    _check_rev(rev, spec)
    entries = _tree(rev, path, spec)
    if vocab.FILE_KINDS["ward"] not in entries and vocab.FILE_KINDS["floorplan"] not in entries:
        raise UsageError(f"{spec!r}: the folder {path!r} at revision {rev!r} holds no ward "
                         "(no ward.yaml or floorplan.yaml)")
    for name in vocab.FILE_KINDS.values():
        mode, kind = entries.get(name, ("100644", "blob"))
        if kind != "blob" or mode not in ("100644", "100755"):
            raise UsageError(f"{spec}/{name}: not a regular file at revision {rev!r} (git mode {mode})")
    with tempfile.TemporaryDirectory(prefix="wardtwin-git-", dir=tmp_root) as tmp:
        repo = Path(tmp) / "repo"
        folder = repo.joinpath(*PurePosixPath(path).parts)
        folder.mkdir(parents=True)
        budget = [MAX_TOTAL_BYTES]
        _copy_tree(rev, path, folder, spec, budget)
        lib = _library_of(folder / vocab.FILE_KINDS["ward"], path)
        if lib is not None and not repo.joinpath(*PurePosixPath(lib).parts).exists():
            code, _o, _e = _git(["cat-file", "-t", f"{rev}:./{lib}"])
            if code == 0:
                _copy_tree(rev, lib, repo.joinpath(*PurePosixPath(lib).parts), spec, budget)
        yield folder
