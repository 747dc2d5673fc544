"""Work shared out to a forked worker (wardtwin.forked) gives what one process gives, whatever
happens to the worker, and leaves no process or file descriptor behind; ``wardtwin check``'s
use of it (the layout checks beside the compile, the rules on two cores) finds exactly what
the one-process path finds, on clean and broken wards alike."""

from __future__ import annotations

import os
import sys
import time
import types
from pathlib import Path

import pytest

from conftest import INVALID, TINY, WardCopy
from wardtwin import forked
from wardtwin.forked import Background, can_fork, share_out

needs_fork = pytest.mark.skipif(not (hasattr(os, "fork") and forked.cores() > 1),
                                reason="no second core or no fork here: nothing runs beside")


@pytest.fixture(autouse=True)
def fork_allowed(monkeypatch):
    """Workers allowed though other tests of this run left threads or loaded Panda3D (what
    :func:`can_fork` refuses for the stations' sake; the tests' workers touch neither)."""
    def allowed() -> bool:
        return hasattr(os, "fork") and forked.cores() > 1 and os.environ.get("WARDTWIN_JOBS") != "1"

    from wardtwin.model import checks

    monkeypatch.setattr(forked, "can_fork", allowed)
    monkeypatch.setattr(checks, "can_fork", allowed)


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else set()


@pytest.fixture
def no_leftovers():
    """The test leaves no child process and no open descriptor behind."""
    before = _open_fds()
    yield
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    assert _open_fds() <= before


def _meet(folder: Path, mine: str, timeout: float = 60.0) -> int:
    """Write this process's id to ``folder`` and wait until two processes have: a job that
    cannot finish unless the worker runs one too."""
    (folder / f"{os.getpid()}-{mine}").write_text("")
    end = time.monotonic() + timeout
    while len({p.name.split("-")[0] for p in folder.iterdir()}) < 2:
        if time.monotonic() > end:
            raise TimeoutError("the worker took no job")
        time.sleep(0.01)
    return os.getpid()


@needs_fork
def test_share_out_runs_jobs_on_two_processes_in_order(tmp_path, no_leftovers):
    got = share_out([lambda i=i: (i, _meet(tmp_path, str(i))) for i in range(2)]
                    + [lambda i=i: (i, os.getpid()) for i in range(2, 6)])
    assert [i for i, _pid in got] == list(range(6))
    pids = {pid for _i, pid in got[:2]}
    assert os.getpid() in pids and len(pids) == 2


def test_share_out_alone_gives_the_same(monkeypatch, no_leftovers):
    jobs = [lambda i=i: i * i for i in range(7)]
    assert share_out(jobs) == share_out(jobs, parallel=False) == [i * i for i in range(7)]
    monkeypatch.setenv("WARDTWIN_JOBS", "1")
    assert share_out([os.getpid, os.getpid]) == [os.getpid()] * 2


def test_no_worker_beside_threads_or_panda3d_or_when_told(monkeypatch):
    monkeypatch.undo()  # the real can_fork
    if not (hasattr(os, "fork") and forked.cores() > 1):
        assert not can_fork()
        return
    monkeypatch.delitem(sys.modules, "panda3d.core", raising=False)
    monkeypatch.setattr(forked.threading, "active_count", lambda: 1)
    assert can_fork()
    monkeypatch.setenv("WARDTWIN_JOBS", "1")
    assert not can_fork()
    monkeypatch.delenv("WARDTWIN_JOBS")
    monkeypatch.setattr(forked.threading, "active_count", lambda: 2)
    assert not can_fork()
    monkeypatch.setattr(forked.threading, "active_count", lambda: 1)
    monkeypatch.setitem(sys.modules, "panda3d.core", types.ModuleType("panda3d.core"))
    assert not can_fork()


@needs_fork
def test_a_job_failing_in_the_worker_is_run_again_here(tmp_path, no_leftovers):
    me = os.getpid()

    def fragile(i):
        if os.getpid() != me:
            raise RuntimeError("only in the worker")
        return i

    def dies():
        if os.getpid() != me:
            os._exit(9)  # the worker is killed mid-job: what it held is run here
        return "here"

    got = share_out([lambda: _meet(tmp_path, "a") and "met", lambda: _meet(tmp_path, "b") and "met"]
                    + [lambda i=i: fragile(i) for i in range(4)] + [dies])
    assert got == ["met", "met", 0, 1, 2, 3, "here"]


