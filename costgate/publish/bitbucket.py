"""Bitbucket Cloud (REST 2.0): pull request comments and the commit build status.

Bitbucket Cloud renders Markdown but escapes HTML, so the marker is a **visible** italic last
line (``*costgate-comment v=1 …*``) and the body must be plain Markdown (no ``<details>``).
Pipelines has no built-in token for comments: users store one as the secured variable
``BITBUCKET_TOKEN``. A repository/project/workspace access token is sent as ``Bearer``; a value
of the form ``user:secret`` (an Atlassian API token with the account e-mail, or a legacy app
password with the username) is sent as HTTP Basic.

Identity: ``GET /2.0/user`` gives the token's account uuid, but access tokens have no
``account`` scope, so for them the comment author must be configured
(``COSTGATE_COMMENT_AUTHOR`` = the uuid the token's comments carry). Without an identity the
platform refuses to post rather than touch comments it cannot prove are its own.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from costgate.publish.base import (
    Comment,
    MarkerStyle,
    PublishError,
    PublishForbidden,
    PublishUnsupported,
    short_description,
)
from costgate.publish.detect import CIContext, pr_number
from costgate.publish.gitlab import parse_time
from costgate.publish.http import ApiClient

DEFAULT_API_URL = "https://api.bitbucket.org/2.0"
#: Bitbucket Cloud documents no limit (200k+ characters work); 60k keeps comments readable.
BITBUCKET_MAX_BODY = 60_000
TOKEN_HINT = ("no Bitbucket token: Pipelines has none built in; create a repository access "
              "token with 'Pull requests: Write' and store it as the secured variable "
              "BITBUCKET_TOKEN")
IDENTITY_HINT = ("cannot tell which account the Bitbucket token is (GET /2.0/user was refused; "
                 "access tokens have no account scope): set COSTGATE_COMMENT_AUTHOR to the "
                 "uuid of the token's user, as shown in user.uuid of a comment it wrote")
_STATE = {"pass": "SUCCESSFUL", "warn": "SUCCESSFUL", "fail": "FAILED", "error": "FAILED",
          "pending": "INPROGRESS"}
_FULL_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_UUID_RE = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                      r"[0-9a-fA-F]{12})\}?$")
_SHA_RE = re.compile(r"^[0-9a-fA-F]{7,64}$")


def token_auth(token: str) -> Mapping[str, str]:
    """``user:secret`` → HTTP Basic; anything else (access tokens) → ``Bearer``."""
    if ":" in token:
        encoded = base64.b64encode(token.encode()).decode("ascii")
        return {"Authorization": f"Basic {encoded}"}
    return {"Authorization": f"Bearer {token}"}


def normalise_uuid(value: str) -> str:
    """An account uuid in Bitbucket's ``{…}`` form, lower case; other text unchanged."""
    match = _UUID_RE.match(value.strip())
    return "{" + match.group(1).lower() + "}" if match else value.strip()


