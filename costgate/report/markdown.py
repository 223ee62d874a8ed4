"""``--format markdown``: the pull-request comment.

Order: hidden marker (first line; last and visible in plain mode), headline (monthly delta and new total), overall verdict, per-project
table, policy verdicts with what to do, showback, cheaper alternatives, per-resource detail
(collapsible), resource counts, price snapshot footer. The comment must fit ``max_chars``:
detail rows are dropped first (smallest changes first), then the optional sections; the
verdict is never trimmed (each rule lists at most ``FINDINGS_PER_RULE`` findings regardless
of size, so its length does not depend on the limit).

Everything that comes from the pull request (addresses, module keys, tag values, finding
messages that quote them) goes through :func:`md_escape`: Markdown and HTML punctuation is
backslash-escaped and ``@`` gets a zero-width space so nobody is mentioned.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from costgate.model.estimate import ResourceCostChange, ResourceStatus
from costgate.model.money import round_money
from costgate.model.policy import Outcome, PolicyVerdict, RuleVerdict
from costgate.model.report import Report
from costgate.report.formats import ReportOptions
from costgate.report.showback import compliance_line

_ZERO = Decimal(0)
MARKER = "costgate-comment"
#: Default comment budget: GitHub's limit is 65,536 characters; leave room for a CI footer.
COMMENT_MAX_CHARS = 60_000
FINDINGS_PER_RULE = 10
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+!|~$:-])")
_ICON = {Outcome.PASS: "✅", Outcome.WARN: "⚠️", Outcome.FAIL: "❌"}


def neutralise(text: str) -> str:
    """One line, and no @mention can fire (zero-width space after every ``@``)."""
    return " ".join(text.split()).replace("@", "@\u200b")


def md_escape(text: str) -> str:
    """Untrusted text as literal Markdown: HTML characters as entities (renderers that ignore
    backslash escapes still show text), Markdown punctuation backslash-escaped (``|`` too, for
    tables), ``@`` neutralised."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return neutralise(_MD_PUNCT.sub(r"\\\1", text))


def fmt_money(value: Decimal | None, currency: str, *, signed: bool = False) -> str:
    """``$1,234.56``, ``+$12.00``, ``-$3.00``; ``n/a`` when unknown (never a fake 0)."""
    if value is None:
        return "n/a"
    symbol = _SYMBOLS.get(currency, f"{currency} ")
    sign = "+" if signed and value > 0 else ("-" if round_money(value) < 0 else "")
    return f"{sign}{symbol}{abs(round_money(value)):,.2f}"


def fmt_price(value: Decimal | None, currency: str) -> str:
    """Unit prices keep their precision (``$0.0000166667``), with at least two decimals."""
    if value is None:
        return "n/a"
    whole, _, frac = format(value.normalize(), "f").partition(".")
    return f"{_SYMBOLS.get(currency, currency + ' ')}{whole}.{frac.ljust(2, '0')}"


def fmt_percent(before: Decimal, after: Decimal) -> str:
    """``+12.5%``; empty when the baseline is zero (a percentage of nothing means nothing)."""
    if before == 0:
        return ""
    pct = ((after - before) / before * 100).quantize(Decimal("0.1"))
    return f"{'+' if pct > 0 else ''}{pct}%"


#: What each kind of saving asks of the user, shown after the suggestion.
SAVING_NOTES = {
    "previous_generation": "current generation",
    "gp2": "same baseline performance",
    "graviton": "Graviton/arm64: needs an arm64 AMI and software",
    "graviton_managed": "Graviton: the service handles arm64",
}


def saving_note(kind: str) -> str:
    """`` (current generation)`` — empty for unknown kinds."""
    note = SAVING_NOTES.get(kind)
    return f" ({note})" if note else ""


def saving_text(value: Decimal | None, currency: str) -> str:
    """``saves $12.00/month`` or why the saving is unknown."""
    if value is None:
        return "(saving unknown: a price is not in the snapshot)"
    return f"saves {fmt_money(value, currency)}/month"