@needs_fork
def test_a_job_raising_here_raises_and_the_worker_is_stopped(no_leftovers):
    def boom():
        raise ValueError("here too")

    with pytest.raises(ValueError, match="here too"):
        share_out([boom, boom, boom])


@needs_fork
def test_background_sends_each_value_in_turn(no_leftovers):
    with Background(os.getpid, lambda: "two", lambda: [3]) as side:
        assert side.result(1) == "two"
        assert side.result(0) != os.getpid()
        assert side.result(2) == [3]


@needs_fork
def test_background_falls_back_to_this_process(no_leftovers):
    me = os.getpid()

    def dies():
        if os.getpid() != me:
            os._exit(3)
        return "here"

    with Background(lambda: 1, dies, os.getpid) as side:
        assert [side.result(0), side.result(1), side.result(2)] == [1, "here", me]
    with Background(os.getpid, parallel=False) as side:
        assert side.result() == me


@needs_fork
def test_background_left_early_stops_its_worker(no_leftovers):
    with Background(lambda: time.sleep(60)):
        pass


def test_no_fork_no_worker(monkeypatch, no_leftovers):
    def refuse():
        raise OSError(11, "no more processes")

    monkeypatch.setattr(forked.os, "fork", refuse)
    assert share_out([os.getpid, os.getpid]) == [os.getpid()] * 2
    with Background(os.getpid) as side:
        assert side.result() == os.getpid()


# -- wardtwin check on two cores ---------------------------------------------------------------

def _check(ward: Path | str, parallel: bool, monkeypatch) -> tuple[list[str], bool]:
    from wardtwin.model import checks
    from wardtwin.model.checks import check
    from wardtwin.rules import engine

    with monkeypatch.context() as m:
        if parallel:  # every ward counts as large
            m.setattr(checks, "PARALLEL_ROOMS", 0)
            m.setattr(engine, "PARALLEL_CELLS", 0)
        else:
            m.setenv("WARDTWIN_JOBS", "1")
        _layout, findings, model = check(ward)
    return [f.format() for f in findings], model is not None


@needs_fork
@pytest.mark.parametrize("ward", ["icu-12", "medsurg-28", TINY, TINY.parent / "u-corridor"], ids=str)
def test_check_on_two_cores_finds_what_one_finds(ward, monkeypatch, no_leftovers):
    alone = _check(ward, False, monkeypatch)
    assert _check(ward, True, monkeypatch) == alone


@needs_fork
@pytest.mark.parametrize("case", ["rooms-overlap", "door-too-narrow", "equipment-overlap", "invalid-polygon-bowtie", "room-too-large", "equipment-in-wall",
                                  "room-unreachable"])
def test_check_on_two_cores_of_a_broken_ward(case, tmp_path, monkeypatch, no_leftovers):
    """The compile runs beside the checks: on a ward with errors its model is dropped (and
    whatever it raised), and the findings are the one-process path's."""
    files = {p.name: p.read_text() for p in (INVALID / case).iterdir() if p.name != "expect.yaml"}
    ward = WardCopy(tmp_path)(files)
    alone = _check(ward, False, monkeypatch)
    assert alone[0]
    assert _check(ward, True, monkeypatch) == alone


@needs_fork
def test_a_compile_failing_beside_the_checks(tmp_path, monkeypatch, no_leftovers):
    """A compile that raises is hidden when the checks find errors, and raised when they do
    not (as without a worker)."""
    from wardtwin.model import checks

    def broken(*a, **k):
        raise RuntimeError("compile failed")

    monkeypatch.setattr(checks, "compile_ward", broken)
    files = {p.name: p.read_text() for p in (INVALID / "rooms-overlap").iterdir() if p.name != "expect.yaml"}
    codes, has_model = _check(WardCopy(tmp_path / "bad")(files), True, monkeypatch)
    assert any("rooms-overlap" in c for c in codes) and not has_model
    with pytest.raises(RuntimeError, match="compile failed"):
        _check(TINY, True, monkeypatch)
