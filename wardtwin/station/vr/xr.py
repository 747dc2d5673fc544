"""OpenXR: finding a runtime and a headset, and the headset's pose source. No Panda3D here;
pyopenxr (``pip install 'wardtwin[vr]'``, which bundles the OpenXR loader) is imported only
when a function needs it.

:func:`detect` tries what a VR station needs, in order, and stops at the first thing missing
with an :class:`XRUnavailableError` that names it and offers the desktop station:

1. the pyopenxr package (``missing="pyopenxr"``);
2. the OpenXR loader library it bundles (``"loader"``);
3. an active OpenXR runtime such as SteamVR, Monado or Meta Quest Link/Oculus
   (``"runtime"``: XR_ERROR_RUNTIME_UNAVAILABLE), with OpenGL support (``"opengl"``);
4. a connected, switched-on headset (``"headset"``: XR_ERROR_FORM_FACTOR_UNAVAILABLE).

OpenXR's axes are x right, y up, -z forward; the station's are x right, y forward, z up, so a
point (x, y, z) becomes (x, -z, y) and a quaternion (w, x, y, z) becomes (w, x, -z, y).
OpenXR's field-of-view angles are the station's :class:`~wardtwin.station.vr.pose.Fov`.

:class:`OpenXRPoseSource` runs the OpenXR session: tracking (head, eyes, one controller:
thumbstick, trigger, grip, A/X button, aim pose), the frame loop (:meth:`~OpenXRPoseSource.wait`
before a frame, :meth:`~OpenXRPoseSource.submit` after it) and the swapchains the eye images
are copied into (OpenGL, through PyOpenGL). It needs a headset: only detection runs here.
"""

from __future__ import annotations

import ctypes
import math
import os
import tempfile
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from wardtwin.errors import WardtwinError
from wardtwin.station.vr.pose import (
    NO_CONTROLLER, SEATED_EYE_HEIGHT, Controller, EyeView, Fov, Pose, PoseSource, TrackedFrame, eyes_from_head,
)

#: What to do instead, appended to every message.
DESKTOP_HINT = "use the desktop station instead (--station desktop)"
APP_NAME = "wardtwin"


class XRUnavailableError(WardtwinError):
    """The VR station cannot start: ``missing`` names what is missing (``pyopenxr``,
    ``loader``, ``runtime``, ``opengl``, ``headset``, ``display`` or ``session``);
    ``result`` is the OpenXR result code when there is one; ``details`` the loader's own
    diagnostics (lines)."""

    def __init__(self, missing: str, message: str, result: str | None = None, details=()):
        self.missing, self.result, self.details = missing, result, tuple(details)
        super().__init__(f"VR station unavailable: {message}; {DESKTOP_HINT}")


@contextmanager
def _captured_stderr(lines: list):
    """Collect what C code writes to the process's standard error (the OpenXR loader logs its
    failures there) into ``lines`` instead of the terminal."""
    try:
        fd = os.dup(2)
    except OSError:  # pragma: no cover - no stderr at all
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        try:
            os.dup2(tmp.fileno(), 2)
            yield
        finally:
            os.dup2(fd, 2)
            os.close(fd)
            tmp.seek(0)
            lines += [ln for ln in tmp.read().decode("utf-8", "replace").splitlines() if ln.strip()]


def load_xr():
    """The pyopenxr module (``xr``), or :class:`XRUnavailableError` naming what is missing."""
    try:
        import xr  # noqa: PLC0415 - optional dependency
    except ImportError as exc:
        if getattr(exc, "name", None) in ("xr", None):
            raise XRUnavailableError(
                "pyopenxr", "the pyopenxr package is not installed (pip install 'wardtwin[vr]')") from None
        raise XRUnavailableError("pyopenxr", f"pyopenxr could not be imported ({exc})") from None
    except OSError as exc:  # the bundled libopenxr_loader could not be loaded
        raise XRUnavailableError("loader", f"the OpenXR loader library could not be loaded ({exc})") from None
    return xr


