"""``--format github-summary``: Markdown for ``$GITHUB_STEP_SUMMARY`` (the job summary page).

The same sections as the PR comment, without the hidden comment marker, and with GitHub's
1 MiB summary limit instead of the 65,536-character comment limit, so the per-resource
detail is normally complete. Append it with ``>> "$GITHUB_STEP_SUMMARY"``.
"""

from __future__ import annotations

import dataclasses

from costgate.model.report import Report
from costgate.report.formats import ReportOptions
from costgate.report.markdown import render_markdown

#: GitHub refuses step summaries over 1 MiB; keep a margin for other steps' output.
SUMMARY_MAX_CHARS = 1_000_000
_DEFAULT = ReportOptions()


def render_github_summary(report: Report, opts: ReportOptions = _DEFAULT) -> str:
    """The job-summary Markdown (no marker, <details> kept, 1 MB budget)."""
    return render_markdown(report, dataclasses.replace(
        opts, marker=False, details=True, max_chars=opts.max_chars or SUMMARY_MAX_CHARS))
