"""The identity of a ward version: a stable hash of its normalised content.

Normalised: what the ward *is*, not how its files are written. Comments, key order, quoting,
number spelling (``1`` vs ``1.0``), flow or block style, the order of rooms, doors, items and
ward catalog types in the files, and the corner a room's outline starts from (or its direction)
make no difference; modules count as what they expand to
(the hash is taken of the loaded :class:`~wardtwin.layout.model.Layout`). Lengths are rounded
to 1e-6 m and angles to 1e-6 degrees first, so a value that loads differently only in its last
bits keeps the id. The shipped catalog is not part of a ward's identity; the ward's own
``catalog.yaml`` types are.

The id is 16 hex digits (the first 64 bits of a SHA-256), as recorded in the session store's
``layout_hash`` column.
"""

from __future__ import annotations

import hashlib
import json

from wardtwin.gcpause import gc_paused
from wardtwin.layout.model import Layout

#: Version of the normalisation: part of what is hashed, so a change of the rules changes every id.
SCHEME = 2
#: Decimal places lengths (m) and angles (degrees) are rounded to before hashing.
PLACES = 6


def _num(v) -> float | None:
    if v is None:
        return None
    r = round(float(v), PLACES)
    return 0.0 if r == 0 else r  # -0.0 and 0.0 are one value


def _pt(p) -> list:
    return [_num(p[0]), _num(p[1])]


def canonical_ring(points) -> list[tuple[float, float]]:
    """A polygon outline as one sequence, whichever corner it was written from and whichever
    way round: no closing repeat, counter-clockwise, starting at its lowest-x (then lowest-y)
    corner. (A module placed and turned writes the same room from another corner.)"""
    pts = [(float(p[0]), float(p[1])) for p in points]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) < 3:
        return pts
    twice_area = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(pts, pts[1:] + pts[:1]))
    if twice_area < 0:
        pts.reverse()
    keys = [(round(x, PLACES), round(y, PLACES)) for x, y in pts]
    k = keys.index(min(keys))  # the first lowest corner
    return pts[k:] + pts[:k]


def _ring(points) -> list[list[float]]:
    """:func:`canonical_ring` with each coordinate as :func:`_num` gives it (a ring's
    coordinates are never None): the coordinates rounded once, for finding the lowest corner
    and for the result alike."""
    pts = [(float(p[0]), float(p[1])) for p in points]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) >= 3 and sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(pts, pts[1:] + pts[:1])) < 0:
        pts.reverse()
    keys = [(round(x, PLACES), round(y, PLACES)) for x, y in pts]
    if len(keys) >= 3:
        k = keys.index(min(keys))  # the first lowest corner
        keys = keys[k:] + keys[:k]
    return [[rx if rx else 0.0, ry if ry else 0.0] for rx, ry in keys]  # -0.0 and 0.0 are one value


def normalised(layout: Layout) -> dict:
    """The ward's content as plain JSON-ready data, sorted by id, numbers rounded."""
    w = layout.ward
    types = []
    for tid in sorted(layout.ward_type_ids):
        t = layout.catalog[tid]
        types.append({"id": t.id, "name": t.name, "category": t.category, "footprint": _pt(t.footprint),
                      "height": _num(t.height), "mount": t.mount, "elevation": _num(t.elevation),
                      "safety_critical": bool(t.safety_critical), "description": t.description,
                      "draw": [t.draw.shape, t.draw.color, t.draw.model]})
    out = {
        "scheme": SCHEME,
        "ward": {"id": w.id, "name": w.name, "entrance": w.entrance, "wall_thickness": _num(w.wall_thickness),
                 "ceiling_height": _num(w.ceiling_height), "description": w.description},
        "rooms": [{"id": r.id, "name": r.name, "kind": r.kind, "number": r.number,
                   "polygon": _ring(r.polygon), "ceiling_height": _num(r.ceiling_height),
                   **_v2(area=_num(r.area), open_to=r.open_to, lift=r.lift)}
                  for r in sorted(layout.rooms, key=lambda r: r.id)],
        "doors": [{"id": d.id, "between": list(d.between), "at": _pt(d.at), "width": _num(d.width), "type": d.type,
                   "exit": bool(d.exit),
                   **_v2(hinge=d.hinge, swing=d.swing, leaves=_pt(d.leaves) if d.leaves else None,
                         fire_rating=d.fire_rating, smoke=d.smoke or None, hold_open=d.hold_open or None,
                         bed_route=d.bed_route)}
                  for d in sorted(layout.doors, key=lambda d: d.id)],
        "items": [{"id": i.id, "type": i.type, "room": i.room, "at": _pt(i.at), "rotation": _num(i.rotation),
                   "mount": i.mount, "elevation": _num(i.elevation), "label": i.label, "asset_tag": i.asset_tag}
                  for i in sorted(layout.items, key=lambda i: i.id)],
        "types": types,
    }
    if layout.windows:  # version 2
        out["windows"] = [{"id": x.id, "room": x.room, "at": _pt(x.at), "width": _num(x.width), "sill": _num(x.sill),
                           "head": _num(x.head)} for x in sorted(layout.windows, key=lambda x: x.id)]
    return out


def _v2(**fields) -> dict:
    """Version 2's fields that are given: a ward that uses none keeps the id it had before them."""
    return {k: v for k, v in fields.items() if v is not None}


@gc_paused
def ward_version(layout: Layout) -> str:
    """The ward version id: 16 hex digits of SHA-256 over :func:`normalised` content as
    compact, key-sorted JSON. Made with the cyclic collector paused (it makes tens of
    thousands of small lists and dicts and no cycles: ``check`` prints it after a large
    ward's model, and the collector would scan those objects again and again)."""
    got = layout.__dict__.get(_REMEMBERED)
    if got is None:
        text = json.dumps(normalised(layout), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        got = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        remember_version(layout, got)
    return got


#: Where a layout keeps its version once made (a layout does not change).
_REMEMBERED = "_ward_version"


def remember_version(layout: Layout, version: str) -> None:
    """Keep ``version`` (:func:`ward_version`'s, made elsewhere: by a worker) with ``layout``."""
    layout.__dict__[_REMEMBERED] = version
