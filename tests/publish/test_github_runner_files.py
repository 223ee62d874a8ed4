"""Workflow commands, env files and CI detection (no server needed)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from costgate.errors import InputError
from costgate.publish import github_actions as gha
from costgate.publish.base import (
    Marker,
    MarkerStyle,
    RunStamp,
    parse_marker,
    short_description,
    with_marker,
)
from costgate.publish.detect import detect, graphql_url_for


def test_escaping_follows_the_actions_toolkit() -> None:
    line = gha.command("error", "50% of\r\nbudget", file="mod,a:b.tf", line=3, title="t%")
    assert line == "::error file=mod%2Ca%3Ab.tf,line=3,title=t%25::50%25 of%0D%0Abudget"
    assert "\n" not in gha.command("notice", "::add-mask::x\n::error::spoof")


def test_annotations_capped_per_level_with_one_overflow_notice() -> None:
    out = io.StringIO()
    notes = gha.Annotations(out)
    for i in range(13):
        notes.add("error", f"e{i}")
    notes.add("warning", "w")
    notes.finish()
    lines = out.getvalue().splitlines()
    assert sum(line.startswith("::error") for line in lines) == 10
    assert lines[-1] == "::notice title=costgate::3 more costgate findings in the job summary"


def test_outputs_use_a_fresh_random_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "out"
    hostile = "x\nEOF\nverdict=pass\nghadelimiter_0\n"
    gha.write_outputs(path, {"a": hostile, "b": "1"})
    gha.write_outputs(path, {"a": "2"})
    text = path.read_text()
    delims = re.findall(r"^[ab]<<(ghadelimiter_[0-9a-f]{32})$", text, re.M)
    assert len(delims) == 3 and len(set(delims)) == 3
    first = text.split("\n")
    assert first[1:6] == hostile.split("\n") and first[6] == delims[0]
    with pytest.raises(ValueError):
        gha.write_outputs(path, {"bad name": "x"})


def test_summary_is_appended_and_cut_over_one_mib(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("previous step\n")
    assert gha.write_summary(path, "small")
    assert not gha.write_summary(path, "é" * 700_000)  # 1.4 MB of UTF-8
    data = path.read_bytes()
    assert data.startswith(b"previous step\nsmall\n") and len(data) <= gha.SUMMARY_MAX_BYTES
    data.decode("utf-8")  # never cut inside a character
    with pytest.raises(InputError, match="GITHUB_STEP_SUMMARY"):
        gha.write_summary(tmp_path / "missing" / "x.md", "x")


def test_stop_commands_and_add_mask() -> None:
    out = io.StringIO()
    with gha.stop_commands(out):
        out.write("::error::from a resource name\n")
    first, _, last = out.getvalue().splitlines()
    token = first.removeprefix("::stop-commands::")
    assert re.fullmatch(r"[0-9a-f]{32}", token) and last == f"::{token}::"
    out = io.StringIO()
    gha.add_mask("line1\nline%2", out)
    assert out.getvalue() == "::add-mask::line1\n::add-mask::line%252\n"


def test_status_description_stays_under_140() -> None:
    text = short_description("x" * 300)
    assert len(text) == 139 and text.endswith("…")
    assert short_description("a\nb") == "a b"


def test_marker_round_trip_and_visible_variant() -> None:
    marker = Marker("prod", RunStamp.now(5), "abc1234")
    for style in MarkerStyle:
        body = with_marker("content", marker, style)
        assert parse_marker(body, style) == marker
    assert with_marker("c", marker, MarkerStyle.VISIBLE).rstrip().endswith("*")
    assert parse_marker("<!-- costgate-comment -->\nx") == Marker()
    assert parse_marker("hello\n<!-- costgate-comment -->") is None


def _event(tmp_path: Path, name: str = "event.json", **pull: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"pull_request": pull}))
    return str(path)


def test_detect_github_pull_request_from_event(tmp_path: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/infra", "GITHUB_RUN_ID": "9",
           "GITHUB_SHA": "c" * 40, "GITHUB_TOKEN": "t0ken",
           "GITHUB_API_URL": "https://ghe.example/api/v3",
           "GITHUB_EVENT_PATH": _event(tmp_path, number=12, updated_at="2026-05-01T10:00:00Z",
                                       head={"sha": "a" * 40, "repo": {"full_name": "acme/infra"}},
                                       base={"sha": "b" * 40, "repo": {"full_name": "acme/infra"}})}
    ctx = detect(env)
    assert (ctx.platform, ctx.pr_number, ctx.head_sha, ctx.fork) == ("github", 12, "a" * 40, False)
    assert ctx.graphql_url == "https://ghe.example/api/graphql" and ctx.can_comment
    assert ctx.run_url == "https://github.com/acme/infra/actions/runs/9"
    assert "t0ken" not in repr(ctx)


def test_detect_fork_and_bad_values(tmp_path: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/infra", "GITHUB_TOKEN": "t",
           "GITHUB_EVENT_PATH": _event(tmp_path, number=3,
                                       head={"repo": {"full_name": "eve/infra"}},
                                       base={"repo": {"full_name": "acme/infra"}})}
    ctx = detect(env)
    assert ctx.fork and not ctx.can_comment and "fork" in ctx.notices[0]
    with pytest.raises(InputError, match="bad pull request number"):
        detect({**env, "GITHUB_EVENT_PATH": _event(tmp_path, "evil.json", number="3; rm -rf /")})
    with pytest.raises(InputError, match="bad repository"):
        detect({**env, "GITHUB_REPOSITORY": "../../etc"})
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(InputError, match="bad.json: the GitHub event file is not valid JSON"):
        detect({**env, "GITHUB_EVENT_PATH": str(tmp_path / "bad.json")})


def test_detect_other_platforms() -> None:
    assert detect({"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/pull/44/merge"}).pr_number == 44
    gl = detect({"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "5", "CI_PROJECT_ID": "77",
                 "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "78",
                 "CI_MERGE_REQUEST_PROJECT_ID": "77"})
    assert (gl.platform, gl.pr_number, gl.fork, gl.extra["project_id"]) == ("gitlab", 5, True,
                                                                            "77")
    az = detect({"TF_BUILD": "True", "SYSTEM_PULLREQUEST_PULLREQUESTID": "9",
                 "SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/main"})
    assert (az.platform, az.pr_number, az.base_ref) == ("azure-repos", 9, "main")
    bb = detect({"BITBUCKET_BUILD_NUMBER": "3", "BITBUCKET_PR_ID": "11",
                 "BITBUCKET_REPO_FULL_NAME": "ws/repo"})
    assert (bb.platform, bb.pr_number, bb.api_url) == ("bitbucket", 11,
                                                       "https://api.bitbucket.org/2.0")
    assert detect({"CIRCLECI": "true", "CIRCLE_PR_NUMBER": "8"}).pr_number == 8
    assert detect({}).platform == "local"
    assert graphql_url_for("https://api.github.com") == "https://api.github.com/graphql"
