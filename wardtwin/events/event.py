"""The events a tour session emits: the contract between the tour engine (which emits them),
the session store (which keeps them) and the reports (which read them).

An event is plain data. Its ``id`` is derived from the session id and its sequence number,
so writing the same event twice (a replay, a sync) can never create a duplicate. Times are
seconds since the session started, on the engine's own clock (never the wall clock). Its
``data`` is the mapping the store keeps; :attr:`Event.payload` is the same data typed and
checked (see :mod:`wardtwin.events.payloads`), made when the event is made.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from wardtwin.errors import UsageError
from wardtwin.events.kinds import EventType, Outcome, values
from wardtwin.events.payloads import PAYLOADS, Payload, payload_type

#: Namespace of event ids (uuid5 of "<session>:<seq>").
EVENT_NAMESPACE = uuid.UUID("6f1d6c1e-3f3b-4c43-9d87-6a2d2f1b5e01")

#: Event type -> data keys it must carry. More keys are allowed.
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    t: tuple(name for name, _, required in cls._spec if required) for t, cls in PAYLOADS.items()}
#: The session outcomes (texts of :class:`~wardtwin.events.kinds.Outcome`).
OUTCOMES = values(Outcome)
#: Bounds a stored event must keep: its time (session seconds, exclusive) and its step index
#: (0 to MAX_STEP - 1; a sanity bound: larger values are damage, and a report would build that
#: many step rows). A session announces at most MAX_STEP steps.
MAX_T = 1e9
MAX_STEP = 1_000_000


def event_id(session: str, seq: int) -> str:
    """The stable id of event number ``seq`` of ``session``."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{session}:{seq}"))


@dataclass(frozen=True)
class Event:
    """One thing that happened in a session. ``t``: seconds since the session started;
    ``step``: index of the tour step it belongs to (None for session-level events); ``type``:
    an :class:`~wardtwin.events.kinds.EventType` (kept as its text); ``data``: the stored
    mapping, checked against the type's payload when the event is made."""

    session: str
    seq: int
    type: str
    t: float
    step: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cls = PAYLOADS.get(self.type) if type(self.type) is str else None
        if cls is None:
            cls = payload_type(self.type)  # an EventType member (stored as its text), or an unknown name
            object.__setattr__(self, "type", cls.type.value)
        cls.check(self.data)

    @cached_property
    def payload(self) -> Payload:
        """The data typed (made on first use; already checked when the event was made)."""
        return payload_type(self.type).from_data(self.data)

    @classmethod
    def of(cls, session: str, seq: int, t: float, payload: Payload, step: int | None = None) -> "Event":
        """The event carrying ``payload`` (its type is the payload's)."""
        return cls(session, seq, payload.type.value, t, step, payload.to_data())

    @property
    def kind(self) -> EventType:
        """The event type as the enum."""
        return EventType(self.type)

    @property
    def id(self) -> str:
        return event_id(self.session, self.seq)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "session": self.session, "seq": self.seq, "type": self.type,
                "t": round(self.t, 6), "step": self.step, "data": dict(self.data)}

    def to_json(self) -> str:
        """One line of JSON (keys sorted: byte-identical for equal events)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Event":
        ev = cls(d["session"], int(d["seq"]), d["type"], float(d["t"]), d.get("step"), d.get("data") or {})
        if "id" in d and d["id"] != ev.id:
            raise UsageError(f"event {d['session']}#{d['seq']}: id {d['id']} does not match its session and seq")
        return ev


__all__ = ["EVENT_NAMESPACE", "EVENT_TYPES", "Event", "MAX_STEP", "MAX_T", "OUTCOMES", "event_id"]
