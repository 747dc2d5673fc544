"""The VR station's headset path against the OpenXR runtime active on this machine: session on
the window's OpenGL context, actions, swapchains, the frame loop, the eyes' images copied into
the swapchain images, a clean close (tools/xr_smoke.py). It needs a runtime and an X display;
where there is none, tests/test_vr_xr.py checks the clear error instead. Monado's service with
its null compositor and simulated headset is such a runtime (see tools/xr_smoke.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import REPO, active_xr_runtime

pytest.importorskip("xr", reason="pyopenxr is not installed (pip install -e '.[vr]')")

RUNTIME = active_xr_runtime()
pytestmark = pytest.mark.skipif(RUNTIME is None or not os.environ.get("DISPLAY"),
                                reason="no OpenXR runtime with a headset, or no X display, here")


def test_frames_reach_the_runtime_with_both_eyes_images():
    r = subprocess.run([sys.executable, str(REPO / "tools" / "xr_smoke.py"), "--seconds", "4"], cwd=REPO,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    shown = int(re.search(r"(\d+) with the eyes' images", r.stdout).group(1))
    assert shown >= 10, r.stdout
    looks = re.findall(r"(left|right) eye mean (\d+), spread (\d+)", r.stdout)
    assert len(looks) == 2 and all(int(spread) > 5 for _, _, spread in looks), r.stdout  # the ward, not a blank
    assert "GLXBadContext" not in r.stderr and "Traceback" not in r.stderr, r.stderr
