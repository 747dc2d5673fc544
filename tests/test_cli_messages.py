"""What the CLI tells a user is true: the advice it gives works, the paths it prints are the
ones written."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO


def _wardtwin(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "wardtwin", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_tour_without_a_display_gives_advice_that_works(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = _wardtwin("tour", "icu-12", "orientation", "--trainee", "x", "--db", "t.db", cwd=tmp_path, env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    advice = r.stderr.split("use ", 1)[1].split(" to run headless")[0]
    assert advice == "--offscreen", r.stderr
    assert "--frames" not in r.stderr
    ok = _wardtwin("tour", "icu-12", "orientation", "--trainee", "x", "--db", "t.db", *advice.split(),
                   "--size", "160x90", "--fps", "10", cwd=tmp_path, env=env)
    assert ok.returncode == 0, ok.stderr


def test_build_into_a_folder_named_with_a_slash_prints_the_paths_written(tmp_path):
    r = _wardtwin("build", str(REPO / "tests" / "wards" / "tiny"), "-o", "out/", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    written = r.stdout.split("wrote ", 1)[1].split(":", 1)[0]
    assert written.startswith("out/{") and "//" not in written
    folder, names = written[:-1].split("/{")
    assert all((tmp_path / folder / n).is_file() for n in names.split(","))
