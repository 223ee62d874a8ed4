"""Azure DevOps Repos (REST 7.1): pull request threads and the PR status.

A costgate comment is the first comment of a PR thread, created with status ``closed`` so a
bot comment never counts as an unresolved discussion. The URL is
``{SYSTEM_COLLECTIONURI}{SYSTEM_TEAMPROJECT}/_apis/git/repositories/{BUILD_REPOSITORY_ID}/
pullRequests/{SYSTEM_PULLREQUEST_PULLREQUESTID}``. Auth is ``System.AccessToken`` (a JWT) as
``Bearer``, mapped explicitly into ``SYSTEM_ACCESSTOKEN``; a personal access token in the same
variable is sent as ``Basic base64(":" + PAT)``, the only form Azure accepts for PATs.

Azure counts the 150,000-character limit in UTF-16 code units (an emoji counts twice), so
bodies are checked that way before sending. "Hide" folds the old body into ``<details>``
(Azure renders HTML) and closes the thread, the closest thing Azure has to minimising.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from costgate.publish.base import (
    BodyTooLong,
    Comment,
    MarkerStyle,
    PublishError,
    PublishForbidden,
    short_description,
)
from costgate.publish.detect import CIContext, pr_number
from costgate.publish.gitlab import collapse_body, is_collapsed, parse_time
from costgate.publish.http import ApiClient

API_VERSION = "7.1"
#: Azure's limit (UTF-16 code units) and the budget the comment is built against.
AZURE_HARD_LIMIT = 150_000
AZURE_MAX_BODY = 140_000
TOKEN_HINT = ("no Azure DevOps token: map it explicitly in the step (env: SYSTEM_ACCESSTOKEN: "
              "$(System.AccessToken)) and allow the build service 'Contribute to pull requests'")
_STATE = {"pass": "succeeded", "warn": "succeeded", "fail": "failed", "error": "error",
          "pending": "pending"}
_JWT_RE = re.compile(r"^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_NAME_RE = re.compile(r"^[^/\\?#%\x00-\x1f]{1,256}$")


def bearer_or_basic(token: str) -> Mapping[str, str]:
    """``Bearer`` for ``System.AccessToken`` (a JWT), ``Basic :PAT`` for a personal token."""
    if _JWT_RE.match(token):
        return {"Authorization": f"Bearer {token}"}
    encoded = base64.b64encode(f":{token}".encode()).decode("ascii")
    return {"Authorization": f"Basic {encoded}"}


class AzureRepos:
    """The threads and status of one Azure Repos pull request, through one token."""

    name = "azure-repos"
    marker_style = MarkerStyle.HTML
    max_body_chars = AZURE_MAX_BODY
    supports_hide = True  # folded into <details> and closed
    status_needs_sha = False  # PR statuses belong to the PR, not to a commit

    def __init__(self, collection_url: str, project: str, repository_id: str, pr: int,
                 token: str, *, repository_name: str = "", login: str = "",
                 client: ApiClient | None = None) -> None:
        collection = collection_url.rstrip("/") + "/"
        self.api = client or ApiClient(collection, token, auth=bearer_or_basic)
        proj, repo = quote(_name(project, "project"), safe=""), quote(
            _name(repository_id, "repository"), safe="")
        self.pr = pr
        self._base = f"{proj}/_apis/git/repositories/{repo}/pullRequests/{pr}"
        web_repo = quote(repository_name, safe="") if repository_name else repo
        self._web = f"{collection}{proj}/_git/{web_repo}/pullrequest/{pr}"
        self._login = login

    # ----------------------------------------------------------------- identity

    def identity(self) -> str:
        """The token's identity id (``_apis/connectionData`` → ``authenticatedUser.id``);
        thread comments carry the same id as ``author.id``."""
        if not self._login:
            data = self.api.request("GET", "_apis/connectionData")
            user = data.get("authenticatedUser") if isinstance(data, dict) else None
            ident = user.get("id") if isinstance(user, dict) else None
            if not isinstance(ident, str) or not ident:
                raise PublishError("Azure DevOps connectionData returned no identity for the "
                                   "token")
            self._login = ident
        return self._login

    # ----------------------------------------------------------------- comments

    def list_comments(self) -> list[Comment]:
        """The first comment of every live thread (text comments only), oldest first."""
        found = []
        for thread in self._threads():
            if not isinstance(thread, dict) or thread.get("isDeleted"):
                continue
            first = _first_comment(thread)
            if first is not None:
                found.append(self._comment(thread, first))
        return found

    def create_comment(self, body: str) -> Comment:
        """POST a new closed thread whose first comment is ``body``."""
        _check_size(body)
        data = self._write("POST", f"{self._base}/threads", {
            "comments": [{"parentCommentId": 0, "content": body, "commentType": 1}],
            "status": "closed"})
        thread = _obj(data, "created thread")
        first = _first_comment(thread)
        if first is None:
            raise PublishError("Azure DevOps created a thread without its comment")
        return self._comment(thread, first)

    def update_comment(self, comment: Comment, body: str) -> Comment:
        """PATCH the thread's first comment with the new content."""
        _check_size(body)
        thread_id, comment_id = _ids(comment)
        data = _obj(self._write("PATCH", f"{self._base}/threads/{thread_id}/comments/"
                                f"{comment_id}", {"content": body}), "updated comment")
        return self._comment({"id": int(thread_id)}, data)

    def delete_comment(self, comment: Comment) -> None:
        """DELETE the comment (Azure then shows the thread as deleted)."""
        thread_id, comment_id = _ids(comment)
        self.api.request("DELETE", f"{self._base}/threads/{thread_id}/comments/{comment_id}",
                         params={"api-version": API_VERSION})

    def hide_comment(self, comment: Comment) -> None:
        """Fold the body into ``<details>`` (marker kept) and make sure the thread is closed."""
        if not is_collapsed(comment.body):
            self.update_comment(comment, collapse_body(comment.body, AZURE_MAX_BODY))
        thread_id, _ = _ids(comment)
        self.api.request("PATCH", f"{self._base}/threads/{thread_id}",
                         json_body={"status": "closed"}, params={"api-version": API_VERSION})

    # ----------------------------------------------------------------- status

    def set_status(self, sha: str, outcome: str, description: str, target_url: str = "",
                   context: str = "budget") -> None:
        """POST a PR status (genre ``costgate``); a "Status check" branch policy on
        ``costgate/budget`` makes it block completion. ``sha`` is unused: PR statuses belong
        to the PR (its latest iteration), not to a commit."""
        del sha
        body: dict[str, Any] = {
            "state": _STATE.get(outcome, "error"),
            "description": short_description(description),
            "context": {"name": context, "genre": "costgate"}}
        if target_url.startswith(("https://", "http://")):
            body["targetUrl"] = target_url
        self.api.request("POST", f"{self._base}/statuses", json_body=body,
                         params={"api-version": API_VERSION})

    # ----------------------------------------------------------------- helpers

    def _threads(self) -> Iterator[Any]:
        """All threads, following ``x-ms-continuationtoken`` when Azure pages the answer."""
        params = {"api-version": API_VERSION}
        seen: set[str] = set()
        while True:
            resp = self.api.send("GET", f"{self._base}/threads", params=params)
            try:
                page = json.loads(resp.text, parse_float=Decimal) if resp.content else {}
            except ValueError:
                raise PublishError("Azure DevOps answered a threads page that is not JSON") \
                    from None
            if not isinstance(page, dict):
                raise PublishError("Azure DevOps answered a threads page that is not an object")
            yield from page.get("value") or []
            token = resp.headers.get("x-ms-continuationtoken", "").strip()
            if not token:
                return
            if token in seen:
                raise PublishError("Azure DevOps continuation token loops")
            seen.add(token)
            params = {"api-version": API_VERSION, "continuationToken": token}

    def _write(self, method: str, path: str, body: dict[str, Any]) -> Any:
        try:
            return self.api.request(method, path, json_body=body,
                                    params={"api-version": API_VERSION})
        except BodyTooLong:
            raise
        except PublishError as exc:
            text = str(exc).lower()
            if exc.status in (400, 413) and ("too long" in text or "exceed" in text):
                raise BodyTooLong(str(exc), status=exc.status) from None
            raise

    def _comment(self, thread: dict[str, Any], c: dict[str, Any]) -> Comment:
        author = c.get("author") if isinstance(c.get("author"), dict) else {}
        thread_id, comment_id = str(thread.get("id", "")), str(c.get("id", ""))
        body = str(c.get("content") or "")
        return Comment(id=thread_id, body=body, author=str((author or {}).get("id", "")),
                       created_at=parse_time(c.get("publishedDate")),
                       updated_at=parse_time(c.get("lastUpdatedDate")),
                       url=f"{self._web}?discussionId={thread_id}",
                       handle=f"{thread_id}:{comment_id}", hidden=is_collapsed(body))


