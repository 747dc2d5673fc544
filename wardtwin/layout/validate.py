"""Whole-ward validation: load, then every check, every finding at once."""

from __future__ import annotations

import os
from collections.abc import Iterable

from wardtwin.layout.checks import run_checks
from wardtwin.layout.findings import Finding, sort_findings
from wardtwin.layout.load import load_ward
from wardtwin.layout.model import Layout
from wardtwin.layout.plan import Plan, plan_of


def validate(layout: Layout, only: Iterable[str] | None = None, skip: Iterable[str] = (),
             plan: Plan | None = None) -> list[Finding]:
    """Semantic findings about a loaded layout (geometry, references, reachability by doors)."""
    return run_checks(plan or plan_of(layout), only, skip)


def check_ward(ward: str | os.PathLike[str]) -> tuple[Layout | None, list[Finding]]:
    """Load a ward folder and run every layout check; findings sorted by file and line.

    Reachability here follows doors between rooms; :func:`wardtwin.model.check` replaces it
    with walking on the compiled floor (the ``wardtwin check`` command uses that)."""
    layout, findings = load_ward(ward)
    if layout is not None:
        findings = findings + validate(layout)
    return layout, sort_findings(findings)
