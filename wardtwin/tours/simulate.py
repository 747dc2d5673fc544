"""Headless simulation: simulated trainees run a tour through the same engine as a station,
with no rendering, far faster than real time.

A simulated trainee has a skill level (:data:`SKILLS`): it hesitates before moving, may not
know where things are (then it takes wrong turns, visiting other rooms first), may walk up to
an item and look the wrong way for a while, asks for hints when lost, answers quizzes with
skill-dependent accuracy, and gives FMS and SSQ ratings drawn from a per-trainee
susceptibility. All randomness comes from the ``numpy.random.Generator`` passed in (one child
generator per trainee), so a run is reproducible from its seed. No clock is read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol, TypedDict, cast

import numpy as np

from wardtwin.errors import UnknownNameError
from wardtwin.events import Driver, Event, EventType, Outcome, StationKind, StepStatus
from wardtwin.layout.model import Point
from wardtwin.metrics.scores import SSQ_ITEMS
from wardtwin.model import WardModel
from wardtwin.tours.autopilot import Autopilot
from wardtwin.tours.engine import Session, StepResult
from wardtwin.tours.sight import Navigator
from wardtwin.tours.spec import ComfortSettings, Pose, Step, Tour
from wardtwin.tours.steps import Find, Identify, Quiz, RouteStep, Run, Say

#: Time step (s) while a simulated trainee walks, and while the autopilot drives.
DT_WALK = 0.2
DT_RIDE = 0.25
#: A session is abandoned after this much simulated time (s).
MAX_SESSION_S = 4 * 3600.0


@dataclass(frozen=True)
class Skill:
    """A simulated trainee's behaviour. ``speed`` m/s (walking cap); probabilities ``know``
    (knows where a target is), ``wrong_turn`` (a further wrong room when lost), ``miss``
    (looks the wrong way on arrival); times in s: ``hesitate`` (mean pause before moving),
    ``miss_time``, ``hint_patience`` (lost this long: asks for a hint), ``think`` (mean
    answering time); ``accuracy`` of quiz answers; ``fms_mean`` mean susceptibility (FMS
    points); ``snap`` probability of using snap turns."""

    name: str
    speed: float
    know: float
    wrong_turn: float
    miss: float
    hesitate: float
    miss_time: float
    hint_patience: float
    think: float
    accuracy: float
    fms_mean: float
    snap: float


SKILLS: dict[str, Skill] = {
    "novice": Skill("novice", 1.0, 0.35, 0.45, 0.30, 3.0, 6.0, 25.0, 7.0, 0.65, 3.5, 0.5),
    "typical": Skill("typical", 1.2, 0.60, 0.25, 0.15, 1.5, 4.0, 35.0, 4.5, 0.80, 2.5, 0.3),
    "expert": Skill("expert", 1.35, 0.90, 0.10, 0.05, 0.6, 2.0, 60.0, 2.5, 0.95, 1.5, 0.2),
}
#: ``mixed``: each trainee's skill drawn with these weights.
SKILL_MIX = {"novice": 0.3, "typical": 0.5, "expert": 0.2}
SKILL_CHOICES = tuple(SKILLS) + ("mixed",)

#: One action of a walker's plan: wait / look / miss for a time (s), walk to a point (facing a
#: point on arrival), or head for the step's goal.
_Act = (tuple[Literal["wait", "look", "miss"], float] | tuple[Literal["walk"], Point, Point | None]
        | tuple[Literal["home"]])


class Trainee:
    """One simulated trainee: its skill, comfort settings, susceptibility and generator.

    Its comfort settings are the tour's ``comfort`` defaults (those of :class:`ComfortSettings`
    when not given) with its own turn style, walking no faster than its skill's speed nor the
    tour's ``max_speed`` (m/s)."""

    def __init__(self, skill: Skill, rng: np.random.Generator, comfort: ComfortSettings | None = None) -> None:
        self.skill, self.rng = skill, rng
        self.susceptibility = float(rng.gamma(1.3, skill.fms_mean / 1.3))
        snap = bool(rng.random() < skill.snap)
        base = comfort if comfort is not None else ComfortSettings()
        self.settings = replace(base, max_speed=min(base.max_speed, skill.speed), turn="snap" if snap else "smooth")

    def think(self) -> float:
        return float(0.5 + self.rng.exponential(self.skill.think))

    def choose(self, step: Step) -> str:
        choices: list[str] = list(step.get("choices", ()))
        right: str = step.get("answer")
        wrong = [c for c in choices if c != right]
        if not wrong or self.rng.random() < self.skill.accuracy:
            return right
        return wrong[int(self.rng.integers(len(wrong)))]

    def fms(self, t: float) -> int:
        v = self.susceptibility * (1.0 + t / 1200.0) + self.rng.normal(0.0, 1.0)
        return int(min(20, max(0, round(v))))

    def ssq(self, phase: str) -> dict[str, int]:
        p = min(0.9, self.susceptibility / (12.0 if phase == "pre" else 7.0))
        out: dict[str, int] = {}
        for k in SSQ_ITEMS:
            out[k] = int(self.rng.choice([1, 2, 3], p=[0.7, 0.22, 0.08])) if self.rng.random() < p else 0
        return out