def verdict_text(verdict: PolicyVerdict, esc: Callable[[str], str] = neutralise) -> list[str]:
    """The verdict as plain lines (table output); the overall line first."""
    lines = [f"Policy: {verdict.outcome.value.upper()}"
             + (f" ({esc(verdict.source)})" if verdict.source else "")]
    for rule in verdict.rules:
        lines.append(f"  [{rule.outcome.value}] {esc(rule.rule_id)}: {esc(rule.summary)}")
        for f in rule.findings[:FINDINGS_PER_RULE]:
            where = f"{esc(f.address)}: " if f.address else ""
            hint = f" ({esc(f.hint)})" if f.hint else ""
            lines.append(f"      {where}{esc(f.message)}{hint}")
        if len(rule.findings) > FINDINGS_PER_RULE:
            lines.append(f"      ... and {len(rule.findings) - FINDINGS_PER_RULE} more")
    lines.extend(f"  expired waiver for {esc(w.rule)} ({esc(w.resource or 'whole rule')}), "
                 f"expired {w.expires.isoformat()}: no longer applies"
                 for w in verdict.expired_waivers)
    return lines


# --- sections -----------------------------------------------------------------------------


def _marker(opts: ReportOptions) -> str:
    """``<!-- costgate-comment v=1 tag=T -->``, the line ``costgate.publish`` looks for.

    Plain Markdown (no HTML) gets the visible form ``*costgate-comment v=1*`` instead, which
    goes last; the tag keeps only the characters that are inert in both forms.
    """
    tag = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._/-]", "", opts.tag or ""))[:64]
    body = " ".join([MARKER, "v=1", *([f"tag={tag}"] if tag else [])])
    return f"<!-- {body} -->" if opts.details else f"*{body}*"


def headline(report: Report) -> list[str]:
    """The first visible lines: the change and the new monthly total."""
    t, ccy = report.totals, report.currency
    if report.kind == "diff":
        pct = fmt_percent(t.monthly_cost_before, t.monthly_cost_after)
        move = ("increase" if t.monthly_delta > 0 else "decrease" if t.monthly_delta < 0
                else "not change")
        change = f" by **{fmt_money(t.monthly_delta, ccy, signed=True)}**" if t.monthly_delta else ""
        return [f"### Monthly cost will {move}{change}{f' ({pct})' if pct else ''}",
                f"New monthly total: **{fmt_money(t.monthly_cost_after, ccy)}** "
                f"(was {fmt_money(t.monthly_cost_before, ccy)})"]
    return [f"### Monthly cost: **{fmt_money(t.monthly_cost_after, ccy)}**"]


def _verdict(v: PolicyVerdict) -> list[str]:
    fails = sum(r.outcome is Outcome.FAIL for r in v.rules)
    warns = sum(r.outcome is Outcome.WARN for r in v.rules)
    todo = {
        Outcome.FAIL: "This change is **blocked** by the budget policy: fix the findings "
                      "below, or add a waiver (rule, resource, reason, expires) to the policy.",
        Outcome.WARN: "Warnings do not block the merge; please review them.",
        Outcome.PASS: "Every budget rule passed.",
    }[v.outcome]
    out = [f"{_ICON[v.outcome]} **Policy {v.outcome.value}**: {fails} rule(s) failed, "
           f"{warns} warning(s), {len(v.rules) - fails - warns} passed. {todo}", ""]
    out += ["| | Rule | Result |", "|---|---|---|"]
    out += [f"| {_ICON[r.outcome]} | {md_escape(r.rule_id)} | {md_escape(r.summary)} |"
            for r in v.rules]
    for r in v.rules:
        out.extend(_findings(r))
    for w in v.expired_waivers:
        out.append(f"- ⚠️ Waiver for **{md_escape(w.rule)}** "
                   f"({md_escape(w.resource or 'whole rule')}) expired on "
                   f"{w.expires.isoformat()} and no longer applies: {md_escape(w.reason)}")
    return out


