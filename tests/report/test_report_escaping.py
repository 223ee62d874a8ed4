"""Names, module keys and tag values come from the pull request: nothing in them is live."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from report_samples import estimate, hours, rcc

from costgate.model.report import ProjectEntry, Report
from costgate.model.resource import Action
from costgate.report.formats import OutputFormat, ReportOptions, render
from costgate.report.markdown import md_escape
from costgate.report.showback import showback

HOSTILE_KEY = 'x"]</td><script>alert(1)</script>|@octocat [pwn](https://evil.example) **b**'
HOSTILE_TAG = "@payments-team <img src=x onerror=alert(1)> | `rm -rf` _i_"


def hostile_report() -> Report:
    comp = hours("m5.large", "0.096")
    row = rcc(f'module.app["{HOSTILE_KEY}"].aws_instance.web', Action.CREATE, Decimal(0),
              comp.monthly_cost, (comp,), type_="aws_instance",
              tags={"team": HOSTILE_TAG, "Name": "=HYPERLINK(\"http://evil\")"})
    report = Report.build([ProjectEntry(name="@org/infra", estimate=estimate(row))], kind="diff")
    return report.model_copy(update={"showback": showback([row], ("team",))})


def test_markdown_escape_neutralises_every_construct() -> None:
    text = md_escape(HOSTILE_KEY)
    assert "<" not in text.replace("\\<", "") and "|" not in text.replace("\\|", "")
    assert "](" not in text and "**" not in text
    assert re.search(r"@(?!\u200b)", text) is None


def test_markdown_comment_has_no_live_html_links_or_mentions() -> None:
    for fmt in (OutputFormat.MARKDOWN, OutputFormat.GITHUB_SUMMARY):
        text = render(fmt, hostile_report(), report_options=ReportOptions(details=True))
        assert "<script>" not in text and "<img" not in text and "<td>" not in text
        assert re.search(r"@(?!\u200b)", text) is None, "a mention would fire"
        assert "](https" not in text
        # every table row keeps its column count: no unescaped pipe from the plan
        for line in text.splitlines():
            if line.startswith("| ") and ("web" in line or "payments" in line):
                cells = re.split(r"(?<!\\)\|", line)
                assert len(cells) in (7, 8), line  # 5 or 6 columns + the two outer edges


def test_html_escapes_and_has_no_url() -> None:
    page = render(OutputFormat.HTML, hostile_report())
    assert "<script>" not in page and "<img" not in page and "onerror=alert" not in page.replace(
        "onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in page
    assert re.search(r"@(?!\u200b)", page) is None
    assert "https://" not in page.replace("https://evil.example", "")  # only the escaped text
    assert "src=" not in page.replace("src=x", "")  # no resource is ever loaded
    assert "<link" not in page and "<script" not in page


def test_focus_csv_cells_cannot_become_formulas() -> None:
    rows = list(csv.DictReader(io.StringIO(render(OutputFormat.FOCUS_CSV, hostile_report()))))
    assert len(rows) == 1
    assert rows[0]["ResourceName"].startswith("'=HYPERLINK")
    assert '"' in rows[0]["x_ResourceAddress"] and rows[0]["x_ResourceAddress"].startswith("module")
    assert rows[0]["x_Project"] == "'@\u200borg/infra"