class Walker:
    """Moves a simulated trainee during the steps it drives itself (find, route, identify in
    self-directed mode): a plan of waits, walks and looks, replanned on hints and reveals."""

    def __init__(self, s: Session, trainee: Trainee, nav: Navigator) -> None:
        self.s, self.tr, self.nav, self.rng = s, trainee, nav, trainee.rng
        self.ap = Autopilot(s.settings, s.pose)
        self.plan: list[_Act] = []
        self.index = -1
        self.lost_for = 0.0
        self.homing = False
        self.gaze_offset = 0.0
        self.rooms = sorted(r for r, a in nav.model.room_anchor.items() if a is not None
                            and nav.model.room_reachable(r))

    def _goal(self) -> tuple[Point | None, Point | None]:
        """Where the current step leads and what to face there."""
        run = self.s.run
        if run is None:
            return None, None
        if isinstance(run, Find) and hasattr(run, "best"):  # (set once the item is known reachable)
            return run.goal, run.best.center
        if isinstance(run, RouteStep) and hasattr(run, "door_point"):
            return run.goal, None
        if run.targets:
            t = run.targets[0]
            return t.access or t.center, t.center
        return None, None

    def _new_step(self) -> None:
        self.index = self.s.index
        self.plan, self.lost_for, self.homing, self.gaze_offset = [], 0.0, False, 0.0
        sk = self.tr.skill
        self.plan.append(("wait", float(self.rng.exponential(sk.hesitate))))
        if self.rng.random() < sk.know:
            self._home()
        else:
            self._wander()

    def _wander(self) -> None:
        sk = self.tr.skill
        n = 1
        while n < 3 and self.rng.random() < sk.wrong_turn:
            n += 1
        for _ in range(n):
            room = self.rooms[int(self.rng.integers(len(self.rooms)))]
            anchor = self.nav.model.room_anchor[room]
            assert anchor is not None  # self.rooms holds rooms with an anchor
            self.plan.append(("walk", anchor, None))
            self.plan.append(("look", 4.0))
        self.plan.append(("home",))

    def _home(self) -> None:
        goal, face = self._goal()
        self.homing = True
        if goal is None:
            return
        self.plan.append(("walk", goal, face))
        if face is not None and self.rng.random() < self.tr.skill.miss:
            self.plan.append(("miss", self.tr.skill.miss_time))

    def on_events(self, events: Iterable[Event]) -> None:
        for e in events:
            if e.type == EventType.ANSWER_REVEALED or (e.type == EventType.HINT_SHOWN and self.rng.random() < 0.8):
                if not self.homing:
                    self.plan = []
                    self.ap.stop()
                    self._home()

    def move(self, dt: float) -> tuple[Pose, bool]:
        """The trainee's pose after ``dt`` s: ``(pose, snapped)``."""
        s = self.s
        assert s.run is not None  # the walker moves during a step
        if s.index != self.index:
            self._new_step()
        self.ap.x, self.ap.y, self.ap.heading = s.pose.x, s.pose.y, s.pose.heading
        if not self.homing:
            self.lost_for += dt
            if self.lost_for >= self.tr.skill.hint_patience and not s.run.hints:
                self.on_events(s.request_hint())
        snaps, left = 0, dt
        if not self.ap.busy and self.plan:
            act = self.plan.pop(0)
            if act[0] == "wait":
                self.ap.pause_left = act[1]
            elif act[0] == "walk":
                r = self.nav.route(s.pose.xy, act[1])
                self.ap.follow(r.points if r else [], face=act[2], pause=0.0)
            elif act[0] == "look":
                self.ap.face((s.pose.x - math.sin(s.pose.heading + 2.5), s.pose.y + math.cos(s.pose.heading + 2.5)),
                             pause=act[1] / 2)
            elif act[0] == "miss":
                self.gaze_offset = float(self.rng.choice([-1.0, 1.0]) * self.rng.uniform(1.2, 2.2))
                self.ap.pause_left = act[1]
            elif act[0] == "home":
                self._home()
        elif not self.ap.busy and not self.plan:
            self.gaze_offset = 0.0
            goal, face = self._goal()
            if face is not None:
                self.ap.face(face)
        m = self.ap.advance(left)
        snaps += m.snaps
        p = self.ap.pose
        gaze = p.heading + self.gaze_offset if self.gaze_offset and not self.ap.face_at else None
        if self.gaze_offset and not self.ap.pause_left:
            self.gaze_offset = 0.0
        return Pose(p.x, p.y, p.heading, gaze), snaps > 0


