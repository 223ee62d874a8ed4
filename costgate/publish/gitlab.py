"""GitLab (gitlab.com and self-managed, REST v4): merge request notes.

Notes live at ``/projects/:id/merge_requests/:iid/notes``; the base URL is ``CI_API_V4_URL``
so self-managed instances work unchanged. Auth is a project/group access token or PAT with
scope ``api`` sent as ``PRIVATE-TOKEN``: ``CI_JOB_TOKEN`` cannot create MR notes (GitLab
issue 464591), so a missing ``GITLAB_TOKEN`` is a clear refusal, not a silent 403.

GitLab has no "minimize": ``hide_comment`` keeps the marker line and folds the old body into
``<details>`` (GitLab renders it), which is what the reference suggests. The reference
describes no commit status for GitLab: the job's own status is the gate, so this platform has
no ``set_status``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from costgate.publish.base import (
    BodyTooLong,
    Comment,
    MarkerStyle,
    PublishError,
    PublishForbidden,
)
from costgate.publish.detect import CIContext, iso_time, pr_number
from costgate.publish.http import ApiClient

#: GitLab refuses notes over 1,000,000 characters; the reference budget leaves some room.
GITLAB_HARD_LIMIT = 1_000_000
GITLAB_MAX_BODY = 999_900
#: What to tell users whose pipeline has no usable token.
TOKEN_HINT = ("no GitLab token: CI_JOB_TOKEN cannot create merge request notes (GitLab issue "
              "464591); add a project access token (scope api, role Reporter or higher) as a "
              "masked CI/CD variable GITLAB_TOKEN")
#: Second line of a note folded by :func:`collapse_body`; how :func:`is_collapsed` knows it.
COLLAPSED_SUMMARY = "<details><summary>Outdated costgate estimate (a newer run replaced it)" \
                    "</summary>"
_PROJECT_PATH_RE = re.compile(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+$")


class GitLab:
    """The notes of one merge request of one project, through one token."""

    name = "gitlab"
    marker_style = MarkerStyle.HTML
    max_body_chars = GITLAB_MAX_BODY
    supports_hide = True  # by folding the old note into <details>

    def __init__(self, project: str, mr_iid: int, token: str, *, api_url: str,
                 server_url: str = "", project_path: str = "", login: str = "",
                 client: ApiClient | None = None) -> None:
        self.project = project_ref(project)
        self.mr = mr_iid
        self.api = client or ApiClient(api_url, token, auth=lambda t: {"PRIVATE-TOKEN": t})
        self._web = (f"{server_url.rstrip('/')}/{project_path}/-/merge_requests/{mr_iid}"
                     if server_url and project_path else "")
        self._login = login

    @property
    def _notes(self) -> str:
        return f"projects/{self.project}/merge_requests/{self.mr}/notes"

    def identity(self) -> str:
        """The token's username (``GET /user``; project access tokens have a bot user)."""
        if not self._login:
            data = self.api.request("GET", "user")
            login = data.get("username") if isinstance(data, dict) else None
            if not isinstance(login, str) or not login:
                raise PublishError("GitLab GET /user returned no username for the token")
            self._login = login
        return self._login

    def list_comments(self) -> list[Comment]:
        """Every note, oldest first, 100 per page; system notes ("added 1 commit") skipped."""
        params = {"per_page": "100", "sort": "asc", "order_by": "created_at"}
        return [self._comment(n) for n in self._pages(self._notes, params)
                if isinstance(n, dict) and not n.get("system")]

    def create_comment(self, body: str) -> Comment:
        """POST a note (201)."""
        _check_size(body)
        return self._comment(_obj(self._write("POST", self._notes, body), "created note"))

    def update_comment(self, comment: Comment, body: str) -> Comment:
        """PUT the new body (200)."""
        _check_size(body)
        data = self._write("PUT", f"{self._notes}/{_note_id(comment)}", body)
        return self._comment(_obj(data, "updated note"))

    def delete_comment(self, comment: Comment) -> None:
        """DELETE the note (204)."""
        self.api.request("DELETE", f"{self._notes}/{_note_id(comment)}")

    def hide_comment(self, comment: Comment) -> None:
        """Fold the note's body into ``<details>``, keeping its marker line (GitLab has no
        minimize); ``list_comments`` then reports it as hidden."""
        if not is_collapsed(comment.body):
            self.update_comment(comment, collapse_body(comment.body, GITLAB_HARD_LIMIT))

    # ----------------------------------------------------------------- helpers

    def _write(self, method: str, path: str, body: str) -> Any:
        try:
            return self.api.request(method, path, json_body={"body": body})
        except BodyTooLong:
            raise
        except PublishError as exc:  # GitLab says 400 "Note ... is too long"
            if exc.status in (400, 413, 422) and "too long" in str(exc).lower():
                raise BodyTooLong(str(exc), status=exc.status) from None
            raise

    def _pages(self, path: str, params: dict[str, str]) -> Iterator[Any]:
        """Follow ``Link: rel=next`` (same host only), else ``X-Next-Page`` (empty when last)."""
        url = self.api.url(path)
        page_params: dict[str, str] | None = params
        seen: set[str] = set()
        while True:
            key = url + repr(sorted((page_params or {}).items()))
            if key in seen:
                raise PublishError(self.api.mask(f"GitLab pagination loops at {url}"))
            seen.add(key)
            resp = self.api.send("GET", url, params=page_params)
            try:
                page = json.loads(resp.text, parse_float=Decimal) if resp.content else []
            except ValueError:
                raise PublishError("GitLab answered a notes page that is not JSON") from None
            if not isinstance(page, list):
                raise PublishError("GitLab answered a notes page that is not a list")
            yield from page
            link = resp.links.get("next", {}).get("url")
            nxt = resp.headers.get("x-next-page", "").strip()
            if link:
                if not self.api.same_origin(link):
                    raise PublishError("refusing to follow a GitLab pagination link to another "
                                       "host")
                url, page_params = link, None
            elif nxt.isdigit():
                page_params = {**params, "page": nxt}
            else:
                return

    def _comment(self, n: dict[str, Any]) -> Comment:
        author = n.get("author") if isinstance(n.get("author"), dict) else {}
        note_id = str(n.get("id", ""))
        body = str(n.get("body") or "")
        return Comment(id=note_id, body=body, author=str((author or {}).get("username", "")),
                       created_at=parse_time(n.get("created_at")),
                       updated_at=parse_time(n.get("updated_at")),
                       url=f"{self._web}#note_{note_id}" if self._web else "",
                       hidden=is_collapsed(body))


