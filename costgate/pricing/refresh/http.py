"""HTTP for the live price refresh: one session, timeouts, bounded retries, secret redaction.

Why a wrapper: every download must fail the same way (one clear line naming the host, never a
traceback, never an API key), transient trouble (connection errors, truncated bodies, 429, 5xx)
must be retried with exponential backoff and jitter, and big offer files must be streamed to
disk in chunks. ``requests`` does the transport; this module decides what is retried.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import requests

from costgate import __version__
from costgate.errors import NetworkError, PricingDataError

T = TypeVar("T")
_CHUNK = 1 << 20  # 1 MiB: big offer files are streamed, never held in memory
_KEY_PARAM = re.compile(r"(?i)([?&](?:key|api_key|apikey|token)=)[^&#\s]+")


@dataclass(frozen=True)
class HttpSettings:
    """Transport knobs; tests shrink them so failure paths run in milliseconds."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 4  # extra attempts after the first
    backoff: float = 1.0  # first retry waits about this long, doubling each time
    backoff_max: float = 30.0  # cap for one wait; a longer Retry-After fails at once


class Progress(Protocol):
    """What a download reports to (a rich progress bar or nothing)."""

    def start(self, description: str, total: int | None) -> int: ...

    def advance(self, task: int, amount: int) -> None: ...

    def finish(self, task: int) -> None: ...


class NoProgress:
    """Progress sink for --quiet and non-TTY runs."""

    def start(self, description: str, total: int | None) -> int:
        return 0

    def advance(self, task: int, amount: int) -> None:
        return None

    def finish(self, task: int) -> None:
        return None


@dataclass(frozen=True)
class JsonDoc:
    """A parsed JSON download with the digest of its bytes (for the snapshot manifest)."""

    data: Any
    sha256: str
    size: int


