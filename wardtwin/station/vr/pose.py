"""Head-pose sources: where the trainee's head, eyes and controller are, frame by frame.

Pure (no Panda3D). Conventions, the same as the plan and Panda3D's world: metres, x right
(east), y forward (north), z up; angles in radians. An orientation is a unit quaternion
``(w, x, y, z)``; :meth:`Pose.from_ypr` builds one from yaw (counter-clockwise about +z, 0
facing +y: Panda3D's heading), pitch (about the local x axis, + looking up) and roll (about
the local y axis), applied in that order, as Panda3D's HPR.

A source reports poses in its *tracking space* (the trainee's play space: floor at z = 0 when
standing), corrected by its calibration (:meth:`PoseSource.recentre`). The station places the
tracking space in the ward (:class:`~wardtwin.station.vr.motion.Rig`).

Two sources: :class:`ScriptedPoseSource` (deterministic, driven by timed key poses and
inputs; tests and batch runs) and :class:`~wardtwin.station.vr.xr.OpenXRPoseSource` (a
headset through an OpenXR runtime).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace

from wardtwin.angles import bearing, wrap_angle
from wardtwin.errors import UsageError
from wardtwin.station.tourrun import Closes

#: Default interpupillary distance, m (adult mean about 63 mm).
IPD = 0.063
#: Eye height of a standing adult, m (the desktop station's).
EYE_HEIGHT = 1.65
#: Default eye height above the ward floor of a seated trainee, m: the ward is seen from a
#: standing adult's eye height, as at the desktop (1.2 m gives a true sitting view).
SEATED_EYE_HEIGHT = EYE_HEIGHT
#: Default horizontal field of view of one eye of the scripted source, rad (headsets: ~90-110 deg).
FOV_H = math.radians(100.0)
#: Default refresh rate of the scripted source, Hz.
REFRESH_RATE = 90.0
#: Where the scripted controller is held, relative to the head, m (right, forward, up).
HAND_OFFSET = (0.18, 0.35, -0.35)
MODES = ("standing", "seated")


def _finite(*vals) -> bool:
    try:
        return all(math.isfinite(v) for v in vals)
    except TypeError:
        return False


# -- quaternions (w, x, y, z) -------------------------------------------------------------------
def quat_mul(a, b) -> tuple[float, float, float, float]:
    """Hamilton product ``a * b`` (rotate by ``b``, then by ``a``)."""
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    return (aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw)


def quat_conj(q) -> tuple[float, float, float, float]:
    return (q[0], -q[1], -q[2], -q[3])


def quat_normalise(q) -> tuple[float, float, float, float]:
    n = math.sqrt(sum(c * c for c in q))
    if not (n > 0 and math.isfinite(n)):
        raise UsageError(f"orientation {q!r}: a non-zero quaternion (w, x, y, z) expected")
    return (q[0] / n, q[1] / n, q[2] / n, q[3] / n)


def quat_rotate(q, v) -> tuple[float, float, float]:
    """The vector ``v`` rotated by the unit quaternion ``q``."""
    w, x, y, z = q
    vx, vy, vz = v
    # t = 2 * cross(q.xyz, v); v' = v + w t + cross(q.xyz, t)
    tx, ty, tz = 2 * (y * vz - z * vy), 2 * (z * vx - x * vz), 2 * (x * vy - y * vx)
    return (vx + w * tx + (y * tz - z * ty), vy + w * ty + (z * tx - x * tz), vz + w * tz + (x * ty - y * tx))


def quat_axis(axis: str, angle: float) -> tuple[float, float, float, float]:
    """A rotation of ``angle`` rad about the x, y or z axis (right-handed)."""
    c, s = math.cos(angle / 2), math.sin(angle / 2)
    return {"x": (c, s, 0.0, 0.0), "y": (c, 0.0, s, 0.0), "z": (c, 0.0, 0.0, s)}[axis]


def quat_slerp(a, b, f: float) -> tuple[float, float, float, float]:
    """Spherical interpolation from ``a`` (f = 0) to ``b`` (f = 1), the short way."""
    dot = sum(p * q for p, q in zip(a, b))
    if dot < 0:
        b, dot = tuple(-c for c in b), -dot
    if dot > 0.9995:
        return quat_normalise(tuple(p + f * (q - p) for p, q in zip(a, b)))
    th = math.acos(min(1.0, dot))
    s = math.sin(th)
    wa, wb = math.sin((1 - f) * th) / s, math.sin(f * th) / s
    return quat_normalise(tuple(wa * p + wb * q for p, q in zip(a, b)))


@dataclass(frozen=True)
class Pose:
    """A position (m) and an orientation (unit quaternion ``(w, x, y, z)``); the local axes
    are x right, y forward, z up."""

    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    orientation: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)

    def __post_init__(self):
        p, q = tuple(self.position), tuple(self.orientation)
        if len(p) != 3 or len(q) != 4 or not _finite(*p, *q):
            raise UsageError(f"pose {self.position!r} {self.orientation!r}: 3 + 4 finite numbers expected")
        object.__setattr__(self, "position", tuple(float(c) for c in p))
        object.__setattr__(self, "orientation", quat_normalise(q))

    @classmethod
    def _of(cls, position: tuple, orientation: tuple) -> "Pose":
        """A pose from parts computed from valid poses (floats, a unit quaternion), unchecked:
        composing poses happens many times a frame."""
        pose = object.__new__(cls)
        object.__setattr__(pose, "position", position)
        object.__setattr__(pose, "orientation", orientation)
        return pose

    @classmethod
    def from_ypr(cls, position=(0.0, 0.0, 0.0), yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> "Pose":
        """A pose at ``position`` (m) turned by yaw, then pitch, then roll (rad; see the module doc)."""
        q = quat_mul(quat_mul(quat_axis("z", yaw), quat_axis("x", pitch)), quat_axis("y", roll))
        return cls(tuple(position), q)

    @classmethod
    def at(cls, x: float, y: float, z: float = EYE_HEIGHT, yaw: float = 0.0, pitch: float = 0.0,
           roll: float = 0.0) -> "Pose":
        """Shorthand for :meth:`from_ypr`: a head at (x, y, z) m looking along yaw/pitch (rad)."""
        return cls.from_ypr((x, y, z), yaw, pitch, roll)

    # -- axes and angles ----------------------------------------------------------------
    def rotate(self, v) -> tuple[float, float, float]:
        """A local vector expressed in the parent frame (rotation only)."""
        return quat_rotate(self.orientation, v)

    @property
    def forward(self) -> tuple[float, float, float]:
        return self.rotate((0.0, 1.0, 0.0))

    @property
    def right(self) -> tuple[float, float, float]:
        return self.rotate((1.0, 0.0, 0.0))

    @property
    def up(self) -> tuple[float, float, float]:
        return self.rotate((0.0, 0.0, 1.0))

    @property
    def yaw(self) -> float:
        """Heading of the forward axis, rad counter-clockwise from +y, in (-pi, pi]. Looking
        straight up or down, the heading of the up axis's opposite is used."""
        fx, fy, _ = self.forward
        if math.hypot(fx, fy) < 1e-9:
            ux, uy, _ = self.up
            fx, fy = -ux, -uy
            if self.forward[2] < 0:
                fx, fy = ux, uy
        return wrap_angle(bearing(fx, fy))

    @property
    def pitch(self) -> float:
        """Elevation of the forward axis, rad (+ up), in [-pi/2, pi/2]."""
        return math.asin(max(-1.0, min(1.0, self.forward[2])))

    @property
    def roll(self) -> float:
        """Roll about the forward axis, rad (+: the right side goes down)."""
        return math.atan2(-self.right[2], self.up[2])

    # -- composition --------------------------------------------------------------------
    def transform(self, p) -> tuple[float, float, float]:
        """A local point (m) expressed in the parent frame."""
        r = self.rotate(p)
        return (r[0] + self.position[0], r[1] + self.position[1], r[2] + self.position[2])

    def compose(self, local: "Pose") -> "Pose":
        """The pose ``local`` (given in this pose's frame) expressed in the parent frame."""
        return Pose._of(self.transform(local.position), quat_mul(self.orientation, local.orientation))

    def inverse(self) -> "Pose":
        q = quat_conj(self.orientation)
        p = quat_rotate(q, self.position)
        return Pose._of((-p[0], -p[1], -p[2]), q)