def _result_name(xr, exc) -> str | None:
    """The OpenXR result a pyopenxr exception stands for (``XR_ERROR_...``), or None."""
    try:
        return f"XR_{xr.Result(exc.get_result_enum()).name}"
    except (AttributeError, TypeError, ValueError):
        return None


def explain(xr, exc, stage: str, details=()) -> XRUnavailableError:
    """The :class:`XRUnavailableError` for a pyopenxr exception raised at ``stage``
    (``instance``, ``system``, ``session``, or ``frame``: in the frame loop, the runtime lost)."""
    code = _result_name(xr, exc)
    if code in ("XR_ERROR_RUNTIME_UNAVAILABLE", "XR_ERROR_RUNTIME_FAILURE", "XR_ERROR_INITIALIZATION_FAILED",
                "XR_ERROR_API_VERSION_UNSUPPORTED") and stage == "instance":
        return XRUnavailableError(
            "runtime", f"no active OpenXR runtime was found ({code}): install and start one (SteamVR, Monado, "
            "or Meta Quest Link/Oculus) and make it the active OpenXR runtime, or point XR_RUNTIME_JSON at its "
            "manifest", code, details)
    if code == "XR_ERROR_EXTENSION_NOT_PRESENT":
        return XRUnavailableError(
            "opengl", f"the active OpenXR runtime does not support OpenGL (XR_KHR_opengl_enable; {code})", code, details)
    if code == "XR_ERROR_FORM_FACTOR_UNAVAILABLE":
        return XRUnavailableError(
            "headset", f"the OpenXR runtime runs but no headset is connected ({code}): connect the headset, switch "
            "it on and check that the runtime sees it", code, details)
    if code == "XR_ERROR_FORM_FACTOR_UNSUPPORTED":
        return XRUnavailableError(
            "headset", f"the active OpenXR runtime does not drive head-mounted displays ({code})", code, details)
    if stage == "frame":
        return XRUnavailableError(
            "runtime", f"the OpenXR runtime stopped during the session ({code or type(exc).__name__}): restart it "
            "(and the headset) and start the tour again; what was done so far is recorded", code, details)
    what = {"instance": "runtime", "system": "headset"}.get(stage, "session")
    return XRUnavailableError(what, f"OpenXR failed while creating the {stage} ({code or type(exc).__name__}: {exc})",
                              code, details)


@dataclass(frozen=True)
class XRInfo:
    """What :func:`detect` found: the runtime (name and version), the headset's name, its
    recommended per-eye image size (width, height) pixels, its number of views."""

    runtime: str
    system: str
    eye_size: tuple[int, int]
    views: int


def _attempt(xr, details: list, stage: str, call):
    """``call()``, the OpenXR loader's diagnostics collected into ``details``; an OpenXR failure
    raises the :class:`XRUnavailableError` of ``stage`` (see :func:`explain`)."""
    with _captured_stderr(details):
        try:
            return call()
        except xr.XrException as exc:
            failure = exc
    raise explain(xr, failure, stage, details)  # (the details are complete once the capture ends)


def _open(xr, app_name: str, details: list):
    """(instance, system id) or :class:`XRUnavailableError`."""
    info = xr.InstanceCreateInfo(
        application_info=xr.ApplicationInfo(application_name=app_name, engine_name="wardtwin (Panda3D)"),
        enabled_extension_names=[xr.KHR_OPENGL_ENABLE_EXTENSION_NAME])
    instance = _attempt(xr, details, "instance", lambda: xr.create_instance(info))
    try:
        return instance, _attempt(xr, details, "system", lambda: xr.get_system(
            instance, xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY)))
    except XRUnavailableError:
        xr.destroy_instance(instance)
        raise


def _describe(xr, instance, system) -> XRInfo:
    ip = xr.get_instance_properties(instance)
    sp = xr.get_system_properties(instance, system)
    views = xr.enumerate_view_configuration_views(instance, system, xr.ViewConfigurationType.PRIMARY_STEREO)
    name = ip.runtime_name.decode() if isinstance(ip.runtime_name, bytes) else str(ip.runtime_name)
    sysname = sp.system_name.decode() if isinstance(sp.system_name, bytes) else str(sp.system_name)
    return XRInfo(f"{name} {ip.runtime_version}", sysname,
                  (int(views[0].recommended_image_rect_width), int(views[0].recommended_image_rect_height)), len(views))


