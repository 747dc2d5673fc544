"""The detail texture of the ward's surfaces, made by code (numpy; nothing is read or fetched):
one tiling greyscale image that modulates the baked vertex colours of the floors: sheet vinyl
(a faint mottle with flecks). Geometry joined with them samples :data:`PLAIN_UV`, a block of
pure white texels (constant texture coordinates: the finest mip level is read there, so those
surfaces are not changed). Where the camera stands the scene draws the floors as a batch of
their own (a software rasteriser pays for texturing by the pixel); rooms seen through doors
are drawn without it.

Panda3D is imported only by :func:`detail_texture`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

#: Texels per side (a power of two: mipmapped down to 1x1).
SIZE = 256
#: Texture coordinates of the white block (texels 1..4 in both directions): "no pattern".
PLAIN_UV = (2.5 / SIZE, 2.5 / SIZE)
#: Metres of floor one repeat of the texture covers (sheet vinyl).
FLOOR_REPEAT = 1.2
#: The texture's mean brightness over its pattern (the bake divides it out of floor colours).
MEAN = 0.965
SEED = 1804  # the pattern is the same on every machine and run
#: The most the pattern departs from its mean, as a share of it.
SPREAD = 0.045


def _periodic_noise(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """Tileable smooth noise, mean 0 and standard deviation 1: white noise low-passed in the
    frequency domain (a Gaussian of ``scale`` texels), which wraps at the edges by itself."""
    white = rng.standard_normal((n, n))
    f = np.fft.fftfreq(n)
    g = np.exp(-((f[:, None] ** 2 + f[None, :] ** 2) * (np.pi * scale) ** 2 * 2))
    out = np.real(np.fft.ifft2(np.fft.fft2(white) * g))
    return (out - out.mean()) / max(out.std(), 1e-12)


@lru_cache(maxsize=1)
def detail_image() -> np.ndarray:
    """The texture as (SIZE, SIZE) float32 brightness 0..1 (row 0 at v = 0)."""
    rng = np.random.default_rng(SEED)
    mottle = _periodic_noise(rng, SIZE, 10.0)
    grain = _periodic_noise(rng, SIZE, 1.2)
    img = 1.0 + 0.01 * mottle + 0.006 * grain
    flecks = rng.random((SIZE, SIZE))
    img[flecks < 0.03] -= 0.035  # dark chips
    img[flecks > 0.98] += 0.02  # light chips
    img = img / img.mean() * MEAN
    # within SPREAD of the mean: the floors of rooms seen through doors are drawn untextured
    # (at the mean), and must not differ from the textured floor by more than that
    img = np.clip(img, MEAN * (1 - SPREAD), min(1.0, MEAN * (1 + SPREAD)))
    img[1:5, 1:5] = 1.0  # PLAIN_UV
    return img.astype(np.float32)


@lru_cache(maxsize=1)
def detail_texture():
    """The texture as a Panda3D Texture: grey in RGBA8 (the format software rasterisers sample
    quickest), repeating, with its mipmaps made here (bilinear within the nearest mip level;
    nothing left for the driver to generate)."""
    from panda3d.core import SamplerState, Texture

    grey = np.round(detail_image() * 255).astype(np.uint8)
    img = np.stack([grey, grey, grey, np.full_like(grey, 255)], axis=-1)
    tex = Texture("wardtwin-detail")
    tex.setup_2d_texture(SIZE, SIZE, Texture.T_unsigned_byte, Texture.F_rgba8)
    tex.set_ram_image(img.tobytes())  # Panda3D's first row is at v = 0, as detail_image's
    tex.set_wrap_u(SamplerState.WM_repeat)
    tex.set_wrap_v(SamplerState.WM_repeat)
    tex.set_magfilter(SamplerState.FT_linear)
    tex.set_minfilter(SamplerState.FT_linear_mipmap_nearest)  # trilinear costs llvmpipe much more
    tex.generate_ram_mipmap_images()
    return tex


def planar_uvs(positions: np.ndarray, repeat: float, offset=(0.0, 0.0)) -> np.ndarray:
    """Texture coordinates of points on a horizontal surface: plan x, y over ``repeat`` m."""
    return ((positions[:, :2] + np.asarray(offset, np.float32)) / repeat).astype(np.float32)