def _findings(r: RuleVerdict) -> list[str]:
    if not r.findings and not r.waived:
        return []
    out = ["", f"**{_ICON[r.outcome]} {md_escape(r.rule_id)}** ({r.severity})"]
    for f in r.findings[:FINDINGS_PER_RULE]:
        where = f"{md_escape(f.address)}: " if f.address else ""
        hint = f" — _what to do:_ {md_escape(f.hint)}" if f.hint else ""
        out.append(f"- {where}{md_escape(f.message)}{hint}")
    if len(r.findings) > FINDINGS_PER_RULE:
        out.append(f"- … and {len(r.findings) - FINDINGS_PER_RULE} more (see --format json)")
    out.extend(f"- waived: {md_escape(f.address or f.message)} ({md_escape(f.waived_by or '')})"
               for f in r.waived[:FINDINGS_PER_RULE])
    if len(r.waived) > FINDINGS_PER_RULE:
        out.append(f"- … and {len(r.waived) - FINDINGS_PER_RULE} more waived")
    return out


def _projects(report: Report) -> list[str]:
    ccy = report.currency
    out = ["| Project | Before | After | Change |", "|---|--:|--:|--:|"]
    for p in report.projects:
        e = p.estimate
        if e is None:
            out.append(f"| {md_escape(p.name)} | could not be estimated: "
                       f"{md_escape(p.error or '')} | | |")
            continue
        pct = fmt_percent(e.total_monthly_cost_before, e.total_monthly_cost_after)
        out.append(f"| {md_escape(p.name)} | {fmt_money(e.total_monthly_cost_before, ccy)} | "
                   f"{fmt_money(e.total_monthly_cost_after, ccy)} | "
                   f"{fmt_money(e.total_monthly_delta, ccy, signed=True)}"
                   f"{f' ({pct})' if pct else ''} |")
    t = report.totals
    if report.multi:
        out.append(f"| **Total** | {fmt_money(t.monthly_cost_before, ccy)} | "
                   f"{fmt_money(t.monthly_cost_after, ccy)} | "
                   f"{fmt_money(t.monthly_delta, ccy, signed=True)} |")
    return out


def _showback(report: Report) -> list[str]:
    sb, ccy = report.showback, report.currency
    if sb is None:
        return []
    head = " | ".join(md_escape(k) for k in sb.keys)
    out = [f"#### Cost by {', '.join(md_escape(k) for k in sb.keys)}", "",
           f"| {head} | Before | After | Change | Resources |",
           "|" + "---|" * len(sb.keys) + "--:|--:|--:|--:|"]
    for row in sb.rows:
        cells = (["(untagged)"] * len(sb.keys) if row.untagged else
                 [md_escape(v) if v is not None else "(untagged)" for v in row.values])
        out.append(f"| {' | '.join(cells)} | {fmt_money(row.monthly_cost_before, ccy)} | "
                   f"{fmt_money(row.monthly_cost_after, ccy)} | "
                   f"{fmt_money(row.monthly_delta, ccy, signed=True)} | {row.resources} |")
    return [*out, "", compliance_line(sb, md_escape)]


def _savings(report: Report) -> list[str]:
    if not report.savings:
        return []
    out = ["#### Cheaper alternatives", ""]
    out += [f"- {md_escape(s.address)}: {md_escape(s.current)} → {md_escape(s.suggested)}"
            f"{saving_note(s.kind)} {saving_text(s.monthly_saving, report.currency)}"
            for s in report.savings]
    return out


def detail_rows(report: Report) -> list[tuple[str, ResourceCostChange]]:
    """Resources worth listing, most important first (largest change, or largest cost)."""
    rows = [(p, r) for p, r in report.resources()
            if r.status not in (ResourceStatus.FREE, ResourceStatus.UNSUPPORTED)]
    if report.kind == "diff":
        rows = [(p, r) for p, r in rows if r.action.value != "no-op" or r.monthly_delta]
        rows.sort(key=lambda pr: (-abs(pr[1].monthly_delta or _ZERO), pr[1].address))
    else:
        rows.sort(key=lambda pr: (-(pr[1].monthly_cost_after or _ZERO), pr[1].address))
    return rows


