"""Stations that crash, and many stations at once, on real SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from test_store_support import PYTHON, REPO, STATION, new_pg_url
from wardtwin.reports.summary import load_summaries
from wardtwin.store import open_store


def _url(backend, tmp_path):
    return str(tmp_path / "fleet.db") if backend == "sqlite" else new_pg_url()


def _station(url, session, n, pause=0.0):
    return subprocess.Popen([PYTHON, "-c", STATION, url, session, str(n), str(pause)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_loses_only_the_event_in_flight(backend, tmp_path):
    url = _url(backend, tmp_path)
    with open_store(url):
        pass
    acknowledged = -1
    with _station(url, "killed", 100000) as proc:  # writes as fast as it can; pipes closed at the end
        for line in proc.stdout:
            acknowledged = int(line)
            if acknowledged >= 300:
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=20)
    assert proc.returncode == -signal.SIGKILL
    if backend == "sqlite":  # a read-only report sees the journal's events before anything folds them
        with open_store(url, read_only=True) as ro:
            (s,) = load_summaries(ro)
            assert s.outcome == "abandoned" and s.n_events >= acknowledged + 1
            assert s.n_events == s.last_event + 1
    with open_store(url) as st:
        seqs = [r[0] for r in st.execute("SELECT seq FROM events WHERE session = ? ORDER BY seq",
                                         ("killed",)).fetchall()]
        # every acknowledged event is stored, numbered without a gap; at most the ones written
        # after the last line we read (the event in flight and the pipe's lag) are extra
        assert seqs == list(range(len(seqs))) and len(seqs) >= acknowledged + 1
        (s,) = load_summaries(st)
        assert s.outcome == "abandoned" and s.n_events == len(seqs)
        assert st.counts().abandoned == 1
        if backend == "sqlite":  # folded by that open, and gone
            assert list((tmp_path / "fleet.db.pending").iterdir()) == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_16_concurrent_stations(backend, tmp_path):
    url = _url(backend, tmp_path)
    n = 60
    procs = [_station(url, f"st{i:02d}", n) for i in range(16)]  # all open (and migrate) the store at once
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    with open_store(url) as st:
        assert st.counts().as_dict() == {"sessions": 16, "events": 16 * (n + 1), "abandoned": 0}
        assert st.execute("SELECT COUNT(DISTINCT id) FROM events").fetchone()[0] == 16 * (n + 1)
        rows = st.execute("SELECT session, COUNT(*), MIN(seq), MAX(seq) FROM events GROUP BY session").fetchall()
        assert sorted(tuple(r) for r in rows) == [(f"st{i:02d}", n + 1, 0, n) for i in range(16)]
