"""What a station reports of a run (typed): frame times (the ``session_ended`` event's
``frames``) and the summaries of the desktop and VR stations, alone or running a tour.
``as_dict()`` gives the mapping that ``wardtwin tour --format json`` writes (keys in order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from wardtwin.events.kinds import StationKind


@dataclass(frozen=True)
class FrameTimes:
    """Frames drawn (``count``), those over the 90 Hz (11.1 ms) and 72 Hz (13.9 ms) budgets,
    and the mean, 95th percentile and longest frame time, ms (None when no frame)."""

    count: int = 0
    over_budget_11ms: int = 0
    over_budget_14ms: int = 0
    mean_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None

    def as_dict(self) -> dict[str, int | float]:
        """The fields that are set, in order."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}


@dataclass(frozen=True)
class LiveState:
    """A live preview's state: readings applied (``reloads``), findings of the newest reading,
    and whether the twin shown is the newest reading's."""

    reloads: int
    findings: int
    showing_newest: bool


@dataclass(frozen=True, kw_only=True)
class WalkSummary:
    """The desktop station's run: frames and their time (s), time in walk mode (s), position
    (m), heading (degrees), room (id, name; None outside), distance walked (m), mode,
    screenshots written, renderer, and the live preview's state (None without one)."""

    frames: int
    time_s: float
    walk_time_s: float
    x: float
    y: float
    heading_deg: float
    room: str | None
    room_name: str | None
    distance_m: float
    mode: str
    screenshots: tuple[str, ...]
    renderer: str
    live: LiveState | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(WalkSummary) if f.name != "live"}
        out["screenshots"] = list(self.screenshots)
        if self.live is not None:
            out.update(vars(self.live))
        return out


@dataclass(frozen=True, kw_only=True)
class DeskTourSummary(WalkSummary):
    """A desktop tour station's run: the walk, the tour's end summary (its ``to_dict()``, None
    while it runs) and the frame times."""

    tour: Mapping[str, Any] | None
    frame_times: FrameTimes

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "tour": self.tour, "frame_times": self.frame_times.as_dict()}


@dataclass(frozen=True, kw_only=True)
class VRSummary:
    """The VR station's run: source, frames and time (s), head position (m) and heading
    (degrees), room, distance (m), teleports, snap turns, turning (degrees), recentres, eye
    size (pixels), IPD (m), frame times and renderer."""

    station: StationKind
    source: str
    frames: int
    time_s: float
    x: float
    y: float
    heading_deg: float
    room: str | None
    room_name: str | None
    distance_m: float
    teleports: int
    snap_turns: int
    turned_deg: float
    recentres: int
    eye_size: tuple[int, int]
    ipd_m: float
    frame_times: FrameTimes
    renderer: str

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(VRSummary)}
        out.update(eye_size=list(self.eye_size), frame_times=self.frame_times.as_dict())
        return out


@dataclass(frozen=True, kw_only=True)
class VRTourSummary(VRSummary):
    """A VR tour's run: the VR station's summary and the scripted trainee's pointer
    ``selections`` (None without one)."""

    selections: int | None

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "selections": self.selections}


#: A station's summary, and a tour station's.
StationSummary = WalkSummary | VRSummary
TourStationSummary = DeskTourSummary | VRTourSummary
