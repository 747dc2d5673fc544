"""``wardtwin tour --station vr``: an orientation tour in a headset.

The tour engine runs unchanged behind a :class:`~wardtwin.station.tourplay.TourPlayer`, as at
the desktop; :class:`VRTour` is the :class:`~wardtwin.station.vr.station.VRStation` hook that
connects them each frame: the instruction or form of the moment as a panel in front of the
trainee (answered with the controller's pointer: :mod:`~wardtwin.station.panelui`), hints and
feedback on the panel, breadcrumbs on the floor, the revealed item lit up, locomotion held
while a form or pause is up, guided rides that carry the play space along the autopilot's
path (the trainee keeps looking where they like: the view is never turned for them), and the
station's frame timings in the session record.

Offscreen, :class:`VRScriptedTrainee` plays the trainee through the same path: it moves its
tracked head (walking the room, as a person in a headset does) and aims the controller at
panel buttons and pulls the trigger. Imports Panda3D.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from dataclasses import dataclass
from typing import ClassVar

from wardtwin.angles import bearing
from wardtwin.errors import UsageError
from wardtwin.events import Driver, StationKind
from wardtwin.events.stations import VRTourSummary
from wardtwin.station import panelui
from wardtwin.station.guides import Guides
from wardtwin.station.locomotion import IDLE, WalkSettings, WalkState
from wardtwin.station.tourbot import ScriptedTrainee, buttons_for
from wardtwin.station.tourplay import Panel, TourPlayer
from wardtwin.station.tourrun import Closes, play
from wardtwin.station.vr.motion import VRSettings
from wardtwin.station.vr.pose import Controller, Pose, ScriptedPoseSource
from wardtwin.station.vr.station import VRStation
from wardtwin.tours.engine import Session

#: Per-eye size of offscreen runs unless told (pixels).
OFFSCREEN_EYE = (320, 360)
#: Where the scripted trainee holds the controller, m in front of/below its eyes (tracking space).
HAND_DROP = 0.3
#: A queued pointer selection whose button does not appear within this long is dropped, s.
AIM_PATIENCE = 3.0


def vr_settings(comfort, locomotion: str = "teleport") -> VRSettings:
    """The headset settings of a tour's comfort settings: ``locomotion`` (teleport or
    smooth), the tour's turn style, snap angle and yaw rate, speed cap and vignette."""
    return VRSettings.from_units(locomotion=locomotion, turn=comfort.turn, snap_deg=math.degrees(comfort.snap_angle),
                                 turn_deg_s=min(math.degrees(comfort.yaw_rate), 360.0),
                                 speed=min(comfort.max_speed, 1.4), vignette=comfort.vignette)


def with_toast(panel: Panel, player: TourPlayer) -> Panel:
    """The panel with the latest toast (a hint, feedback) as its first line."""
    toasts = player.toasts()
    if not toasts or panel.kind == "summary":
        return panel
    text = toasts[-1].text + ("\n\n" + panel.text if panel.text else "")
    return dataclasses.replace(panel, text=text)


class VRTour(Closes):
    """The hook that runs ``session`` (not yet begun) at ``station``; it begins the session.
    ``bot``: a :class:`VRScriptedTrainee` (offscreen runs)."""

    def __init__(self, station: VRStation, session: Session, bot: "VRScriptedTrainee | None" = None):
        if session.begun:
            raise UsageError("the VR tour needs a session that has not begun")
        self.station = station
        self.bot = bot
        self.guides = Guides(station.base.render, station.scene)
        station.place(session.pose.x, session.pose.y, session.pose.heading)  # the tour's start
        vs = station.settings
        session.start_data = {
            "comfort": {"locomotion": vs.locomotion, "turn": vs.turn, "vignette": vs.vignette.enabled,
                        "input": "controller", "posture": station.source.mode},
            "display": {"eye_size": list(station.eye_size), "renderer": station.renderer,
                        "source": station.source.kind, "ipd_m": round(station.source.ipd, 4),
                        "refresh_hz": station.source.refresh_rate}}
        self._panel: Panel | None = None
        self._layout = None
        self.player = TourPlayer(session, station.frame_stats)
        station.add_hook(self)

    @property
    def lost(self) -> BaseException | None:
        """Why the headset's runtime went away mid-tour (None: it did not)."""
        return getattr(self.station.source, "lost", None)

    def play(self) -> None:
        """Run frames until the trainee closes the summary or the runtime ends the session."""
        play(self.station, self.player)

    def summary(self) -> VRTourSummary:
        """The station's summary with the scripted trainee's ``selections``."""
        selections = self.bot.selections if self.bot is not None else None
        return VRTourSummary(**vars(self.station.summary()), selections=selections)

    def close(self) -> None:
        """Close what :class:`Headset` opened for this tour (nothing otherwise)."""

    def __call__(self, tick) -> None:
        st, pl = tick.station, self.player
        sel = tick.selection
        if sel is not None and sel.kind == "panel" and sel.ref is not None:
            panelui.press(pl, sel.ref)
        pl.frame(tick.dt, tick.pose, snap_turn=tick.snap_turned, teleport=tick.teleported)
        s = pl.session
        p = s.pose
        if s.driver == Driver.AUTOPILOT and not s.ended:
            st.place(p.x, p.y, None, instant=False)  # a ride: carried along, free to look around
        elif math.hypot(p.x - tick.pose.x, p.y - tick.pose.y) > 1e-6 and not s.ended:
            st.place(p.x, p.y, None, instant=True)  # the tour moved the trainee (a route's start)
        st.allow_motion = pl.moving_allowed
        panel = with_toast(pl.panel, pl)
        if panel != self._panel:  # lay out only what changed
            self._panel = panel
            self._layout = None if panel.kind == "idle" else panelui.layout(panel)
        st.show_panel(self._layout)
        self.guides.update(pl)
        if self.bot is not None:
            self.bot.act(tick, pl)
        if pl.closed:
            st.request_quit()


