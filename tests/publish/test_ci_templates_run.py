"""Each platform's documented setup, run as written: the costgate command line is taken from
the shipped template (for GitHub: the workflow's ``with:`` mapped through ``action.yml``'s
``env:`` to its ``run:``), executed in a simulated CI job against that platform's fake server.

``plan.json`` is a saved costgate estimate of ``examples/plan.json`` (+$29.20/mo): costgate
accepts it wherever a plan goes, and it keeps these runs free of pricing work. The policy
``costgate-policy.yml`` caps the increase at $10/month, so every run must fail the gate.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fake_api import FakeApi, ci_inputs, clear_ci_env
from fake_azure import PROJECT, REPO_ID, FakeAzure
from fake_bitbucket import FakeBitbucket
from fake_github import FakeGitHub
from fake_gitlab import FakeGitLab
from shared_data import REPO

from costgate import cli

TEMPLATES = REPO / "ci_templates"
SHA = "5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d"
PR = 12
_EXPR = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return ci_inputs(tmp_path_factory.mktemp("template-runs"))


@pytest.fixture
def workdir(tmp_path: Path, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """The job's checkout: the plan JSON the template's earlier steps produce, the policy."""
    clear_ci_env(monkeypatch)
    shutil.copy(inputs["estimate"], tmp_path / "plan.json")
    shutil.copy(inputs["fail"], tmp_path / "costgate-policy.yml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _load(name: str) -> Any:
    return yaml.safe_load((TEMPLATES / name).read_text(encoding="utf-8"))


def costgate_argv(line: str, platform: str) -> list[str]:
    """The arguments after the ``costgate`` program (whatever path the template installs it at)."""
    words = shlex.split(line, comments=True)
    assert Path(words[0]).name == "costgate" and words[1:3] == ["ci", platform], line
    return words[1:]


def one_line(lines: list[str], platform: str) -> str:
    [line] = [x for x in lines if re.search(rf"\bcostgate ci {platform}\b", x)]
    return line


# --------------------------------------------------------------------------- per platform


def github_job(fake: FakeGitHub, tmp: Path) -> tuple[list[str], dict[str, str]]:
    """The workflow's costgate step → action inputs (with defaults) → the action's run step."""
    token = "ghs_template_SECRET_0123456789"
    fake.add_token(token, "github-actions[bot]")
    workflow, action = _load("github-workflow.yml"), yaml.safe_load(
        (REPO / "action.yml").read_text(encoding="utf-8"))
    [step] = [s for s in workflow["jobs"]["costgate"]["steps"]
              if "/costgate@" in s.get("uses", "")]
    context = {"runner.temp": str(tmp), "github.token": token}
    given = {k: _EXPR.sub(lambda m: context[m.group(1)], str(v))
             for k, v in step["with"].items()}
    values = {k: given.get(k, _EXPR.sub(lambda m: context[m.group(1)], str(spec.get(
        "default", "")))) for k, spec in action["inputs"].items()}
    assert set(given) <= set(values), "the workflow passes an input the action does not have"
    [run] = [s for s in action["runs"]["steps"] if s.get("id") == "run"]
    env = {k: _EXPR.sub(lambda m: values[m.group(1).removeprefix("inputs.")], str(v))
           for k, v in run["env"].items()}
    repo = {"full_name": "acme/infra"}
    (tmp / "event.json").write_text(json.dumps({"pull_request": {
        "number": PR, "updated_at": "2026-05-01T10:00:00Z", "head": {"sha": SHA, "repo": repo},
        "base": {"sha": "b" * 40, "ref": "main", "repo": repo}}}))
    env |= {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(tmp / "event.json"), "GITHUB_REPOSITORY": "acme/infra",
            "GITHUB_API_URL": fake.api_url, "GITHUB_GRAPHQL_URL": fake.graphql_url,
            "GITHUB_RUN_ID": "77", "GITHUB_SERVER_URL": "https://github.example"}
    return costgate_argv(run["run"], "github"), env


def gitlab_job(fake: FakeGitLab, tmp: Path) -> tuple[list[str], dict[str, str]]:
    job = _load("gitlab-ci.yml")["costgate"]
    fake.add_token("glpat-TemplateS3cret0042", "project_4242_bot")
    env = {k: str(v) for k, v in (job.get("variables") or {}).items()}
    env |= {"GITLAB_CI": "true", "CI_API_V4_URL": fake.api_url, "CI_PROJECT_ID": "4242",
            "CI_PROJECT_PATH": "acme/platform/infra", "CI_MERGE_REQUEST_IID": str(PR),
            "CI_COMMIT_SHA": SHA, "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_PIPELINE_ID": "501", "GITLAB_TOKEN": "glpat-TemplateS3cret0042"}
    return costgate_argv(one_line(job["script"], "gitlab"), "gitlab"), env


def azure_job(fake: FakeAzure, tmp: Path) -> tuple[list[str], dict[str, str]]:
    jwt = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ0ZW1wbGF0ZSJ9.c2lnbmF0dXJlX3RlbXBsYXRl"
    fake.add_build_token(jwt)
    [step] = [s for s in _load("azure-pipelines.yml")["steps"]
              if "costgate ci azure-repos" in s.get("script", "")]
    macros = {"System.AccessToken": jwt}  # what the agent substitutes for $(…)
    env = {k: re.sub(r"\$\(([\w.]+)\)", lambda m: macros[m.group(1)], str(v))
           for k, v in step["env"].items()}
    env |= {"TF_BUILD": "True", "SYSTEM_COLLECTIONURI": fake.collection_url,
            "SYSTEM_TEAMPROJECT": PROJECT, "BUILD_REPOSITORY_ID": REPO_ID,
            "BUILD_REPOSITORY_NAME": "infra", "BUILD_REPOSITORY_PROVIDER": "TfsGit",
            "BUILD_REASON": "PullRequest", "SYSTEM_PULLREQUEST_PULLREQUESTID": str(PR),
            "SYSTEM_PULLREQUEST_SOURCECOMMITID": SHA, "BUILD_BUILDID": "900"}
    return costgate_argv(one_line(step["script"].splitlines(), "azure-repos"), "azure-repos"), env


def bitbucket_job(fake: FakeBitbucket, tmp: Path) -> tuple[list[str], dict[str, str]]:
    token = "ATCTT3xTemplateS3cretAccessToken"
    bot = fake.add_access_token(token)
    [step] = _load("bitbucket-pipelines.yml")["pipelines"]["pull-requests"]["**"]
    # the repository variables the template's setup comment asks for
    env = {"BITBUCKET_TOKEN": token, "COSTGATE_COMMENT_AUTHOR": bot["uuid"],
           "BITBUCKET_BUILD_NUMBER": "31", "BITBUCKET_COMMIT": SHA,
           "BITBUCKET_REPO_FULL_NAME": "acme/infra", "BITBUCKET_PR_ID": str(PR),
           "BITBUCKET_PR_DESTINATION_BRANCH": "main",
           "COSTGATE_BITBUCKET_API_URL": fake.api_url}
    return costgate_argv(one_line(step["step"]["script"], "bitbucket"), "bitbucket"), env


Job = Callable[[Any, Path], tuple[list[str], dict[str, str]]]
CASES: dict[str, tuple[type[FakeApi] | type[FakeGitHub], Job]] = {
    "github": (FakeGitHub, github_job), "gitlab": (FakeGitLab, gitlab_job),
    "azure-repos": (FakeAzure, azure_job), "bitbucket": (FakeBitbucket, bitbucket_job)}


def comments(fake: Any, platform: str) -> list[str]:
    if platform == "github":
        return [c["body"] for c in fake.pr_comments(PR)]
    if platform == "gitlab":
        return [n["body"] for n in fake.mr_notes(PR)]
    return list(fake.live_bodies(PR))


def statuses(fake: Any, platform: str) -> list[str]:
    if platform == "gitlab":
        return []  # GitLab has no status API in costgate: the job status is the gate
    return [str(s["state"]) for s in fake.statuses]


@pytest.fixture(params=sorted(CASES))
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake(platform: str) -> Iterator[Any]:
    with CASES[platform][0]() as server:
        yield server


def test_template_command_posts_one_comment_sets_status_and_gates(
        platform: str, fake: Any, workdir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    argv, env = CASES[platform][1](fake, workdir)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert cli.main(argv) == 1  # +$29.20/mo against a $10 cap: the job fails
    [body] = comments(fake, platform)
    assert "+$29.20" in body and "**blocked** by the budget policy" in body
    expected = {"github": ["failure"], "gitlab": [], "azure-repos": ["failed"],
                "bitbucket": ["FAILED"]}[platform]
    assert statuses(fake, platform) == expected
    out = capsys.readouterr()
    assert "warning" not in out.err.lower() and "comment created" in out.out

    assert cli.main(argv) == 1  # the next push: updated in place, not a second comment
    assert len(comments(fake, platform)) == 1
