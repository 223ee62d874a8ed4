"""GitHub comment behaviours against the stateful fake: upsert, ownership, races, faults."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from fake_api import no_waiting
from fake_github import FakeGitHub

from costgate.publish.base import (
    Behavior,
    PublishForbidden,
    RunStamp,
    parse_marker,
    publish,
)
from costgate.publish.github import GitHub

TOKEN = "ghs_s3cretTOKENvalue1234"
BOT = "github-actions[bot]"
PR = 7


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return no_waiting(monkeypatch)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        server.add_token(TOKEN, BOT)
        yield server


def client(fake: FakeGitHub, token: str = TOKEN) -> GitHub:
    return GitHub("acme/infra", PR, token, api_url=fake.api_url, graphql_url=fake.graphql_url)


def stamp(minute: int, seq: int = 0) -> RunStamp:
    return RunStamp(datetime(2026, 5, 1, 12, minute, tzinfo=timezone.utc), seq)


def bodies(fake: FakeGitHub) -> list[str]:
    return [c["body"] for c in sorted(fake.pr_comments(PR), key=lambda c: c["id"])]


def test_first_run_creates_then_updates_then_skips_identical(fake: FakeGitHub) -> None:
    gh = client(fake)
    first = publish(gh, "cost +$10", stamp=stamp(1, 1))
    assert first.action == "created" and first.url.endswith(f"#issuecomment-{first.comment.id}")
    second = publish(gh, "cost +$20", stamp=stamp(2, 2))
    assert second.action == "updated" and second.comment.id == first.comment.id
    before = len(fake.mutations())
    third = publish(gh, "cost +$20", stamp=stamp(3, 3))
    assert third.action == "unchanged"
    assert len(fake.mutations()) == before  # identical content: nothing sent
    [body] = bodies(fake)
    assert body.splitlines()[0].startswith("<!-- costgate-comment v=1 ")
    assert "cost +$20" in body


def test_older_run_never_overwrites_newer_comment(fake: FakeGitHub) -> None:
    gh = client(fake)
    publish(gh, "from the newer push", stamp=stamp(30, 9))
    late = publish(gh, "from the older push", stamp=stamp(10, 8))
    assert late.action == "skipped-newer"
    assert "from the newer push" in bodies(fake)[0]


def test_foreign_marker_comment_is_never_touched(fake: FakeGitHub) -> None:
    marker = "<!-- costgate-comment v=1 valid-at=2030-01-01T00:00:00Z seq=1 -->"
    foreign = fake.seed(PR, f"{marker}\nI copied your marker", "mallory")
    also_ours_name = fake.seed(PR, "costgate says hi <!-- costgate-comment -->", BOT)
    gh = client(fake)
    for behavior in Behavior:
        publish(gh, f"report {behavior.value}", stamp=stamp(5), behavior=behavior)
    assert fake.comments[foreign]["body"].endswith("I copied your marker")
    assert also_ours_name in fake.comments  # marker not on the first line: not ours
    touched = {c.path for c in fake.mutations() if c.method != "POST"}
    assert not any(p.endswith((f"/{foreign}", f"/{also_ours_name}")) for p in touched)
    assert fake.minimized.isdisjoint({foreign, also_ours_name})


def test_tags_keep_separate_comments(fake: FakeGitHub) -> None:
    gh = client(fake)
    publish(gh, "prod numbers", stamp=stamp(1), tag="prod")
    publish(gh, "dev numbers", stamp=stamp(1), tag="dev")
    publish(gh, "prod numbers v2", stamp=stamp(2), tag="prod")
    markers = [parse_marker(b) for b in bodies(fake)]
    assert sorted(m.tag for m in markers if m) == ["dev", "prod"]
    assert any("prod numbers v2" in b for b in bodies(fake))


def test_pagination_beyond_100_comments_finds_ours(fake: FakeGitHub) -> None:
    gh = client(fake)
    publish(gh, "v1", stamp=stamp(1))
    for i in range(230):
        fake.seed(PR, f"chatter {i}", "someone")
    fake.calls.clear()
    result = publish(gh, "v2", stamp=stamp(2))
    assert result.action == "updated"
    lists = [c for c in fake.calls if c.method == "GET" and c.path.endswith("/comments")]
    assert len(lists) == 3  # 231 comments at 100 per page
    assert lists[0].query["per_page"] == ["100"]
    assert len(fake.pr_comments(PR)) == 231


def test_hide_and_new_minimizes_old_and_checks_graphql_errors(fake: FakeGitHub) -> None:
    gh = client(fake)
    old = publish(gh, "v1", stamp=stamp(1)).comment
    new = publish(gh, "v2", stamp=stamp(2), behavior=Behavior.HIDE_AND_NEW).comment
    assert old is not None and new is not None and old.id != new.id
    assert int(old.id) in fake.minimized and int(new.id) not in fake.minimized
    ro = "ghs_readonly_token_5678"
    fake.add_token(ro, BOT, read_only=True)
    with pytest.raises(PublishForbidden, match="not accessible"):
        client(fake, ro).hide_comment(new)


def test_delete_and_new_and_new(fake: FakeGitHub) -> None:
    gh = client(fake)
    publish(gh, "v1", stamp=stamp(1))
    publish(gh, "v2", stamp=stamp(2), behavior=Behavior.NEW)
    assert len(bodies(fake)) == 2
    publish(gh, "v3", stamp=stamp(3), behavior=Behavior.DELETE_AND_NEW)
    [only] = bodies(fake)
    assert "v3" in only


def test_two_racing_runs_leave_exactly_one(fake: FakeGitHub) -> None:
    fake.list_barrier = threading.Barrier(2)  # both runs list before either creates
    results = {}

    def run(name: str, st: RunStamp) -> None:
        results[name] = publish(client(fake), f"report {name}", stamp=st)

    threads = [threading.Thread(target=run, args=("a", stamp(1, 1))),
               threading.Thread(target=run, args=("b", stamp(2, 2)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    fake.list_barrier = None
    posts = [c for c in fake.mutations() if c.method == "POST"]
    assert len(posts) == 2  # the race really happened: both created
    [body] = bodies(fake)
    assert "report b" in body  # the newer run's comment survives


def test_500_after_create_leaves_no_duplicate(fake: FakeGitHub) -> None:
    fake.fail("POST", r"/issues/\d+/comments$", status=502, apply=True)
    result = publish(client(fake), "v1", stamp=stamp(1))
    assert result.action == "created"
    assert len(bodies(fake)) == 1
    assert len([c for c in fake.mutations() if c.method == "POST"]) == 1  # adopted, not re-sent


def test_500_before_create_retries_once_created(fake: FakeGitHub, _fast: list[float]) -> None:
    fake.fail("POST", r"/issues/\d+/comments$", status=500)
    result = publish(client(fake), "v1", stamp=stamp(1))
    assert result.action == "created" and len(bodies(fake)) == 1
    assert _fast  # backed off before the second attempt


def test_patch_500_is_retried(fake: FakeGitHub) -> None:
    gh = client(fake)
    publish(gh, "v1", stamp=stamp(1))
    fake.fail("PATCH", r"/issues/comments/\d+$", status=503, count=2)
    assert publish(gh, "v2", stamp=stamp(2)).action == "updated"
    assert "v2" in bodies(fake)[0]


def test_body_too_long_falls_back_to_small_body(fake: FakeGitHub) -> None:
    fake.max_body = 500
    result = publish(client(fake), "x" * 2000, stamp=stamp(1), fallback_content="short")
    assert result.action == "created" and "short" in bodies(fake)[0]


def test_read_only_token_raises_forbidden(fake: FakeGitHub) -> None:
    ro = "ghs_readonly_token_5678"
    fake.add_token(ro, BOT, read_only=True)
    with pytest.raises(PublishForbidden, match="Resource not accessible by integration"):
        publish(client(fake, ro), "v1", stamp=stamp(1))
    assert bodies(fake) == []


def test_identity_falls_back_to_actions_bot_when_viewer_fails(fake: FakeGitHub) -> None:
    fake.fail("POST", r"/api/graphql$", status=200,
              body={"errors": [{"type": "FORBIDDEN", "message": "no viewer for you"}]})
    assert client(fake).identity() == BOT
    assert client(fake).identity() == BOT  # second client asks again and gets it from viewer
