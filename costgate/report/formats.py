"""Output formats: a str-Enum mapped exhaustively to renderers (a test walks every member).

Renderers are imported when used: rich costs ~0.1 s to import and JSON output never needs it.
Every renderer takes the same :class:`~costgate.model.report.Report`; a bare estimate is
wrapped into a one-project report first. Platform differences are options, not renderers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from typing_extensions import assert_never

from costgate.model.estimate import Estimate
from costgate.model.report import Report


@dataclass(frozen=True)
class TableOptions:
    """How to lay the table out."""

    diff: bool = False  # before / after / delta columns instead of one monthly cost
    show_skipped: bool = False  # list free and unsupported resources one by one
    width: int = 120


@dataclass(frozen=True)
class ReportOptions:
    """Options of the Markdown, HTML and summary renderers."""

    max_chars: int | None = None  # None: the format's default (comment 60,000; summary 1 MB)
    details: bool = True  # False: plain Markdown without <details> or HTML (Bitbucket)
    tag: str | None = None  # distinguishes several costgate comments on one PR
    marker: bool = True  # the hidden first-line marker that finds the comment to update
    title: str = "costgate"


class OutputFormat(str, Enum):
    """``--format`` values."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"
    GITHUB_SUMMARY = "github-summary"
    FOCUS_CSV = "focus-csv"


def render(
    fmt: OutputFormat,
    data: Estimate | Report,
    options: TableOptions | None = None,
    report_options: ReportOptions | None = None,
) -> str:
    """Render an estimate or a report in ``fmt``; options only affect human-readable formats."""
    diff = bool(options and options.diff)
    report = data if isinstance(data, Report) else Report.of_estimate(
        data, kind="diff" if diff else "breakdown")
    ropts = report_options or ReportOptions()
    if fmt is OutputFormat.TABLE:
        return render_report_table(report, options or TableOptions())
    if fmt is OutputFormat.JSON:
        if not isinstance(data, Report):
            from costgate.report.json_report import render_json

            return render_json(data)  # the bare estimate contract, unchanged
        return report.document().model_dump_json(indent=2) + "\n"
    if fmt is OutputFormat.MARKDOWN:
        from costgate.report.markdown import render_markdown

        return render_markdown(report, ropts)
    if fmt is OutputFormat.HTML:
        from costgate.report.html import render_html

        return render_html(report, ropts)
    if fmt is OutputFormat.GITHUB_SUMMARY:
        from costgate.report.github_summary import render_github_summary

        return render_github_summary(report, ropts)
    if fmt is OutputFormat.FOCUS_CSV:
        from costgate.report.focus import render_focus_csv

        return render_focus_csv(report)
    assert_never(fmt)


def render_report_table(report: Report, options: TableOptions) -> str:
    """The table of each project, then the project totals, showback and policy verdict."""
    from costgate.report.table import render_table

    parts = []
    for p in report.projects:
        if p.estimate is not None:
            text = render_table(p.estimate, options)
            parts.append(f"Project {p.name}\n{text}" if report.multi else text)
        else:
            parts.append(f"Project {p.name}: could not be estimated: {p.error}\n")
    extra = _text_lines(report)
    return "\n".join(parts) + ("\n" + "\n".join(extra) + "\n" if extra else "")


def _text_lines(report: Report) -> list[str]:
    """Plain-text project totals, showback, savings and verdict under the table."""
    from costgate.report import markdown as md
    from costgate.report.showback import compliance_line, row_label

    ccy, lines = report.currency, []
    if report.multi:
        t = report.totals
        lines.append(f"All projects: {md.fmt_money(t.monthly_cost_before, ccy)} -> "
                     f"{md.fmt_money(t.monthly_cost_after, ccy)} "
                     f"({md.fmt_money(t.monthly_delta, ccy, signed=True)})")
    if report.showback is not None:
        sb = report.showback
        lines.append(f"Cost by {', '.join(sb.keys)}:")
        lines.extend(f"  {row_label(r, sb.keys)}: {md.fmt_money(r.monthly_cost_after, ccy)} "
                     f"({md.fmt_money(r.monthly_delta, ccy, signed=True)})" for r in sb.rows)
        lines.append(compliance_line(sb))
    lines.extend(f"Cheaper: {s.address}: {s.current} -> {s.suggested}{md.saving_note(s.kind)} "
                 f"{md.saving_text(s.monthly_saving, ccy)}" for s in report.savings)
    if report.policy is not None:
        lines.extend(md.verdict_text(report.policy))
    return lines
