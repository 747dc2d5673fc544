"""Panda3D's own statistics for the benchmarks: a PStats `text-stats` server on a loopback
port, and a reader of what it prints.

The server prints every frame it receives as a block: a header line
(``Thread Main frame 12, 8.02 ms (124.7 Hz):``) and one line per collector, indented two
spaces per level (``  Cull = 2.1 ms``, ``    eye-left = 1.0 ms``, ``  Geoms = 42``). With
``pstats-gpu-timing true`` the GPU's timer queries come as frames of a thread named after the
renderer. Times are milliseconds.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HEADER = re.compile(r"^Thread (.+?) frame (\d+), ([0-9.eE+-]+) ms")
_ROW = re.compile(r"^((?:  )+)(.*?) = ([0-9.eE+-]+)(?: (ms|K|MB))?\s*$")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse(text: str) -> list[dict]:
    """The frames in ``text``: ``{"thread", "frame", "ms", "values": {"Draw/eye-left/Clear": v}}``,
    in the order printed (a frame cut off at the end of the text is left out)."""
    frames, cur, stack = [], None, []
    for line in text.splitlines():
        m = _HEADER.match(line)
        if m:
            cur = {"thread": m.group(1), "frame": int(m.group(2)), "ms": float(m.group(3)), "values": {}}
            frames.append(cur)
            stack = []
            continue
        m = _ROW.match(line)
        if m and cur is not None:
            depth = len(m.group(1)) // 2
            del stack[depth - 1:]
            stack.append(m.group(2))
            cur["values"]["/".join(stack)] = float(m.group(3))
        elif not line.strip():
            cur = None
    return frames


def medians(frames: list[dict], thread: str | None = None) -> dict[str, float]:
    """Per collector path, the median over ``frames`` (of ``thread``: a prefix of its name;
    None for the main thread). A collector missing from a frame counts as 0 there."""
    picked = [f for f in frames if (f["thread"] == "Main" if thread is None else f["thread"].startswith(thread))]
    keys = {k for f in picked for k in f["values"]}
    return {k: statistics.median(f["values"].get(k, 0.0) for f in picked) for k in keys} if picked else {}


class TextStats:
    """A `text-stats` server on loopback. :meth:`connect` starts a recording (the Panda3D
    client connects), :meth:`frames` ends it and returns the frames it received."""

    def __init__(self):
        exe = shutil.which("text-stats") or str(Path(sys.executable).parent / "text-stats")
        self.proc = None
        if not Path(exe).exists():
            return
        self.port = _free_port()
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".txt", delete=False)
        # its own process group: the console script runs the real server as a child, which a
        # plain terminate() of the script would leave running
        self.proc = subprocess.Popen([exe, "-p", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        time.sleep(0.8)

    def connect(self) -> bool:
        from panda3d.core import PStatClient

        if self.proc is None:
            return False
        self.offset = Path(self.log.name).stat().st_size  # read only what this recording adds
        return PStatClient.connect("127.0.0.1", self.port)

    def frames(self) -> list[dict]:
        """Disconnect and return the frames received since :meth:`connect` (see :func:`parse`)."""
        from panda3d.core import PStatClient

        PStatClient.disconnect()
        text = ""
        for _ in range(40):  # the server prints frames as they arrive and "Lost connection." last
            time.sleep(0.25)
            with open(self.log.name, errors="replace") as fh:
                fh.seek(self.offset)
                text = fh.read()
            if "Lost connection." in text:
                break
        return parse(text)

    def max_geoms(self) -> int | None:
        """The most geoms drawn in one frame since :meth:`connect` (None: no frame drew any)."""
        counts = [f["values"].get("Geoms", 0) for f in self.frames() if f["thread"] == "Main"]
        return int(max(counts)) if counts and max(counts) > 0 else None

    def close(self):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # the group it leads: the script and the server
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=5)
            Path(self.log.name).unlink(missing_ok=True)
            self.proc = None
