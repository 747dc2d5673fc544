"""Triangle meshes as plain numpy arrays — the one geometry that the Panda3D scene and the
glTF exporter both draw from. No Panda3D here.

Axes: x east, y north, z up; metres. Colours: sRGB components 0..1 with alpha.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def hex_rgba(color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """``"#rrggbb"`` -> (r, g, b, a) in 0..1."""
    c = color.lstrip("#")
    return (int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255, alpha)


def shade(rgba, factor: float):
    """Darker (factor < 1) or lighter (factor > 1, toward white) version of a colour."""
    r, g, b, a = rgba
    if factor <= 1:
        return (r * factor, g * factor, b * factor, a)
    t = min(1.0, factor - 1)
    return (r + (1 - r) * t, g + (1 - g) * t, b + (1 - b) * t, a)


@dataclass(frozen=True)
class Mesh:
    """Triangles with per-vertex normals and colours. ``positions``/``normals``: (N, 3)
    float32; ``colors``: (N, 4) float32; ``triangles``: (M, 3) uint32, counter-clockwise
    seen from the side the normal points to."""

    positions: np.ndarray
    normals: np.ndarray
    colors: np.ndarray
    triangles: np.ndarray
    #: texture coordinates (N, 2) float32 of the detail texture (wardtwin.scene.textures), or None:
    #: untextured (a mesh joined with textured ones samples the texture's plain texel)
    uvs: np.ndarray | None = None

    @property
    def n_triangles(self) -> int:
        return len(self.triangles)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(min xyz, max xyz)."""
        if not len(self.positions):
            z = np.zeros(3, dtype=np.float32)
            return z, z
        return self.positions.min(axis=0), self.positions.max(axis=0)

    def transformed(self, matrix: np.ndarray) -> "Mesh":
        """This mesh under a 4x4 affine matrix (normals turned by its rotation part)."""
        p = self.positions @ matrix[:3, :3].T + matrix[:3, 3]
        n = self.normals @ matrix[:3, :3].T
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        return Mesh(p.astype(np.float32), n.astype(np.float32), self.colors, self.triangles, self.uvs)

    @staticmethod
    def empty() -> "Mesh":
        return Mesh(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32), np.zeros((0, 4), np.float32),
                    np.zeros((0, 3), np.uint32))

    @staticmethod
    def concat(meshes) -> "Mesh":
        meshes = [m for m in meshes if len(m.triangles)]
        if not meshes:
            return Mesh.empty()
        offsets = np.cumsum([0] + [len(m.positions) for m in meshes[:-1]])
        uvs = None
        if any(m.uvs is not None for m in meshes):
            from wardtwin.scene.textures import PLAIN_UV

            uvs = np.concatenate([m.uvs if m.uvs is not None else np.tile(np.float32(PLAIN_UV), (len(m.positions), 1))
                                  for m in meshes]).astype(np.float32)
        return Mesh(
            np.concatenate([m.positions for m in meshes]),
            np.concatenate([m.normals for m in meshes]),
            np.concatenate([m.colors for m in meshes]),
            np.concatenate([m.triangles + np.uint32(o) for m, o in zip(meshes, offsets)]).astype(np.uint32),
            uvs,
        )


def graded_cuts(length: float, step: float, near=(0.25,)) -> list[float]:
    """Where to cut a span of ``length`` m into pieces for per-vertex lighting: close together
    near both ends (``near``, m from each end: light and shade change fastest at corners),
    at most ``step`` m apart between; as fractions 0..1, first 0, last 1."""
    if length <= 0:
        return [0.0, 1.0]
    cuts = {0.0, length}
    for d in near:
        if d < length / 2:
            cuts.update((d, length - d))
    inner = [c for c in sorted(cuts)]
    out = [inner[0]]
    for c in inner[1:]:
        base, gap = out[-1], c - out[-1]
        n = max(1, math.ceil(gap / step - 1e-9))
        out.extend([base + gap * k / n for k in range(1, n + 1)])
    return [c / length for c in out]


