"""Light baked into vertex colours at build time (issue 18, point 1): ambient occlusion, soft
light from the ceiling fixtures and daylight through the windows, and a little directional
fill so that the faces of things read. A frame then costs what an unlit one does.

Per vertex, in its room (the room is a prism: floor, ceiling, wall faces less door openings):

- ambient occlusion (an obscurance): rays in :data:`DIRECTIONS` plan directions find the
  wall faces within :data:`REACH` m (a corner blocks more directions than a straight wall);
  the floor and the ceiling shade points within :data:`REACH_V` m of them;
- each fixture of the room, a downward area light (cosine at the surface, a narrower lobe
  at the panel, over squared distance softened by the panel's size); each window of the
  room, an area light facing into it; the light that walls, floor and ceiling pass on to
  each other (soft indirect light) is the ambient term, shaded by the occlusion;
- emissive parts (light panels, exit signs, the daylit view in window glass) are left at full
  brightness.

The whole full look (the dressed, baked parts and their lights) is kept in the user's cache
folder (:func:`cache_dir`) under a hash of the ward's content (:func:`content_key`: its plain
geometry, room kinds, finishes, and this code), so an unchanged ward does not dress or bake
again; :data:`STATS` counts bakes and cache hits (tests read it).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np

from wardtwin.scene.mesh import Mesh
from wardtwin.scene.textures import FLOOR_REPEAT, MEAN, planar_uvs

#: Bumped whenever the bake's arithmetic changes (old cache files are then not used).
BAKE_VERSION = 1
DIRECTIONS = 12
REACH = 0.9  # m, horizontal reach of the occlusion
REACH_V = 0.7  # m, reach of the floor's and ceiling's occlusion
AO_STRENGTH = 0.62
AO_FLOOR = 0.42  # the darkest a vertex gets from occlusion (factor)
AMBIENT = np.array([0.58, 0.58, 0.60])
#: A fixture's strength (the light on the floor straight under a fixture 2.7 m up is about
#: FIXTURE_POWER / 7.6), its colour, and the softening (m², the panel's size).
FIXTURE_POWER = 1.7
FIXTURE_TINT = np.array([1.0, 0.98, 0.93])
FIXTURE_SOFT = 0.35
#: Daylight through a window, per m² of glazing, its colour and softening (m²).
WINDOW_POWER = 0.55
WINDOW_TINT = np.array([0.93, 0.98, 1.06])
WINDOW_SOFT = 0.8
#: Directional fill (Lambert on the normals), as the plain look's two lights, weaker.
FILL = (((35.0, -60.0), np.array([0.22, 0.22, 0.20])), ((-140.0, -35.0), np.array([0.10, 0.10, 0.12])))
#: Light above this is compressed (a soft shoulder, so that bright floors keep their colour).
KNEE = 0.9

#: Bakes run and cache hits in this process (for tests: the second build does not bake).
STATS = {"baked": 0, "cached": 0}
#: Largest cache file read, bytes.
MAX_CACHE_BYTES = 256 * 1024 * 1024
#: Looks kept in the cache folder (the most recent; a reference ward's is about 8 MB).
KEEP = 12


def cache_dir() -> Path:
    """Where baked light is kept: ``$WARDTWIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/wardtwin``,
    else ``~/.cache/wardtwin`` (its ``bake/`` folder)."""
    if os.environ.get("WARDTWIN_CACHE_DIR"):
        return Path(os.environ["WARDTWIN_CACHE_DIR"]) / "bake"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "wardtwin" / "bake"


def _dirs() -> np.ndarray:
    a = (np.arange(DIRECTIONS) + 0.5) * 2 * np.pi / DIRECTIONS  # half a step off the axes
    return np.stack([np.cos(a), np.sin(a)], 1)


def _fill(normals: np.ndarray) -> np.ndarray:
    out = np.zeros((len(normals), 3))
    for (heading, pitch), colour in FILL:
        h, p = np.radians(heading), np.radians(pitch)
        towards = -np.array([-np.sin(h) * np.cos(p), np.cos(h) * np.cos(p), np.sin(p)])
        out += np.maximum(normals @ towards, 0.0)[:, None] * colour
    return out


def occlusion(points: np.ndarray, normals: np.ndarray, segs: np.ndarray, height: float) -> np.ndarray:
    """Ambient occlusion factor (AO_FLOOR..1) of points (N, 3) with normals (N, 3) in a room of
    wall-face segments ``segs`` (E, 2, 2) and ceiling ``height`` m."""
    n = len(points)
    occ = np.zeros(n)
    nz = normals[:, 2]
    z = points[:, 2]
    occ += np.where(nz < 0.5, 0.5 * np.clip(1 - z / REACH_V, 0, 1) ** 2, 0.0)  # the floor
    occ += np.where(nz > -0.5, 0.5 * np.clip(1 - (height - z) / REACH_V, 0, 1) ** 2, 0.0)  # the ceiling
    if len(segs):
        dirs = _dirs()
        a = segs[:, 0]
        e = segs[:, 1] - segs[:, 0]
        for lo in range(0, n, 1024):
            p = points[lo:lo + 1024, :2] + normals[lo:lo + 1024, :2] * 0.01
            nxy = normals[lo:lo + 1024, :2]
            near = ((np.minimum(segs[:, 0, 0], segs[:, 1, 0])[None] < p[:, 0:1].max() + REACH)
                    & (np.maximum(segs[:, 0, 0], segs[:, 1, 0])[None] > p[:, 0:1].min() - REACH)
                    & (np.minimum(segs[:, 0, 1], segs[:, 1, 1])[None] < p[:, 1:2].max() + REACH)
                    & (np.maximum(segs[:, 0, 1], segs[:, 1, 1])[None] > p[:, 1:2].min() - REACH))[0]
            if not near.any():
                continue
            aa, ee = a[near], e[near]
            ap = aa[None, :, :] - p[:, None, :]  # (P, E, 2)
            cross_de = dirs[:, 0:1] * ee[None, :, 1] - dirs[:, 1:2] * ee[None, :, 0]  # (K, E)
            ok = np.abs(cross_de) > 1e-9
            inv = np.where(ok, 1.0 / np.where(ok, cross_de, 1.0), 0.0)
            s = (ap[:, None, :, 0] * ee[None, None, :, 1] - ap[:, None, :, 1] * ee[None, None, :, 0]) * inv[None]
            u = (ap[:, None, :, 0] * dirs[None, :, None, 1] - ap[:, None, :, 1] * dirs[None, :, None, 0]) * inv[None]
            hit = ok[None] & (s > 1e-4) & (u >= 0) & (u <= 1)
            d = np.where(hit, s, np.inf).min(axis=2)  # (P, K)
            rho = np.clip(1 - d / REACH, 0, 1) ** 2
            use = (nxy @ dirs.T) > -0.2  # directions in front of the surface
            occ[lo:lo + 1024] += (rho * use).sum(1) / np.maximum(use.sum(1), 1)
    return np.clip(1 - AO_STRENGTH * occ, AO_FLOOR, 1.0)


def direct(points: np.ndarray, normals: np.ndarray, lights) -> np.ndarray:
    """Light (N, 3) from a room's fixtures and windows."""
    out = np.zeros((len(points), 3))
    for light in lights:
        lp = np.asarray(light.position)
        ln = np.asarray(light.normal)
        v = lp[None] - points  # towards the light
        d2 = np.einsum("ij,ij->i", v, v)
        d = np.sqrt(np.maximum(d2, 1e-12))
        cos_surface = np.maximum(np.einsum("ij,ij->i", normals, v) / d, 0.0)
        cos_light = np.maximum(-(v @ ln) / d, 0.0)
        if light.kind == "fixture":  # a louvred panel: narrower than a bare diffuser (cos^1.5)
            out += (FIXTURE_POWER * cos_surface * cos_light ** 1.5 / (d2 + FIXTURE_SOFT))[:, None] * FIXTURE_TINT
        else:
            out += (WINDOW_POWER * light.area * cos_surface * cos_light / (d2 + WINDOW_SOFT))[:, None] * WINDOW_TINT
    return out


