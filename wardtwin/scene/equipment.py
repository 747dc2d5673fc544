"""Detailed procedural shapes for the equipment a new nurse must recognise on sight: the
safety-critical types (crash cart, extinguisher on its bracket with its sign, pull station,
eyewash, zone valve box, hand-rub dispenser, PPE station, evacuation chair, spill kit) and the
patient-room set (bed with rails and its headwall, monitor, IV pole, chair, overbed table).

Each is a builder registered in :data:`wardtwin.scene.shapes.SHAPES` (a catalog type names
it as ``draw.shape``) and follows the same frame: footprint centred on the origin, ``w``
along x, ``d`` along y, from z = 0 up to ``h`` (metres); front +y, back (the wall, for a
wall-mounted type) at -y. Flat colours per face, a few hundred triangles each; words on them
are block-letter geometry (:mod:`wardtwin.scene.glyphs`), so every item batches with its room.

A few draw what stands beyond their box, as the real thing does (:data:`BEYOND`): the sign
above an extinguisher, eyewash or evacuation chair, and the headwall behind a bed's head (a
bed's head stands at its headwall).
"""

from __future__ import annotations

import math

from wardtwin.scene.glyphs import block_text, text_width
from wardtwin.scene.mesh import hex_rgba, shade
from wardtwin.scene.shapes import DARK, STEEL, WHITE, shape

BLACK = (0.08, 0.08, 0.09, 1.0)
CHARCOAL = (0.24, 0.25, 0.27, 1.0)
LIGHT = (0.82, 0.83, 0.84, 1.0)
SIGN_RED = hex_rgba("#d32f2f")
SAFE_GREEN = hex_rgba("#00875a")
YELLOW = hex_rgba("#fbc02d")
SCREEN_BLACK = (0.04, 0.06, 0.07, 1.0)
TRACE_GREEN = hex_rgba("#4cff6a")
TRACE_CYAN = hex_rgba("#40e0ff")
TRACE_YELLOW = hex_rgba("#ffe14d")
GLASS = hex_rgba("#cfe3ea")
O2_GREEN = hex_rgba("#2e7d32")
AIR_YELLOW = hex_rgba("#f9a825")

#: What a shape draws beyond its w x d x h box, m: (above the top, behind the back, past
#: each side).
BEYOND = {"extinguisher": (0.52, 0.0, 0.0), "eyewash": (0.52, 0.0, 0.0), "evac_chair": (0.42, 0.0, 0.0),
          "bed": (0.75, 0.04, 0.5)}


def hexa(b, c, rgba) -> None:
    """A six-faced solid from its eight corners ``c[i]``, i = x + 2y + 4z over (0, 1) of each
    axis, as :meth:`MeshBuilder.box` orders an axis-aligned box (for tilted or tapered boxes:
    faces must stay planar)."""
    q = b.quad
    q(c[4], c[5], c[7], c[6], rgba)  # top
    q(c[0], c[1], c[5], c[4], rgba)  # -y
    q(c[3], c[2], c[6], c[7], rgba)  # +y
    q(c[2], c[0], c[4], c[6], rgba)  # -x
    q(c[1], c[3], c[7], c[5], rgba)  # +x


def _tilted(b, x0, x1, y0, z0, y1, z1, t, rgba) -> None:
    """A slab ``t`` thick across x0..x1 whose back face runs from (y0, z0) up to (y1, z1)
    (leaning back when y1 < y0), its thickness toward +y."""
    dy, dz = y1 - y0, z1 - z0
    ln = math.hypot(dy, dz) or 1.0
    ny, nz = dz / ln * t, -dy / ln * t  # the slab's normal, toward +y
    pts = []
    for zi in (0, 1):
        for yi in (0, 1):
            for xi in (0, 1):
                y = (y1 if zi else y0) + (ny if yi else 0.0)
                z = (z1 if zi else z0) + (nz if yi else 0.0)
                pts.append((x1 if xi else x0, y, z))
    hexa(b, pts, rgba)


def _caster(b, x, y, r=0.04) -> None:
    """A caster: a wheel (a box: at this size its facets do not show) under its fork."""
    b.cbox(x, y, 0.0, 0.03, 2 * r * 0.85, 2 * r, BLACK, skip=("top",))
    b.cbox(x, y, 2 * r - 0.005, 0.04, 0.04, 0.035, CHARCOAL)


def _sign(b, x0, x1, y, z0, z1, rgba, lines, text_rgba=WHITE) -> None:
    """A wall sign: a plate 6 mm thick on the plane ``y`` (the wall) with lines of block text,
    each as tall as fits (centred, top to bottom)."""
    b.box(x0, y, z0, x1, y + 0.006, z1, rgba)
    n = len(lines)
    if not n:
        return
    w, hgt = (x1 - x0) * 0.84, (z1 - z0) * 0.84
    cap = min(hgt / (n * 1.45), min(w / max(text_width(s, 1.0), 1e-9) for s in lines))
    gap = cap * 0.45
    total = n * cap + (n - 1) * gap
    top = (z0 + z1) / 2 + total / 2
    for k, s in enumerate(lines):
        block_text(b, s, (x0 + x1) / 2, y + 0.0065, top - (k + 1) * cap - k * gap, cap, text_rgba)


