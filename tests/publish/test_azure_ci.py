"""``costgate ci`` in a simulated Azure Pipelines PR build, against the fake Azure DevOps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fake_api import ci_inputs, clear_ci_env
from fake_azure import PROJECT, REPO_ID, FakeAzure

from costgate import cli

JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.Y2lfc2lnbmF0dXJlX3NlY3JldA"
PR = 64
SHA = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return ci_inputs(tmp_path_factory.mktemp("azure-ci"))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    clear_ci_env(monkeypatch)
    with FakeAzure() as server:
        yield server  # type: ignore[misc]


def azure_env(monkeypatch: pytest.MonkeyPatch, fake: FakeAzure, build: int,
              **extra: str) -> None:
    env = {"TF_BUILD": "True", "SYSTEM_COLLECTIONURI": fake.collection_url,
           "SYSTEM_TEAMPROJECT": PROJECT, "BUILD_REPOSITORY_ID": REPO_ID,
           "BUILD_REPOSITORY_PROVIDER": "TfsGit", "BUILD_REASON": "PullRequest",
           "SYSTEM_PULLREQUEST_PULLREQUESTID": str(PR),
           "SYSTEM_PULLREQUEST_SOURCECOMMITID": SHA,
           "SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/main", "BUILD_BUILDID": str(build),
           "SYSTEM_ACCESSTOKEN": JWT, **extra}
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def run_ci(inputs: dict[str, str], policy: str) -> int:
    return cli.main(["ci", "--plan", inputs["estimate"], "--policy", inputs[policy]])


def test_posts_then_updates_sets_status_and_exits_1_on_failure(
        fake: FakeAzure, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    me = fake.add_build_token(JWT)
    azure_env(monkeypatch, fake, 900)
    assert run_ci(inputs, "pass") == 0
    [thread] = fake.pr_threads(PR)
    first: dict[str, Any] = dict(thread["comments"][0])
    assert first["author"] == me and thread["status"] == "closed"
    assert first["content"].startswith("<!-- costgate-comment v=1 ")
    assert "+$29.20" in first["content"] and "buildId=900" in first["content"]

    azure_env(monkeypatch, fake, 901)
    assert run_ci(inputs, "fail") == 1
    [thread] = fake.pr_threads(PR)
    assert thread["comments"][0]["content"] != first["content"]
    assert "buildId=901" in thread["comments"][0]["content"]
    assert [c.method for c in fake.mutations() if "/threads" in c.path] == ["POST", "PATCH"]
    assert [s["state"] for s in fake.statuses] == ["succeeded", "failed"]
    assert fake.statuses[-1]["context"] == {"name": "budget", "genre": "costgate"}
    assert fake.statuses[-1]["targetUrl"].endswith("/_build/results?buildId=901")
    out = capsys.readouterr()
    assert JWT not in out.out + out.err


def test_someone_elses_marker_thread_is_never_touched(
        fake: FakeAzure, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    fake.add_build_token(JWT)
    forged = "<!-- costgate-comment v=1 valid-at=2030-01-01T00:00:00Z seq=9 -->\nforged"
    foreign = fake.seed(PR, forged, {"id": "bbbbbbbb-0000-4000-8000-000000000001",
                                     "displayName": "Mallory"})
    azure_env(monkeypatch, fake, 910)
    assert run_ci(inputs, "pass") == 0
    assert fake.threads[foreign]["comments"][0]["content"] == forged
    assert len(fake.pr_threads(PR)) == 2


def test_missing_permission_warns_and_keeps_the_exit_code(
        fake: FakeAzure, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_build_token(JWT, contribute=False)
    azure_env(monkeypatch, fake, 920)
    assert run_ci(inputs, "fail") == 1
    assert fake.pr_threads(PR) == [] and fake.statuses == []
    err = capsys.readouterr().err
    assert "TF401027" in err and "exit code are unchanged" in err and JWT not in err


def test_token_not_mapped_posts_nothing(
        fake: FakeAzure, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    azure_env(monkeypatch, fake, 930)
    monkeypatch.delenv("SYSTEM_ACCESSTOKEN")
    assert run_ci(inputs, "fail") == 1
    assert fake.calls == []