def _light_parts(parts, rooms: dict, lights_by_room: dict) -> list[np.ndarray]:
    """Lit colours (N, 3) of each part: the parts of one room are lit together (one pass of
    rays over all their vertices); items are shaded by the floor and ceiling and lit, but cast
    no rays (their many small faces would cost most of the bake for little change)."""
    out: list = [None] * len(parts)
    groups: dict = {}
    for k, p in enumerate(parts):
        albedo = p.mesh.colors[:, :3].astype(np.float64)
        if p.layer == "floor":
            albedo = albedo / MEAN  # the texture's mean brightness comes back off
        if p.emissive or not len(albedo):
            out[k] = np.clip(albedo, 0, 1)
            continue
        groups.setdefault((p.room, p.layer == "item"), []).append((k, albedo))
    for (rid, item), members in groups.items():
        pos = np.concatenate([parts[k].mesh.positions for k, _ in members]).astype(np.float64)
        nor = np.concatenate([parts[k].mesh.normals for k, _ in members]).astype(np.float64)
        room = rooms.get(rid)
        if room is None:
            light = AMBIENT[None] + _fill(nor)
        else:
            segs, height = room
            ao = occlusion(pos, nor, segs if not item else segs[:0], height)[:, None]
            light = ao * (AMBIENT[None] + direct(pos, nor, lights_by_room.get(rid, ()))) + _fill(nor)
        light = np.where(light > KNEE, KNEE + (light - KNEE) * 0.4, light)  # a soft shoulder: no white-out
        at = 0
        for k, albedo in members:
            n = len(albedo)
            out[k] = np.clip(albedo * light[at:at + n], 0.0, 1.0)
            at += n
    return out


