"""Block letters as geometry: short words printed on equipment models (``FIRE`` on a pull
station, ``AED`` on a cabinet's sign) drawn as flat quads in the model's own vertex colours,
so that they batch with the rest of the scene (no texture, no draw call of their own).

A 5 x 7 pixel font; each row of a glyph is drawn as runs of lit pixels (one quad per run).
Only the characters below are drawn; others are left blank.
"""

from __future__ import annotations

#: Glyphs: 7 rows, top first, of 5 columns ('#' lit).
FONT = {
    "A": (".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),
    "C": (".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."),
    "D": ("####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."),
    "E": ("#####", "#....", "#....", "####.", "#....", "#....", "#####"),
    "F": ("#####", "#....", "#....", "####.", "#....", "#....", "#...."),
    "G": (".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".###."),
    "H": ("#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),
    "I": ("#####", "..#..", "..#..", "..#..", "..#..", "..#..", "#####"),
    "K": ("#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"),
    "L": ("#....", "#....", "#....", "#....", "#....", "#....", "#####"),
    "M": ("#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"),
    "N": ("#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#", "#...#"),
    "O": (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "P": ("####.", "#...#", "#...#", "####.", "#....", "#....", "#...."),
    "R": ("####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"),
    "S": (".####", "#....", "#....", ".###.", "....#", "....#", "####."),
    "T": ("#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."),
    "U": ("#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "V": ("#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."),
    "W": ("#...#", "#...#", "#...#", "#.#.#", "#.#.#", "##.##", "#...#"),
    "X": ("#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"),
    "Y": ("#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."),
    "2": (".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),
    "+": (".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."),
}
#: Advance per character, in pixels (5 wide and a gap).
ADVANCE = 6


def text_width(text: str, cap: float) -> float:
    """Width of ``text`` with capitals ``cap`` m high, m."""
    px = cap / 7
    return max(0, len(text) * ADVANCE - 1) * px


def block_text(b, text: str, cx: float, y: float, z: float, cap: float, rgba, *, facing: float = 1.0) -> None:
    """Draw ``text`` (capitals) on the plane y = ``y`` facing +y (``facing`` 1) or -y (-1),
    centred on x = ``cx``, its baseline at ``z``, capitals ``cap`` m high, into the
    :class:`~wardtwin.scene.mesh.MeshBuilder` ``b``."""
    px = cap / 7
    step = -facing  # seen from +y, left to right runs toward -x
    x0 = cx - text_width(text, cap) / 2 * step
    for k, ch in enumerate(text.upper()):
        rows = FONT.get(ch)
        if rows is None:
            continue
        for r, row in enumerate(rows):
            zt = z + (7 - r) * px
            zb = zt - px
            c = 0
            while c < 5:
                if row[c] != "#":
                    c += 1
                    continue
                e = c
                while e < 5 and row[e] == "#":
                    e += 1
                xa = x0 + step * (k * ADVANCE + c) * px
                xb = x0 + step * (k * ADVANCE + e) * px
                lo, hi = min(xa, xb), max(xa, xb)
                if facing > 0:  # counter-clockwise seen from +y
                    b.quad((hi, y, zb), (lo, y, zb), (lo, y, zt), (hi, y, zt), rgba)
                else:
                    b.quad((lo, y, zb), (hi, y, zb), (hi, y, zt), (lo, y, zt), rgba)
                c = e
