"""The names of the event contract as enums: event types, session outcomes, step statuses, who
moves (drivers), stations and tour modes.

Every enum is a :class:`enum.StrEnum`: a member *is* its text (``Outcome.QUIT == "quit"``), so
stored values and JSON stay exactly what they were when these were bare strings.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """What an event records (see :mod:`wardtwin.events.payloads` for each one's data)."""

    SESSION_STARTED = "session_started"
    STEP_STARTED = "step_started"
    HINT_SHOWN = "hint_shown"
    ANSWER_REVEALED = "answer_revealed"
    STEP_COMPLETED = "step_completed"
    STEP_FAILED = "step_failed"
    STEP_SKIPPED = "step_skipped"
    COMFORT_RATING = "comfort_rating"
    QUESTIONNAIRE = "questionnaire"
    PAUSED = "paused"
    RESUMED = "resumed"
    SESSION_ENDED = "session_ended"


class Outcome(StrEnum):
    """How a session ended."""

    COMPLETED = "completed"
    STOPPED_COMFORT = "stopped_comfort"
    ABANDONED = "abandoned"
    QUIT = "quit"


class StepStatus(StrEnum):
    """How one tour step ended."""

    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"


class Driver(StrEnum):
    """Who moves the trainee's viewpoint during a step."""

    TRAINEE = "trainee"
    AUTOPILOT = "autopilot"


class StationKind(StrEnum):
    """Where a session runs: a desktop window, a VR headset, or the trainee simulator."""

    DESKTOP = "desktop"
    VR = "vr"
    SIM = "sim"


class TourMode(StrEnum):
    """How a tour is run: the autopilot leads (guided), the trainee moves (self_directed), or the
    trainee moves and the autopilot takes over after a time limit (mixed)."""

    GUIDED = "guided"
    SELF_DIRECTED = "self_directed"
    MIXED = "mixed"


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The texts of ``enum``'s members, in their order (for messages and schemas)."""
    return tuple(m.value for m in enum)


__all__ = ["Driver", "EventType", "Outcome", "StationKind", "StepStatus", "TourMode", "values"]
