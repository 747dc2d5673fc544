"""Reading YAML from users safely, keeping the line of every value.

:func:`read_yaml` returns plain Python data (``LMap`` / ``LList`` are ``dict`` / ``list`` that
also know where each of their values was written) or the findings that explain why the file
could not be read. It refuses what makes YAML dangerous to load: anything but a regular file
(see :mod:`wardtwin.exchange.reading`), files over a size limit,
bytes that are not UTF-8, anchors and aliases (alias bombs), non-standard tags, and absurd
nesting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from wardtwin.errors import InputFileError
from wardtwin.exchange.reading import read_bounded
from wardtwin.layout.findings import Finding

#: Largest file read, bytes. A 5,000-item inventory is about 1 MB.
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Deepest nesting of sequences/mappings accepted.
MAX_DEPTH = 32
#: Most YAML nodes accepted in one file.
MAX_NODES = 2_000_000

#: reason of an :class:`InputFileError` -> finding code
_READ_CODES = {"missing": "file-missing", "too-large": "file-too-large", "not-a-file": "file-unreadable",
               "unreadable": "file-unreadable", "outside": "file-outside-ward"}

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_new_tuple = tuple.__new__  # Loc without a Python-level call: the loader makes one per value
_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp")}


class Loc(tuple[int, int]):
    """A 1-based ``(line, column)``."""

    __slots__ = ()

    def __new__(cls, line: int, column: int) -> Loc:
        return _new_tuple(cls, (line, column))

    @property
    def line(self) -> int:
        return self[0]

    @property
    def column(self) -> int:
        return self[1]


class LMap(dict[Any, Any]):
    """A YAML mapping: a ``dict`` that also records the position of the mapping
    (``loc``), of each key (``key_locs``) and of each value (``value_locs``)."""

    loc: Loc
    key_locs: dict[Any, Loc]
    value_locs: dict[Any, Loc]

    def at(self, key: Any) -> Loc:
        """Where the value of ``key`` was written (the mapping's own position if absent)."""
        return self.value_locs.get(key, self.loc)


class LList(list[Any]):
    """A YAML sequence: a ``list`` that records its position and its items' (``item_locs``)."""

    loc: Loc
    item_locs: list[Loc]

    def at(self, i: int) -> Loc:
        return self.item_locs[i] if 0 <= i < len(self.item_locs) else self.loc


def _loc(mark: Any) -> Loc:
    """The position of a parser's mark (PyYAML's or libyaml's ``Mark``)."""
    return _new_tuple(Loc, (mark.line + 1, mark.column + 1))


class _Refused(Exception):
    def __init__(self, code: str, loc: Loc, message: str):
        self.code, self.loc, self.message = code, loc, message


def read_yaml(path: Path, display: str | None = None,
              within: Path | None = None) -> tuple[object | None, list[Finding]]:
    """Read one YAML document.

    Returns ``(data, findings)``: ``data`` is None when the file could not be read (the
    findings say why); otherwise findings hold only what did not stop reading (a duplicate
    key). ``display`` is the file name used in findings (default: ``path``); ``within``: a
    folder the file must resolve into (a ward's files stay in the ward folder). Reads only a
    regular file of at most :data:`MAX_FILE_BYTES`. Never raises for bad content.
    """
    name = display if display is not None else str(path)
    path = Path(path)

    def fail(code: str, line: int, col: int, message: str) -> tuple[None, list[Finding]]:
        return None, [Finding.make(code, name, line, col, message)]

    try:
        raw = read_bounded(path, MAX_FILE_BYTES, name=path.name, within=within)
    except InputFileError as exc:
        return fail(_READ_CODES[exc.reason], 0, 0, f"{path.name} {exc.detail}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return fail(
            "not-utf8", line, col,
            f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8; save the file as UTF-8",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse_yaml(text, name)


def _too_deep_flow(text: str) -> Loc | None:
    """Where flow collections (``[``/``{``) first nest deeper than :data:`MAX_DEPTH`, or None.

    A rough scan (quoted text and comments skipped), used only when the parser has failed: a
    parser may refuse deep nesting itself (libyaml does, with its own limit and message, while
    reading ahead), and the finding must then still say the file nests too deeply."""
    depth = 0
    quote = ""
    line, start = 1, 0
    prev = "\n"
    for i, ch in enumerate(text):
        if ch == "\n":
            line, start = line + 1, i + 1
            if quote == "#":
                quote = ""
        elif quote == "#":
            pass
        elif quote:
            if ch == quote and not (quote == '"' and prev == "\\"):
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and prev in " \t\n":
            quote = "#"
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return Loc(line, i - start + 1)
        elif ch in "]}":
            depth = max(0, depth - 1)
        prev = ch
    return None


def parse_yaml(text: str, name: str = "<string>") -> tuple[object | None, list[Finding]]:
    """Parse YAML text (see :func:`read_yaml`)."""
    builder = _EventBuilder()
    try:
        data = builder.run(_events(text))
    except _Refused as r:
        return None, [Finding.make(r.code, name, r.loc.line, r.loc.column, r.message)]
    except yaml.YAMLError as exc:
        deep = _too_deep_flow(text)
        if deep is not None:
            return None, [Finding.make("yaml-too-deep", name, deep.line, deep.column,
                                       f"nesting deeper than {MAX_DEPTH} levels")]
        return _syntax_finding(exc, text, name)
    if builder.documents == 0:
        return None, [Finding.make("yaml-syntax", name, 1, 1, "the file is empty; a mapping with `kind:` expected")]
    return data, [Finding.make(c, name, loc.line, loc.column, m) for c, loc, m in builder.findings]


def _syntax_finding(exc: yaml.YAMLError, text: str, name: str) -> tuple[None, list[Finding]]:
    """The ``yaml-syntax`` finding for a parser error, at its position."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (_loc(mark) if mark else (0, 0))
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{what} ({exc.context})"
        return None, [Finding.make("yaml-syntax", name, line, col, _short(what))]
    if isinstance(exc, yaml.reader.ReaderError):  # a control character: position is a character index
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        return None, [Finding.make("yaml-syntax", name, line, col,
                                   f"character #x{exc.character:04x} is not allowed in YAML; "
                                   "remove it or write it as an escape in a quoted string")]
    return None, [Finding.make("yaml-syntax", name, 0, 0, _short((str(exc).splitlines() or ["invalid YAML"])[0]))]


def _short(message: str, limit: int = 200) -> str:
    """A parser's message cut to ``limit`` characters: it may quote the file."""
    return message if len(message) <= limit else message[:limit] + "..."


class _EventBuilder:
    """Builds LMap/LList/scalars straight from the parser's events, in one pass and without
    recursion (a composer would recurse, and libyaml's crashes on deep nesting). Refuses
    aliases, non-standard tags, more than one document, and absurd depth or size."""

    _KINDS = {yaml.MappingStartEvent: _STD + "map", yaml.SequenceStartEvent: _STD + "seq"}

    def __init__(self) -> None:
        self.findings: list[tuple[str, Loc, str]] = []
        self.documents = 0
        self.loader = yaml.SafeLoader("")  # for its resolver and scalar constructors
        #: plain scalars the resolver called text (it decides from the value alone): a room
        #: kind such as ``office`` is resolved once, not once per room
        self.texts: set[str] = set()

    def _scalar(self, ev: Any) -> Any:
        """The value of a scalar event (PyYAML's or libyaml's ``ScalarEvent``)."""
        if ev.tag is None:  # fast paths for text, which the resolver would call a string anyway
            value = ev.value
            if not ev.implicit[0] or (value and value[0] not in _RESOLVED_FIRST):
                return value  # quoted, or plain text whose first character starts no other type
        here = _loc(ev.start_mark)
        tag = ev.tag if ev.tag not in (None, "!") else (
            _STD + "str" if ev.tag == "!" else
            self.loader.resolve(yaml.ScalarNode, ev.value, ev.implicit))  # type: ignore[no-untyped-call]
        if tag == _STD + "merge":
            raise _Refused("yaml-alias", here, "merge keys (<<) are not allowed; write the keys out instead")
        if tag not in _SCALAR_TAGS:
            raise _Refused("yaml-tag", here, f"tag {tag!r} is not allowed; plain values only")
        if tag == _STD + "str" and ev.tag is None and ev.implicit[0]:
            self.texts.add(ev.value)
        if tag == _STD + "timestamp":
            return ev.value  # a date is text to wardtwin
        value = ev.value
        # fast paths for the common forms; anything unusual goes to PyYAML's constructors
        if tag == _STD + "str":
            return value
        if tag == _STD + "int" and _PLAIN_INT.match(value) and len(value) < 19:
            return int(value)
        if tag == _STD + "float" and _PLAIN_FLOAT.match(value):
            return float(value)
        if tag == _STD + "bool" and value in ("true", "false"):
            return value == "true"
        if tag == _STD + "null" and value in ("", "~", "null"):
            return None
        node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)
        try:
            return self.loader.construct_object(node)
        except (ValueError, OverflowError):  # e.g. an integer of thousands of digits
            raise _Refused("wrong-type", here, f"{ev.value[:20]!r}... is not a number wardtwin can read") from None

    def run(self, events: Iterable[Any]) -> Any:
        """The document built from ``events`` (the hot loop of loading a ward: kept flat; the
        events are told apart by their class, which the type checker does not follow)."""
        stack: list[Any] = []  # open containers; a mapping waits for its key in ``pending``
        pending: list[Any] = []
        root: Any = None
        count = 0
        box: LMap | LList | None
        findings = self.findings
        scalar_event, end_events, kinds = yaml.ScalarEvent, (yaml.MappingEndEvent, yaml.SequenceEndEvent), self._KINDS
        no_key, first_typed, scalar, new_loc = _NO_KEY, _RESOLVED_FIRST, self._scalar, _new_tuple
        fast_num = _DECIMAL.match
        texts = self.texts

        for ev in events:
            kind = type(ev)
            if kind is scalar_event:
                count += 1
                m = ev.start_mark
                loc = new_loc(Loc, (m.line + 1, m.column + 1))
                value = ev.value
                if ev.tag is not None or (ev.implicit[0] and (not value or value[0] in first_typed)):
                    num = fast_num(value) if ev.tag is None else None
                    if num is not None:  # a plain decimal number, as PyYAML would read it
                        value = float(value) if num.group(1) else int(value)
                    elif value in texts and ev.tag is None:  # plain text met before: stays text
                        pass
                    else:
                        value = scalar(ev)  # anything else but plain text: typed, or refused
                box = None
            elif kind in kinds:
                m = ev.start_mark
                loc = new_loc(Loc, (m.line + 1, m.column + 1))
                count += 1
                if ev.tag not in (None, kinds[kind]):
                    raise _Refused("yaml-tag", loc, f"tag {ev.tag!r} is not allowed here")
                if len(stack) >= MAX_DEPTH:
                    raise _Refused("yaml-too-deep", loc, f"nesting deeper than {MAX_DEPTH} levels")
                if kind is yaml.MappingStartEvent:
                    box = value = LMap()
                    box.loc, box.key_locs, box.value_locs = loc, {}, {}
                else:
                    box = value = LList()
                    box.loc, box.item_locs = loc, []
            elif kind in end_events:
                stack.pop()
                pending.pop()
                continue
            elif kind is yaml.AliasEvent:
                raise _Refused("yaml-alias", _loc(ev.start_mark),
                               f"alias *{ev.anchor} repeats an anchored value; anchors and aliases are not "
                               "allowed (they make alias bombs possible), write the value out instead")
            else:
                if kind is yaml.DocumentStartEvent:
                    self.documents += 1
                    if self.documents > 1:
                        raise _Refused("yaml-syntax", _loc(ev.start_mark),
                                       "a second YAML document ('---'); one document per file expected")
                continue
            if count > MAX_NODES:
                raise _Refused("yaml-too-deep", loc, f"more than {MAX_NODES} values in one file")
            # attach the value (a container is attached first and filled in place)
            if not stack:
                root = value
            else:
                top = stack[-1]
                key = pending[-1]
                if type(top) is LList:
                    top.append(value)
                    top.item_locs.append(loc)
                elif key is no_key:
                    if box is not None:
                        raise _Refused("wrong-type", loc, "a mapping key must be a plain value")
                    pending[-1] = (value, loc)
                else:
                    key, kloc = key
                    pending[-1] = no_key
                    if key in top:
                        findings.append(("duplicate-key", kloc, f"key {key!r} appears twice in one mapping "
                                         f"(first on line {top.key_locs[key].line}); the second is ignored"))
                    else:
                        top[key] = value
                        top.key_locs[key] = kloc
                        top.value_locs[key] = loc
            if box is not None:
                stack.append(box)
                pending.append(no_key)
        return root


def _events(text: str) -> Iterator[yaml.Event]:
    """The parser's events for ``text`` (libyaml's when PyYAML has it), without PyYAML's
    generator around them."""
    loader = _Loader(text)
    try:
        get = loader.get_event
        while True:
            ev = get()
            if ev is None:
                return
            yield ev
            if type(ev) is yaml.StreamEndEvent:
                return
    finally:
        loader.dispose()


_NO_KEY = object()
#: Plain decimal numbers PyYAML reads as int (no fraction) or float (a fraction of digits): the
#: forms layouts are written in; other forms (exponents, underscores, 0x...) go to PyYAML.
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,17})(\.[0-9]+)?\Z")
#: First characters of plain scalars that PyYAML's resolver may give a type other than text
#: (YAML 1.1 booleans, numbers, nulls, timestamps, merge and value keys).
_RESOLVED_FIRST = frozenset("yYnNtTfFoO-+0123456789.<~=")
_PLAIN_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_PLAIN_FLOAT = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")
