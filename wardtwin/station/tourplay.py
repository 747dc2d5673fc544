"""A tour at a station: what every station (desktop or headset) shares, as pure code (no
Panda3D, no clock, no keyboard).

A :class:`TourPlayer` sits between a station and a tour :class:`~wardtwin.tours.engine.Session`.
Each frame the station passes the time step and the trainee's pose; keys (or, in a headset,
pointer selections) become the answers the session waits for. The player tells the station
what to show:

- :attr:`TourPlayer.panel`: the instruction or form of the moment (a :class:`Panel`: a
  narration, a task, a multiple choice, the FMS scale, the SSQ form, a pause, the quit
  question, the end-of-tour summary);
- :meth:`TourPlayer.toasts`: short messages (a hint, feedback on an answer) with their time left;
- :attr:`TourPlayer.breadcrumbs` and :meth:`TourPlayer.guide`: after a hint, points every
  metre along the route to the target, and the direction to walk next;
- :attr:`TourPlayer.reveal`: the item to highlight once the answer is revealed.

Keys (names as a station reports them): ``enter``/``space`` continue or submit, ``up``/``down``
move in a form, ``left``/``right`` change a value, digits choose or type, ``backspace``
deletes a typed digit, ``h`` asks for a hint, ``n`` skips the step, ``p`` pauses and resumes,
``escape`` asks whether to quit (``y`` or ``enter`` quits, ``n`` or ``escape`` goes on).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from wardtwin.angles import bearing, wrap_angle
from wardtwin.errors import UsageError
from wardtwin.events import Driver, Event, EventType, Outcome
from wardtwin.metrics.scores import FMS_MAX, SSQ_ITEMS
from wardtwin.station.frames import FrameStats
from wardtwin.station.locomotion import IDLE, Inputs, Walker, WalkState
from wardtwin.tours.engine import Session
from wardtwin.tours.spec import Pose
from wardtwin.tours.summary import TourSummary, end_summary, summary_lines

#: Named keys a player understands.
TOUR_KEYS = ("enter", "space", "up", "down", "left", "right", "backspace", "h", "n", "p", "y", "escape",
             *"0123456789")
#: SSQ answer words, 0-3.
SSQ_SCALE = ("none", "slight", "moderate", "severe")
#: How long a toast stays up, s.
TOAST_TIME = 6.0
#: Spacing of breadcrumbs along a hinted path, m.
CRUMB_SPACING = 1.0
#: How far ahead along the hinted path the guide arrow points, m.
GUIDE_AHEAD = 1.5
#: Past the end of the hinted path by less than this (m), the guide arrow goes away.
GUIDE_DONE = 0.6

_FORMS = ("choice", "fms", "ssq")


@dataclass(frozen=True)
class Panel:
    """What a station shows now. ``kind``: ``idle``, ``say``, ``task``, ``ride``, ``choice``,
    ``fms``, ``ssq``, ``paused``, ``confirm_quit`` or ``summary``; ``modal``: the trainee
    answers a form (walking keys go to the form). ``choices`` with ``selected`` (choice);
    ``value`` and ``scale`` (fms); ``rows`` of (symptom, 0-3) with ``selected`` row (ssq)."""

    kind: str
    title: str = ""
    text: str = ""
    choices: tuple[str, ...] = ()
    selected: int | None = None
    value: int | None = None
    scale: tuple[int, int] | None = None
    rows: tuple[tuple[str, int], ...] = ()
    footer: str = ""
    modal: bool = False

    def lines(self) -> list[str]:
        """The panel as lines of text (a desktop HUD; a headset panel draws the same)."""
        out = [self.title] if self.title else []
        if self.text:
            out.append(self.text)
        for i, c in enumerate(self.choices):
            mark = ">" if i == self.selected else " "
            out.append(f"{mark} {i + 1}. {c}")
        if self.kind == "fms":
            v = "_" if self.value is None else str(self.value)
            out.append(f"Your rating: {v}   (0 = no sickness at all ... {self.scale[1]} = frank sickness)")
        for i, (name, v) in enumerate(self.rows):
            mark = ">" if i == self.selected else " "
            out.append(f"{mark} {name.replace('_', ' ').capitalize()}: {v} ({SSQ_SCALE[v]})")
        if self.footer:
            out.append(self.footer)
        return out


@dataclass
class Toast:
    """A short message shown for ``left`` more seconds; ``tone``: info, good, bad."""

    text: str
    left: float
    tone: str = "info"


@dataclass
class _Form:
    selected: int = 0
    value: int | None = None
    typed: str = ""
    rows: dict = field(default_factory=lambda: {k: 0 for k in SSQ_ITEMS})


def breadcrumbs(path, spacing: float = CRUMB_SPACING) -> list[tuple[float, float]]:
    """Points every ``spacing`` m along a polyline of plan points (m), the end included."""
    pts = [(float(x), float(y)) for x, y in path]
    if len(pts) < 2:
        return pts
    line = LineString(pts)
    along = np.arange(1, int(line.length / spacing + 1e-9) + 1) * spacing
    out = [tuple(p) for p in shapely.get_coordinates(shapely.line_interpolate_point(line, along)).tolist()]
    if not out or math.dist(out[-1], pts[-1]) > 1e-6:
        out.append(pts[-1])
    return out


def lookahead(path, xy, ahead: float = GUIDE_AHEAD) -> tuple[tuple[float, float], float] | None:
    """``(point, distance left)``: the point ``ahead`` m further along ``path`` (plan points, m)
    than the path point nearest to ``xy``, and the path length (m) from there to the end; None
    for an empty path."""
    pts = [(float(x), float(y)) for x, y in path]
    if len(pts) < 2:
        return (pts[0], math.dist(pts[0], xy)) if pts else None
    line = LineString(pts)
    at = line.project(Point(xy))
    p = line.interpolate(min(at + ahead, line.length))
    return (p.x, p.y), line.length - at


class TourPlayer:
    """Runs ``session`` at a station (see the module doc). ``frames``: the station's
    :class:`FrameStats`, written into the ``session_ended`` event."""

    def __init__(self, session: Session, frames: FrameStats | None = None):
        self.session = session
        self.frames = frames if frames is not None else FrameStats()
        session.end_data = lambda: {"frames": self.frames.summary().as_dict()} if len(self.frames) else {}
        self.time = 0.0
        self.events: list[Event] = []
        self.breadcrumbs: list[tuple[float, float]] = []
        self.reveal: str | None = None
        self.summary: TourSummary | None = None
        self.closed = False  # the trainee has dismissed the end-of-tour summary
        self._toasts: list[Toast] = []
        self._path: list = []
        self._form = _Form()
        self._answer = None
        self._confirm = False
        self._pending: list[Event] = []
        self._observe(session.begin())

    # -- what the station reads ---------------------------------------------------------
    @property
    def modal(self) -> bool:
        """A form or question is up: the station's walking keys are the form's."""
        return self.panel.modal

    @property
    def moving_allowed(self) -> bool:
        """The trainee may walk now (the trainee drives and no form or pause holds them)."""
        s = self.session
        return not s.ended and not s.paused and not self._confirm and s.driver == Driver.TRAINEE and not self.modal

    def toasts(self) -> list[Toast]:
        return [t for t in self._toasts if t.left > 0]

    @property
    def progress(self) -> str:
        """``Step i of n: title`` of the step being run."""
        s = self.session
        if s.current is None:
            return ""
        st = s.current
        name = st.title or s.prompt.get("text") or st.type.replace("_", " ")
        return f"Step {s.index + 1} of {len(s.tour.steps)}: {name}"

    @property
    def panel(self) -> Panel:
        s = self.session
        if self.summary is not None:
            return Panel("summary", "Tour finished" if s.outcome == Outcome.COMPLETED else "Tour ended",
                         "\n".join(summary_lines(self.summary)), footer="Enter: close", modal=True)
        if self._confirm:
            return Panel("confirm_quit", "Quit the tour?", "What you have done so far is saved.",
                         footer="Y or Enter: quit    N or Esc: go on", modal=True)
        if s.paused:
            msg = next((e.payload.message for e in reversed(self.events) if e.type == EventType.PAUSED), None)
            return Panel("paused", "Paused", msg or "Take your time.", footer="P or Enter: go on   Esc: quit",
                         modal=True)
        if s.current is None:
            return Panel("idle")
        p, w, title = s.prompt, s.waiting, s.current.title or ""
        f = self._form
        if w == "choice":
            return Panel("choice", title, p.get("question") or "", tuple(p.get("choices") or ()), f.selected,
                         footer="1-9 or Up/Down to choose, Enter to answer, N to skip", modal=True)
        if w == "fms":
            shown = f.value if not f.typed else int(f.typed)
            return Panel("fms", title or "Comfort check", p.get("text") or "", value=shown,
                         scale=(0, FMS_MAX), footer="type 0-20 or Left/Right, Enter to answer, N to skip", modal=True)
        if w == "ssq":
            intro = p.get("text") or ("How much is each symptom affecting you right now? "
                                      "0 none, 1 slight, 2 moderate, 3 severe.")
            return Panel("ssq", title or "How do you feel?", intro, selected=f.selected,
                         rows=tuple((k, f.rows[k]) for k in SSQ_ITEMS),
                         footer="Up/Down choose a symptom, 0-3 or Left/Right rate it, Enter to send, N to skip", modal=True)
        if w == "ack":
            return Panel("say", title, p.get("text") or "", footer="Enter: continue")
        if s.driver == Driver.AUTOPILOT:
            return Panel("ride", title, p.get("text") or "", footer="P: pause   Esc: quit")
        return Panel("task", title, p.get("text") or "", footer="H: hint   N: skip   P: pause   Esc: quit")

    def guide(self, pose: Pose) -> tuple[float, float] | None:
        """``(bearing, distance)`` after a hint: the direction to walk next, rad counter-clockwise
        from the trainee's heading, and the walking distance (m) left; None without a hint or
        at its end."""
        if not self._path:
            return None
        la = lookahead(self._path, pose.xy)
        if la is None or la[1] < GUIDE_DONE:
            return None
        (gx, gy), left = la
        dx, dy = gx - pose.x, gy - pose.y
        if math.hypot(dx, dy) < 1e-6:
            return None
        return (wrap_angle(bearing(dx, dy) - pose.heading), left)

    # -- frames -------------------------------------------------------------------------
    def frame(self, dt: float, pose: Pose | None = None, *, snap_turn: bool = False,
              teleport: bool = False) -> list[Event]:
        """Advance by ``dt`` s with the trainee at ``pose`` (ignored while the autopilot drives);
        returns the events of this frame (keys pressed since the last frame included)."""
        self.time += dt
        for t in self._toasts:
            t.left -= dt
        self._toasts = [t for t in self._toasts if t.left > 0]
        answer, self._answer = self._answer, None
        out, self._pending = self._pending, []
        if not self.session.ended and not self._confirm:
            ev = self.session.step(dt, pose if self.session.driver == Driver.TRAINEE else None, answer,
                                   snap_turn=snap_turn, teleport=teleport)
            self._observe(ev)
            out += ev
        return out

    def walk(self, dt: float, walker: Walker, state: WalkState, inputs: Inputs = IDLE) -> WalkState:
        """One frame of a station where the trainee walks with ``walker`` (a desktop): moves
        ``state`` by ``inputs`` while the trainee may walk (only looking around during a form,
        a pause or a ride), advances the session, and returns the new state, which follows
        the autopilot during rides and any teleport the tour makes."""
        s = self.session
        if not self.moving_allowed and inputs != IDLE:
            inputs = Inputs(look_yaw=inputs.look_yaw, look_pitch=inputs.look_pitch)
        if s.driver == Driver.TRAINEE and not s.ended:
            state = walker.step(state, inputs, dt)
        self.frame(dt, Pose(state.x, state.y, state.yaw, None, state.pitch))
        p = s.pose
        if math.hypot(p.x - state.x, p.y - state.y) > 1e-6 or (s.driver == Driver.AUTOPILOT and not s.ended):
            x, y = (p.x, p.y) if walker.inside(p.x, p.y) else walker.snap(p.x, p.y)
            yaw = p.look if s.driver == Driver.AUTOPILOT else state.yaw
            state = dataclasses.replace(state, x=x, y=y, yaw=wrap_angle(yaw))
        return state

    # -- input --------------------------------------------------------------------------
    def key(self, name: str) -> None:
        """A key pressed (one of :data:`TOUR_KEYS`)."""
        if name not in TOUR_KEYS:
            raise UsageError(f"tour key {name!r}: one of {', '.join(TOUR_KEYS)} expected")
        s, f = self.session, self._form
        if self.summary is not None:
            if name in ("enter", "space", "escape"):
                self.closed = True
            return
        if s.ended:
            return
        if self._confirm:
            if name in ("y", "enter"):
                self._confirm = False
                self._act(s.quit())
            elif name in ("n", "escape"):
                self._confirm = False
            return
        if name == "escape":
            self._confirm = True
            return
        if s.paused:
            if name in ("p", "enter", "space"):
                self._act(s.resume())
            return
        if name == "p":
            self._act(s.pause("trainee"))
            return
        w = s.waiting
        if w == "choice":
            n = len(s.prompt.get("choices") or ())
            if name.isdigit() and 1 <= int(name) <= n:
                f.selected = int(name) - 1
            elif name in ("up", "down") and n:
                f.selected = (f.selected + (1 if name == "down" else -1)) % n
            elif name in ("enter", "space"):
                self.choose(f.selected)
        elif w == "fms":
            if name.isdigit():
                typed = (f.typed + name).lstrip("0") or "0"
                if int(typed) > FMS_MAX:
                    typed = name
                f.typed = typed
            elif name == "backspace":
                f.typed = f.typed[:-1]
            elif name in ("left", "right"):
                base = int(f.typed) if f.typed else (f.value if f.value is not None else 0)
                f.typed = ""
                f.value = max(0, min(FMS_MAX, base + (1 if name == "right" else -1)))
            elif name == "enter":
                if f.typed:
                    f.value, f.typed = int(f.typed), ""
                if f.value is not None:
                    self.rate(f.value)
        elif w == "ssq":
            k = SSQ_ITEMS[f.selected]
            if name in ("up", "down"):
                f.selected = (f.selected + (1 if name == "down" else -1)) % len(SSQ_ITEMS)
            elif name in "0123" and len(name) == 1:
                f.rows[k] = int(name)
                f.selected = min(f.selected + 1, len(SSQ_ITEMS) - 1)
            elif name in ("left", "right"):
                f.rows[k] = max(0, min(3, f.rows[k] + (1 if name == "right" else -1)))
            elif name == "enter":
                self.submit_ssq()
        elif w == "ack":
            if name in ("enter", "space"):
                self._answer = True
        if name == "n":
            self._act(s.skip("trainee"))
        elif name == "h" and w not in _FORMS:
            self._act(s.request_hint())

    def choose(self, index: int) -> None:
        """Answer the multiple choice with choice ``index`` (0-based; a pointer selection)."""
        if self.session.waiting != "choice":
            return
        n = len(self.session.prompt.get("choices") or ())
        if not (isinstance(index, int) and 0 <= index < n):
            raise UsageError(f"choice {index!r}: 0 to {n - 1} expected")
        self._form.selected = index
        self._answer = index

    def rate(self, fms: int) -> None:
        """Answer the comfort check with an FMS rating 0-20."""
        if self.session.waiting != "fms":
            return
        if isinstance(fms, bool) or not isinstance(fms, int) or not 0 <= fms <= FMS_MAX:
            raise UsageError(f"FMS rating {fms!r}: a whole number 0-{FMS_MAX} expected")
        self._form.value = fms
        self._answer = fms

    def set_symptom(self, item: str, value: int) -> None:
        """Rate one SSQ symptom 0-3 on the form (a pointer selection)."""
        if item not in SSQ_ITEMS or value not in (0, 1, 2, 3):
            raise UsageError(f"SSQ {item!r}={value!r}: one of the 16 symptoms and 0-3 expected")
        self._form.rows[item] = value

    def submit_ssq(self) -> None:
        """Send the SSQ form as it stands."""
        if self.session.waiting == "ssq":
            self._answer = dict(self._form.rows)

    def close(self, reason: str = "station_closed") -> list[Event]:
        """The station goes away: a session still running is abandoned (recorded as such)."""
        ev = self.session.abandon(reason) if not self.session.ended else []
        self._observe(ev)
        return ev

    # -- reacting to the session ---------------------------------------------------------
    def _act(self, events) -> None:
        self._observe(events)
        self._pending += events

    def _observe(self, events) -> None:
        s = self.session
        for e in events:
            self.events.append(e)
            if e.type == EventType.STEP_STARTED:
                self._form = _Form()
                self._path, self.breadcrumbs = [], []
                self.reveal = None
            elif e.type == EventType.HINT_SHOWN:
                hint = e.payload
                self._toast(hint.hint)
                self._path = [tuple(p) for p in hint.path or ()]
                self.breadcrumbs = breadcrumbs(self._path)
            elif e.type == EventType.ANSWER_REVEALED:
                shown = e.payload
                self.reveal = shown.item
                room = s.model.layout.room_by_id.get(shown.room)
                name = s.model.item_by_id[shown.item].display if shown.item in s.model.item_by_id else "it"
                self._toast(f"Here it is: the {name}" + (f", in {room.name}." if room else "."), "info")
            elif e.type in (EventType.STEP_COMPLETED, EventType.STEP_FAILED):
                self._feedback(e)
            elif e.type == EventType.SESSION_ENDED:
                self._path, self.breadcrumbs, self.reveal = [], [], None
                self.summary = end_summary(s)

    def _feedback(self, e: Event) -> None:
        d = e.payload  # a StepCompleted, or a StepFailed (its subclass, with a reason)
        failed = e.type == EventType.STEP_FAILED
        if d.correct is not None:
            if not failed:
                self._toast("Correct. " + (d.explanation or ""), "good")
            else:
                self._toast(f"The answer is: {d.correct}. " + (d.explanation or ""), "bad")
        elif failed and d.reason == "time_limit" and not d.takeover:
            self._toast("Time is up for this one; let's go on.", "bad")
        elif failed and d.takeover:
            self._toast("Let me show you the way.", "info")
        elif not failed and d.walked_m is not None and self.session.driver == Driver.TRAINEE:
            self._toast("You reached the exit." if d.exit else "Found it. Well done.", "good")

    def _toast(self, text: str, tone: str = "info") -> None:
        self._toasts = [t for t in self._toasts if t.text != text] + [Toast(text.strip(), TOAST_TIME, tone)]