def _zigzag(b, x0, x1, y, z, amp, rgba, pts, thick=0.004) -> None:
    """A trace (a waveform on a screen) facing +y: line segments through ``pts`` given as
    (fraction along x0..x1, height in units of ``amp``)."""
    for (fa, ha), (fb, hb) in zip(pts, pts[1:]):
        xa, xb = x0 + fa * (x1 - x0), x0 + fb * (x1 - x0)
        za, zb = z + ha * amp, z + hb * amp
        # a thin parallelogram around the segment, vertical extent ``thick``
        b.quad((xb, y, zb - thick / 2), (xa, y, za - thick / 2), (xa, y, za + thick / 2), (xb, y, zb + thick / 2),
               rgba)


# ------------------------------------------------------------------- resuscitation
@shape("crash_cart")
def _crash_cart(b, w, d, h, c):
    """Red drawers on casters, a grey top tray with a rim, a defibrillator on top (screen
    with an ECG trace, handle, paddles), a CPR board on one side and a push handle."""
    top = h - 0.235  # the tray; the defibrillator stands on it up to h
    base = 0.12
    for sx in (-1, 1):
        for sy in (-1, 1):
            _caster(b, sx * (w / 2 - 0.07), sy * (d / 2 - 0.07), 0.045)
    b.cbox(0, 0, base, w * 0.92, d * 0.9, top - base, c, bottom=True)
    # drawers on the front: five, deeper toward the bottom, each with a light handle bar
    fy = d * 0.45
    shares = (0.15, 0.15, 0.19, 0.23, 0.28)
    z = top - 0.03
    for k, s in enumerate(shares):
        hgt = s * (top - base - 0.05)
        b.box(-w * 0.43, fy, z - hgt + 0.008, w * 0.43, fy + 0.012, z - 0.008, shade(c, 1.12))
        b.box(-w * 0.3, fy + 0.012, z - 0.05, w * 0.3, fy + 0.03, z - 0.03, LIGHT)
        z -= hgt
    b.box(w * 0.33, fy + 0.012, top - 0.09, w * 0.37, fy + 0.02, top - 0.05, YELLOW)  # the seal on the lock
    # the top tray with a rim
    b.cbox(0, 0, top, w, d, 0.025, LIGHT)
    for sx in (-1, 1):
        b.cbox(sx * (w / 2 - 0.01), 0, top + 0.025, 0.02, d, 0.035, LIGHT)
    for sy in (-1, 1):
        b.cbox(0, sy * (d / 2 - 0.01), top + 0.025, w - 0.04, 0.02, 0.035, LIGHT)
    # push handle at the left end, CPR board on the right
    b.box(-w / 2 - 0.05, -d * 0.35, top - 0.12, -w / 2 - 0.03, d * 0.35, top - 0.09, STEEL)
    for sy in (-1, 1):
        b.box(-w / 2 - 0.05, sy * d * 0.35 - 0.015, top - 0.12, -w / 2, sy * d * 0.35 + 0.015, top - 0.09, STEEL)
    b.box(w / 2 - 0.0, -d * 0.42, base + 0.1, w / 2 + 0.02, d * 0.42, top + 0.05, hex_rgba("#1e5aa8"))
    # the defibrillator: charcoal body, screen and controls facing the front, a carry handle
    dz = top + 0.025
    dw, dd, dh = min(0.34, w * 0.5), min(0.26, d * 0.5), 0.16
    dx, dy = -w * 0.12, -d * 0.05
    b.cbox(dx, dy, dz, dw, dd, dh, CHARCOAL)
    front = dy + dd / 2
    b.box(dx - dw * 0.42, front, dz + dh * 0.3, dx + dw * 0.08, front + 0.006, dz + dh * 0.92, SCREEN_BLACK)
    _zigzag(b, dx - dw * 0.4, dx + dw * 0.06, front + 0.0065, dz + dh * 0.62, dh * 0.22, TRACE_GREEN,
            [(0, 0), (0.2, 0), (0.25, 1), (0.3, -0.6), (0.35, 0), (0.6, 0), (0.65, 1), (0.7, -0.6), (0.75, 0), (1, 0)])
    shock = hex_rgba("#ff8f00")
    b.box(dx + dw * 0.15, front, dz + dh * 0.55, dx + dw * 0.38, front + 0.012, dz + dh * 0.85, shock)
    b.box(dx + dw * 0.15, front, dz + dh * 0.2, dx + dw * 0.38, front + 0.01, dz + dh * 0.42, TRACE_GREEN)
    for sx in (-1, 1):  # the handle's posts and bar
        b.cbox(dx + sx * dw * 0.35, dy, dz + dh, 0.02, 0.03, 0.05, BLACK)
    b.cbox(dx, dy, dz + dh + 0.035, dw * 0.74, 0.03, 0.02, BLACK)
    # paddles in their holders on the tray beside it
    for k in range(2):
        px = w * 0.27
        py = -d * 0.2 + k * 0.13
        b.cbox(px, py, top + 0.025, 0.1, 0.1, 0.05, hex_rgba("#ffd54f"))
        b.cbox(px, py, top + 0.075, 0.04, 0.04, 0.06, BLACK)