class Bitbucket:
    """The comments and build statuses of one Bitbucket Cloud pull request."""

    name = "bitbucket"
    marker_style = MarkerStyle.VISIBLE
    max_body_chars = BITBUCKET_MAX_BODY
    supports_hide = False

    def __init__(self, full_name: str, pr: int, token: str, *, api_url: str = DEFAULT_API_URL,
                 web_url: str = "https://bitbucket.org", login: str = "",
                 client: ApiClient | None = None) -> None:
        if not _FULL_NAME_RE.match(full_name) or ".." in full_name:
            raise PublishError(f"bad Bitbucket repository {full_name[:80]!r}: expected "
                               "WORKSPACE/REPO_SLUG")
        self.full_name = full_name
        self.pr = pr
        self.api = client or ApiClient(api_url, token, auth=token_auth)
        workspace, slug = full_name.split("/")
        self._repo = f"repositories/{quote(workspace)}/{quote(slug)}"
        self._comments = f"{self._repo}/pullrequests/{pr}/comments"
        self._web = f"{web_url.rstrip('/')}/{full_name}/pull-requests/{pr}"
        self._login = normalise_uuid(login) if login else ""
        if self._login and not _UUID_RE.match(self._login):
            raise PublishError(f"COSTGATE_COMMENT_AUTHOR must be the account uuid "
                               f"({{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}}), not "
                               f"{login[:60]!r}")

    def identity(self) -> str:
        """The token's account uuid: configured, else ``GET /2.0/user``."""
        if not self._login:
            try:
                data = self.api.request("GET", "user")
            except PublishForbidden as exc:
                if exc.status == 401:  # a bad or expired token, not a missing scope
                    raise
                raise PublishForbidden(IDENTITY_HINT, status=exc.status) from None
            uuid = data.get("uuid") if isinstance(data, dict) else None
            if not isinstance(uuid, str) or not uuid:
                raise PublishError("Bitbucket GET /2.0/user returned no uuid for the token")
            self._login = normalise_uuid(uuid)
        return self._login

    def list_comments(self) -> list[Comment]:
        """Top-level PR comments, oldest first, following ``next``; deleted and inline skipped."""
        items = self.api.paginate(self._comments, params={"pagelen": "100"},
                                  items_key="values", next_key="next")
        return [_comment(c) for c in items
                if isinstance(c, dict) and not c.get("deleted") and not c.get("inline")]

    def create_comment(self, body: str) -> Comment:
        """POST ``{"content": {"raw": body}}`` (201)."""
        data = self.api.request("POST", self._comments, json_body={"content": {"raw": body}})
        return _comment(_obj(data, "created comment"))

    def update_comment(self, comment: Comment, body: str) -> Comment:
        """PUT the new raw content."""
        data = self.api.request("PUT", f"{self._comments}/{_comment_id(comment)}",
                                json_body={"content": {"raw": body}})
        return _comment(_obj(data, "updated comment"))

    def delete_comment(self, comment: Comment) -> None:
        """DELETE the comment (204)."""
        self.api.request("DELETE", f"{self._comments}/{_comment_id(comment)}")

    def hide_comment(self, comment: Comment) -> None:
        """Bitbucket has no way to hide or collapse a comment."""
        raise PublishUnsupported("Bitbucket cannot hide comments: use --behavior update, new "
                                 "or delete-and-new")

    def set_status(self, sha: str, outcome: str, description: str, target_url: str = "",
                   context: str = "costgate") -> None:
        """A build status (key ``context``) on the head commit; Bitbucket requires a link, so
        the PR is the fallback. A merge check "passing builds" makes FAILED block the merge."""
        if not _SHA_RE.match(sha):
            raise PublishError(f"bad commit sha {sha[:80]!r} for the Bitbucket build status")
        url = target_url if target_url.startswith(("https://", "http://")) else self._web
        self.api.request("POST", f"{self._repo}/commit/{sha}/statuses/build", json_body={
            "key": context, "state": _STATE.get(outcome, "FAILED"), "name": "costgate budget",
            "url": url, "description": short_description(description)})


def from_context(ctx: CIContext, *, login: str = "") -> Bitbucket:
    """A :class:`Bitbucket` for the detected pull-request pipeline."""
    if ctx.pr_number is None:
        raise PublishError("no pull request (BITBUCKET_PR_ID is set only in pull-requests "
                           "pipelines)")
    if not ctx.token:
        raise PublishForbidden(TOKEN_HINT)
    if not ctx.repo:
        raise PublishError("no repository (BITBUCKET_REPO_FULL_NAME is not set)")
    author = login or ctx.extra.get("comment_author", "")  # COSTGATE_COMMENT_AUTHOR
    return Bitbucket(ctx.repo, pr_number(ctx.pr_number, "BITBUCKET_PR_ID"), ctx.token,
                     api_url=ctx.api_url or DEFAULT_API_URL,
                     web_url=ctx.server_url or "https://bitbucket.org", login=author)


def _comment(c: dict[str, Any]) -> Comment:
    user = c.get("user") if isinstance(c.get("user"), dict) else {}
    content = c.get("content") if isinstance(c.get("content"), dict) else {}
    links = c.get("links") if isinstance(c.get("links"), dict) else {}
    html = (links or {}).get("html")
    return Comment(id=str(c.get("id", "")), body=str((content or {}).get("raw") or ""),
                   author=normalise_uuid(str((user or {}).get("uuid", ""))),
                   created_at=parse_time(c.get("created_on")),
                   updated_at=parse_time(c.get("updated_on")),
                   url=str(html.get("href") or "") if isinstance(html, dict) else "")


def _comment_id(comment: Comment) -> str:
    if not comment.id.isdigit():
        raise PublishError(f"bad Bitbucket comment id {comment.id[:40]!r}")
    return comment.id


def _obj(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PublishError(f"Bitbucket answered something unexpected for the {what}")
    return data