def run_trainee(model: WardModel, tour: Tour, rng: np.random.Generator, *, skill: Skill, session_id: str,
                trainee_id: str, mode: str | None = None, nav: Navigator | None = None,
                sink: Callable[[Event], object] | None = None,
                layout_hash: str | None = None, seed: int | None = None) -> Session:
    """Run one simulated trainee through ``tour``; returns the ended session."""
    nav = nav or Navigator(model)
    tr = Trainee(skill, rng, tour.comfort)
    s = Session(model, tour, session_id=session_id, trainee=trainee_id, settings=tr.settings, mode=mode,
                station=StationKind.SIM, sink=sink, nav=nav, layout_hash=layout_hash, seed=seed, role=skill.name)
    walker = Walker(s, tr, nav)
    s.begin()
    while not s.ended:
        if s.t > MAX_SESSION_S:
            s.abandon("simulation time limit")
            break
        run, w = s.run, s.waiting
        assert run is not None  # begun and not ended: a step runs
        if s.paused:
            s.step(float(rng.uniform(60.0, 180.0)))
            tr.susceptibility *= 0.6
            s.resume()
            continue
        riding = run.driver == Driver.AUTOPILOT and s.autopilot.busy
        if w == "ack" and not riding:
            s.step(max(0.0, cast(Say, run).duration - s.elapsed) + 1e-6)  # (only a say step waits for an ack)
        elif w in ("choice", "fms", "ssq") and not riding and not (
                w == "choice" and run.driver == Driver.TRAINEE and run.targets and not _near(s, run)):
            think = tr.think()
            answer = (tr.choose(run.step) if w == "choice" else tr.fms(s.t) if w == "fms"
                      else tr.ssq(run.step.get("phase")))
            limit = cast("Identify | Quiz", run).time_limit if w == "choice" else math.inf
            if w == "choice" and math.isfinite(limit) and s.elapsed + think >= limit:
                s.step(limit - s.elapsed + 1e-6)
            else:
                s.step(think, answer=answer)
        elif run.driver == Driver.AUTOPILOT:
            s.step(DT_RIDE)
        else:
            pose, snapped = walker.move(DT_WALK)
            walker.on_events(s.step(DT_WALK, pose, snap_turn=snapped))
    return s


def _near(s: Session, run: Run) -> bool:
    t = run.targets[0]
    return t.distance(s.pose.xy) <= 1.5


class Quantiles(TypedDict):
    """Mean and 10th / 50th / 90th percentiles of some values (None: no values)."""

    mean: float | None
    p10: float | None
    p50: float | None
    p90: float | None


#: A histogram bin: values ``from`` <= v < ``to`` (the last bin includes 1) and their ``count``
#: ("from" is a keyword, hence the functional form).
HistogramBin = TypedDict("HistogramBin", {"from": float, "to": float, "count": int})


class SplSummary(Quantiles):
    """The SPL of find and route steps: quantiles, how many (``n``) and a 5-bin histogram."""

    n: int
    histogram: list[HistogramBin]


class StepStats(TypedDict):
    """One tour step over the simulated sessions (times s)."""

    index: int
    id: str
    type: str
    title: str | None
    reached: int
    success_rate: float | None
    failed: int
    skipped: int
    time_s: Quantiles
    hints_mean: float | None
    revealed: int
    spl_mean: float | None
    reasons: dict[str | None, int]