def content_key(parts, extra: str) -> str:
    """The cache key of a ward's full look: a hash of its plain geometry (every part's name,
    room and arrays: what the rooms, walls, doors, windows and items are), of ``extra`` (what
    else the look depends on: room kinds, finishes...) and of this code (the modules that
    make the look: a changed program does not use an old result)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"look v{BAKE_VERSION}|{extra}|".encode())
    for name in ("bake", "dress", "geometry", "mesh", "textures"):
        h.update(_source_digest(name))
    for p in parts:
        h.update(f"|{p.name}|{p.layer}|{p.room}|{p.ref}|".encode())
        for arr in (p.mesh.positions, p.mesh.normals, p.mesh.colors, p.mesh.triangles):
            h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _source_digest(module: str) -> bytes:
    path = Path(__file__).with_name(f"{module}.py")
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
    except OSError:  # running from a zip or without sources: the version stands for the code
        from wardtwin import __version__

        return __version__.encode()


_ARRAYS = ("positions", "normals", "colors", "triangles")


def load_look(key: str):
    """``(parts, lights)`` kept under ``key`` by :func:`store_look`, or None (not kept, or
    unreadable: the caller builds it again)."""
    from wardtwin.errors import InputFileError
    from wardtwin.exchange.reading import read_bounded
    from wardtwin.scene.dress import Light
    from wardtwin.scene.geometry import Part

    try:
        data = read_bounded(cache_dir() / f"{key}.npz", MAX_CACHE_BYTES)
    except (InputFileError, OSError):
        return None
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            arrays = {k: z[k] for k in (*_ARRAYS, "uvs", "sizes", "tri_sizes", "lights")}
    except (OSError, ValueError, KeyError, EOFError, TypeError):
        return None
    try:
        sizes, tri_sizes = arrays["sizes"], arrays["tri_sizes"]
        split = {k: np.split(arrays[k], np.cumsum(tri_sizes if k == "triangles" else sizes)[:-1])
                 for k in (*_ARRAYS, "uvs")}
        parts = []
        for k, (name, layer, ref, room, emissive, textured) in enumerate(meta["parts"]):
            mesh = Mesh(split["positions"][k], split["normals"][k], split["colors"][k].astype(np.float32),
                        split["triangles"][k], split["uvs"][k] if textured else None)
            parts.append(Part(name, layer, mesh, ref, room, emissive))
        lights = [Light(room, kind, tuple(map(float, v[:3])), tuple(map(float, v[3:6])), float(v[6]))
                  for (room, kind), v in zip(meta["lights"], arrays["lights"])]
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    STATS["cached"] += 1
    return parts, lights


def store_look(key: str, parts, lights) -> None:
    """Keep a ward's full-look parts and lights under ``key`` (a cache that cannot be written
    only costs the next build its bake)."""
    from wardtwin.errors import WardtwinError
    from wardtwin.exchange.files import write_bytes_atomic

    meshes = [p.mesh for p in parts]
    empty2 = np.zeros((0, 2), np.float32)
    meta = {"parts": [[p.name, p.layer, p.ref, p.room, bool(p.emissive), p.mesh.uvs is not None] for p in parts],
            "lights": [[lt.room, lt.kind] for lt in lights]}
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(meta)),
             positions=np.concatenate([m.positions for m in meshes]).astype(np.float32),
             normals=np.concatenate([m.normals for m in meshes]).astype(np.float32),
             colors=np.concatenate([m.colors for m in meshes]).astype(np.float16),
             triangles=np.concatenate([m.triangles for m in meshes]).astype(np.uint32),
             uvs=np.concatenate([m.uvs if m.uvs is not None else np.zeros((len(m.positions), 2), np.float32)
                                 for m in meshes] or [empty2]).astype(np.float32),
             sizes=np.array([len(m.positions) for m in meshes], np.int64),
             tri_sizes=np.array([len(m.triangles) for m in meshes], np.int64),
             lights=np.array([[*lt.position, *lt.normal, lt.area] for lt in lights], np.float64).reshape(-1, 7))
    path = cache_dir() / f"{key}.npz"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, buf.getvalue())
        _prune(path.parent)
    except (OSError, WardtwinError):
        pass


def _prune(folder: Path) -> None:
    """Keep the :data:`KEEP` most recently written looks (a ward edited live writes one per
    version)."""
    kept = sorted((p for p in folder.glob("*.npz") if p.is_file() and not p.is_symlink()),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEEP:]:
        old.unlink(missing_ok=True)


def bake(parts, rooms: dict, lights) -> list:
    """``parts`` (:class:`~wardtwin.scene.geometry.Part`) with their light baked into their
    vertex colours and the detail texture's coordinates set. ``rooms``: room id ->
    (wall-face segments (E, 2, 2), ceiling height m); ``lights``: the ward's
    :class:`~wardtwin.scene.dress.Light` list."""
    from dataclasses import replace

    by_room: dict = {}
    for light in lights:
        by_room.setdefault(light.room, []).append(light)
    # as the cache keeps them (float16): a kept look draws exactly what a fresh one does
    lit = [c.astype(np.float16).astype(np.float32) for c in _light_parts(parts, rooms, by_room)]
    STATS["baked"] += 1
    out = []
    for p, rgb in zip(parts, lit):
        m = p.mesh
        colours = np.concatenate([rgb, m.colors[:, 3:4]], 1).astype(np.float32)
        uvs = None
        if p.layer == "floor":
            uvs = planar_uvs(m.positions, FLOOR_REPEAT)
        out.append(replace(p, mesh=Mesh(m.positions, m.normals, colours, m.triangles, uvs)))
    return out
