"""Shared helpers of the store and report tests (no tests here).

PostgreSQL: ``WARDTWIN_TEST_PG_URL`` (set by ``.ci/services.sh``), else a throwaway server
started once through ``.ci/services.sh`` (stopped at exit). Each test gets its own schema.
Under CI (``CI=true``) a missing server fails the tests instead of skipping them.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
_PG: dict = {}


def _start_pg() -> str | None:
    if "url" in _PG:
        return _PG["url"]
    url = os.environ.get("WARDTWIN_TEST_PG_URL")
    if not url:
        script = ('source .ci/services.sh >/dev/null 2>&1; printf "%s\\n%s\\n%s\\n" "$WARDTWIN_TEST_PG_URL" '
                  '"$WARDTWIN_PG_DATA" "$WARDTWIN_PG_BIN"')
        try:
            out = subprocess.run(["bash", "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120,
                                 env={**os.environ, "WARDTWIN_SERVICES_NO_INSTALL": "1"}).stdout.splitlines()
        except (OSError, subprocess.TimeoutExpired):
            out = []
        if out and out[0]:
            url, data, bindir = out[0], out[1], out[2]
            run = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
            atexit.register(lambda: subprocess.run(run + [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                                                   capture_output=True, cwd="/"))
    _PG["url"] = url or None
    return _PG["url"]


def pg_base_url() -> str:
    """The test server's URL, or skip (fail under CI) with the reason."""
    url = _start_pg()
    if not url:
        reason = ("no PostgreSQL: WARDTWIN_TEST_PG_URL is unset and .ci/services.sh could not start a server "
                  "(install Debian's postgresql)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " -- CI must provide one")
        pytest.skip(reason)
    return url


def with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def new_pg_url() -> str:
    """A URL whose tables live in a fresh schema (so tests do not see each other's rows)."""
    import psycopg

    base = pg_base_url()
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    return with_schema(base, schema)


def fresh_store_url(backend: str, tmp_path) -> str:
    """A fresh, empty store URL: a file in ``tmp_path``, or a new PostgreSQL schema."""
    if backend == "sqlite":
        return str(tmp_path / "store.db")
    return new_pg_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, empty store URL on each backend (test files define their own fixture of this
    name with :func:`fresh_store_url`, so that no fixture has to be imported)."""
    return fresh_store_url(request.param, tmp_path)


def started(session: str, trainee: str = "T1", station: str = "vr", ward: str = "w1", **more) -> dict:
    return dict(trainee=trainee, station=station, ward=ward, layout_hash="sha256:abc", tour="orientation",
                tour_version="1", mode="tour", **more)


#: A station process: writes N events of one session, printing each seq after it returns.
STATION = r"""
import sys, time
from wardtwin.store import SessionWriter
url, session, n, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
with SessionWriter(url, session) as w:
    w.emit("session_started", 0.0, trainee="T-" + session, station="vr", ward="w1", layout_hash="h", tour="t",
           tour_version="1", mode="tour", steps=n)
    print(0, flush=True)
    for i in range(1, n):
        w.emit("comfort_rating", float(i), step=i, fms=1)
        print(i, flush=True)
        if pause:
            time.sleep(pause)
    w.emit("session_ended", float(n), outcome="completed", duration_s=float(n))
    print(n, flush=True)
"""
