"""Rewriting a ward folder to the newest layout language version, and writing the flat
equivalent of a ward that uses modules.

:func:`upgrade_plan` edits text, not data: each file is read with the project's YAML reader
(which keeps the line and column of every value) and only the ``version`` value is replaced
where it was written, so comments, key order, quoting and flow style stay as they are. The
new text is parsed again and must hold the same data but for the version. Version 2 adds to
version 1 and changes nothing it had, so that is the whole upgrade.

:func:`expanded_files` gives the files of a modular ward with every placement written out
(version 1: what any wardtwin, and a tool that knows no modules, reads).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from wardtwin.errors import InputFileError
from wardtwin.exchange.reading import read_bounded
from wardtwin.layout import vocab
from wardtwin.layout.findings import Finding
from wardtwin.layout.load import display_path, resolve_ward
from wardtwin.layout.model import Layout
from wardtwin.layout.yamlsafe import MAX_FILE_BYTES, LMap, parse_yaml, read_yaml

#: The version :func:`upgrade_plan` writes.
NEWEST = max(vocab.VERSIONS)
_TOKEN = re.compile(r"[^\s,}\]#]+")


@dataclass(frozen=True)
class Rewrite:
    """One file to rewrite: where, its text now and its new text."""

    path: Path
    old: str
    new: str


@dataclass(frozen=True)
class UpgradePlan:
    """What :func:`upgrade_plan` found: the rewrites, the files already at the newest version,
    and findings (fatal ones mean nothing may be written)."""

    root: Path
    rewrites: tuple[Rewrite, ...]
    current: tuple[str, ...]
    findings: tuple[Finding, ...]


def _offset(text: str, line: int, column: int) -> int:
    """The character offset of a 1-based line and column."""
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1


def upgrade_text(text: str, name: str) -> tuple[str | None, list[Finding]]:
    """``text`` with its top-level ``version: 1`` made the newest version; None when there is
    nothing to change (already newest, or not a version-1 file). Findings: why it cannot be read."""
    body = text[1:] if text.startswith("\ufeff") else text
    data, problems = parse_yaml(body, name)
    if data is None:
        return None, problems
    if not isinstance(data, LMap):  # (a mapping read_yaml read)
        return None, []
    version = data.get("version")
    if isinstance(version, bool) or version != 1:
        return None, []
    line, col = data.at("version")
    at = _offset(body, line, col)
    token = _TOKEN.match(body, at)
    assert token is not None  # the parser read the number 1 there
    new = body[:at] + str(NEWEST) + body[token.end():]
    again, _ = parse_yaml(new, name)
    if not isinstance(again, dict) or again != {**data, "version": NEWEST}:  # pragma: no cover (a bug)
        raise AssertionError(f"{name}: upgrading the version changed other values")
    return (text[:1] if body is not text else "") + new, []


def upgrade_plan(ward: str | os.PathLike[str]) -> UpgradePlan:
    """The rewrites that bring a ward folder's files (ward, floor plan, equipment, catalog) to
    the newest version. Reads with the ward's confinement; writes nothing."""
    root = resolve_ward(ward)
    real = Path(os.path.realpath(root))
    rewrites, current, findings = [], [], []
    for name in vocab.FILE_KINDS.values():
        path = root / name
        if not os.path.lexists(path):
            continue
        shown = display_path(path)
        data, problems = read_yaml(path, shown, real)  # the same checks as loading
        if data is None:
            findings.extend(problems)
            continue
        try:
            raw = read_bounded(path, MAX_FILE_BYTES, name=path.name, within=real)
        except InputFileError as exc:  # changed since it was read a moment ago
            findings.append(Finding.make("file-unreadable", shown, 0, 0, f"{path.name} {exc.detail}"))
            continue
        new, problems = upgrade_text(raw.decode("utf-8"), shown)
        findings.extend(problems)
        if new is not None:
            rewrites.append(Rewrite(path, raw.decode("utf-8"), new))
        elif isinstance(data, dict) and data.get("version") == NEWEST:
            current.append(name)
    return UpgradePlan(root, tuple(rewrites), tuple(current), tuple(findings))


def expanded_files(layout: Layout) -> dict[str, str]:
    """File name -> text of the ward's flat equivalent: every placement written out, no
    modules, version 1."""
    from wardtwin.layout.dump import dump_yaml, layout_documents

    head = (f"# {layout.ward.id}, expanded by `wardtwin expand`: every module placement written out.\n"
            "# Edit the ward it came from, not this copy.\n")
    return {name: head + dump_yaml(doc) for name, doc in layout_documents(layout).items()}


def ward_assets(layout: Layout) -> list[tuple[Path, str]]:
    """The regular files under the ward's ``assets/`` (models of its own catalog), as
    ``(path, path relative to the ward)``; links and special files are left out."""
    folder = layout.root / "assets"
    if not layout.ward_type_ids or not folder.is_dir() or folder.is_symlink():
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not os.path.islink(os.path.join(dirpath, d)))
        for f in sorted(filenames):
            p = Path(dirpath) / f
            if p.is_file() and not p.is_symlink():
                out.append((p, str(p.relative_to(layout.root))))
    return out