class VRScriptedTrainee:
    """A trainee in a headset, played by :class:`~wardtwin.station.tourbot.ScriptedTrainee`'s
    decisions (keywords as for it): it walks by moving its tracked head along routes (room
    scale, at the walking speed) and answers by aiming the controller at the panel button and
    pulling the trigger, one selection at a time. It drives ``source`` (a
    :class:`ScriptedPoseSource`) for the next frame."""

    def __init__(self, model, source: ScriptedPoseSource, *, speed: float = 1.2, **kw):
        self.source = source
        self.walk = WalkSettings(speed=speed)
        self.mind = ScriptedTrainee(model, settings=self.walk, **kw)
        self.queue: list[tuple] = []
        self._phase = "aim"
        self._waited = 0.0
        self.selections = 0

    def act(self, tick, player: TourPlayer) -> None:
        st, h = tick.station, tick.head
        state = WalkState(h.position[0], h.position[1], h.yaw, h.pitch)
        inputs, intents = self.mind.decide(player, state, tick.dt)
        for i in intents:
            self.queue += buttons_for(i)
        # ward -> the source's raw tracking space (the station maps raw poses through the
        # source's calibration, then through the play space)
        to_tracking = self.source.calibration().inverse().compose(st.motion.rig.pose.inverse())
        head = None
        if inputs != IDLE:
            yaw = h.yaw + inputs.turn * self.walk.turn_rate * tick.dt
            fwd, right = (-math.sin(yaw), math.cos(yaw)), (math.cos(yaw), math.sin(yaw))
            d = self.walk.speed * tick.dt
            x = h.position[0] + d * (inputs.forward * fwd[0] + inputs.strafe * right[0])
            y = h.position[1] + d * (inputs.forward * fwd[1] + inputs.strafe * right[1])
            head = to_tracking.compose(Pose.from_ypr((x, y, h.position[2]), yaw))
        self.source.set(head=head, controller=self._pointer(tick, to_tracking))

    def _pointer(self, tick, to_tracking) -> Controller:
        st = tick.station
        lay, plc = st.panel, st.panel_place
        if not self.queue:
            return Controller()
        btn = next((b for b in lay.buttons if b.action == self.queue[0]), None) if lay is not None else None
        if btn is None or plc is None:
            self._waited += tick.dt
            if self._waited > AIM_PATIENCE:
                self.queue.pop(0)
                self._waited, self._phase = 0.0, "aim"
            return Controller()
        self._waited = 0.0
        x0, y0, x1, y1 = btn.rect
        target = to_tracking.transform(plc.point((x0 + x1) / 2, (y0 + y1) / 2))
        head = to_tracking.compose(tick.head)
        hx, hy, hz = head.position
        origin = (hx, hy, hz - HAND_DROP)
        dx, dy, dz = (target[k] - origin[k] for k in range(3))
        aim = Pose.from_ypr(origin, bearing(dx, dy), math.atan2(dz, math.hypot(dx, dy)))
        trigger = 0.0
        if self._phase == "aim":
            self._phase = "press"
        elif self._phase == "press":
            trigger, self._phase = 1.0, "release"
            self.selections += 1
        else:  # the station saw the press this frame: let go, next selection
            self.queue.pop(0)
            self._phase = "aim"
        return Controller(trigger=trigger, aim=aim)


@dataclass(frozen=True)
class Headset:
    """Opens the VR tour station for a session (a :func:`~wardtwin.station.tourrun.run_tour`
    opener): in a headset (OpenXR; without a runtime or headset it raises
    :class:`~wardtwin.station.vr.xr.XRUnavailableError` before anything is recorded), or
    offscreen with a :class:`VRScriptedTrainee` (``bot``: its keywords). ``locomotion``
    (teleport or smooth) is the trainee's comfort choice (``settings``: all of them, instead
    of the session's); ``seated``: the trainee sits (eye height set at the seated height at
    each recentre) instead of standing."""

    kind: ClassVar[StationKind] = StationKind.VR
    offscreen: bool = False
    eye_size: tuple[int, int] | None = None
    fps: int | None = None
    bot: dict | None = None
    settings: VRSettings | None = None
    locomotion: str = "teleport"
    seated: bool = False

    def __call__(self, session: Session) -> VRTour:
        mode = "seated" if self.seated else "standing"
        if self.offscreen:
            source = ScriptedPoseSource(hand=False, mode=mode)
        else:
            from wardtwin.station.vr.xr import OpenXRPoseSource

            source = OpenXRPoseSource(mode=mode)  # XRUnavailableError before anything is recorded
        vs = self.settings if self.settings is not None else vr_settings(session.settings, self.locomotion)
        eye = OFFSCREEN_EYE if self.offscreen and self.eye_size is None else self.eye_size
        with contextlib.ExitStack() as opened:  # the source closes when the station does not open
            opened.enter_context(source)
            st = opened.enter_context(VRStation(session.model, source, offscreen=self.offscreen, eye_size=eye,
                                                fps=self.fps, settings=vs))
            robot = VRScriptedTrainee(session.model, source, **(self.bot or {})) if self.offscreen else None
            run = VRTour(st, session, robot)
            run.close = opened.pop_all().close  # the station, then the source
            return run
