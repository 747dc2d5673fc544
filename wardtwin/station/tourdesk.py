"""``wardtwin tour``: an orientation tour at the desktop station.

The trainee walks as in ``wardtwin view`` while a :class:`~wardtwin.station.tourplay.TourPlayer`
runs the tour: the instruction or form of the moment in a panel at the bottom, hints and
feedback at the top, after a hint a guide arrow and breadcrumbs on the floor along the way,
the item lit up once the answer is revealed, the comfort check (FMS) and the SSQ as keyboard
forms, P to pause, Esc to quit (asked first), and a summary at the end. During guided rides the
camera follows the autopilot. Every event goes to the session's sink (the session store) as it
happens, with the station's frame-time statistics in the last one.

Offscreen, a :class:`~wardtwin.station.tourbot.ScriptedTrainee` presses the keys and walks,
through the same input path as a keyboard. Imports Panda3D.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from wardtwin.errors import UsageError
from wardtwin.events import StationKind
from wardtwin.events.stations import DeskTourSummary
from wardtwin.station.desktop import FPS, DesktopStation
from wardtwin.station.guides import CRUMB_COLOUR, Guides
from wardtwin.station.host import lines
from wardtwin.station.locomotion import WALK_SPEED, WalkSettings
from wardtwin.station.tourbot import ScriptedTrainee
from wardtwin.station.tourplay import TOUR_KEYS, TourPlayer
from wardtwin.station.tourrun import play
from wardtwin.tours.engine import Session
from wardtwin.tours.spec import Pose

#: Panda3D event name -> tour key name.
PANDA_KEYS = {**{k: k for k in TOUR_KEYS if k not in ("up", "down", "left", "right")},
              "arrow_up": "up", "arrow_down": "down", "arrow_left": "left", "arrow_right": "right"}
#: Tour panel text height (fraction of the window's half height) and width, in characters.
PANEL_SCALE = 0.046
PANEL_WRAP = 44
TONES = {"info": (1.0, 1.0, 1.0, 1.0), "good": (0.55, 1.0, 0.55, 1.0), "bad": (1.0, 0.65, 0.45, 1.0)}


class TourStation(DesktopStation):
    """The desktop station running ``session`` (a :class:`Session` not yet begun) with a
    :class:`DeskTour` as its driver. ``bot``: a :class:`ScriptedTrainee` that plays the trainee
    (offscreen runs); other keywords as for :class:`DesktopStation`. The walking speed and
    turn rate follow the session's comfort settings. The session begins once the window (or
    buffer) is open."""

    AUDIO = "p3openal_audio"  # narration of say steps
    HEADLESS = "--offscreen"  # a scripted trainee plays the tour to its end
    lost = None  # (a window is not lost mid-tour: it closes)
    player: TourPlayer | None = None

    def __init__(self, model, session: Session, *, bot: ScriptedTrainee | None = None, scene=None,
                 offscreen: bool = False, size=(1280, 720), fps: int = FPS, screenshot_dir="screenshots"):
        if session.begun:
            raise UsageError("the tour station needs a session that has not begun")
        cs = session.settings
        settings = WalkSettings(speed=min(cs.max_speed, WALK_SPEED), turn_rate=min(cs.yaw_rate, 4 * math.pi))
        p = session.pose
        super().__init__(model, scene, at=f"{p.x},{p.y}", heading=math.degrees(p.heading), offscreen=offscreen,
                         size=size, fps=fps, settings=settings, screenshot_dir=screenshot_dir)
        try:
            self.tour = self.driver = DeskTour(self, session, bot)
        except BaseException:
            self.close()
            raise
        self.player, self.bot = self.tour.player, bot

    def press(self, key: str) -> None:
        """Press a tour key (see :data:`~wardtwin.station.tourplay.TOUR_KEYS`) or a station key."""
        if key in TOUR_KEYS:
            self.tour.key(key)
        else:
            super().press(key)

    def run(self, frames: int | None = None) -> DeskTourSummary:
        """Run until the trainee closes the end-of-tour summary (or the window), or for
        ``frames`` frames; offscreen without ``frames`` the scripted trainee plays the tour to
        its end. Returns :meth:`summary`."""
        if self.offscreen and frames is None:
            if self.bot is None:
                raise UsageError("an offscreen tour needs a scripted trainee (bot) or a number of frames")
            self._quit = False
            play(self, self.player)
            self._flush_screenshots()
            return self.summary()
        super().run(frames)
        return self.summary()

    def play(self) -> None:
        """:meth:`run` to the tour's end (see :class:`~wardtwin.station.tourrun.StationTour`)."""
        self.run()

    def summary(self) -> DeskTourSummary:
        """The station's summary plus the tour's (``tour``: see
        :meth:`~wardtwin.tours.summary.TourSummary.to_dict`, None while it runs) and the frame times."""
        tour = self.player.summary.to_dict() if self.player is not None and self.player.summary else None
        return DeskTourSummary(**vars(super().summary()), tour=tour, frame_times=self.frame_stats.summary())

    def close(self) -> None:
        """Close the station; a tour still running is recorded as abandoned."""
        if self.player is not None and not self.player.session.ended:
            self.player.close("station_closed")
        super().close()


