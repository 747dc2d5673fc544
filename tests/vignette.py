"""The vignette drawn pixel by pixel, the reference the tests hold the rig's ring mesh
(wardtwin.station.vr.comfort.ring) and its rendered images to."""

from __future__ import annotations

import numpy as np

from wardtwin.station.vr.comfort import VignetteSettings, smoothstep


def mask(width: int, height: int, settings: VignetteSettings = VignetteSettings(),
         centre: tuple[float, float] = (0.5, 0.5)) -> np.ndarray:
    """The vignette's shape as a (height, width) float array, 0 (clear) to 1 (fully dark at
    full strength), top row first. ``centre``: where the view axis meets the image, as
    fractions of its width and height from the top left."""
    xs = (np.arange(width) + 0.5) / width
    ys = (np.arange(height) + 0.5) / height
    dx = (xs[None, :] - centre[0]) / 0.5
    dy = (ys[:, None] - centre[1]) / 0.5
    return smoothstep(settings.inner, settings.outer, np.hypot(dx, dy)).astype(np.float32)


def apply(image: np.ndarray, strength: float, m: np.ndarray) -> np.ndarray:
    """``image`` (h, w, 3 uint8) darkened by the vignette ``m`` at ``strength``."""
    f = 1.0 - float(strength) * m[..., None]
    return np.clip(np.rint(image.astype(np.float32) * f), 0, 255).astype(np.uint8)
