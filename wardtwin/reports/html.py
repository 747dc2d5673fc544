"""The HTML report: one self-contained file (inline CSS, an SVG histogram, no script, no external
asset) that reads in any browser and prints on A4/Letter.

Bar charts are HTML (a CSS grid: label, bar, value): the browser lays their labels out and wraps
long ones (user text such as role names, step ids and targets) inside their column, so no label is
cut or runs off the page, whatever the font; each label's full text is also its tooltip. Rows are
grouped under a heading (per step chart: one group per ward and tour)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any, Protocol

from wardtwin.reports.summary import SessionSummary

#: A table row: column -> value.
Row = Mapping[str, Any]


class ItemTables(Protocol):
    """The per-item tables (:class:`~wardtwin.reports.items.ItemEvidence`, or the SQL path's)."""

    def items(self) -> list[dict[str, Any]]: ...

    def pooled_curve(self) -> list[dict[str, Any]]: ...

    def never_found(self) -> list[dict[str, Any]]: ...


class ReportSource(Protocol):
    """What the report reads besides its tables: the number of sessions, the SSQ totals before
    and after, and the item tables (:class:`~wardtwin.reports.aggregate.ReportTables`, or
    :class:`~wardtwin.reports.sqlagg.SqlTables`)."""

    n_sessions: int
    ssq_pre: list[float]
    ssq_post: list[float]

    @property
    def items(self) -> ItemTables: ...

_CSS = """
body{font:14px/1.4 "DejaVu Sans",Arial,sans-serif;color:#1d2733;margin:24px auto;max-width:1100px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:2px solid #d4dbe3}
.meta{color:#55606d}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid #d4dbe3;border-radius:6px;padding:8px 14px;min-width:130px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:12.5px}
th,td{border:1px solid #d4dbe3;padding:3px 6px;text-align:left;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}th{background:#eef2f6}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.bad td{background:#fdf0ee}
figure{margin:8px 0 16px;page-break-inside:avoid}figcaption{color:#55606d;font-size:12px}
svg text{font-family:"DejaVu Sans",Arial,sans-serif}svg.chart{max-width:100%;height:auto}
.bars{max-width:780px;font-size:11.5px;margin:4px 0}
.bars h3{font-size:12.5px;margin:10px 0 4px;overflow-wrap:anywhere}
.bars .row{display:grid;grid-template-columns:minmax(6em,15em) minmax(0,1fr) 3.6em;gap:8px;align-items:center;
margin:2px 0}
.bars .label{text-align:right;overflow-wrap:anywhere;min-width:0;line-height:1.2}
.bars .track{height:12px;background:#eef2f6;min-width:0}
.bars .bar{display:block;height:100%;background:#2f6f9f;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.bars .value{font-variant-numeric:tabular-nums;white-space:nowrap}
.curves{display:flex;flex-wrap:wrap;gap:16px}.curves figure{margin:0}
svg.curve text{font-size:11px}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}tr{page-break-inside:avoid}}
"""


_HTML_SPECIAL = re.compile("[&<>\"']")


def _fmt(v: object) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 10 else f"{v:,.1f}"
    text = str(v)
    return escape(text) if _HTML_SPECIAL.search(text) else text


def _td(v: object) -> str:
    return f'<td class="n">{_fmt(v)}</td>' if isinstance(v, (int, float)) and not isinstance(v, bool) \
        else f"<td>{_fmt(v)}</td>"


#: Distinct cell values whose HTML one :func:`table` call remembers (roles, outcomes, scores repeat).
_CELL_CACHE = 1 << 16


def table(rows: Sequence[Row], columns: list[tuple[str, str]], *, cls: str,
          bad: Callable[[Row], bool] | None = None) -> str:
    """An HTML table of ``rows`` with ``(key, heading)`` columns, in a box that scrolls sideways
    when a narrow window cannot hold it (long words in cells wrap anywhere)."""
    head = "".join(f"<th>{escape(h)}</th>" for _, h in columns)
    keys = [k for k, _ in columns]
    body = []
    # the HTML of cell values seen, by type then value (1 and True are different cells)
    cells: dict[type, dict[object, str]] = {}
    n_cached = 0
    for r in rows:
        tds = []
        for v in map(r.get, keys):
            by = cells.get(v.__class__)
            if by is None:
                by = cells[v.__class__] = {}
            try:
                td = by.get(v)
            except TypeError:  # an unhashable value
                tds.append(_td(v))
                continue
            if td is None:
                td = _td(v)
                if n_cached < _CELL_CACHE and not (v.__class__ is float and v == 0):
                    by[v] = td  # (-0.0 equals 0.0 but is shown "-0")
                    n_cached += 1
            tds.append(td)
        body.append(f'<tr{" class=bad" if bad and bad(r) else ""}>{"".join(tds)}</tr>')
    return (f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}'
            '</tbody></table></div>')


