"""The event contract: what a tour session emits, the store keeps and the reports read.

Below :mod:`wardtwin.tours`, :mod:`wardtwin.store` and :mod:`wardtwin.reports` (it imports
none of them): :mod:`~wardtwin.events.kinds` (event types, outcomes, step statuses, drivers,
stations and tour modes as enums), :mod:`~wardtwin.events.payloads` (one typed payload per
event type), :mod:`~wardtwin.events.event` (the :class:`Event` itself, its stable id) and
:mod:`~wardtwin.events.stations` (what a station reports of a run: frame times, summaries).
"""

from wardtwin.events.event import EVENT_NAMESPACE, EVENT_TYPES, MAX_STEP, MAX_T, OUTCOMES, Event, event_id
from wardtwin.events.kinds import Driver, EventType, Outcome, StationKind, StepStatus, TourMode, values
from wardtwin.events.payloads import (
    PAYLOADS, AnswerRevealed, ComfortRating, HintShown, Paused, Payload, Questionnaire, Resumed, SessionEnded,
    SessionStarted, StepCompleted, StepFailed, StepSkipped, StepStarted, payload_type,
)

__all__ = [
    "AnswerRevealed", "ComfortRating", "Driver", "EVENT_NAMESPACE", "EVENT_TYPES", "Event", "EventType", "HintShown",
    "MAX_STEP", "MAX_T", "OUTCOMES", "Outcome", "PAYLOADS", "Paused", "Payload", "Questionnaire", "Resumed",
    "SessionEnded", "SessionStarted", "StationKind", "StepCompleted", "StepFailed", "StepSkipped", "StepStarted",
    "StepStatus", "TourMode", "event_id", "payload_type", "values",
]