# ------------------------------------------------------------------- fire safety
@shape("extinguisher")
def _extinguisher(b, w, d, h, c):
    """A red cylinder on its wall bracket: black valve head with lever and gauge, a hose down
    its side, a white label; the red extinguisher sign on the wall above it."""
    back = -d / 2
    b.box(-0.03, back, h * 0.08, 0.03, back + 0.012, h * 0.88, CHARCOAL)  # wall bracket
    r = max(0.03, min(w * 0.42, (d - 0.02) / 2))
    cy = back + 0.012 + r
    body = h * 0.72
    b.cylinder(0, cy, 0.0, r, body, c, 14)
    b.cylinder(0, cy, body, r * 0.75, 0.025, c, 14)  # the shoulder
    b.cylinder(0, cy, body + 0.025, r * 0.4, 0.03, c, 10)  # the neck
    b.cylinder(0, cy, h * 0.45, r * 1.06, 0.03, CHARCOAL, 14)  # the bracket's strap
    fr = cy + r * math.cos(math.pi / 14)
    b.box(-r * 0.62, fr, h * 0.12, r * 0.62, fr + 0.003, h * 0.38, (0.95, 0.93, 0.85, 1.0))  # label
    b.box(-r * 0.45, fr + 0.003, h * 0.3, r * 0.45, fr + 0.004, h * 0.34, BLACK)
    vz = body + 0.055
    b.cbox(0, cy, vz, 0.045, 0.05, min(0.07, h - vz - 0.02), BLACK)  # valve head
    b.box(-0.012, cy - 0.02, h - 0.022, 0.012, cy + 0.1, h - 0.006, BLACK)  # lever
    b.box(-0.012, cy - 0.02, vz + 0.01, 0.012, cy + 0.09, vz + 0.024, BLACK)  # carry handle
    b.cylinder(0.0, cy + 0.025, vz + 0.04, 0.018, 0.012, WHITE, 10, axis="y")  # gauge
    b.box(r * 0.95, cy - 0.012, h * 0.1, r * 0.95 + 0.02, cy + 0.012, vz + 0.03, BLACK)  # hose
    b.box(r * 0.95 - 0.01, cy - 0.018, h * 0.04, r * 0.95 + 0.03, cy + 0.018, h * 0.12, BLACK)  # nozzle
    # the sign above: an extinguisher pictogram in white on red, and the word
    s0, s1 = h + 0.25, h + 0.52
    sw = max(0.2, w)
    b.box(-sw / 2, back, s0, sw / 2, back + 0.006, s1, SIGN_RED)
    y = back + 0.0065
    pz = s0 + 0.09
    b.box(-0.03, y, pz, 0.03, y + 0.001, pz + 0.12, WHITE)  # the pictogram's cylinder
    b.box(-0.015, y, pz + 0.12, 0.015, y + 0.001, pz + 0.145, WHITE)
    b.box(0.015, y, pz + 0.135, 0.06, y + 0.001, pz + 0.15, WHITE)  # its nozzle
    block_text(b, "FIRE", 0.0, y, s0 + 0.02, 0.045, WHITE)


@shape("pull_station")
def _pull_station(b, w, d, h, c):
    """The red manual alarm box: FIRE on top, a white pull handle in a recess, PULL DOWN."""
    back = -d / 2
    b.box(-w / 2, back, 0, w / 2, back + 0.012, h, shade(c, 0.8))  # back box
    front = d / 2 - 0.005
    b.box(-w * 0.46, back + 0.012, 0.006, w * 0.46, front, h - 0.006, c)
    cap = min(0.032, w * 0.8 / text_width("FIRE", 1.0))
    block_text(b, "FIRE", 0.0, front + 0.0005, h * 0.7, cap, WHITE)
    b.box(-w * 0.32, front, h * 0.3, w * 0.32, front + 0.003, h * 0.6, shade(c, 0.55))  # recess
    b.box(-w * 0.26, front + 0.003, h * 0.4, w * 0.26, front + 0.02, h * 0.52, WHITE)  # the handle
    small = min(0.016, w * 0.85 / text_width("PULL DOWN", 1.0))
    block_text(b, "PULL DOWN", 0.0, front + 0.0005, h * 0.1, small, WHITE)


# ------------------------------------------------------------------- hazards
@shape("eyewash")
def _eyewash(b, w, d, h, c):
    """A wall-mounted eyewash: a bowl with two spray heads under yellow dust caps, a green
    push paddle, the supply from the wall and the drain below; the green EYE WASH sign above."""
    back = -d / 2
    b.box(-0.08, back, 0.0, 0.08, back + 0.015, h, STEEL)  # wall plate
    r = min(w * 0.45, d * 0.48)
    cy = back + d * 0.55
    bz = h * 0.4
    b.cylinder(0, cy, bz, r, h * 0.3, c, 14)  # the bowl
    b.cylinder(0, cy, bz + h * 0.3 - 0.004, r * 0.86, 0.006, shade(c, 0.6), 14)  # its inside
    b.cylinder(0, cy, 0.0, 0.02, bz, STEEL, 8)  # drain
    b.box(-0.02, back + 0.015, bz + 0.02, 0.02, cy, bz + 0.06, STEEL)  # supply
    for sx in (-1, 1):
        b.cylinder(sx * r * 0.35, cy, bz + h * 0.3, 0.014, 0.05, STEEL, 8)
        b.cylinder(sx * r * 0.35, cy, bz + h * 0.3 + 0.05, 0.026, 0.03, YELLOW, 10)  # dust caps
    b.box(r * 0.5, cy + r * 0.9, bz + h * 0.1, r * 0.9, cy + r * 0.95, h, SAFE_GREEN)  # push paddle
    _sign(b, -0.16, 0.16, back, h + 0.28, h + 0.52, SAFE_GREEN, ("EYE", "WASH"))


