"""The stereo rig: two eye cameras in the play space, each rendering the ward into its own
offscreen buffer (a headset's per-eye swapchain image), with the tunnelling vignette drawn
over the periphery. Imports Panda3D.

The cameras hang under a ``play-space`` node placed by the station's
:class:`~wardtwin.station.vr.motion.Rig` (x, y m, yaw rad); each eye's camera takes its
tracked pose (m, quaternion) and its own projection from the eye's field of view (an
asymmetric frustum when the runtime reports one; otherwise symmetric, ``fov`` rad wide, with
the buffer's aspect).
"""

from __future__ import annotations

import math

import numpy as np
from panda3d.core import (
    Camera, CardMaker, FrameBufferProperties, GeomNode, GraphicsOutput, GraphicsPipe, LQuaternionf, NodePath,
    OrthographicLens, PerspectiveLens, PythonCallbackObject, Texture, TransparencyAttrib, WindowProperties,
)

from wardtwin.errors import WardtwinError
from wardtwin.scene.mesh import Mesh
from wardtwin.scene.offscreen import clear_depth_and_stencil
from wardtwin.scene.panda import mesh_node
from wardtwin.station.vr import comfort
from wardtwin.station.vr.pose import FOV_H, EyeView, Fov

#: Near and far clipping distances of the eye cameras, m.
NEAR, FAR = 0.05, 500.0
EYES = ("left", "right")


class RigError(WardtwinError):
    """An eye buffer could not be made or read back."""


def lens_for(fov: Fov) -> PerspectiveLens:
    """A Panda3D lens with the (possibly asymmetric) frustum ``fov``: focal length 1, the
    film spanning the tangents of the edges, shifted so the view axis is where ``fov`` puts it."""
    tl, tr, tu, td = fov.tangents
    lens = PerspectiveLens()
    lens.set_focal_length(1.0)
    lens.set_film_size(tr - tl, tu - td)
    lens.set_film_offset((tr + tl) / 2, (tu + td) / 2)
    lens.set_near_far(NEAR, FAR)
    return lens


class Eye:
    """One eye: camera, buffer, its colour texture and the vignette overlay."""

    def __init__(self, name: str, buffer, camera: NodePath, texture: Texture, overlay: NodePath, card: NodePath):
        self.name, self.buffer, self.camera, self.texture = name, buffer, camera, texture
        self.overlay, self.card = overlay, card
        self.fade: NodePath | None = None  # the black card of the wall fade
        self.fov: Fov | None = None
        self.centre: tuple[float, float] | None = None


