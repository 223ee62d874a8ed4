"""Bitbucket Cloud PR comments and build statuses against the stateful fake."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from fake_api import no_waiting
from fake_bitbucket import REPO, FakeBitbucket

from costgate.publish import http
from costgate.publish.base import (
    Behavior,
    MarkerStyle,
    PublishError,
    PublishForbidden,
    PublishUnsupported,
    RunStamp,
    parse_marker,
    publish,
)
from costgate.publish.bitbucket import Bitbucket, from_context, normalise_uuid
from costgate.publish.detect import detect

TOKEN = "ATCTT3xFfGN0s3cretAccessTokenValue"
PR = 8


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    no_waiting(monkeypatch)


@pytest.fixture
def fake() -> Iterator[FakeBitbucket]:
    with FakeBitbucket() as server:
        yield server  # type: ignore[misc]


def client(fake: FakeBitbucket, token: str = TOKEN, login: str = "") -> Bitbucket:
    return Bitbucket(REPO, PR, token, api_url=fake.api_url, login=login)


def stamp(minute: int, seq: int = 0) -> RunStamp:
    return RunStamp(datetime(2026, 5, 1, 12, minute, tzinfo=timezone.utc), seq)


def test_access_token_with_configured_author(fake: FakeBitbucket) -> None:
    bot = fake.add_access_token(TOKEN)
    bb = client(fake, login=bot["uuid"].strip("{}").upper())  # any spelling of the uuid
    first = publish(bb, "**+$10/mo**", stamp=stamp(1, 1))
    assert first.action == "created" and "#comment-" in first.url
    second = publish(bb, "**+$20/mo**", stamp=stamp(2, 2))
    assert second.action == "updated" and second.comment.id == first.comment.id  # type: ignore[union-attr]
    assert publish(bb, "**+$20/mo**", stamp=stamp(3, 3)).action == "unchanged"
    [raw] = fake.live_bodies(PR)
    lines = raw.rstrip("\n").split("\n")
    assert lines[0] == "**+$20/mo**"
    assert lines[-1].startswith("*costgate-comment v=1 ") and lines[-1].endswith("*")
    assert "<!--" not in raw  # Bitbucket escapes HTML: the marker must be visible Markdown
    assert parse_marker(raw, MarkerStyle.VISIBLE) is not None
    assert [c.method for c in fake.mutations()] == ["POST", "PUT"]
    assert all(c.headers["authorization"] == f"Bearer {TOKEN}" for c in fake.calls)
    assert not any(c.path == "/2.0/user" for c in fake.calls)


def test_basic_credentials_learn_identity_from_user_endpoint(fake: FakeBitbucket) -> None:
    fake.add_basic("dana@example.com", "ATATT3secret", "Dana")
    bb = client(fake, token="dana@example.com:ATATT3secret")
    publish(bb, "one", stamp=stamp(1))
    assert publish(bb, "two", stamp=stamp(2)).action == "updated"
    [who] = [c for c in fake.calls if c.path == "/2.0/user"]  # asked once, then cached
    assert who.headers["authorization"].startswith("Basic ")


def test_access_token_without_author_refuses_to_guess(fake: FakeBitbucket) -> None:
    fake.add_access_token(TOKEN)
    with pytest.raises(PublishForbidden, match="COSTGATE_COMMENT_AUTHOR"):
        publish(client(fake), "x", stamp=stamp(1))
    assert fake.mutations() == []


def test_foreign_inline_and_deleted_comments_are_skipped(fake: FakeBitbucket) -> None:
    bot = fake.add_access_token(TOKEN)
    mallory = fake.add_basic("mallory", "pw", "Mallory")
    forged = "copied\n\n*costgate-comment v=1 valid-at=2030-01-01T00:00:00Z seq=1*"
    foreign = fake.seed(PR, forged, mallory)
    fake.seed(PR, forged, bot, inline=True)  # an inline comment is never ours
    gone = fake.seed(PR, forged, bot)
    fake.comments[gone]["deleted"] = True
    bb = client(fake, login=bot["uuid"])
    assert [c.id for c in bb.list_comments()] == [str(foreign)]
    assert publish(bb, "ours", stamp=stamp(1), behavior=Behavior.DELETE_AND_NEW).removed == ()
    assert fake.comments[foreign]["content"]["raw"] == forged
    assert [c.method for c in fake.mutations()] == ["POST"]


def test_next_links_are_followed_on_the_same_host_only(fake: FakeBitbucket) -> None:
    bot = fake.add_access_token(TOKEN)
    other = fake.add_basic("alice", "pw", "Alice")
    for i in range(150):
        fake.seed(PR, f"review {i}", other)
    bb = client(fake, login=bot["uuid"])
    publish(bb, "first", stamp=stamp(1))  # comment 151: on page 2
    assert publish(bb, "second", stamp=stamp(2)).action == "updated"
    fake.next_host = "http://127.0.0.2:9"
    with pytest.raises(PublishError, match="another host"):
        bb.list_comments()


def test_two_racing_runs_leave_exactly_one(fake: FakeBitbucket) -> None:
    bot = fake.add_access_token(TOKEN)
    fake.list_barrier = threading.Barrier(2)
    out: list[str] = []

    def run(name: str, when: RunStamp) -> None:
        out.append(publish(client(fake, login=bot["uuid"]), f"from {name}", stamp=when).action)

    threads = [threading.Thread(target=run, args=(n, stamp(i, i))) for i, n in ((1, "a"),
                                                                                 (2, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    fake.list_barrier = None
    [raw] = fake.live_bodies(PR)
    assert raw.startswith("from b") and sorted(out) == ["created", "skipped-newer"]


def test_500_after_create_leaves_no_duplicate(fake: FakeBitbucket) -> None:
    bot = fake.add_access_token(TOKEN)
    fake.fail("POST", r"/comments$", apply=True, body={"type": "error"})
    assert publish(client(fake, login=bot["uuid"]), "once", stamp=stamp(1)).action == "created"
    assert len(fake.live_bodies(PR)) == 1


def test_429_without_retry_after_backs_off_and_retries(fake: FakeBitbucket,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(http, "_default_sleep", slept.append)
    bot = fake.add_access_token(TOKEN)
    fake.fail("PUT", r"/comments/\d+$", status=429, body={"type": "error", "error": {
        "message": "Rate limit for this resource has been exceeded"}})
    bb = client(fake, login=bot["uuid"])
    publish(bb, "one", stamp=stamp(1))
    assert publish(bb, "two", stamp=stamp(2)).action == "updated"
    assert slept == [60.0]  # no Retry-After: one conservative minute, then success
    assert [c.method for c in fake.mutations()] == ["POST", "PUT", "PUT"]


def test_hide_is_unsupported_but_delete_and_new_works(fake: FakeBitbucket) -> None:
    bot = fake.add_access_token(TOKEN)
    bb = client(fake, login=bot["uuid"])
    assert not bb.supports_hide
    publish(bb, "old", stamp=stamp(1))
    with pytest.raises(PublishUnsupported):
        publish(bb, "new", stamp=stamp(2), behavior=Behavior.HIDE_AND_NEW)
    result = publish(bb, "new", stamp=stamp(3), behavior=Behavior.DELETE_AND_NEW)
    assert len(result.removed) == 1
    assert [r.split("\n")[0] for r in fake.live_bodies(PR)] == ["new"]


@pytest.mark.parametrize(("outcome", "state"), [("pass", "SUCCESSFUL"), ("warn", "SUCCESSFUL"),
                                                 ("fail", "FAILED")])
def test_build_status(fake: FakeBitbucket, outcome: str, state: str) -> None:
    fake.add_access_token(TOKEN)
    sha = "0123456789abcdef0123456789abcdef01234567"
    client(fake).set_status(sha, outcome, "+$29.20/mo, new total $512.59/mo " + "z" * 200)
    [status] = fake.statuses
    assert status["commit"] == sha and status["state"] == state and status["key"] == "costgate"
    assert status["url"] == f"https://bitbucket.org/{REPO}/pull-requests/{PR}"
    assert len(status["description"]) <= 139
    with pytest.raises(PublishError, match="bad commit sha"):
        client(fake).set_status("main; rm -rf", outcome, "x")


def test_token_is_masked_in_errors(fake: FakeBitbucket) -> None:
    bot = fake.add_access_token(TOKEN)
    fake.fail("GET", r"/comments$", status=400,
              body={"type": "error", "error": {"message": f"bad {TOKEN}"}})
    with pytest.raises(PublishError) as info:
        publish(client(fake, login=bot["uuid"]), "x", stamp=stamp(1))
    assert TOKEN not in str(info.value) and "***" in str(info.value)


def test_from_context_and_uuid_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COSTGATE_COMMENT_AUTHOR", raising=False)
    env = {"BITBUCKET_BUILD_NUMBER": "77", "BITBUCKET_COMMIT": "0123456789ab",
           "BITBUCKET_REPO_FULL_NAME": REPO, "BITBUCKET_PR_ID": str(PR)}
    with pytest.raises(PublishForbidden, match="BITBUCKET_TOKEN"):
        from_context(detect(env))
    monkeypatch.setenv("COSTGATE_COMMENT_AUTHOR", "{6f1e2d3c-4b5a-4978-8a6b-000000000009}")
    bb = from_context(detect({**env, "BITBUCKET_TOKEN": TOKEN,
                              "COSTGATE_COMMENT_AUTHOR": "6F1E2D3C-4B5A-4978-8A6B-000000000001"}))
    assert bb.identity() == "{6f1e2d3c-4b5a-4978-8a6b-000000000001}"
    assert normalise_uuid("{ABCDEF01-2345-6789-abcd-ef0123456789}") == \
        "{abcdef01-2345-6789-abcd-ef0123456789}"
    with pytest.raises(PublishError, match="bad Bitbucket repository"):
        Bitbucket("acme/../x", 1, TOKEN)
    with pytest.raises(PublishError, match="must be the account uuid"):
        Bitbucket(REPO, 1, TOKEN, login="costgate-bot")


def test_expired_token_is_not_reported_as_a_missing_scope(fake: FakeBitbucket) -> None:
    fake.add_access_token(TOKEN)
    fake.fail("GET", r"^/2\.0/user$", status=401,
              body={"type": "error", "error": {"message": "Token expired"}})
    with pytest.raises(PublishForbidden) as info:
        publish(client(fake), "x", stamp=stamp(1))
    assert info.value.status == 401 and "COSTGATE_COMMENT_AUTHOR" not in str(info.value)
