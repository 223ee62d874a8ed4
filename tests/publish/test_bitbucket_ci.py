"""``costgate ci`` in a simulated Bitbucket pull-request pipeline, against the fake Bitbucket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fake_api import ci_inputs, clear_ci_env
from fake_bitbucket import REPO, FakeBitbucket

from costgate import cli
from costgate.publish.base import MarkerStyle, parse_marker

TOKEN = "ATCTT3xFfGN0CIs3cretAccessToken"
PR = 15
SHA = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return ci_inputs(tmp_path_factory.mktemp("bitbucket-ci"))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBitbucket]:
    clear_ci_env(monkeypatch)
    with FakeBitbucket() as server:
        yield server  # type: ignore[misc]


def bitbucket_env(monkeypatch: pytest.MonkeyPatch, fake: FakeBitbucket, build: int,
                  author: str) -> None:
    env = {"BITBUCKET_BUILD_NUMBER": str(build), "BITBUCKET_COMMIT": SHA,
           "BITBUCKET_REPO_FULL_NAME": REPO, "BITBUCKET_PR_ID": str(PR),
           "BITBUCKET_PR_DESTINATION_BRANCH": "main", "BITBUCKET_TOKEN": TOKEN,
           "COSTGATE_BITBUCKET_API_URL": fake.api_url, "COSTGATE_COMMENT_AUTHOR": author}
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def run_ci(inputs: dict[str, str], policy: str) -> int:
    return cli.main(["ci", "--plan", inputs["estimate"], "--policy", inputs[policy]])


def test_posts_plain_markdown_then_updates_and_exits_1_on_failure(
        fake: FakeBitbucket, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    bot = fake.add_access_token(TOKEN)
    bitbucket_env(monkeypatch, fake, 41, bot["uuid"])
    assert run_ci(inputs, "pass") == 0
    [first] = [dict(c, content=dict(c["content"])) for c in fake.pr_comments(PR)]
    raw: str = first["content"]["raw"]
    for html in ("<!--", "<details", "<summary", "<sub>", "<br"):
        assert html not in raw  # Bitbucket Cloud escapes HTML
    marker = parse_marker(raw, MarkerStyle.VISIBLE)
    assert marker is not None and marker.sha == SHA[:12]
    assert "+$29.20" in raw and "pipelines/results/41" in raw

    bitbucket_env(monkeypatch, fake, 42, bot["uuid"])
    assert run_ci(inputs, "fail") == 1
    [second] = fake.pr_comments(PR)
    assert second["id"] == first["id"] and second["content"]["raw"] != raw
    assert [c.method for c in fake.mutations() if "/comments" in c.path] == ["POST", "PUT"]
    states: list[Any] = [(s["commit"], s["state"], s["key"]) for s in fake.statuses]
    assert states == [(SHA, "SUCCESSFUL", "costgate"), (SHA, "FAILED", "costgate")]
    assert fake.statuses[-1]["url"] == f"https://bitbucket.org/{REPO}/pipelines/results/42"
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err


def test_someone_elses_marker_comment_is_never_touched(
        fake: FakeBitbucket, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    bot = fake.add_access_token(TOKEN)
    mallory = fake.add_basic("mallory", "pw", "Mallory")
    forged = "forged\n\n*costgate-comment v=1 valid-at=2030-01-01T00:00:00Z seq=9*"
    foreign = fake.seed(PR, forged, mallory)
    bitbucket_env(monkeypatch, fake, 50, bot["uuid"])
    assert run_ci(inputs, "pass") == 0
    assert fake.comments[foreign]["content"]["raw"] == forged
    assert len(fake.live_bodies(PR)) == 2


def test_unknown_identity_warns_and_keeps_the_exit_code(
        fake: FakeBitbucket, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_access_token(TOKEN)
    bitbucket_env(monkeypatch, fake, 60, "")
    assert run_ci(inputs, "fail") == 1
    assert fake.live_bodies(PR) == []
    err = capsys.readouterr().err
    assert "COSTGATE_COMMENT_AUTHOR" in err and TOKEN not in err
    assert [s["state"] for s in fake.statuses] == ["FAILED"]  # the status needs no identity
