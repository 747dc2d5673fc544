"""Small glTF model files built in memory for the tests of the model checks."""

from __future__ import annotations

import json
import struct

#: One triangle: three float32 positions (36 bytes) in buffer 0.
TRIANGLE_BIN = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
GLTF_TRIANGLE = {
    "asset": {"version": "2.0"},
    "scene": 0,
    "scenes": [{"nodes": [0]}],
    "nodes": [{"mesh": 0}],
    "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
    "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                   "min": [0, 0, 0], "max": [1, 1, 0]}],
    "bufferViews": [{"buffer": 0, "byteLength": 36}],
    "buffers": [{"byteLength": 36}],
}


def _pad(b: bytes, fill: bytes) -> bytes:
    return b + fill * ((4 - len(b) % 4) % 4)


def glb(doc: dict, binary: bytes) -> bytes:
    """A .glb of a glTF document and its BIN chunk."""
    js = _pad(json.dumps(doc).encode("utf-8"), b" ")
    bin_ = _pad(binary, b"\0")
    total = 12 + 8 + len(js) + 8 + len(bin_)
    return b"".join([b"glTF", struct.pack("<II", 2, total), struct.pack("<I", len(js)), b"JSON", js,
                     struct.pack("<I", len(bin_)), b"BIN\0", bin_])


def many_triangles(n: int, nodes: int = 1) -> tuple[dict, bytes]:
    """A document with one mesh of ``n`` triangles (all on the same three points, indexed) used
    by ``nodes`` nodes, and its binary: small on disk, ``n * nodes`` triangles drawn."""
    indices = bytes(4 * 3 * n)  # index 0 throughout
    binary = TRIANGLE_BIN + indices
    doc = {**GLTF_TRIANGLE,
           "scenes": [{"nodes": list(range(nodes))}],
           "nodes": [{"mesh": 0} for _ in range(nodes)],
           "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
           "accessors": [GLTF_TRIANGLE["accessors"][0],
                         {"bufferView": 1, "componentType": 5125, "count": 3 * n, "type": "SCALAR"}],
           "bufferViews": [{"buffer": 0, "byteLength": 36}, {"buffer": 0, "byteOffset": 36, "byteLength": len(indices)}],
           "buffers": [{"byteLength": len(binary)}]}
    return doc, binary
