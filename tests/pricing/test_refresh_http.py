"""The refresh's HTTP layer: retries, backoff, Retry-After, verification, redaction."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from test_refresh_support import (  # noqa: F401  (the fixture is used by name)
    FakeProviders,
    providers_fixture,
)

from costgate.errors import NetworkError, PricingDataError
from costgate.pricing.refresh.http import Http, HttpSettings

FAST = HttpSettings(connect_timeout=0.5, read_timeout=0.5, retries=3, backoff=1.0, backoff_max=8.0)
OK = (200, {"Content-Type": "application/json"}, b'{"price": 0.1070000000}')


def _http(sleeps: list[float], **kw: object) -> Http:
    return Http(FAST, sleep=sleeps.append, rng=random.Random(7), **kw)  # type: ignore[arg-type]


def test_json_numbers_are_decimal_and_digest_is_kept(providers: FakeProviders) -> None:
    providers.scripted["/p"] = [OK]
    doc = _http([]).get_json(providers.base + "/p", what="page")
    assert str(doc.data["price"]) == "0.1070000000" and doc.size == len(OK[2])


def test_5xx_is_retried_with_exponential_backoff_and_jitter(providers: FakeProviders) -> None:
    busy = (503, {"Content-Type": "text/plain"}, b"busy")
    providers.scripted["/p"] = [busy, busy, busy, OK]
    sleeps: list[float] = []
    _http(sleeps).get_json(providers.base + "/p", what="page")
    assert providers.count("/p") == 4
    # attempt n waits between half and all of backoff * 2**n
    assert [0.5 <= sleeps[0] <= 1.0, 1.0 <= sleeps[1] <= 2.0, 2.0 <= sleeps[2] <= 4.0] == [True] * 3


def test_retry_after_is_honoured(providers: FakeProviders) -> None:
    providers.scripted["/p"] = [(429, {"Retry-After": "5"}, b""), OK]
    sleeps: list[float] = []
    _http(sleeps).get_json(providers.base + "/p", what="page")
    assert sleeps == [5.0]


def test_retries_are_bounded(providers: FakeProviders) -> None:
    providers.scripted["/p"] = [(500, {}, b"")]
    with pytest.raises(NetworkError, match=r"HTTP 500 .*after 4 attempts"):
        _http([]).get_json(providers.base + "/p", what="page")
    assert providers.count("/p") == 4


def test_client_errors_are_not_retried(providers: FakeProviders) -> None:
    with pytest.raises(NetworkError, match="HTTP 404"):
        _http([]).get_json(providers.base + "/nothing-here", what="page")
    assert providers.count("/nothing-here") == 1


def test_download_streams_to_disk_and_checks_length(
    providers: FakeProviders, tmp_path: Path
) -> None:
    body = b'"FormatVersion","v1.0"\n' * 50_000
    providers.scripted["/big.csv"] = [(200, {"Content-Type": "text/csv"}, body)]
    dest = tmp_path / "big.csv"
    assert _http([]).download(providers.base + "/big.csv", dest, what="big") == len(body)
    assert dest.read_bytes() == body
    providers.scripted["/big.csv"] = [(200, {"Content-Type": "text/csv"}, body)]
    providers.faults["/big.csv"] = ["truncate"] * 4
    with pytest.raises(NetworkError, match="truncated"):
        _http([]).download(providers.base + "/big.csv", dest, what="big")


def test_html_is_rejected_without_retry(providers: FakeProviders) -> None:
    providers.scripted["/p"] = [(200, {"Content-Type": "text/html; charset=utf-8"}, b"<html/>")]
    with pytest.raises(PricingDataError, match="got text/html"):
        _http([]).get_bytes(providers.base + "/p", what="page")
    assert providers.count("/p") == 1


def test_keyed_requests_do_not_follow_redirects(providers: FakeProviders) -> None:
    providers.scripted["/v1/services"] = [(302, {"Location": providers.base + "/elsewhere"}, b"")]
    with pytest.raises(NetworkError, match="redirect"):
        _http([]).get_json(providers.base + "/v1/services", headers={"X-Goog-Api-Key": "k"},
                           what="services")
    assert providers.count("/elsewhere") == 0


def test_secrets_are_redacted_from_messages() -> None:
    http = Http(FAST, secrets=["s3cr3t-KEY"])
    text = http.redact("GET https://h/v1/services?key=abc123&pageToken=x failed; s3cr3t-KEY")
    assert text == "GET https://h/v1/services?key=***&pageToken=x failed; ***"


def test_key_in_a_url_never_reaches_the_error(providers: FakeProviders) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    http = Http(HttpSettings(retries=0, connect_timeout=0.5), secrets=["s3cr3t-KEY"])
    with pytest.raises(NetworkError) as info:
        http.get_json(f"http://127.0.0.1:{port}/v1/services?key=s3cr3t-KEY", what="services")
    assert "s3cr3t-KEY" not in str(info.value) and "connection refused" in str(info.value)


def test_offline_fails_at_once_with_one_clear_line(
    providers: FakeProviders,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No DNS (simulated: no lookup leaves the machine) → no retries, one line, exit 2."""
    import socket

    from costgate.cli import main

    def no_dns(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setenv("COSTGATE_ECB_URL", "https://www.ecb.europa.eu")
    monkeypatch.setenv("COSTGATE_HTTP_RETRIES", "5")
    monkeypatch.setenv("COSTGATE_HTTP_BACKOFF", "60")  # would hang the test if it retried
    assert main(["pricing", "update", "--provider", "aws"]) == 2
    assert capsys.readouterr().err == (
        "costgate: error: cannot reach www.ecb.europa.eu: name resolution failed (offline?) "
        "for ECB reference rates; prices unchanged\n"
    )
