"""A ward's finishes and colours (``finishes:`` in ward.yaml): the floor's sheet vinyl, the
wall paint, the ceiling tiles, the skirting, doors and frames, handrails, and the accent
(wayfinding) colour of the corridors' wall protection. Every key is optional; what a ward
leaves out keeps the default look (:data:`DEFAULTS`, and the floor colour of each room
kind, see ``wardtwin.scene.geometry.FLOOR_FINISH``).

Colours are ``'#rrggbb'`` (sRGB). The schema here is checked like the rest of ward.yaml
(``file:line:column`` findings for an unknown key, a malformed colour, an unknown room kind).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wardtwin.layout import schema as _schema
from wardtwin.layout import vocab
from wardtwin.layout.schema import Color, Field, Obj

#: What each key colours, and its default ('#rrggbb').
KEYS = {
    "floor": ("sheet vinyl floor of every room (default: a colour per room kind)", None),
    "wall": ("wall paint", "#e6e3db"),
    "ceiling": ("ceiling tiles", "#f4f4f1"),
    "skirting": ("coved skirting along the foot of the walls", "#7c776d"),
    "door": ("door leaves", "#b08a5a"),
    "door_frame": ("door frames", "#8d99a6"),
    "handrail": ("corridor handrails", "#d9d4ca"),
    "accent": ("wayfinding accent: the corridors' wall protection (crash rail)", "#3c7da8"),
}
DEFAULTS = {k: v for k, (_, v) in KEYS.items() if v is not None}

FLOORS = Obj("floors", [Field(kind, Color(f"floor of every {kind.replace('_', ' ')}")) for kind in vocab.ROOM_KINDS],
             "floor colour per room kind (overrides `floor` for that kind)")

FINISHES = Obj("finishes", [Field(k, Color(doc)) for k, (doc, _) in KEYS.items()]
               + [Field("floors", FLOORS)],
               "the ward's finishes and colours, '#rrggbb' each (all optional)")


@dataclass(frozen=True)
class Finishes:
    """The colours a ward sets (``'#rrggbb'``; None: the default look's). ``floors``: room
    kind -> floor colour."""

    floor: str | None = None
    wall: str | None = None
    ceiling: str | None = None
    skirting: str | None = None
    door: str | None = None
    door_frame: str | None = None
    handrail: str | None = None
    accent: str | None = None
    floors: dict[str, str] = field(default_factory=dict, compare=True, hash=False)

    def colour(self, key: str) -> str:
        """The colour of ``key`` (one of :data:`DEFAULTS`' keys): the ward's or the default."""
        return getattr(self, key) or DEFAULTS[key]

    def floor_of(self, kind: str, default: str) -> str:
        """The floor colour of a room of ``kind``: per kind, else the ward's floor, else ``default``."""
        return self.floors.get(kind) or self.floor or default

    def key(self) -> tuple[object, ...]:
        """A hashable summary (for caches)."""
        return tuple(getattr(self, k) for k in KEYS) + tuple(sorted(self.floors.items()))


def finishes_of(checked: object) -> Finishes | None:
    """The :class:`Finishes` of a checked ``finishes`` mapping (None: none given or invalid)."""
    if not isinstance(checked, dict):
        return None
    floors = checked.get("floors")
    floors = {k: v for k, v in floors.items() if isinstance(v, str)} if isinstance(floors, dict) else {}
    return Finishes(**{k: checked.get(k) if isinstance(checked.get(k), str) else None for k in KEYS},
                    floors=floors)


def register(schemas: dict[str, Obj]) -> None:
    """Add ``finishes`` to the ward file's schema (any version: it changes only the look)."""
    schemas["ward"].fields.setdefault("finishes", Field("finishes", FINISHES))


register(_schema.SCHEMAS)