class FailedStep(TypedDict):
    """A step among those that fail most: its success rate and why it failed."""

    index: int
    id: str
    type: str
    success_rate: float
    reasons: dict[str | None, int]


class EventSink(Protocol):
    """Where a simulated session's events go (a recorder): ``write`` each, ``close`` at the end."""

    def write(self, event: Event) -> None: ...

    def close(self) -> None: ...


@dataclass
class SimReport:
    """Aggregate of a simulation (plain numbers; times s, paths m)."""

    tour: str
    ward: str
    mode: str
    skill: str
    trainees: int
    seed: int | None
    outcomes: dict[Outcome, int]
    completion_rate: float
    total_time: Quantiles
    sim_seconds: float
    steps: list[StepStats]
    spl: SplSummary
    fail_most: list[FailedStep]
    motion: dict[str, Quantiles] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _q(values: Sequence[float]) -> Quantiles:
    if not values:
        return {"mean": None, "p10": None, "p50": None, "p90": None}
    a = np.asarray(values, dtype=float)

    def at(q: float) -> float:
        return round(float(np.quantile(a, q)), 3)

    return {"mean": round(float(a.mean()), 3), "p10": at(0.1), "p50": at(0.5), "p90": at(0.9)}


def aggregate(tour: Tour, sessions: list[Session], *, mode: str, skill: str, seed: int | None) -> SimReport:
    """Completion rate, time per step and in total, the SPL distribution and the steps that
    fail most, over ended sessions."""
    n = len(sessions)
    outcomes: dict[Outcome, int] = {}
    for s in sessions:
        if s.outcome is not None:  # (every session given has ended)
            outcomes[s.outcome] = outcomes.get(s.outcome, 0) + 1
    by_step: dict[int, list[StepResult]] = {i: [] for i in range(len(tour.steps))}
    for s in sessions:
        for r in s.results:
            by_step[r.index].append(r)
    steps: list[StepStats] = []
    spls: list[float] = []
    for st in tour.steps:
        rs = by_step[st.index]
        ok = sum(r.success for r in rs)
        failed = sum(r.status == StepStatus.FAILED for r in rs)
        skipped = sum(r.status == StepStatus.SKIPPED for r in rs)
        sp = [r.spl for r in rs if r.spl is not None]
        if st.type in ("find", "route"):
            spls.extend(sp)
        steps.append({
            "index": st.index + 1, "id": st.id, "type": st.type, "title": st.title, "reached": len(rs),
            "success_rate": round(ok / len(rs), 4) if rs else None, "failed": failed, "skipped": skipped,
            "time_s": _q([r.duration for r in rs]),
            "hints_mean": round(float(np.mean([r.hints for r in rs])), 3) if rs else None,
            "revealed": sum(r.revealed for r in rs),
            "spl_mean": round(float(np.mean(sp)), 4) if sp else None,
            "reasons": _count(r.reason for r in rs if r.status == StepStatus.FAILED),
        })
    failing = [(s, rate) for s in steps if s["reached"] and (rate := s["success_rate"]) is not None and rate < 1]
    fail_most = sorted(failing, key=lambda sr: (sr[1], sr[0]["index"]))[:5]
    hist, edges = np.histogram(spls, bins=5, range=(0.0, 1.0)) if spls else (np.zeros(5, int), np.linspace(0, 1, 6))
    motion = _q([s.meter.path for s in sessions])
    return SimReport(
        tour=tour.id, ward=sessions[0].model.layout.ward.id if sessions else tour.ward, mode=mode, skill=skill,
        trainees=n, seed=seed, outcomes=dict(sorted(outcomes.items())),
        completion_rate=round(outcomes.get(Outcome.COMPLETED, 0) / n, 4) if n else 0.0,
        total_time=_q([s.t for s in sessions]), sim_seconds=round(sum(s.t for s in sessions), 3), steps=steps,
        spl={**_q(spls), "n": len(spls),
             "histogram": [{"from": round(float(a), 2), "to": round(float(b), 2), "count": int(c)}
                           for a, b, c in zip(edges[:-1], edges[1:], hist)]},
        fail_most=[{"index": s["index"], "id": s["id"], "type": s["type"], "success_rate": rate,
                    "reasons": s["reasons"]} for s, rate in fail_most],
        motion={"path_m": motion},
    )