@shape("spill_kit")
def _spill_kit(b, w, d, h, c):
    """A yellow wall box with SPILL KIT in black, a black-and-yellow band and a lid handle."""
    back = -d / 2
    b.box(-w / 2, back, 0, w / 2, d / 2 - 0.02, h * 0.85, c)
    b.box(-w / 2 - 0.008, back, h * 0.85, w / 2 + 0.008, d / 2 - 0.01, h - 0.02, shade(c, 0.85))  # lid
    b.cbox(0, 0, h - 0.02, w * 0.4, 0.03, 0.02, BLACK)  # its handle
    front = d / 2 - 0.02
    b.box(-w * 0.42, front, h * 0.3, w * 0.42, front + 0.003, h * 0.8, WHITE)
    cap = min(h * 0.16, w * 0.76 / text_width("SPILL", 1.0))
    block_text(b, "SPILL", 0.0, front + 0.0035, h * 0.56, cap, BLACK)
    block_text(b, "KIT", 0.0, front + 0.0035, h * 0.35, cap, BLACK)
    n = 7  # hazard stripes along the bottom
    for k in range(n):
        x0 = -w / 2 + k * w / n
        b.box(x0, front, h * 0.05, x0 + w / n, front + 0.003, h * 0.2, BLACK if k % 2 else c)


# ------------------------------------------------------------------- infection control
@shape("dispenser")
def _dispenser(b, w, d, h, c):
    """A hand-rub dispenser: a white body, a coloured top with a drop, a grey push lever, the
    nozzle and a drip tray."""
    back = -d / 2
    b.box(-w / 2, back, h * 0.18, w / 2, d / 2 - 0.01, h, WHITE)
    front = d / 2 - 0.01
    b.box(-w * 0.42, front, h * 0.62, w * 0.42, front + 0.004, h * 0.95, c)  # coloured panel
    # a white drop on it
    dz, dr = h * 0.74, w * 0.14
    b.polygon([(0, front + 0.0045, dz + dr * 2.2), (-dr, front + 0.0045, dz), (0, front + 0.0045, dz - dr * 0.9),
               (dr, front + 0.0045, dz)], [(0, 1, 2), (0, 2, 3)], (0, 1, 0), WHITE)
    b.box(-w * 0.3, front, h * 0.38, w * 0.3, front + 0.003, h * 0.56, GLASS)  # level window
    b.box(-w * 0.45, front, h * 0.2, w * 0.45, front + 0.025, h * 0.34, LIGHT)  # push lever
    b.cbox(0, d * 0.15, h * 0.12, 0.015, 0.015, h * 0.07, CHARCOAL)  # nozzle
    b.box(-w * 0.4, back, 0.0, w * 0.4, d / 2 - 0.01, h * 0.05, LIGHT)  # drip tray


@shape("ppe_station")
def _ppe_station(b, w, d, h, c):
    """A wall rack: three glove boxes (sizes in three colours) on top, yellow gowns and masks
    below, PPE on the header."""
    back = -d / 2
    b.box(-w / 2, back, 0, w / 2, back + 0.015, h, c)  # back board
    b.box(-w / 2, back, h * 0.82, w / 2, d / 2 - 0.03, h, shade(c, 0.8))  # header
    block_text(b, "PPE", 0.0, d / 2 - 0.0295, h * 0.85, h * 0.11, WHITE)
    b.box(-w / 2, back, h * 0.52, w / 2, d / 2, h * 0.54, LIGHT)  # shelves
    b.box(-w / 2, back, h * 0.08, w / 2, d / 2, h * 0.1, LIGHT)
    gw = w / 3 - 0.02
    for k, col in enumerate(("#7e57c2", "#1e88e5", "#26a69a")):
        x = -w / 3 + k * w / 3
        b.cbox(x, 0, h * 0.54, gw, d * 0.8, h * 0.24, hex_rgba(col))
        fy = d * 0.4 + 0.001
        pts = [(x + gw * 0.32 * math.cos(a), fy, h * 0.66 + h * 0.05 * math.sin(a))
               for a in (2 * math.pi * j / 10 for j in range(10))]
        b.polygon(pts[::-1], [(0, j, j + 1) for j in range(1, 9)], (0, 1, 0), WHITE)  # the slot's tissue
    for j in range(4):  # folded yellow gowns
        b.cbox(-w * 0.22, 0.005 * j, h * 0.1 + j * 0.045, w * 0.42, d * 0.78, 0.04, shade(YELLOW, 1.0 + 0.06 * (j % 2)))
    b.cbox(w * 0.24, 0, h * 0.1, w * 0.34, d * 0.8, h * 0.2, WHITE)  # a box of masks
    b.box(w * 0.12, d * 0.4, h * 0.18, w * 0.36, d * 0.4 + 0.003, h * 0.26, hex_rgba("#4fc3f7"))


