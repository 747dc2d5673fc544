"""The tour engine: one :class:`Session` runs one tour for one trainee.

Pure and deterministic: it is stepped with a time step (s) and, when the trainee drives, a
:class:`~wardtwin.tours.spec.Pose`; it never reads a clock, a keyboard or a random source and
imports no Panda3D. It returns the :class:`~wardtwin.events.Event` s each step emits
(times are session seconds). A station and the simulator feed it the same way::

    s = Session(model, tour, session_id="...", trainee="T-17")
    while not s.ended:
        events = s.step(1 / 60, pose=station_pose(), answer=station_answer())
        # s.driver == "autopilot": the pose comes from the engine; read s.pose to render
        # s.waiting: the answer the step waits for; s.prompt: what to show

Answers: ``ack`` (any value closes a narration), ``choice`` (a choice's text or index),
``fms`` (an integer 0-20), ``ssq`` (``{symptom: 0-3}`` for the 16 SSQ items). Trainee
actions: :meth:`Session.skip`, :meth:`Session.request_hint`, :meth:`Session.pause`,
:meth:`Session.resume`, :meth:`Session.quit`, :meth:`Session.abandon`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from wardtwin.errors import UnknownNameError, UsageError
from wardtwin.events import (
    Driver, Event, Outcome, Paused, Payload, Resumed, SessionEnded, SessionStarted, StationKind, StepCompleted,
    StepFailed, StepSkipped, StepStarted, StepStatus, TourMode, values,
)
from wardtwin.layout.model import Point
from wardtwin.model import WardModel
from wardtwin.tours.autopilot import Autopilot, Motion, MotionMeter, trainee_motion
from wardtwin.tours.sight import Navigator
from wardtwin.tours.spec import ComfortSettings, Pose, Step, Tour
from wardtwin.tours.steps import PathMetrics, Prompt, Run, step_type

#: Stations that run sessions (texts of :class:`~wardtwin.events.StationKind`).
STATIONS = values(StationKind)
#: Largest time step accepted (s).
MAX_DT = 3600.0


@dataclass(frozen=True)
class StepResult:
    """How one step went: ``status`` completed / failed / skipped; times in s, paths in m."""

    index: int
    id: str
    type: str
    status: StepStatus
    duration: float
    reason: str | None = None
    hints: int = 0
    revealed: bool = False
    walked: float | None = None
    shortest: float | None = None
    spl: float | None = None
    soft_spl: float | None = None

    @property
    def success(self) -> bool:
        return self.status == StepStatus.COMPLETED


class Session:
    """One run of ``tour`` on ``model`` (see the module doc).

    ``settings``: the trainee's comfort settings (default: the tour's comfort defaults);
    ``mode``: guided / self_directed / mixed (default: the tour's); ``start``: a place name
    or point (default: the tour's start, else the ward's entrance); ``sink``: called with each
    event as it is emitted (a recorder); ``nav``: a shared :class:`Navigator`."""

    def __init__(self, model: WardModel, tour: Tour, *, session_id: str, trainee: str,
                 settings: ComfortSettings | None = None, mode: str | None = None, station: str = StationKind.SIM,
                 role: str | None = None, seed: int | None = None, start: str | Sequence[float] | None = None,
                 sink: Callable[[Event], object] | None = None, nav: Navigator | None = None,
                 layout_hash: str | None = None) -> None:
        if not session_id or not isinstance(session_id, str):
            raise UsageError("session_id: a non-empty text expected")
        if not trainee or not isinstance(trainee, str):
            raise UsageError("trainee: a non-empty id expected")
        mode = mode or tour.mode
        if mode not in values(TourMode):
            raise UnknownNameError("mode", mode, values(TourMode))
        if station not in STATIONS:
            raise UnknownNameError("station", station, STATIONS)
        for st in tour.steps:
            step_type(st.type)
        self.model, self.tour, self.station = model, tour, StationKind(station)
        self.mode = TourMode(mode)
        self.session_id, self.trainee, self.role, self.seed = session_id, trainee, role, seed
        self.settings = settings if settings is not None else tour.comfort
        self.nav = nav if nav is not None else Navigator(model)
        if nav is not None and nav.model is not model:
            raise UsageError("nav: a Navigator of the same ward model expected")
        self.sink = sink
        #: Called when the session ends; the dict it returns joins the ``session_ended`` data
        #: (a station's frame-time statistics, ``{"frames": {...}}``).
        self.end_data: Callable[[], Mapping[str, object] | None] | None = None
        #: Station facts for the ``session_started`` data, set before the session begins: its
        #: ``comfort`` entries join the comfort settings (e.g. ``locomotion``), other keys are
        #: added (e.g. ``display``).
        self.start_data: dict[str, object] = {}
        self._layout_hash = layout_hash
        where = start if start is not None else (tour.start or model.layout.ward.entrance)
        if where is None:  # (a compiled ward has an entrance)
            raise UsageError(f"ward {model.layout.ward.id}: no entrance to start the tour at; give a start")
        xy = self.nav.place(where) if isinstance(where, str) else (float(where[0]), float(where[1]))
        self.pose = Pose(xy[0], xy[1], 0.0)
        self.autopilot = Autopilot(self.settings, self.pose)
        self.meter = MotionMeter()
        self.t = 0.0
        self.index = -1
        self.run: Run | None = None
        self.results: list[StepResult] = []
        self.events: list[Event] = []
        self.begun = self.ended = self.paused = False
        self.outcome: Outcome | None = None
        self.walked = 0.0
        self._seq = 0
        self._out: list[Event] = []
        self._t0 = 0.0
        self._paused_in_step = 0.0
        self._last_t = 0.0

    # -- what a station reads ---------------------------------------------------------------
    @property
    def current(self) -> Step | None:
        """The step being run (None before the start and after the end)."""
        return self.run.step if self.run is not None and not self.ended else None

    @property
    def driver(self) -> Driver:
        """Who moves now: ``autopilot`` (read :attr:`pose`) or ``trainee`` (pass poses)."""
        return self.run.driver if self.run is not None and not self.ended else Driver.TRAINEE

    @property
    def waiting(self) -> str | None:
        """The answer the step waits for (see the module doc), or None."""
        if self.ended or self.run is None:
            return None
        return self.run.waiting

    @property
    def prompt(self) -> Prompt:
        """What a station shows for the current step (text, choices, ...; a copy)."""
        return self.run.prompt.copy() if self.run is not None and not self.ended else {}

    @property
    def elapsed(self) -> float:
        """Time in the current step (s), pauses excluded."""
        return self.t - self._t0 - self._paused_in_step

    def scheduled(self, after: float) -> float:
        """The session time of ``after`` s into the current step (for events due mid-step)."""
        return self.t - (self.elapsed - after)

    # -- stepping ---------------------------------------------------------------------------
    def begin(self) -> list[Event]:
        """Emit ``session_started`` and start the first step (done by the first :meth:`step`)."""
        self._out = []
        if not self.begun:
            self.begun = True
            from wardtwin.layout.dump import layout_hash

            lay = self.model.layout
            extra = dict(self.start_data or {})
            comfort = {**self.settings.to_dict(),
                       **dict(cast(Mapping[str, object], extra.pop("comfort", None) or {}))}
            self.emit(SessionStarted(
                trainee=self.trainee, station=self.station, ward=lay.ward.id,
                layout_hash=self._layout_hash or layout_hash(lay), tour=self.tour.id, tour_version=self.tour.digest,
                mode=self.mode.value, comfort=comfort, steps=len(self.tour.steps),
                start=[round(self.pose.x, 3), round(self.pose.y, 3)], tour_revision=self.tour.revision or None,
                role=self.role or None, seed=self.seed, pass_mark=self.tour.pass_mark, extra=extra), step=None)  # extra: the station's display
            self._start(0)
        return self._take()

    def step(self, dt: float, pose: Pose | None = None, answer: object = None, *, snap_turn: bool = False,
             teleport: bool = False) -> list[Event]:
        """Advance the session by ``dt`` s. ``pose``: where the trainee is now (ignored while
        the autopilot drives); ``answer``: the answer given during this step; ``snap_turn`` /
        ``teleport``: the trainee's pose change was a snap turn / teleport. Returns the events
        emitted (none once the session has ended)."""
        if self.ended:
            return []
        if isinstance(dt, bool) or not isinstance(dt, (int, float)) or not (0 <= dt <= MAX_DT) or math.isnan(dt):
            raise UsageError(f"dt {dt!r}: a time step of 0 to {MAX_DT:g} s expected")
        out = self.begin() if not self.begun else []
        self._out = out
        if self.ended:
            return self._take()
        run = self.run
        assert run is not None  # begun and not ended: a step is running
        if self.paused:
            self.t += dt
            self._paused_in_step += dt
            self.meter.add(Motion(dt=dt))
            if pose is not None:
                self.pose = pose
                self.autopilot.pose = pose
            return self._take()
        if run.driver == Driver.AUTOPILOT:
            m = self.autopilot.advance(dt)
            self.pose = self.autopilot.pose
        else:
            if pose is not None:
                if not isinstance(pose, Pose):
                    raise UsageError(f"pose {pose!r}: a wardtwin.tours.spec.Pose expected")
                m = trainee_motion(self.pose, pose, dt, snap_turn, teleport)
                self.pose = pose
            else:
                m = Motion(dt=dt)
            self.autopilot.pose = self.pose
        self.meter.add(m)
        self.walked += m.distance
        self.t += dt
        run.update(self, answer)
        return self._take()

    def _take(self) -> list[Event]:
        out, self._out = self._out, []
        return out

    # -- trainee actions --------------------------------------------------------------------
    def skip(self, reason: str = "trainee") -> list[Event]:
        """Skip the current step."""
        self._out = []
        if self.begun and not self.ended and self.run is not None and not self.paused:
            self._result(StepStatus.SKIPPED, reason)
            self.emit(StepSkipped(reason=reason, duration_s=round(self.elapsed, 3)))
            self.advance()
        return self._take()

    def request_hint(self) -> list[Event]:
        """Ask for a hint (find steps give one, once)."""
        self._out = []
        if self.begun and not self.ended and self.run is not None and not self.paused:
            self.run.hint(self, requested=True)
        return self._take()

    def pause(self, reason: str = "trainee", **data: Any) -> list[Event]:
        """Pause: time passes but the step's clock (hints, limits) stops."""
        self._out = []
        if self.begun and not self.ended:
            self.hold(reason, **data)
        return self._take()

    def resume(self) -> list[Event]:
        """End a pause (after a comfort pause, the comfort check is asked again)."""
        self._out = []
        if self.paused and not self.ended:
            self.paused = False
            self.emit(Resumed())
            if self.run is not None:
                self.run.resumed(self)
        return self._take()

    def quit(self) -> list[Event]:
        """The trainee quits: the session ends with outcome ``quit``."""
        self._out = []
        if self.begun and not self.ended:
            self.end(Outcome.QUIT)
        return self._take()

    def abandon(self, reason: str = "station") -> list[Event]:
        """The session is given up (a station closed, a timeout): outcome ``abandoned``."""
        self._out = []
        if self.begun and not self.ended:
            self.end(Outcome.ABANDONED, reason=reason)
        return self._take()

    # -- used by step runs ------------------------------------------------------------------
    def emit(self, payload: Payload, at: float | None = None,
             step: int | None | Literal["current"] = "current") -> Event:
        """Emit the event carrying ``payload`` (its type and data) at session time ``at``
        (default: now), of step ``step`` (default: the current one)."""
        t = self.t if at is None else max(min(at, self.t), self._last_t)
        self._last_t = t
        idx = (self.index if self.run is not None else None) if step == "current" else step
        ev = Event.of(self.session_id, self._seq, round(t, 6), payload, idx)
        self._seq += 1
        self.events.append(ev)
        self._out.append(ev)
        if self.sink is not None:
            self.sink(ev)
        return ev

    def hold(self, reason: str, **data: Any) -> None:
        """Pause the session (from a step run; see :meth:`pause`)."""
        if not self.paused:
            self.paused = True
            self.autopilot.speed = 0.0
            self.emit(Paused(reason=reason, **data))

    def teleport(self, xy: Point) -> None:
        """Move the trainee to ``xy`` at once (a teleport in the motion exposure)."""
        self.autopilot.pose = self.pose
        self.autopilot.teleport(xy)
        self.meter.add(Motion(teleports=1))
        self.autopilot._pending = None
        self.pose = self.autopilot.pose

    def finish(self, success: bool, reason: str | None = None, advance: bool = True, at: float | None = None,
               **data: Any) -> None:
        """End the current step (completed when ``success``), then start the next."""
        run = self.run
        assert run is not None  # called by the running step
        t = self.t if at is None else at
        duration = round(max(0.0, t - self._t0 - self._paused_in_step), 3)
        metrics = run.metrics(self, success)
        body: dict[str, Any] = {
            "duration_s": duration, "success": bool(success), "hints": run.hints, "revealed": run.revealed,
            **(metrics.to_data() if metrics is not None else {}), **data}
        self.emit(StepCompleted(**body) if success else StepFailed(reason=reason or "failed", **body), at=at)
        self._result(StepStatus.COMPLETED if success else StepStatus.FAILED, reason, duration, metrics)
        if advance:
            self.advance(at)

    def _result(self, status: StepStatus, reason: str | None, duration: float | None = None,
                metrics: PathMetrics | None = None) -> None:
        run, m = self.run, metrics
        assert run is not None  # a step is running
        self.results.append(StepResult(
            run.step.index, run.step.id, run.step.type, status,
            round(self.elapsed, 3) if duration is None else duration, reason, run.hints, run.revealed,
            *((m.walked_m, m.shortest_m, m.spl, m.soft_spl) if m is not None else (None,) * 4)))

    def advance(self, at: float | None = None) -> None:
        """Start the step after the current one (or end the session after the last)."""
        if self.ended:
            return
        if self.index + 1 >= len(self.tour.steps):
            self.end(Outcome.COMPLETED, at=at)
        else:
            self._start(self.index + 1, at)

    def _start(self, i: int, at: float | None = None) -> None:
        if not self.tour.steps:
            self.end(Outcome.COMPLETED, at=at)
            return
        self.index = i
        self._t0 = self.t if at is None else at
        self._paused_in_step = 0.0
        self.walked = 0.0
        step = self.tour.steps[i]
        self.autopilot.stop()
        self.autopilot.pose = self.pose
        self.run = run = step_type(step.type).run(step)
        target = next((step.get(k) for k in ("item", "item_type", "category", "target", "to") if step.get(k)), None)
        # target: what the step is about, for the per-step report
        self.emit(StepStarted(kind=step.type, id=step.id, title=step.title or None,
                              target=None if target is None else str(target)), at=at)
        run.begin(self)
        if not self.ended and self.index == i:
            run.prompt["driver"] = run.driver

    def end(self, outcome: Outcome | str, at: float | None = None, **data: Any) -> None:
        """End the session with ``outcome`` (completed, stopped_comfort, abandoned, quit)."""
        if self.ended:
            return
        if outcome not in values(Outcome):
            raise UnknownNameError("session outcome", str(outcome), values(Outcome))
        outcome = Outcome(outcome)
        counts = {k.value: sum(1 for r in self.results if r.status == k) for k in StepStatus}
        t = self.t if at is None else at
        extra = dict(self.end_data() or {}) if self.end_data is not None else {}
        self.emit(SessionEnded(outcome=outcome, duration_s=round(t, 3), motion=self.meter.summary().to_data(),
                               steps={**counts, "total": len(self.tour.steps)}, **{**extra, **data}), at=at, step=None)
        self.ended = True
        self.outcome = outcome
        self.paused = False

