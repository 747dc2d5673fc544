"""Required equipment per room kind, and isolation rooms entered through an anteroom."""

from __future__ import annotations

from wardtwin.layout import vocab
from wardtwin.rules.engine import Context, at, rule
from wardtwin.rules.pack import Limit, rule_finding


@rule("room-equipment")
def room_equipment(lim: Limit, ctx: Context):
    """One finding per room that lacks a type its kind requires (any one of a group)."""
    requires = lim.params.get("requires") or {}
    lay = ctx.layout
    held: dict[str, set] = {}
    for it in lay.items:
        held.setdefault(it.room, set()).add(it.type)
    for r in lay.rooms:
        need = requires.get(r.kind)
        if not need:
            continue
        have = held.get(r.id, set())
        missing = [alts for alts in need if not have & set(alts)]
        if missing:
            names = ", ".join(" or ".join(a) for a in missing)
            yield rule_finding(lim, *at(r.src, "kind"), f"room {r.id} ({r.name}), a {r.kind.replace('_', ' ')}: "
                               f"no {names}" + r.src.note("kind"))


@rule("isolation-anteroom")
def isolation_anteroom(lim: Limit, ctx: Context):
    """An isolation room's doors lead only to an anteroom or its own ensuite, toilet or shower."""
    lay = ctx.layout
    kinds = {r.id: r.kind for r in lay.rooms}
    ok = ("anteroom", "ensuite", "toilet", "shower")
    for r in lay.rooms:
        if r.kind != "isolation_room":
            continue
        doors = [d for d in lay.doors if r.id in d.between]
        direct = [d for d in doors if kinds.get(next((x for x in d.between if x != r.id), vocab.OUTSIDE),
                                                  vocab.OUTSIDE) not in ok]
        has_ante = any(kinds.get(x) == "anteroom" for d in doors for x in d.between if x != r.id)
        if direct or not has_ante:
            what = (f"door {direct[0].id} opens straight onto {next(x for x in direct[0].between if x != r.id)}"
                    if direct else "no door leads to an anteroom")
            yield rule_finding(lim, *at(r.src, "kind"), f"isolation room {r.id} ({r.name}): {what}; it must be "
                               "entered through an anteroom" + r.src.note("kind"))