# ------------------------------------------------------------------- evacuation
@shape("evac_chair")
def _evac_chair(b, w, d, h, c):
    """A folded evacuation chair on its wall bracket: yellow side rails with black tracks, a
    blue seat and back, a grey top handle, wheels; the green EVAC CHAIR sign above."""
    back = -d / 2
    b.box(-w * 0.3, back, h * 0.8, w * 0.3, back + 0.04, h * 0.9, CHARCOAL)  # bracket
    ry0, ry1 = back + 0.05, back + 0.09
    for sx in (-1, 1):
        x = sx * (w / 2 - 0.05)
        b.cbox(x, (ry0 + ry1) / 2, 0.06, 0.035, ry1 - ry0, h - 0.12, YELLOW)  # side rail
        b.box(x - 0.03, ry1, 0.08, x + 0.03, ry1 + 0.025, h * 0.5, BLACK)  # track
        b.cylinder(x - 0.015, (ry0 + ry1) / 2, 0.05, 0.05, 0.03, BLACK, 8, axis="x")  # wheel
    seat = hex_rgba("#1565c0")
    b.box(-w / 2 + 0.07, ry0 + 0.005, h * 0.2, w / 2 - 0.07, ry1 - 0.005, h * 0.5, seat)
    b.box(-w / 2 + 0.07, ry0 + 0.005, h * 0.53, w / 2 - 0.07, ry1 - 0.005, h * 0.86, seat)
    b.box(-w / 2 + 0.07, ry1 - 0.005, h * 0.62, w / 2 - 0.07, ry1, h * 0.66, YELLOW)  # a strap
    b.box(-w / 2 + 0.02, back + 0.04, h - 0.07, w / 2 - 0.02, back + 0.1, h - 0.03, STEEL)  # top handle
    b.box(-w / 2 + 0.02, back + 0.04, 0.02, w / 2 - 0.02, back + 0.1, 0.05, STEEL)  # foot bar
    _sign(b, -0.17, 0.17, back, h + 0.17, h + 0.42, SAFE_GREEN, ("EVAC", "CHAIR"))


# ------------------------------------------------------------------- medical gases
@shape("valve_box")
def _valve_box(b, w, d, h, c):
    """The zone valve box: a white box behind a glass door, three gauges over three valve
    levers colour-coded (oxygen, air, vacuum), a red MEDICAL GAS band across the top."""
    back = -d / 2
    front = d / 2 - 0.015
    b.box(-w / 2, back, 0, w / 2, front, h, (0.93, 0.93, 0.91, 1.0))
    band = h * 0.78
    b.box(-w / 2, front, band, w / 2, front + 0.006, h, SIGN_RED)
    cap = min((h - band) * 0.55, w * 0.85 / text_width("MEDICAL GAS", 1.0))
    block_text(b, "MEDICAL GAS", 0.0, front + 0.0065, band + (h - band - cap) / 2, cap, WHITE)
    # the door: a frame and glass; what is behind it drawn just in front (glass drawn opaque)
    b.box(-w / 2 + 0.01, front, 0.01, w / 2 - 0.01, front + 0.012, band - 0.01, STEEL)
    b.box(-w / 2 + 0.03, front + 0.012, 0.03, w / 2 - 0.03, front + 0.013, band - 0.03, GLASS)
    g = front + 0.013
    for k, (ring, tag) in enumerate(((O2_GREEN, "O2"), (AIR_YELLOW, "AIR"), ((0.95, 0.95, 0.95, 1.0), "VAC"))):
        x = -w / 3 + k * w / 3
        gr = min(w / 9, h * 0.12)
        gz = band * 0.66
        b.cylinder(x, g, gz, gr, 0.004, ring, 14, axis="y")
        b.cylinder(x, g + 0.004, gz, gr * 0.82, 0.002, WHITE, 14, axis="y")
        _zigzag(b, x - gr * 0.1, x + gr * 0.6, g + 0.0065, gz, gr * 0.5, BLACK, [(0, 0), (1, 1)], 0.004)
        b.box(x - gr * 1.1, g, band * 0.25, x + gr * 1.1, g + 0.012, band * 0.33, ring)  # valve lever
        b.box(x - gr * 0.9, g, band * 0.06, x + gr * 0.9, g + 0.002, band * 0.18, ring)
        tcap = min(band * 0.09, gr * 1.6 / text_width(tag, 1.0))
        block_text(b, tag, x, g + 0.0025, band * 0.12 - tcap / 2 + 0.002, tcap, BLACK)
    b.box(w / 2 - 0.06, front + 0.012, band * 0.4, w / 2 - 0.045, front + 0.03, band * 0.6, CHARCOAL)  # pull


# ------------------------------------------------------------------- the patient room
@shape("monitor")
def _monitor(b, w, d, h, c):
    """A bedside monitor on its wall arm: dark housing, a screen with ECG, SpO2 and pressure
    traces and their numbers, a handle on top."""
    back = -d / 2
    b.box(-0.05, back, h * 0.2, 0.05, back + 0.02, h * 0.6, CHARCOAL)  # wall plate
    b.box(-0.03, back + 0.02, h * 0.32, 0.03, back + d * 0.45, h * 0.42, STEEL)  # arm
    y0 = back + d * 0.45
    b.box(-w / 2, y0, 0.0, w / 2, d / 2 - 0.01, h * 0.9, c)  # housing
    b.cbox(0, y0 + d * 0.2, h * 0.9, w * 0.5, 0.03, h * 0.08, c)  # handle
    f = d / 2 - 0.01
    sx0, sx1, sz0, sz1 = -w * 0.44, w * 0.44, h * 0.08, h * 0.84
    b.box(sx0, f, sz0, sx1, f + 0.003, sz1, SCREEN_BLACK)
    y = f + 0.0035
    split = sx0 + (sx1 - sx0) * 0.66
    ecg = [(0, 0), (0.1, 0), (0.13, 1), (0.16, -0.7), (0.19, 0), (0.43, 0), (0.46, 1), (0.49, -0.7), (0.52, 0),
           (0.76, 0), (0.79, 1), (0.82, -0.7), (0.85, 0), (1, 0)]
    span = sz1 - sz0
    _zigzag(b, sx0 + 0.01, split - 0.01, y, sz0 + span * 0.75, span * 0.14, TRACE_GREEN, ecg, 0.005)
    wave = [(k / 12, math.sin(k / 12 * 6 * math.pi) * 0.8) for k in range(13)]
    _zigzag(b, sx0 + 0.01, split - 0.01, y, sz0 + span * 0.45, span * 0.1, TRACE_CYAN, wave, 0.005)
    _zigzag(b, sx0 + 0.01, split - 0.01, y, sz0 + span * 0.17, span * 0.08, TRACE_YELLOW,
            [(k / 8, (1 if k % 2 else -0.6)) for k in range(9)], 0.005)
    for k, col in enumerate((TRACE_GREEN, TRACE_CYAN, TRACE_YELLOW)):  # the numbers, as blocks
        zc = sz0 + span * (0.75 - 0.29 * k)
        b.box(split + 0.012, y, zc - span * 0.09, sx1 - 0.015, y + 0.001, zc + span * 0.09, col)
        b.box(split + 0.022, y + 0.001, zc - span * 0.05, sx1 - 0.025, y + 0.002, zc + span * 0.05, SCREEN_BLACK)


