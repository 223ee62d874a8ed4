"""A small, careful HTTP client for CI platform APIs (GitHub, GitLab, Azure, Bitbucket).

Why not bare ``requests``: every platform call needs the same discipline, written once —
timeouts; retries with backoff on 5xx and connection errors for idempotent methods only (a
POST whose outcome is unknown raises :class:`PublishTransient` so the caller can check before
creating again); rate limits honoured (``Retry-After``, ``x-ratelimit-remaining``/``reset``,
GitHub's secondary-limit 403); pagination by ``Link: rel="next"`` or a JSON ``next`` field,
followed only on the API's own origin; the token sent only in a header and only to that
origin; and the token replaced by ``***`` in every message and log line.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from costgate import __version__
from costgate.publish.base import (
    BodyTooLong,
    PublishError,
    PublishForbidden,
    PublishNotFound,
    PublishTransient,
)

#: Seconds left between two mutations (GitHub asks for ≥1 s); tests set it to 0.
MUTATION_INTERVAL = 1.0
#: Longest single wait for a rate limit; beyond it we give up rather than stall the job.
MAX_RATE_WAIT = 120.0
DEFAULT_TIMEOUT = (10.0, 30.0)
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})
_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _default_sleep(seconds: float) -> None:
    time.sleep(seconds)


class ApiClient:
    """One API origin, one token. ``request`` returns parsed JSON (or ``None`` for no body)."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        auth: Callable[[str], Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        tries: int = 4,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.time,
        log: Callable[[str], None] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise PublishError(f"bad API base URL {base_url!r}: expected https://host/...")
        self._origin = (parts.scheme, parts.netloc.lower())
        self._token = token or ""
        self._auth = auth or (lambda t: {"Authorization": f"Bearer {t}"})
        self._headers = {"User-Agent": f"costgate/{__version__}", **(headers or {})}
        self.timeout = timeout
        self.tries = max(1, tries)
        self._sleep = sleep
        self._clock = clock
        sink = log or _stderr_log
        self._log: Callable[[str], None] = lambda line: sink(self.mask(line))
        self._session = session or requests.Session()
        self._last_mutation = 0.0
        self.calls = 0

    # ----------------------------------------------------------------- public

    def mask(self, text: str) -> str:
        """``text`` with the token (and its Basic/Bearer forms) replaced by ``***``."""
        return mask_secret(text, self._token)

    def url(self, path_or_url: str) -> str:
        """Absolute URL for a path relative to the base (absolute URLs pass through)."""
        if not path_or_url:
            return self.base_url.rstrip("/")
        if "://" in path_or_url:
            return path_or_url
        return urljoin(self.base_url, path_or_url.lstrip("/"))

    def request(self, method: str, path_or_url: str, *, json_body: Any = None,
                params: Mapping[str, str] | None = None) -> Any:
        """Send one request with the retry and rate-limit rules; JSON response or ``None``."""
        return _json(self.send(method, path_or_url, json_body=json_body, params=params))

    def paginate(self, path: str, *, params: Mapping[str, str] | None = None,
                 items_key: str | None = None, next_key: str | None = None) -> Iterator[Any]:
        """Every item of every page: a JSON list per page (``Link`` header), or
        ``page[items_key]`` with the next URL in ``page[next_key]`` (Bitbucket style)."""
        url: str | None = self.url(path)
        first = True
        seen: set[str] = set()
        while url is not None:
            if not self.same_origin(url):
                raise PublishError(self.mask(
                    f"refusing to follow a pagination link to another host: {_host(url)}"))
            if url in seen:
                raise PublishError(self.mask(f"pagination loops at {url}"))
            seen.add(url)
            resp = self.send("GET", url, params=params if first else None)
            first = False
            page = _json(resp)
            if items_key is not None:
                if not isinstance(page, dict):
                    raise PublishError(f"unexpected page from {_host(url)}: not an object")
                yield from page.get(items_key) or []
                nxt = page.get(next_key or "next")
                url = urljoin(url, nxt) if isinstance(nxt, str) and nxt else None
            else:
                if not isinstance(page, list):
                    raise PublishError(f"unexpected page from {_host(url)}: not a list")
                yield from page
                link = resp.links.get("next", {}).get("url")
                url = urljoin(url, link) if link else None

    def same_origin(self, url: str) -> bool:
        """True when ``url`` has the API's scheme, host and port (the token may go there)."""
        parts = urlsplit(url)
        return (parts.scheme, parts.netloc.lower()) == self._origin

    # ----------------------------------------------------------------- core

    def send(self, method: str, path_or_url: str, *, json_body: Any = None,
             params: Mapping[str, str] | None = None) -> requests.Response:
        """The request loop; raises a :class:`PublishError` subclass on failure."""
        method = method.upper()
        url = self.url(path_or_url)
        headers = dict(self._headers)
        if self._token and self.same_origin(url):
            headers.update(self._auth(self._token))
        elif self._token:
            self._log(f"not sending the token to {_host(url)} (not the API host)")
        backoff = 1.0
        for attempt in range(1, self.tries + 1):
            last = attempt == self.tries
            self._space_mutations(method)
            try:
                self.calls += 1
                resp = self._session.request(method, url, headers=headers, json=json_body,
                                             params=params, timeout=self.timeout,
                                             allow_redirects=method == "GET")
            except requests.exceptions.ConnectTimeout as exc:
                reason = f"connection timed out ({type(exc).__name__})"
                safe_retry = True
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                reason = f"{type(exc).__name__}"
                safe_retry = method in _IDEMPOTENT
            else:
                if resp.status_code < 400:
                    if method == "GET" and resp.history and not self.same_origin(resp.url):
                        raise PublishError(f"{method} {self._where(url)} redirected to another "
                                           f"host {_host(resp.url)}")
                    return resp
                wait = self._rate_limit_wait(resp)
                if wait is not None:
                    if last or wait > MAX_RATE_WAIT:
                        raise PublishError(self._fail(method, url, resp, "rate limited"),
                                           status=resp.status_code)
                    self._log(f"{method} {self._where(url)}: rate limited "
                              f"(HTTP {resp.status_code}), waiting {wait:.0f}s")
                    self._pause(max(wait, backoff))
                    backoff *= 2
                    continue
                if resp.status_code >= 500:
                    if method not in _IDEMPOTENT or last:
                        raise PublishTransient(self._fail(method, url, resp, "server error"),
                                               status=resp.status_code)
                    self._log(f"{method} {self._where(url)}: HTTP {resp.status_code}, "
                              f"retrying in {backoff:.0f}s ({attempt}/{self.tries})")
                    self._pause(backoff)
                    backoff *= 2
                    continue
                raise _client_error(self._fail(method, url, resp, ""), resp)
            # connection-level failure
            if not safe_retry or last:
                raise PublishTransient(self.mask(
                    f"{method} {self._where(url)} failed: {reason}"
                    + ("" if safe_retry else " (not retried: the request may have been applied)")))
            self._log(f"{method} {self._where(url)}: {reason}, retrying in {backoff:.0f}s")
            self._pause(backoff)
            backoff *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _rate_limit_wait(self, resp: requests.Response) -> float | None:
        """Seconds to wait when ``resp`` is a rate-limit refusal, else ``None``."""
        if resp.status_code not in (403, 429):
            return None
        h = resp.headers
        retry_after = h.get("retry-after")
        if retry_after:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                return 60.0
        if h.get("x-ratelimit-remaining") == "0":
            try:
                return max(0.0, float(h.get("x-ratelimit-reset", "0")) - self._clock()) + 1.0
            except ValueError:
                return 60.0
        if resp.status_code == 429 or "secondary rate limit" in resp.text.lower():
            return 60.0
        return None

    def _space_mutations(self, method: str) -> None:
        if method not in _MUTATING or MUTATION_INTERVAL <= 0:
            return
        gap = MUTATION_INTERVAL - (time.monotonic() - self._last_mutation)
        if gap > 0:
            self._pause(gap)
        self._last_mutation = time.monotonic()

    def _pause(self, seconds: float) -> None:
        (self._sleep or _default_sleep)(seconds)

    def _where(self, url: str) -> str:
        parts = urlsplit(url)
        return self.mask(f"{parts.netloc}{parts.path}")

    def _fail(self, method: str, url: str, resp: requests.Response, what: str) -> str:
        detail = _api_message(resp)
        text = f"{method} {self._where(url)}: HTTP {resp.status_code}"
        text += f" {what}" if what else ""
        text += f": {detail}" if detail else ""
        return self.mask(text)