class DeskTour:
    """A tour at a desktop ``station`` (its :class:`~wardtwin.station.desktop.Driver`): holds the
    :class:`TourPlayer` of ``session`` (begun here) and shows it: the instruction or form of the
    moment in a panel at the bottom, hints and feedback at the top, the guide arrow and
    breadcrumbs, narration. Tour keys go to the player; ``bot`` (a :class:`ScriptedTrainee`)
    presses them and walks while the tour runs."""

    def __init__(self, station: DesktopStation, session: Session, bot: ScriptedTrainee | None = None):
        self.station, self.session, self.bot = station, session, bot
        self._panel_text = self._toast_text = None
        self.narrations: list[str] = []  # audio files of say steps, as played
        self._narrated: int | None = None
        self._sound = None
        self._build_hud()
        session.start_data = {"comfort": {"locomotion": "smooth", "input": "keyboard"},
                              "display": {"size": list(station.size), "renderer": station.renderer,
                                          "offscreen": station.offscreen}}
        self.player = TourPlayer(session, station.frame_stats)  # session_started is written here
        self.update()

    def _build_hud(self) -> None:
        st = self.station
        b = st.base
        for key in ("p", "escape", "tab"):  # P pauses, Esc asks before quitting, no planner mode
            st.bind(key)
        for event, name in PANDA_KEYS.items():
            st.bind(event, functools.partial(self.key, name))
        self.panel, self.panel_np = st.text(b.a2dBottomCenter, "tour-panel", PANEL_SCALE, (0, 0.3), card=True)
        self.toast, self.toast_np = st.text(b.a2dTopCenter, "tour-toast", 0.055, (0, -0.2), card=True, wrap=30)
        self.toast.set_align(self.toast.A_center)
        arrow = [[(0, 0, -0.06), (0, 0, 0.06)], [(-0.045, 0, 0.015), (0, 0, 0.06)], [(0.045, 0, 0.015), (0, 0, 0.06)]]
        self.guide_np = b.a2dTopCenter.attach_new_node(lines("guide-arrow", arrow, 5, CRUMB_COLOUR))
        self.guide_np.set_pos(0, 0, -0.42)
        self.guide_text, self.guide_text_np = st.text(b.a2dTopCenter, "guide-distance", 0.04, (0.09, -0.43))
        self.guide_np.hide()
        self.guide_text_np.hide()
        self.guides = Guides(b.render, st.scene)

    # -- the driver ---------------------------------------------------------------------
    def key(self, name: str) -> None:
        """A tour key (see :data:`~wardtwin.station.tourplay.TOUR_KEYS`) pressed."""
        self.player.key(name)
        self.update()

    def poll(self, dt: float, inputs, actions: list):
        if self.bot is not None and not self.player.closed:
            inputs, keys = self.bot.poll(self.player, self.station.state, dt)
            actions = [*actions, *(functools.partial(self.key, k) for k in keys)]
        return inputs, actions

    def advance(self, dt: float, inputs) -> None:
        st = self.station
        st.state = self.player.walk(dt, st.walker, st.state, inputs)
        self._narrate()
        self.update()
        if self.player.closed:
            st.request_quit()

    def hud(self, status: str) -> tuple[str, str]:
        progress = self.player.progress
        return (progress + "\n" if progress else "") + status, self.player.panel.footer or ""

    def _narrate(self) -> None:
        """Play the audio of a say step once, when it starts; stop it when the step ends."""
        s = self.session
        idx = s.index if s.current is not None else None
        if idx == self._narrated:
            return
        self._narrated = idx
        if self._sound is not None:
            self._sound.stop()
            self._sound = None
        audio = s.prompt.get("audio") if idx is not None else None
        if audio:
            from panda3d.core import Filename

            path = (Path(s.current.src.file).parent / audio).resolve()
            self._sound = self.station.base.loader.loadSfx(Filename.from_os_specific(str(path)))
            if self._sound is not None:
                self._sound.play()
            self.narrations.append(str(path))

    def update(self) -> None:
        """Bring the panel, the toast, the guides and the arrow up to date with the player."""
        pl = self.player
        panel = pl.panel
        lines = panel.lines()
        text = "\n".join(lines[:-1] if panel.footer else lines)  # the footer is the key help line
        if text != self._panel_text:
            self._panel_text = text
            self._set_panel(text, panel.kind)
        toasts = pl.toasts()
        ttext = toasts[-1].text if toasts else ""
        if ttext != self._toast_text:
            self._toast_text = ttext
            self.toast.set_text(ttext)
            if toasts:
                self.toast.set_text_color(*TONES.get(toasts[-1].tone, TONES["info"]))
            (self.toast_np.show if ttext else self.toast_np.hide)()
        self.guides.update(pl)
        st = self.station.state
        g = pl.guide(Pose(st.x, st.y, st.yaw)) if self.station.mode == "walk" else None
        if g is None:
            self.guide_np.hide()
            self.guide_text_np.hide()
        else:
            self.guide_np.show()
            self.guide_np.set_r(-math.degrees(g[0]))
            self.guide_text.set_text(f"{g[1]:.0f} m")
            self.guide_text_np.show()

    def _set_panel(self, text: str, kind: str) -> None:
        """Show the panel text left-aligned in a card centred at the bottom of the window,
        its last line just above the key help; long forms (the SSQ) in a smaller font."""
        tn, np_ = self.panel, self.panel_np
        if not text:
            np_.hide()
            return
        scale = PANEL_SCALE * (0.8 if kind == "ssq" else 1.0)
        tn.set_wordwrap(PANEL_WRAP)
        tn.set_text(text)
        rows = max(1, tn.get_num_rows())
        np_.set_scale(scale)
        np_.set_pos(-tn.get_width() * scale / 2, 0, 0.16 + (rows - 1) * tn.get_line_height() * scale)
        np_.show()


@dataclass(frozen=True)
class Desk:
    """Opens the desktop tour station for a session (a :func:`~wardtwin.station.tourrun.run_tour`
    opener); fields as for :class:`TourStation`. Offscreen, ``bot`` (default: a
    :class:`ScriptedTrainee`) plays the trainee."""

    kind: ClassVar[StationKind] = StationKind.DESKTOP
    offscreen: bool = False
    size: tuple[int, int] = (1280, 720)
    fps: int = FPS
    bot: ScriptedTrainee | None = None
    screenshot_dir: str | os.PathLike = "screenshots"

    def __call__(self, session: Session) -> TourStation:
        bot = self.bot if self.bot is not None or not self.offscreen else ScriptedTrainee(session.model)
        return TourStation(session.model, session, bot=bot, offscreen=self.offscreen, size=self.size, fps=self.fps,
                           screenshot_dir=self.screenshot_dir)