@shape("iv_pole")
def _iv_pole(b, w, d, h, c):
    """An IV pole: a five-legged base on casters, the pole, an infusion pump with its screen,
    the hook bar with a fluid bag and its line down to the pump."""
    r = min(w, d) / 2 - 0.03
    for k in range(5):
        a = 2 * math.pi * k / 5 + math.pi / 2
        ex, ey = r * math.cos(a), r * math.sin(a)
        nx, ny = -math.sin(a) * 0.015, math.cos(a) * 0.015
        # a leg from the centre out: across it (-n), along it, up (a right-handed frame)
        hexa(b, [(px + sx * nx, py + sx * ny, z) for z in (0.065, 0.085) for px, py in ((0.0, 0.0), (ex, ey))
                 for sx in (1, -1)], STEEL)
        b.cbox(ex * 0.95, ey * 0.95, 0.0, 0.024, 0.05, 0.06, BLACK, skip=("top",))
    b.cylinder(0, 0, 0.06, 0.04, 0.05, STEEL, 8)
    b.cylinder(0, 0, 0.1, 0.014, h - 0.12, STEEL, 8)
    # the pump, clamped to the pole, facing the front
    pw, pd, ph = min(0.22, w * 0.5), 0.14, 0.24
    pz = h * 0.45
    b.cbox(0, 0.02 + pd / 2, pz, pw, pd, ph, c)
    f = 0.02 + pd
    b.box(-pw * 0.4, f, pz + ph * 0.55, pw * 0.4, f + 0.003, pz + ph * 0.9, SCREEN_BLACK)
    block_text(b, "2", -pw * 0.2, f + 0.0035, pz + ph * 0.62, ph * 0.2, TRACE_GREEN)
    b.box(pw * 0.05, f + 0.003, pz + ph * 0.64, pw * 0.35, f + 0.004, pz + ph * 0.68, TRACE_GREEN)
    b.box(-pw * 0.3, f, pz + ph * 0.1, pw * 0.2, f + 0.004, pz + ph * 0.45, LIGHT)  # keypad
    b.box(pw * 0.3, f, pz + ph * 0.1, pw * 0.42, f + 0.008, pz + ph * 0.45, hex_rgba("#43a047"))
    # the hook bar with a bag of fluid hanging from it, the line down to the pump
    b.cbox(0, 0, h - 0.02, 0.36, 0.016, 0.016, STEEL)
    for sx in (-1, 1):
        b.cbox(sx * 0.17, 0, h - 0.06, 0.01, 0.01, 0.05, STEEL)
    bag = (0.88, 0.93, 0.96, 1.0)
    bz1 = h - 0.07
    b.box(0.11, -0.03, bz1 - 0.24, 0.23, 0.03, bz1, bag)
    b.box(0.14, 0.0305, bz1 - 0.2, 0.2, 0.031, bz1 - 0.08, hex_rgba("#1976d2"))  # its label
    b.cbox(0.17, 0, bz1 - 0.3, 0.02, 0.02, 0.06, bag)  # drip chamber
    b.box(0.165, -0.004, pz + ph, 0.175, 0.004, bz1 - 0.3, (0.8, 0.85, 0.88, 1.0))  # the line


@shape("overbed_table")
def _overbed_table(b, w, d, h, c):
    """An overbed table: a top over the bed, one telescopic column at its end, an H base on
    casters that slides under the bed."""
    cx = -w / 2 + 0.07
    for sy in (-1, 1):
        y = sy * (d / 2 - 0.04)
        b.box(-w / 2 + 0.02, y - 0.02, 0.06, w * 0.3, y + 0.02, 0.09, CHARCOAL)  # runners
        for x in (-w / 2 + 0.05, w * 0.3 - 0.03):
            _caster(b, x, y, 0.03)
    b.box(cx - 0.025, -d / 2 + 0.04, 0.06, cx + 0.025, d / 2 - 0.04, 0.09, CHARCOAL)
    b.cbox(cx, 0, 0.09, 0.07, 0.05, h * 0.5, LIGHT)  # column, outer
    b.cbox(cx, 0, 0.09 + h * 0.5, 0.05, 0.035, h * 0.5 - 0.13, STEEL)  # and inner
    b.cbox(0, 0, h - 0.06, w * 0.98, d * 0.6, 0.03, CHARCOAL)  # the arm under the top
    b.cbox(0, 0, h - 0.035, w, d, 0.028, c)
    b.cbox(0, 0, h - 0.007, w - 0.03, d - 0.03, 0.007, shade(c, 1.15))  # the surface
    b.box(-w / 2, d / 2 - 0.012, h - 0.035, w / 2, d / 2, h, shade(c, 0.8))  # raised lip


