"""Rule packs: reading and checking a pack file, the shipped packs, and the pack a ward
chooses (``ward.yaml``: ``rules`` and ``rule_overrides``, version 2).

A pack is read like any user's file (:func:`wardtwin.layout.yamlsafe.read_yaml`: a regular
file, size-limited, no aliases or odd tags) and checked with its schema
(:data:`wardtwin.layout.ruleschema.PACK`), so a bad pack gets file:line findings. A hospital's
own pack is named by its path relative to the ward folder (``rules: ../standards/ours.yaml``)
and must resolve inside the folder that holds the ward folder (its hospital's folder), never
through a link leading elsewhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from wardtwin.errors import UnknownNameError, UsageError
from wardtwin.layout.findings import Finding, Severity
from wardtwin.layout.ruleschema import PACK, entry_schema
from wardtwin.layout.schema import INVALID, Ctx
from wardtwin.layout.units import describe, excerpt
from wardtwin.layout.yamlsafe import read_yaml
from wardtwin.rules.registry import BASE, OPTIONAL, RULES, STRUCTURED, Quantity

#: The pack a ward without ``rules:`` is checked against.
DEFAULT_PACK = "us"


@dataclass(frozen=True)
class Where:
    """Where a limit was written (a pack entry, or a ward's override)."""

    file: str
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class Limit:
    """One rule as a pack sets it. ``value`` in base units (m, s, m/s, a share), None for a
    rule without a number; ``written`` as the pack wrote it (``75 ft``)."""

    rule: str
    value: float | None
    written: str
    source: str
    severity: Severity
    params: Mapping = field(default_factory=dict)
    targets: tuple[str, ...] = ()
    note: str | None = None
    where: Where = Where("<memory>")

    @property
    def shown(self) -> str:
        """The limit for people: ``22.9 m (75 ft)``, ``60 s``, ``0.333``."""
        if self.value is None:
            return "required"
        q = RULES[self.rule].quantity
        base = f"{self.value:.3g}" if q is Quantity.RATIO else f"{self.value:.3g} {BASE[q]}"
        if q is Quantity.LENGTH:
            base = f"{self.value:.2f} m"
        written = self.written.replace(" ", "")
        return base if written in (base.replace(" ", ""), f"{self.value:g}{BASE[q]}") else f"{base} ({self.written})"


@dataclass(frozen=True)
class Pack:
    """A checked rule pack: ``limits`` by rule id, in the order the pack wrote them."""

    id: str
    name: str
    file: str
    limits: Mapping[str, Limit]
    description: str | None = None

    def get(self, rule: str) -> Limit | None:
        return self.limits.get(rule)


def packs_dir() -> Path:
    from wardtwin.layout.load import assets_dir

    return assets_dir() / "rules"


def shipped_packs() -> list[str]:
    """Names of the packs shipped in ``assets/rules/``."""
    d = packs_dir()
    return sorted(p.stem for p in d.glob("*.yaml")) if d.is_dir() else []


def _display(path: Path) -> str:
    from wardtwin.layout.load import display_path

    return display_path(path)


def _limit(rule: str, e, file: str, loc, severity_default: Severity) -> Limit:
    r = RULES[rule]
    lim = e.get("limit") if r.quantity is not Quantity.NONE else None
    value, written = (lim if lim not in (None, INVALID) else (None, ""))
    params = {}
    for name, _q in r.params:
        v = e.get(name)
        if v not in (None, INVALID):
            params[name] = v if name in STRUCTURED else (v[0] if isinstance(v, tuple) else v)
    sev = e.get("severity")
    targets = e.get("targets")
    return Limit(rule, value, written, e.get("source") or "", Severity(sev) if sev else severity_default,
                 params, tuple(targets) if targets not in (None, INVALID) else r.targets,
                 e.get("note") or None, Where(file, loc[0], loc[1]))


def _usable(rule: str, e) -> bool:
    r = RULES[rule]
    if not isinstance(e, dict) or e.get("source") is INVALID or e.get("severity") is INVALID:
        return False
    if r.quantity is not Quantity.NONE and e.get("limit") in (None, INVALID):
        return False
    return all(e.get(n) is not INVALID and (e.get(n) is not None or n in OPTIONAL) for n, _q in r.params)


@lru_cache(maxsize=16)
def _read_pack(path: str, name: str, stamp) -> tuple[Pack | None, tuple[Finding, ...]]:
    data, findings = read_yaml(Path(path), name)
    findings = list(findings)
    if data is None:
        return None, tuple(findings)
    if not isinstance(data, dict) or data.get("kind") != "rules":
        line, col = data.at("kind") if isinstance(data, dict) else (1, 1)
        found = describe(data) if not isinstance(data, dict) else (
            "no `kind`" if "kind" not in data else f"kind {excerpt(data.get('kind'))}")
        findings.append(Finding.make("wrong-kind", name, line, col, f"{found} found; a rule pack must say `kind: rules`"))
        return None, tuple(findings)
    ctx = Ctx(name)
    checked = PACK.check(data, ctx, data.loc, "rule pack")
    findings.extend(ctx.findings)
    rules = checked.get("rules")
    limits = {}
    if isinstance(rules, dict):
        for rid, e in rules.items():
            if _usable(rid, e):  # an entry with errors is left out: its rule does not run
                limits[rid] = _limit(rid, e, name, rules.value_locs[rid], Severity.WARNING)
    pid = checked.get("id") if checked.get("id") not in (None, INVALID) else Path(path).stem
    pname = checked.get("name") if checked.get("name") not in (None, INVALID) else pid
    return Pack(pid, pname, name, limits, checked.get("description") or None), tuple(findings)


def read_pack(path: str | os.PathLike, name: str | None = None,
              within: str | os.PathLike | None = None) -> tuple[Pack | None, list[Finding]]:
    """Read and check a pack file. ``(pack, findings)``: ``pack`` holds the entries that are
    usable (None when the file cannot be read at all); the findings say what is wrong, at
    file:line:column. ``within``: a folder the file must resolve into."""
    from wardtwin.errors import InputFileError
    from wardtwin.exchange.reading import resolve

    name = name or _display(Path(path))
    try:
        real = resolve(path, name, within)
        st = os.stat(real)
    except InputFileError as exc:
        code = {"missing": "file-missing", "outside": "file-outside-ward"}.get(exc.reason, "file-unreadable")
        return None, [Finding.make(code, name, 0, 0, f"rule pack {exc}")]
    except OSError as exc:
        return None, [Finding.make("file-unreadable", name, 0, 0, f"rule pack {name}: {exc.strerror or exc}")]
    pack, findings = _read_pack(str(real), name, (st.st_mtime_ns, st.st_size, st.st_ino))
    return pack, list(findings)


def shipped_pack(name: str) -> tuple[Pack | None, list[Finding]]:
    """A pack shipped with wardtwin, by name (``us``, ``ihfg``); unknown names raise
    :class:`UnknownNameError`."""
    path = packs_dir() / f"{name}.yaml"
    if name not in shipped_packs():
        raise UnknownNameError("rule pack", name, shipped_packs())
    return read_pack(path, within=packs_dir())


def find_pack(name: str, base: Path | None = None) -> tuple[Pack | None, list[Finding]]:
    """A shipped pack by name, or a pack file (a path; relative to ``base`` when given)."""
    if "/" not in name and "\\" not in name and not name.endswith((".yaml", ".yml")):
        return shipped_pack(name)
    path = (base / name) if base is not None and not os.path.isabs(name) else Path(name)
    if not os.path.lexists(path):
        raise UsageError(f"rule pack {name}: no such file" + (f" (read relative to {base})" if base else "")
                         + f"; a pack file or a shipped pack ({', '.join(shipped_packs())}) expected")
    return read_pack(path)


# ---- the pack a ward chooses


@dataclass(frozen=True)
class Choice:
    """The pack a ward is checked against, with its overrides applied, and every finding
    about the choice (the pack file's, and the overrides')."""

    pack: Pack | None
    findings: tuple[Finding, ...]

    def limit(self, rule: str) -> Limit | None:
        return self.pack.get(rule) if self.pack is not None else None


def _ward_keys(root: Path):
    """``(ward.yaml name, rules value and its loc, checked overrides)`` from a ward's
    ``ward.yaml`` (read again: the layout keeps no rule settings; problems with these keys
    were reported when the ward was loaded)."""
    from wardtwin.layout.schema import schema_for

    wpath = root / "ward.yaml"
    wname = _display(wpath)
    data, _f = read_yaml(wpath, wname, Path(os.path.realpath(root)))
    if not isinstance(data, dict) or data.get("version") == 1:
        return wname, None, (0, 0), None
    ctx = Ctx(wname)
    checked = schema_for("ward").check(data, ctx, data.loc, "ward")
    rules = checked.get("rules")
    return wname, (rules if rules is not INVALID else None), data.at("rules"), checked.get("rule_overrides")


def choose_pack(layout) -> Choice:
    """The pack ``layout``'s ward chooses (default :data:`DEFAULT_PACK`), overrides applied."""
    root = Path(layout.root)
    try:
        st = os.stat(root / "ward.yaml")
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        stamp = None
    return _choose(str(root), stamp, _display(root / "ward.yaml"))


def _choose(root_s: str, stamp, wname: str) -> Choice:
    root = Path(root_s)
    name, loc, overrides = DEFAULT_PACK, (0, 0), None
    if stamp is not None:
        wname, rules, loc, overrides = _ward_keys(root)
        name = rules or DEFAULT_PACK
    findings: list[Finding] = []
    if "/" not in name and "\\" not in name and not name.endswith((".yaml", ".yml")):
        if name not in shipped_packs():
            findings.append(Finding.make("unknown-value", wname, loc[0], loc[1],
                                         f"ward `rules`: {excerpt(name)} is not a shipped rule pack; one of "
                                         f"{', '.join(shipped_packs())}, or a pack file's path relative to the "
                                         "ward folder expected"))
            return Choice(None, tuple(findings))
        pack, pf = shipped_pack(name)
    else:  # a hospital's own pack, beside its wards: inside the ward folder's parent
        within = Path(os.path.realpath(root)).parent
        path = root / name
        pack, pf = read_pack(path, _display(path), within)
        for f in pf:
            if f.line == 0 and f.code in ("file-missing", "file-outside-ward", "file-unreadable"):
                pf = [Finding.make(f.code, wname, loc[0], loc[1], f.message + " (named by ward `rules`; a pack "
                                   "file inside the folder that holds the ward folder expected)")
                      if g is f else g for g in pf]
    findings.extend(pf)
    if pack is not None and isinstance(overrides, dict):
        limits = dict(pack.limits)
        for rid, e in overrides.items():
            if not isinstance(e, dict) or any(v is INVALID for v in e.values()):
                continue
            line, col = overrides.value_locs[rid]
            base = limits.get(rid)
            if base is None:  # a rule the pack does not set: the override must be whole
                ctx = Ctx(wname)
                entry_schema(rid).check(e, ctx, overrides.value_locs[rid], f"rule {rid}")
                if ctx.findings:
                    findings.extend(Finding.make(f.code, f.file, f.line, f.column, f.message + f" (rule {rid} is not "
                                                 f"in pack {pack.id}, so its override needs every key)")
                                    for f in ctx.findings)
                    continue
                limits[rid] = _limit(rid, e, wname, (line, col), Severity.WARNING)
                continue
            new = _limit(rid, {**_entry_of(base), **{k: v for k, v in e.items() if v is not None}},
                         wname, (line, col), base.severity)
            if e.get("source") is None:
                new = _replace(new, source=f"{base.source}; overridden in {wname}:{line}")
            limits[rid] = new
        pack = Pack(pack.id, pack.name, pack.file, limits, pack.description)
    return Choice(pack, tuple(findings))


def _entry_of(lim: Limit) -> dict:
    d = {"limit": (lim.value, lim.written) if lim.value is not None else None, "source": lim.source,
         "severity": lim.severity.value, "targets": lim.targets, "note": lim.note}
    for k, v in lim.params.items():
        d[k] = v if k in STRUCTURED else (v, f"{v:g}")
    return d


def _replace(lim: Limit, **changes) -> Limit:
    from dataclasses import replace

    return replace(lim, **changes)


def rule_finding(lim: Limit, file: str, line: int, column: int, message: str, code: str | None = None) -> Finding:
    """A finding of rule ``lim`` at its pack's severity, its message ending with the limit's
    source (user text escaped, as :meth:`Finding.make`)."""
    from wardtwin.safetext import escape

    code = code or RULES[lim.rule].code
    return Finding(code, lim.severity, escape(file), line, column,
                   escape(f"{message} [{lim.rule}: {lim.source}]"))
