"""The registry of step types. Each type has a name, a schema (its fields, in file units), a
semantic check against the ward (run by :mod:`wardtwin.tours.validate`) and its runtime
behaviour (a :class:`Run`, driven by :class:`wardtwin.tours.engine.Session`).

Types: ``say``, ``go_to``, ``find``, ``route``, ``identify``, ``quiz``, ``comfort_check``,
``questionnaire``. Look one up with :func:`step_type` (unknown names raise
:class:`~wardtwin.errors.UnknownNameError` listing the valid ones).

Who moves during a step (``Run.driver``): in guided mode the autopilot, always; ``go_to`` is
a ride (the autopilot) in every mode; ``identify`` is shown by the autopilot in guided and
mixed mode; otherwise the trainee. In mixed mode the autopilot takes over a ``find`` after its
time limit and shows the way (the step is failed, with ``takeover: true``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, TypedDict, TypeVar

from wardtwin.errors import UnknownNameError, UsageError
from wardtwin.events import AnswerRevealed, ComfortRating, Driver, HintShown, Outcome, TourMode
from wardtwin.events import Questionnaire as QuestionnaireAnswered
from wardtwin.layout import vocab
from wardtwin.layout.schema import Angle, Enum, Field, Id, Length, Obj, Str
from wardtwin.metrics.scores import check_fms, soft_spl, spl, ssq_scores
from wardtwin.tours.schema import Choices, Int, Place, Seconds, step_schema
from wardtwin.tours.spec import Step

if TYPE_CHECKING:
    from wardtwin.layout.model import Point
    from wardtwin.model import Nearest, Route
    from wardtwin.tours.engine import Session
    from wardtwin.tours.sight import Navigator, Target
    from wardtwin.tours.validate import TourCheck

#: A step type's semantic check: ``validate(step, vctx)``.
Validator = Callable[[Step, "TourCheck"], None]
_R = TypeVar("_R", bound="type[Run]")

#: Default success radius of a find step (m): distance from the trainee to the item's footprint.
FIND_RADIUS = 1.5
FIND_HINT_AFTER = 20.0  # s
FIND_REVEAL_AFTER = 45.0  # s
FIND_TIME_LIMIT = 90.0  # s
#: Arriving within this (m) of an exit door completes a route step.
ROUTE_RADIUS = 1.0
#: Narration reading time: this much (s) plus per word.
SAY_BASE, SAY_PER_WORD = 2.0, 0.35


@dataclass(frozen=True)
class PathMetrics:
    """Path measures at the end of a movement step: ``walked_m`` and ``shortest_m`` (m), SPL and
    SoftSPL (0-1)."""

    walked_m: float
    shortest_m: float
    spl: float
    soft_spl: float

    def to_data(self) -> dict[str, float]:
        """As the keys of the ``step_completed`` / ``step_failed`` event data."""
        return {"walked_m": self.walked_m, "shortest_m": self.shortest_m, "spl": self.spl, "soft_spl": self.soft_spl}


@dataclass(frozen=True)
class StepType:
    """A registered step type: its ``schema``, its runtime ``run`` class and its semantic
    ``validate(step, vctx)`` (see :class:`wardtwin.tours.validate.TourCheck`)."""

    name: str
    doc: str
    schema: Obj
    run: type[Run]
    validate: Validator | None = None


STEP_TYPES: dict[str, StepType] = {}


def register(name: str, fields: list[Field], doc: str, validate: Validator | None = None) -> Callable[[_R], _R]:
    """Decorator of a :class:`Run` subclass: register step type ``name``."""

    def deco(cls: _R) -> _R:
        if name in STEP_TYPES:
            raise ValueError(f"step type {name!r} registered twice")
        STEP_TYPES[name] = StepType(name, doc, step_schema(name, fields, doc), cls, validate)
        cls.type_name = name
        return cls

    return deco


def step_type(name: str) -> StepType:
    """The registered step type ``name``."""
    try:
        return STEP_TYPES[name]
    except KeyError:
        raise UnknownNameError("step type", name, STEP_TYPES) from None


def say_duration(text: str) -> float:
    """Default time (s) a narration stays up: a base plus reading time per word."""
    return round(SAY_BASE + SAY_PER_WORD * len(str(text).split()), 2)


class Prompt(TypedDict, total=False):
    """What a station shows for a step (:attr:`Run.prompt`): ``kind`` (the step type), ``title``
    and ``driver`` always; the rest by step type: narration ``text`` (``audio`` file, shown
    ``duration_s`` s), a ride's ``target``, a find's ``radius_m`` (m) and ``time_limit_s`` (s), a
    route's ``exit`` door, a question with its ``choices`` (and the ``item`` looked at), a
    rating ``scale`` (with the comfort rule's ``stop_at``), a questionnaire's ``instrument``,
    ``phase`` and symptom ``items``."""

    kind: str
    title: str | None
    driver: Driver
    text: str | None
    audio: str | None
    duration_s: float
    target: str | None
    radius_m: float
    time_limit_s: float
    exit: str
    question: str | None
    choices: list[str]
    item: str
    scale: list[int]
    stop_at: int
    instrument: str
    phase: str
    items: list[str]


class Run:
    """One step being run. ``driver``: who moves (``autopilot`` or ``trainee``); ``waiting``:
    the answer it waits for (None: none; ``ack``, ``choice``, ``fms``, ``ssq``, ``resume``);
    ``prompt``: what a station shows; ``targets``: items that qualify (find, identify);
    ``goal``: the point the step leads to (go_to, find, route), for hints and metrics."""

    type_name = ""
    moves = False  # a movement step: reports walked/shortest/SPL

    def __init__(self, step: Step) -> None:
        self.step = step
        self.driver = Driver.TRAINEE
        self.waiting: str | None = None
        self.prompt: Prompt = {"kind": step.type, "title": step.title}
        self.targets: tuple[Target, ...] = ()
        self.goal: Point | None = None
        self.shortest: float | None = None
        self.hints = 0
        self.revealed = False

    def begin(self, s: Session) -> None:
        """Called when the step starts (``s``: the session)."""

    def update(self, s: Session, answer: object) -> None:
        """Called after each time step, with the answer given in it (or None)."""

    def hint(self, s: Session, requested: bool = False) -> bool:
        """Show a hint now (a trainee asked); False when this step has none to give."""
        return False

    def resumed(self, s: Session) -> None:
        """Called when the session resumes after a pause."""

    def metrics(self, s: Session, success: bool) -> PathMetrics | None:
        """Path measures at the end of a movement step (None for other steps)."""
        if not self.moves or self.shortest is None or self.goal is None:
            return None
        walked = s.walked
        remaining = 0.0 if success else s.nav.distance(s.pose.xy, self.goal)
        remaining = self.shortest if math.isinf(remaining) else remaining
        return PathMetrics(round(walked, 3), round(self.shortest, 3), round(spl(success, self.shortest, walked), 4),
                           round(soft_spl(self.shortest, walked, remaining), 4))


def _guided(s: Session) -> bool:
    return s.mode == TourMode.GUIDED


# --- say ---------------------------------------------------------------------------------

def _v_say(step: Step, vc: TourCheck) -> None:
    if step.get("at"):
        vc.place(step, "at")
    if step.get("audio"):
        vc.audio(step, "audio")


@register("say", [
    Field("text", Str("narration shown to the trainee", max_len=2000), required=True),
    Field("at", Place("what the narration is about: the autopilot turns to face it")),
    Field("audio", Str("audio file played with the text (relative to the tour file)", max_len=255)),
    Field("duration", Seconds("how long it stays up (default: reading time of the text)", lo=0.5, hi=600)),
], "narration: text (and optionally audio) shown for a while", _v_say)
class Say(Run):
    def begin(self, s: Session) -> None:
        self.duration = self.step.get("duration", say_duration(self.step.get("text", "")))
        self.waiting = "ack"
        self.prompt.update({"text": self.step.get("text"), "audio": self.step.get("audio"),
                            "duration_s": self.duration})
        if _guided(s):
            self.driver = Driver.AUTOPILOT
            if self.step.get("at"):
                s.autopilot.face(s.nav.place(self.step.get("at")))

    def update(self, s: Session, answer: object) -> None:
        if answer is not None:
            s.finish(True)
        elif s.elapsed >= self.duration - 1e-9:
            s.finish(True, at=s.scheduled(self.duration))


# --- go_to -------------------------------------------------------------------------------

def _v_go_to(step: Step, vc: TourCheck) -> None:
    p = vc.place(step, "target")
    if step.get("face"):
        vc.place(step, "face")
    if p is not None:
        vc.walk_to(step, "target", p)


@register("go_to", [
    Field("target", Place("room, door or item to ride to"), required=True),
    Field("text", Str("narration shown during the ride", max_len=2000)),
    Field("face", Place("what to face on arrival (default: the target item)")),
    Field("pause", Seconds("pause on arrival (default: the comfort setting)", lo=0, hi=60)),
], "a guided ride to a room, door or item, driven by the autopilot", _v_go_to)
class GoTo(Run):
    moves = True

    def begin(self, s: Session) -> None:
        self.driver = Driver.AUTOPILOT
        step = self.step
        self.prompt.update({"text": step.get("text"), "target": step.get("target")})
        goal = s.nav.place(step.get("target"))
        r = s.nav.route(s.pose.xy, goal)
        if r is None:
            s.finish(False, "unreachable")
            return
        self.goal, self.shortest = r.goal, r.length
        face = None
        if step.get("face"):
            face = s.nav.place(step.get("face"))
        elif step.get("target") in s.model.item_by_id:
            face = s.nav.target(step.get("target")).center
        s.autopilot.follow(r.points, face=face, pause=step.get("pause"))

    def update(self, s: Session, answer: object) -> None:
        if not s.autopilot.busy:
            s.finish(True)


# --- find --------------------------------------------------------------------------------

def _v_find(step: Step, vc: TourCheck) -> None:
    vc.find_targets(step)


@register("find", [
    Field("text", Str("the task shown to the trainee (default: 'Find the <name>')", max_len=2000)),
    Field("item", Id("find this item (an item id)")),
    Field("item_type", Id("find an item of this catalog type")),
    Field("category", Enum(vocab.CATEGORIES, "find an item of this category", "category")),
    Field("near", Place("only the item of the type/category nearest (walking) to this place counts")),
    Field("radius", Length("success radius: distance to the item's footprint", lo=0.2, hi=10.0)),
    Field("view_angle", Angle("full width of the view cone the item must be in", lo=5.0, hi=180.0)),
    Field("hint", Str("hint text (default: the room it is in)", max_len=500)),
    Field("hint_after", Seconds("a hint is shown after this time", lo=0, hi=3600)),
    Field("reveal_after", Seconds("the answer is shown after this time", lo=0, hi=3600)),
    Field("time_limit", Seconds("the step fails after this time", lo=1, hi=3600)),
], "the trainee must locate an item: within the success radius and in view", _v_find)
class Find(Run):
    moves = True

    def begin(self, s: Session) -> None:
        from wardtwin.tours.sight import VIEW_ANGLE

        step = self.step
        self.radius = step.get("radius", FIND_RADIUS)
        self.view_angle = step.get("view_angle", VIEW_ANGLE)
        self.hint_after = step.get("hint_after", FIND_HINT_AFTER)
        self.reveal_after = step.get("reveal_after", FIND_REVEAL_AFTER)
        self.time_limit = step.get("time_limit", FIND_TIME_LIMIT)
        self.state = "search"
        ids, best = qualifying(s.nav, step, s.pose.xy)
        self.targets = tuple(s.nav.target(i) for i in ids)
        self.waiting = None
        if best is None:
            s.finish(False, "unreachable")
            return
        self.best = s.nav.target(best.item.id)
        self.route = best.route
        self.goal, self.shortest = best.route.goal, best.route.length
        name = s.model.item_by_id[self.best.id].display if step.get("item") else _what(s, step)
        self.prompt.update({"text": step.get("text") or f"Find the {name}.", "radius_m": self.radius,
                            "time_limit_s": self.time_limit})
        if _guided(s):
            self.driver = Driver.AUTOPILOT
            s.autopilot.follow(best.route.points, face=self.best.center, pause=0.0)

    def _found(self, s: Session) -> bool:
        from wardtwin.tours.sight import found

        return any(found(s.model, s.pose, t, self.radius, self.view_angle) for t in self.targets)

    def hint(self, s: Session, requested: bool = False, at: float | None = None) -> bool:
        if self.state != "search" or self.hints:
            return False
        room = s.model.layout.room_by_id.get(self.best.room)
        text = self.step.get("hint") or f"Look in {room.name if room else self.best.room}."
        r = s.nav.route(s.pose.xy, self.route.goal)
        path = [[round(x, 2), round(y, 2)] for x, y in r.points] if r else []
        self.hints += 1
        s.emit(HintShown(hint=text, requested=requested, path=path), at=at)
        return True

    def update(self, s: Session, answer: object) -> None:
        if self.state == "assist":
            if not s.autopilot.busy:
                s.advance()
            return
        e = s.elapsed
        mine = self.driver == Driver.TRAINEE  # hints, reveals and the time limit are for trainees
        if mine and not self.hints and e >= self.hint_after:
            self.hint(s, at=s.scheduled(self.hint_after))
        if mine and not self.revealed and e >= self.reveal_after:
            self.revealed = True
            s.emit(AnswerRevealed(item=self.best.id, room=self.best.room,
                                  at_xy=[round(self.best.center[0], 3), round(self.best.center[1], 3)]),
                   at=s.scheduled(self.reveal_after))
        if mine and e >= self.time_limit - 1e-9:
            at = s.scheduled(self.time_limit)
            if s.mode == TourMode.MIXED:
                self.state = "assist"
                s.finish(False, "time_limit", advance=False, at=at, takeover=True)
                self.driver = Driver.AUTOPILOT
                s.autopilot.pose = s.pose
                r = s.nav.route(s.pose.xy, self.route.goal)
                s.autopilot.follow(r.points if r else [], face=self.best.center)
            else:
                s.finish(False, "time_limit", at=at)
            return
        if self._found(s):
            s.finish(True)
        elif self.driver == Driver.AUTOPILOT and not s.autopilot.busy:
            s.finish(False, "not_in_view")  # the autopilot arrived and still cannot see it


def _what(s: Session, step: Step) -> str:
    if step.get("item_type"):
        t = s.model.layout.catalog.get(step.get("item_type"))
        return t.name if t else step.get("item_type")
    return str(step.get("category")).replace("_", " ") + " item"


def qualifying(nav: Navigator, step: Step, origin: Point) -> tuple[tuple[str, ...], Nearest | None]:
    """``(item ids that qualify, Nearest of them from origin or None)`` for a find step."""
    model = nav.model
    if step.get("item"):
        it = model.item_by_id.get(step.get("item"))
        if it is None or it.access is None:
            return (), None
        r = nav.route(origin, it.access)
        from wardtwin.model import Nearest

        return (it.id,), (Nearest(it, r) if r is not None else None)
    if step.get("item_type"):
        kw = {"type": step.get("item_type")}
    elif step.get("category"):
        kw = {"category": step.get("category")}
    else:
        return (), None
    if step.get("near"):
        n = nav.nearest(step.get("near"), **kw)
        if n is None or n.item.access is None:  # (a found item always has an access point)
            return (), None
        r = nav.route(origin, n.item.access)
        from wardtwin.model import Nearest

        return (n.item.id,), (Nearest(n.item, r) if r is not None else None)
    ids = tuple(i.id for i in model.items if i.access is not None and (
        i.type == kw["type"] if "type" in kw else i.category == kw["category"]))
    return ids, nav.nearest(origin, **kw)


# --- route -------------------------------------------------------------------------------

def _v_route(step: Step, vc: TourCheck) -> None:
    vc.route_goal(step)


@register("route", [
    Field("text", Str("the task shown (default: 'Walk to the nearest exit')", max_len=2000)),
    Field("from", Place("where the route starts (the trainee is moved there first)")),
    Field("to", Id("the exit door to walk to (default: the nearest exit)")),
    Field("radius", Length("arriving this close to the exit door completes the step", lo=0.2, hi=5.0)),
    Field("time_limit", Seconds("the step fails after this time (default: none)", lo=1, hi=3600)),
], "walk an evacuation route from a place to the nearest (or a named) exit", _v_route)
class RouteStep(Run):
    moves = True

    def begin(self, s: Session) -> None:
        step = self.step
        self.radius = step.get("radius", ROUTE_RADIUS)
        self.time_limit = step.get("time_limit", math.inf)
        if step.get("from"):
            p = s.nav.place(step.get("from"))
            r0 = s.nav.route(p, p)
            p = r0.goal if r0 else p
            if math.hypot(p[0] - s.pose.x, p[1] - s.pose.y) > 0.5:
                s.teleport(p)
        door, r = exit_route(s.nav, s.pose.xy, step.get("to"))
        if r is None or door is None:  # (both or neither)
            s.finish(False, "unreachable")
            return
        self.door = door
        self.door_point = s.nav.place(door)
        self.goal, self.shortest = r.goal, r.length
        self.prompt.update({"text": step.get("text") or ("Walk to exit " + door if step.get("to")
                                                         else "Walk to the nearest exit."), "exit": door})
        if _guided(s):
            self.driver = Driver.AUTOPILOT
            s.autopilot.follow(r.points, pause=0.0)

    def update(self, s: Session, answer: object) -> None:
        if s.elapsed >= self.time_limit - 1e-9:
            s.finish(False, "time_limit", at=s.scheduled(self.time_limit), exit=self.door)
        elif math.hypot(self.door_point[0] - s.pose.x, self.door_point[1] - s.pose.y) <= self.radius:
            s.finish(True, exit=self.door)
        elif self.driver == Driver.AUTOPILOT and not s.autopilot.busy:
            s.finish(True, exit=self.door)  # the autopilot stands at the end of the route


def exit_route(nav: Navigator, origin: Point, door: str | None) -> tuple[str | None, Route | None]:
    """``(exit door id, Route)`` to ``door`` or to the nearest exit by walking; ``(None,
    None)`` when there is none or none can be reached."""
    plan = nav.model.plan
    doors = [door] if door else list(plan.exits)
    best: tuple[str | None, Route | None] = (None, None)
    for d in sorted(doors):
        r = nav.route(origin, nav.place(d))
        if r is not None and (best[1] is None or r.length < best[1].length - 1e-9):
            best = (d, r)
    return best


# --- identify and quiz -------------------------------------------------------------------

def _v_choice(step: Step, vc: TourCheck) -> None:
    if step.get("answer") not in step.get("choices", ()):
        vc.report(step, "answer", "step-never-succeeds",
                  f"{step.label}: the answer {step.get('answer')!r} is not one of the choices "
                  f"({', '.join(map(repr, step.get('choices', ())))}); no answer can be right")


def _v_identify(step: Step, vc: TourCheck) -> None:
    it = vc.item(step, "item")
    if it is not None:
        vc.walk_to(step, "item", vc.nav.place(it.id))
    _v_choice(step, vc)


def _choice(step: Step, answer: object) -> str:
    choices: tuple[str, ...] = step.get("choices", ())
    if isinstance(answer, int) and not isinstance(answer, bool):
        if 0 <= answer < len(choices):
            return choices[answer]
    elif isinstance(answer, str) and answer in choices:
        return answer
    raise UsageError(f"{step.label}: answer {answer!r}: one of {list(choices)} (or its index) expected")


class _Choice(Run):
    def _ask(self, s: Session) -> None:
        step = self.step
        self.time_limit = step.get("time_limit", math.inf)
        self.waiting = "choice"
        self.prompt.update({"question": step.get("question"), "choices": list(step.get("choices", ()))})

    def update(self, s: Session, answer: object) -> None:
        if s.elapsed >= self.time_limit - 1e-9:  # an answer given in the same time step came too late
            s.finish(False, "time_limit", at=s.scheduled(self.time_limit))
            return
        if answer is None:
            return
        chosen = _choice(self.step, answer)
        right = chosen == self.step.get("answer")
        data = {"answer": chosen, "correct": self.step.get("answer")}
        if self.step.get("explanation"):
            data["explanation"] = self.step.get("explanation")
        if right:
            s.finish(True, **data)
        else:
            s.finish(False, "wrong_answer", **data)


_CHOICE_FIELDS = [
    Field("choices", Choices("the answers offered"), required=True),
    Field("answer", Str("the right answer: one of the choices", max_len=200), required=True),
    Field("explanation", Str("shown after the answer", max_len=2000)),
    Field("time_limit", Seconds("the step fails after this time without an answer", lo=1, hi=3600)),
]


@register("identify", [
    Field("item", Id("the item looked at"), required=True),
    Field("question", Str("the question (default: 'What is this?')", max_len=500)),
] + _CHOICE_FIELDS, "look at an item and choose what it is (multiple choice)", _v_identify)
class Identify(_Choice):
    def begin(self, s: Session) -> None:
        self._ask(s)
        item = self.step.get("item")
        self.targets = (s.nav.target(item),)
        self.prompt.update({"question": self.step.get("question") or "What is this?", "item": item})
        if s.mode in (TourMode.GUIDED, TourMode.MIXED):
            self.driver = Driver.AUTOPILOT
            r = s.nav.route(s.pose.xy, s.nav.place(item))
            if r is not None:
                s.autopilot.follow(r.points, face=self.targets[0].center)


@register("quiz", [
    Field("question", Str("the question", max_len=500), required=True),
] + _CHOICE_FIELDS, "a question with choices", _v_choice)
class Quiz(_Choice):
    def begin(self, s: Session) -> None:
        self._ask(s)
        if _guided(s):
            self.driver = Driver.AUTOPILOT


# --- comfort check and questionnaire -----------------------------------------------------

@register("comfort_check", [
    Field("text", Str("the question shown", max_len=500)),
    Field("stop_at", Int("FMS rating at or above which the comfort rule applies (default: the comfort "
                         "setting, 15)", lo=1, hi=20)),
    Field("action", Enum(("end", "pause"), "end the session, or pause it (default: the comfort setting)",
                         "comfort action")),
], "an FMS rating 0-20 with a stop rule that pauses or ends the session kindly")
class ComfortCheck(Run):
    def begin(self, s: Session) -> None:
        self.stop_at = self.step.get("stop_at", s.settings.fms_stop)
        self.action = self.step.get("action", s.settings.fms_action)
        self.paused_once = False
        self.waiting = "fms"
        self.prompt.update({"text": self.step.get("text") or
                            "How sick do you feel right now, from 0 (not at all) to 20 (frank sickness)?",
                            "scale": [0, 20], "stop_at": self.stop_at})
        if _guided(s):
            self.driver = Driver.AUTOPILOT

    def update(self, s: Session, answer: object) -> None:
        if answer is None or self.waiting != "fms":
            return
        fms = check_fms(answer)
        stop = fms >= self.stop_at
        s.emit(ComfortRating(fms=fms, stop_at=self.stop_at, stop=stop))
        if not stop:
            s.finish(True, fms=fms)
        elif self.action == "pause" and not self.paused_once:
            self.paused_once = True
            self.waiting = "resume"
            s.hold("comfort", fms=fms, message="Let's take a break. Take the headset off or look away "
                                                "from the screen; continue when you feel ready.")
        else:
            s.finish(True, advance=False, fms=fms)
            s.end(Outcome.STOPPED_COMFORT, fms=fms, message="Thank you: we stop here for today. Please rest; "
                                                      "your progress is saved.")

    def resumed(self, s: Session) -> None:
        if self.waiting == "resume":
            self.waiting = "fms"


@register("questionnaire", [
    Field("instrument", Enum(("ssq",), "the questionnaire: ssq (Simulator Sickness Questionnaire)",
                             "instrument"), default="ssq"),
    Field("phase", Enum(("pre", "post"), "before or after the exposure", "phase"), required=True),
    Field("text", Str("an introduction shown above the form", max_len=1000)),
], "the SSQ (16 symptoms rated 0-3), typically before and after")
class Questionnaire(Run):
    def begin(self, s: Session) -> None:
        from wardtwin.metrics.scores import SSQ_ITEMS

        self.waiting = "ssq"
        self.prompt.update({"instrument": self.step.get("instrument", "ssq"), "phase": self.step.get("phase"),
                            "text": self.step.get("text"), "items": list(SSQ_ITEMS), "scale": [0, 3]})
        if _guided(s):
            self.driver = Driver.AUTOPILOT

    def update(self, s: Session, answer: object) -> None:
        if answer is None:
            return
        if not isinstance(answer, dict):
            raise UsageError(f"{self.step.label}: SSQ answers {{symptom: 0-3}} expected, not {answer!r}")
        scores = ssq_scores(answer)
        s.emit(QuestionnaireAnswered(instrument=self.step.get("instrument", "ssq"), phase=self.step.get("phase"),
                                     answers={k: answer[k] for k in sorted(answer)}, scores=scores.as_dict()))
        s.finish(True)