def from_context(ctx: CIContext, *, login: str = "") -> AzureRepos:
    """An :class:`AzureRepos` for the detected PR build (Build Validation policy)."""
    if ctx.pr_number is None:
        raise PublishError("no pull request (SYSTEM_PULLREQUEST_PULLREQUESTID is set only in "
                           "builds queued by a Build Validation branch policy)")
    if ctx.extra.get("provider") not in (None, "", "TfsGit"):
        raise PublishError(f"the repository is on {ctx.extra.get('provider')}, not Azure "
                           "Repos: use that platform's integration")
    if not ctx.token:
        raise PublishForbidden(TOKEN_HINT)
    project = ctx.extra.get("project", "")
    repo = ctx.extra.get("repository_id", "") or ctx.repo
    if not (ctx.api_url and project and repo):
        raise PublishError("SYSTEM_COLLECTIONURI, SYSTEM_TEAMPROJECT and BUILD_REPOSITORY_ID "
                           "must all be set")
    return AzureRepos(ctx.api_url, project, repo,
                      pr_number(ctx.pr_number, "SYSTEM_PULLREQUEST_PULLREQUESTID"), ctx.token,
                      repository_name=ctx.extra.get("repository_name", ""), login=login)


def utf16_length(text: str) -> int:
    """Length as .NET counts it: characters outside the BMP (emoji) count twice."""
    return len(text.encode("utf-16-le")) // 2


