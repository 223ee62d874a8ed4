"""A stateful fake GitLab (REST v4) on 127.0.0.1, plus the small server base the Azure and
Bitbucket fakes share.

GitLab part: ``GET /user``; merge request notes (list with ``per_page``/``page``,
``X-Next-Page`` and ``Link`` pagination, ``system`` notes, create/update/delete with the
author check GitLab applies); project ids numeric or URL-encoded paths; ``PRIVATE-TOKEN`` or
``Authorization: Bearer``; the 1,000,000-character limit with GitLab's real 400 message.

Base part (:class:`FakeApi`): records every call, answers faults queued per method + path
pattern (any status and headers, "apply then fail", delays for client timeouts), and an
optional barrier in list calls to force two runs to race. :func:`ci_inputs` and
:func:`clear_ci_env` serve the ``costgate ci`` tests of all three platforms.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest

_T0 = datetime(2026, 5, 1, 10, 0, 0, tzinfo=timezone.utc)
Answer = tuple[int, Any, dict[str, str]]
_CI_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "TF_BUILD", "BITBUCKET_", "SYSTEM_", "BUILD_",
                "COSTGATE_", "RUNNER_")


def ci_inputs(root: Path) -> dict[str, str]:
    """A saved estimate of ``examples/plan.json`` (+$29.20/mo) and a passing and a failing
    policy around it: ``costgate ci --plan`` then skips pricing, so CI tests stay fast."""
    from shared_data import REPO

    from costgate import cli

    est = root / "estimate.json"
    assert cli.main(["diff", "--plan", str(REPO / "examples" / "plan.json"), "--format", "json",
                     "--out", str(est)]) == 0
    files = {"estimate": str(est)}
    for name, limit in (("pass", 500), ("fail", 10)):
        path = root / f"{name}.yml"
        path.write_text("version: 1\ncurrency: USD\nrules:\n  - id: monthly-increase\n"
                        f"    max_monthly_increase: {limit}\n    severity: fail\n")
        files[name] = str(path)
    return files


def clear_ci_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the real CI's variables (tests may run inside one) and make retries instant."""
    from costgate.publish import base, http

    monkeypatch.setattr(http, "MUTATION_INTERVAL", 0.0)
    monkeypatch.setattr(http, "_default_sleep", lambda s: None)
    monkeypatch.setattr(base, "_default_sleep", lambda s: None)
    for key in list(os.environ):
        if key.startswith(_CI_PREFIXES) and key != "COSTGATE_CACHE_DIR":
            monkeypatch.delenv(key)


