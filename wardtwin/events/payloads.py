"""One typed payload per event type: the ``data`` an event carries, with its documented keys
and their types, checked when the event is made.

A payload is made from an event's stored mapping with :meth:`Payload.from_data` (a missing key,
or a value of the wrong type, raises :class:`~wardtwin.errors.UsageError` naming the event type
and the key; a name outside an enum raises :class:`~wardtwin.errors.UnknownNameError`), and gives
that mapping back unchanged with :meth:`Payload.to_data`: the same keys, in the same order, with
the same values (enum members as their text), and keys the contract does not document kept in
:attr:`Payload.extra`. Times are seconds, lengths metres.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
import builtins
from collections.abc import Callable
from typing import Any, ClassVar, Mapping, TypeVar

from wardtwin.errors import UnknownNameError, UsageError
from wardtwin.events.kinds import EventType, Outcome, StationKind


class _Kind:
    """What a value of one key must be: ``name`` for messages, ``test`` for the check;
    ``exact``: types whose values pass without calling ``test`` (the common case, fast)."""

    __slots__ = ("exact", "name", "test")

    def __init__(self, name: str, test: Callable[[Any], bool], exact: tuple[type, ...] = ()):
        self.name, self.test, self.exact = name, test, frozenset(exact)


STR = _Kind("a text", lambda v: isinstance(v, str), (str,))
INT = _Kind("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool), (int,))
NUM = _Kind("a number", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), (int, float))
#: A yes/no flag: true or false, or 0 / 1 (synthetic and older stored sessions write numbers).
BOOL = _Kind("true or false", lambda v: isinstance(v, bool) or (isinstance(v, int) and v in (0, 1)), (bool,))
LIST = _Kind("a list", lambda v: isinstance(v, (list, tuple)), (list,))
MAP = _Kind("a mapping", lambda v: isinstance(v, Mapping), (dict,))


@dataclass(frozen=True)
class _Names:
    """A key whose text must name a member of ``enum`` (``what``: its name in messages)."""

    enum: type[StrEnum]
    what: str
    exact: ClassVar[frozenset[type]] = frozenset()

    def test(self, v: object) -> bool:
        return isinstance(v, str) and v in self.enum._value2member_map_


def _check_value(event_type: EventType, key: str, kind: _Kind | _Names, v: Any) -> None:
    """Raise the error for ``v``, the value of ``key``, when it is not of ``kind``."""
    if isinstance(kind, _Names):
        if not kind.test(v):
            raise UnknownNameError(kind.what, v if isinstance(v, str) else repr(v), [m.value for m in kind.enum])
    elif not kind.test(v):
        raise UsageError(f"{event_type} event: data key {key!r}: {kind.name} expected, not {_show(v)}")


def _req(kind: _Kind | _Names) -> Any:
    return field(metadata={"kind": kind, "required": True})


def _opt(kind: _Kind | _Names) -> Any:
    return field(default=None, metadata={"kind": kind, "required": False})


def _show(v: object) -> str:
    r = repr(v)
    return f"{type(v).__name__} {r if len(r) <= 40 else r[:37] + '...'}"


@dataclass(frozen=True, kw_only=True)
class Payload:
    """The data of one event type. Documented keys are attributes (None: absent, for optional
    ones); ``extra``: the other keys, kept as they came; ``order``: the keys of the mapping it
    was made from, in order (so :meth:`to_data` gives that mapping back exactly)."""

    type: ClassVar[EventType]
    _spec: ClassVar[tuple[tuple[str, _Kind | _Names, bool], ...]]  # (key, kind, required) of each documented key
    _kinds: ClassVar[dict[str, _Kind | _Names]]  # key -> kind
    _required: ClassVar[tuple[str, ...]]  # the keys that must be there
    _exact: ClassVar[dict[str, frozenset[builtins.type]]]  # key -> the types that pass at once

    extra: Mapping[str, Any] = field(default_factory=dict)
    order: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls._spec = ()  # filled once the dataclass decorator has made the fields (see _register)

    def __post_init__(self) -> None:
        for name, kind, required in self._spec:
            v = getattr(self, name)
            if v is None and not required:
                continue
            _check_value(self.type, name, kind, v)
            if isinstance(kind, _Names):
                object.__setattr__(self, name, kind.enum(v))

    @classmethod
    def check(cls, data: Mapping[str, Any]) -> None:
        """Check an event's stored ``data`` against this payload without making it (what an
        :class:`~wardtwin.events.Event` does when it is made: cheap enough for bulk reads)."""
        if type(data) is not dict and not isinstance(data, Mapping):
            raise UsageError(f"{cls.type} event: data: a mapping expected, not {_show(data)}")
        required = cls._required
        for name in required:
            if name not in data:
                missing = [k for k in required if k not in data]
                raise UsageError(f"{cls.type} event needs data keys: {', '.join(missing)}")
        exact = cls._exact
        for k, v in data.items():
            ok = exact.get(k)
            if ok is None or type(v) in ok or (v is None and k not in required):
                continue  # not a documented key, the common case, or an optional key left empty
            _check_value(cls.type, k, cls._kinds[k], v)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> "Payload":
        """The payload of an event's stored ``data``, checked."""
        cls.check(data)
        kinds = cls._kinds
        kw = {k: v for k, v in data.items() if k in kinds}
        extra = {k: v for k, v in data.items() if k not in kinds}
        return cls(**kw, extra=extra, order=tuple(data))

    def to_data(self) -> dict[str, Any]:
        """The mapping the store keeps: exactly the one this payload was made from (enum
        members as their text); for a payload made directly, its required keys, the optional
        ones that are set, then ``extra``."""
        known = self._kinds
        order = self.order or tuple(
            [name for name, _, required in self._spec if required or getattr(self, name) is not None]
            + [k for k in self.extra if k not in known])
        out: dict[str, Any] = {}
        for k in order:
            v = getattr(self, k) if k in known else self.extra[k]
            out[k] = v.value if isinstance(v, StrEnum) else v
        return out


