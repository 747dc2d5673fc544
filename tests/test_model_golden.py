"""Golden summaries of the compiled reference wards: walkable area, mesh size, walking
distances from the entrance to every room and exit, and the nearest safety item of each
category. A failure lists what changed; when the change is intended, regenerate with

    WARDTWIN_UPDATE_GOLDEN=1 python -m pytest tests/test_model_golden.py
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from wardtwin.layout import check_ward, exit_code, shipped_wards
from wardtwin.model import compile_ward, navigation_findings

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("WARDTWIN_UPDATE_GOLDEN") == "1"
REGEN = "WARDTWIN_UPDATE_GOLDEN=1 python -m pytest tests/test_model_golden.py"
#: Allowed drift: metres for distances, m² for areas; counts must match exactly.
TOL = {"distances_m": 0.01, "nearest_from_entrance": 0.01, "summary": 0.01}
SAFETY_CATEGORIES = ("resuscitation", "fire_safety", "medical_gas", "evacuation", "hazard")


def golden_summary(ward: str) -> dict:
    """The numbers a golden file holds for one ward (see the module docstring)."""
    layout, findings = check_ward(ward)
    assert layout is not None and exit_code(findings) == 0, [f.format() for f in findings]
    m = compile_ward(layout)
    ent = layout.ward.entrance
    start = m.place(ent)
    dist = {}
    for rid in sorted(m.rooms):
        dist[f"{ent} -> {rid}"] = _r(m.distance(start, m.place(rid)))
    for d in sorted(layout.doors, key=lambda d: d.id):
        if d.exit:
            dist[f"{ent} -> exit {d.id}"] = _r(m.distance(start, m.place(d.id)))
    nearest = {}
    for cat in SAFETY_CATEGORIES:
        n = m.nearest(ent, category=cat)
        if n is not None:
            nearest[cat] = [n.item.id, _r(n.distance)]
    return {
        "ward": layout.ward.id,
        "summary": m.summary(),
        "navigation_findings": [f.code + " " + f.message for f in navigation_findings(layout, m)],
        "distances_m": dist,
        "nearest_from_entrance": nearest,
    }


def _r(x: float):
    return None if math.isinf(x) else round(x, 3)


def diff(old: dict, new: dict) -> list[str]:
    """Plain-words differences between two golden summaries (beyond the tolerances)."""
    out = []
    for section in sorted(set(old) | set(new)):
        a, b = old.get(section), new.get(section)
        if not isinstance(a, dict) or not isinstance(b, dict):
            if a != b:
                out.append(f"{section}: {a!r} -> {b!r}")
            continue
        tol = TOL.get(section, 0.0)
        for key in sorted(set(a) | set(b), key=str):
            if key not in a:
                out.append(f"{section}: {key} is new ({b[key]!r})")
            elif key not in b:
                out.append(f"{section}: {key} is gone (was {a[key]!r})")
            elif not _close(a[key], b[key], tol, integral=section == "summary"):
                delta = ""
                va, vb = _num(a[key]), _num(b[key])
                if va is not None and vb is not None:
                    delta = f" ({vb - va:+.3f})"
                out.append(f"{section}: {key}: {a[key]!r} -> {b[key]!r}{delta}")
    return out


def _num(v):
    if isinstance(v, list):
        v = v[-1]
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _close(a, b, tol: float, integral: bool) -> bool:
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return all(_close(x, y, tol, integral) for x, y in zip(a, b))
    if integral and isinstance(a, int) and isinstance(b, int):
        return a == b
    na, nb = _num(a), _num(b)
    if na is not None and nb is not None:
        return abs(na - nb) <= tol + 1e-9
    return a == b


WARDS = shipped_wards()


@pytest.mark.skipif(not WARDS, reason="no shipped wards in layouts/")
@pytest.mark.parametrize("ward", WARDS)
def test_compiled_ward_matches_golden(ward):
    path = GOLDEN / f"{ward}.json"
    new = golden_summary(ward)
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(new, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{ward}: no golden file {path.name}; create it with {REGEN}")
    old = json.loads(path.read_text(encoding="utf-8"))
    changes = diff(old, new)
    if changes:
        pytest.fail(f"{ward}: the compiled model differs from {path.name} in {len(changes)} place(s):\n  "
                    + "\n  ".join(changes[:40]) + ("\n  ..." if len(changes) > 40 else "")
                    + f"\nIf the layout or the compiler changed on purpose, regenerate with: {REGEN}",
                    pytrace=False)
    # reference wards are reachable everywhere on foot
    assert new["navigation_findings"] == []


def test_diff_says_what_changed():
    old = {"ward": "w", "summary": {"mesh_triangles": 10, "walkable_area_m2": 5.0},
           "distances_m": {"a -> b": 3.0, "a -> c": 4.0}, "nearest_from_entrance": {"fire_safety": ["FE-1", 2.0]}}
    new = {"ward": "w", "summary": {"mesh_triangles": 11, "walkable_area_m2": 5.005},
           "distances_m": {"a -> b": 3.5, "a -> d": 1.0}, "nearest_from_entrance": {"fire_safety": ["FE-2", 2.0]}}
    lines = diff(old, new)
    assert "summary: mesh_triangles: 10 -> 11 (+1.000)" in lines
    assert not any("walkable_area_m2" in x for x in lines)  # within tolerance
    assert "distances_m: a -> b: 3.0 -> 3.5 (+0.500)" in lines
    assert "distances_m: a -> c is gone (was 4.0)" in lines
    assert "distances_m: a -> d is new (1.0)" in lines
    assert any(x.startswith("nearest_from_entrance: fire_safety: ['FE-1', 2.0] -> ['FE-2', 2.0]") for x in lines)
    assert diff(old, old) == []
