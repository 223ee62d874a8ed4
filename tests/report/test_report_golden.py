"""Every format renders the same report; golden files pin each one (--update-golden)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from report_samples import two_project_report, web_estimate

from costgate.model.estimate import Estimate
from costgate.model.policy import Outcome
from costgate.model.report import Report, load_document, project_estimates, report_schema_text
from costgate.policy.config import load_policy
from costgate.policy.evaluate import evaluate
from costgate.publish.base import Marker, MarkerStyle, parse_marker
from costgate.report.formats import OutputFormat, ReportOptions, TableOptions, render
from costgate.report.showback import showback
from costgate.report.subject import policy_subject

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "costgate" / "schema" / "report.v1.json"
GOLDEN_NAMES = {
    OutputFormat.TABLE: "full.table.txt",
    OutputFormat.JSON: "full.json",
    OutputFormat.MARKDOWN: "full.md",
    OutputFormat.HTML: "full.html",
    OutputFormat.GITHUB_SUMMARY: "full.summary.md",
    OutputFormat.FOCUS_CSV: "full.focus.csv",
}


def full_report() -> Report:
    """Two projects, the example policy (as of 2026-08-01), showback by team and environment."""
    report = two_project_report()
    policy = load_policy(REPO / "examples" / "costgate-policy.yml")
    types = {("web", "aws_instance.web"): "m5.xlarge", ("web", "aws_instance.legacy"): "m3.large"}
    verdict = evaluate(policy, policy_subject(report, types), today=dt.date(2026, 8, 1),
                       source="examples/costgate-policy.yml")
    sb = showback((r for _, r in report.resources()), ("team", "environment"))
    return report.model_copy(update={"policy": verdict, "showback": sb})


def test_full_report_is_what_the_goldens_show() -> None:
    """The sample is meaningful: a warning verdict, a total and a saving to show."""
    report = full_report()
    assert report.policy is not None and report.policy.outcome is Outcome.WARN
    # 140.16 + 32.85 + 97.09 (web) + 10 (data) after; 70.08 + 97.09 + 70.08 before
    assert report.totals.monthly_cost_after == Decimal("280.10")
    assert report.totals.monthly_delta == Decimal("42.85")


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_golden(fmt: OutputFormat, report_golden: Callable[[str, str], None]) -> None:
    text = render(fmt, full_report(), TableOptions(diff=True), ReportOptions())
    report_golden(GOLDEN_NAMES[fmt], text)


def test_every_format_name_maps_to_a_distinct_renderer() -> None:
    report = full_report()
    outputs = {fmt: render(fmt, report) for fmt in OutputFormat}
    assert set(outputs) == set(GOLDEN_NAMES)
    assert all(text.endswith("\n") and len(text) > 200 for text in outputs.values())
    assert len(set(outputs.values())) == len(OutputFormat)
    # every human format shows the same new total
    for fmt in (OutputFormat.TABLE, OutputFormat.MARKDOWN, OutputFormat.HTML,
                OutputFormat.GITHUB_SUMMARY):
        assert "$280.10" in outputs[fmt], fmt


def test_bitbucket_markdown_has_no_html(report_golden: Callable[[str, str], None]) -> None:
    text = render(OutputFormat.MARKDOWN, full_report(),
                  report_options=ReportOptions(details=False, tag="prod"))
    report_golden("full.bitbucket.md", text)
    assert "<details>" not in text and "<!--" not in text and "<sub>" not in text
    assert text.endswith("\n\n*costgate-comment v=1 tag=prod*\n")
    assert parse_marker(text, MarkerStyle.VISIBLE) == Marker(tag="prod")


def test_comment_marker_first_line_and_tag() -> None:
    text = render(OutputFormat.MARKDOWN, full_report(),
                  report_options=ReportOptions(tag="prod --><b>x</b>"))
    assert text.splitlines()[0] == "<!-- costgate-comment v=1 tag=prod-bx/b -->"
    assert parse_marker(text) == Marker(tag="prod-bx/b")  # what costgate.publish looks for
    assert render(OutputFormat.GITHUB_SUMMARY, full_report()).startswith("## costgate")


def test_json_is_the_estimate_contract_plus_report_keys() -> None:
    text = render(OutputFormat.JSON, full_report())
    data = json.loads(text)
    assert data["total_monthly_cost_after"] == "280.1"
    assert {"projects", "policy", "showback", "savings"} <= data.keys()
    assert [p["name"] for p in data["projects"]] == ["web", "data"]
    assert data["policy"]["outcome"] == "warn"
    # a saved report loads back: as a bare estimate, and per project
    assert Estimate.load_json(text).total_monthly_delta == Decimal("42.85")
    per = project_estimates(load_document(text))
    assert per["web"] == web_estimate()


def test_single_project_json_root_is_that_estimate() -> None:
    est = web_estimate()
    data = json.loads(render(OutputFormat.JSON, Report.of_estimate(est, name="web")))
    assert data["projects"] == [{"name": "web", "path": "", "error": None, "estimate": None,
                                 "total_monthly_cost_before": "237.25",
                                 "total_monthly_cost_after": "270.1",
                                 "total_monthly_delta": "32.85"}]
    assert Estimate.load_json(json.dumps(data)) == est


def test_report_schema_file_is_current_and_validates_output() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == report_schema_text(), (
        "regenerate: python -c \"from costgate.model.report import report_schema_text; "
        "open('costgate/schema/report.v1.json','w').write(report_schema_text())\"")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    data = json.loads(render(OutputFormat.JSON, full_report()))
    validator.validate(data)
    data["showback"]["rows"][0]["monthly_cost_after"] = 1.5  # floats are not contract money
    assert not validator.is_valid(data)


def test_options_do_not_leak_between_formats() -> None:
    opts = ReportOptions(max_chars=5000)
    short = render(OutputFormat.MARKDOWN, full_report(), report_options=opts)
    summary = render(OutputFormat.GITHUB_SUMMARY, full_report(),
                     report_options=dataclasses.replace(opts, max_chars=None))
    assert len(short) <= 5000 and "Resource details" in summary