#: Event type (its text) -> its payload class.
PAYLOADS: dict[str, type[Payload]] = {}


_P = TypeVar("_P", bound=type[Payload])


def _register(cls: _P) -> _P:
    cls._spec = tuple((f.name, f.metadata["kind"], f.metadata["required"]) for f in fields(cls)
                      if "kind" in f.metadata)
    cls._kinds = {name: kind for name, kind, _ in cls._spec}
    cls._exact = {name: kind.exact for name, kind, _ in cls._spec}
    cls._required = tuple(name for name, _, required in cls._spec if required)
    PAYLOADS[cls.type.value] = cls
    return cls


@_register
@dataclass(frozen=True, kw_only=True)
class SessionStarted(Payload):
    """Who runs which tour of which ward version, where and how. ``mode``: a
    :class:`~wardtwin.events.kinds.TourMode` for sessions the engine runs (kept as text: stored
    and synthetic sessions may name others); ``comfort``: the comfort settings;
    ``seed``: simulations; ``steps``: how many the tour has; ``start``: [x, y] (m);
    ``pass_mark``: the tour's share of steps to pass (0-1), when the tour sets one (reports
    judge passed/failed by it unless told another)."""

    type = EventType.SESSION_STARTED
    trainee: str = _req(STR)
    station: StationKind = _req(_Names(StationKind, "station"))
    ward: str = _req(STR)
    layout_hash: str = _req(STR)
    tour: str = _req(STR)
    tour_version: str = _req(STR)
    mode: str = _req(STR)
    role: str | None = _opt(STR)
    comfort: Mapping[str, Any] | None = _opt(MAP)
    steps: int | None = _opt(INT)
    start: list[float] | None = _opt(LIST)
    tour_revision: str | None = _opt(STR)
    seed: int | None = _opt(INT)
    started_at: str | None = _opt(STR)
    pass_mark: float | None = _opt(NUM)


@_register
@dataclass(frozen=True, kw_only=True)
class StepStarted(Payload):
    """A step begins. ``kind``: its step type; ``target``: the item, type, category, place or
    exit it is about."""

    type = EventType.STEP_STARTED
    kind: str = _req(STR)
    id: str | None = _opt(STR)
    title: str | None = _opt(STR)
    target: str | None = _opt(STR)


@_register
@dataclass(frozen=True, kw_only=True)
class HintShown(Payload):
    """A hint is shown (``requested``: the trainee asked); ``path``: the way to the goal, [[x, y], ...] (m)."""

    type = EventType.HINT_SHOWN
    hint: str = _req(STR)
    requested: bool | int | None = _opt(BOOL)
    path: list[list[float]] | None = _opt(LIST)


@_register
@dataclass(frozen=True, kw_only=True)
class AnswerRevealed(Payload):
    """The item a find step looks for is shown: its id, room and ``at_xy`` [x, y] (m)."""

    type = EventType.ANSWER_REVEALED
    item: str | None = _opt(STR)
    room: str | None = _opt(STR)
    at_xy: list[float] | None = _opt(LIST)