def from_context(ctx: CIContext, *, login: str = "") -> GitLab:
    """A :class:`GitLab` for the detected merge request pipeline."""
    if ctx.pr_number is None:
        raise PublishError("no merge request (CI_MERGE_REQUEST_IID is set only in merge "
                           "request pipelines: rules: - if: $CI_PIPELINE_SOURCE == "
                           "\"merge_request_event\")")
    if not ctx.token:
        raise PublishForbidden(TOKEN_HINT)
    if not ctx.api_url:
        raise PublishError("no GitLab API URL (CI_API_V4_URL is not set)")
    project = ctx.extra.get("project_id", "") or ctx.repo
    if not project:
        raise PublishError("no GitLab project (CI_PROJECT_ID / CI_PROJECT_PATH are not set)")
    return GitLab(project, pr_number(ctx.pr_number, "CI_MERGE_REQUEST_IID"), ctx.token,
                  api_url=ctx.api_url, server_url=ctx.server_url, project_path=ctx.repo,
                  login=login)


def project_ref(project: str) -> str:
    """A numeric project id as is, a ``group/sub/proj`` path URL-encoded (``%2F``)."""
    project = project.strip()
    if project.isdigit() and project != "0":
        return project
    if _PROJECT_PATH_RE.match(project) and ".." not in project:
        return quote(project, safe="")
    raise PublishError(f"bad GitLab project {project[:80]!r}: expected an id or group/project")


# --------------------------------------------------------------------------- shared helpers


def collapse_body(body: str, limit: int) -> str:
    """The marker line, then the rest folded into ``<details>`` (cut to fit ``limit``)."""
    first, _, rest = body.replace("\r\n", "\n").partition("\n")
    head, tail = f"{first}\n{COLLAPSED_SUMMARY}\n\n", "\n\n</details>\n"
    room = max(limit - len(head) - len(tail) - 2, 0)
    rest = rest.strip("\n")
    if len(rest) > room:
        rest = rest[: max(room - 1, 0)] + "…"
    return head + rest + tail


def is_collapsed(body: str) -> bool:
    """True for a note folded by :func:`collapse_body`."""
    lines = body.replace("\r\n", "\n").split("\n", 2)
    return len(lines) > 1 and lines[1].strip() == COLLAPSED_SUMMARY


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` or offset, up to 7 fraction digits) as aware UTC."""
    if not isinstance(value, str):
        return None
    return iso_time(re.sub(r"(\.\d{6})\d+", r"\1", value.strip()))  # Azure sends 100 ns ticks


def _check_size(body: str) -> None:
    if len(body) > GITLAB_HARD_LIMIT:
        raise BodyTooLong(f"GitLab note of {len(body)} characters is over the "
                          f"{GITLAB_HARD_LIMIT:,} limit")


def _note_id(comment: Comment) -> str:
    if not comment.id.isdigit():
        raise PublishError(f"bad GitLab note id {comment.id[:40]!r}")
    return comment.id


def _obj(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PublishError(f"GitLab answered something unexpected for the {what}")
    return data
