"""Loading the two versions a diff compares: a ward folder (or shipped ward name), or
``git:REV:path`` (:mod:`wardtwin.versions.gitsource`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from wardtwin.errors import UsageError
from wardtwin.layout.findings import Finding, exit_code
from wardtwin.layout.model import Layout
from wardtwin.versions.gitsource import checkout_ward, is_git_spec
from wardtwin.versions.identity import ward_version


@dataclass(frozen=True)
class LoadedWard:
    """One version of a ward: where it came from (``spec``), its layout (None when unusable),
    its version id and the findings of loading it (file names as the user knows them)."""

    spec: str
    layout: Layout | None
    version: str
    findings: tuple[Finding, ...]

    @property
    def usable(self) -> bool:
        return self.layout is not None and exit_code(self.findings) == 0


def load_version(spec: str, tmp_root: str | os.PathLike | None = None) -> LoadedWard:
    """Load one version: files and values checked as ``load_ward`` checks them (geometry is
    not: a diff also works between versions a planner is still fixing)."""
    from wardtwin.layout.load import display_path, load_ward

    if is_git_spec(spec):
        with checkout_ward(spec, tmp_root) as folder:
            layout, findings = load_ward(folder)
            shown = display_path(folder)
            findings = [replace(f, file=spec + f.file[len(shown):]) if f.file.startswith(shown) else f
                        for f in findings]
    else:
        layout, findings = load_ward(spec)
    return LoadedWard(spec, layout, ward_version(layout) if layout is not None else "", tuple(findings))


def same_ward(old: LoadedWard, new: LoadedWard, force: bool) -> None:
    """Refuse two different wards (different ward ids) unless ``force``."""
    a, b = old.layout.ward.id, new.layout.ward.id
    if a != b and not force:
        raise UsageError(f"{old.spec} is ward {a!r} and {new.spec} is ward {b!r}: these are different wards, "
                         "not two versions of one; give --force to compare them anyway")
