"""``--format html``: one self-contained page (inline CSS and SVG, no script, no URL at all).

It opens offline from a CI artifact: totals, the policy verdict, a bar chart of cost by
team (the showback rows; by project or resource type without ``--group-by``), a chart of
the largest changes, and the full per-resource table (never trimmed). Every string from the
plan is HTML-escaped and has its ``@`` neutralised, like the Markdown.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal

from costgate.model.estimate import ResourceStatus
from costgate.model.policy import Outcome
from costgate.model.report import Report
from costgate.report.formats import ReportOptions
from costgate.report.markdown import (
    detail_rows,
    fmt_money,
    fmt_percent,
    neutralise,
    saving_note,
    saving_text,
)
from costgate.report.showback import compliance_line, row_label

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:980px;color:#1f2328;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{padding:4px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap}.addr{font-family:ui-monospace,monospace;word-break:break-all}
.totals{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em;min-width:160px}
.card b{display:block;font-size:1.4em}.pass{color:#1a7f37}.warn{color:#9a6700}.fail{color:#cf222e}
.up{fill:#cf222e}.down{fill:#1a7f37}.bar{fill:#0969da}svg text{font:12px system-ui,sans-serif;fill:#1f2328}
.muted{color:#59636e;font-size:.9em}td ul{margin:0;padding-left:1.2em}
"""
_ICON = {Outcome.PASS: "✅", Outcome.WARN: "⚠️", Outcome.FAIL: "❌"}
CHART_ROWS = 12


def esc(text: str) -> str:
    """Untrusted text for HTML text and attribute values."""
    return html.escape(neutralise(text), quote=True)


def bar_chart(items: Sequence[tuple[str, Decimal]], currency: str, *, signed: bool) -> str:
    """Horizontal bars as inline SVG; red/green for increases/decreases when ``signed``."""
    if not items:
        return '<p class="muted">Nothing to chart.</p>'
    top = max((abs(v) for _, v in items), default=Decimal(0)) or Decimal(1)
    width, label_w, row_h = 940, 360, 24
    out = [f'<svg role="img" width="{width}" height="{row_h * len(items) + 8}" '
           f'viewBox="0 0 {width} {row_h * len(items) + 8}">']
    for i, (label, value) in enumerate(items):
        y = i * row_h + 4
        length = int((abs(value) / top) * (width - label_w - 130))
        cls = "bar" if not signed else ("up" if value > 0 else "down")
        short = label if len(label) <= 52 else label[:51] + "…"
        out.append(f'<text x="0" y="{y + 15}">{esc(short)}<title>{esc(label)}</title></text>'
                   f'<rect class="{cls}" x="{label_w}" y="{y + 3}" width="{max(length, 1)}" '
                   f'height="{row_h - 8}"/>'
                   f'<text x="{label_w + length + 6}" y="{y + 15}">'
                   f'{esc(fmt_money(value, currency, signed=signed))}</text>')
    out.append("</svg>")
    return "".join(out)


def _cost_groups(report: Report) -> tuple[str, list[tuple[str, Decimal]]]:
    sb = report.showback
    if sb is not None:
        rows = [(row_label(r, sb.keys), r.monthly_cost_after) for r in sb.rows]
        return f"Monthly cost by {', '.join(sb.keys)}", rows[:CHART_ROWS]
    if report.multi:
        return "Monthly cost by project", [
            (p.name, p.estimate.total_monthly_cost_after) for p in report.projects if p.estimate
        ][:CHART_ROWS]
    by_type: dict[str, Decimal] = {}
    for _, r in report.resources():
        if r.monthly_cost_after:
            by_type[r.type] = by_type.get(r.type, Decimal(0)) + r.monthly_cost_after
    ranked = sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))
    return "Monthly cost by resource type", ranked[:CHART_ROWS]


def _totals(report: Report) -> str:
    t, ccy = report.totals, report.currency
    cards = [("Monthly cost after", fmt_money(t.monthly_cost_after, ccy), "total-after")]
    if report.kind == "diff":
        pct = fmt_percent(t.monthly_cost_before, t.monthly_cost_after)
        cards = [("Monthly cost before", fmt_money(t.monthly_cost_before, ccy), "total-before"),
                 *cards,
                 ("Change", f"{fmt_money(t.monthly_delta, ccy, signed=True)} {pct}".strip(),
                  "total-delta")]
    inner = "".join(f'<div class="card">{label}<b id="{i}">{esc(v)}</b></div>'
                    for label, v, i in cards)
    return f'<div class="totals">{inner}</div>'


def _policy(report: Report) -> str:
    v = report.policy
    if v is None:
        return ""
    out = [f'<h2>Policy</h2><p id="verdict" class="{v.outcome.value}">{_ICON[v.outcome]} '
           f"<b>Policy {v.outcome.value}</b></p>",
           "<table><tr><th></th><th>Rule</th><th>Result</th><th>Findings</th></tr>"]
    for r in v.rules:
        items = "".join(
            f"<li>{esc(f.address) + ': ' if f.address else ''}{esc(f.message)}"
            f"{' — ' + esc(f.hint) if f.hint else ''}"
            f"{' (waived: ' + esc(f.waived_by) + ')' if f.waived_by else ''}</li>"
            for f in (*r.findings, *r.waived)
        )
        out.append(f'<tr><td class="{r.outcome.value}">{_ICON[r.outcome]}</td>'
                   f"<td>{esc(r.rule_id)}</td><td>{esc(r.summary)}</td>"
                   f"<td>{'<ul>' + items + '</ul>' if items else ''}</td></tr>")
    out.append("</table>")
    out.extend(f'<p class="warn">Waiver for {esc(w.rule)} ({esc(w.resource or "whole rule")}) '
               f"expired on {w.expires.isoformat()} and no longer applies.</p>"
               for w in v.expired_waivers)
    return "".join(out)


