"""Findings: what validation says about a user's files.

Every finding has a stable ``code`` from :data:`CODES` (tools may rely on it), a severity, the
file and line it points at, and a message that names the object, the value found and what was
expected.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from wardtwin.errors import UnknownNameError
from wardtwin.safetext import escape


class Severity(enum.Enum):
    """How bad a finding is. ``fatal``: the file could not be read at all (exit 2);
    ``error``: the layout cannot be used (exit 1); ``warning``/``info``: worth a look."""

    FATAL = "fatal"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def blocks(self) -> bool:
        """True when a finding of this severity makes the layout unusable."""
        return self in (Severity.FATAL, Severity.ERROR)


F, E, W, I = Severity.FATAL, Severity.ERROR, Severity.WARNING, Severity.INFO

#: code -> (severity, one-line summary). Codes are stable: never rename, only add.
CODES: dict[str, tuple[Severity, str]] = {
    # reading files
    "file-missing": (F, "a required file of the ward folder does not exist"),
    "file-too-large": (F, "the file is larger than the size limit"),
    "file-unreadable": (F, "not a readable regular file: a folder, a pipe, a device, a symlink loop, no permission"),
    "file-outside-ward": (F, "a ward file (or a folder it is in) is a link that leads outside the ward folder"),
    "not-utf8": (F, "the file contains bytes that are not UTF-8"),
    "yaml-syntax": (F, "the file is not valid YAML"),
    "yaml-alias": (F, "YAML anchors/aliases are not allowed (they enable alias bombs)"),
    "yaml-tag": (F, "a YAML tag other than the standard scalar/sequence/mapping tags"),
    "yaml-too-deep": (F, "the YAML nests deeper or has more nodes than the limit"),
    "wrong-kind": (F, "the file's `kind` is not the one its name requires"),
    "unsupported-version": (F, "the file's `version` is not one this wardtwin reads"),
    # structure and values
    "duplicate-key": (E, "a mapping has the same key twice"),
    "unknown-key": (E, "a key that this file kind does not have"),
    "missing-key": (E, "a required key is missing"),
    "wrong-type": (E, "a value of the wrong type"),
    "bad-unit": (E, "a quantity with a unit that does not fit (e.g. a length in kg)"),
    "out-of-range": (E, "a number outside the range allowed"),
    "unknown-value": (E, "a value that is not in the allowed vocabulary"),
    "duplicate-id": (E, "two objects share an id"),
    "unsafe-character": (E, "an id, name or label holds a control or bidirectional-override character"),
    "asset-path-escapes": (F, "a model path leads outside the assets folder"),
    "asset-missing": (E, "a model file named by the catalog does not exist"),
    "asset-unreadable": (E, "a model file named by the catalog is not a readable model of its format"),
    # modules (version 2)
    "module-missing": (E, "a placement names a module that no module file defines"),
    "module-cycle": (E, "modules place each other in a circle (or nest too deep)"),
    "bad-id-pattern": (E, "an id pattern cannot be filled: an unknown field, a bad format or no valid id"),
    "unknown-override": (E, "a placement's `set` or `omit` names an object the placement does not make"),
    # rooms and doors
    "invalid-polygon": (E, "a room polygon is degenerate or self-intersecting"),
    "room-too-large": (E, "a room is larger than 500 m on a side (not a plausible ward room)"),
    "rooms-overlap": (E, "two rooms cover the same floor"),
    "rooms-gap": (W, "two rooms nearly touch: their walls will not be shared"),
    "unknown-room": (E, "a reference to a room id that does not exist"),
    "unknown-entrance": (E, "the ward's entrance is not a room of the floor plan"),
    "door-not-on-shared-wall": (E, "a door is not on a wall its two rooms share (or an exterior wall)"),
    "door-wider-than-wall": (E, "a door is wider than the wall it is in"),
    "door-past-wall-end": (E, "a door opening runs past the end of its wall"),
    "doors-overlap": (E, "two door openings overlap on one wall"),
    "door-too-narrow": (E, "a door is narrower than its rule pack's clear width (US: 0.81 m, 32 in)"),
    "bed-door-narrow": (W, "a door a bed passes is narrower than its rule pack's bed door width (US: 41.5 in)"),
    "door-to-itself": (E, "a door names the same room on both sides"),
    "corridor-narrow": (W, "a corridor is narrower than its rule pack's clear width somewhere (US: 2.44 m, 8 ft)"),
    "room-unreachable": (E, "a room cannot be reached on foot from the ward entrance"),
    "item-unreachable": (E, "a safety-critical item cannot be reached on foot from the ward entrance"),
    "too-few-exits": (W, "the ward has fewer than two exits"),
    # building fabric (version 2): windows, door leaves, lifts, shafts, alcoves, net areas
    "window-not-exterior": (E, "a window is not on an exterior wall of its room (an interior wall, or no wall at all)"),
    "window-past-wall-end": (E, "a window runs past the end of its exterior wall"),
    "window-overlap": (E, "a window overlaps a door or another window on the same wall"),
    "window-height": (E, "a window's head is not above its sill, or reaches above the room's ceiling"),
    "door-key-not-for-type": (E, "a door key its type has no use for: a hinge on a sliding door, leaves on a swing door"),
    "leaf-widths": (E, "a leaf-and-a-half door's leaves are missing, or the main leaf is not the larger, or they do not make up its width"),
    "leaf-sweeps-corridor": (W, "a door leaf swings into a corridor's required clear width"),
    "room-key-not-for-kind": (E, "a room key its kind has no use for: `open_to` on a room that is not an alcove, `lift` on one that is not a lift"),
    "alcove-not-open": (E, "an alcove has no open edge: it names no room it is open to, or shares no wall with it"),
    "lift-not-to-lobby": (W, "a lift's door opens somewhere other than a lift lobby or corridor"),
    "area-mismatch": (W, "a room's net area (inside the wall faces) differs from its intended `area`"),
    # equipment
    "unknown-equipment-type": (E, "an item's type is not in the catalog"),
    "equipment-outside-room": (E, "an item's centre is not inside its room"),
    "equipment-in-wall": (E, "an item's footprint crosses a wall"),
    "equipment-overlap": (E, "two floor items occupy the same floor"),
    "equipment-stacked": (E, "two wall or ceiling items of the same type occupy the same place"),
    "equipment-not-on-wall": (W, "a wall-mounted item is not against a wall"),
    "equipment-blocks-door": (W, "an item stands in a door opening or its clearance"),
    "equipment-above-ceiling": (W, "an item reaches above the room's ceiling"),
    # rule packs (assets/rules/*.yaml, a hospital's own, ward.yaml `rules`): a finding's message
    # ends with [rule: source]; its severity is the pack's (the one here is the default)
    "unknown-rule": (E, "a rule pack or `rule_overrides` names a rule wardtwin does not know"),
    "extinguisher-too-far": (W, "a point of the ward is farther than the pack's walk from a fire extinguisher"),
    "exit-too-far": (W, "a point of the ward is farther than the pack's walk from an exit"),
    "exits-not-remote": (W, "the ward's exits are closer together than the pack's share of its diagonal"),
    "alarm-box-not-at-exit": (W, "an exit door has no manual fire alarm box within the pack's distance"),
    "alarm-box-too-far": (W, "a point of the ward is farther than the pack's walk from a manual fire alarm box"),
    "crash-cart-too-far": (W, "a bed is farther than the pack's walking time from a crash cart"),
    "aed-too-far": (W, "a bed is farther than the pack's walking time from an AED"),
    "hand-rub-not-at-entry": (W, "a patient-room entry has no hand-rub dispenser within the pack's distance"),
    "room-equipment-missing": (W, "a room lacks equipment its kind must hold under the pack"),
    "isolation-without-anteroom": (W, "an isolation room opens straight onto a room that is not an anteroom"),
    "dead-end-too-long": (W, "a dead-end corridor is longer than the pack's limit"),
    "bed-clearance-short": (W, "a bed's side or foot is closer to a wall than the pack's clearance"),
    "no-turning-space": (W, "a room of a kind the pack lists has no free floor for its turning circle"),
    "room-too-small": (W, "a room's net floor area is under the pack's minimum for its kind"),
    "room-cut-off": (W, "floor equipment cuts part of a room's floor off from the rest of the room"),
    "equipment-access-blocked": (W, "a floor item stands in the clear floor in front of emergency equipment"),
    # tours
    "unknown-step-type": (E, "a tour step's `type` is not a registered step type"),
    "tour-wrong-ward": (E, "the tour is written for another ward"),
    "unknown-place": (E, "a tour names a room, door or item that the ward does not have"),
    "unknown-item-type": (E, "a tour names an equipment type that is not in the catalog"),
    "conflicting-keys": (E, "keys that exclude each other are given together"),
    "not-an-exit": (E, "a route step leads to a door that is not an exit"),
    "place-outside-ward": (E, "a tour names a point x,y that is outside every room of the ward"),
    "tour-too-slow": (E, "at the tour's comfort max_speed, walking the tour takes longer than an hour"),
    "target-unreachable": (E, "a tour step's target cannot be reached on foot from where the step starts"),
    "step-never-succeeds": (E, "a tour step can never succeed (nothing to find, no right answer, too little time)"),
    "hint-after-limit": (W, "a hint would be shown after the step's time limit or its reveal"),
    "audio-missing": (W, "an audio file named by a say step does not exist next to the tour file"),
}


def severity_of(code: str) -> Severity:
    """The severity of a finding code; unknown codes raise an error listing the valid ones."""
    try:
        return CODES[code][0]
    except KeyError:
        raise UnknownNameError("finding code", code, CODES) from None


@dataclass(frozen=True)
class Finding:
    """One problem in a user's files.

    ``file`` is the path as the user gave it (relative where possible); ``line`` and
    ``column`` are 1-based, 0 when unknown (e.g. a missing file).
    """

    code: str
    severity: Severity
    file: str
    line: int
    column: int
    message: str

    @classmethod
    def make(cls, code: str, file: str, line: int, column: int, message: str) -> "Finding":
        """A finding of ``code``'s severity; control and bidi characters in ``file`` and
        ``message`` (user text echoed) are escaped (see :mod:`wardtwin.safetext`)."""
        return cls(code, severity_of(code), escape(file), line, column, escape(message))

    @property
    def where(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file

    def format(self) -> str:
        """``file:line:col: severity [code] message`` — the format of compilers and linters; one
        line whatever the file name and message hold (see :func:`wardtwin.safetext.escape`)."""
        return escape(f"{self.where}: {self.severity.value} [{self.code}] {self.message}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["severity"] = self.severity.value
        return d


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in file, line, column order (stable for equal positions)."""
    return sorted(findings, key=lambda f: (f.file, f.line, f.column))


def exit_code(findings: Iterable[Finding]) -> int:
    """0: usable (warnings allowed); 1: findings of error severity; 2: unusable input."""
    sev = {f.severity for f in findings}
    if Severity.FATAL in sev:
        return 2
    if Severity.ERROR in sev:
        return 1
    return 0


def findings_json(ward: str, findings: Iterable[Finding]) -> str:
    """A JSON report: ``{"ward", "ok", "counts", "findings": [...]}``."""
    fs = sort_findings(findings)
    counts = {s.value: sum(1 for f in fs if f.severity is s) for s in Severity}
    return json.dumps(
        {"ward": ward, "ok": exit_code(fs) == 0, "counts": counts, "findings": [f.to_dict() for f in fs]},
        indent=2,
    )
