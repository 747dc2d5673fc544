"""OpenXR runtime detection, for real: pyopenxr and its bundled loader are installed here but
no OpenXR runtime is (nor a headset), so the station must stop with a clear error naming what
is missing and offering the desktop station. Nothing of pyopenxr is mocked on that path."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from conftest import REPO, TINY
from wardtwin.errors import WardtwinError

xr = pytest.importorskip("xr", reason="pyopenxr is not installed (pip install -e '.[vr]')")

from wardtwin.station.vr.xr import XRUnavailableError, detect, explain, pose_from_xr  # noqa: E402


def pose_to_xr(xr, p):
    """A station pose as an OpenXR ``Posef`` (the inverse of pose_from_xr)."""
    x, y, z = p.position
    w, qx, qy, qz = p.orientation
    return xr.Posef(xr.Quaternionf(qx, qz, -qy, w), xr.Vector3f(x, z, -y))


def _no_runtime() -> bool:
    try:
        detect()
    except XRUnavailableError as exc:
        return exc.missing in ("runtime", "headset")
    return False


pytestmark = pytest.mark.skipif(not _no_runtime(), reason="an OpenXR runtime with a headset is active here")


def test_no_runtime_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("XR_RUNTIME_JSON", raising=False)
    with pytest.raises(XRUnavailableError) as info:
        detect()
    err = info.value
    assert isinstance(err, WardtwinError)
    assert err.missing == "runtime" and err.result == "XR_ERROR_RUNTIME_UNAVAILABLE"
    msg = str(err)
    for word in ("OpenXR runtime", "XR_ERROR_RUNTIME_UNAVAILABLE", "SteamVR", "Monado", "desktop station",
                 "--station desktop"):
        assert word in msg, msg
    assert any("OpenXR-Loader" in ln for ln in err.details)  # the loader's own words, kept off the terminal


def test_a_broken_runtime_manifest_is_reported_as_no_runtime(tmp_path, monkeypatch, capfd):
    manifest = tmp_path / "runtime.json"
    manifest.write_text(json.dumps({"file_format_version": "1.0.0",
                                    "runtime": {"library_path": str(tmp_path / "libnothing.so")}}))
    monkeypatch.setenv("XR_RUNTIME_JSON", str(manifest))
    with pytest.raises(XRUnavailableError) as info:
        detect()
    assert info.value.missing == "runtime"
    assert "OpenXR-Loader" not in capfd.readouterr().err  # nothing leaks to the terminal


def test_failures_are_mapped_to_what_is_missing():
    # the real pyopenxr exception classes, as the runtime would raise them
    cases = [
        (xr.FormFactorUnavailableError(), "system", "headset", "XR_ERROR_FORM_FACTOR_UNAVAILABLE", "no headset"),
        (xr.FormFactorUnsupportedError(), "system", "headset", "XR_ERROR_FORM_FACTOR_UNSUPPORTED", "head-mounted"),
        (xr.ExtensionNotPresentError(), "instance", "opengl", "XR_ERROR_EXTENSION_NOT_PRESENT", "OpenGL"),
        (xr.RuntimeUnavailableError(), "instance", "runtime", "XR_ERROR_RUNTIME_UNAVAILABLE", "SteamVR"),
        (xr.RuntimeFailureError(), "instance", "runtime", "XR_ERROR_RUNTIME_FAILURE", "Monado"),
        # in the frame loop: the runtime crashed or quit (seen with Monado's service killed mid-tour)
        (xr.InstanceLostError(), "frame", "runtime", "XR_ERROR_INSTANCE_LOST", "is recorded"),
        (xr.SessionLostError(), "frame", "runtime", "XR_ERROR_SESSION_LOST", "start the tour again"),
    ]
    for exc, stage, missing, code, words in cases:
        err = explain(xr, exc, stage)
        assert (err.missing, err.result) == (missing, code)
        assert code in str(err) and words in str(err) and "desktop station" in str(err)


def test_openxr_axes_become_the_station_axes():
    from wardtwin.station.vr.pose import Pose

    # OpenXR: y up, -z forward. A head 1.7 m up, 2 m "forward" (z = -2), looking forward.
    p = xr.Posef(xr.Quaternionf(0, 0, 0, 1), xr.Vector3f(0.5, 1.7, -2.0))
    s = pose_from_xr(p)
    assert s.position == pytest.approx((0.5, 2.0, 1.7))
    assert s.forward == pytest.approx((0, 1, 0))
    q = Pose.from_ypr((0.1, 0.2, 0.3), 0.4, -0.2, 0.1)
    back = pose_from_xr(pose_to_xr(xr, q))
    assert back.position == pytest.approx(q.position, abs=1e-6)
    assert back.forward == pytest.approx(q.forward, abs=1e-6) and back.up == pytest.approx(q.up, abs=1e-6)


def _run(code: str, env=None):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), str(TINY)], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env=env)


def test_vr_station_without_a_runtime_stops_cleanly_before_opening_anything():
    p = _run("""
        import builtins, sys
        from wardtwin.model import load_model
        from wardtwin.station.vr.station import VRStation
        from wardtwin.station.vr.xr import XRUnavailableError
        try:
            VRStation(load_model(sys.argv[1]), offscreen=False)
        except XRUnavailableError as exc:
            assert getattr(builtins, "base", None) is None, "a ShowBase was left open"
            print(exc.missing)
            print(exc)
        else:
            raise SystemExit("no error")
    """)
    assert p.returncode == 0, p.stderr
    missing, msg = p.stdout.strip().split("\n", 1)
    assert missing == "runtime" and "desktop station" in msg
    assert "Traceback" not in p.stderr and "OpenXR-Loader" not in p.stderr


def test_without_pyopenxr_the_error_names_the_package():
    p = _run("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "xr":
                    raise ImportError(f"No module named {name!r}", name=name)
        sys.meta_path.insert(0, Block())
        from wardtwin.station.vr.xr import XRUnavailableError, detect
        try:
            detect()
        except XRUnavailableError as exc:
            print(exc.missing)
            print(exc)
    """)
    assert p.returncode == 0, p.stderr
    missing, msg = p.stdout.strip().split("\n", 1)
    assert missing == "pyopenxr" and "pip install 'wardtwin[vr]'" in msg and "desktop station" in msg


def test_a_missing_loader_library_is_named():
    p = _run("""
        import ctypes, sys
        real = ctypes.cdll.LoadLibrary
        def refuse(path, *a, **k):
            if "openxr_loader" in str(path):
                raise OSError(f"{path}: cannot open shared object file")
            return real(path, *a, **k)
        ctypes.cdll.LoadLibrary = refuse  # as on a machine whose loader library is gone
        from wardtwin.station.vr.xr import XRUnavailableError, detect
        try:
            detect()
        except XRUnavailableError as exc:
            print(exc.missing)
            print(exc)
    """)
    assert p.returncode == 0, p.stderr
    missing, msg = p.stdout.strip().split("\n", 1)
    assert missing == "loader" and "OpenXR loader" in msg