@dataclass(frozen=True)
class Fov:
    """The field of view of one eye: the angles (rad) of the left, right, top and bottom
    edges from the view axis, OpenXR style (``left`` and ``down`` are negative for a view
    that contains its axis). Headsets report asymmetric ones."""

    left: float
    right: float
    up: float
    down: float

    def __post_init__(self):
        lim = math.radians(89.0)
        if not (_finite(self.left, self.right, self.up, self.down) and -lim <= self.left < self.right <= lim
                and -lim <= self.down < self.up <= lim):
            raise UsageError(f"field of view {self!r}: left < right and down < up, within +-89 degrees, expected")

    @classmethod
    def symmetric(cls, horizontal: float = FOV_H, aspect: float = 1.0) -> "Fov":
        """A symmetric field of view ``horizontal`` rad wide for an image of ``aspect`` =
        width / height (square pixels)."""
        t = math.tan(horizontal / 2)
        v = math.atan(t / aspect)
        return cls(-horizontal / 2, horizontal / 2, v, -v)

    @property
    def tangents(self) -> tuple[float, float, float, float]:
        """tan of (left, right, up, down)."""
        return (math.tan(self.left), math.tan(self.right), math.tan(self.up), math.tan(self.down))

    def focal_px(self, width: int) -> float:
        """Focal length in pixels of an image ``width`` pixels wide with this field of view."""
        tl, tr, _, _ = self.tangents
        return width / (tr - tl)


