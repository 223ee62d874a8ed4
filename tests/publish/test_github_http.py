"""The API client against the fake GitHub: rate limits, retries, timeouts, origin, masking."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_github import FakeGitHub

from costgate.publish import http
from costgate.publish.base import (
    PublishError,
    PublishForbidden,
    PublishNotFound,
    PublishTransient,
)
from costgate.publish.http import ApiClient

TOKEN = "ghp_http_T0KEN_abcdef123456"
LIST = "repos/acme/infra/issues/7/comments"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        server.add_token(TOKEN, "octocat")
        yield server


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(http, "MUTATION_INTERVAL", 0.0)
    monkeypatch.setattr(http, "_default_sleep", waits.append)
    return waits


def api(fake: FakeGitHub, **kw: object) -> ApiClient:
    logs: list[str] = []
    client = ApiClient(fake.api_url, TOKEN, clock=lambda: 1_000_000.0, log=logs.append,
                       **kw)  # type: ignore[arg-type]
    client.logs = logs  # type: ignore[attr-defined]
    return client


def test_retry_after_is_honoured(fake: FakeGitHub, slept: list[float]) -> None:
    fake.fail("GET", "/comments$", status=403, headers={"Retry-After": "7"},
              body={"message": "You have exceeded a secondary rate limit"})
    assert api(fake).request("GET", LIST) == []
    assert slept == [7.0]


def test_ratelimit_reset_is_honoured(fake: FakeGitHub, slept: list[float]) -> None:
    fake.fail("POST", "/comments$", status=403,
              headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000042"},
              body={"message": "API rate limit exceeded"})
    api(fake).request("POST", LIST, json_body={"body": "hi"})
    assert slept == [43.0]  # reset - now + 1 s
    assert len(fake.pr_comments(7)) == 1


def test_secondary_limit_without_headers_waits_a_minute(fake: FakeGitHub,
                                                        slept: list[float]) -> None:
    fake.fail("GET", "/comments$", status=403,
              body={"message": "You have exceeded a secondary rate limit. Please wait."})
    fake.fail("GET", "/comments$", status=429)
    api(fake).request("GET", LIST)
    assert slept == [60.0, 60.0]


def test_rate_limit_too_far_away_gives_up(fake: FakeGitHub, slept: list[float]) -> None:
    fake.fail("GET", "/comments$", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(PublishError, match="rate limited"):
        api(fake).request("GET", LIST)
    assert slept == []


@pytest.mark.parametrize(("status", "error"), [(403, PublishForbidden), (404, PublishNotFound),
                                               (401, PublishForbidden), (422, PublishError)])
def test_client_errors_are_not_retried(fake: FakeGitHub, slept: list[float], status: int,
                                       error: type[Exception]) -> None:
    fake.fail("GET", "/comments$", status=status, body={"message": "nope"})
    with pytest.raises(error, match=f"HTTP {status}: nope"):
        api(fake).request("GET", LIST)
    assert slept == [] and len(fake.calls) == 1


def test_5xx_get_retried_with_backoff(fake: FakeGitHub, slept: list[float]) -> None:
    fake.fail("GET", "/comments$", status=502, count=3)
    assert api(fake).request("GET", LIST) == []
    assert slept == [1.0, 2.0, 4.0]


def test_5xx_post_is_not_blindly_retried(fake: FakeGitHub, slept: list[float]) -> None:
    fake.fail("POST", "/comments$", status=500)
    with pytest.raises(PublishTransient):
        api(fake).request("POST", LIST, json_body={"body": "x"})
    assert len(fake.calls) == 1


def test_timeouts(fake: FakeGitHub, slept: list[float]) -> None:
    fake.fail("GET", "/comments$", status=200, body=[], delay=0.6)
    assert api(fake, timeout=(2.0, 0.2)).request("GET", LIST) == []  # retried after timeout
    assert slept == [1.0]
    fake.fail("POST", "/comments$", status=201, body={}, delay=0.6)
    with pytest.raises(PublishTransient, match="may have been applied"):
        api(fake, timeout=(2.0, 0.2)).request("POST", LIST, json_body={"body": "x"})


def test_connection_refused_is_a_transient_error(slept: list[float]) -> None:
    with FakeGitHub() as gone:
        url = gone.api_url
    client = ApiClient(url, TOKEN, tries=2)
    with pytest.raises(PublishTransient):
        client.request("GET", LIST)
    assert slept == [1.0]


def test_pagination_never_leaves_the_api_host(fake: FakeGitHub, slept: list[float]) -> None:
    for i in range(3):
        fake.seed(7, f"c{i}", "x")
    fake.per_page_max = 2
    fake.next_link_host = "https://evil.example"
    client = api(fake)
    with pytest.raises(PublishError, match="another host: evil.example"):
        list(client.paginate(LIST, params={"per_page": "100"}))
    assert all(c.auth == f"Bearer {TOKEN}" for c in fake.calls)  # only ever sent to the fake
    assert not client.same_origin("https://evil.example/api/v3")
    assert not client.same_origin(fake.api_url.replace("http://", "https://"))


def test_token_only_in_headers_and_masked_everywhere(fake: FakeGitHub,
                                                     slept: list[float]) -> None:
    fake.echo_token_in_errors = True
    bad = ApiClient(fake.api_url, TOKEN + "x", log=[].append)
    with pytest.raises(PublishForbidden) as info:
        bad.request("GET", LIST)
    assert TOKEN not in str(info.value) and "***" in str(info.value)
    fake.fail("GET", "/comments$", status=503, body={"message": f"boom {TOKEN}"})
    client = api(fake)
    client.request("GET", LIST)
    logs = client.logs  # type: ignore[attr-defined]
    assert logs and not any(TOKEN in line for line in logs)
    call = fake.calls[-1]
    assert TOKEN not in call.path and all(TOKEN not in v for v in call.query.values())
    assert call.headers["User-Agent"].startswith("costgate/")
