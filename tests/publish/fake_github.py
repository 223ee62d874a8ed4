"""A stateful fake GitHub (REST v3 + GraphQL) on 127.0.0.1 for the publish tests.

Speaks the real shapes of the endpoints costgate uses, under a GHES-style prefix
(``/api/v3`` for REST, ``/api/graphql``): issue comments (list with ``per_page`` and ``Link``
pagination, create, update, delete), ``minimizeComment`` and ``viewer``, commit statuses.
Tokens map to logins; read-only tokens get GitHub's 403 "Resource not accessible by
integration". Faults are queued per method + path pattern: any status with headers, a
"do it, then answer 500" mode, delays (timeouts), and a barrier to force two runs to race.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_T0 = datetime(2026, 5, 1, 10, 0, 0, tzinfo=timezone.utc)


@dataclass
class Fault:
    method: str
    pattern: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=lambda: {"message": "Server Error"})
    apply: bool = False  # perform the request's effect, then answer with the fault
    delay: float = 0.0  # sleep before answering (client timeouts)
    count: int = 1


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    auth: str
    headers: dict[str, str]
    body: Any


class FakeGitHub:
    """State + server. Use as a context manager; ``api_url``/``graphql_url`` point at it."""

    def __init__(self, *, per_page_max: int = 100, owner_repo: str = "acme/infra") -> None:
        self.repo = owner_repo
        self.tokens: dict[str, str] = {}
        self.read_only: set[str] = set()
        self.comments: dict[int, dict[str, Any]] = {}
        self.minimized: set[int] = set()
        self.statuses: list[dict[str, Any]] = []
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.per_page_max = per_page_max
        self.next_link_host: str | None = None  # put another host in Link: rel="next"
        self.list_barrier: threading.Barrier | None = None
        self.echo_token_in_errors = False
        self.max_body = 65536
        self._ids = 1000
        self._tick = 0
        self.lock = threading.RLock()
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True)

    # ------------------------------------------------------------- lifecycle

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.origin}/api/v3"

    @property
    def graphql_url(self) -> str:
        return f"{self.origin}/api/graphql"

    # ------------------------------------------------------------- helpers for tests

    def add_token(self, token: str, login: str, *, read_only: bool = False) -> None:
        self.tokens[token] = login
        if read_only:
            self.read_only.add(token)

    def seed(self, pr: int, body: str, author: str) -> int:
        """A pre-existing comment (written by someone, at the next tick)."""
        with self.lock:
            return self._create(pr, body, author)["id"]

    def fail(self, method: str, pattern: str, **kw: Any) -> None:
        self.faults.append(Fault(method, pattern, **kw))

    def pr_comments(self, pr: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["_pr"] == pr]

    def mutations(self) -> list[Call]:
        return [c for c in self.calls if c.method in ("POST", "PATCH", "DELETE")
                and not c.path.endswith("/graphql")]

    # ------------------------------------------------------------- state changes

    def _now(self) -> str:
        self._tick += 1
        return (_T0 + timedelta(seconds=self._tick)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _create(self, pr: int, body: str, author: str) -> dict[str, Any]:
        self._ids += 1
        cid = self._ids
        now = self._now()
        comment = {
            "id": cid, "node_id": f"IC_kw{cid}", "body": body,
            "user": {"login": author, "type": "Bot" if author.endswith("[bot]") else "User"},
            "created_at": now, "updated_at": now,
            "html_url": f"https://github.example/{self.repo}/pull/{pr}#issuecomment-{cid}",
            "_pr": pr,
        }
        self.comments[cid] = comment
        return comment


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out and hung up is expected in the timeout tests."""