class _Retry(Exception):
    """A transient failure worth another attempt; ``wait`` overrides the backoff delay."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


def host_of(url: str) -> str:
    """The host name of a URL, for messages and same-host checks."""
    return urlsplit(url).hostname or url


def public_url(url: str) -> str:
    """The URL without its query string: what provenance and progress may show."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class Http:
    """A requests session with the refresh's retry policy and redaction of secrets."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        progress: Progress | None = None,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.progress: Progress = progress or NoProgress()
        self._secrets = [s for s in secrets if s]
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"costgate/{__version__} (pricing update)"

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def redact(self, text: str) -> str:
        """Remove API keys from any text that may reach a log, a message or an exception."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return _KEY_PARAM.sub(r"\1***", text)

    # -- public calls -------------------------------------------------------------------

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        what: str,
    ) -> JsonDoc:
        """GET a JSON document; numbers become Decimal. Bad JSON → PricingDataError.

        ``headers`` may carry an API key: such requests never follow redirects.
        """
        body = self.get_bytes(url, params=params, headers=headers, what=what)
        try:
            data = json.loads(body, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PricingDataError(f"{what}: not valid JSON ({_short(str(exc))})") from None
        return JsonDoc(data, hashlib.sha256(body).hexdigest(), len(body))

    def get_bytes(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        what: str,
    ) -> bytes:
        """GET a small document (index, API page, rate file) into memory."""

        def fetch(resp: requests.Response) -> bytes:
            _reject_html(resp, what)
            task = self.progress.start(what, _content_length(resp))
            try:
                body = resp.content
            finally:
                self.progress.finish(task)
            _check_length(resp, len(body), what)
            return body

        return self._with_retries(url, params, headers, fetch, what)

    def download(self, url: str, dest: Path, *, what: str) -> int:
        """Stream a (possibly 1 GB) file to ``dest`` in 1 MiB chunks; return its size."""

        def fetch(resp: requests.Response) -> int:
            _reject_html(resp, what)
            total = _content_length(resp)
            task = self.progress.start(what, total)
            size = 0
            try:
                with dest.open("wb") as out:
                    for chunk in resp.iter_content(_CHUNK):
                        out.write(chunk)
                        size += len(chunk)
                        self.progress.advance(task, len(chunk))
            finally:
                self.progress.finish(task)
            _check_length(resp, size, what)
            return size

        return self._with_retries(url, None, None, fetch, what, stream=True)

    # -- the retry loop -----------------------------------------------------------------

    def _with_retries(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        consume: Callable[[requests.Response], T],
        what: str,
        *,
        stream: bool = False,
    ) -> T:
        host = host_of(url)
        attempts = self.settings.retries + 1
        last = "no attempt made"
        for attempt in range(attempts):
            try:
                return self._attempt(url, params, headers, consume, what, stream)
            except _Retry as retry:  # noqa: PERF203 - one attempt per iteration is the point
                last = retry.reason
                if attempt + 1 >= attempts:
                    break
                delay = retry.wait if retry.wait is not None else self._backoff(attempt)
                self._sleep(delay)
        raise NetworkError(
            self.redact(f"cannot reach {host}: {last} (after {attempts} attempts) for {what}")
        )

    def _attempt(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        consume: Callable[[requests.Response], T],
        what: str,
        stream: bool,
    ) -> T:
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            with self.session.get(
                url,
                params=params,
                headers=dict(headers or {}),
                timeout=timeout,
                stream=stream,
                allow_redirects=not headers,  # never carry a keyed header to another host
            ) as resp:
                self._check_status(resp, what)
                return consume(resp)
        except requests.exceptions.ChunkedEncodingError:
            raise _Retry("connection broken (truncated body)") from None
        except requests.exceptions.ContentDecodingError:
            raise _Retry("corrupt compressed body") from None
        except requests.exceptions.Timeout:
            raise _Retry(f"timed out after {self.settings.read_timeout:g} s") from None
        except requests.exceptions.ConnectionError as exc:
            reason = _connection_reason(exc)
            if reason in _OFFLINE:  # not fixed by waiting seconds: fail at once
                raise NetworkError(self.redact(f"cannot reach {host_of(url)}: {reason} for {what}")) from None
            raise _Retry(reason) from None
        except requests.exceptions.RequestException as exc:
            raise NetworkError(self.redact(f"request for {what} failed: {_short(str(exc))}")) from None

    def _check_status(self, resp: requests.Response, what: str) -> None:
        status = resp.status_code
        if status == 429 or status >= 500:
            wait = _retry_after(resp.headers.get("Retry-After"))
            if wait is not None and wait > self.settings.backoff_max:
                raise NetworkError(
                    f"{host_of(resp.url)} rate-limited {what} (HTTP {status}, Retry-After "
                    f"{wait:g} s exceeds the {self.settings.backoff_max:g} s limit)"
                )
            raise _Retry(f"HTTP {status} {resp.reason or ''}".rstrip(), wait)
        if 300 <= status < 400:
            raise NetworkError(f"unexpected redirect (HTTP {status}) for {what}")
        if status >= 400:
            detail = "check GOOGLE_API_KEY" if status in (400, 401, 403) and self._secrets else ""
            raise NetworkError(
                self.redact(
                    f"HTTP {status} {resp.reason or ''} from {host_of(resp.url)} for {what}"
                    + (f" ({detail})" if detail else "")
                )
            )

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random, capped."""
        delay = min(self.settings.backoff_max, self.settings.backoff * float(2**attempt))
        return delay / 2 + self._rng.uniform(0, delay / 2)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _content_length(resp: requests.Response) -> int | None:
    value = resp.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _check_length(resp: requests.Response, decoded_size: int, what: str) -> None:
    """Compare Content-Length (wire bytes) with what was read: a short body is retried."""
    expected = _content_length(resp)
    if expected is None:
        return
    encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    got = int(resp.raw.tell()) if encoded and hasattr(resp.raw, "tell") else decoded_size
    if got < expected:
        raise _Retry(f"truncated body ({got} of {expected} bytes)")


def _reject_html(resp: requests.Response, what: str) -> None:
    """A captive portal or error page is not a price file: fail without retrying."""
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype in ("text/html", "application/xhtml+xml"):
        raise PricingDataError(f"{what}: expected a price file, got {ctype} from {host_of(resp.url)}")


_NO_DNS = "name resolution failed (offline?)"
_UNREACHABLE = "network unreachable (offline?)"
_OFFLINE = frozenset({_NO_DNS, _UNREACHABLE})


def _connection_reason(exc: requests.exceptions.ConnectionError) -> str:
    text = str(exc)
    if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return _NO_DNS
    if "Network is unreachable" in text:
        return _UNREACHABLE
    if "Connection refused" in text or "ConnectionRefusedError" in text:
        return "connection refused"
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "connection closed by the server"
    return _short(text)


def _short(text: str) -> str:
    return " ".join(text.split())[:200]
