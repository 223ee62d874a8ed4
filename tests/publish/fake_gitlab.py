"""A stateful fake GitLab (REST v4) on 127.0.0.1 for the publish tests.

Speaks ``GET /user``; merge request notes (list with ``per_page``/``page``,
``X-Next-Page`` and ``Link`` pagination, ``system`` notes, create/update/delete with the
author check GitLab applies); project ids numeric or URL-encoded paths; ``PRIVATE-TOKEN`` or
``Authorization: Bearer``; the 1,000,000-character limit with GitLab's real 400 message.
"""

from __future__ import annotations

import re
from typing import Any

from fake_api import Answer, FakeApi

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
