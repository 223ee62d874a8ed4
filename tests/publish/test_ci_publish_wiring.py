"""How ``costgate ci`` adapts to each platform: its own token hint, ``hide-and-new`` where
nothing can be hidden, the ids detection passes through, and every platform's status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fake_api import clear_ci_env, priced_estimate
from fake_azure import PROJECT, REPO_ID, FakeAzure
from fake_bitbucket import REPO, FakeBitbucket
from fake_github import FakeGitHub
from fake_gitlab import FakeGitLab

from costgate import cli
from costgate.publish import azure_repos, bitbucket, github, gitlab
from costgate.publish.detect import detect

SHA = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"
PR = 21
JWT = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ3aXJpbmcifQ.d2lyaW5nX3NpZ25hdHVyZQ"
BB_TOKEN = "ATCTT3xWiringS3cretAccessToken"


@pytest.fixture
def plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A saved estimate (+$40/mo) so these runs do no pricing."""
    clear_ci_env(monkeypatch)
    est = priced_estimate({"aws_instance.app": "40"}, snapshot="wiring")
    path = tmp_path / "estimate.json"
    path.write_text(est.model_dump_json())
    return str(path)


def setenv(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def bb() -> Iterator[FakeBitbucket]:
    with FakeBitbucket() as server:
        yield server


def bitbucket_env(fake: FakeBitbucket, author: str, build: int) -> dict[str, str]:
    return {"BITBUCKET_BUILD_NUMBER": str(build), "BITBUCKET_COMMIT": SHA,
            "BITBUCKET_REPO_FULL_NAME": REPO, "BITBUCKET_PR_ID": str(PR),
            "BITBUCKET_TOKEN": BB_TOKEN, "COSTGATE_BITBUCKET_API_URL": fake.api_url,
            "COSTGATE_COMMENT_AUTHOR": author}


def azure_env(fake: FakeAzure) -> dict[str, str]:
    return {"TF_BUILD": "True", "SYSTEM_COLLECTIONURI": fake.collection_url,
            "SYSTEM_TEAMPROJECT": PROJECT, "BUILD_REPOSITORY_ID": REPO_ID,
            "BUILD_REPOSITORY_NAME": "infra", "BUILD_REPOSITORY_PROVIDER": "TfsGit",
            "BUILD_REASON": "PullRequest", "SYSTEM_PULLREQUEST_PULLREQUESTID": str(PR),
            "BUILD_BUILDID": "77", "SYSTEM_ACCESSTOKEN": JWT}


# --------------------------------------------------------------------------- token hints


@pytest.mark.parametrize(("env", "module", "where"), [
    ({"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "3", "CI_API_V4_URL": "http://127.0.0.1:9/"
      "api/v4", "CI_PROJECT_ID": "1"}, gitlab, "job log"),
    ({"TF_BUILD": "True", "SYSTEM_PULLREQUEST_PULLREQUESTID": "3",
      "SYSTEM_COLLECTIONURI": "http://127.0.0.1:9/acme/"}, azure_repos, "job log"),
    ({"BITBUCKET_BUILD_NUMBER": "5", "BITBUCKET_PR_ID": "3",
      "BITBUCKET_REPO_FULL_NAME": REPO}, bitbucket, "job log"),
    ({"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/pull/3/merge",
      "GITHUB_REPOSITORY": "acme/infra"}, github, "job summary"),
], ids=["gitlab", "azure", "bitbucket", "github"])
def test_no_token_notice_is_the_platforms_own_hint(
        env: dict[str, str], module: ModuleType, where: str, plan: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    setenv(monkeypatch, env)
    assert cli.main(["ci", "--plan", plan]) == 0
    out, err = capsys.readouterr()
    hint = str(module.TOKEN_HINT)
    text = out.replace("%2C", ",").replace("%3A", ":") + err
    assert hint in text and f"the report is in the {where}" in text
    if module is not github:
        assert "github-token" not in text and "GITHUB_TOKEN" not in text


# --------------------------------------------------------------------------- hide-and-new


def test_hide_and_new_on_bitbucket_deletes_the_old_comment_with_a_notice(
        bb: FakeBitbucket, plan: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    bot = bb.add_access_token(BB_TOKEN)
    setenv(monkeypatch, bitbucket_env(bb, bot["uuid"], 1))
    assert cli.main(["ci", "--plan", plan, "--behavior", "hide-and-new"]) == 0
    setenv(monkeypatch, bitbucket_env(bb, bot["uuid"], 2))
    assert cli.main(["ci", "--plan", plan, "--behavior", "hide-and-new"]) == 0
    [live] = bb.live_bodies(PR)
    assert "seq=2" in live.splitlines()[-1]
    assert [c.method for c in bb.mutations() if "/comments" in c.path] == [
        "POST", "DELETE", "POST"]
    err = capsys.readouterr().err
    assert "bitbucket cannot hide comments: hide-and-new deletes" in err
    assert "warning" not in err  # mapped up front, not a failed hide


# --------------------------------------------------------------------------- detection


def test_detection_passes_platform_ids_through_extra() -> None:
    bb_ctx = detect({"BITBUCKET_BUILD_NUMBER": "1", "BITBUCKET_PR_ID": "2",
                     "COSTGATE_COMMENT_AUTHOR": " {6f1e2d3c-4b5a-4978-8a6b-000000000001} "})
    assert bb_ctx.extra["comment_author"] == "{6f1e2d3c-4b5a-4978-8a6b-000000000001}"
    az_ctx = detect({"TF_BUILD": "True", "BUILD_REPOSITORY_NAME": "infra",
                     "BUILD_REPOSITORY_ID": REPO_ID})
    assert az_ctx.extra["repository_name"] == "infra"
    assert az_ctx.extra["repository_id"] == REPO_ID


def test_azure_comment_links_to_the_repository_by_name(
        plan: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeAzure() as fake:
        fake.add_build_token(JWT)
        setenv(monkeypatch, azure_env(fake))
        assert cli.main(["ci", "--plan", plan]) == 0
        [thread] = fake.pr_threads(PR)
    out = capsys.readouterr().out
    assert f"/_git/infra/pullrequest/{PR}?discussionId={thread['id']}" in out


# --------------------------------------------------------------------------- statuses


def test_azure_status_needs_no_commit_and_takes_the_status_context(
        plan: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeAzure() as fake:
        fake.add_build_token(JWT)
        setenv(monkeypatch, azure_env(fake))  # no SYSTEM_PULLREQUEST_SOURCECOMMITID
        assert cli.main(["ci", "--plan", plan, "--behavior", "off"]) == 0
        assert cli.main(["ci", "--plan", plan, "--behavior", "off",
                         "--status-context", "cost"]) == 0
        contexts = [s["context"] for s in fake.statuses]
    assert contexts == [{"name": "budget", "genre": "costgate"},
                        {"name": "cost", "genre": "costgate"}]


def test_bitbucket_and_github_status_context(plan: str, bb: FakeBitbucket, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    bot = bb.add_access_token(BB_TOKEN)
    setenv(monkeypatch, bitbucket_env(bb, bot["uuid"], 3))
    assert cli.main(["ci", "--plan", plan, "--behavior", "off",
                     "--status-context", "costgate-prod"]) == 0
    assert [(s["key"], s["commit"]) for s in bb.statuses] == [("costgate-prod", SHA)]
    clear_ci_env(monkeypatch)
    with FakeGitHub() as gh:
        gh.add_token("ghs_wiring_token_0123456789", "github-actions[bot]")
        (tmp_path / "event.json").write_text(
            json.dumps({"pull_request": {"number": PR, "head": {"sha": SHA}}}))
        setenv(monkeypatch, {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/infra",
                             "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
                             "GITHUB_API_URL": gh.api_url, "GITHUB_GRAPHQL_URL": gh.graphql_url,
                             "GITHUB_TOKEN": "ghs_wiring_token_0123456789"})
        assert cli.main(["ci", "--plan", plan, "--behavior", "off"]) == 0
        assert cli.main(["ci", "--plan", plan, "--behavior", "off",
                         "--status-context", "costgate/prod"]) == 0
        assert [s["context"] for s in gh.statuses] == ["costgate", "costgate/prod"]


def test_gitlab_has_no_status_and_says_nothing_about_it(
        plan: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeGitLab() as fake:
        fake.add_token("glpat-WiringS3cret0042", "project_bot")
        setenv(monkeypatch, {"GITLAB_CI": "true", "CI_API_V4_URL": fake.api_url,
                             "CI_PROJECT_ID": "4242", "CI_MERGE_REQUEST_IID": str(PR),
                             "CI_COMMIT_SHA": SHA, "GITLAB_TOKEN": "glpat-WiringS3cret0042"})
        assert cli.main(["ci", "--plan", plan, "--behavior", "off"]) == 0
        assert fake.calls == []  # nothing to post: no note, and GitLab has no status here
    err = capsys.readouterr().err
    assert "warning" not in err and "notice" not in err
