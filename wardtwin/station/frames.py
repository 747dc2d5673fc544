"""Frame-time statistics of a station, for the session record: how many frames were drawn and
how many missed the budgets of a 90 Hz (11.1 ms) and a 72 Hz (13.9 ms) headset. Pure: the
station measures each frame's wall time (s) and adds it here.
"""

from __future__ import annotations

import math

import numpy as np

from wardtwin.errors import UsageError
from wardtwin.events.stations import FrameTimes

#: Frame budgets, s: 90 Hz and 72 Hz refresh.
BUDGET_90HZ = 1 / 90
BUDGET_72HZ = 1 / 72


class FrameStats:
    """Collects frame times (s) and summarises them in milliseconds."""

    def __init__(self):
        self._times: list[float] = []

    def add(self, seconds: float) -> None:
        """One frame took ``seconds`` of wall time."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not (
                math.isfinite(seconds) and seconds >= 0):
            raise UsageError(f"frame time {seconds!r}: a finite number of seconds >= 0 expected")
        self._times.append(float(seconds))

    def __len__(self) -> int:
        return len(self._times)

    def summary(self) -> FrameTimes:
        """The frame times so far (``as_dict()``: the ``session_ended`` event's ``frames``)."""
        t = np.asarray(self._times, dtype=float)
        if t.size == 0:
            return FrameTimes()
        return FrameTimes(int(t.size), int(np.count_nonzero(t > BUDGET_90HZ)), int(np.count_nonzero(t > BUDGET_72HZ)),
                          round(float(t.mean()) * 1000, 3), round(float(np.percentile(t, 95)) * 1000, 3),
                          round(float(t.max()) * 1000, 3))