def _count(xs: Iterable[str | None]) -> dict[str | None, int]:
    out: dict[str | None, int] = {}
    for x in xs:
        out[x] = out.get(x, 0) + 1
    return dict(sorted(out.items()))


def simulate(model: WardModel, tour: Tour, trainees: int, rng: np.random.Generator, *, skill: str = "mixed",
             mode: str | None = None, sink_factory: Callable[[str], EventSink] | None = None,
             progress: Callable[[int, int], object] | None = None, seed: int | None = None) -> SimReport:
    """Run ``trainees`` simulated trainees. ``rng`` gives each its own child generator;
    ``skill``: novice, typical, expert or mixed; ``sink_factory(session_id)`` -> an event sink
    (and something with ``close()``), e.g. a recorder; ``progress(done, total)`` is called after
    each trainee. Reproducible: the same generator state gives the same events."""
    from wardtwin.layout.dump import layout_hash

    if skill not in SKILL_CHOICES:
        raise UnknownNameError("skill", skill, SKILL_CHOICES)
    mode = mode or tour.mode
    nav = Navigator(model)
    lh = layout_hash(model.layout)
    names, weights = list(SKILL_MIX), np.array(list(SKILL_MIX.values()))
    sessions: list[Session] = []
    children = rng.spawn(trainees)
    for i, child in enumerate(children):
        sk = SKILLS[skill] if skill != "mixed" else SKILLS[names[int(child.choice(len(names), p=weights))]]
        tag = int(child.integers(0, 2 ** 32))
        sid = f"sim-{tour.id}-{i + 1:05d}-{tag:08x}"
        sink = sink_factory(sid) if sink_factory else None
        try:
            s = run_trainee(model, tour, child, skill=sk, session_id=sid, trainee_id=f"sim-{i + 1:05d}", mode=mode,
                            nav=nav, sink=sink.write if sink is not None else None, layout_hash=lh, seed=seed)
        finally:
            if sink is not None:
                sink.close()
        sessions.append(s)
        if progress is not None:
            progress(i + 1, trainees)
    return aggregate(tour, sessions, mode=mode, skill=skill, seed=seed)


def format_report(r: SimReport) -> str:
    """The report as text tables."""
    lines = [f"{r.tour} on {r.ward}: {r.trainees} simulated trainees ({r.skill}), mode {r.mode}, seed {r.seed}",
             f"completion rate: {r.completion_rate * 100:.1f} %   outcomes: "
             + ", ".join(f"{k} {v}" for k, v in r.outcomes.items()),
             "total time (s): " + _fmt_q(r.total_time),
             "SPL (find, route): " + _fmt_q(r.spl) + f"   n={r.spl['n']}",
             "  histogram: " + "  ".join(f"{h['from']:.1f}-{h['to']:.1f}: {h['count']}" for h in r.spl["histogram"]),
             "",
             f"{'#':>3} {'type':14} {'id':22} {'success':>8} {'time p50':>9} {'p90':>7} {'hints':>6} {'SPL':>6}"]
    for s in r.steps:
        sr = "-" if s["success_rate"] is None else f"{s['success_rate'] * 100:.0f} %"
        t50 = "-" if s["time_s"]["p50"] is None else f"{s['time_s']['p50']:.1f}"
        t90 = "-" if s["time_s"]["p90"] is None else f"{s['time_s']['p90']:.1f}"
        h = "-" if s["hints_mean"] is None else f"{s['hints_mean']:.2f}"
        spl_ = "-" if s["spl_mean"] is None else f"{s['spl_mean']:.2f}"
        lines.append(f"{s['index']:>3} {s['type']:14} {s['id'][:22]:22} {sr:>8} {t50:>9} {t90:>7} {h:>6} {spl_:>6}")
    lines.append("")
    if r.fail_most:
        lines.append("steps that fail most: " + "; ".join(
            f"#{f['index']} {f['id']} ({f['success_rate'] * 100:.0f} % success"
            + (", " + ", ".join(f"{k} {v}" for k, v in f["reasons"].items()) if f["reasons"] else "") + ")"
            for f in r.fail_most))
    else:
        lines.append("steps that fail most: none (every step reached succeeded)")
    return "\n".join(lines)


def _fmt_q(q: Quantiles) -> str:
    if q.get("mean") is None:
        return "-"
    return f"mean {q['mean']:.2f}, p10 {q['p10']:.2f}, p50 {q['p50']:.2f}, p90 {q['p90']:.2f}"
