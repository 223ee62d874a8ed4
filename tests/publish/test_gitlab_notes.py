"""GitLab MR notes against the stateful fake: upsert, ownership, pagination, races, faults."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from fake_api import no_waiting
from fake_gitlab import FakeGitLab

from costgate.publish.base import (
    Behavior,
    PublishError,
    PublishForbidden,
    RunStamp,
    parse_marker,
    publish,
)
from costgate.publish.detect import detect
from costgate.publish.gitlab import GitLab, collapse_body, from_context, is_collapsed, project_ref
from costgate.publish.http import ApiClient

TOKEN = "glpat-s3cretTOKENvalue99"
BOT = "project_4242_bot_1a2b"
MR = 12


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return no_waiting(monkeypatch)


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as server:
        server.add_token(TOKEN, BOT)
        yield server  # type: ignore[misc]


def client(fake: FakeGitLab, *, project: str = "4242", **kw: object) -> GitLab:
    api = ApiClient(fake.api_url, TOKEN, auth=lambda t: {"PRIVATE-TOKEN": t}, **kw)  # type: ignore[arg-type]
    return GitLab(project, MR, TOKEN, api_url=fake.api_url, server_url="https://gitlab.example",
                  project_path="acme/platform/infra", client=api)


def stamp(minute: int, seq: int = 0) -> RunStamp:
    return RunStamp(datetime(2026, 5, 1, 12, minute, tzinfo=timezone.utc), seq)


def bodies(fake: FakeGitLab) -> list[str]:
    return [n["body"] for n in fake.mr_notes(MR) if not n["system"]]


def test_create_update_unchanged_with_private_token(fake: FakeGitLab) -> None:
    gl = client(fake)
    first = publish(gl, "cost +$10", stamp=stamp(1, 1))
    assert first.action == "created"
    assert first.url == f"https://gitlab.example/acme/platform/infra/-/merge_requests/{MR}" \
                        f"#note_{first.comment.id}"  # type: ignore[union-attr]
    second = publish(gl, "cost +$20", stamp=stamp(2, 2))
    assert second.action == "updated" and second.comment.id == first.comment.id  # type: ignore[union-attr]
    count = len(fake.mutations())
    assert publish(gl, "cost +$20", stamp=stamp(3, 3)).action == "unchanged"
    assert len(fake.mutations()) == count
    [body] = bodies(fake)
    assert body.startswith("<!-- costgate-comment v=1 ") and "cost +$20" in body
    assert [c.method for c in fake.mutations()] == ["POST", "PUT"]
    for call in fake.calls:
        assert call.headers.get("private-token") == TOKEN
        assert "authorization" not in call.headers
    listing = next(c for c in fake.calls if c.method == "GET" and c.path.endswith("/notes"))
    assert listing.query["sort"] == ["asc"] and listing.query["per_page"] == ["100"]


def test_project_path_is_url_encoded(fake: FakeGitLab) -> None:
    assert project_ref("acme/platform/infra") == "acme%2Fplatform%2Finfra"
    gl = client(fake, project="acme/platform/infra")
    assert publish(gl, "x", stamp=stamp(1)).action == "created"
    assert any("/projects/acme%2Fplatform%2Finfra/" in c.path for c in fake.mutations())
    with pytest.raises(PublishError, match="bad GitLab project"):
        project_ref("../../admin")


def test_system_notes_and_foreign_markers_are_left_alone(fake: FakeGitLab) -> None:
    marker = "<!-- costgate-comment v=1 valid-at=2030-01-01T00:00:00Z seq=1 -->"
    foreign = fake.seed(MR, f"{marker}\ncopied marker", "mallory")
    system = fake.seed(MR, f"{marker}\nadded 1 commit", BOT, system=True)
    gl = client(fake)
    assert [c.id for c in gl.list_comments()] == [str(foreign)]  # system note skipped
    result = publish(gl, "ours", stamp=stamp(1), behavior=Behavior.DELETE_AND_NEW)
    assert result.action == "created"
    assert fake.notes[foreign]["body"] == f"{marker}\ncopied marker"
    assert system in fake.notes
    assert {c.method for c in fake.mutations()} == {"POST"}


@pytest.mark.parametrize("link_header", [True, False])
def test_pagination_by_link_or_x_next_page(fake: FakeGitLab, link_header: bool) -> None:
    fake.link_header = link_header
    for i in range(130):
        fake.seed(MR, f"chatter {i}", "alice")
    gl = client(fake)
    publish(gl, "first", stamp=stamp(1))
    for i in range(110):
        fake.seed(MR, f"more chatter {i}", "bob")
    result = publish(gl, "second", stamp=stamp(2))
    assert result.action == "updated"  # found on page 2 of 3
    pages = [c.query.get("page", ["1"])[0] for c in fake.calls
             if c.method == "GET" and c.path.endswith("/notes")]
    assert pages[-3:] == ["1", "2", "3"]
    assert sum("second" in b for b in bodies(fake)) == 1


def test_next_link_to_another_host_is_refused(fake: FakeGitLab) -> None:
    for i in range(101):
        fake.seed(MR, f"chatter {i}", "alice")
    fake.next_link_host = "http://127.0.0.2:9"
    with pytest.raises(PublishError, match="another host"):
        client(fake).list_comments()


def test_two_racing_runs_leave_exactly_one(fake: FakeGitLab) -> None:
    fake.list_barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def run(name: str, when: RunStamp) -> None:
        results[name] = publish(client(fake), f"from {name}", stamp=when).action

    threads = [threading.Thread(target=run, args=("a", stamp(1, 1))),
               threading.Thread(target=run, args=("b", stamp(2, 2)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    fake.list_barrier = None
    [body] = bodies(fake)
    assert "from b" in body  # the newer run wins
    assert sorted(results.values()) == ["created", "skipped-newer"]


def test_500_after_create_leaves_no_duplicate(fake: FakeGitLab) -> None:
    fake.fail("POST", r"/notes$", apply=True)
    result = publish(client(fake), "once", stamp=stamp(1))
    assert result.action == "created" and len(bodies(fake)) == 1


def test_rate_limit_429_waits_retry_after(fake: FakeGitLab, _fast: list[float]) -> None:
    fake.fail("GET", r"/notes$", status=429, headers={"Retry-After": "7"},
              body={"message": "Retry later"})
    assert publish(client(fake), "x", stamp=stamp(1)).action == "created"
    assert 7.0 in _fast


def test_read_timeout_on_list_is_retried(fake: FakeGitLab) -> None:
    fake.fail("GET", r"/notes$", delay=0.6)
    gl = client(fake, timeout=(2.0, 0.2), sleep=lambda s: None)
    assert publish(gl, "after a timeout", stamp=stamp(1)).action == "created"
    assert len(bodies(fake)) == 1


def test_too_long_note_falls_back_to_the_small_body(fake: FakeGitLab) -> None:
    fake.max_body = 5_000  # the server refuses with GitLab's 400 "is too long"
    result = publish(client(fake), "x" * 6_000, stamp=stamp(1), fallback_content="small")
    assert result.action == "created"
    [body] = bodies(fake)
    assert body.rstrip().endswith("small")


def test_hide_and_new_folds_the_old_note_into_details(fake: FakeGitLab) -> None:
    gl = client(fake)
    old = publish(gl, "old estimate", stamp=stamp(1)).comment
    new = publish(gl, "new estimate", stamp=stamp(2), behavior=Behavior.HIDE_AND_NEW)
    assert new.action == "created" and new.removed == (old.id,)  # type: ignore[union-attr]
    folded = fake.notes[int(old.id)]["body"]  # type: ignore[union-attr]
    assert is_collapsed(folded) and "old estimate" in folded
    assert parse_marker(folded) is not None  # marker kept: still recognisably ours
    # a third run hides only the visible one; the folded note is not folded twice
    publish(gl, "newest", stamp=stamp(3), behavior=Behavior.HIDE_AND_NEW)
    assert sum(is_collapsed(b) for b in bodies(fake)) == 2
    assert fake.notes[int(old.id)]["body"] == folded  # type: ignore[union-attr]


def test_collapse_respects_the_limit() -> None:
    body = "<!-- costgate-comment v=1 -->\n" + "é" * 500
    folded = collapse_body(body, 300)
    assert len(folded) <= 300 and folded.startswith("<!-- costgate-comment v=1 -->\n")
    assert is_collapsed(folded) and not is_collapsed(body)


def test_delete_and_new_removes_only_ours(fake: FakeGitLab) -> None:
    gl = client(fake)
    publish(gl, "one", stamp=stamp(1))
    publish(gl, "two", stamp=stamp(2), behavior=Behavior.NEW)
    assert len(bodies(fake)) == 2
    result = publish(gl, "three", stamp=stamp(3), behavior=Behavior.DELETE_AND_NEW)
    assert len(result.removed) == 2
    assert [b.split("\n", 1)[1].strip() for b in bodies(fake)] == ["three"]


def test_errors_never_show_the_token(fake: FakeGitLab) -> None:
    fake.fail("POST", r"/notes$", status=400, body={"message": f"bad token {TOKEN}"})
    with pytest.raises(PublishError) as info:
        publish(client(fake), "x", stamp=stamp(1))
    assert TOKEN not in str(info.value) and "***" in str(info.value)


def test_from_context_requires_a_real_token() -> None:
    env = {"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "12", "CI_API_V4_URL":
           "https://gitlab.example/api/v4", "CI_PROJECT_ID": "4242",
           "CI_PROJECT_PATH": "acme/infra", "CI_JOB_TOKEN": "job-token-value"}
    with pytest.raises(PublishForbidden, match="CI_JOB_TOKEN cannot create merge request"):
        from_context(detect(env))
    gl = from_context(detect({**env, "GITLAB_TOKEN": TOKEN}))
    assert gl.project == "4242" and gl.mr == 12
    with pytest.raises(PublishError, match="no merge request"):
        from_context(detect({k: v for k, v in env.items() if k != "CI_MERGE_REQUEST_IID"}))
