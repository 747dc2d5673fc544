"""glTF 2.0 binary (``.glb``) export of a ward's 3D geometry, and a reader for round trips.

One node per part (``floor/412``, ``walls``, ``item/CC-1`` ...), one material per layer, vertex
colours in ``COLOR_0``. wardtwin is z-up; glTF is y-up with -z forward, so a point
(x, y, z) is written as (x, z, -y). Colours are stored linear (glTF's convention); ours are sRGB.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from wardtwin import __version__
from wardtwin.errors import WardtwinError

GLB_MAGIC = 0x46546C67  # "glTF"
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942
FLOAT, UINT32 = 5126, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963

LAYER_MATERIAL = {  # roughness/metalness per layer; colour comes from the vertices
    "floor": (0.85, 0.0), "wall": (0.95, 0.0), "ceiling": (0.95, 0.0), "door": (0.7, 0.0),
    "exit": (0.5, 0.0), "sign": (0.6, 0.0), "item": (0.6, 0.1),
}


class GltfError(WardtwinError):
    """A .glb file could not be read."""


@dataclass(frozen=True)
class GlbMesh:
    """One node of a .glb as plain arrays, in wardtwin's frame (z-up, m): ``positions`` and
    ``normals`` (n, 3), ``colors`` (n, 4) sRGB in 0-1, ``triangles`` (m, 3) vertex indices.
    ``layer`` is a key of :data:`LAYER_MATERIAL`; ``ref`` the room, door or item id."""

    name: str
    layer: str
    positions: np.ndarray
    normals: np.ndarray
    colors: np.ndarray
    triangles: np.ndarray
    ref: str | None = None


def z_up_to_y_up(v: np.ndarray) -> np.ndarray:
    """(x, y, z) wardtwin -> (x, z, -y) glTF, for an (N, 3) array."""
    return np.stack([v[:, 0], v[:, 2], -v[:, 1]], axis=1)


def y_up_to_z_up(v: np.ndarray) -> np.ndarray:
    """The inverse of :func:`z_up_to_y_up`."""
    return np.stack([v[:, 0], -v[:, 2], v[:, 1]], axis=1)


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    """sRGB-encoded colour components (0-1) to linear light, in float64.

    Computed in double precision so that a caller rounding to float32 once gets the same bits
    on any CPU (float32 ``** 2.4`` differs in the last bit between SIMD code paths)."""
    c = np.clip(np.asarray(c, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _pad(b: bytes, fill: bytes) -> bytes:
    return b + fill * ((4 - len(b) % 4) % 4)


def glb_bytes(parts: Iterable[GlbMesh], name: str = "ward") -> bytes:
    """The meshes as a glTF 2.0 binary: one node each (empty ones left out), one material per
    layer of :data:`LAYER_MATERIAL`."""
    blob = bytearray()
    views: list[dict[str, Any]] = []
    accessors: list[dict[str, Any]] = []
    meshes: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    materials: list[dict[str, Any]] = []
    mat_index: dict[str, int] = {}
    for layer in LAYER_MATERIAL:
        rough, metal = LAYER_MATERIAL[layer]
        mat_index[layer] = len(materials)
        materials.append({"name": layer, "pbrMetallicRoughness": {
            "baseColorFactor": [1, 1, 1, 1], "metallicFactor": metal, "roughnessFactor": rough}})

    def add_view(data: bytes, target: int) -> int:
        blob.extend(b"\0" * ((4 - len(blob) % 4) % 4))
        views.append({"buffer": 0, "byteOffset": len(blob), "byteLength": len(data), "target": target})
        blob.extend(data)
        return len(views) - 1

    def add_accessor(array: np.ndarray, kind: str, target: int, minmax: bool = False) -> int:
        comp = UINT32 if array.dtype == np.uint32 else FLOAT
        acc = {"bufferView": add_view(np.ascontiguousarray(array).tobytes(), target), "componentType": comp,
               "count": int(array.shape[0]), "type": kind}
        if minmax:
            acc["min"] = [float(x) for x in array.min(axis=0)]
            acc["max"] = [float(x) for x in array.max(axis=0)]
        accessors.append(acc)
        return len(accessors) - 1

    for part in parts:
        if not len(part.triangles):
            continue
        if part.layer not in mat_index:
            raise ValueError(f"glTF part {part.name}: layer {part.layer!r} is not one of {', '.join(mat_index)}")
        pos = z_up_to_y_up(part.positions).astype(np.float32)
        nor = z_up_to_y_up(part.normals).astype(np.float32)
        col = np.concatenate([srgb_to_linear(part.colors[:, :3]), part.colors[:, 3:4]], axis=1).astype(np.float32)
        prim = {
            "attributes": {
                "POSITION": add_accessor(pos, "VEC3", ARRAY_BUFFER, minmax=True),
                "NORMAL": add_accessor(nor, "VEC3", ARRAY_BUFFER),
                "COLOR_0": add_accessor(col, "VEC4", ARRAY_BUFFER),
            },
            "indices": add_accessor(part.triangles.reshape(-1).astype(np.uint32), "SCALAR", ELEMENT_ARRAY_BUFFER),
            "material": mat_index[part.layer],
            "mode": 4,
        }
        meshes.append({"name": part.name, "primitives": [prim]})
        node = {"name": part.name, "mesh": len(meshes) - 1}
        extras = {"layer": part.layer}
        if part.ref:
            extras["ref"] = part.ref
        node["extras"] = extras
        nodes.append(node)
    doc = {
        "asset": {"version": "2.0", "generator": f"wardtwin {__version__}"},
        "scene": 0,
        "scenes": [{"name": name, "nodes": list(range(len(nodes)))}],
        "nodes": nodes, "meshes": meshes, "materials": materials,
        "accessors": accessors, "bufferViews": views,
        "buffers": [{"byteLength": len(_pad(bytes(blob), b"\0"))}],
    }
    js = _pad(json.dumps(doc, separators=(",", ":")).encode("utf-8"), b" ")
    bin_ = _pad(bytes(blob), b"\0")
    total = 12 + 8 + len(js) + 8 + len(bin_)
    return b"".join([struct.pack("<III", GLB_MAGIC, 2, total), struct.pack("<II", len(js), CHUNK_JSON), js,
                     struct.pack("<II", len(bin_), CHUNK_BIN), bin_])


def read_glb(data: bytes) -> tuple[dict[str, Any], bytes]:
    """(JSON document, binary chunk) of a .glb; raises :class:`GltfError` on a malformed file."""
    if len(data) < 20:
        raise GltfError("not a glTF binary: too short")
    magic, version, length = struct.unpack_from("<III", data, 0)
    if magic != GLB_MAGIC or version != 2 or length != len(data):
        raise GltfError(f"not a glTF 2.0 binary (magic {magic:#x}, version {version}, length {length}/{len(data)})")
    jlen, jtype = struct.unpack_from("<II", data, 12)
    if jtype != CHUNK_JSON or 20 + jlen > len(data):
        raise GltfError("the first chunk is not JSON")
    try:
        doc = json.loads(data[20:20 + jlen])
    except (ValueError, RecursionError) as exc:
        raise GltfError(f"its JSON cannot be parsed ({str(exc)[:100]})") from None
    rest = 20 + jlen
    binary = b""
    if rest < len(data):
        blen, btype = struct.unpack_from("<II", data, rest)
        if btype != CHUNK_BIN:
            raise GltfError("the second chunk is not BIN")
        binary = data[rest + 8:rest + 8 + blen]
    return doc, binary


def accessor_array(doc: dict[str, Any], binary: bytes, index: int) -> np.ndarray:
    """The data of one accessor as a numpy array (rows x components), a view of ``binary``
    (nothing is allocated); raises :class:`GltfError` when it does not fit its buffer view."""
    acc = doc["accessors"][index]
    view = doc["bufferViews"][acc["bufferView"]]
    dtype = np.uint32 if acc["componentType"] == UINT32 else np.float32
    width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[acc["type"]]
    start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
    need = acc.get("byteOffset", 0) + acc["count"] * width * 4
    if need > view["byteLength"] or view.get("byteOffset", 0) + view["byteLength"] > len(binary):
        raise GltfError(f"accessor {index} ({acc['count']} x {acc['type']}) does not fit its buffer view")
    arr = np.frombuffer(binary, dtype, count=acc["count"] * width, offset=start)
    return arr.reshape(acc["count"], width) if width > 1 else arr

