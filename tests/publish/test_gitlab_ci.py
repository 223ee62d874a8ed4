"""``costgate ci`` in a simulated GitLab merge request pipeline, against the fake GitLab."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_api import ci_inputs, clear_ci_env
from fake_gitlab import FakeGitLab

from costgate import cli

TOKEN = "glpat-CIs3cretTOKEN0042"
BOT = "project_4242_bot_ci"
MR = 31
SHA = "4f2a9c0d1e2b3c4d5e6f708192a3b4c5d6e7f809"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return ci_inputs(tmp_path_factory.mktemp("gitlab-ci"))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitLab]:
    clear_ci_env(monkeypatch)
    with FakeGitLab() as server:
        server.add_token(TOKEN, BOT)
        yield server  # type: ignore[misc]


def gitlab_env(monkeypatch: pytest.MonkeyPatch, fake: FakeGitLab, pipeline: int,
               **extra: str) -> None:
    env = {"GITLAB_CI": "true", "CI_API_V4_URL": fake.api_url, "CI_PROJECT_ID": "4242",
           "CI_PROJECT_PATH": "acme/platform/infra", "CI_SERVER_URL": "https://gitlab.example",
           "CI_MERGE_REQUEST_IID": str(MR), "CI_COMMIT_SHA": SHA,
           "CI_PIPELINE_SOURCE": "merge_request_event", "CI_PIPELINE_ID": str(pipeline),
           "CI_PIPELINE_URL": f"https://gitlab.example/acme/platform/infra/-/pipelines/{pipeline}",
           "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "GITLAB_TOKEN": TOKEN, **extra}
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def run_ci(inputs: dict[str, str], policy: str) -> int:
    return cli.main(["ci", "--plan", inputs["estimate"], "--policy", inputs[policy]])


def test_posts_then_updates_and_exits_1_on_failure(
        fake: FakeGitLab, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    gitlab_env(monkeypatch, fake, 100)
    assert run_ci(inputs, "pass") == 0
    [note] = [dict(n) for n in fake.mr_notes(MR)]  # a copy: the fake edits in place
    assert note["author"]["username"] == BOT
    first_line = note["body"].splitlines()[0]
    assert first_line.startswith("<!-- costgate-comment v=1 ") and "sha=4f2a9c0d1e2b" in first_line
    assert "+$29.20" in note["body"] and "<details>" in note["body"]
    assert "pipelines/100" in note["body"]

    gitlab_env(monkeypatch, fake, 101)
    assert run_ci(inputs, "fail") == 1
    [updated] = fake.mr_notes(MR)
    assert updated["id"] == note["id"] and updated["body"] != note["body"]
    assert "pipelines/101" in updated["body"]
    assert [c.method for c in fake.mutations()] == ["POST", "PUT"]
    out = capsys.readouterr()
    assert "comment updated" in out.out
    assert TOKEN not in out.out + out.err


def test_someone_elses_marker_note_is_never_touched(
        fake: FakeGitLab, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    forged = "<!-- costgate-comment v=1 valid-at=2030-01-01T00:00:00Z seq=9 -->\nforged"
    foreign = fake.seed(MR, forged, "mallory")
    gitlab_env(monkeypatch, fake, 200)
    assert run_ci(inputs, "pass") == 0
    assert fake.notes[foreign]["body"] == forged
    assert [n["author"]["username"] for n in fake.mr_notes(MR)] == ["mallory", BOT]


def test_posting_failure_warns_and_keeps_the_exit_code(
        fake: FakeGitLab, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    fake.fail("GET", r"/notes$", status=403, count=99,
              body={"message": f"403 Forbidden for {TOKEN}"})
    gitlab_env(monkeypatch, fake, 300)
    assert run_ci(inputs, "fail") == 1
    assert fake.mr_notes(MR) == []
    out = capsys.readouterr()
    assert "costgate: warning: comment: could not post" in out.err
    assert TOKEN not in out.out + out.err


def test_fork_merge_request_posts_nothing(
        fake: FakeGitLab, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    gitlab_env(monkeypatch, fake, 400, CI_MERGE_REQUEST_SOURCE_PROJECT_ID="999",
               CI_MERGE_REQUEST_PROJECT_ID="4242")
    assert run_ci(inputs, "fail") == 1
    assert fake.calls == []
    assert "fork" in capsys.readouterr().err


def test_comment_command_posts_a_saved_report(
        fake: FakeGitLab, inputs: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    gitlab_env(monkeypatch, fake, 500)
    assert cli.main(["comment", "gitlab", "--report", inputs["estimate"], "--tag", "prod"]) == 0
    [note] = fake.mr_notes(MR)
    assert " tag=prod " in note["body"].splitlines()[0]