class StereoRig:
    """Two eyes rendering ``world`` (a NodePath, usually ``base.render``) through ``engine``
    into buffers of ``eye_size`` (width, height) pixels made on ``host`` (a window or buffer
    whose GSG they share).

    ``readback``: the eye textures can be copied to RAM (:meth:`images`, offscreen); else
    they stay on the GPU for a headset (:meth:`texture_ids`). ``fov``: horizontal field of
    view (rad) of an eye whose :class:`EyeView` has none. ``vignette``: its settings (shape).
    """

    def __init__(self, engine, host, world: NodePath, eye_size=(1440, 1600), *, readback: bool = True,
                 fov: float = FOV_H, vignette: comfort.VignetteSettings = comfort.VignetteSettings(),
                 clear_colour=(0.80, 0.84, 0.88, 1.0), sort: int = -20):
        self.engine, self.host, self.world = engine, host, world
        self.size = (int(eye_size[0]), int(eye_size[1]))
        self.readback = readback
        self.default_fov = float(fov)
        self.vignette_settings = vignette
        self.strength = 0.0
        self.fade = 0.0
        self.play_space = world.attach_new_node("play-space")
        self.eyes: list[Eye] = []
        try:
            for i, name in enumerate(EYES):
                self.eyes.append(self._make_eye(name, sort + i, clear_colour))
        except BaseException:
            self.close()
            raise
        self.set_vignette(0.0)

    # -- construction -------------------------------------------------------------------
    def _make_eye(self, name: str, sort: int, clear_colour) -> Eye:
        w, h = self.size
        fb = FrameBufferProperties()
        fb.set_rgb_color(True)
        # RGBA8: a headset's swapchain images are 32 bits a pixel, and the eye textures are
        # copied into them (glCopyImageSubData wants the same size of pixel on both sides)
        fb.set_rgba_bits(8, 8, 8, 8)
        fb.set_depth_bits(24)
        fb.set_stencil_bits(8)  # without it a 32-bit depth buffer is chosen and text cards hide text
        buf = self.engine.make_output(self.host.get_pipe(), f"eye-{name}", sort, fb, WindowProperties.size(w, h),
                                      GraphicsPipe.BF_refuse_window, self.host.get_gsg(), self.host)
        if buf is None:
            raise RigError(f"could not open a {w}x{h} buffer for the {name} eye")
        tex = Texture(f"eye-{name}")
        tex.set_format(Texture.F_rgba8)
        mode = GraphicsOutput.RTM_triggered_copy_ram if self.readback else GraphicsOutput.RTM_bind_or_copy
        buf.add_render_texture(tex, mode)
        buf.set_clear_color_active(True)
        buf.set_clear_color(clear_colour)
        clear_depth_and_stencil(buf)
        cam = self.play_space.attach_new_node(Camera(f"eye-{name}", lens_for(self._default_fov())))
        region = buf.make_display_region()
        region.set_camera(cam)
        # the vignette: a ring over the periphery of the eye's image (see comfort.ring), in its own 2D scene
        overlay = NodePath(f"vignette-{name}")
        overlay.set_depth_test(False)
        overlay.set_depth_write(False)
        lens = OrthographicLens()
        lens.set_film_size(2, 2)
        lens.set_near_far(-10, 10)
        ocam = overlay.attach_new_node(Camera(f"vignette-camera-{name}", lens))
        card = overlay.attach_new_node(f"vignette-ring-{name}")  # its mesh comes with the eye's field of view
        card.set_y(1)
        card.set_transparency(TransparencyAttrib.M_alpha)
        card.set_light_off(1)
        top = buf.make_display_region()
        top.set_sort(10)
        top.set_camera(ocam)
        top.set_clear_depth_active(False)
        top.set_clear_color_active(False)
        eye = Eye(name, buf, cam, tex, overlay, card)
        fm = CardMaker(f"fade-card-{name}")  # the whole view going black (a head inside a wall)
        fm.set_frame(-1, 1, -1, 1)
        eye.fade = overlay.attach_new_node(fm.generate())
        eye.fade.set_y(0.5)
        eye.fade.set_color(0, 0, 0, 1)
        eye.fade.set_transparency(TransparencyAttrib.M_alpha)
        eye.fade.set_light_off(1)
        eye.fade.hide()
        return eye

    def _default_fov(self) -> Fov:
        return Fov.symmetric(self.default_fov, self.size[0] / self.size[1])

    def _ring(self, centre: tuple[float, float]) -> GeomNode:
        """The vignette's mesh for an eye whose view axis meets its image at ``centre``: black,
        its alpha the mask's (vertex colours), drawn in the overlay's -1..1 view (x, z)."""
        verts, tris = comfort.ring(self.vignette_settings, centre)
        n = len(verts)
        colours = np.zeros((n, 4), np.float32)
        colours[:, 3] = verts[:, 2]
        # counter-clockwise in (x, z) as the overlay camera sees it (x right, z up): front faces
        ring = Mesh(np.column_stack([verts[:, 0], np.zeros(n), verts[:, 1]]).astype(np.float32),
                    np.tile(np.float32((0, -1, 0)), (n, 1)), colours, tris.astype(np.uint32))
        return mesh_node("vignette-ring", ring, lit=True)

    # -- per frame ----------------------------------------------------------------------
    def place(self, x: float, y: float, yaw: float) -> None:
        """Put the play space at ward point (x, y) m, turned ``yaw`` rad."""
        self.play_space.set_pos(x, y, 0.0)
        self.play_space.set_h(math.degrees(yaw))

    def set_eyes(self, views: tuple[EyeView, EyeView]) -> None:
        """Each eye camera at its tracked pose (play space), with its field of view."""
        for eye, view in zip(self.eyes, views):
            p = view.pose
            eye.camera.set_pos(*p.position)
            w, x, y, z = p.orientation
            eye.camera.set_quat(LQuaternionf(w, x, y, z))
            fov = view.fov if view.fov is not None else self._default_fov()
            if fov != eye.fov:
                eye.camera.node().set_lens(lens_for(fov))
                eye.fov = fov
                centre = comfort.axis_point(fov)
                if centre != eye.centre:
                    eye.centre = centre
                    eye.card.node().remove_all_children()
                    eye.card.attach_new_node(self._ring(centre))

    def set_vignette(self, strength: float) -> None:
        """Darken the periphery at ``strength`` (0..1; 0 hides it)."""
        self.strength = max(0.0, min(1.0, float(strength)))
        self._overlay()

    def set_fade(self, alpha: float) -> None:
        """Darken the whole view by ``alpha`` (0..1; 1 is black), e.g. while the head is in a wall."""
        self.fade = max(0.0, min(1.0, float(alpha)))
        self._overlay()

    def _overlay(self) -> None:
        for eye in self.eyes:
            (eye.card.show if self.strength > 0.0 else eye.card.hide)()
            eye.card.set_alpha_scale(self.strength)
            if eye.fade is not None:
                (eye.fade.show if self.fade > 0.0 else eye.fade.hide)()
                eye.fade.set_alpha_scale(self.fade)
            (eye.overlay.show if self.strength > 0.0 or self.fade > 0.0 else eye.overlay.hide)()

    def after_draw(self, fn) -> None:
        """Call ``fn()`` each frame once both eyes are drawn, with the OpenGL context current
        (a headset copies the eye textures to its swapchains then)."""
        last = self.eyes[-1].buffer
        scene = NodePath("after-draw")
        cam = scene.attach_new_node(Camera("after-draw-camera", OrthographicLens()))
        region = last.make_display_region()
        region.set_sort(100)
        region.set_camera(cam)
        region.set_clear_color_active(False)
        region.set_clear_depth_active(False)

        def draw(cbdata):
            cbdata.upcall()
            fn()

        region.set_draw_callback(PythonCallbackObject(draw))
        self._after = (scene, region)

    # -- output -------------------------------------------------------------------------
    def images(self) -> tuple[np.ndarray, np.ndarray]:
        """Render the current state once more and return both eyes as (height, width, 3)
        uint8 RGB arrays, top row first (left, right)."""
        if not self.readback:
            raise RigError("this rig renders for a headset; its eye images stay on the GPU")
        for eye in self.eyes:
            eye.buffer.trigger_copy()
        self.engine.render_frame()
        out = []
        for eye in self.eyes:
            tex = eye.texture
            w, h = tex.get_x_size(), tex.get_y_size()
            ram = tex.get_ram_image_as("RGB")
            if w == 0 or not ram:
                raise RigError(f"the {eye.name} eye's image could not be read back")
            out.append(np.frombuffer(bytes(ram), np.uint8).reshape(h, w, 3)[::-1].copy())
        return out[0], out[1]

    def texture_ids(self) -> list[int]:
        """The OpenGL names of the two eye textures (for a headset's swapchains)."""
        gsg = self.host.get_gsg()
        ids = []
        for eye in self.eyes:
            ctx = eye.texture.prepare_now(0, gsg.get_prepared_objects(), gsg)
            ids.append(int(ctx.get_native_id()))
        return ids

    def close(self) -> None:
        for eye in self.eyes:
            if eye.buffer is not None:
                self.engine.remove_window(eye.buffer)
                eye.buffer = None
            eye.camera.remove_node()
            eye.overlay.remove_node()
        self.eyes = []
        if not self.play_space.is_empty():
            self.play_space.remove_node()