@dataclass
class Fault:
    method: str
    pattern: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = field(default_factory=lambda: {"message": "500 Internal Server Error"})
    apply: bool = False  # perform the request's effect, then answer with the fault
    delay: float = 0.0  # sleep before answering (client timeouts); after the effect if apply
    count: int = 1


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class FakeApi:
    """Server plumbing; subclasses implement :meth:`user_for` and :meth:`route`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.list_barrier: threading.Barrier | None = None
        self.lock = threading.RLock()
        self._ids = 1000
        self._tick = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def fail(self, method: str, pattern: str, **kw: Any) -> None:
        self.faults.append(Fault(method, pattern, **kw))

    def mutations(self) -> list[Call]:
        return [c for c in self.calls if c.method in ("POST", "PUT", "PATCH", "DELETE")]

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def now(self) -> str:
        self._tick += 1
        return (_T0 + timedelta(seconds=self._tick)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def wait_barrier(self) -> None:
        if self.list_barrier is not None:
            try:
                self.list_barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass

    # subclasses
    def user_for(self, headers: dict[str, str], path: str) -> Any:
        raise NotImplementedError

    def unauthorized(self) -> Answer:
        return 401, {"message": "401 Unauthorized"}, {}

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any,
              user: Any) -> Answer:
        raise NotImplementedError


def _handler(fake: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on keep-alive

        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, data: Any, headers: dict[str, str]) -> None:
            raw = b"" if data is None else json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                self.close_connection = True

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            query = parse_qs(parts.query)
            with fake.lock:
                fake.calls.append(Call(method, parts.path, query, headers, body))
                fault = next((f for f in fake.faults if f.method == method and f.count > 0
                              and re.search(f.pattern, parts.path)), None)
                if fault is not None:
                    fault.count -= 1
            if fault is not None and not fault.apply:
                time.sleep(fault.delay)
                self._send(fault.status, fault.body, fault.headers)
                return
            user = fake.user_for(headers, parts.path)
            answer = fake.unauthorized() if user is None else fake.route(
                method, parts.path, query, body, user)
            if fault is not None:  # applied; the client sees the fault, after any delay
                time.sleep(fault.delay)
                answer = (fault.status, fault.body, fault.headers)
            self._send(*answer)

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self._handle("PUT")

        def do_PATCH(self) -> None:  # noqa: N802
            self._handle("PATCH")

        def do_DELETE(self) -> None:  # noqa: N802
            self._handle("DELETE")

    return Handler


# --------------------------------------------------------------------------- GitLab


class FakeGitLab(FakeApi):
    """One project (id + path) with merge request notes; ``api_url`` is ``CI_API_V4_URL``."""

    def __init__(self, *, project_id: int = 4242, project_path: str = "acme/platform/infra",
                 per_page_max: int = 100) -> None:
        super().__init__()
        self.project_id = project_id
        self.project_path = project_path
        self.per_page_max = per_page_max
        self.tokens: dict[str, dict[str, Any]] = {}
        self.notes: dict[int, dict[str, Any]] = {}
        self.link_header = True  # False: only X-Next-Page (as behind some proxies)
        self.next_link_host: str | None = None  # put another host in Link: rel="next"
        self.max_body = 1_000_000

    @property
    def api_url(self) -> str:
        return f"{self.origin}/api/v4"

    def add_token(self, token: str, username: str, *, user_id: int = 0) -> None:
        self.tokens[token] = {"id": user_id or len(self.tokens) + 1, "username": username,
                              "name": username.replace("_", " ").title(), "state": "active"}

    def seed(self, mr: int, body: str, username: str, *, system: bool = False) -> int:
        with self.lock:
            author = {"id": 900, "username": username, "name": username}
            return int(self._create(mr, body, author, system=system)["id"])

    def mr_notes(self, mr: int) -> list[dict[str, Any]]:
        return sorted((n for n in self.notes.values() if n["noteable_iid"] == mr),
                      key=lambda n: n["id"])

    def _create(self, mr: int, body: str, author: dict[str, Any], *, system: bool = False
                ) -> dict[str, Any]:
        nid, now = self.next_id(), self.now()
        note = {"id": nid, "type": None, "body": body, "attachment": None, "author": author,
                "created_at": now, "updated_at": now, "system": system, "noteable_id": 77,
                "noteable_type": "MergeRequest", "project_id": self.project_id,
                "resolvable": False, "confidential": False, "internal": False,
                "noteable_iid": mr}
        self.notes[nid] = note
        return note

    def user_for(self, headers: dict[str, str], path: str) -> Any:
        token = headers.get("private-token") or headers.get("authorization", "").removeprefix(
            "Bearer ").strip()
        return self.tokens.get(token)

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any,
              user: Any) -> Answer:
        if not path.startswith("/api/v4/"):
            return 404, {"message": "404 Not Found"}, {}
        rest = path[len("/api/v4"):]
        if rest == "/user" and method == "GET":
            return 200, user, {}
        project = rf"(?:{self.project_id}|{re.escape(self.project_path.replace('/', '%2F'))})"
        m = re.fullmatch(rf"/projects/{project}/merge_requests/(\d+)/notes(?:/(\d+))?", rest)
        if m is None:
            return 404, {"message": "404 Not Found"}, {}
        mr, nid = int(m.group(1)), m.group(2)
        if nid is None and method == "GET":
            return self._list(mr, query, rest)
        if nid is None and method == "POST":
            text = str((body or {}).get("body", ""))
            if not text:
                return 400, {"message": "400 Bad request - Note {:note=>[\"can't be blank\"]}"}, {}
            if len(text) > self.max_body:
                return 400, {"message": "400 Bad request - Note {:note=>[\"is too long "
                                        "(maximum is 1000000 characters)\"]}"}, {}
            with self.lock:
                author = {k: user[k] for k in ("id", "username", "name", "state")}
                return 201, self._create(mr, text, author), {}
        with self.lock:
            note = self.notes.get(int(nid or 0))
            if note is None or note["noteable_iid"] != mr:
                return 404, {"message": "404 Not found"}, {}
            if note["author"]["username"] != user["username"]:
                return 403, {"message": "403 Forbidden"}, {}
            if method == "PUT":
                text = str((body or {}).get("body", ""))
                if len(text) > self.max_body:
                    return 400, {"message": "400 Bad request - Note {:note=>[\"is too long "
                                            "(maximum is 1000000 characters)\"]}"}, {}
                note["body"], note["updated_at"] = text, self.now()
                return 200, note, {}
            if method == "DELETE":
                del self.notes[note["id"]]
                return 204, None, {}
        return 405, {"message": "405 Method Not Allowed"}, {}

    def _list(self, mr: int, query: dict[str, list[str]], rest: str) -> Answer:
        self.wait_barrier()
        per_page = min(int(query.get("per_page", ["20"])[0]), self.per_page_max)
        page = int(query.get("page", ["1"])[0])
        with self.lock:
            items = self.mr_notes(mr)
        if query.get("sort", ["desc"])[0] != "asc":
            items.reverse()  # GitLab's default is newest first
        chunk = items[(page - 1) * per_page: page * per_page]
        more = page * per_page < len(items)
        headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(len(items)),
                   "X-Next-Page": str(page + 1) if more else ""}
        if more and self.link_header:
            keep = {k: v[0] for k, v in query.items() if k != "page"}
            qs = "&".join(f"{k}={v}" for k, v in keep.items())
            host = self.next_link_host or self.origin
            headers["Link"] = f'<{host}/api/v4{rest}?{qs}&page={page + 1}>; rel="next"'
        return 200, chunk, headers