@dataclass(frozen=True)
class EyeView:
    """One eye: its pose (in the tracking space) and field of view (None: the rig's default,
    symmetric, with the eye buffer's aspect)."""

    pose: Pose
    fov: Fov | None = None


@dataclass(frozen=True)
class Controller:
    """One hand controller. ``stick``: thumbstick (x + right, y + forward), each -1..1;
    ``trigger`` and ``grip``: 0..1; ``recentre``: the recentre button (A) is held; ``aim``:
    the aim pose (the pointer ray starts at its position and runs along its +y axis), None
    when the controller is not tracked."""

    stick: tuple[float, float] = (0.0, 0.0)
    trigger: float = 0.0
    grip: float = 0.0
    recentre: bool = False
    aim: Pose | None = None

    def __post_init__(self):
        sx, sy = self.stick
        if not (_finite(sx, sy, self.trigger, self.grip) and -1 <= sx <= 1 and -1 <= sy <= 1
                and 0 <= self.trigger <= 1 and 0 <= self.grip <= 1):
            raise UsageError(f"controller {self!r}: stick -1..1, trigger and grip 0..1 expected")
        object.__setattr__(self, "stick", (float(sx), float(sy)))

    @property
    def ray(self) -> tuple[tuple[float, float, float], tuple[float, float, float]] | None:
        """(origin m, unit direction) of the aim ray, or None when not tracked."""
        if self.aim is None:
            return None
        return self.aim.position, self.aim.forward


#: No input, controller not tracked.
NO_CONTROLLER = Controller()


@dataclass(frozen=True)
class TrackedFrame:
    """What a source reports for one frame, in its (calibrated) tracking space: the time
    (s), the head, the two eyes (left, right) and the controller."""

    time: float
    head: Pose
    eyes: tuple[EyeView, EyeView]
    controller: Controller = NO_CONTROLLER

    def mapped(self, t: Pose) -> "TrackedFrame":
        """Every pose of the frame expressed through ``t`` (``t`` composed with each)."""
        c = self.controller
        ctrl = replace(c, aim=t.compose(c.aim)) if c.aim is not None else c
        return TrackedFrame(self.time, t.compose(self.head),
                            tuple(EyeView(t.compose(e.pose), e.fov) for e in self.eyes), ctrl)


def eyes_from_head(head: Pose, ipd: float, fov: Fov | None = None) -> tuple[EyeView, EyeView]:
    """Two eyes ``ipd`` m apart along the head's x axis, looking where the head looks."""
    h = ipd / 2
    return (EyeView(head.compose(Pose((-h, 0.0, 0.0))), fov), EyeView(head.compose(Pose((h, 0.0, 0.0))), fov))


