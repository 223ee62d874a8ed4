"""A stateful fake Bitbucket Cloud (REST 2.0) on 127.0.0.1.

One repository ``acme/infra``: PR comments (list with ``pagelen``/``page`` and a JSON
``next`` URL, inline and deleted comments included in the list as Bitbucket returns them,
create/update/delete with the author check), commit build statuses, ``GET /2.0/user``.
Access tokens (``Bearer``) act as their own bot user and, like real ones, cannot read
``/2.0/user`` (no ``account`` scope); ``user:secret`` Basic credentials are user accounts.
Errors use Bitbucket's ``{"type": "error", "error": {"message": …}}`` shape.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from fake_api import Answer, FakeApi

REPO = "acme/infra"
_STATES = ("SUCCESSFUL", "FAILED", "INPROGRESS", "STOPPED")


def _error(message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"message": message}}


class FakeBitbucket(FakeApi):
    """State + server; ``api_url`` replaces ``https://api.bitbucket.org/2.0``."""

    def __init__(self) -> None:
        super().__init__()
        self.accounts: dict[str, dict[str, Any]] = {}  # Authorization header -> account
        self.access_tokens: set[str] = set()  # headers of access tokens (no /user)
        self.comments: dict[int, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.next_host: str | None = None
        self._users = 0

    @property
    def api_url(self) -> str:
        return f"{self.origin}/2.0"

    def _account(self, name: str, kind: str) -> dict[str, Any]:
        self._users += 1
        n = self._users
        return {"type": kind, "display_name": name, "nickname": name.lower().replace(" ", ""),
                "uuid": f"{{6f1e2d3c-4b5a-4978-8a6b-{n:012d}}}",
                "account_id": f"712020:{n:08d}-aaaa-bbbb-cccc-000000000000"}

    def add_access_token(self, token: str, name: str = "costgate") -> dict[str, Any]:
        account = self._account(name, "app_user")
        self.accounts[f"Bearer {token}"] = account
        self.access_tokens.add(f"Bearer {token}")
        return account

    def add_basic(self, user: str, secret: str, name: str) -> dict[str, Any]:
        account = self._account(name, "user")
        self.accounts["Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()] = account
        return account

    def seed(self, pr: int, raw: str, author: dict[str, Any], *, inline: bool = False) -> int:
        with self.lock:
            return int(self._create(pr, raw, author, inline=inline)["id"])

    def pr_comments(self, pr: int) -> list[dict[str, Any]]:
        return sorted((c for c in self.comments.values() if c["pullrequest"]["id"] == pr),
                      key=lambda c: c["id"])

    def live_bodies(self, pr: int) -> list[str]:
        return [c["content"]["raw"] for c in self.pr_comments(pr)
                if not c["deleted"] and "inline" not in c]

    def _create(self, pr: int, raw: str, author: dict[str, Any], *, inline: bool = False
                ) -> dict[str, Any]:
        cid, now = self.next_id(), self.now()
        comment: dict[str, Any] = {
            "type": "pullrequest_comment", "id": cid, "created_on": now, "updated_on": now,
            "content": {"type": "rendered", "raw": raw, "markup": "markdown",
                        "html": "<p>(rendered)</p>"},
            "user": author, "deleted": False, "pending": False,
            "pullrequest": {"type": "pullrequest", "id": pr, "title": "Add NAT"},
            "links": {
                "self": {"href": f"{self.api_url}/repositories/{REPO}/pullrequests/{pr}/"
                                 f"comments/{cid}"},
                "html": {"href": f"https://bitbucket.org/{REPO}/pull-requests/{pr}/"
                                 f"_/diff#comment-{cid}"}}}
        if inline:
            comment["inline"] = {"from": None, "to": 3, "path": "main.tf"}
        self.comments[cid] = comment
        return comment

    # ------------------------------------------------------------------ server

    def user_for(self, headers: dict[str, str], path: str) -> Any:
        header = headers.get("authorization", "")
        account = self.accounts.get(header)
        return None if account is None else {**account, "_access_token":
                                             header in self.access_tokens}

    def unauthorized(self, headers: dict[str, str]) -> Answer:
        return 401, _error("Token is invalid, expired, or not supported for this endpoint."), {}

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any,
              user: Any) -> Answer:
        public = {k: v for k, v in user.items() if not k.startswith("_")}
        if path == "/2.0/user" and method == "GET":
            if user["_access_token"]:
                return 403, _error("Your credentials lack one or more required privilege "
                                   "scopes."), {}
            return 200, public, {}
        base = f"/2.0/repositories/{REPO}"
        m = re.fullmatch(rf"{base}/commit/([0-9a-f]{{7,40}})/statuses/build", path)
        if m and method == "POST":
            return self._status(m.group(1), body or {})
        m = re.fullmatch(rf"{base}/pullrequests/(\d+)/comments(?:/(\d+))?", path)
        if m is None:
            return 404, _error("Resource not found"), {}
        pr, cid = int(m.group(1)), m.group(2)
        if cid is None and method == "GET":
            return self._list(pr, query, path)
        if cid is None and method == "POST":
            raw = ((body or {}).get("content") or {}).get("raw")
            if not isinstance(raw, str) or not raw:
                return 400, _error("content.raw: This field is required."), {}
            with self.lock:
                return 201, self._create(pr, raw, public), {}
        with self.lock:
            comment = self.comments.get(int(cid or 0))
            if comment is None or comment["pullrequest"]["id"] != pr or comment["deleted"]:
                return 404, _error("No such comment"), {}
            if comment["user"]["uuid"] != user["uuid"]:
                return 403, _error("You are not the author of this comment"), {}
            if method == "PUT":
                raw = ((body or {}).get("content") or {}).get("raw")
                if not isinstance(raw, str) or not raw:
                    return 400, _error("content.raw: This field is required."), {}
                comment["content"]["raw"], comment["updated_on"] = raw, self.now()
                return 200, comment, {}
            if method == "DELETE":
                comment["deleted"] = True
                comment["content"]["raw"] = ""
                return 204, None, {}
        return 405, _error("Method not allowed"), {}

    def _list(self, pr: int, query: dict[str, list[str]], path: str) -> Answer:
        self.wait_barrier()
        pagelen = min(int(query.get("pagelen", ["10"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        with self.lock:
            items = self.pr_comments(pr)
        chunk = items[(page - 1) * pagelen: page * pagelen]
        data: dict[str, Any] = {"pagelen": pagelen, "size": len(items), "page": page,
                                "values": chunk}
        if page * pagelen < len(items):
            host = self.next_host or self.origin
            data["next"] = f"{host}{path}?pagelen={pagelen}&page={page + 1}"
        return 200, data, {}

    def _status(self, sha: str, body: dict[str, Any]) -> Answer:
        missing = [k for k in ("key", "state", "url") if not body.get(k)]
        if missing or body.get("state") not in _STATES:
            return 400, _error(f"Invalid build status: {', '.join(missing) or 'state'}"), {}
        with self.lock:
            status = {"type": "build", "commit": sha, **body}
            self.statuses.append(status)
        return 201, status, {}
