"""Findings as SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), so that code
hosts and editors show each finding on its YAML line: one run of the tool ``wardtwin``, a
reporting descriptor per finding code used, a result per finding (level from its severity,
the file as a URI relative to the working directory or an absolute ``file:`` URI, line and
column when known)."""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePath
from urllib.parse import quote

from wardtwin.layout.findings import CODES, Severity, sort_findings

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {Severity.FATAL: "error", Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def file_uri(name: str) -> str:
    """A finding's file as a SARIF artifact URI: relative paths stay relative (forward slashes,
    percent-encoded), absolute ones become ``file:`` URIs."""
    if os.path.isabs(name):
        return Path(name).as_uri()
    return quote(PurePath(name).as_posix(), safe="/-._~")


def sarif_log(ward: str, findings, version: str | None = None) -> dict:
    """The SARIF log (a dict) of ``findings`` about ``ward``."""
    import wardtwin

    fs = sort_findings(findings)
    codes = list(dict.fromkeys(f.code for f in fs))
    index = {c: i for i, c in enumerate(codes)}
    rules = [{"id": c, "shortDescription": {"text": CODES[c][1] if c in CODES else c},
              "defaultConfiguration": {"level": LEVEL[CODES[c][0]] if c in CODES else "warning"}} for c in codes]
    results = []
    for f in fs:
        loc = {"artifactLocation": {"uri": file_uri(f.file)}}
        if f.line > 0:
            loc["region"] = {"startLine": f.line, **({"startColumn": f.column} if f.column > 0 else {})}
        results.append({"ruleId": f.code, "ruleIndex": index[f.code], "level": LEVEL[f.severity],
                        "message": {"text": f.message}, "locations": [{"physicalLocation": loc}]})
    run = {"tool": {"driver": {"name": "wardtwin", "version": wardtwin.__version__,
                               "rules": rules}},
           "results": results,
           "properties": {"ward": ward, **({"wardVersion": version} if version else {})}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def sarif_json(ward: str, findings, version: str | None = None) -> str:
    return json.dumps(sarif_log(ward, findings, version), indent=2)