class PoseSource(Closes):
    """The interface of a head-pose source (subclasses implement :meth:`_track`).

    ``mode``: ``"standing"`` (the tracking space's floor is the ward floor, the head's height
    is the trainee's own) or ``"seated"`` (heights are relative to the head at the last
    recentre, which is put at ``seated_eye_height`` m above the ward floor).
    """

    #: ``"scripted"`` or ``"openxr"``.
    kind = "abstract"

    def __init__(self, *, mode: str = "standing", seated_eye_height: float = SEATED_EYE_HEIGHT):
        if mode not in MODES:
            raise UsageError(f"mode {mode!r}: 'standing' or 'seated' expected")
        if not (_finite(seated_eye_height) and 0.5 <= seated_eye_height <= 2.2):
            raise UsageError(f"seated eye height {seated_eye_height!r} m: 0.5 to 2.2 expected")
        self.mode = mode
        self.seated_eye_height = float(seated_eye_height)
        self._last_raw: TrackedFrame | None = None
        self._reference = Pose()  # the raw head pose at the last recentre (position and yaw only)
        self.recentres = 0
        self.ipd = IPD  # interpupillary distance, m (subclasses set what their device or script says)
        self.refresh_rate = REFRESH_RATE  # display refresh rate, Hz (the station's frame rate)

    # -- what subclasses provide --------------------------------------------------------
    def _track(self, time: float) -> TrackedFrame:
        """The raw frame at ``time`` s in the source's own tracking space."""
        raise NotImplementedError

    @property
    def eye_size(self) -> tuple[int, int] | None:
        """Recommended per-eye image size (width, height) pixels, or None (the station's)."""
        return None

    def end_session(self) -> None:
        """End what the source shares with the renderer (a headset's session and swapchains),
        before the renderer's OpenGL context goes (idempotent)."""

    def close(self) -> None:
        """Release whatever the source holds (idempotent)."""

    # -- the interface ------------------------------------------------------------------
    def calibration(self) -> Pose:
        """The transform from raw tracking to the calibrated space."""
        ref = self._reference
        yaw = ref.yaw
        z0 = ref.position[2] if self.mode == "seated" else 0.0
        lift = self.seated_eye_height if self.mode == "seated" else 0.0
        # rotate by -yaw about the reference point, then put the reference at (0, 0, lift)
        rot = Pose((0.0, 0.0, 0.0), quat_axis("z", -yaw))
        p = rot.rotate((-ref.position[0], -ref.position[1], -z0))
        return Pose((p[0], p[1], p[2] + lift), rot.orientation)

    def poll(self, time: float) -> TrackedFrame:
        """The calibrated frame at ``time`` s (see :meth:`recentre`)."""
        if not _finite(time):
            raise UsageError(f"time {time!r}: a finite number of seconds expected")
        raw = self._track(float(time))
        self._last_raw = raw
        return raw.mapped(self.calibration())

    def recentre(self) -> None:
        """From now on the head's current position is the tracking origin (standing: its floor
        point; seated: the head itself, at the seated eye height) and its current heading is
        forward (+y). Uses the last polled frame (before any: the tracking origin)."""
        head = self._last_raw.head if self._last_raw is not None else Pose()
        self._reference = Pose.from_ypr(head.position, head.yaw)
        self.recentres += 1


@dataclass(frozen=True)
class Key:
    """A key frame of a script at ``t`` s: the head pose (None: as before) and the
    controller (None: as before; its ``aim`` None with ``hand`` on: held at
    :data:`HAND_OFFSET` from the head, pointing where the head looks)."""

    t: float
    head: Pose | None = None
    controller: Controller | None = None

    def __post_init__(self):
        if not (_finite(self.t) and self.t >= 0):
            raise UsageError(f"key time {self.t!r} s: a finite number >= 0 expected")