class MeshBuilder:
    """Accumulates flat-shaded quads, boxes, prisms and polygons into one :class:`Mesh`.

    ``refine``: upright quads (over 0.6 m along a side) are cut into a grid, finely near
    their edges and at most this far apart (m, :func:`graded_cuts`), so that lighting baked per
    vertex can vary across them; None: not cut."""

    def __init__(self, refine: float | None = None):
        self._p: list = []
        self._n: list = []
        self._c: list = []
        self._t: list = []
        self._count = 0
        self.refine = refine

    def _face(self, pts, normal, rgba, tris):
        base = self._count
        self._p.extend(pts)
        self._n.extend([normal] * len(pts))
        self._c.extend([rgba] * len(pts))
        self._t.extend([(base + a, base + b, base + c) for a, b, c in tris])
        self._count += len(pts)

    def quad(self, a, b, c, d, rgba):
        """A planar quad a-b-c-d (counter-clockwise seen from the front)."""
        ux, uy, uz = b[0] - a[0], b[1] - a[1], b[2] - a[2]
        vx, vy, vz = d[0] - a[0], d[1] - a[1], d[2] - a[2]
        n = (uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx)
        ln = math.sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2])
        if ln < 1e-12:
            return
        normal = (n[0] / ln, n[1] / ln, n[2] / ln)
        if self.refine is not None and abs(normal[2]) < 0.01:  # upright faces only (walls)
            lu, lv = math.sqrt(ux * ux + uy * uy + uz * uz), math.sqrt(vx * vx + vy * vy + vz * vz)
            if lu > 0.6 or lv > 0.6:  # cut near its edges (graded_cuts), at most ``refine`` apart
                self._grid(a, (ux, uy, uz), (vx, vy, vz), graded_cuts(lu, self.refine),
                           graded_cuts(lv, self.refine), normal, rgba)
                return
        self._face([a, b, c, d], normal, rgba, [(0, 1, 2), (0, 2, 3)])

    def _grid(self, a, u, v, us, vs, normal, rgba):
        """The parallelogram a + s u + t v, cut at ``us`` x ``vs`` (fractions)."""
        su, sv = np.asarray(us), np.asarray(vs)
        pts = (np.asarray(a, np.float64)[None, None, :] + su[None, :, None] * np.asarray(u)[None, None, :]
               + sv[:, None, None] * np.asarray(v)[None, None, :]).reshape(-1, 3)
        nu, nv = len(us), len(vs)
        k = (np.arange(nv - 1)[:, None] * nu + np.arange(nu - 1)[None, :]).ravel()
        tris = np.concatenate([np.stack([k, k + 1, k + nu + 1], 1), np.stack([k, k + nu + 1, k + nu], 1)])
        self._face([tuple(p) for p in pts.tolist()], normal, rgba, [tuple(t) for t in tris.tolist()])

    def polygon(self, pts3, triangles, normal, rgba):
        """A planar polygon given its vertices and a triangulation (index triples)."""
        if len(triangles):
            self._face([tuple(p) for p in pts3], tuple(normal), rgba, triangles)

    def box(self, x0, y0, z0, x1, y1, z1, rgba, *, bottom=False, skip=()):
        """An axis-aligned box (the bottom face only when asked: it is rarely seen). ``skip``:
        faces left out, of ``"-x"``, ``"+x"``, ``"-y"``, ``"+y"``, ``"top"`` (faces that
        another box covers)."""
        if x1 - x0 <= 0 or y1 - y0 <= 0 or z1 - z0 <= 0:
            return
        if "top" not in skip:
            self.quad((x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1), rgba)
        if "-y" not in skip:
            self.quad((x0, y0, z0), (x1, y0, z0), (x1, y0, z1), (x0, y0, z1), rgba)
        if "+y" not in skip:
            self.quad((x1, y1, z0), (x0, y1, z0), (x0, y1, z1), (x1, y1, z1), rgba)
        if "-x" not in skip:
            self.quad((x0, y1, z0), (x0, y0, z0), (x0, y0, z1), (x0, y1, z1), rgba)
        if "+x" not in skip:
            self.quad((x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1), rgba)
        if bottom:
            self.quad((x0, y1, z0), (x1, y1, z0), (x1, y0, z0), (x0, y0, z0), rgba)

    def cbox(self, cx, cy, z0, w, d, h, rgba, **kw):
        """A box centred on (cx, cy), ``w`` along x, ``d`` along y, from ``z0`` up ``h``."""
        self.box(cx - w / 2, cy - d / 2, z0, cx + w / 2, cy + d / 2, z0 + h, rgba, **kw)

    def cylinder(self, cx, cy, z0, r, h, rgba, segments=12, *, axis="z"):
        """A capped cylinder standing on (cx, cy, z0) (``axis="z"``) or lying along x/y."""
        ang = [2 * math.pi * k / segments for k in range(segments)]
        ring = [(r * math.cos(a), r * math.sin(a)) for a in ang]

        def P(u, v, w):  # u, v across the axis, w along it
            if axis == "z":
                return (cx + u, cy + v, z0 + w)
            if axis == "x":
                return (cx + w, cy + u, z0 + v)  # (u, v, w) -> (y, z, x): right-handed
            return (cx + v, cy + w, z0 + u)  # (u, v, w) -> (z, x, y): right-handed

        for k in range(segments):
            (u0, v0), (u1, v1) = ring[k], ring[(k + 1) % segments]
            self.quad(P(u0, v0, 0), P(u1, v1, 0), P(u1, v1, h), P(u0, v0, h), rgba)
        tris = [(0, k, k + 1) for k in range(1, segments - 1)]
        top = [P(u, v, h) for u, v in ring]
        bot = [P(u, v, 0) for u, v in reversed(ring)]
        n_top = np.subtract(P(0, 0, 1), P(0, 0, 0))
        self.polygon(top, tris, n_top, rgba)
        self.polygon(bot, tris, -n_top, rgba)

    def build(self) -> Mesh:
        if not self._count:
            return Mesh.empty()
        return Mesh(np.asarray(self._p, np.float32), np.asarray(self._n, np.float32),
                    np.asarray(self._c, np.float32), np.asarray(self._t, np.uint32))


def placement_matrix(x: float, y: float, z: float, heading_deg: float) -> np.ndarray:
    """4x4 matrix: turn ``heading_deg`` counter-clockwise about z, then move to (x, y, z)."""
    h = math.radians(heading_deg)
    c, s = math.cos(h), math.sin(h)
    m = np.eye(4)
    m[:2, :2] = [[c, -s], [s, c]]
    m[:3, 3] = (x, y, z)
    return m