def _projects(report: Report) -> str:
    if not report.multi:
        return ""
    ccy = report.currency
    rows = "".join(
        f"<tr><td>{esc(p.name)}</td>"
        + (f'<td class="n">{fmt_money(p.estimate.total_monthly_cost_before, ccy)}</td>'
           f'<td class="n">{fmt_money(p.estimate.total_monthly_cost_after, ccy)}</td>'
           f'<td class="n">{fmt_money(p.estimate.total_monthly_delta, ccy, signed=True)}</td>'
           if p.estimate else f'<td colspan="3">could not be estimated: {esc(p.error or "")}</td>')
        + "</tr>"
        for p in report.projects
    )
    t = report.totals
    total = (f'<tr><th>Total</th><th class="n">{fmt_money(t.monthly_cost_before, ccy)}</th>'
             f'<th class="n">{fmt_money(t.monthly_cost_after, ccy)}</th>'
             f'<th class="n">{fmt_money(t.monthly_delta, ccy, signed=True)}</th></tr>')
    return ('<h2>Projects</h2><table><tr><th>Project</th><th class="n">Before</th>'
            f'<th class="n">After</th><th class="n">Change</th></tr>{rows}{total}</table>')


def _showback_table(report: Report) -> str:
    sb, ccy = report.showback, report.currency
    if sb is None:
        return ""
    rows = "".join(
        f"<tr><td>{esc(row_label(r, sb.keys))}</td><td class='n'>{r.resources}</td>"
        f"<td class='n'>{fmt_money(r.monthly_cost_before, ccy)}</td>"
        f"<td class='n'>{fmt_money(r.monthly_cost_after, ccy)}</td>"
        f"<td class='n'>{fmt_money(r.monthly_delta, ccy, signed=True)}</td></tr>"
        for r in sb.rows
    )
    return ("<table><tr><th>Group</th><th class='n'>Resources</th><th class='n'>Before</th>"
            f"<th class='n'>After</th><th class='n'>Change</th></tr>{rows}</table>"
            f"<p>{esc(compliance_line(sb))}</p>")


def _resources(report: Report) -> str:
    ccy, rows = report.currency, []
    for project, r in detail_rows(report):
        after = ("depends on usage" if r.status is ResourceStatus.USAGE_BASED
                 else fmt_money(r.monthly_cost_after, ccy))
        name = esc(r.address) + (f" <span class='muted'>({esc(project)})</span>"
                                 if report.multi else "")
        rows.append(f"<tr><td class='addr'>{name}</td><td>{r.action.value}</td>"
                    f"<td class='n'>{fmt_money(r.monthly_cost_before, ccy)}</td>"
                    f"<td class='n'>{after}</td>"
                    f"<td class='n'>{fmt_money(r.monthly_delta, ccy, signed=True)}</td></tr>")
    return ("<h2>Resources</h2><table><tr><th>Resource</th><th>Action</th>"
            "<th class='n'>Before</th><th class='n'>After</th><th class='n'>Change</th></tr>"
            + "".join(rows) + "</table>")


def _largest_changes(report: Report) -> str:
    rows = detail_rows(report)[:CHART_ROWS]
    if report.kind == "diff":
        items = [(r.address, r.monthly_delta or Decimal(0)) for _, r in rows]
        return "<h2>Largest changes</h2>" + bar_chart(items, report.currency, signed=True)
    items = [(r.address, r.monthly_cost_after or Decimal(0)) for _, r in rows]
    return "<h2>Largest resources</h2>" + bar_chart(items, report.currency, signed=False)


def _savings(report: Report) -> str:
    if not report.savings:
        return ""
    rows = "".join(
        f"<tr><td class='addr'>{esc(x.address)}</td><td>{esc(x.current)} → {esc(x.suggested)}"
        f"<span class='muted'>{esc(saving_note(x.kind))}</span></td>"
        f"<td class='n'>{esc(saving_text(x.monthly_saving, report.currency))}</td></tr>"
        for x in report.savings
    )
    return ("<h2>Cheaper alternatives</h2><table><tr><th>Resource</th><th>Change</th>"
            f"<th class='n'>Saving</th></tr>{rows}</table>")


_DEFAULT = ReportOptions()


def render_html(report: Report, opts: ReportOptions = _DEFAULT) -> str:
    """The whole page as one string."""
    title, items = _cost_groups(report)
    c, snap = report.counts, report.price_snapshot
    date = f", prices as of {snap.date.isoformat()}" if snap.date else ""
    body = [
        f"<h1>{esc(opts.title)}: {'cost change' if report.kind == 'diff' else 'cost estimate'}"
        "</h1>",
        _totals(report),
        _policy(report),
        _projects(report),
        f"<h2>{esc(title)}</h2>",
        bar_chart(items, report.currency, signed=False),
        _showback_table(report),
        _largest_changes(report),
        _savings(report),
        _resources(report),
        f"<p class='muted'>{c.priced} priced, {c.usage_based} usage-based, {c.free} free, "
        f"{c.unsupported} not supported yet. Price snapshot {esc(snap.id)}{date}, "
        f"{esc(report.currency)}.</p>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(opts.title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(part for part in body if part) + "\n</body></html>\n")