class ScriptedPoseSource(PoseSource):
    """A deterministic source played from timed :class:`Key` frames: the head pose is
    interpolated between keys (position linearly, orientation by slerp) when ``interpolate``,
    else held; controller inputs are held from their key until the next. Before the first
    head key the first one holds; with none, the head stands at the tracking origin at
    ``eye_height`` m (seated: at the seated eye height), facing +y.

    ``ipd`` m; ``fov``: each eye's field of view (None: the rig's default, symmetric
    :data:`FOV_H` wide with the eye buffer's aspect); ``hand``: an untracked controller aim is
    replaced by a hand held at :data:`HAND_OFFSET` from the head, pointing where the head
    looks; ``rate``: refresh rate, Hz.
    """

    kind = "scripted"

    def __init__(self, keys=(), *, ipd: float = IPD, fov: Fov | None = None, mode: str = "standing",
                 seated_eye_height: float = SEATED_EYE_HEIGHT, interpolate: bool = True, hand: bool = True,
                 rate: float = REFRESH_RATE, eye_height: float = EYE_HEIGHT):
        super().__init__(mode=mode, seated_eye_height=seated_eye_height)
        if not (_finite(ipd) and 0.04 <= ipd <= 0.085):
            raise UsageError(f"IPD {ipd!r} m: 0.040 to 0.085 expected")
        if not (_finite(rate) and 20 <= rate <= 240):
            raise UsageError(f"refresh rate {rate!r} Hz: 20 to 240 expected")
        if not (_finite(eye_height) and 0.3 <= eye_height <= 2.5):
            raise UsageError(f"eye height {eye_height!r} m: 0.3 to 2.5 expected")
        if fov is not None and not isinstance(fov, Fov):
            raise UsageError(f"field of view {fov!r}: a Fov or None expected")
        self.ipd = float(ipd)
        self.fov = fov
        self.interpolate = bool(interpolate)
        self.hand = bool(hand)
        self.refresh_rate = float(rate)
        self.eye_height = float(eye_height)
        self._last_controller = NO_CONTROLLER
        self.set_script(keys)

    # -- the script ---------------------------------------------------------------------
    def set_script(self, keys) -> None:
        """Replace the script by ``keys`` (sorted by time; equal times keep their order)."""
        keys = list(keys)
        for k in keys:
            if not isinstance(k, Key):
                raise UsageError(f"script entry {k!r}: a Key expected")
        self.keys = sorted(keys, key=lambda k: k.t)
        self._times = [k.t for k in self.keys]

    def set(self, head: Pose | None = None, controller: Controller | None = None) -> None:
        """Hold this head pose (tracking space, raw) and/or controller from now on: the script
        is replaced by one key; what is not given stays as last polled."""
        last = self._last_raw
        h = head if head is not None else (last.head if last is not None else self._default_head())
        c = controller if controller is not None else self._last_controller
        self.set_script([Key(0.0, h, c)])

    # -- the interface ------------------------------------------------------------------
    def _default_head(self) -> Pose:
        return Pose((0.0, 0.0, self.eye_height if self.mode == "standing" else 0.0))

    def _track(self, time: float) -> TrackedFrame:
        head, ctrl = self._at(time)
        self._last_controller = ctrl
        if ctrl.aim is None and self.hand:
            ctrl = replace(ctrl, aim=Pose(head.transform(HAND_OFFSET), head.orientation))
        return TrackedFrame(time, head, eyes_from_head(head, self.ipd, self.fov), ctrl)

    def _at(self, time: float) -> tuple[Pose, Controller]:
        heads = [k for k in self.keys if k.head is not None]
        head = heads[0].head if heads else self._default_head()
        ctrl = NO_CONTROLLER
        i = bisect.bisect_right(self._times, time)  # keys[:i] are at or before ``time``
        prev = None
        for k in self.keys[:i]:
            if k.head is not None:
                head, prev = k.head, k
            if k.controller is not None:
                ctrl = k.controller
        if self.interpolate and prev is not None:
            nxt = next((k for k in self.keys[i:] if k.head is not None), None)
            if nxt is not None and nxt.t > prev.t:
                f = (time - prev.t) / (nxt.t - prev.t)
                a, b = prev.head, nxt.head
                pos = tuple(p + f * (q - p) for p, q in zip(a.position, b.position))
                head = Pose(pos, quat_slerp(a.orientation, b.orientation, f))
        return head, ctrl