def mask_secret(text: str, secret: str) -> str:
    """Replace ``secret`` (≥4 chars) by ``***`` wherever it appears."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def _client_error(message: str, resp: requests.Response) -> PublishError:
    code = resp.status_code
    if code in (401, 403):
        return PublishForbidden(message, status=code)
    if code == 404:
        return PublishNotFound(message, status=code)
    if code == 422 and "too long" in resp.text.lower():
        return BodyTooLong(message, status=code)
    return PublishError(message, status=code)


def _api_message(resp: requests.Response) -> str:
    """The API's own error message, on one line and short (never the whole body)."""
    try:
        data = resp.json()
    except ValueError:
        return " ".join(resp.text.split())[:200]
    if isinstance(data, dict):
        for key in ("message", "error", "errorMessage"):
            value = data.get(key)
            if isinstance(value, str):
                return " ".join(value.split())[:200]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return " ".join(value["message"].split())[:200]
    return ""


def _json(resp: requests.Response) -> Any:
    if resp.status_code == 204 or not resp.content:
        return None
    try:
        return json.loads(resp.text, parse_float=Decimal)
    except ValueError as exc:
        raise PublishError(f"{_host(resp.url)} answered HTTP {resp.status_code} with "
                           "something that is not JSON") from exc


def _host(url: str) -> str:
    return urlsplit(url).netloc or url[:80]


def _stderr_log(line: str) -> None:
    print(f"costgate: {line}", file=sys.stderr)
