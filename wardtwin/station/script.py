"""Scripted input for a station: what a trainee would do with keys and mouse, written as a
small text file, one command per line (``#`` starts a comment). Pure: no Panda3D, no clock.

Commands (durations in seconds, angles in degrees, headings counter-clockwise from north)::

    walk SECONDS [forward|back|left|right]   hold a movement key (default forward)
    turn DEGREES                              turn at the turn rate (+ left, - right)
    face HEADING                              turn at the turn rate to a heading
    look YAW PITCH                            move the mouse by these angles (+ left, + up)
    goto PLACE                                walk the shortest route to a room, door or item id, or x,y
                                              (and turn to face an item)
    wait SECONDS                              do nothing
    key KEY                                   press a key: l, c, m, p, f12, tab, escape
    screenshot                                the same as ``key p``
    click X Y                                 click at a window point (fractions 0..1 from the top left)
    orbit HEADING PITCH                       planner mode: drag the orbit by these angles
    zoom FACTOR                               planner mode: wheel zoom (< 1 nearer, > 1 farther)

A :class:`ScriptPlayer` turns a script into one :class:`~wardtwin.station.locomotion.Inputs`
and a tuple of actions per frame.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from wardtwin.errors import InputFileError, WardtwinError
from wardtwin.exchange.reading import read_bounded
from wardtwin.angles import bearing, wrap_angle
from wardtwin.station.locomotion import IDLE, Inputs, WalkSettings, WalkState, steer

#: Keys with an action, and the action (the same table drives the desktop keyboard).
KEYS = {
    "l": "labels", "c": "ceilings", "m": "minimap", "p": "screenshot", "f12": "screenshot",
    "tab": "planner", "escape": "quit",
}
_DIRECTIONS = {"forward": (1.0, 0.0), "back": (-1.0, 0.0), "left": (0.0, -1.0), "right": (0.0, 1.0)}
#: Largest script file read, bytes.
MAX_SCRIPT_BYTES = 1024 * 1024
#: Longest a ``goto`` may take beyond its route's walking time, s.
GOTO_SLACK = 20.0
_EPS = 1e-9
#: The commands of numbers only: op -> (usage, (what, lowest, highest) of each number).
_NUMERIC = {
    "turn": ("turn DEGREES", (("angle", -3600, 3600),)),
    "face": ("face DEGREES", (("angle", -3600, 3600),)),
    "look": ("look YAW PITCH (degrees)", (("yaw", -3600, 3600), ("pitch", -180, 180))),
    "wait": ("wait SECONDS", (("duration", 0, 3600),)),
    "click": ("click X Y (fractions of the window, 0..1 from the top left)", (("x", 0, 1), ("y", 0, 1))),
    "orbit": ("orbit HEADING PITCH (degrees)", (("heading", -3600, 3600), ("pitch", -180, 180))),
    "zoom": ("zoom FACTOR", (("factor", 0.01, 100),)),
}


class ScriptError(WardtwinError):
    """A station script cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Command:
    """One script line: ``op``, its arguments (numbers or a name) and where it was written."""

    op: str
    args: tuple
    line: int
    source: str = "<script>"

    def where(self) -> str:
        return f"{self.source}:{self.line}"


