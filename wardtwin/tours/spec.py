"""Plain immutable data of the tour stage: a loaded :class:`Tour` and its :class:`Step` s, a
trainee's :class:`ComfortSettings`, and a :class:`Pose`.

Inside code: metres, seconds, radians. Headings are measured counter-clockwise from north
(+y), like an item's ``rotation`` and Panda3D's H: heading 0 looks north, pi/2 looks west.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from wardtwin.errors import UsageError
from wardtwin.events.kinds import TourMode
from wardtwin.layout.model import Source

#: Turn styles of :class:`ComfortSettings`.
TURN_STYLES = ("smooth", "snap")
#: What the comfort stop rule does.
FMS_ACTIONS = ("end", "pause")


@dataclass(frozen=True)
class Pose:
    """Where the trainee is and looks: position ``(x, y)`` in m, body ``heading`` (rad,
    counter-clockwise from north), and the gaze: ``gaze`` its heading (rad; None: along the
    body heading) and ``pitch`` (rad, up positive; not used for find success)."""

    x: float
    y: float
    heading: float = 0.0
    gaze: float | None = None
    pitch: float = 0.0

    def __post_init__(self) -> None:
        try:
            ok = (math.isfinite(self.x) and math.isfinite(self.y) and math.isfinite(self.heading)
                  and math.isfinite(self.pitch) and (self.gaze is None or math.isfinite(self.gaze)))
        except TypeError:
            ok = False
        if not ok:
            raise UsageError(f"pose {self!r}: finite numbers expected")

    @property
    def xy(self) -> tuple[float, float]:
        return (self.x, self.y)

    @property
    def look(self) -> float:
        """The gaze heading (rad): ``gaze``, or the body heading."""
        return self.heading if self.gaze is None else self.gaze


@dataclass(frozen=True)
class ComfortSettings:
    """A trainee's comfort settings (defaults from shipping VR toolkits).

    ``max_speed`` m/s (at most 1.4), ``acceleration`` m/s², ``turn`` smooth or snap,
    ``yaw_rate`` rad/s (smooth turns), ``snap_angle`` rad, ``snap_interval`` s between snap
    turns, ``vignette`` during motion, ``stop_pause`` s at each stop of a ride, ``fms_stop``
    (FMS at or above which the comfort rule applies) and ``fms_action`` (end or pause)."""

    max_speed: float = 1.4
    acceleration: float = 1.0
    turn: str = "smooth"
    yaw_rate: float = math.radians(60.0)
    snap_angle: float = math.radians(45.0)
    snap_interval: float = 0.3
    vignette: bool = True
    stop_pause: float = 1.0
    fms_stop: int = 15
    fms_action: str = "end"

    def __post_init__(self) -> None:
        from wardtwin.tours.schema import MAX_SPEED

        def positive(name: str, hi: float) -> None:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0 < v <= hi):
                raise UsageError(f"comfort setting {name}={v!r}: a number more than 0 and at most {hi:g} expected")

        positive("max_speed", MAX_SPEED)
        positive("acceleration", 5.0)
        positive("yaw_rate", 2 * math.pi)
        positive("snap_angle", math.pi)
        positive("snap_interval", 5.0)
        if not (isinstance(self.stop_pause, (int, float)) and 0 <= self.stop_pause <= 30):
            raise UsageError(f"comfort setting stop_pause={self.stop_pause!r}: 0 to 30 s expected")
        if self.turn not in TURN_STYLES:
            from wardtwin.errors import UnknownNameError

            raise UnknownNameError("turn style", self.turn, TURN_STYLES)
        if self.fms_action not in FMS_ACTIONS:
            from wardtwin.errors import UnknownNameError

            raise UnknownNameError("comfort action", self.fms_action, FMS_ACTIONS)
        if isinstance(self.fms_stop, bool) or not isinstance(self.fms_stop, int) or not 1 <= self.fms_stop <= 20:
            raise UsageError(f"comfort setting fms_stop={self.fms_stop!r}: a whole number 1-20 expected")

    def to_dict(self) -> dict[str, object]:
        """In file units (m/s, m/s², deg/s, deg, s), rounded for records."""
        return {"max_speed": round(self.max_speed, 4), "acceleration": round(self.acceleration, 4),
                "turn": self.turn, "yaw_rate": round(math.degrees(self.yaw_rate), 3),
                "snap_angle": round(math.degrees(self.snap_angle), 3), "snap_interval": self.snap_interval,
                "vignette": self.vignette, "stop_pause": self.stop_pause, "fms_stop": self.fms_stop,
                "fms_action": self.fms_action}


@dataclass(frozen=True)
class Step:
    """One step of a tour: ``index`` (0-based), ``type`` (a name of the step registry), ``id``,
    ``title`` and the type's ``params`` (code units: s, m, rad; places as text)."""

    index: int
    type: str
    id: str
    title: str | None
    params: Mapping[str, object] = field(default_factory=dict)
    src: Source = field(default=Source("<memory>"), compare=False, repr=False)

    def get(self, key: str, default: Any = None) -> Any:
        v = self.params.get(key)
        return default if v is None else v

    @property
    def label(self) -> str:
        """``step 3 (find)`` for messages."""
        return f"step {self.index + 1} ({self.type})"


@dataclass(frozen=True)
class Tour:
    """A loaded tour. ``comfort`` holds the tour's comfort defaults; ``digest`` a content hash
    of the tour (the tour version recorded with each session)."""

    id: str
    name: str
    ward: str
    steps: tuple[Step, ...]
    mode: str = TourMode.GUIDED.value
    start: str | None = None
    comfort: ComfortSettings = ComfortSettings()
    revision: str | None = None
    description: str | None = None
    digest: str = ""
    pass_mark: float | None = None  # share of steps completed to pass (0-1); None: not set
    src: Source = field(default=Source("<memory>"), compare=False, repr=False)


def freeze(d: Mapping[str, object]) -> Mapping[str, object]:
    """A read-only copy of a mapping, lists turned into tuples."""
    return MappingProxyType({k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})
