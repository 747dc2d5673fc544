"""Checks of the text a ward shows people: ids, names and labels hold no control or
bidirectional-override character (they would forge lines in terminal output, reorder what a
sign or map shows, or make the map invalid XML). Free text (descriptions) may hold tabs and
newlines."""

from __future__ import annotations

from collections.abc import Iterator

from wardtwin.layout.checks import Sourced, register
from wardtwin.layout.findings import Finding
from wardtwin.layout.model import Layout, Source
from wardtwin.layout.plan import Plan
from wardtwin.safetext import FREE_TEXT_ALLOWED, UNSAFE, shown, unsafe_in

#: Keys whose values are free text (tabs and newlines allowed).
FREE_TEXT_KEYS = frozenset({"description", "text", "explanation", "hint", "question"})


def unsafe_text_finding(src: Source, key: str, value: object, what: str) -> Finding | None:
    """An ``unsafe-character`` finding for ``value`` (written at ``src``'s ``key``), or None
    when it is clean. ``what`` names the value in the message (e.g. ``room 101 name``)."""
    if not isinstance(value, str):
        return None
    bad = unsafe_in(value, FREE_TEXT_ALLOWED if key in FREE_TEXT_KEYS else "")
    if not bad:
        return None
    line, col = src.at(key)
    chars = ", ".join(dict.fromkeys(shown(c) for _, c in bad))
    excerpt = value if len(value) <= 60 else value[:57] + "..."
    allowed = "printable characters, tabs and newlines" if key in FREE_TEXT_KEYS else "printable characters only"
    return Finding.make("unsafe-character", src.file, line, col,
                        f"{what}: {chars} found at character {bad[0][0] + 1} of {excerpt!r}; {allowed} expected "
                        "(no control or bidirectional-override characters)" + src.note(key))


#: ``(key, what)`` of the texts of each kind of object, in the order they are checked.
_WARD_KEYS = tuple((k, f"ward `{k}`") for k in ("id", "name", "entrance", "description"))
_ROOM_KEYS = tuple((k, f"room `{k}`") for k in ("id", "name", "number"))
_ITEM_KEYS = tuple((k, f"item `{k}`") for k in ("id", "type", "room", "label", "asset_tag"))
_TYPE_KEYS = tuple((k, f"equipment type `{k}`") for k in ("id", "name", "description"))


def _texts(lay: Layout) -> Iterator[tuple[Sourced, str, object, str]]:
    """``(object, key, value, what)`` for every id, name and label of a layout."""
    w = lay.ward
    for key, what in _WARD_KEYS:
        yield w, key, getattr(w, key), what
    for r in lay.rooms:
        for key, what in _ROOM_KEYS:
            yield r, key, getattr(r, key), what
    for d in lay.doors:
        yield d, "id", d.id, "door `id`"
    for it in lay.items:
        for key, what in _ITEM_KEYS:
            yield it, key, getattr(it, key), what
    for tid in lay.ward_type_ids:
        t = lay.catalog.get(tid)
        if t is not None:
            for key, what in _TYPE_KEYS:
                yield t, key, getattr(t, key), what


@register("text-characters")
def text_characters(plan: Plan) -> Iterator[Finding]:
    texts = list(_texts(plan.layout))
    # one search over all the texts first: almost every ward has no unsafe character at all
    # (the pattern matches single characters, so none can span the joining space)
    if not UNSAFE.search(" ".join([v for _, _, v, _ in texts if isinstance(v, str)])):
        return
    for obj, key, value, what in texts:
        f = unsafe_text_finding(obj.src, key, value, what)
        if f is not None:
            yield f
