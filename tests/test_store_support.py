"""Shared helpers of the store and report tests (no tests here).

PostgreSQL: ``WARDTWIN_TEST_PG_URL`` (set by ``.ci/services.sh``, which ``.ci/run`` sources);
without it the PostgreSQL tests are skipped (under CI, ``CI=true``, they fail instead). No test
starts a server. Each test gets its own schema.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def pg_base_url() -> str:
    """The test server's URL (``WARDTWIN_TEST_PG_URL``), or skip (fail under CI) with the reason.

    Tests never start a server themselves: ``.ci/run`` starts one and sets the variable."""
    url = os.environ.get("WARDTWIN_TEST_PG_URL")
    if not url:
        reason = ("no PostgreSQL: WARDTWIN_TEST_PG_URL is unset (`.ci/run` starts a server and sets it; "
                  "or `source .ci/services.sh` in your shell first)")
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