def _check_size(body: str) -> None:
    size = utf16_length(body)
    if size > AZURE_HARD_LIMIT:
        raise BodyTooLong(f"Azure DevOps comment of {size} UTF-16 characters is over the "
                          f"{AZURE_HARD_LIMIT:,} limit")


def _first_comment(thread: dict[str, Any]) -> dict[str, Any] | None:
    """The thread's opening text comment, or ``None`` (deleted, system or missing)."""
    comments = [c for c in thread.get("comments") or [] if isinstance(c, dict)]
    roots = [c for c in comments if c.get("parentCommentId") in (0, None)]
    if not roots:
        return None
    first = min(roots, key=lambda c: c["id"] if isinstance(c.get("id"), int) else 1 << 62)
    if first.get("isDeleted") or first.get("commentType") not in (1, "text"):
        return None
    return first


def _ids(comment: Comment) -> tuple[str, str]:
    thread_id, _, comment_id = comment.handle.partition(":")
    if not (thread_id.isdigit() and comment_id.isdigit()):
        raise PublishError(f"bad Azure DevOps comment handle {comment.handle[:40]!r}")
    return thread_id, comment_id


def _name(value: str, what: str) -> str:
    value = value.strip()
    if not _NAME_RE.match(value) or value in (".", ".."):
        raise PublishError(f"bad Azure DevOps {what} {value[:80]!r}")
    return value


def _obj(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PublishError(f"Azure DevOps answered something unexpected for the {what}")
    return data
