"""The standard fit-out of patient rooms: equipment types found in most of them.

A map or a scene labels such items once (a legend, a short label range) instead of in every
room, so that the one-off safety items stand out."""

from __future__ import annotations

from wardtwin.layout.model import Layout


def fitout_types(lay: Layout) -> set[str]:
    """Types that are part of the standard fit-out of patient rooms: found in at least half of
    them (and in at least 4), counting an ensuite or anteroom as part of the patient room it
    opens into. The map lists them in the legend instead of labelling every one."""
    patient = {r.id for r in lay.rooms if r.kind in ("patient_room", "isolation_room")}
    if len(patient) < 4:
        return set()
    owner = {}
    for d in lay.doors:
        a, b = d.between
        for room, other in ((a, b), (b, a)):
            r = lay.room_by_id.get(other)
            if room in patient and r is not None and r.kind in ("ensuite", "toilet", "shower", "anteroom"):
                owner[other] = room
    rooms_with: dict[str, set[str]] = {}
    for it in lay.items:
        rooms_with.setdefault(it.type, set()).add(owner.get(it.room, it.room))
    return {tid for tid, rooms in rooms_with.items() if len(rooms & patient) >= max(4, len(patient) / 2)}
