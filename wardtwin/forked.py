"""Sharing independent jobs out to a forked worker on the machine's other core.

The heavy parts of checking a large ward (a Dijkstra search over the whole grid per distance
field, the clearance rules) are CPU-bound and hold the interpreter's lock, so threads cannot
run them side by side; a process forked once the shared data is built can, reading that data
from pages the two processes share. :func:`share_out` runs a list of jobs on this process and
one such worker, each taking the next job nobody has taken yet, and returns their results in
the jobs' order, the same results one process would give; :class:`Background` runs jobs in a
worker, one after another, while this process does something else.

Nothing depends on the worker: where there is no ``fork``, only one core, another Python thread
or ``WARDTWIN_JOBS=1`` in the environment, for a single job, or when the worker fails (killed,
out of memory, a job raising there), this process runs whatever the worker did not deliver. A
worker never outlives the call (or the ``with`` block) that started it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
import warnings
from typing import Any, Callable, Sequence, TypeVar, cast

T = TypeVar("T")

#: A job's number in the queue (two bytes: a pipe read of two bytes is whole).
_INDEX = struct.Struct("<H")
#: Most jobs shared out: their numbers fill 4 KiB of the queue's pipe, the least buffer Linux
#: gives a pipe (one page; usually 64 KiB), so that writing them never blocks. More jobs are
#: run by this process alone.
MAX_JOBS = 2048


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether a worker can run beside this process: ``fork``, a second core, ``WARDTWIN_JOBS``
    not set to 1, no other Python thread and no 3D engine loaded. (A forked copy of a process
    with threads may find a lock held by a thread it does not have: the live preview's watcher,
    Panda3D's render threads; the stations keep to one process.)"""
    return (hasattr(os, "fork") and cores() > 1 and os.environ.get("WARDTWIN_JOBS", "").strip() != "1"
            and threading.active_count() == 1 and "panda3d.core" not in sys.modules)


def share_out(jobs: Sequence[Callable[[], T]], parallel: bool = True) -> list[T]:
    """The results of ``jobs``, in their order. With ``parallel`` (and :func:`can_fork`), a
    forked worker runs jobs beside this process: both take the next untaken job, in the
    order given (put the longest first). A job must have no effect but its result (the
    worker's effects are lost with it) and its result must pickle. A job that raises here
    raises from this call, as it would run alone."""
    n = len(jobs)
    if not parallel or n < 2 or n > MAX_JOBS or not can_fork():
        return [job() for job in jobs]
    queue_r, queue_w = os.pipe()
    os.write(queue_w, b"".join(_INDEX.pack(i) for i in range(n)))  # fits the pipe's buffer
    os.close(queue_w)  # the queue ends where the indices end: a read then gets b""
    pid, done_r = _fork(lambda send: send(_drain(queue_r, jobs, tolerant=True)))
    if not pid:
        os.close(queue_r)
        return [job() for job in jobs]
    try:
        mine = _drain(queue_r, jobs, tolerant=False)
        ok, theirs = _message(done_r)
    finally:
        os.close(queue_r)
        os.close(done_r)
        _reap(pid)
    if not ok or not isinstance(theirs, dict):
        theirs = {}
    return [mine[i] if i in mine else cast(T, theirs[i]) if i in theirs else job() for i, job in enumerate(jobs)]


class Background:
    """``jobs`` run one after the other by a forked worker from now on, while this process
    goes on; :meth:`result` waits for one's value. Where no worker can run (see
    :func:`can_fork`), or ``parallel`` is false, :meth:`result` runs the job itself; likewise
    when the worker failed before sending it, so that an exception a job raises is raised
    here. A job must have no effect but its value, and its value must pickle. Use as a
    context manager: the worker is stopped and reaped on the way out."""

    def __init__(self, *jobs: Callable[[], Any], parallel: bool = True):
        self._jobs = jobs
        self._got: list[Any] = []
        self._pid, self._fd = _fork(self._send_each) if parallel and jobs and can_fork() else (0, -1)

    def _send_each(self, send: Callable[[Any], None]) -> None:  # in the worker
        for job in self._jobs:
            send(job())

    def result(self, i: int = 0) -> Any:
        """The value of job ``i`` (run here if the worker did not send it)."""
        while self._pid and len(self._got) <= i:
            ok, value = _message(self._fd)
            if not ok:
                self.close()
                break
            self._got.append(value)
            if len(self._got) == len(self._jobs):
                self.close()
        return self._got[i] if i < len(self._got) else self._jobs[i]()

    def close(self) -> None:
        """Stop the worker if it is still running (what it has not sent is lost), reap it."""
        if self._pid:
            os.close(self._fd)
            _reap(self._pid)
            self._pid, self._fd = 0, -1

    def __enter__(self) -> "Background":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: A message's length, before it: 8 bytes.
_LENGTH = struct.Struct("<Q")


def _fork(work: Callable[[Callable[[Any], None]], object]) -> tuple[int, int]:
    """Fork a worker that runs ``work(send)`` (``send`` pickles a value to this process) and
    exits: ``(pid, the pipe's reading end)``, for :func:`_message`; ``(0, -1)`` when no
    process could be forked."""
    done_r, done_w = os.pipe()
    try:
        with warnings.catch_warnings():  # Python 3.12+ warns of forking with threads (BLAS's); the
            warnings.simplefilter("ignore", DeprecationWarning)  # worker runs only its work
            pid = os.fork()
    except OSError:  # no process to be had (a limit on processes, or memory): no worker
        os.close(done_r)
        os.close(done_w)
        return 0, -1
    if pid == 0:  # the worker: never returns into the caller's code
        code = 1
        try:
            os.close(done_r)
            signal.signal(signal.SIGINT, signal.SIG_DFL)

            def send(value: Any) -> None:
                data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                _write_all(done_w, _LENGTH.pack(len(data)) + data)

            work(send)
            code = 0
        except BaseException:  # noqa: BLE001 - the parent runs what it does not receive
            pass
        finally:
            os._exit(code)
    os.close(done_w)
    return pid, done_r


def _message(fd: int) -> tuple[bool, Any]:
    """The worker's next value: ``(True, value)``, or ``(False, None)`` when it sent no more
    (it ended, or died while sending)."""
    head = _read_exactly(fd, _LENGTH.size)
    if head is None:
        return False, None
    body = _read_exactly(fd, _LENGTH.unpack(head)[0])
    if body is None:
        return False, None
    try:
        return True, pickle.loads(body)
    except Exception:  # noqa: BLE001 - not what a worker sends whole
        return False, None


def _read_exactly(fd: int, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _drain(queue: int, jobs: Sequence[Callable[[], T]], tolerant: bool) -> dict[int, T]:
    """Run the jobs taken from ``queue`` until it is empty; ``tolerant``: leave out a job
    that raises (the other process runs it again)."""
    got: dict[int, T] = {}
    while True:
        raw = os.read(queue, _INDEX.size)
        if len(raw) < _INDEX.size:
            return got
        (i,) = _INDEX.unpack(raw)
        if tolerant:
            try:
                got[i] = jobs[i]()
            except Exception:  # noqa: BLE001 - run again, and raised, by the parent
                continue
        else:
            got[i] = jobs[i]()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _reap(pid: int) -> None:
    """Wait for the worker (killing it first if it is still running)."""
    with contextlib.suppress(ChildProcessError, ProcessLookupError):
        if os.waitpid(pid, os.WNOHANG)[0] == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
