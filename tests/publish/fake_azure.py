"""A stateful fake Azure DevOps (Repos REST 7.1) on 127.0.0.1.

Collection ``{origin}/acme/``, project ``Cloud Infra`` (a space, as real projects have),
one repository id. Speaks: ``_apis/connectionData`` (the token's identity), PR threads (list
with optional ``x-ms-continuationtoken`` paging, create, thread status PATCH), thread comments
(PATCH content, DELETE marks ``isDeleted``), PR statuses. Requires ``api-version=7.1`` on Git
calls as Azure does. Tokens: ``Bearer`` JWT-shaped build tokens and ``Basic :PAT``; a token
without "Contribute to pull requests" gets Azure's TF401027 403. Other error texts are
illustrative (costgate only relies on the status codes).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from fake_api import Answer, FakeApi

PROJECT = "Cloud Infra"
REPO_ID = "3b6c1f0e-8d2a-4c59-9e1b-7a0d2f4c6e88"
_STATES = ("succeeded", "failed", "pending", "error", "notApplicable", "notSet")


class FakeAzure(FakeApi):
    """State + server; ``collection_url`` is what ``SYSTEM_COLLECTIONURI`` would hold."""

    def __init__(self) -> None:
        super().__init__()
        self.users: dict[str, dict[str, Any]] = {}  # Authorization header value -> identity
        self.no_contribute: set[str] = set()
        self.threads: dict[int, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.page_size = 0  # > 0: page thread lists with continuation tokens
        self.max_chars = 150_000
        self._thread_ids = 0

    @property
    def collection_url(self) -> str:
        return f"{self.origin}/acme/"

    def add_build_token(self, token: str, name: str = "Cloud Infra Build Service (acme)",
                        *, contribute: bool = True) -> dict[str, Any]:
        return self._add(f"Bearer {token}", name, contribute)

    def add_pat(self, pat: str, name: str, *, contribute: bool = True) -> dict[str, Any]:
        encoded = base64.b64encode(f":{pat}".encode()).decode()
        return self._add(f"Basic {encoded}", name, contribute)

    def _add(self, header: str, name: str, contribute: bool) -> dict[str, Any]:
        ident = {"id": f"a1b2c3d4-0000-4000-8000-{len(self.users) + 1:012d}",
                 "displayName": name, "uniqueName": name.replace(" ", ".").lower(),
                 "descriptor": f"svc.{len(self.users) + 1}"}
        self.users[header] = ident
        if not contribute:
            self.no_contribute.add(ident["id"])
        return ident

    def seed(self, pr: int, content: str, author: dict[str, Any], *, comment_type: str = "text",
             status: str = "active") -> int:
        with self.lock:
            return int(self._create(pr, content, author, comment_type, status)["id"])

    def pr_threads(self, pr: int) -> list[dict[str, Any]]:
        return sorted((t for t in self.threads.values() if t["_pr"] == pr),
                      key=lambda t: t["id"])

    def live_bodies(self, pr: int) -> list[str]:
        return [t["comments"][0]["content"] for t in self.pr_threads(pr)
                if not t["comments"][0]["isDeleted"]]

    def _create(self, pr: int, content: str, author: dict[str, Any], comment_type: str,
                status: str) -> dict[str, Any]:
        self._thread_ids += 1
        tid, now = self._thread_ids, self.now()
        base = f"{self.collection_url}_apis/git/repositories/{REPO_ID}/pullRequests/{pr}"
        thread = {
            "id": tid, "publishedDate": now, "lastUpdatedDate": now, "status": status,
            "threadContext": None, "properties": {}, "identities": None, "isDeleted": False,
            "comments": [{
                "id": 1, "parentCommentId": 0, "author": author, "content": content,
                "publishedDate": now, "lastUpdatedDate": now, "lastContentUpdatedDate": now,
                "commentType": comment_type, "isDeleted": False, "usersLiked": [],
                "_links": {"self": {"href": f"{base}/threads/{tid}/comments/1"}}}],
            "_links": {"self": {"href": f"{base}/threads/{tid}"}}, "_pr": pr}
        self.threads[tid] = thread
        return thread

    # ------------------------------------------------------------------ server

    def user_for(self, headers: dict[str, str], path: str) -> Any:
        return self.users.get(headers.get("authorization", ""))

    def unauthorized(self, headers: dict[str, str]) -> Answer:
        return 401, None, {"WWW-Authenticate": "Bearer"}

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any,
              user: Any) -> Answer:
        if path == "/acme/_apis/connectionData" and method == "GET":
            return 200, {"authenticatedUser": user, "authorizedUser": user,
                         "instanceId": "5a1f0000-0000-0000-0000-000000000001"}, {}
        prefix = (f"/acme/{PROJECT.replace(' ', '%20')}/_apis/git/repositories/{REPO_ID}/"
                  r"pullRequests/(\d+)")
        m = re.fullmatch(prefix + r"(/.*)", path)
        if m is None:
            return 404, {"message": "The project or repository does not exist."}, {}
        if query.get("api-version") != ["7.1"]:
            return 400, {"message": "No api-version was supplied for the request, or the "
                                    "supplied api-version is not valid.",
                         "typeKey": "VssVersionOutOfRangeException"}, {}
        pr, rest = int(m.group(1)), m.group(2)
        if method != "GET" and user["id"] in self.no_contribute:
            return 403, {"message": "TF401027: You need the Git 'PullRequestContribute' "
                                    "permission to perform this action.",
                         "typeKey": "GitNeedsPermissionException"}, {}
        if rest == "/threads":
            return self._list(pr, query) if method == "GET" else self._post(pr, body, user)
        if rest == "/statuses" and method == "POST":
            return self._status(pr, body, user)
        m = re.fullmatch(r"/threads/(\d+)(?:/comments/(\d+))?", rest)
        if m is None:
            return 404, {"message": "Not found"}, {}
        with self.lock:
            thread = self.threads.get(int(m.group(1)))
            if thread is None or thread["_pr"] != pr:
                return 404, {"message": "The pull request thread was not found."}, {}
            if m.group(2) is None:
                if method == "PATCH" and body and "status" in body:
                    thread["status"] = body["status"]
                    thread["lastUpdatedDate"] = self.now()
                    return 200, _public(thread), {}
                return 405, {"message": "Method not allowed"}, {}
            comment = next((c for c in thread["comments"] if c["id"] == int(m.group(2))), None)
            if comment is None or comment["isDeleted"]:
                return 404, {"message": "The pull request comment was not found."}, {}
            if comment["author"]["id"] != user["id"]:
                return 403, {"message": "Only the author can edit or delete a comment."}, {}
            if method == "PATCH":
                content = str((body or {}).get("content", ""))
                if _utf16(content) > self.max_chars:
                    return 400, {"message": "The comment content exceeds the maximum length "
                                            f"of {self.max_chars} characters."}, {}
                comment["content"] = content
                comment["lastUpdatedDate"] = comment["lastContentUpdatedDate"] = self.now()
                return 200, comment, {}
            if method == "DELETE":
                comment["isDeleted"] = True
                return 200, None, {}
        return 405, {"message": "Method not allowed"}, {}

    def _list(self, pr: int, query: dict[str, list[str]]) -> Answer:
        self.wait_barrier()
        with self.lock:
            items = [_public(t) for t in self.pr_threads(pr)]
        start = int(query.get("continuationToken", ["0"])[0] or 0)
        headers = {}
        if self.page_size:
            chunk = items[start:start + self.page_size]
            if start + self.page_size < len(items):
                headers["x-ms-continuationtoken"] = str(start + self.page_size)
        else:
            chunk = items
        return 200, {"value": chunk, "count": len(chunk)}, headers

    def _post(self, pr: int, body: Any, user: dict[str, Any]) -> Answer:
        comments = (body or {}).get("comments") or []
        if not comments or not isinstance(comments[0], dict):
            return 400, {"message": "A thread must have at least one comment."}, {}
        content = str(comments[0].get("content", ""))
        if _utf16(content) > self.max_chars:
            return 400, {"message": "The comment content exceeds the maximum length of "
                                    f"{self.max_chars} characters."}, {}
        ctype = {1: "text", 2: "codeChange", 3: "system"}.get(comments[0].get("commentType", 1),
                                                             "text")
        with self.lock:
            thread = self._create(pr, content, user, ctype, str(body.get("status") or "active"))
        return 200, _public(thread), {}

    def _status(self, pr: int, body: Any, user: dict[str, Any]) -> Answer:
        body = body or {}
        context = body.get("context") or {}
        if body.get("state") not in _STATES or not context.get("name"):
            return 400, {"message": "Invalid status: state and context.name are required."}, {}
        with self.lock:
            status = {"id": len(self.statuses) + 1, "iterationId": 1, "createdBy": user,
                      "creationDate": self.now(), **body, "_pr": pr}
            self.statuses.append(status)
        return 200, _public(status), {}


def _public(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != "_pr"}


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