def _num(text: str, what: str, lo: float, hi: float, where: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ScriptError(f"{where}: {what} {text!r}: a number expected") from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ScriptError(f"{where}: {what} {text!r}: a number from {lo:g} to {hi:g} expected")
    return v


def parse_script(text: str, source: str = "<script>") -> tuple[Command, ...]:
    """The commands of a script's text; the first problem raises :class:`ScriptError`."""
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        op, *args = line.split()
        op = op.lower()
        where = f"{source}:{n}"

        def need(k, usage):
            if len(args) != k:
                raise ScriptError(f"{where}: usage: {usage}")

        if op in _NUMERIC:
            usage, spec = _NUMERIC[op]
            need(len(spec), usage)
            out.append(Command(op, tuple(_num(a, *s, where) for a, s in zip(args, spec)), n, source))
        elif op == "walk":
            if not 1 <= len(args) <= 2:
                raise ScriptError(f"{where}: usage: walk SECONDS [forward|back|left|right]")
            secs = _num(args[0], "duration", 0, 3600, where)
            way = args[1].lower() if len(args) == 2 else "forward"
            if way not in _DIRECTIONS:
                raise ScriptError(f"{where}: walk direction {args[1]!r}: one of {', '.join(_DIRECTIONS)} expected")
            out.append(Command("walk", (secs, way), n, source))
        elif op == "goto":
            if not args:
                raise ScriptError(f"{where}: usage: goto PLACE (a room, door or item id, or x,y)")
            out.append(Command(op, (" ".join(args),), n, source))
        elif op == "key":
            need(1, "key KEY")
            key = args[0].lower()
            if key not in KEYS:
                raise ScriptError(f"{where}: key {args[0]!r}: one of {', '.join(KEYS)} expected")
            out.append(Command(op, (key,), n, source))
        elif op == "screenshot":
            need(0, "screenshot")
            out.append(Command("key", ("p",), n, source))
        else:
            raise ScriptError(f"{where}: unknown command {op!r}; expected walk, turn, face, look, goto, wait, "
                              "key, screenshot, click, orbit or zoom")
    return tuple(out)


def load_script(path: str | os.PathLike) -> tuple[Command, ...]:
    """Read and parse a script file (UTF-8, a regular file of at most :data:`MAX_SCRIPT_BYTES`)."""
    p = Path(path)
    try:
        text = read_bounded(p, MAX_SCRIPT_BYTES).decode("utf-8")
    except InputFileError as exc:
        raise ScriptError(f"cannot read the script {exc}") from None
    except UnicodeDecodeError as exc:
        raise ScriptError(f"{p}: cannot read the script: byte {exc.start} is not UTF-8") from None
    return parse_script(text, str(p))


class ScriptPlayer:
    """Plays commands frame by frame: :meth:`poll` gives the inputs and actions of one frame.

    Actions are ``"labels"``, ``"ceilings"``, ``"minimap"``, ``"screenshot"``, ``"planner"``,
    ``"quit"`` (see :data:`KEYS`), ``("click", x, y)``, ``("orbit", dh, dp)`` (rad) and
    ``("zoom", factor)``. Instant commands (keys, clicks, looks) take no time: they come with
    the next timed command's first frame, except that a screenshot ends its frame (the
    picture is that frame, rendered with everything before it and nothing after).

    ``route`` maps (start, place name) to ``(points, face)`` for ``goto``: the route's plan
    points (m), and a point to turn to on arrival or None: (x, y) turns the heading to it,
    (x, y, z) (an item's centre) also tilts the view to it, both at the turning rate.
    """

    def __init__(self, commands, settings: WalkSettings = WalkSettings(), route=None):
        self.commands = tuple(commands)
        self.settings = settings
        self.route = route
        self._i = 0
        self._elapsed = 0.0
        self._goal = None  # the current timed command's goal (seconds, yaw, or route points)
        self._corner = 0

    @property
    def done(self) -> bool:
        return self._i >= len(self.commands)

    @property
    def current(self) -> Command | None:
        return None if self.done else self.commands[self._i]

    def _next(self) -> None:
        self._i += 1
        self._elapsed, self._goal, self._corner = 0.0, None, 0

    def poll(self, state: WalkState, dt: float) -> tuple[Inputs, tuple]:
        """Inputs and actions for a frame of ``dt`` s that starts in ``state``."""
        actions: list = []
        look_yaw = look_pitch = 0.0
        while not self.done:
            c = self.commands[self._i]
            if c.op == "key":
                actions.append(KEYS[c.args[0]])
                if KEYS[c.args[0]] == "screenshot":  # this frame is the picture: later commands wait
                    self._next()
                    return _with_look(IDLE, look_yaw, look_pitch), tuple(actions)
            elif c.op == "click":
                actions.append(("click", *c.args))
            elif c.op == "orbit":
                actions.append(("orbit", math.radians(c.args[0]), math.radians(c.args[1])))
            elif c.op == "zoom":
                actions.append(("zoom", c.args[0]))
            elif c.op == "look":
                look_yaw += math.radians(c.args[0])
                look_pitch += math.radians(c.args[1])
            else:
                inputs = self._timed(c, state, dt)
                if inputs is None:  # finished before this frame: go on with the next command
                    self._next()
                    continue
                return _with_look(inputs, look_yaw, look_pitch), tuple(actions)
            self._next()
        return _with_look(IDLE, look_yaw, look_pitch), tuple(actions)

    def _timed(self, c: Command, state: WalkState, dt: float) -> Inputs | None:
        """This frame's inputs for a timed command, or None when it is over."""
        s = self.settings
        if c.op in ("walk", "wait"):
            total = c.args[0]
            left = total - self._elapsed
            if left <= _EPS or dt <= 0:
                return None
            frac = min(1.0, left / dt)
            self._elapsed += dt
            if c.op == "wait":
                return IDLE
            f, r = _DIRECTIONS[c.args[1]]
            return Inputs(forward=f * frac, strafe=r * frac)
        if c.op in ("turn", "face"):
            if self._goal is None:
                target = math.radians(c.args[0])
                self._goal = target if c.op == "turn" else wrap_angle(target - state.yaw)
            left = self._goal
            if abs(left) <= _EPS or dt <= 0 or s.turn_rate == 0:
                return None
            step = max(-1.0, min(1.0, left / (s.turn_rate * dt)))
            self._goal = left - step * s.turn_rate * dt
            return Inputs(turn=step)
        if c.op == "goto":
            if self._goal is None:
                if self.route is None:
                    raise ScriptError(f"{c.where()}: goto needs a ward to route in")
                try:
                    pts, face = self.route(state.position, c.args[0])
                except WardtwinError as exc:
                    raise ScriptError(f"{c.where()}: {exc}") from None
                if not pts:
                    raise ScriptError(f"{c.where()}: no walkable route to {c.args[0]!r}")
                length = sum(math.dist(a, b) for a, b in zip(pts, pts[1:]))
                self._goal = (tuple(pts), face, length / max(s.speed, 1e-6) + GOTO_SLACK)
            pts, face, limit = self._goal
            if self._elapsed >= limit or dt <= 0:
                return None
            while self._corner < len(pts) - 1 and math.dist(state.position, pts[self._corner]) <= 0.05:
                self._corner += 1
            last = self._corner == len(pts) - 1
            inputs = steer(state, pts[self._corner], dt, s, arrive=0.02 if last else 0.05)
            if last and inputs == IDLE:
                if face is None or math.dist(face[:2], state.position) < 1e-6:
                    return None
                err = wrap_angle(bearing(face[0] - state.x, face[1] - state.y) - state.yaw)
                if abs(err) > 1e-9 and s.turn_rate > 0:
                    inputs = Inputs(turn=max(-1.0, min(1.0, err / (s.turn_rate * dt))))
                elif len(face) > 2:  # then tilt the view to the point, at the turning rate
                    up = math.atan2(face[2] - s.eye_height, math.dist(face[:2], state.position)) - state.pitch
                    if abs(up) <= 1e-6 or s.turn_rate == 0:
                        return None
                    inputs = Inputs(look_pitch=max(-s.turn_rate * dt, min(s.turn_rate * dt, up)))
                else:
                    return None
            self._elapsed += dt
            return inputs
        raise ScriptError(f"{c.where()}: unknown command {c.op!r}")  # pragma: no cover


def _with_look(i: Inputs, yaw: float, pitch: float) -> Inputs:
    if yaw == 0 and pitch == 0:
        return i
    return Inputs(i.forward, i.strafe, i.turn, i.look_yaw + yaw, i.look_pitch + pitch)
