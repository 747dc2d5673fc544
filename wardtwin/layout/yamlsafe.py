"""Reading YAML from users safely, keeping the line of every value.

:func:`read_yaml` returns plain Python data (``LMap`` / ``LList`` are ``dict`` / ``list`` that
also know where each of their values was written) or the findings that explain why the file
could not be read. It refuses what makes YAML dangerous to load: files over a size limit,
bytes that are not UTF-8, anchors and aliases (alias bombs), non-standard tags, and absurd
nesting.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from wardtwin.layout.findings import Finding

#: Largest file read, bytes. A 5,000-item inventory is about 1 MB.
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Deepest nesting of sequences/mappings accepted.
MAX_DEPTH = 32
#: Most YAML nodes accepted in one file.
MAX_NODES = 2_000_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp")}


class Loc(tuple):
    """A 1-based ``(line, column)``."""

    __slots__ = ()

    def __new__(cls, line: int, column: int):
        return super().__new__(cls, (line, column))

    line = property(lambda self: self[0])
    column = property(lambda self: self[1])


class LMap(dict):
    """A YAML mapping: a ``dict`` that also records the position of the mapping
    (``loc``), of each key (``key_locs``) and of each value (``value_locs``)."""

    loc: Loc
    key_locs: dict
    value_locs: dict

    def at(self, key) -> Loc:
        """Where the value of ``key`` was written (the mapping's own position if absent)."""
        return self.value_locs.get(key, self.loc)


class LList(list):
    """A YAML sequence: a ``list`` that records its position and its items' (``item_locs``)."""

    loc: Loc
    item_locs: list

    def at(self, i: int) -> Loc:
        return self.item_locs[i] if 0 <= i < len(self.item_locs) else self.loc


def _loc(mark) -> Loc:
    return Loc(mark.line + 1, mark.column + 1)


class _Refused(Exception):
    def __init__(self, code: str, loc: Loc, message: str):
        self.code, self.loc, self.message = code, loc, message


def read_yaml(path: Path, display: str | None = None) -> tuple[object | None, list[Finding]]:
    """Read one YAML document.

    Returns ``(data, [])`` or ``(None, findings)``; ``display`` is the file name used in
    findings (default: ``path`` as given). Never raises for bad content.
    """
    name = display if display is not None else str(path)
    path = Path(path)

    def fail(code: str, line: int, col: int, message: str):
        return None, [Finding.make(code, name, line, col, message)]

    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return fail("file-missing", 0, 0, f"{path.name} not found")
    if size > MAX_FILE_BYTES:
        return fail(
            "file-too-large", 0, 0,
            f"{path.name} is {size / 1048576:.1f} MiB; at most {MAX_FILE_BYTES // 1048576} MiB is read",
        )
    raw = path.read_bytes()
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


def parse_yaml(text: str, name: str = "<string>") -> tuple[object | None, list[Finding]]:
    """Parse YAML text (see :func:`read_yaml`)."""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):
            # nesting is checked on the event stream, before composing: the C composer recurses
            # and a deep enough document would crash the process instead of raising
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return None, [Finding.make("yaml-too-deep", name, *_loc(event.start_mark),
                                               f"nesting deeper than {MAX_DEPTH} levels")]
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                return None, [Finding.make(
                    "yaml-alias", name, *_loc(event.start_mark),
                    f"alias *{event.anchor} repeats an anchored value; anchors and aliases are not "
                    "allowed (they make alias bombs possible), write the value out instead",
                )]
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (_loc(mark) if mark else (0, 0))
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{what} ({exc.context})"
        return None, [Finding.make("yaml-syntax", name, line, col, what)]
    except yaml.reader.ReaderError as exc:  # a control character: position is a character index
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        return None, [Finding.make("yaml-syntax", name, line, col,
                                   f"character #x{exc.character:04x} is not allowed in YAML; "
                                   "remove it or write it as an escape in a quoted string")]
    except yaml.YAMLError as exc:
        return None, [Finding.make("yaml-syntax", name, 0, 0, str(exc).splitlines()[0])]
    except RecursionError:
        return None, [Finding.make("yaml-too-deep", name, 0, 0, f"nesting deeper than {MAX_DEPTH} levels")]
    nodes = [n for n in nodes if n is not None]
    if len(nodes) > 1:
        return None, [Finding.make(
            "yaml-syntax", name, *_loc(nodes[1].start_mark),
            "a second YAML document ('---'); one document per file expected",
        )]
    if not nodes:
        return None, [Finding.make("yaml-syntax", name, 1, 1, "the file is empty; a mapping with `kind:` expected")]
    builder = _Builder()
    try:
        data = builder.build(nodes[0], 0)
        return data, [Finding.make(c, name, loc.line, loc.column, m) for c, loc, m in builder.findings]
    except _Refused as r:
        return None, [Finding.make(r.code, name, r.loc.line, r.loc.column, r.message)]
    except RecursionError:
        return None, [Finding.make("yaml-too-deep", name, 0, 0, f"nesting deeper than {MAX_DEPTH} levels")]


class _Builder:
    """Turns a composed node graph into LMap/LList/scalars, refusing aliases and odd tags."""

    def __init__(self):
        self.seen: set[int] = set()
        self.findings: list[tuple[str, Loc, str]] = []
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def build(self, node, depth: int):
        here = _loc(node.start_mark)
        if id(node) in self.seen:
            raise _Refused("yaml-alias", here, "an alias (*name) repeats an anchored node; write the value out instead")
        self.seen.add(id(node))
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused("yaml-too-deep", here, f"more than {MAX_NODES} values in one file")
        if depth > MAX_DEPTH:
            raise _Refused("yaml-too-deep", here, f"nesting deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.MappingNode):
            if node.tag not in (_STD + "map",):
                raise _Refused("yaml-tag", here, f"tag {node.tag!r} is not allowed on a mapping")
            out = LMap()
            out.loc, out.key_locs, out.value_locs = here, {}, {}
            for knode, vnode in node.value:
                if knode.tag == _STD + "merge":
                    raise _Refused("yaml-alias", _loc(knode.start_mark), "merge keys (<<) are not allowed")
                key = self.build(knode, depth + 1)
                if isinstance(key, (dict, list)):
                    raise _Refused("wrong-type", _loc(knode.start_mark), "a mapping key must be a plain value")
                kloc = _loc(knode.start_mark)
                if key in out:
                    first = out.key_locs[key]
                    self.findings.append((
                        "duplicate-key", kloc,
                        f"key {key!r} appears twice in one mapping (first on line {first.line}); "
                        "the second is ignored",
                    ))
                    continue
                out[key] = self.build(vnode, depth + 1)
                out.key_locs[key] = kloc
                out.value_locs[key] = _loc(vnode.start_mark)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _STD + "seq":
                raise _Refused("yaml-tag", here, f"tag {node.tag!r} is not allowed on a sequence")
            out = LList(self.build(v, depth + 1) for v in node.value)
            out.loc, out.item_locs = here, [_loc(v.start_mark) for v in node.value]
            return out
        if node.tag not in _SCALAR_TAGS:
            raise _Refused("yaml-tag", here, f"tag {node.tag!r} is not allowed; plain values only")
        if node.tag == _STD + "timestamp":
            return node.value  # a date is text to wardtwin
        try:
            return self.constructor.construct_object(node)
        except (ValueError, OverflowError):  # e.g. an integer of thousands of digits
            raise _Refused("wrong-type", here, f"{node.value[:20]!r}... is not a number wardtwin can read") from None