@shape("bed")
def _bed(b, w, d, h, c):
    """A hospital bed: base on casters with lift columns, a frame with the mattress, sheet,
    blanket (the type's colour) and pillow, head and foot boards, split side rails (open
    frames), and its headwall behind the head (outlets for oxygen, air and suction, power,
    nurse call, and a light above)."""
    for sx in (-1, 1):
        for sy in (-1, 1):
            _caster(b, sx * w * 0.36, sy * d * 0.4, 0.05)
    b.cbox(0, 0, 0.13, w * 0.62, d * 0.84, 0.06, CHARCOAL)  # base
    deck = h * 0.55
    for sy in (-1, 1):
        b.cbox(0, sy * d * 0.22, 0.19, 0.14, 0.14, deck - 0.26, STEEL)  # lift columns
    b.cbox(0, 0, deck - 0.07, w * 0.88, d * 0.92, 0.07, LIGHT)  # frame
    mat = hex_rgba("#dfe7ec")
    b.cbox(0, 0.02, deck, w * 0.84, d * 0.86, 0.15, mat)  # mattress
    top = deck + 0.15
    sheet = (0.97, 0.97, 0.96, 1.0)
    b.cbox(0, -d * 0.29, top, w * 0.86, d * 0.28, 0.008, sheet)
    b.cbox(0, d * 0.14, top, w * 0.88, d * 0.58, 0.03, c)  # blanket
    fold = d * 0.14 - d * 0.29  # the blanket's turned-down edge
    b.box(-w * 0.44, fold, top - 0.1, w * 0.44, fold + 0.08, top + 0.034, shade(c, 1.2))
    b.cbox(0, -d * 0.36, top + 0.008, w * 0.6, min(0.3, d * 0.2), 0.1, WHITE)  # pillow
    board = hex_rgba("#c9b79c")
    b.box(-w / 2, -d / 2, 0.3, w / 2, -d / 2 + 0.05, h, board)  # headboard
    b.box(-w / 2, d / 2 - 0.05, 0.3, w / 2, d / 2, top + 0.18, board)  # footboard
    b.box(-w * 0.2, d / 2, top - 0.05, w * 0.2, d / 2 + 0.012, top + 0.1, CHARCOAL)  # its control panel
    rail = (0.88, 0.89, 0.9, 1.0)
    for sx in (-1, 1):  # split side rails: open frames, head and foot
        x0, x1 = sorted((sx * (w / 2 - 0.01), sx * (w / 2 + 0.02)))
        for ya, yb in ((-d * 0.43, -d * 0.1), (-d * 0.04, d * 0.3)):
            z0, z1 = top - 0.05, top + 0.24
            b.box(x0, ya, z1 - 0.04, x1, yb, z1, rail)
            b.box(x0, ya, z0 + 0.1, x1, yb, z0 + 0.13, rail, skip=("top",))
            b.box(x0, (ya + yb) / 2 - 0.02, z0, x1, (ya + yb) / 2 + 0.02, z1 - 0.04, rail, skip=("top",))
    # the headwall: a panel on the wall behind the head, its services facing the room (+y)
    hy0, hy1 = -d / 2 - 0.04, -d / 2 - 0.015
    hw = w / 2 + 0.5
    hz0, hz1 = 1.05, 1.6
    b.box(-hw, hy0, hz0, hw, hy1, hz1, hex_rgba("#e6e1d6"))
    b.box(-hw, hy0, hz1, hw, hy1 + 0.03, hz1 + 0.06, hex_rgba("#d5cec0"))  # the light's housing
    b.box(-hw + 0.02, hy1 + 0.03, hz1 + 0.005, hw - 0.02, hy1 + 0.031, hz1 + 0.055, (1.0, 0.98, 0.88, 1.0))
    f = hy1
    for col, x in ((O2_GREEN, -w / 2 - 0.1), (AIR_YELLOW, -w / 2 - 0.25), (WHITE, -w / 2 - 0.4)):
        b.box(x - 0.05, f, 1.3, x + 0.05, f + 0.01, 1.42, col)  # gas outlets: coloured plates
        b.box(x - 0.02, f + 0.01, 1.34, x + 0.02, f + 0.025, 1.38, LIGHT, skip=("top",))  # their sockets
    for x in (w / 2 + 0.12, w / 2 + 0.32):  # power sockets
        b.box(x - 0.07, f, 1.15, x + 0.07, f + 0.008, 1.23, WHITE)
        for dx in (-0.03, 0.03):
            xa, xb = x + dx - 0.012, x + dx + 0.012
            b.quad((xb, f + 0.0085, 1.175), (xa, f + 0.0085, 1.175), (xa, f + 0.0085, 1.205), (xb, f + 0.0085, 1.205),
                   CHARCOAL)
    b.box(w / 2 + 0.08, f, 1.32, w / 2 + 0.22, f + 0.012, 1.45, hex_rgba("#546e7a"))  # nurse call
    b.box(w / 2 + 0.1, f + 0.012, 1.4, w / 2 + 0.2, f + 0.014, 1.43, hex_rgba("#e53935"))


