"""User text shown safely: characters that can forge a line, move a terminal's cursor or
reorder what is displayed are found and escaped.

Unsafe characters (:data:`UNSAFE`): the C0 controls (tab, newline and carriage return
included), DEL, the C1 controls; the bidirectional marks, embeddings, overrides and isolates
(U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069); the line and paragraph separators
(U+2028, U+2029); and lone surrogates (undecodable bytes of a command line). :func:`escape`
shows each as ``\\n``, ``\\t``, ``\\r``, ``\\xNN`` (controls) or ``U+NNNN`` (the others).
"""

from __future__ import annotations

import re

#: Bidirectional formatting characters: ALM, LRM, RLM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI.
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: Every character :func:`escape` replaces.
UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI}\u2028\u2029\ud800-\udfff]")
#: The unsafe characters that free text (descriptions, narration) may hold: tab and newline.
FREE_TEXT_ALLOWED = "\t\n"
#: Characters XML 1.0 forbids that :func:`escape` leaves alone (noncharacters).
_XML_FORBIDDEN = re.compile("[\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def shown(ch: str) -> str:
    """How one unsafe character is shown: ``\\n``, ``\\x1b`` or ``U+202E``."""
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"U+{code:04X}"


def escape(text: str) -> str:
    """``text`` with every unsafe character replaced by its :func:`shown` form. The result
    holds no control, bidi or separator character, so it prints as one inert line."""
    return UNSAFE.sub(lambda m: shown(m.group()), str(text))


def unsafe_in(text: str, allowed: str = "") -> list[tuple[int, str]]:
    """``(index, character)`` of each unsafe character in ``text`` (0-based), less ``allowed``."""
    return [(m.start(), m.group()) for m in UNSAFE.finditer(text) if m.group() not in allowed]


def xml_text(text: str) -> str:
    """``text`` for XML character data or a quoted attribute: unsafe characters escaped,
    the noncharacters XML 1.0 forbids dropped, and ``& < > " '`` as entities."""
    from html import escape as entities

    return entities(_XML_FORBIDDEN.sub("", escape(text)), quote=True)
