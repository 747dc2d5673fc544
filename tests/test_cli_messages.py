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


def test_an_unexpected_failure_is_one_line_and_exit_70(monkeypatch, capfd):
    """A bug never shows the user a traceback: one escaped line and exit 70; WARDTWIN_DEBUG=1
    lets the exception through for developers."""
    import pytest

    from wardtwin import cli

    def boom(args):
        raise ValueError("broken\x1b[2J")

    monkeypatch.setattr(cli, "cmd_codes", boom)
    monkeypatch.delenv("WARDTWIN_DEBUG", raising=False)
    assert cli.main(["codes"]) == cli.INTERNAL_ERROR == 70
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "internal error (ValueError" in err and "\x1b" not in err
    monkeypatch.setenv("WARDTWIN_DEBUG", "1")
    with pytest.raises(ValueError):
        cli.main(["codes"])