def detect(app_name: str = APP_NAME) -> XRInfo:
    """Check that a VR station can run here (see the module doc); raises
    :class:`XRUnavailableError` naming the first thing missing. Opens nothing that stays open."""
    xr = load_xr()
    details: list = []
    instance, system = _open(xr, app_name, details)
    try:
        return _describe(xr, instance, system)
    finally:
        xr.destroy_instance(instance)


# -- conversions ------------------------------------------------------------------------------
def pose_from_xr(p) -> Pose:
    """An OpenXR ``Posef`` (y up, -z forward) as a station pose (z up, +y forward)."""
    o, q = p.position, p.orientation
    return Pose((o.x, -o.z, o.y), (q.w, q.x, -q.z, q.y))


def fov_from_xr(f) -> Fov:
    return Fov(f.angle_left, f.angle_right, f.angle_up, f.angle_down)


#: Controller bindings: interaction profile -> {action: input path under /user/hand/right}.
_TOUCH = {"stick": "input/thumbstick", "trigger": "input/trigger/value", "grip": "input/squeeze/value",
          "recentre": "input/a/click", "aim": "input/aim/pose"}
_BINDINGS = {
    "/interaction_profiles/oculus/touch_controller": _TOUCH,
    "/interaction_profiles/valve/index_controller": _TOUCH,
    "/interaction_profiles/htc/vive_controller": {
        "stick": "input/trackpad", "trigger": "input/trigger/value", "grip": "input/squeeze/click",
        "recentre": "input/menu/click", "aim": "input/aim/pose"},
    "/interaction_profiles/khr/simple_controller": {
        "trigger": "input/select/click", "recentre": "input/menu/click", "aim": "input/aim/pose"},
}


