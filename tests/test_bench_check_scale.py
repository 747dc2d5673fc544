"""tools/bench_check_scale.py --baseline: a git revision and the working tree timed on the same
floor in fresh processes, both clean, with the ratio row."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import bench_check_scale  # noqa: E402


def _has_head() -> bool:
    if shutil.which("git") is None:
        return False
    out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "-q", "HEAD"], capture_output=True)
    return out.returncode == 0


@pytest.mark.skipif(not _has_head(), reason="needs git and a checkout with a HEAD commit")
def test_baseline_comparison_times_both_versions_on_one_floor():
    rows = bench_check_scale.compare([60], "HEAD", repeat=1)
    assert [r["version"] for r in rows] == ["HEAD", "new"]
    assert all(r["findings"] == 0 and r["rooms"] >= 60 for r in rows)
    assert all(r[s] >= 0 for r in rows for s in bench_check_scale.STAGES)
    text = bench_check_scale.compare_table(rows)
    assert "new/base" in text and "HEAD" in text


@pytest.mark.skipif(not _has_head(), reason="needs git and a checkout with a HEAD commit")
def test_cli_comparison_times_the_command_of_both_versions(tmp_path):
    """--cli: `python -m wardtwin check` of a revision and of the working tree, in fresh
    processes, with their CPU times and output (the same findings: the verdict passes)."""
    rows = bench_check_scale.cli_compare([40], "HEAD", repeat=1, workdir=tmp_path)
    assert [r["version"] for r in rows] == ["HEAD", "new"]
    assert all(r["code"] in (0, 1) and r["user"] > 0 and r["best_wall"] > 0 and r["peak"] > 0 for r in rows)
    assert rows[0]["out"] == rows[1]["out"] and "version" in rows[1]["out"]
    assert "new/base" in bench_check_scale.cli_table(rows)
    assert bench_check_scale._cli_verdict(rows) == 0
    assert list(tmp_path.iterdir()) == []
