#!/usr/bin/env python3
"""Render every equipment type of the shipped catalog (or those named) alone, 256x256 pixels
each, for review: is each one recognisable without its label? Writes one PNG per type and
``sheet.png``, all of them in a grid (in the order listed), into the output folder.

    python tools/render_models.py -o DIR [--types crash_cart aed ...] [--size 256] [--columns 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

#: The types issue 18 asks to be recognisable: safety-critical items and the patient-room set.
REVIEW = ("crash_cart", "aed", "fire_extinguisher", "fire_alarm_pull_station", "eyewash_station",
          "medical_gas_zone_valve_box", "hand_hygiene_dispenser", "ppe_station", "evacuation_chair",
          "spill_kit", "patient_bed", "icu_bed", "patient_monitor", "iv_pump", "recliner_chair",
          "visitor_chair", "overbed_table", "headwall_oxygen", "headwall_suction", "headwall_air", "code_blue_button")


def _catalog():
    from wardtwin.layout import check_ward

    layout, _ = check_ward("medsurg-28")
    return layout.catalog


def _png_rgb(data: bytes) -> np.ndarray:
    from panda3d.core import PNMImage, StringStream

    img = PNMImage()
    img.read(StringStream(data), "x.png")
    w, h = img.get_x_size(), img.get_y_size()
    return np.array([[[img.get_red_val(x, y), img.get_green_val(x, y), img.get_blue_val(x, y)]
                      for x in range(w)] for y in range(h)], np.uint8)


def _write_rgb(path: Path, rgb: np.ndarray) -> None:
    from panda3d.core import Filename, PNMImage

    h, w, _ = rgb.shape
    img = PNMImage(w, h)
    for y in range(h):
        for x in range(w):
            img.set_xel_val(x, y, *(int(v) for v in rgb[y, x]))
    img.write(Filename.from_os_specific(str(path)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--types", nargs="*", default=list(REVIEW), help="type ids ('all': every type)")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--columns", type=int, default=5)
    args = ap.parse_args(argv)
    from wardtwin.scene.closeup import render_closeups
    from wardtwin.scene.shapes import SHAPES, build_shape  # noqa: F401  (registers shapes)

    catalog = _catalog()
    ids = list(catalog) if args.types == ["all"] else args.types
    unknown = [i for i in ids if i not in catalog]
    if unknown:
        print(f"unknown type(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pngs = render_closeups([catalog[i] for i in ids], args.size)
    tiles = []
    for i in ids:
        (out / f"{i}.png").write_bytes(pngs[i])
        tiles.append(_png_rgb(pngs[i]))
    cols = max(1, min(args.columns, len(tiles)))
    rows = -(-len(tiles) // cols)
    s = args.size
    sheet = np.full((rows * (s + 4), cols * (s + 4), 3), 255, np.uint8)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, cols)
        sheet[r * (s + 4): r * (s + 4) + s, c * (s + 4): c * (s + 4) + s] = tile
    _write_rgb(out / "sheet.png", sheet)
    print(f"wrote {len(ids)} close-ups and sheet.png to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