class OpenXRPoseSource(PoseSource):
    """A headset through the active OpenXR runtime (see the module doc).

    Construction runs :func:`detect`'s checks and keeps the instance. The station then calls
    :meth:`start` with the OpenGL binding of its window (:func:`glx_binding`, from inside a
    draw callback), and each frame :meth:`wait` (frame pacing; False: do not render this
    frame), :meth:`poll` (the calibrated poses at the predicted display time) and
    :meth:`submit` with the two eyes' OpenGL texture names. ``mode``: ``standing`` uses the
    STAGE space (floor at 0), ``seated`` the LOCAL one."""

    kind = "openxr"

    def __init__(self, *, mode: str = "standing", seated_eye_height: float = SEATED_EYE_HEIGHT,
                 app_name: str = APP_NAME):
        super().__init__(mode=mode, seated_eye_height=seated_eye_height)
        self.xr = load_xr()
        self.details: list = []
        self.instance, self.system = _open(self.xr, app_name, self.details)
        self.info = _describe(self.xr, self.instance, self.system)
        self.session = None
        self.running = False
        self.exit_requested = False
        self._state = None
        self._frame_state = None
        self._views = None
        self._space = None
        self._swapchains: list = []
        self._images: list = []
        self.lost: XRUnavailableError | None = None  # why the runtime went away mid-session
        self.frames_ended = 0  # headset frames ended (xrEndFrame)
        self.frames_shown = 0  # of those, with the eyes' images (a projection layer)

    # -- the interface ------------------------------------------------------------------
    @property
    def eye_size(self) -> tuple[int, int]:
        return self.info.eye_size

    # -- the session --------------------------------------------------------------------
    def start(self, graphics_binding) -> None:
        """Create the session on the renderer's OpenGL context (``graphics_binding``: an
        ``xr.GraphicsBindingOpenGLXlibKHR``), its spaces, actions and swapchains."""
        xr = self.xr
        try:
            xr.get_opengl_graphics_requirements_khr(self.instance, self.system)  # required before a session
            self.session = xr.create_session(self.instance, xr.SessionCreateInfo(
                system_id=self.system, next=ctypes.cast(ctypes.pointer(graphics_binding), ctypes.c_void_p)))
            kind = xr.ReferenceSpaceType.LOCAL if self.mode == "seated" else xr.ReferenceSpaceType.STAGE
            try:
                self._space = xr.create_reference_space(self.session, xr.ReferenceSpaceCreateInfo(kind))
            except xr.XrException:  # no room-scale stage: the local space, floor unknown
                self._space = xr.create_reference_space(
                    self.session, xr.ReferenceSpaceCreateInfo(xr.ReferenceSpaceType.LOCAL))
            self._make_actions()
            self._make_swapchains()
        except xr.XrException as exc:
            raise explain(xr, exc, "session", self.details) from None

    def _make_actions(self) -> None:
        xr = self.xr
        self._hand = xr.string_to_path(self.instance, "/user/hand/right")
        self._set = xr.create_action_set(self.instance, xr.ActionSetCreateInfo(
            action_set_name="wardtwin", localized_action_set_name="wardtwin station", priority=0))
        types = {"stick": xr.ActionType.VECTOR2F_INPUT, "trigger": xr.ActionType.FLOAT_INPUT,
                 "grip": xr.ActionType.FLOAT_INPUT, "recentre": xr.ActionType.BOOLEAN_INPUT,
                 "aim": xr.ActionType.POSE_INPUT}
        self._actions = {}
        for name, t in types.items():
            self._actions[name] = xr.create_action(self._set, xr.ActionCreateInfo(
                action_name=name, action_type=t, subaction_paths=[self._hand], localized_action_name=name))
        for profile, inputs in _BINDINGS.items():
            bindings = [xr.ActionSuggestedBinding(self._actions[a], xr.string_to_path(
                self.instance, f"/user/hand/right/{path}")) for a, path in inputs.items()]
            try:
                xr.suggest_interaction_profile_bindings(self.instance, xr.InteractionProfileSuggestedBinding(
                    interaction_profile=xr.string_to_path(self.instance, profile), suggested_bindings=bindings))
            except xr.XrException:  # a profile this runtime does not know
                continue
        xr.attach_session_action_sets(self.session, xr.SessionActionSetsAttachInfo(action_sets=[self._set]))
        self._aim_space = xr.create_action_space(self.session, xr.ActionSpaceCreateInfo(
            action=self._actions["aim"], subaction_path=self._hand))

    def _make_swapchains(self) -> None:
        from OpenGL import GL  # noqa: PLC0415 - comes with pyopenxr

        xr = self.xr
        formats = list(xr.enumerate_swapchain_formats(self.session))
        fmt = next((f for f in (GL.GL_SRGB8_ALPHA8, GL.GL_RGBA8) if f in formats), formats[0])
        w, h = self.info.eye_size
        for _ in range(2):
            sc = xr.create_swapchain(self.session, xr.SwapchainCreateInfo(
                usage_flags=xr.SwapchainUsageFlags.COLOR_ATTACHMENT_BIT | xr.SwapchainUsageFlags.TRANSFER_DST_BIT,
                format=fmt, sample_count=1, width=w, height=h, face_count=1, array_size=1, mip_count=1))
            self._swapchains.append(sc)
            self._images.append([img.image for img in xr.enumerate_swapchain_images(sc, xr.SwapchainImageOpenGLKHR)])

    def _events(self) -> None:
        xr = self.xr
        while True:
            try:
                ev = xr.poll_event(self.instance)
            except xr.EventUnavailable:
                return
            if xr.StructureType(ev.type) == xr.StructureType.EVENT_DATA_SESSION_STATE_CHANGED:
                state = xr.SessionState(ctypes.cast(ctypes.byref(ev), ctypes.POINTER(
                    xr.EventDataSessionStateChanged)).contents.state)
                self._state = state
                if state == xr.SessionState.READY:
                    xr.begin_session(self.session, xr.SessionBeginInfo(xr.ViewConfigurationType.PRIMARY_STEREO))
                    self.running = True
                elif state == xr.SessionState.STOPPING:
                    xr.end_session(self.session)
                    self.running = False
                elif state in (xr.SessionState.EXITING, xr.SessionState.LOSS_PENDING):
                    self.running, self.exit_requested = False, True
            elif xr.StructureType(ev.type) == xr.StructureType.EVENT_DATA_INSTANCE_LOSS_PENDING:
                self.running, self.exit_requested = False, True

    def wait(self) -> bool:
        """Before a frame: handle the runtime's events, then wait for and begin the headset's
        frame. True when the frame should be rendered."""
        xr = self.xr
        try:
            self._events()
            if not self.running:
                self._frame_state = None
                return False
            fs = xr.wait_frame(self.session, xr.FrameWaitInfo())
            try:
                xr.begin_frame(self.session, xr.FrameBeginInfo())
            except xr.FrameDiscarded:  # a success: the frame before was never ended; this one is begun
                pass
        except xr.XrException as exc:
            self._lose(exc)
            return False
        self._frame_state = fs
        if fs.predicted_display_period > 0:
            self.refresh_rate = 1e9 / fs.predicted_display_period
        return bool(fs.should_render)

    def _track(self, time: float) -> TrackedFrame:
        xr = self.xr
        fs = self._frame_state
        if fs is None:  # not running
            return self._still(time)
        t = fs.predicted_display_time
        try:
            _, views = xr.locate_views(self.session, xr.ViewLocateInfo(
                view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO, display_time=t, space=self._space))
        except xr.XrException as exc:
            self._lose(exc)
            return self._still(time)  # the loop ends with this frame
        self._views = views
        eyes = tuple(EyeView(pose_from_xr(v.pose), fov_from_xr(v.fov)) for v in views[:2])
        self.ipd = math.dist(eyes[0].pose.position, eyes[1].pose.position)
        a, b = eyes[0].pose, eyes[1].pose
        head = Pose(tuple((p + q) / 2 for p, q in zip(a.position, b.position)), a.orientation)
        try:
            xr.sync_actions(self.session, xr.ActionsSyncInfo(active_action_sets=[xr.ActiveActionSet(self._set, 0)]))
            controller = self._controller(t)
        except xr.SessionNotFocused:  # a success: visible, but the input goes elsewhere until focused
            controller = NO_CONTROLLER
        except xr.XrException as exc:
            self._lose(exc)
            controller = NO_CONTROLLER
        return TrackedFrame(time, head, eyes, controller)

    def _still(self, time: float) -> TrackedFrame:
        """A still head at the tracking origin, no controller (no headset frame to track)."""
        head = Pose((0.0, 0.0, 0.0 if self.mode == "seated" else SEATED_EYE_HEIGHT))
        return TrackedFrame(time, head, eyes_from_head(head, self.ipd), NO_CONTROLLER)

    def _controller(self, t) -> Controller:
        xr = self.xr

        def info(name):
            return xr.ActionStateGetInfo(action=self._actions[name], subaction_path=self._hand)

        stick = xr.get_action_state_vector2f(self.session, info("stick"))
        trig = xr.get_action_state_float(self.session, info("trigger"))
        grip = xr.get_action_state_float(self.session, info("grip"))
        btn = xr.get_action_state_boolean(self.session, info("recentre"))
        loc = xr.locate_space(self._aim_space, self._space, t)
        valid = xr.SpaceLocationFlags.POSITION_VALID_BIT | xr.SpaceLocationFlags.ORIENTATION_VALID_BIT
        aim = pose_from_xr(loc.pose) if (int(loc.location_flags) & int(valid)) == int(valid) else None

        def clamp(v, lo, hi):
            return max(lo, min(hi, float(v)))

        sx = clamp(stick.current_state.x, -1, 1) if stick.is_active else 0.0
        sy = clamp(stick.current_state.y, -1, 1) if stick.is_active else 0.0
        return Controller((sx, sy), clamp(trig.current_state, 0, 1) if trig.is_active else 0.0,
                          clamp(grip.current_state, 0, 1) if grip.is_active else 0.0,
                          bool(btn.current_state) if btn.is_active else False, aim)

    def submit(self, textures) -> None:
        """After a frame: copy the two eyes' rendered images (OpenGL texture names, each of
        :attr:`eye_size`) into the swapchains and end the headset's frame. Call with the
        renderer's context current."""
        xr = self.xr
        fs = self._frame_state
        if fs is None:
            return
        try:
            self._end_frame(fs, textures)
        except xr.XrException as exc:
            self._lose(exc)
        self._frame_state = None

    def _end_frame(self, fs, textures) -> None:
        from OpenGL import GL  # noqa: PLC0415

        xr = self.xr
        layers = []
        if fs.should_render and self._views is not None:
            w, h = self.info.eye_size
            proj_views = []
            for i, sc in enumerate(self._swapchains):
                k = xr.acquire_swapchain_image(sc, xr.SwapchainImageAcquireInfo())
                xr.wait_swapchain_image(sc, xr.SwapchainImageWaitInfo(timeout=xr.INFINITE_DURATION))
                GL.glCopyImageSubData(int(textures[i]), GL.GL_TEXTURE_2D, 0, 0, 0, 0,
                                      self._images[i][k], GL.GL_TEXTURE_2D, 0, 0, 0, 0, w, h, 1)
                xr.release_swapchain_image(sc, xr.SwapchainImageReleaseInfo())
                v = self._views[i]
                proj_views.append(xr.CompositionLayerProjectionView(
                    pose=v.pose, fov=v.fov, sub_image=xr.SwapchainSubImage(
                        swapchain=sc, image_rect=xr.Rect2Di(extent=xr.Extent2Di(w, h)))))
            layer = xr.CompositionLayerProjection(space=self._space, views=proj_views)
            layers = [ctypes.byref(layer)]
        xr.end_frame(self.session, xr.FrameEndInfo(
            display_time=fs.predicted_display_time, environment_blend_mode=xr.EnvironmentBlendMode.OPAQUE,
            layers=layers))
        self.frames_ended += 1
        self.frames_shown += bool(layers)

    def _lose(self, exc) -> None:
        """The runtime failed in the frame loop (it crashed or quit, the headset was lost):
        remember why (:attr:`lost`) and end the loop; the station records the session as
        abandoned and reports :attr:`lost`."""
        if self.lost is None:
            self.lost = explain(self.xr, exc, "frame", self.details)
        self.running, self.exit_requested, self._frame_state = False, True, None

    def end_session(self) -> None:
        """Destroy the swapchains and the session (idempotent). The station calls it while its
        OpenGL context still exists: the runtime's side of the swapchains needs it."""
        xr = getattr(self, "xr", None)
        if xr is None:
            return
        for sc in self._swapchains:
            with suppress(xr.XrException):  # a runtime already gone
                xr.destroy_swapchain(sc)
        self._swapchains, self._images = [], []
        if self.session is not None:
            if self.running:
                with suppress(xr.XrException):
                    xr.request_exit_session(self.session)
            with suppress(xr.XrException):
                xr.destroy_session(self.session)
            self.session = None
            self.running = False

    def close(self) -> None:
        xr = getattr(self, "xr", None)
        if xr is None:
            return
        self.end_session()
        if getattr(self, "instance", None) is not None:
            with suppress(xr.XrException):  # a runtime already gone
                xr.destroy_instance(self.instance)
            self.instance = None


def glx_binding(xr):
    """The OpenXR OpenGL/Xlib binding of the OpenGL context current on this thread (call it
    from a Panda3D draw callback)."""
    from OpenGL import GLX  # noqa: PLC0415

    display = GLX.glXGetCurrentDisplay()
    context = GLX.glXGetCurrentContext()
    drawable = GLX.glXGetCurrentDrawable()
    if not display or not context:
        raise XRUnavailableError("display", "no current OpenGL (GLX) context to bind the headset to")
    return xr.GraphicsBindingOpenGLXlibKHR(x_display=display, glx_drawable=drawable, glx_context=context)