@_register
@dataclass(frozen=True, kw_only=True)
class StepCompleted(Payload):
    """A step ends: ``duration_s`` (pauses excluded), hints given, answer revealed; movement
    steps: ``walked_m``, ``shortest_m``, ``spl``, ``soft_spl``; choice steps: ``answer``,
    ``correct``, ``explanation``; route steps: ``exit``; comfort checks: ``fms``;
    ``takeover``: the autopilot took over after the time limit (mixed mode)."""

    type = EventType.STEP_COMPLETED
    duration_s: float = _req(NUM)
    success: bool | int | None = _opt(BOOL)
    hints: int | None = _opt(INT)
    revealed: bool | int | None = _opt(BOOL)
    walked_m: float | None = _opt(NUM)
    shortest_m: float | None = _opt(NUM)
    spl: float | None = _opt(NUM)
    soft_spl: float | None = _opt(NUM)
    answer: str | None = _opt(STR)
    correct: str | None = _opt(STR)
    explanation: str | None = _opt(STR)
    exit: str | None = _opt(STR)
    fms: int | None = _opt(INT)
    takeover: bool | int | None = _opt(BOOL)


@_register
@dataclass(frozen=True, kw_only=True)
class StepFailed(StepCompleted):
    """A step fails: the keys of :class:`StepCompleted` and its ``reason`` (unreachable,
    time_limit, not_in_view, wrong_answer, ...)."""

    type = EventType.STEP_FAILED
    reason: str = _req(STR)


@_register
@dataclass(frozen=True, kw_only=True)
class StepSkipped(Payload):
    """A step is skipped (``reason``: who skipped it) after ``duration_s``."""

    type = EventType.STEP_SKIPPED
    reason: str = _req(STR)
    duration_s: float | None = _opt(NUM)


@_register
@dataclass(frozen=True, kw_only=True)
class ComfortRating(Payload):
    """An FMS rating (0-20); ``stop``: it reached ``stop_at``, the comfort rule applies."""

    type = EventType.COMFORT_RATING
    fms: int = _req(INT)
    stop_at: int | None = _opt(INT)
    stop: bool | int | None = _opt(BOOL)


@_register
@dataclass(frozen=True, kw_only=True)
class Questionnaire(Payload):
    """A questionnaire answered: ``instrument`` ("ssq"), ``phase`` ("pre" | "post"),
    ``answers`` {item: 0-3}, ``scores`` {nausea, oculomotor, disorientation, total}."""

    type = EventType.QUESTIONNAIRE
    instrument: str = _req(STR)
    phase: str = _req(STR)
    answers: Mapping[str, Any] = _req(MAP)
    scores: Mapping[str, Any] | None = _opt(MAP)


@_register
@dataclass(frozen=True, kw_only=True)
class Paused(Payload):
    """The session pauses (``reason``: trainee, comfort, menu, ...); a comfort pause carries the
    ``fms`` rating and the ``message`` shown."""

    type = EventType.PAUSED
    reason: str = _req(STR)
    fms: int | None = _opt(INT)
    message: str | None = _opt(STR)


@_register
@dataclass(frozen=True, kw_only=True)
class Resumed(Payload):
    """The session goes on after a pause."""

    type = EventType.RESUMED


@_register
@dataclass(frozen=True, kw_only=True)
class SessionEnded(Payload):
    """The session ends: ``outcome``, ``duration_s``, ``motion`` {exposure measures}, ``steps``
    {completed, failed, skipped, total}, ``frames`` {count, over_budget_11ms, over_budget_14ms,
    p95_ms} where a station measured them; ``reason`` (abandoned), ``fms`` and ``message``
    (stopped for comfort)."""

    type = EventType.SESSION_ENDED
    outcome: Outcome = _req(_Names(Outcome, "session outcome"))
    duration_s: float = _req(NUM)
    motion: Mapping[str, Any] | None = _opt(MAP)
    steps: Mapping[str, Any] | None = _opt(MAP)
    frames: Mapping[str, Any] | None = _opt(MAP)
    reason: str | None = _opt(STR)
    fms: int | None = _opt(INT)
    message: str | None = _opt(STR)


def payload_type(name: str) -> type[Payload]:
    """The payload class of event type ``name`` (unknown names raise :class:`UnknownNameError`)."""
    cls = PAYLOADS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise UnknownNameError("event type", str(name), PAYLOADS)
    return cls


__all__ = ["AnswerRevealed", "ComfortRating", "HintShown", "PAYLOADS", "Paused", "Payload", "Questionnaire",
           "Resumed", "SessionEnded", "SessionStarted", "StepCompleted", "StepFailed", "StepSkipped",
           "StepStarted", "payload_type"]