def bar_chart(groups: list[tuple[str, list[tuple[str, float | None]]]], *, title: str, vmax: float = 1.0,
              pct: bool = True, cls: str = "chart") -> str:
    """Horizontal bars in HTML, one per (label, value), under a heading per group (``(heading,
    items)``; an empty heading: none). Labels are whole (escaped once, never cut) and wrap."""
    parts = [f'<div class="bars {escape(cls)}" role="group" aria-label="{escape(title)}">']
    for heading, items in groups:
        if heading:
            parts.append(f"<h3>{escape(heading)}</h3>")
        for label, v in items:
            w = 0.0 if v is None or vmax <= 0 else max(0.0, min(1.0, v / vmax)) * 100
            txt = "–" if v is None else (f"{v * 100:.0f}%" if pct else f"{v:.3g}")
            lab = escape(str(label))
            parts.append(f'<div class="row"><span class="label" title="{lab}">{lab}</span><span class="track">'
                         f'<span class="bar" style="width:{w:.1f}%"></span></span><span class="value">{txt}</span></div>')
    parts.append("</div>")
    return "".join(parts)


def histogram(series: list[tuple[str, list[float], str]], *, bins: list[float], title: str, cls: str) -> str:
    """Grouped histogram of several series (label, values, colour) over ``bins`` edges (last bin open)."""
    width, height, left, bottom = 640, 220, 44, 36
    nb = len(bins)
    counts = []
    for _, values, _ in series:
        c = [0] * nb
        for v in values:
            i = nb - 1
            for j in range(nb - 1):
                if v < bins[j + 1]:
                    i = j
                    break
            c[i] += 1
        n = max(1, len(values))
        counts.append([x / n for x in c])
    top = max([max(c) for c in counts] + [0.01])
    plot_w, plot_h = width - left - 10, height - bottom - 24
    bw = plot_w / nb
    parts = [f'<svg class="{cls}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for k, (label, _, colour) in enumerate(series):
        parts.append(f'<rect x="{left + 10 + k * 150}" y="4" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + 24 + k * 150}" y="13" font-size="11">{escape(label)}</text>')
        for j, share in enumerate(counts[k]):
            h = share / top * plot_h
            x = left + j * bw + 2 + k * (bw - 4) / len(series)
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{24 + plot_h - h:.1f}" width="{(bw - 4) / len(series):.1f}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{escape(label)}: {share * 100:.0f}%</title></rect>')
    for j, edge in enumerate(bins):
        label = f"{edge:g}" + ("+" if j == nb - 1 else "")
        parts.append(f'<text x="{left + j * bw + bw / 2:.1f}" y="{height - bottom + 16}" font-size="10" '
                     f'text-anchor="middle">{label}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 4}" font-size="11" text-anchor="middle">SSQ total</text>'
                 f'<text x="12" y="{24 + plot_h / 2}" font-size="11" transform="rotate(-90 12 {24 + plot_h / 2})" '
                 f'text-anchor="middle">share</text>'
                 f'<line x1="{left}" y1="{24 + plot_h}" x2="{left + plot_w}" y2="{24 + plot_h}" stroke="#55606d"/></svg>')
    return "".join(parts)


_ROSTER_COLUMNS = [("trainee", "trainee"), ("role", "role"), ("station", "station"), ("completed", "completed"),
                   ("outcome", "outcome"), ("ended_at", "when (UTC)"), ("duration_s", "duration s"),
                   ("score", "score"), ("steps_missed", "steps missed"), ("attempts", "attempts"),
                   ("ward_version", "ward version"), ("refresher", "refresher")]


def roster_table(roster: Sequence[Row]) -> str:
    """The roster's HTML table (:func:`render`'s, made beforehand where that helps)."""
    return table(roster, _ROSTER_COLUMNS, cls="roster", bad=lambda r: not r["completed"])


def render(sessions: ReportSource | list[SessionSummary], roster: Sequence[Row], cohort: Sequence[Row],
           steps: Sequence[Row], *,
           title: str, generated: str, filters: str, roster_html: str | None = None) -> str:
    """The whole report as one HTML document. ``sessions``: the
    :class:`~wardtwin.reports.aggregate.ReportTables` the tables came from (or a list of
    :class:`SessionSummary`, whose item evidence is computed here); ``roster_html``: the
    roster's table already made (:func:`roster_table`)."""
    if isinstance(sessions, list):
        from wardtwin.reports.aggregate import ReportTables

        t = ReportTables()
        for s in sessions:
            t.add(s)
        sessions = t
    n_sessions = sessions.n_sessions
    all_: Row = cohort[0] if cohort else {}
    cards = [("trainees", all_.get("trainees")), ("completed", all_.get("completed")),
             ("completion", f"{all_['completion_rate'] * 100:.0f}%" if all_.get("completion_rate") is not None else "–"),
             ("median time", f"{all_['median_duration_s'] / 60:.1f} min" if all_.get("median_duration_s") else "–"),
             ("any symptom", f"{all_['any_symptom_share'] * 100:.0f}%" if all_.get("any_symptom_share") is not None
              else "–"),
             ("stopped (comfort)", all_.get("stopped_comfort")), ("dropouts", all_.get("dropouts"))]
    card_html = "".join(f'<div class="card">{escape(k)}<b>{_fmt(v) if not isinstance(v, str) else escape(v)}</b></div>'
                        for k, v in cards)
    by_group = [(f"by {dim}", [(r["value"], r["completion_rate"]) for r in cohort if r["group"] == dim])
                for dim in ("role", "station") if any(r["group"] == dim for r in cohort)]
    ssq = histogram([("before (pre)", sessions.ssq_pre, "#8fb3d1"), ("after (post)", sessions.ssq_post, "#c0504d")],
                    bins=[0, 5, 10, 20, 30, 40, 60, 80], title="SSQ total before and after", cls="chart ssq")
    worst = sorted(steps, key=lambda r: (r["success_rate"], -r["hint_rate"]))[:25]
    tours: dict[tuple[str, str], list[tuple[str, float | None]]] = {}
    for r in sorted(steps, key=lambda r: (r["ward"], r["tour"], r["step"])):
        tours.setdefault((r["ward"], r["tour"]), []).append((f"{r['step_id']} {r['target']}".strip(),
                                                              r["success_rate"]))
    step_chart = bar_chart([(f"tour {tour} · ward {ward}", items) for (ward, tour), items in tours.items()],
                           title="Success rate per step", cls="chart steps")
    cohort_cols = [("group", "group"), ("value", "value"), ("trainees", "trainees"), ("sessions", "sessions"),
                   ("completed", "completed"), ("completion_rate", "completion"), ("median_duration_s", "median s"),
                   ("any_symptom_share", "any symptom"), ("ssq_pre_median", "SSQ pre median"),
                   ("ssq_post_median", "SSQ post median"), ("ssq_post_q3", "SSQ post Q3"),
                   ("ssq_post_max", "SSQ post max"), ("stopped_comfort", "stopped (FMS)"),
                   ("abandoned", "abandoned"), ("quit", "quit")]
    step_cols = [("ward", "ward"), ("tour", "tour"), ("step_id", "step"), ("kind", "kind"), ("target", "target"),
                 ("attempts", "attempts"), ("success_rate", "success"), ("median_duration_s", "median s"),
                 ("hint_rate", "hint rate"), ("reveal_rate", "reveal rate"), ("spl_mean", "SPL"),
                 ("soft_spl_mean", "SoftSPL")]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="meta">{escape(filters)} · {n_sessions} sessions · generated {escape(generated)}</p>
<div class="cards">{card_html}</div>
<h2 id="cohort">Cohort: completion and tolerability</h2>
<figure>{bar_chart(by_group, title="Completion rate by role and station", cls="chart completion")}
<figcaption>Share of trainees who completed the tour (their best attempt), by role and station type.</figcaption></figure>
<figure>{ssq}<figcaption>SSQ total score (0–235.62) before and after the session; share of sessions per band.
Any symptom = a post-session SSQ item rated slight or more.</figcaption></figure>
{table(cohort, cohort_cols, cls="cohort")}
<h2 id="steps">Per step: what people fail to find</h2>
<figure>{step_chart}<figcaption>Share of trainees reaching each step who passed it.</figcaption></figure>
{table(worst, step_cols, cls="steps-worst")}
<details open><summary>All steps</summary>{table(steps, step_cols, cls="steps", bad=lambda r: r["success_rate"] < 0.7)}</details>
{items_section(sessions.items)}
<h2 id="roster">Roster</h2>
<p class="meta">One row per trainee: the latest completed session, else the latest attempt.</p>
{roster_table(roster) if roster_html is None else roster_html}
</body></html>
"""


def line_chart(series: list[tuple[str, list[float | None], str, str]], xs: list[str], *, title: str, cls: str,
               vmax: float = 1.0, ylabel: str = "", pct: bool = True) -> str:
    """A small SVG line chart: one line per ``(label, values, colour, dash)`` over the x labels
    ``xs`` (a missing value: a gap); axis and legend text are short and fixed (labels escaped)."""
    width, height, left, bottom, top = 360, 210, 44, 34, 30
    plot_w, plot_h = width - left - 16, height - bottom - top
    nx = max(1, len(xs))
    step = plot_w / nx
    vmax = vmax if vmax > 0 else 1.0

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    def y(v: float) -> float:
        return top + plot_h - max(0.0, min(1.0, v / vmax)) * plot_h

    parts = [f'<svg class="{escape(cls)}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for k in range(5):
        tick = vmax * k / 4
        yy = y(tick)
        lab = f"{tick * 100:.0f}%" if pct else f"{tick:.3g}"
        parts.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" stroke="#e3e8ee"/>'
                     f'<text x="{left - 4}" y="{yy + 4:.1f}" text-anchor="end">{lab}</text>')
    for i, label in enumerate(xs):
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">attempt</text>')
    if ylabel:
        parts.append(f'<text x="4" y="{top - 12}">{escape(ylabel)}</text>')
    for k, (label, values, colour, dash) in enumerate(series):
        lx = left + 8 + k * 110
        parts.append(f'<line x1="{lx}" y1="{top - 16}" x2="{lx + 16}" y2="{top - 16}" stroke="{colour}" '
                     f'stroke-width="2" stroke-dasharray="{dash}"/><text x="{lx + 20}" y="{top - 12}">'
                     f'{escape(label)}</text>')
        pts: list[tuple[float, float]] = []
        runs: list[list[tuple[float, float]]] = []
        for i, v in enumerate(values):
            if v is None:
                if pts:
                    runs.append(pts)
                pts = []
                continue
            pts.append((x(i), y(v)))
            shown = f"{v * 100:.0f}%" if pct else f"{v:.3g}"
            parts.append(f'<circle class="point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(label)}, attempt {escape(xs[i])}: {shown}</title></circle>')
        if pts:
            runs.append(pts)
        for run in runs:
            if len(run) > 1:
                d = " ".join(f"{a:.1f},{b:.1f}" for a, b in run)
                parts.append(f'<polyline class="line" points="{d}" fill="none" stroke="{colour}" stroke-width="2" '
                             f'stroke-dasharray="{dash}"/>')
    parts.append("</svg>")
    return "".join(parts)


def items_section(items: ItemTables) -> str:
    """Learning evidence per item (:class:`~wardtwin.reports.items.ItemEvidence`): the learning
    curve of all items together (found rate, SPL, median time to find by attempt number), found
    rate on first and repeat attempts per item, the items table and the trainees who never
    found an item."""
    from wardtwin.reports.items import CURVE_ATTEMPTS

    rows = items.items()
    if not rows:
        return ('<h2 id="items">Per item: learning evidence</h2><p class="meta">No find tasks in these sessions.</p>')
    pooled = {r["attempt"]: r for r in items.pooled_curve()}
    xs = [a for a in CURVE_ATTEMPTS if a in pooled]
    rates = line_chart([("found rate", [pooled[a]["found_rate"] for a in xs], "#2f6f9f", "none"),
                        ("SPL", [pooled[a]["spl_mean"] for a in xs], "#c0504d", "5 3")], xs,
                       title="Learning curve: found rate and SPL by attempt", cls="curve rates")
    times = [pooled[a]["median_time_s"] for a in xs]
    tmax = max([t for t in times if t is not None] + [1.0]) * 1.15
    time_chart = line_chart([("median time to find", times, "#4f7f3f", "none")], xs, vmax=tmax, pct=False,
                            title="Learning curve: median time to find (s) by attempt", cls="curve times", ylabel="s")
    by_item = bar_chart([(f"{r['item']} · ward {r['ward']}",
                          [("first attempt", r["first_found_rate"]), ("repeat attempts", r["repeat_found_rate"])])
                         for r in rows], title="Found rate per item, first and repeat attempts", cls="chart items")
    cols = [("ward", "ward"), ("item", "item"), ("trainees", "trainees"), ("attempts", "attempts"),
            ("found_rate", "found"), ("median_time_s", "median s"), ("spl_mean", "SPL"),
            ("first_found_rate", "found, 1st"), ("repeat_found_rate", "found, repeat"),
            ("found_rate_change", "change"), ("first_median_time_s", "median s, 1st"),
            ("repeat_median_time_s", "median s, repeat"), ("first_spl_mean", "SPL, 1st"),
            ("repeat_spl_mean", "SPL, repeat"), ("trainees_never_found", "never found by")]
    never = [r for r in items.never_found() if r["never_found"]]
    never_cols = [("trainee", "trainee"), ("ward", "ward"), ("items_tried", "items tried"),
                  ("items_found", "found"), ("items_never_found", "never found")]
    counts = ", ".join(f"attempt {a}: {pooled[a]['attempts']}" for a in xs)
    return f"""<h2 id="items">Per item: learning evidence</h2>
<p class="meta">Each safety-critical item a find task asks for, across the cohort: how often it is found, how long
finding it takes and how directly (SPL, 1 = the shortest walkable path), on a trainee's first attempt and on later
ones. Attempts of all items ({escape(counts)}).</p>
<div class="curves"><figure>{rates}</figure><figure>{time_chart}</figure></div>
<figure>{by_item}<figcaption>Share of attempts that found the item: first attempt and repeat attempts (– when
nobody has repeated it yet).</figcaption></figure>
{table(rows, cols, cls="items", bad=lambda r: (r["found_rate"] or 0) < 0.7)}
<h3>Items never found</h3>
<p class="meta">{len(never)} trainee(s) never found at least one item they were asked to find.</p>
{table(never, never_cols, cls="never-found")}"""