def _public(c: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in c.items() if not k.startswith("_")}


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on keep-alive

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def _send(self, status: int, data: Any = None, headers: dict[str, str] | None = None
                  ) -> None:
            raw = b"" if data is None else json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            auth = self.headers.get("Authorization", "")
            with fake.lock:
                fake.calls.append(Call(method, parts.path, parse_qs(parts.query), auth,
                                       dict(self.headers.items()), body))
                fault = next((f for f in fake.faults if f.method == method
                              and re.search(f.pattern, parts.path) and f.count > 0), None)
                if fault is not None:
                    fault.count -= 1
            if fault is not None and fault.delay:
                time.sleep(fault.delay)
            if fault is not None and not fault.apply:
                self._send(fault.status, fault.body, fault.headers)
                return
            token = auth.removeprefix("Bearer ").strip()
            login = fake.tokens.get(token)
            if login is None:
                msg = "Bad credentials" + (f" ({auth})" if fake.echo_token_in_errors else "")
                self._send(401, {"message": msg})
                return
            status, data, headers = self._route(method, parts.path, parse_qs(parts.query),
                                                body, token, login)
            if fault is not None:  # applied, but the client sees the fault
                self._send(fault.status, fault.body, fault.headers)
                return
            self._send(status, data, headers)

        def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any,
                   token: str, login: str) -> tuple[int, Any, dict[str, str]]:
            if path == "/api/graphql" and method == "POST":
                return self._graphql(body or {}, token, login)
            if not path.startswith("/api/v3/"):
                return 404, {"message": "Not Found"}, {}
            rest = path[len("/api/v3"):]
            repo = re.escape(fake.repo)
            if method in ("POST", "PATCH", "DELETE") and token in fake.read_only:
                return 403, {"message": "Resource not accessible by integration"}, {}
            m = re.fullmatch(rf"/repos/{repo}/issues/(\d+)/comments", rest)
            if m and method == "GET":
                return self._list(int(m.group(1)), query, rest)
            if m and method == "POST":
                text = str((body or {}).get("body", ""))
                if len(text) > fake.max_body:
                    return 422, {"message": "Validation Failed", "errors": [
                        {"message": "Body is too long (maximum is 65536 characters)"}]}, {}
                with fake.lock:
                    return 201, _public(fake._create(int(m.group(1)), text, login)), {}
            m = re.fullmatch(rf"/repos/{repo}/issues/comments/(\d+)", rest)
            if m:
                cid = int(m.group(1))
                with fake.lock:
                    comment = fake.comments.get(cid)
                    if comment is None:
                        return 404, {"message": "Not Found"}, {}
                    if comment["user"]["login"] != login:
                        return 403, {"message": "Must have admin rights"}, {}
                    if method == "PATCH":
                        comment["body"] = str((body or {}).get("body", ""))
                        comment["updated_at"] = fake._now()
                        return 200, _public(comment), {}
                    if method == "DELETE":
                        del fake.comments[cid]
                        return 204, None, {}
            m = re.fullmatch(rf"/repos/{repo}/statuses/([0-9a-f]{{40}})", rest)
            if m and method == "POST":
                desc = str((body or {}).get("description", ""))
                if len(desc) >= 140 or body.get("state") not in (
                        "error", "failure", "pending", "success"):
                    return 422, {"message": "Validation Failed"}, {}
                with fake.lock:
                    fake.statuses.append({"sha": m.group(1), **body})
                return 201, {"id": len(fake.statuses), **body}, {}
            return 404, {"message": "Not Found"}, {}

        def _list(self, pr: int, query: dict[str, list[str]], rest: str
                  ) -> tuple[int, Any, dict[str, str]]:
            if fake.list_barrier is not None:
                try:
                    fake.list_barrier.wait(timeout=5)
                except threading.BrokenBarrierError:
                    pass
            per_page = min(int(query.get("per_page", ["30"])[0]), fake.per_page_max)
            page = int(query.get("page", ["1"])[0])
            with fake.lock:
                items = sorted(fake.pr_comments(pr), key=lambda c: c["id"])
            chunk = items[(page - 1) * per_page: page * per_page]
            headers = {}
            if page * per_page < len(items):
                host = fake.next_link_host or fake.origin
                url = f"{host}/api/v3{rest}?per_page={per_page}&page={page + 1}"
                headers["Link"] = f'<{url}>; rel="next", <{url}>; rel="last"'
            return 200, [_public(c) for c in chunk], headers

        def _graphql(self, body: dict[str, Any], token: str, login: str
                     ) -> tuple[int, Any, dict[str, str]]:
            query = str(body.get("query", ""))
            if "viewer" in query:
                return 200, {"data": {"viewer": {"login": login}}}, {}
            if "minimizeComment" in query:
                if token in fake.read_only:
                    return 200, {"data": {"minimizeComment": None}, "errors": [
                        {"type": "FORBIDDEN",
                         "message": "Resource not accessible by integration"}]}, {}
                node = (body.get("variables") or {}).get("id")
                with fake.lock:
                    target = next((c for c in fake.comments.values() if c["node_id"] == node),
                                  None)
                    if target is None:
                        return 200, {"data": {"minimizeComment": None}, "errors": [
                            {"type": "NOT_FOUND",
                             "message": f"Could not resolve to a node with the global id of "
                                        f"'{node}'"}]}, {}
                    fake.minimized.add(target["id"])
                return 200, {"data": {"minimizeComment": {
                    "minimizedComment": {"isMinimized": True}}}}, {}
            return 200, {"errors": [{"message": "unknown query"}]}, {}

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def do_PATCH(self) -> None:  # noqa: N802
            self._handle("PATCH")

        def do_DELETE(self) -> None:  # noqa: N802
            self._handle("DELETE")

    return Handler