@shape("chair")
def _chair(b, w, d, h, c):
    """An upholstered chair with arms: a cushioned seat, a back leaning back, padded arms on
    side frames, legs or a base."""
    seat = min(0.48, h * 0.5)
    frame = CHARCOAL
    for sx in (-1, 1):
        for sy in (-1, 1):
            b.cbox(sx * (w / 2 - 0.06), sy * (d / 2 - 0.07), 0.0, 0.035, 0.035, seat - 0.08, frame)
    b.cbox(0, 0.02, seat - 0.1, w * 0.86, d * 0.86, 0.04, frame)
    b.cbox(0, 0.04, seat - 0.06, w * 0.8, d * 0.8, 0.1, c)  # the cushion
    b.cbox(0, 0.04 + d * 0.4 - 0.01, seat - 0.06, w * 0.8, 0.02, 0.09, shade(c, 0.85))  # its front seam
    _tilted(b, -w * 0.42, w * 0.42, -d / 2 + 0.02, seat, -d / 2 - 0.02 + 0.02, h, 0.09, shade(c, 0.92))  # back
    for sx in (-1, 1):
        x = sx * (w / 2 - 0.045)
        b.cbox(x, -0.02, seat, 0.05, d * 0.8, 0.2, frame)
        b.cbox(x, -0.02, seat + 0.2, 0.09, d * 0.8, 0.04, shade(c, 0.7))  # arm pad


# ------------------------------------------------------------------- the headwall's services
@shape("flowmeter")
def _flowmeter(b, w, d, h, c):
    """A gas outlet (a plate in the gas's colour, a chrome socket) with a flowmeter plugged
    in: a chrome body, a clear tube with its float, the control knob in the gas's colour."""
    back = -d / 2
    b.box(-w / 2, back, 0.0, w / 2, back + 0.01, h * 0.5, c)  # the outlet's plate
    b.cylinder(0, back + 0.01, h * 0.25, min(w, h) * 0.22, 0.012, LIGHT, 8, axis="y")  # socket
    y0, y1 = back + 0.022, min(d / 2, back + 0.07)
    b.box(-w * 0.22, y0, h * 0.2, w * 0.22, y1, h * 0.92, STEEL)  # flowmeter body
    b.box(-w * 0.11, y1, h * 0.38, w * 0.11, y1 + 0.004, h * 0.86, GLASS)  # tube
    b.box(-w * 0.07, y1 + 0.004, h * 0.55, w * 0.07, y1 + 0.006, h * 0.6, BLACK)  # float
    b.cylinder(0, (y0 + y1) / 2, h * 0.92, min(w * 0.18, (y1 - y0) / 2), h * 0.08, c, 8)  # knob
    b.cbox(0, (y0 + y1) / 2, h * 0.05, 0.014, 0.014, h * 0.15, STEEL)  # outlet nipple


@shape("suction")
def _suction(b, w, d, h, c):
    """A vacuum outlet with its regulator (a round gauge, a knob) and a clear collection
    canister with a blue lid below it."""
    back = -d / 2
    b.box(-w / 2, back, h * 0.45, w / 2, back + 0.01, h, c)  # the outlet's plate
    y0 = back + 0.01
    b.box(-w * 0.3, y0, h * 0.6, w * 0.3, y0 + 0.05, h * 0.95, LIGHT)  # regulator
    gr = min(w * 0.26, h * 0.14)
    b.cylinder(0, y0 + 0.05, h * 0.8, gr, 0.008, BLACK, 10, axis="y")  # gauge rim
    b.cylinder(0, y0 + 0.058, h * 0.8, gr * 0.85, 0.003, WHITE, 10, axis="y")  # its face
    _zigzag(b, -gr * 0.1, gr * 0.6, y0 + 0.0615, h * 0.8, gr * 0.5, SIGN_RED, [(0, 0), (1, 1)], 0.003)
    b.box(w * 0.3, y0 + 0.015, h * 0.68, w * 0.38, y0 + 0.035, h * 0.76, BLACK)  # knob
    r = min(w * 0.32, (d - 0.03) / 2)
    cy = back + 0.015 + r
    b.box(-0.01, back, h * 0.05, 0.01, cy, h * 0.4, STEEL)  # the canister's bracket
    b.cylinder(0, cy, 0.0, r, h * 0.47, (0.86, 0.92, 0.94, 1.0), 8)  # canister
    b.cylinder(0, cy, h * 0.47, r * 1.05, h * 0.05, hex_rgba("#1e88e5"), 8)  # its lid
    b.box(-0.004, cy - 0.004, h * 0.52, 0.004, cy + 0.004, h * 0.62, (0.8, 0.85, 0.88, 1.0))  # tubing


@shape("call_button")
def _call_button(b, w, d, h, c):
    """An emergency call button: a white plate, a big round button in the type's colour, CODE
    above it."""
    back = -d / 2
    b.box(-w / 2, back, 0.0, w / 2, back + 0.012, h, WHITE)
    r = min(w, h) * 0.3
    b.cylinder(0, back + 0.012, h * 0.42, r, min(0.02, d - 0.015), c, 10, axis="y")
    cap = min(h * 0.14, w * 0.8 / text_width("CODE", 1.0))
    block_text(b, "CODE", 0.0, back + 0.0125, h * 0.78, cap, c)
