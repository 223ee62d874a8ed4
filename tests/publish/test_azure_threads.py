"""Azure Repos PR threads and PR status against the stateful fake."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from fake_api import no_waiting
from fake_azure import PROJECT, REPO_ID, FakeAzure

from costgate.publish.azure_repos import (
    AzureRepos,
    bearer_or_basic,
    from_context,
    utf16_length,
)
from costgate.publish.base import (
    Behavior,
    PublishError,
    PublishForbidden,
    RunStamp,
    publish,
)
from costgate.publish.detect import detect
from costgate.publish.gitlab import is_collapsed
from costgate.publish.http import ApiClient

JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJidWlsZCJ9.c2lnbmF0dXJlX3NlY3JldA"
PAT = "k3jd8s9a0qpwlz7xmcnvb5ty4ruei2ohg6fa1sd0kq9wpe3lrt8y"
PR = 57


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    no_waiting(monkeypatch)


@pytest.fixture
def fake() -> Iterator[FakeAzure]:
    with FakeAzure() as server:
        yield server  # type: ignore[misc]


def client(fake: FakeAzure, token: str = JWT) -> AzureRepos:
    return AzureRepos(fake.collection_url, PROJECT, REPO_ID, PR, token,
                      repository_name="infra")


def stamp(minute: int, seq: int = 0) -> RunStamp:
    return RunStamp(datetime(2026, 5, 1, 12, minute, tzinfo=timezone.utc), seq)


def test_create_update_unchanged_as_closed_threads(fake: FakeAzure) -> None:
    me = fake.add_build_token(JWT)
    az = client(fake)
    first = publish(az, "cost +$10", stamp=stamp(1, 1))
    assert first.action == "created"
    assert first.url.endswith(f"/acme/Cloud%20Infra/_git/infra/pullrequest/{PR}"
                              f"?discussionId={first.comment.id}")  # type: ignore[union-attr]
    [thread] = fake.pr_threads(PR)
    assert thread["status"] == "closed" and thread["comments"][0]["author"] == me
    second = publish(az, "cost +$20", stamp=stamp(2, 2))
    assert second.action == "updated" and second.comment.id == first.comment.id  # type: ignore[union-attr]
    assert publish(az, "cost +$20", stamp=stamp(3, 3)).action == "unchanged"
    [body] = fake.live_bodies(PR)
    assert body.startswith("<!-- costgate-comment v=1 ") and "cost +$20" in body
    posted = fake.mutations()
    assert [c.method for c in posted] == ["POST", "PATCH"]
    assert posted[0].body["comments"][0]["commentType"] == 1
    assert posted[0].body["comments"][0]["parentCommentId"] == 0
    git_calls = [c for c in fake.calls if "/_apis/git/" in c.path]
    assert git_calls and all(c.query["api-version"] == ["7.1"] for c in git_calls)
    assert all(c.headers["authorization"] == f"Bearer {JWT}" for c in fake.calls)


def test_personal_access_token_goes_as_basic(fake: FakeAzure) -> None:
    fake.add_pat(PAT, "Dana Ops")
    assert bearer_or_basic(PAT)["Authorization"].startswith("Basic ")
    assert bearer_or_basic(JWT)["Authorization"] == f"Bearer {JWT}"
    assert publish(client(fake, PAT), "via PAT", stamp=stamp(1)).action == "created"
    assert PAT not in fake.calls[-1].headers["authorization"]


def test_foreign_system_and_deleted_threads_are_ignored(fake: FakeAzure) -> None:
    fake.add_build_token(JWT)
    other = {"id": "ffffffff-0000-4000-8000-000000000009", "displayName": "Mallory"}
    marker = "<!-- costgate-comment v=1 valid-at=2030-01-01T00:00:00Z seq=1 -->"
    foreign = fake.seed(PR, f"{marker}\nforged", other)
    system = fake.seed(PR, "Policy status updated", other, comment_type="system")
    fake.threads[fake.seed(PR, "gone", other)]["isDeleted"] = True
    az = client(fake)
    assert [c.id for c in az.list_comments()] == [str(foreign)]
    publish(az, "ours", stamp=stamp(1), behavior=Behavior.DELETE_AND_NEW)
    assert fake.threads[foreign]["comments"][0]["content"] == f"{marker}\nforged"
    assert not fake.threads[foreign]["comments"][0]["isDeleted"]
    assert fake.threads[system]["comments"][0]["content"] == "Policy status updated"


def test_continuation_tokens_are_followed(fake: FakeAzure) -> None:
    me = fake.add_build_token(JWT)
    fake.page_size = 3
    for i in range(7):
        fake.seed(PR, f"review comment {i}", {**me, "id": f"0000000{i}-0000-4000-8000-00000000"})
    publish(client(fake), "first", stamp=stamp(1))  # thread 8: on the third page
    result = publish(client(fake), "second", stamp=stamp(2))
    assert result.action == "updated"
    lists = [c for c in fake.calls if c.method == "GET" and c.path.endswith("/threads")]
    assert [c.query.get("continuationToken") for c in lists[-3:]] == [None, ["3"], ["6"]]


def test_two_racing_runs_leave_exactly_one(fake: FakeAzure) -> None:
    fake.add_build_token(JWT)
    fake.list_barrier = threading.Barrier(2)
    out: list[str] = []

    def run(name: str, when: RunStamp) -> None:
        out.append(publish(client(fake), f"from {name}", stamp=when).action)

    threads = [threading.Thread(target=run, args=(n, stamp(i, i))) for i, n in ((1, "a"),
                                                                                 (2, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    fake.list_barrier = None
    [body] = fake.live_bodies(PR)
    assert "from b" in body and sorted(out) == ["created", "skipped-newer"]


def test_500_after_create_leaves_no_duplicate(fake: FakeAzure) -> None:
    fake.add_build_token(JWT)
    fake.fail("POST", r"/threads$", apply=True, body={"message": "VS402; server busy"})
    assert publish(client(fake), "once", stamp=stamp(1)).action == "created"
    assert len(fake.live_bodies(PR)) == 1


def test_create_that_times_out_after_applying_is_not_repeated(fake: FakeAzure) -> None:
    fake.add_build_token(JWT)
    fake.fail("POST", r"/threads$", apply=True, delay=0.5)
    az = AzureRepos(fake.collection_url, PROJECT, REPO_ID, PR, JWT,
                    client=ApiClient(fake.collection_url, JWT, auth=bearer_or_basic,
                                     timeout=(2.0, 0.15), sleep=lambda s: None))
    result = publish(az, "slow create", stamp=stamp(1))
    assert result.action == "created" and len(fake.live_bodies(PR)) == 1
    assert [c.method for c in fake.mutations()] == ["POST"]  # found by re-listing, not re-sent


def test_missing_contribute_permission_is_forbidden(fake: FakeAzure) -> None:
    fake.add_build_token(JWT, contribute=False)
    with pytest.raises(PublishForbidden, match="TF401027"):
        publish(client(fake), "x", stamp=stamp(1))
    with pytest.raises(PublishForbidden):
        client(fake).set_status("", "fail", "over budget")


def test_hide_and_new_folds_and_closes(fake: FakeAzure) -> None:
    fake.add_build_token(JWT)
    az = client(fake)
    old = publish(az, "old estimate", stamp=stamp(1)).comment
    assert old is not None
    fake.threads[int(old.id)]["status"] = "active"  # a reviewer reopened it
    publish(az, "new estimate", stamp=stamp(2), behavior=Behavior.HIDE_AND_NEW)
    thread = fake.threads[int(old.id)]
    assert thread["status"] == "closed" and is_collapsed(thread["comments"][0]["content"])
    assert [is_collapsed(b) for b in fake.live_bodies(PR)] == [True, False]


def test_delete_and_new_marks_the_old_comment_deleted(fake: FakeAzure) -> None:
    fake.add_build_token(JWT)
    az = client(fake)
    old = publish(az, "old", stamp=stamp(1)).comment
    publish(az, "new", stamp=stamp(2), behavior=Behavior.DELETE_AND_NEW)
    assert fake.threads[int(old.id)]["comments"][0]["isDeleted"]  # type: ignore[union-attr]
    assert [b.split("\n", 1)[1].strip() for b in fake.live_bodies(PR)] == ["new"]


@pytest.mark.parametrize(("outcome", "state"), [("pass", "succeeded"), ("warn", "succeeded"),
                                                 ("fail", "failed")])
def test_pr_status(fake: FakeAzure, outcome: str, state: str) -> None:
    fake.add_build_token(JWT)
    client(fake).set_status("abc1234", outcome, "+$29.20/mo " + "x" * 300,
                            "https://dev.azure.com/acme/Cloud%20Infra/_build/results?buildId=9")
    [status] = fake.statuses
    assert status["state"] == state
    assert status["context"] == {"name": "budget", "genre": "costgate"}
    assert len(status["description"]) <= 139 and status["description"].startswith("+$29.20/mo")
    assert status["targetUrl"].endswith("buildId=9")


def test_utf16_limit_is_checked_before_sending(fake: FakeAzure) -> None:
    fake.add_build_token(JWT)
    heavy = "💸" * 80_000  # 80k code points, 160k UTF-16 units: over Azure's 150k
    assert len(heavy) < client(fake).max_body_chars < utf16_length(heavy)
    result = publish(client(fake), heavy, stamp=stamp(1), fallback_content="summary only")
    assert result.action == "created"
    posts: list[Any] = [c.body for c in fake.mutations() if c.method == "POST"]
    assert len(posts) == 1 and "summary only" in posts[0]["comments"][0]["content"]


def test_server_side_length_refusal_maps_to_body_too_long(fake: FakeAzure) -> None:
    fake.add_build_token(JWT)
    fake.max_chars = 1_000
    result = publish(client(fake), "y" * 2_000, stamp=stamp(1), fallback_content="small")
    assert result.action == "created" and fake.live_bodies(PR)[0].rstrip().endswith("small")


def test_token_is_masked_in_errors(fake: FakeAzure) -> None:
    fake.add_build_token(JWT)
    fake.fail("GET", r"/threads$", status=400, body={"message": f"bad {JWT}"})
    with pytest.raises(PublishError) as info:
        publish(client(fake), "x", stamp=stamp(1))
    assert JWT not in str(info.value)


def test_from_context(fake: FakeAzure) -> None:
    env = {"TF_BUILD": "True", "SYSTEM_COLLECTIONURI": fake.collection_url,
           "SYSTEM_TEAMPROJECT": PROJECT, "BUILD_REPOSITORY_ID": REPO_ID,
           "BUILD_REPOSITORY_PROVIDER": "TfsGit", "SYSTEM_PULLREQUEST_PULLREQUESTID": str(PR),
           "BUILD_REASON": "PullRequest"}
    with pytest.raises(PublishForbidden, match=r"SYSTEM_ACCESSTOKEN: \$\(System.AccessToken\)"):
        from_context(detect(env))
    az = from_context(detect({**env, "SYSTEM_ACCESSTOKEN": JWT}))
    assert az.pr == PR
    with pytest.raises(PublishError, match="not Azure Repos"):
        from_context(detect({**env, "SYSTEM_ACCESSTOKEN": JWT,
                             "BUILD_REPOSITORY_PROVIDER": "GitHub"}))


def test_bad_project_name_is_rejected() -> None:
    with pytest.raises(PublishError, match="bad Azure DevOps project"):
        AzureRepos("https://dev.azure.com/acme/", "../x", REPO_ID, 1, JWT,
                   client=ApiClient("https://dev.azure.com/acme/", JWT))
