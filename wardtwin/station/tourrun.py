"""One tour at any station: the session, its record, interruption and the summary, written
once for the desktop, the headset and any later station. No Panda3D here.

A station is anything that follows :class:`Station`; :func:`run_tour` makes the tour's
:class:`~wardtwin.tours.engine.Session`, has the station opened for it, runs frames until the
trainee closes the end-of-tour summary, and records a run that was interrupted or lost as
abandoned before it says why.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from wardtwin.events import StationKind
from wardtwin.events.stations import StationSummary, TourStationSummary, VRSummary
from wardtwin.station.tourplay import TourPlayer
from wardtwin.store.writer import LazySessionWriter
from wardtwin.tours.engine import Session
from wardtwin.tours.spec import Pose
from wardtwin.tours.summary import TourSummary, end_summary, summary_lines

#: Longest a tour may run, s of simulated time (then it is abandoned).
MAX_TOUR_TIME = 4 * 3600.0


class Closes:
    """A context manager that calls ``close()`` on the way out."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@runtime_checkable
class Station(Protocol):
    """What every station does. A pose comes in: :meth:`place` stands the trainee at plan
    (x, y) m facing ``heading`` rad (None: as now); frames go out: :meth:`step` runs ``n``
    frames (input, motion, rendering); and it closes (:meth:`close`, or as a context
    manager). ``pose``: the trainee now, for the tour engine; ``frames``: frames run at
    ``fps`` frames/s; ``quitting``: the station asked to stop; :meth:`summary`: what was done."""

    fps: int
    frames: int

    @property
    def pose(self) -> Pose: ...

    @property
    def quitting(self) -> bool: ...

    def place(self, x: float, y: float, heading: float | None = None) -> None: ...

    def step(self, n: int = 1): ...

    def summary(self) -> StationSummary: ...

    def close(self) -> None: ...


class StationTour(Protocol):
    """A station running a tour (what :func:`run_tour`'s opener returns): its ``player``
    (:class:`~wardtwin.station.tourplay.TourPlayer`), :meth:`play` (frames until the tour is
    over, see :func:`play`), ``lost`` (why the station went away mid-tour, or None),
    :meth:`summary` and :meth:`close`."""

    player: TourPlayer
    lost: BaseException | None

    def play(self) -> None: ...

    def summary(self) -> TourStationSummary: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class TourRun:
    """A tour run at a station: ``session`` (its id), ``tour`` (the end summary) and
    ``station`` (the station's summary: frames, frame times, where the trainee ended...)."""

    session: str
    tour: TourSummary
    station: TourStationSummary

    def as_dict(self) -> dict[str, Any]:
        """The station's summary with ``tour`` and ``session`` (``wardtwin tour --format json``)."""
        return {**self.station.as_dict(), "tour": self.tour.to_dict(), "session": self.session}

    def lines(self) -> list[str]:
        """What ``wardtwin tour`` prints at the end: the tour's summary and the frame times."""
        lines, info = summary_lines(self.tour), self.station
        f, kind = info.frame_times, info.station if isinstance(info, VRSummary) else StationKind.DESKTOP
        if f.count:
            lines.append(f"{kind} station: {f.count} frames, mean {f.mean_ms:.1f} ms, p95 {f.p95_ms:.1f} ms, "
                         f"{f.over_budget_11ms} over 11.1 ms ({info.renderer})")
        return lines


def play(station: Station, player: TourPlayer, limit_s: float = MAX_TOUR_TIME) -> None:
    """Step ``station`` until the trainee closes the summary, the station quits or
    ``limit_s`` s of frames have run."""
    limit = int(limit_s * station.fps)
    while not player.closed and not station.quitting and station.frames < limit:
        station.step(1)


class Opener(Protocol):
    """Opens a station of its ``kind`` (``desktop``, ``vr``) for a session not yet begun."""

    kind: ClassVar[StationKind]

    def __call__(self, session: Session) -> StationTour: ...


def run_tour(model, tour, station: Opener, recorder=None, *, trainee: str, role: str | None = None,
             mode: str | None = None, session_id: str | None = None, layout_hash: str | None = None, comfort=None,
             observer=None) -> TourRun:
    """Run ``tour`` for ``trainee`` at the station ``station(session)`` opens, the session
    made here with ``comfort`` settings (None: the tour's). ``recorder``: where every event goes as it happens: a store (a
    :class:`~wardtwin.store.Store`, URL or SQLite path, opened at the first event), a sink
    (a callable with ``close``) or None (no record). ``observer``: also given each event,
    after the recorder (a :class:`~wardtwin.lms.client.Cmi5Session`: its ``wrap`` makes the
    sink). A run interrupted (Ctrl-C) or lost (``lost``, then raised) is recorded as
    abandoned; the recorder is closed on the way out."""
    sid = session_id or str(uuid.uuid4())
    sink = recorder if recorder is None or callable(recorder) else LazySessionWriter(recorder, sid)
    if observer is not None:
        sink = observer.wrap(sink)
    try:
        session = Session(model, tour, session_id=sid, trainee=trainee, role=role, mode=mode, station=station.kind,
                          sink=sink, layout_hash=layout_hash, settings=comfort)
        with station(session) as run:
            try:
                run.play()
            except KeyboardInterrupt:
                run.player.close("interrupted")
                raise
            lost = run.lost
            if not session.ended:
                run.player.close("headset_lost" if lost is not None else "station_closed")
            if lost is not None:
                raise lost  # recorded as abandoned first; the station and the recorder close on the way out
            return TourRun(sid, run.player.summary or end_summary(session), run.summary())
    finally:
        if sink is not None:
            sink.close()
