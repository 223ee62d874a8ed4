"""``costgate ci`` in a simulated GitHub Actions pull_request run against the fake GitHub."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fake_api import no_waiting, priced_estimate
from fake_github import FakeGitHub

from costgate.cli import main
from costgate.model.estimate import (
    Estimate,
)
from costgate.model.report import ProjectEntry, Report
from costgate.report.markdown import md_escape

TOKEN = "ghs_ci_SECRET_token_0123456789"
BOT = "github-actions[bot]"
HEAD_SHA = "a" * 40
POLICY = """\
version: 1
currency: USD
rules:
  - id: monthly-increase
    max_monthly_increase: 100
    severity: fail
    message: "Changes adding more than $100/month need approval, 100% sure: ask #finops"
"""


def estimate(costs: dict[str, str], source: str) -> Estimate:
    return priced_estimate(costs, source=source, snapshot="test-snap", region="eu-west-1")


class Run:
    """One simulated workflow run: files, environment, captured output."""

    def __init__(self, tmp: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp, self.fake, self.mp = tmp, fake, monkeypatch
        (tmp / "base.json").write_text(
            estimate({"aws_instance.web": "50"}, "base").model_dump_json())
        (tmp / "policy.yml").write_text(POLICY)
        self.summary, self.output = tmp / "summary.md", tmp / "output.txt"
        self.summary.write_text("")
        self.output.write_text("")

    def env(self, *, run_id: int, updated_at: str, fork: bool = False,
            token: str = TOKEN, graphql: bool = True) -> None:
        self.token = token
        base_repo = {"full_name": "acme/infra"}
        head_repo = {"full_name": "mallory/infra" if fork else "acme/infra"}
        event = {"action": "synchronize", "number": 7, "pull_request": {
            "number": 7, "updated_at": updated_at,
            "head": {"sha": HEAD_SHA, "ref": 'zzz";echo${IFS}"hello";#', "repo": head_repo},
            "base": {"sha": "b" * 40, "ref": "main", "repo": base_repo}}}
        (self.tmp / "event.json").write_text(json.dumps(event))
        values = {
            "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(self.tmp / "event.json"), "GITHUB_REPOSITORY": "acme/infra",
            "GITHUB_API_URL": self.fake.api_url, "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_RUN_ID": str(run_id), "GITHUB_SHA": "c" * 40, "GITHUB_BASE_REF": "main",
            "GITHUB_REF": "refs/pull/7/merge", "GITHUB_TOKEN": token,
            "GITHUB_STEP_SUMMARY": str(self.summary), "GITHUB_OUTPUT": str(self.output),
        }
        if graphql:
            values["GITHUB_GRAPHQL_URL"] = self.fake.graphql_url
        else:
            self.mp.delenv("GITHUB_GRAPHQL_URL", raising=False)
        for key, value in values.items():
            self.mp.setenv(key, value)

    def ci(self, head_costs: dict[str, str], capsys: pytest.CaptureFixture[str],
           *extra: str) -> tuple[int, str, str]:
        (self.tmp / "head.json").write_text(estimate(head_costs, "head").model_dump_json())
        code = main(["ci", "--base", str(self.tmp / "base.json"), "--head",
                     str(self.tmp / "head.json"), "--policy", str(self.tmp / "policy.yml"),
                     *extra])
        out, err = capsys.readouterr()
        mask = f"::add-mask::{TOKEN}\n"
        if self.token == TOKEN:  # the runner consumes the mask command; it comes first
            assert out.startswith(mask)
            out = out[len(mask):]
        for text in (out, err, self.summary.read_text(), self.output.read_text()):
            assert TOKEN not in text
        return code, out, err

    def outputs(self) -> dict[str, str]:
        text = self.output.read_text()
        found = {}
        for m in re.finditer(r"^([a-z-]+)<<(ghadelimiter_[0-9a-f]{32})\n(.*?)\n\2$", text,
                             re.M | re.S):
            found[m.group(1)] = m.group(3)
        return found


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    no_waiting(monkeypatch)
    for var in ("COSTGATE_BEHAVIOR", "COSTGATE_TAG", "COSTGATE_FAIL_ON", "COSTGATE_POLICY",
                "COSTGATE_PLAN", "COSTGATE_COMMENT", "COSTGATE_PR", "COSTGATE_REPO"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    with FakeGitHub() as fake:
        fake.add_token(TOKEN, BOT)
        yield Run(tmp_path, fake, monkeypatch)


def test_pull_request_run_posts_then_updates(run: Run, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    run.env(run_id=100, updated_at="2026-05-01T10:00:00Z")
    code, out, _ = run.ci({"aws_instance.web": "50", "aws_instance.big": "400"}, capsys)
    assert code == 1  # +$400/month breaks the $100 rule
    [comment] = run.fake.pr_comments(7)
    assert comment["body"].startswith("<!-- costgate-comment v=1 valid-at=2026-05-01T10:00:00Z"
                                      " seq=100 sha=aaaaaaaaaaaa -->")
    assert md_escape("aws_instance.big") in comment["body"]
    assert "commit aaaaaaa" in comment["body"]
    [status] = run.fake.statuses
    assert status["sha"] == HEAD_SHA and status["state"] == "failure"
    assert status["context"] == "costgate" and len(status["description"]) < 140
    assert "budget policy failed" in status["description"]
    outputs = run.outputs()
    assert outputs["verdict"] == "fail" and Decimal(outputs["monthly-delta"]) == 400
    assert Decimal(outputs["new-total"]) == 450 and outputs["comment-url"] == comment["html_url"]
    assert md_escape("aws_instance.big") in run.summary.read_text()
    assert "::error title=costgate%3A monthly-increase::" in out
    assert "monthly cost rises by 400.00 USD" in out
    assert re.search(r"^::stop-commands::[0-9a-f]{32}$", out, re.M)  # table echoed safely

    run.env(run_id=101, updated_at="2026-05-01T10:05:00Z")
    code, _, _ = run.ci({"aws_instance.web": "50", "aws_instance.small": "20"}, capsys)
    assert code == 0
    [updated] = run.fake.pr_comments(7)
    assert updated["id"] == comment["id"] and md_escape("aws_instance.big") not in updated["body"]
    assert "seq=101" in updated["body"].splitlines()[0]
    assert [c.method for c in run.fake.mutations() if "comments" in c.path] == ["POST", "PATCH"]
    assert run.fake.statuses[-1]["state"] == "success"
    assert run.outputs()["verdict"] == "pass"  # later block of the same file
    assert run.output.read_text().count("verdict<<") == 2


def test_rerun_of_an_older_push_does_not_overwrite(run: Run,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    run.env(run_id=200, updated_at="2026-05-01T11:00:00Z")
    run.ci({"aws_instance.web": "60"}, capsys)
    run.env(run_id=150, updated_at="2026-05-01T10:00:00Z")
    code, out, _ = run.ci({"aws_instance.web": "999"}, capsys)
    assert code == 1  # the verdict of this run still gates
    assert "comment skipped-newer" in out
    assert "seq=200" in run.fake.pr_comments(7)[0]["body"]


def test_fork_pull_request_falls_back_to_summary_and_exit_code(
        run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    run.env(run_id=100, updated_at="2026-05-01T10:00:00Z", fork=True)
    code, out, _ = run.ci({"aws_instance.big": "500"}, capsys)
    assert code == 1
    assert run.fake.mutations() == [] and run.fake.statuses == []
    assert "::notice title=costgate::pull request from a fork" in out
    assert md_escape("aws_instance.big") in run.summary.read_text()
    assert "from a fork" in run.summary.read_text()


def test_read_only_token_warns_and_keeps_exit_code(run: Run,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    ro = "ghs_readonly_ci_token_999999"
    run.fake.add_token(ro, BOT, read_only=True)
    run.env(run_id=100, updated_at="2026-05-01T10:00:00Z", token=ro)
    code, out, err = run.ci({"aws_instance.web": "70"}, capsys)
    assert code == 0
    assert "::warning title=costgate::comment: could not post" in out
    assert "Resource not accessible by integration" in err and "read-only" in err
    assert run.outputs()["verdict"] == "pass"


def test_api_down_never_changes_the_verdict(run: Run, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    run.env(run_id=100, updated_at="2026-05-01T10:00:00Z")
    run.fake.fail("GET", ".", status=500, count=100)
    run.fake.fail("POST", ".", status=500, count=100)
    code, _, err = run.ci({"aws_instance.big": "500"}, capsys)
    assert code == 1 and "verdict and exit code are unchanged" in err
    run.fake.faults.clear()
    code, _, _ = run.ci({"aws_instance.web": "5"}, capsys, "--fail-on", "never")
    assert code == 0


def test_enterprise_graphql_url_derived_and_hide_and_new(run: Run,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    run.env(run_id=100, updated_at="2026-05-01T10:00:00Z", graphql=False)
    run.ci({"aws_instance.web": "60"}, capsys, "--tag", "prod")
    run.env(run_id=101, updated_at="2026-05-01T10:01:00Z", graphql=False)
    run.ci({"aws_instance.web": "70"}, capsys, "--tag", "prod", "--behavior", "hide-and-new")
    first, second = sorted(run.fake.pr_comments(7), key=lambda c: c["id"])
    assert run.fake.minimized == {first["id"]}
    assert "tag=prod" in second["body"].splitlines()[0]
    assert any(c.path == "/api/graphql" for c in run.fake.calls)


def test_comment_command_posts_a_saved_report(run: Run, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    for var in ("GITHUB_ACTIONS", "GITHUB_EVENT_PATH", "GITHUB_REF"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", run.fake.api_url)
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", run.fake.graphql_url)
    doc = Report.build([ProjectEntry(name="prod", estimate=estimate(
        {"aws_nat_gateway.main": "32.85"}, "plan"))], kind="diff").document()
    (tmp_path / "report.json").write_text(doc.model_dump_json())
    code = main(["comment", "github", "--report", str(tmp_path / "report.json"),
                 "--repo", "acme/infra", "--pr", "7"])
    out, _ = capsys.readouterr()
    assert code == 0 and "comment created" in out
    [comment] = run.fake.pr_comments(7)
    assert md_escape("aws_nat_gateway.main") in comment["body"]
    assert main(["comment", "github", "--report", str(tmp_path / "nope.json"),
                 "--repo", "acme/infra", "--pr", "7"]) == 2
    assert main(["comment", "github", "--report", str(tmp_path / "report.json"),
                 "--repo", "acme/infra", "--pr", "0"]) == 2
    _, err = capsys.readouterr()
    assert "bad pull request number '0'" in err


def test_ci_detect_prints_context_without_token(run: Run,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    run.env(run_id=100, updated_at="2026-05-01T10:00:00Z")
    assert main(["ci", "detect"]) == 0
    out = capsys.readouterr().out
    assert "platform: github" in out and "pull request: 7" in out and "token: set" in out
    assert f"head sha: {HEAD_SHA}" in out and TOKEN not in out