def _detail_lines(report: Report, project: str, r: ResourceCostChange) -> list[str]:
    """The resource row, then one row per component of what runs after the change."""
    ccy = report.currency
    name = md_escape(r.address) + (f" ({md_escape(project)})" if report.multi else "")
    after = ("depends on usage" if r.status is ResourceStatus.USAGE_BASED
             else fmt_money(r.monthly_cost_after, ccy))
    lines = [f"| {name} | {r.action.value} | {fmt_money(r.monthly_cost_before, ccy)} | "
             f"{after} | {fmt_money(r.monthly_delta, ccy, signed=True)} |"]
    if r.action.value == "delete":
        return lines
    for c in r.components:
        price = fmt_price(c.unit_price, ccy)
        if c.monthly_quantity is None:
            what, cost = f"depends on usage: {price} per {md_escape(c.unit)}", "n/a"
        else:
            qty = format(c.monthly_quantity.normalize(), ",f")
            what = f"{qty} {md_escape(c.unit)} × {price}"
            cost = fmt_money(c.monthly_cost, ccy)
        lines.append(f"| ↳ {md_escape(c.name)}: {what} | | | {cost} | |")
    return lines


def _details(opts: ReportOptions, blocks: list[str], keep: int) -> list[str]:
    """The detail section with the first ``keep`` resource blocks (rendered once, up front)."""
    if not blocks:
        return []
    title = f"Resource details ({len(blocks)} resources)"
    body = ["| Resource | Action | Before | After | Change |", "|---|---|--:|--:|--:|"]
    body += blocks[:keep]
    if keep < len(blocks):
        body.append("")
        body.append(f"_{len(blocks) - keep} more resources not shown to fit the comment size "
                    "limit; see the full report with --format html or json._")
    if opts.details:
        return [f"<details><summary>{title}</summary>", "", *body, "", "</details>"]
    return [f"#### {title}", "", *body]


def _counts(report: Report) -> list[str]:
    c = report.counts
    total = c.priced + c.usage_based + c.free + c.unsupported
    line = (f"{total} resources: {c.priced} priced, {c.usage_based} usage-based (cost depends "
            f"on usage), {c.free} free, {c.unsupported} not supported yet")
    types: dict[str, int] = {}
    for _, r in report.resources():
        if r.status is ResourceStatus.UNSUPPORTED:
            types[r.type] = types.get(r.type, 0) + 1
    if types:
        line += " (" + ", ".join(f"{md_escape(t)} ×{n}" for t, n in sorted(types.items())) + ")"
    return [line]


def _footer(report: Report, opts: ReportOptions) -> list[str]:
    snap = report.price_snapshot
    date = f", prices as of {snap.date.isoformat()}" if snap.date else ""
    text = f"Price snapshot {md_escape(snap.id)}{date}, {report.currency}. Generated by costgate."
    return [f"<sub>{text}</sub>" if opts.details else f"_{text}_"]


def _assemble(sections: list[list[str]]) -> str:
    return "\n\n".join("\n".join(s) for s in sections if s) + "\n"


_DEFAULT = ReportOptions()


def render_markdown(report: Report, opts: ReportOptions = _DEFAULT) -> str:
    """The comment, within ``opts.max_chars`` (detail trimmed first, the verdict never)."""
    title = [f"## {md_escape(opts.title)}"]
    head = [_marker(opts)] if opts.marker and opts.details else []
    fixed_top = [head + title + [""] + headline(report)]
    verdict = [_verdict(report.policy)] if report.policy is not None else []
    optional = [_projects(report), _showback(report), _savings(report)]
    tail = [_counts(report), _footer(report, opts)]
    if opts.marker and not opts.details:
        tail.append([_marker(opts)])

    blocks = ["\n".join(_detail_lines(report, p, r)) for p, r in detail_rows(report)]

    def build(keep: int, optional_kept: int) -> str:
        sections = [*fixed_top, *verdict, *optional[:optional_kept],
                    _details(opts, blocks, keep), *tail]
        return _assemble(sections)

    limit = opts.max_chars or COMMENT_MAX_CHARS
    total = len(blocks)
    text = build(total, len(optional))
    if len(text) <= limit:
        return text
    lo, hi = 0, total  # the largest number of detail rows that fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(build(mid, len(optional))) <= limit:
            lo = mid
        else:
            hi = mid - 1
    for kept in range(len(optional), -1, -1):
        text = build(lo, kept)
        if len(text) <= limit:
            return text
    return text  # the verdict alone is over the limit: it is never cut
