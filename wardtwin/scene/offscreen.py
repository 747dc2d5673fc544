"""Offscreen rendering on a machine with no display: an engine, a buffer and a camera, without
ShowBase (so nothing global is created and several renderers may live in one process).

Headless OpenGL (``p3headlessgl``, Mesa llvmpipe on a CPU) is tried first; the software
renderer ``p3tinydisplay`` is the fallback.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from panda3d.core import (
    Camera, FrameBufferProperties, GraphicsEngine, GraphicsOutput, GraphicsPipe, GraphicsPipeSelection,
    NodePath, OrthographicLens, PerspectiveLens, PNMImage, Point3, StringStream, Texture, Vec3, WindowProperties,
    loadPrcFileData,
)

from wardtwin.errors import WardtwinError
from wardtwin.exchange.files import write_bytes_atomic

#: Display modules tried in order.
PIPES = ("p3headlessgl", "p3tinydisplay")
BACKGROUND = (0.80, 0.84, 0.88, 1.0)

_CONFIGURED = False


class RenderError(WardtwinError):
    """No offscreen renderer could be opened."""


def configure() -> None:
    """PRC settings for headless rendering (idempotent; call before the first pipe is made)."""
    global _CONFIGURED
    if _CONFIGURED:
        return
    loadPrcFileData("wardtwin-offscreen", "\n".join([
        "window-type offscreen",
        "audio-library-name null",
        "stencil-bits 8",  # without a stencil buffer headless GL picks a 32-bit depth and text cards hide text
        "framebuffer-stencil true",
        "sync-video false",
        "notify-level-display error",
        "notify-level-glgsg error",
        "notify-level-egldisplay error",
    ]))
    _CONFIGURED = True


def clear_depth_and_stencil(output) -> None:
    """Clear ``output``'s (a GraphicsOutput or DisplayRegion) depth and stencil together each
    frame. Their buffer is one packed 24/8 surface: cleared whole it is one pass, while
    clearing depth alone keeps the stencil bits (a masked read-modify-write; about 1 ms a
    1280x720 frame on llvmpipe). Nothing draws with the stencil, so clearing it costs nothing."""
    output.set_clear_depth_active(True)
    output.set_clear_stencil_active(True)
    output.set_clear_stencil(0)


def _make_pipe(preferred: tuple[str, ...]) -> GraphicsPipe:
    sel = GraphicsPipeSelection.get_global_ptr()
    errors = []
    for name in preferred:
        try:
            pipe = sel.make_module_pipe(name)
        except Exception as exc:  # Panda3D raises plain exceptions for missing modules
            errors.append(f"{name}: {exc}")
            continue
        if pipe is not None and pipe.is_valid():
            return pipe
        errors.append(f"{name}: not available")
    raise RenderError("no offscreen renderer: " + "; ".join(errors))


class Offscreen:
    """An offscreen buffer of ``size`` (width, height) pixels with a camera looking at ``scene``.

    ``pipes``: display modules to try, first that opens wins (see :data:`PIPES`).
    """

    def __init__(self, size=(1280, 720), pipes: tuple[str, ...] = PIPES, fov: float = 75.0):
        configure()
        self.size = tuple(size)
        last = None
        for name in pipes:
            try:
                self.pipe = _make_pipe((name,))
                self.engine = GraphicsEngine(self.pipe)
                fb = FrameBufferProperties()
                fb.set_rgb_color(True)
                fb.set_color_bits(24)
                fb.set_depth_bits(24)
                if name != "p3tinydisplay":
                    fb.set_stencil_bits(8)
                wp = WindowProperties.size(*self.size)
                self.buffer = self.engine.make_output(self.pipe, "wardtwin-offscreen", 0, fb, wp,
                                                      GraphicsPipe.BF_refuse_window)
                if self.buffer is None:
                    raise RenderError(f"{name}: could not open a {self.size[0]}x{self.size[1]} buffer")
                self.pipe_name = name
                break
            except RenderError as exc:
                last = exc
        else:
            raise RenderError(f"no offscreen renderer could be opened ({last})")
        self.texture = Texture()
        # copied to RAM only when asked (image/png): a per-frame copy costs milliseconds
        self.buffer.add_render_texture(self.texture, GraphicsOutput.RTM_triggered_copy_ram)
        self.buffer.set_clear_color_active(True)
        self.buffer.set_clear_color(BACKGROUND)
        clear_depth_and_stencil(self.buffer)
        self.render = NodePath("render")
        self.lens = PerspectiveLens()
        self.lens.set_fov(fov)
        self.lens.set_aspect_ratio(self.size[0] / self.size[1])
        self.lens.set_near_far(0.05, 500.0)
        self.camera = self.render.attach_new_node(Camera("camera", self.lens))
        self.region = self.buffer.make_display_region()
        self.region.set_camera(self.camera)

    @property
    def renderer(self) -> str:
        gsg = self.buffer.get_gsg()
        return f"{self.pipe_name} ({gsg.get_driver_renderer()})" if gsg else self.pipe_name

    def look(self, eye, target, up=(0, 0, 1), scene=None) -> None:
        """Put the camera at ``eye`` looking at ``target`` (m); a ``scene`` (WardScene) is told
        where the camera is, so that it shows the right representation."""
        self.camera.set_pos(*eye)
        self.camera.look_at(Point3(*target), Vec3(*up))
        if scene is not None:
            scene.set_viewpoint(eye[0], eye[1], eye[2])

    def orthographic(self, width_m: float, height_m: float) -> None:
        """Switch to an orthographic lens covering ``width_m`` x ``height_m`` (plan views)."""
        lens = OrthographicLens()
        lens.set_film_size(width_m, height_m)
        lens.set_near_far(0.05, 500.0)
        self.camera.node().set_lens(lens)

    def frame(self) -> None:
        """Render one frame."""
        self.engine.render_frame()

    def _read_back(self) -> PNMImage:
        """Render a frame and copy it to RAM."""
        self.buffer.trigger_copy()
        self.engine.render_frame()
        img = PNMImage()
        if not self.texture.store(img):
            raise RenderError("the rendered frame could not be read back")
        return img

    def image(self) -> np.ndarray:
        """A frame as an (height, width, 3) uint8 RGB array, top row first."""
        img = self._read_back()
        w, h = img.get_x_size(), img.get_y_size()
        data = np.frombuffer(bytes(self.texture.get_ram_image_as("RGB")), np.uint8).reshape(h, w, 3)
        return data[::-1].copy()  # Panda3D stores the bottom row first

    def png_bytes(self) -> bytes:
        """A frame encoded as PNG."""
        img = self._read_back()
        stream = StringStream()
        if not img.write(stream, "frame.png"):
            raise RenderError("the frame could not be encoded as PNG")
        return bytes(stream.get_data())

    def save(self, path: str | Path) -> Path:
        """Write the current frame as PNG (atomically: never half-written)."""
        return write_bytes_atomic(path, self.png_bytes())

    def close(self) -> None:
        if getattr(self, "buffer", None) is not None:
            self.engine.remove_window(self.buffer)
            self.buffer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def fov_to_fit(width: float, distance: float) -> float:
    """Horizontal field of view (degrees) that shows ``width`` m at ``distance`` m."""
    return math.degrees(2 * math.atan2(width / 2, distance))
