"""A stateful fake GitHub (REST v3 + GraphQL) on 127.0.0.1 for the publish tests.

Speaks the real shapes of the endpoints costgate uses, under a GHES-style prefix
(``/api/v3`` for REST, ``/api/graphql``): issue comments (list with ``per_page`` and ``Link``
pagination, create, update, delete), ``minimizeComment`` and ``viewer``, commit statuses.
Tokens map to logins; read-only tokens get GitHub's 403 "Resource not accessible by
integration". Faults, delays and the race barrier come from :class:`fake_api.FakeApi`.
"""

from __future__ import annotations

import re
from typing import Any

from fake_api import Answer, Call, FakeApi


class FakeGitHub(FakeApi):
    """State + server. Use as a context manager; ``api_url``/``graphql_url`` point at it."""

    fault_message = "Server Error"
    time_format = "%Y-%m-%dT%H:%M:%SZ"

    def __init__(self, *, per_page_max: int = 100, owner_repo: str = "acme/infra") -> None:
        super().__init__()
        self.repo = owner_repo
        self.tokens: dict[str, str] = {}
        self.read_only: set[str] = set()
        self.comments: dict[int, dict[str, Any]] = {}
        self.minimized: set[int] = set()
        self.statuses: list[dict[str, Any]] = []
        self.per_page_max = per_page_max
        self.next_link_host: str | None = None  # put another host in Link: rel="next"
        self.echo_token_in_errors = False
        self.max_body = 65536

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
            return int(self._create(pr, body, author)["id"])

    def pr_comments(self, pr: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["_pr"] == pr]

    def mutations(self) -> list[Call]:
        return [c for c in self.calls if c.method in ("POST", "PATCH", "DELETE")
                and not c.path.endswith("/graphql")]

    def _create(self, pr: int, body: str, author: str) -> dict[str, Any]:
        cid, now = self.next_id(), self.now()
        comment = {
            "id": cid, "node_id": f"IC_kw{cid}", "body": body,
            "user": {"login": author, "type": "Bot" if author.endswith("[bot]") else "User"},
            "created_at": now, "updated_at": now,
            "html_url": f"https://github.example/{self.repo}/pull/{pr}#issuecomment-{cid}",
            "_pr": pr,
        }
        self.comments[cid] = comment
        return comment

    # ------------------------------------------------------------- server

    def user_for(self, headers: dict[str, str], path: str) -> Any:
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        login = self.tokens.get(token)
        return None if login is None else (token, login)

    def unauthorized(self, headers: dict[str, str]) -> Answer:
        auth = headers.get("authorization", "")
        return 401, {"message": "Bad credentials" + (
            f" ({auth})" if self.echo_token_in_errors else "")}, {}

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any,
              user: Any) -> Answer:
        token, login = user
        if path == "/api/graphql" and method == "POST":
            return self._graphql(body or {}, token, login)
        if not path.startswith("/api/v3/"):
            return 404, {"message": "Not Found"}, {}
        rest = path[len("/api/v3"):]
        repo = re.escape(self.repo)
        if method in ("POST", "PATCH", "DELETE") and token in self.read_only:
            return 403, {"message": "Resource not accessible by integration"}, {}
        m = re.fullmatch(rf"/repos/{repo}/issues/(\d+)/comments", rest)
        if m and method == "GET":
            return self._list(int(m.group(1)), query, rest)
        if m and method == "POST":
            text = str((body or {}).get("body", ""))
            if len(text) > self.max_body:
                return 422, {"message": "Validation Failed", "errors": [
                    {"message": "Body is too long (maximum is 65536 characters)"}]}, {}
            with self.lock:
                return 201, _public(self._create(int(m.group(1)), text, login)), {}
        m = re.fullmatch(rf"/repos/{repo}/issues/comments/(\d+)", rest)
        if m:
            cid = int(m.group(1))
            with self.lock:
                comment = self.comments.get(cid)
                if comment is None:
                    return 404, {"message": "Not Found"}, {}
                if comment["user"]["login"] != login:
                    return 403, {"message": "Must have admin rights"}, {}
                if method == "PATCH":
                    comment["body"] = str((body or {}).get("body", ""))
                    comment["updated_at"] = self.now()
                    return 200, _public(comment), {}
                if method == "DELETE":
                    del self.comments[cid]
                    return 204, None, {}
        m = re.fullmatch(rf"/repos/{repo}/statuses/([0-9a-f]{{40}})", rest)
        if m and method == "POST":
            desc = str((body or {}).get("description", ""))
            if len(desc) >= 140 or body.get("state") not in (
                    "error", "failure", "pending", "success"):
                return 422, {"message": "Validation Failed"}, {}
            with self.lock:
                self.statuses.append({"sha": m.group(1), **body})
            return 201, {"id": len(self.statuses), **body}, {}
        return 404, {"message": "Not Found"}, {}

    def _list(self, pr: int, query: dict[str, list[str]], rest: str
              ) -> Answer:
        self.wait_barrier()
        per_page = min(int(query.get("per_page", ["30"])[0]), self.per_page_max)
        page = int(query.get("page", ["1"])[0])
        with self.lock:
            items = sorted(self.pr_comments(pr), key=lambda c: c["id"])
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(items):
            host = self.next_link_host or self.origin
            url = f"{host}/api/v3{rest}?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{url}>; rel="next", <{url}>; rel="last"'
        return 200, [_public(c) for c in chunk], headers

    def _graphql(self, body: dict[str, Any], token: str, login: str
                 ) -> Answer:
        query = str(body.get("query", ""))
        if "viewer" in query:
            return 200, {"data": {"viewer": {"login": login}}}, {}
        if "minimizeComment" in query:
            if token in self.read_only:
                return 200, {"data": {"minimizeComment": None}, "errors": [
                    {"type": "FORBIDDEN",
                     "message": "Resource not accessible by integration"}]}, {}
            node = (body.get("variables") or {}).get("id")
            with self.lock:
                target = next((c for c in self.comments.values() if c["node_id"] == node),
                              None)
                if target is None:
                    return 200, {"data": {"minimizeComment": None}, "errors": [
                        {"type": "NOT_FOUND",
                         "message": f"Could not resolve to a node with the global id of "
                                    f"'{node}'"}]}, {}
                self.minimized.add(target["id"])
            return 200, {"data": {"minimizeComment": {
                "minimizedComment": {"isMinimized": True}}}}, {}
        return 200, {"errors": [{"message": "unknown query"}]}, {}


def _public(c: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in c.items() if not k.startswith("_")}
