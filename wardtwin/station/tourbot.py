"""A scripted trainee for a station running a tour: it reads what the station shows (the
:class:`~wardtwin.station.tourplay.TourPlayer`'s panel and the step being run) and answers
with the same keys and walking inputs a person at the keyboard would use, so an offscreen run
goes through the station's own input path. Pure: no Panda3D, no clock, no randomness.

It waits ``think`` s before each answer, walks the shortest route to what a find or route step
asks for (turning to face an item), answers questions right (or wrong, for the step ids in
``wrong``), rates comfort with ``fms`` (a number, or a list used one rating after another),
fills the SSQ with ``ssq`` (``{symptom: 0-3}``, the rest 0), asks for a hint on the steps in
``hints``, skips those in ``skip``, and quits (Esc, then Y) when the step ``quit_at`` starts.
"""

from __future__ import annotations

import math

from wardtwin.events import Driver
from wardtwin.metrics.scores import SSQ_ITEMS
from wardtwin.station.locomotion import IDLE, Inputs, WalkSettings, WalkState
from wardtwin.station.script import Command, ScriptPlayer

#: After walking a route without success, try again after this long, s.
RETRY = 4.0


class ScriptedTrainee:
    """See the module doc. :meth:`poll` gives one frame's walking inputs and keys."""

    def __init__(self, model, *, settings: WalkSettings = WalkSettings(), think: float = 0.8, fms=2,
                 ssq: dict | None = None, wrong=(), skip=(), hints=(), quit_at: str | None = None):
        self.model = model
        self.settings = settings
        self.think = float(think)
        self.fms = list(fms) if isinstance(fms, (list, tuple)) else [int(fms)]
        self.ssq = dict(ssq or {})
        self.wrong, self.skip, self.hints = set(wrong), set(skip), set(hints)
        self.quit_at = quit_at
        self._step = None
        self._since = 0.0
        self._sent: dict = {}
        self._walk: ScriptPlayer | None = None
        self._walk_done_at: float | None = None
        self._ratings = 0

    def _route(self, start, place: str):
        goal = self.model.place(place)
        r = self.model.route(start, goal)
        if r is None:
            return None, None
        item = self.model.layout.item_by_id.get(place)
        pts = [start, *r.points] if math.dist(start, r.points[0]) > 1e-6 else list(r.points)
        return pts, (tuple(item.at) if item is not None else None)

    def _once(self, tag, keys) -> tuple:
        """``keys`` the first time ``tag`` is asked for in this step, after the thinking time."""
        if tag in self._sent or self._since < self.think:
            return ()
        self._sent[tag] = self._since
        return tuple(keys)

    def poll(self, player, state: WalkState, dt: float) -> tuple[Inputs, tuple[str, ...]]:
        """Inputs and keys (tour key names) for a frame of ``dt`` s, the trainee at ``state``."""
        inputs, intents = self.decide(player, state, dt)
        return inputs, tuple(k for i in intents for k in keys_for(i))

    def decide(self, player, state: WalkState, dt: float) -> tuple[Inputs, tuple[tuple, ...]]:
        """Walking inputs and what the trainee means to do this frame, as intents (see
        :func:`keys_for`; a headset station turns them into pointer selections)."""
        s = player.session
        if player.summary is not None:
            self._since += dt
            return IDLE, () if player.closed else self._once("close", [("close",)])
        step = (s.index, s.current.id if s.current is not None else None)
        if step != self._step:
            self._step, self._since, self._sent = step, 0.0, {}
            self._walk, self._walk_done_at = None, None
        self._since += dt
        sid = step[1]
        if sid is not None and sid == self.quit_at:
            return IDLE, self._once("quit", [("quit",)])
        if s.paused:
            return IDLE, self._once(("resume", len(player.events)), [("resume",)])
        if sid in self.skip:
            return IDLE, self._once("skip", [("skip",)])
        w = s.waiting
        if w == "ack":
            return IDLE, self._once("ack", [("ack",)])
        if w == "choice":
            choices = list(s.prompt.get("choices") or ())
            right = choices.index(s.current.get("answer")) if s.current.get("answer") in choices else 0
            pick = (right + 1) % len(choices) if sid in self.wrong and len(choices) > 1 else right
            return IDLE, self._once("choice", [("choose", pick)])
        if w == "fms":
            n = self.fms[min(self._ratings, len(self.fms) - 1)]
            intents = self._once(("fms", len(player.events)), [("rate", n)])
            if intents:
                self._ratings += 1
            return IDLE, intents
        if w == "ssq":
            answers = {k: int(self.ssq.get(k, 0)) for k in SSQ_ITEMS}
            return IDLE, self._once("ssq", [("ssq", answers)])
        intents = self._once("hint", [("hint",)]) if sid in self.hints else ()
        if s.driver != Driver.TRAINEE or not player.moving_allowed:
            return IDLE, intents
        return self._move(s, state, dt), intents

    def _target(self, s) -> str | None:
        run = s.run
        if getattr(run, "best", None) is not None:
            return run.best.id
        if getattr(run, "door", None) is not None:
            return run.door
        return None

    def _move(self, s, state: WalkState, dt: float) -> Inputs:
        if self._since < self.think:
            return IDLE
        if self._walk is None or (self._walk.done and self._walk_done_at is not None
                                  and self._since - self._walk_done_at >= RETRY):
            target = self._target(s)
            if target is None:
                return IDLE
            self._walk = ScriptPlayer((Command("goto", (target,), 0, "<scripted trainee>"),), self.settings,
                                      route=self._route)
            self._walk_done_at = None
        if self._walk.done:
            if self._walk_done_at is None:
                self._walk_done_at = self._since
            return IDLE
        inputs, _ = self._walk.poll(state, dt)
        return inputs


def keys_for(intent: tuple) -> list[str]:
    """The keys that carry out an intent at a keyboard: ``("ack",)``, ``("choose", i)``,
    ``("rate", fms)``, ``("ssq", {symptom: 0-3})``, ``("resume",)``, ``("skip",)``,
    ``("hint",)``, ``("quit",)``, ``("close",)``."""
    kind = intent[0]
    if kind == "choose":
        return [str(intent[1] + 1), "enter"]
    if kind == "rate":
        return [*str(intent[1]), "enter"]
    if kind == "ssq":
        keys, row = [], 0
        for i, item in enumerate(SSQ_ITEMS):
            v = int(intent[1].get(item, 0))
            if v:
                keys += ["down"] * (i - row) + [str(v)]
                row = min(i + 1, len(SSQ_ITEMS) - 1)
        return keys + ["enter"]
    return [key for _, key in buttons_for(intent)]  # the others: one panel button a key


def buttons_for(intent: tuple) -> list[tuple]:
    """The panel button actions (:mod:`~wardtwin.station.panelui`) that carry out an intent
    with a pointer, one selection each."""
    kind = intent[0]
    if kind == "choose":
        return [("choose", intent[1])]
    if kind == "rate":
        return [("rate", intent[1])]
    if kind == "ssq":
        return [("symptom", k, v) for k, v in intent[1].items() if v] + [("send_ssq",)]
    return {"ack": [("key", "enter")], "resume": [("key", "p")], "skip": [("key", "n")], "hint": [("key", "h")],
            "quit": [("key", "escape"), ("key", "y")], "close": [("key", "enter")]}[kind]
