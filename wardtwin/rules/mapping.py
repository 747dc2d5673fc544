"""What the CLI shows of rule packs: the rule list (``wardtwin rules``) and the map overlays
(``wardtwin map --field`` / ``--findings``)."""

from __future__ import annotations

from pathlib import Path

from wardtwin.errors import UsageError
from wardtwin.rules.registry import FIELD_KINDS, RULES, Quantity


def rules_text(pack_name: str, ward: str | None = None) -> tuple[str, int]:
    """Every rule of a pack (or of the pack a ward chooses, overrides applied): id, limit,
    severity and source, one block per rule; then the pack's own findings. ``(text, exit
    code)``: 1 or 2 when the pack has findings of error or fatal severity."""
    from wardtwin.layout.findings import exit_code
    from wardtwin.rules.pack import choose_pack, find_pack
    from wardtwin.safetext import escape

    if ward:
        from wardtwin.layout.load import load_ward

        layout, _f = load_ward(ward)
        if layout is None:
            raise UsageError(f"{ward}: its files cannot be read; run `wardtwin check {ward}`")
        choice = choose_pack(layout)
        pack, findings = choice.pack, list(choice.findings)
    else:
        pack, findings = find_pack(pack_name, Path.cwd())
    lines = []
    if pack is not None:
        lines.append(f"{pack.id}: {pack.name} ({pack.file})")
        for rid, lim in pack.limits.items():
            r = RULES[rid]
            speed = f" at {lim.params['speed']:g} m/s" if "speed" in lim.params else ""
            limit = "" if r.quantity is Quantity.NONE else f" {lim.shown}{speed}"
            lines.append(f"  {rid:24} {lim.severity.value:8}{limit}  [{r.code}]")
            lines.append(f"      {r.summary}")
            if "requires" in lim.params:
                for kind, need in lim.params["requires"].items():
                    lines.append(f"      {kind}: " + ", ".join(" or ".join(a) for a in need))
            if "kinds" in lim.params:
                lines.append("      in rooms of kind: " + ", ".join(lim.params["kinds"]))
            if "minimums" in lim.params:
                for kind, (v, written) in lim.params["minimums"].items():
                    lines.append(f"      {kind}: at least {v:.2f} m² ({written})")
            for k in ("width", "route"):
                if k in lim.params:
                    lines.append(f"      {k}: {lim.params[k]:.2f} m")
            lines.append(f"      source: {lim.source}")
            if lim.note:
                lines.append(f"      note: {lim.note}")
            lines.append(f"      set at {lim.where.file}:{lim.where.line}")
        unset = [rid for rid in RULES if rid not in pack.limits]
        if unset:
            lines.append(f"  not set by this pack (not checked): {', '.join(unset)}")
    lines.extend(f.format() for f in findings)
    return "\n".join(escape(x) for x in lines), exit_code(findings)


def map_overlay(layout, model, field: str | None, findings: bool):
    """The overlay for ``wardtwin map``: the ``field`` heat map and/or the placed findings."""
    from wardtwin.model.checks import check  # noqa: F401 (same findings as check)
    from wardtwin.planmap.fields import field_overlay, finding_places, findings_overlay
    from wardtwin.rules.engine import Fields, evaluate
    from wardtwin.rules.pack import choose_pack

    choice = choose_pack(layout)
    fields = Fields(model)
    parts = []
    if field:
        rid = FIELD_KINDS[field]
        lim = choice.limit(rid)
        if lim is None:
            raise UsageError(f"--field {field}: the ward's rule pack does not set {rid}, so there is no limit to draw")
        f = fields.field("exit", None) if field == "exit" else fields.field(field, lim.targets)
        if not f.targets:
            raise UsageError(f"--field {field}: the ward has no {field.replace('-', ' ')} that a person can walk to")
        speed = lim.params.get("speed")
        unit = "s" if RULES[rid].quantity is Quantity.TIME else "m"
        label = (f"walking {'time' if unit == 's' else 'distance'} to the nearest {field.replace('-', ' ')}; limit "
                 f"{lim.shown}" + (f" at {speed:g} m/s" if speed else "") + f" [{rid}: {lim.source}]")
        parts.append(field_overlay(f, lim.value, speed or 1.0, label, unit))
    if findings:
        from wardtwin.layout.findings import sort_findings
        from wardtwin.layout.load import load_ward
        from wardtwin.layout.validate import validate
        from wardtwin.model.checks import navigation_findings

        fs = list(load_ward(layout.root)[1]) + validate(layout, plan=model.plan) + navigation_findings(layout, model)
        fs += evaluate(layout, model, choice, fields)
        parts.append(findings_overlay(finding_places(layout, sort_findings(fs))))

    def overlay(to_x, to_y):
        out = []
        for p in parts:
            out.extend(p(to_x, to_y))
        return out

    return overlay
