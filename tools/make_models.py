#!/usr/bin/env python3
"""Generate the low-poly equipment models shipped in ``assets/models/`` (glTF 2.0 binaries),
written with wardtwin's own glTF writer (``wardtwin.exchange.gltf``):

    assets/models/aed_cabinet.glb   the AED wall cabinet (catalog type ``aed``)

Models are built at true size in metres and follow glTF's convention (y up, the front of the
model faces +z), so any glTF viewer shows them the right way round. Regenerating on the same
machine gives byte-identical files; on another CPU a float may differ in its last bit, so
``--check`` compares what the files hold: the same glTF document, the same integer data, and
float data within ``TOLERANCE``:

    python tools/make_models.py            # write the models
    python tools/make_models.py --check    # exit 1 if a file on disk differs (with what differs)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wardtwin.exchange.gltf import GlbMesh, accessor_array, glb_bytes, read_glb  # noqa: E402
from wardtwin.scene.glyphs import block_text  # noqa: E402
from wardtwin.scene.mesh import Mesh, MeshBuilder, hex_rgba, shade  # noqa: E402

MODELS = ROOT / "assets" / "models"
#: Largest difference accepted between float values of two model files (metres for positions,
#: unit-vector components for normals, linear colour for colours): far below what can be seen,
#: far above a last-bit difference between CPUs.
TOLERANCE = 1e-5


def _heart(b: MeshBuilder, cx: float, y: float, cz: float, size: float, rgba) -> None:
    """A flat heart facing +y, centred on (cx, cz) in the x-z plane at depth ``y``."""
    pts = []
    for k in range(24):
        t = 2 * math.pi * k / 24
        # the classic heart curve, about 32 x 30 units across
        x = 16 * math.sin(t) ** 3
        z = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        pts.append((cx + x / 32 * size, y, cz + (z + 2) / 30 * size))
    # a fan from the centre, counter-clockwise seen from +y
    centre = (cx, y, cz)
    verts = [centre, *pts]
    tris = [(0, k + 1, (k + 1) % 24 + 1) for k in range(24)]
    a, b_, c = (np.array(verts[i]) for i in tris[0])
    if np.cross(b_ - a, c - a)[1] < 0:
        tris = [(0, j, i) for (_, i, j) in tris]
    b.polygon(verts, tris, (0.0, 1.0, 0.0), rgba)


def aed_cabinet() -> Mesh:
    """A green wall cabinet, 0.45 x 0.20 x 0.55 m, back against the wall (-y): a glazed door
    showing the yellow defibrillator inside, a white sign with a red heart and AED on top, a
    handle."""
    green = hex_rgba("#2e7d32")
    b = MeshBuilder()
    w, d, h = 0.45, 0.20, 0.55
    front = d / 2 - 0.02
    b.box(-w / 2, -d / 2, 0.0, w / 2, front, h, green, bottom=True)  # body
    frame = shade(green, 0.8)
    b.box(-0.19, front, 0.04, 0.19, front + 0.01, 0.43, frame)  # door frame
    b.box(-0.16, front + 0.01, 0.07, 0.16, front + 0.012, 0.40, hex_rgba("#d7e6ea"))  # glass
    b.box(-0.09, front + 0.012, 0.12, 0.09, front + 0.016, 0.33, hex_rgba("#f9a825"))  # the AED behind it
    b.box(-0.05, front + 0.016, 0.26, 0.05, front + 0.018, 0.30, hex_rgba("#37474f"))  # its display
    b.box(0.165, front + 0.01, 0.20, 0.18, front + 0.02, 0.28, hex_rgba("#263238"))  # handle
    b.box(-0.2, front, 0.45, 0.2, d / 2 - 0.002, h - 0.01, hex_rgba("#fafafa"))  # sign plate
    _heart(b, 0.11, d / 2 - 0.001, 0.495, 0.07, hex_rgba("#d32f2f"))
    block_text(b, "AED", -0.04, d / 2 - 0.001, 0.47, 0.06, green)  # read from the front
    return b.build()


#: file name -> (builder, glTF node name)
BUILDERS = {"aed_cabinet.glb": (aed_cabinet, "AED cabinet")}


def glb_of(mesh: Mesh, name: str) -> bytes:
    """A model file: the mesh turned half round (its front from +y to glTF's +z) and written
    as a glTF binary with one node."""
    turn = np.diag([-1.0, -1.0, 1.0]).astype(np.float32)
    turned = Mesh(mesh.positions @ turn, mesh.normals @ turn, mesh.colors, mesh.triangles)
    return glb_bytes([GlbMesh(name, "item", turned.positions, turned.normals, turned.colors, turned.triangles)], name)


def _floats_close(a, b, tol: float) -> bool:
    """Two JSON values equal, floats within ``tol``."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_floats_close(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_floats_close(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tol
    return a == b


def model_differences(found: bytes, expected: bytes, tol: float = TOLERANCE) -> list[str]:
    """What differs between two glTF binaries, beyond ``tol`` for float data (empty: the same)."""
    if found == expected:
        return []
    try:
        doc_a, bin_a = read_glb(found)
    except Exception as exc:  # noqa: BLE001 - any malformed file is a difference to report
        return [f"the file on disk is not a readable glTF binary ({exc})"]
    doc_b, bin_b = read_glb(expected)
    if not _floats_close(doc_a, doc_b, tol):
        return ["the glTF document (nodes, meshes, accessors, bounds) differs"]
    out = []
    for k, acc in enumerate(doc_b["accessors"]):
        a, b = accessor_array(doc_a, bin_a, k), accessor_array(doc_b, bin_b, k)
        if a.dtype.kind == "f":
            worst = float(np.abs(a.astype(np.float64) - b).max(initial=0.0))
            if worst > tol:
                out.append(f"accessor {k} ({acc['type']}): values differ by up to {worst:.3g} (tolerance {tol:g})")
        elif not np.array_equal(a, b):
            out.append(f"accessor {k} ({acc['type']}): integer data differs")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file on disk differs")
    args = ap.parse_args(argv)
    MODELS.mkdir(parents=True, exist_ok=True)
    differ = False
    for fname, (build, name) in BUILDERS.items():
        data = glb_of(build(), name)
        path = MODELS / fname
        if args.check:
            problems = model_differences(path.read_bytes(), data) if path.is_file() else ["it is missing"]
            if problems:
                print(f"{path.relative_to(ROOT)} differs from what tools/make_models.py writes: " + "; ".join(problems))
                differ = True
        else:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
