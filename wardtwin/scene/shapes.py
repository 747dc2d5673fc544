"""Procedural low-poly shapes for equipment types, one builder per catalog ``shape``.

Each builder draws an item in its own frame: footprint centred on the origin, ``w`` along x,
``d`` along y, from z = 0 up to ``h`` (metres); the front faces +y, the back (against a wall
for wall-mounted items) is at -y. Shapes are stylised so that a bed reads as a bed and an
extinguisher as a red cylinder, at the true footprint and height.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from wardtwin.errors import UnknownNameError
from wardtwin.scene.mesh import Mesh, MeshBuilder, shade

WHITE = (0.94, 0.94, 0.93, 1.0)
STEEL = (0.62, 0.64, 0.66, 1.0)
DARK = (0.16, 0.17, 0.19, 1.0)
SCREEN = (0.10, 0.32, 0.42, 1.0)

ShapeFn = Callable[[MeshBuilder, float, float, float, tuple], None]
SHAPES: dict[str, ShapeFn] = {}


def shape(name: str):
    def deco(fn):
        SHAPES[name] = fn
        return fn
    return deco


#: The former look (``WARDTWIN_LOOK=plain``, the look before issue 18): the simple shape each
#: detailed one (:mod:`wardtwin.scene.equipment`) replaced; "bed" and "chair" are drawn as they
#: were (:data:`FORMER_SHAPES`).
FORMER = {
    "crash_cart": "cart", "extinguisher": "cylinder", "pull_station": "panel", "eyewash": "sink",
    "spill_kit": "cabinet", "dispenser": "panel", "ppe_station": "cabinet", "evac_chair": "cabinet",
    "valve_box": "cabinet", "monitor": "panel", "iv_pole": "pole", "overbed_table": "table",
    "flowmeter": "panel", "suction": "panel", "call_button": "panel",
}
FORMER_SHAPES: dict[str, ShapeFn] = {}


@lru_cache(maxsize=512)
def build_shape(name: str, w: float, d: float, h: float, rgba: tuple, former: bool = False) -> Mesh:
    """The mesh of shape ``name`` sized ``w`` x ``d`` x ``h`` m in ``rgba`` (cached: items of
    one type share it; treat the arrays as read-only). ``former``: as the former look drew it
    (:data:`FORMER`)."""
    if name not in SHAPES:
        raise UnknownNameError("shape", name, SHAPES)
    b = MeshBuilder()
    if former:
        name = FORMER.get(name, name)
        (FORMER_SHAPES.get(name) or SHAPES[name])(b, w, d, h, rgba)
    else:
        SHAPES[name](b, w, d, h, rgba)
    return b.build()


@shape("box")
def _box(b, w, d, h, c):
    b.cbox(0, 0, 0, w, d, h, c)


@shape("cabinet")
def _cabinet(b, w, d, h, c):
    b.cbox(0, 0, 0, w, d * 0.96, h, c)
    face = shade(c, 1.25)
    inset = min(0.03, w * 0.08)
    # a door panel on the front, with a handle
    b.box(-w / 2 + inset, d / 2 * 0.96, h * 0.06, w / 2 - inset, d / 2 * 0.96 + 0.012, h * 0.94, face)
    b.cbox(w / 2 - inset - 0.04, d / 2 + 0.02, h * 0.45, 0.02, 0.02, min(0.12, h * 0.3), DARK)


@shape("cart")
def _cart(b, w, d, h, c):
    wheel = min(0.12, h * 0.12)
    b.cbox(0, 0, wheel, w * 0.94, d * 0.94, h - wheel - 0.03, c)
    b.cbox(0, 0, h - 0.03, w, d, 0.03, shade(c, 0.7))  # top rim
    # drawer fronts
    n = 4
    span = (h - wheel - 0.08) / n
    for k in range(n):
        z = wheel + 0.03 + k * span
        b.box(-w * 0.42, d * 0.47, z + 0.01, w * 0.42, d * 0.47 + 0.012, z + span - 0.01, shade(c, 1.2))
        b.box(-w * 0.12, d * 0.47 + 0.012, z + span * 0.45, w * 0.12, d * 0.47 + 0.03, z + span * 0.55, DARK)
    for sx in (-1, 1):
        for sy in (-1, 1):
            b.cylinder(sx * (w / 2 - wheel), sy * (d / 2 - wheel), wheel / 2, wheel / 2, 0.03, DARK, 8, axis="x")
    b.box(-w * 0.45, -d / 2 - 0.04, h * 0.75, w * 0.45, -d / 2, h * 0.8, STEEL)  # push handle


def _former_bed(b, w, d, h, c):
    deck = h * 0.55
    b.cbox(0, 0, 0.12, w * 0.9, d * 0.9, deck - 0.12, STEEL)  # base
    for sx in (-1, 1):
        for sy in (-1, 1):
            b.cylinder(sx * w * 0.38, sy * d * 0.4, 0.06, 0.06, 0.04, DARK, 8, axis="x")
    b.cbox(0, 0.03, deck, w * 0.92, d * 0.86, 0.16, WHITE)  # mattress
    b.cbox(0, -d * 0.3, deck + 0.16, w * 0.55, 0.35, 0.08, shade(WHITE, 0.95))  # pillow
    b.cbox(0, 0.15, deck + 0.16, w * 0.9, d * 0.55, 0.02, c)  # blanket
    b.box(-w / 2, -d / 2, 0.12, w / 2, -d / 2 + 0.06, h, shade(c, 0.8))  # headboard (back)
    b.box(-w / 2, d / 2 - 0.06, 0.12, w / 2, d / 2, deck + 0.25, shade(c, 0.8))  # footboard
    for sx in (-1, 1):  # side rails
        b.box(sx * w / 2 - 0.02, -d * 0.35, deck + 0.05, sx * w / 2 + 0.02, d * 0.05, deck + 0.32, STEEL)


def _former_chair(b, w, d, h, c):
    seat = min(0.48, h * 0.5)
    b.cbox(0, 0.03, seat - 0.1, w * 0.9, d * 0.85, 0.12, c)
    b.box(-w * 0.45, -d / 2, seat, w * 0.45, -d / 2 + 0.12, h, shade(c, 0.85))  # back
    for sx in (-1, 1):
        x0 = w / 2 - 0.06 if sx > 0 else -w / 2
        b.box(x0, -d * 0.45, seat, x0 + 0.06, d * 0.4, seat + 0.2, shade(c, 0.7))  # arm
        for sy in (-1, 1):
            b.cbox(sx * w * 0.38, sy * d * 0.38, 0, 0.04, 0.04, seat - 0.1, DARK)


FORMER_SHAPES.update(bed=_former_bed, chair=_former_chair)


@shape("table")
def _table(b, w, d, h, c):
    b.cbox(0, 0, h - 0.04, w, d, 0.04, c)
    for sx in (-1, 1):
        for sy in (-1, 1):
            b.cbox(sx * (w / 2 - 0.05), sy * (d / 2 - 0.05), 0, 0.04, 0.04, h - 0.04, STEEL)


@shape("counter")
def _counter(b, w, d, h, c):
    b.cbox(0, -0.02, 0, w * 0.98, d * 0.9, h - 0.04, shade(c, 0.85))
    b.cbox(0, 0, h - 0.04, w, d, 0.04, c)
    b.cbox(0, d * 0.43 - 0.02, 0, w * 0.98, 0.02, 0.1, DARK)  # kick plate


@shape("panel")
def _panel(b, w, d, h, c):
    b.cbox(0, 0, 0, w, d * 0.6, h, shade(c, 0.9))
    b.cbox(0, d * 0.3, h * 0.1, w * 0.8, d * 0.4, h * 0.8, c)


@shape("pole")
def _pole(b, w, d, h, c):
    for k in range(2):  # a cross base on casters
        bw, bd = (w, 0.05) if k == 0 else (0.05, d)
        b.cbox(0, 0, 0.05, bw, bd, 0.04, DARK)
    b.cylinder(0, 0, 0.09, 0.015, h - 0.09, STEEL, 8)
    b.cbox(0, 0.05, h * 0.55, min(0.3, w * 0.6), min(0.22, d * 0.5), min(0.3, h * 0.2), c)  # device
    b.box(-0.1, 0.05 + min(0.22, d * 0.5) / 2, h * 0.6, 0.1, 0.06 + min(0.22, d * 0.5) / 2, h * 0.7, SCREEN)
    b.cbox(0, 0, h - 0.02, 0.3, 0.02, 0.02, STEEL)  # hook bar


@shape("cylinder")
def _cylinder(b, w, d, h, c):
    r = min(w, d) / 2
    b.cylinder(0, 0, 0, r * 0.85, h * 0.8, c, 14)
    b.cylinder(0, 0, h * 0.8, r * 0.35, h * 0.2, DARK, 8)  # valve, up to the full height
    b.cbox(r * 0.2, 0, h * 0.88, r * 1.4, 0.02, 0.03, DARK)  # handle
    b.cbox(-r * 0.6, r * 0.3, h * 0.3, 0.02, 0.02, h * 0.55, DARK)  # hose


@shape("sink")
def _sink(b, w, d, h, c):
    b.cbox(0, 0, 0, w, d, h * 0.7, c)
    b.cbox(0, d * 0.05, h * 0.7, w * 0.8, d * 0.7, 0.01, shade(c, 0.75))  # basin
    b.cylinder(0, -d * 0.35, h * 0.7, 0.02, h * 0.3, STEEL, 8)
    b.cbox(0, -d * 0.2, h * 0.95, 0.03, d * 0.3, 0.03, STEEL)


@shape("toilet")
def _toilet(b, w, d, h, c):
    b.cbox(0, -d / 2 + 0.1, 0.35, w, 0.2, h - 0.35, c)  # tank at the back
    b.cylinder(0, d * 0.1, 0, min(w, d) * 0.45, 0.4, c, 14)  # bowl
    b.cylinder(0, d * 0.1, 0.4, min(w, d) * 0.48, 0.02, shade(c, 0.85), 14)  # seat


# the detailed shapes (crash cart, extinguisher, bed, chair...) register themselves here
from wardtwin.scene import equipment  # noqa: E402,F401
