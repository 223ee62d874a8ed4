"""``costgate ci --path DIR`` (HCL mode) in a simulated GitHub pull_request run: the base side
is the PR's base commit from the event JSON (``pull_request.base.sha``, else ``base.ref``),
read from git like ``costgate diff --path --base-ref``, and the result must match that command.

The repository: ``main`` had ``aws_instance.web`` (t3.micro) when the PR branched; the PR makes
it an m5.large; ``main`` has since gained ``aws_instance.extra``. Diffing against the moving
branch instead of the PR's base commit would show ``extra`` as removed.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fake_api import clear_ci_env
from fake_github import FakeGitHub

from costgate.cli import main
from costgate.commands.ci import default_base_ref
from costgate.publish.detect import CIContext

TOKEN = "ghs_hcl_SECRET_token_0123456789"
PROVIDER = 'provider "aws" {\n  region = "us-east-1"\n}\n'
POLICY = ("version: 1\ncurrency: USD\nrules:\n  - id: monthly-increase\n"
          "    max_monthly_increase: 20\n    severity: fail\n")


def _instance(name: str, size: str) -> str:
    return (f'\nresource "aws_instance" "{name}" {{\n  ami           = "ami-0a3c3a20c09d6f377"\n'
            f'  instance_type = "{size}"\n}}\n')


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci",
                           "-c", "init.defaultBranch=main", "-C", str(repo), *args],
                          check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | str]:
    root = tmp_path_factory.mktemp("hcl-ci") / "repo"
    root.mkdir()
    infra = root / "infra"
    infra.mkdir()
    _git(root, "init", "-q")
    (infra / "main.tf").write_text(PROVIDER + _instance("web", "t3.micro"))
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    base = _git(root, "rev-parse", "HEAD")
    _git(root, "checkout", "-qb", "feature")
    (infra / "main.tf").write_text(PROVIDER + _instance("web", "m5.large"))
    _git(root, "commit", "-qam", "bigger web")
    head = _git(root, "rev-parse", "HEAD")
    _git(root, "checkout", "-q", "main")
    (infra / "main.tf").write_text(PROVIDER + _instance("web", "t3.micro")
                                   + _instance("extra", "t3.large"))
    _git(root, "commit", "-qam", "main moves on")
    _git(root, "checkout", "-q", "feature")
    (root.parent / "policy.yml").write_text(POLICY)
    return {"root": root, "infra": infra, "base": base, "head": head,
            "policy": root.parent / "policy.yml"}


@pytest.fixture
def github(tmp_path: Path, repo: dict[str, Path | str],
           monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    clear_ci_env(monkeypatch)
    monkeypatch.setenv("COSTGATE_PARALLELISM", "1")
    event = {"pull_request": {"number": 9, "updated_at": "2026-05-02T09:00:00Z",
                              "head": {"sha": repo["head"], "ref": "feature",
                                       "repo": {"full_name": "acme/infra"}},
                              "base": {"sha": repo["base"], "ref": "main",
                                       "repo": {"full_name": "acme/infra"}}}}
    (tmp_path / "event.json").write_text(json.dumps(event))
    (tmp_path / "output.txt").write_text("")
    with FakeGitHub() as fake:
        fake.add_token(TOKEN, "github-actions[bot]")
        for key, value in {
            "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(tmp_path / "event.json"), "GITHUB_BASE_REF": "main",
            "GITHUB_REPOSITORY": "acme/infra", "GITHUB_API_URL": fake.api_url,
            "GITHUB_GRAPHQL_URL": fake.graphql_url, "GITHUB_RUN_ID": "300",
            "GITHUB_TOKEN": TOKEN, "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        }.items():
            monkeypatch.setenv(key, value)
        yield fake


def outputs(path: Path) -> dict[str, str]:
    return {m.group(1): m.group(3) for m in re.finditer(
        r"^([a-z-]+)<<(ghadelimiter_[0-9a-f]{32})\n(.*?)\n\2$", path.read_text(), re.M | re.S)}


def test_path_mode_diffs_against_the_pull_requests_base_commit(
        github: FakeGitHub, repo: dict[str, Path | str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ci", "--path", str(repo["infra"]), "--policy", str(repo["policy"])])
    out, err = capsys.readouterr()
    assert code == 1, err  # t3.micro -> m5.large is more than $20/month
    [comment] = github.pr_comments(9)
    assert "web" in comment["body"] and "extra" not in comment["body"]
    [status] = github.statuses
    assert status["sha"] == repo["head"] and status["state"] == "failure"
    found = outputs(tmp_path / "output.txt")
    assert found["verdict"] == "fail" and Decimal(found["monthly-delta"]) > 20

    # the same inputs through `costgate diff --path --base-ref` give the same delta
    saved = tmp_path / "diff.json"
    assert main(["diff", "--path", str(repo["infra"]), "--base-ref", str(repo["base"]),
                 "--format", "json", "--out", str(saved)]) == 0
    doc = json.loads(saved.read_text(), parse_float=Decimal)
    assert Decimal(found["monthly-delta"]) == Decimal(str(doc["total_monthly_delta"]))


def test_explicit_base_ref_wins_over_the_event(
        github: FakeGitHub, repo: dict[str, Path | str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ci", "--path", str(repo["infra"]), "--base-ref", "main", "--behavior", "off",
                 "--no-status"])
    assert code == 0, capsys.readouterr().err  # no policy: pass
    delta = Decimal(outputs(tmp_path / "output.txt")["monthly-delta"])
    code = main(["ci", "--path", str(repo["infra"]), "--behavior", "off", "--no-status"])
    assert code == 0
    from_event = Decimal(outputs(tmp_path / "output.txt")["monthly-delta"])
    assert delta < from_event  # against main, the removed `extra` instance lowers the delta
    assert github.calls == []  # --behavior off --no-status: nothing posted


def test_default_base_ref_prefers_the_base_commit_when_present(
        repo: dict[str, Path | str]) -> None:
    path = str(repo["infra"])
    base = str(repo["base"])
    assert default_base_ref(CIContext(base_sha=base, base_ref="main"), path) == base
    missing = "f" * 40  # e.g. a shallow clone without the base commit
    assert default_base_ref(CIContext(base_sha=missing, base_ref="main"), path) == "main"
    assert default_base_ref(CIContext(base_ref="develop"), path) == "develop"
    assert default_base_ref(CIContext(), path) == ""


def test_path_and_plan_together_are_refused(github: FakeGitHub, repo: dict[str, Path | str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ci", "--path", str(repo["infra"]), "--plan", "plan.json"]) == 2
    assert "either --plan FILE or --path DIR" in capsys.readouterr().err
    assert main(["ci", "--base-ref", "main"]) == 2
    assert "need --path DIR" in capsys.readouterr().err
    assert github.calls == []
