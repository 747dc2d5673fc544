"""Whole-ward validation: load, then every check, every finding at once."""

from __future__ import annotations

import os

from wardtwin.layout.checks import run_checks
from wardtwin.layout.findings import Finding, sort_findings
from wardtwin.layout.load import load_ward
from wardtwin.layout.model import Layout
from wardtwin.layout.plan import Plan, plan_of


def validate(layout: Layout, only=None) -> list[Finding]:
    """Semantic findings about a loaded layout (geometry, references, reachability)."""
    return run_checks(plan_of(layout), only)


def check_ward(ward: str | os.PathLike) -> tuple[Layout | None, list[Finding]]:
    """Load a ward folder and run every check; findings sorted by file and line."""
    layout, findings = load_ward(ward)
    if layout is not None:
        findings = findings + validate(layout)
    return layout, sort_findings(findings)
