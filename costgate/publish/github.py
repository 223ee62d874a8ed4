"""GitHub (github.com, Enterprise Server, GHE.com): PR comments, minimize, commit status.

REST v3 issue-comment endpoints for list/create/update/delete (pull requests are issues),
GraphQL ``minimizeComment`` for hide (GraphQL reports errors as HTTP 200 + ``errors``), and a
commit status on the PR head SHA. Base URLs come from ``GITHUB_API_URL`` /
``GITHUB_GRAPHQL_URL`` so Enterprise works unchanged.
"""

from __future__ import annotations

from typing import Any

from costgate.publish.base import (
    Comment,
    MarkerStyle,
    PublishError,
    PublishForbidden,
    PublishTransient,
    short_description,
)
from costgate.publish.detect import (
    CIContext,
    graphql_url_for,
    iso_time,
    pr_number,
    repository,
)
from costgate.publish.http import ApiClient

#: GitHub refuses bodies over 65,536 characters (422 "Body is too long").
GITHUB_MAX_BODY = 65_536
DEFAULT_BOT = "github-actions[bot]"
#: What to tell users whose step has no token.
TOKEN_HINT = ("no token: pass github-token (GITHUB_TOKEN) to the step, with permissions "
              "pull-requests: write and statuses: write, to post the PR comment and status")
_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
_STATE = {"pass": "success", "warn": "success", "fail": "failure", "error": "error",
          "pending": "pending"}


class GitHub:
    """One pull request of one repository, through one token."""

    name = "github"
    marker_style = MarkerStyle.HTML
    max_body_chars = GITHUB_MAX_BODY
    supports_hide = True

    def __init__(self, repo: str, pr: int, token: str, *, api_url: str = "https://api.github.com",
                 graphql_url: str = "", login: str = "", client: ApiClient | None = None,
                 graphql: ApiClient | None = None) -> None:
        self.repo = repository(repo, "repository")
        self.pr = pr
        self.api = client or ApiClient(api_url, token, headers=_HEADERS)
        self.graphql = graphql or ApiClient(graphql_url or graphql_url_for(api_url), token,
                                            headers=_HEADERS)
        self._login = login

    # ----------------------------------------------------------------- identity

    def identity(self) -> str:
        """The token's login: GraphQL ``viewer`` (works for ``GITHUB_TOKEN``), else the bot."""
        if not self._login:
            try:
                data = self._graphql("query { viewer { login } }", {})
                login = data.get("viewer", {}).get("login") if isinstance(data, dict) else None
            except PublishTransient:
                raise
            except PublishError:  # e.g. FORBIDDEN for some app tokens: assume the Actions bot
                login = None
            self._login = login if isinstance(login, str) and login else DEFAULT_BOT
        return self._login

    # ----------------------------------------------------------------- comments

    def list_comments(self) -> list[Comment]:
        """All issue comments of the PR (100 per page, following ``Link: rel=next``)."""
        path = f"repos/{self.repo}/issues/{self.pr}/comments"
        return [_comment(c) for c in self.api.paginate(path, params={"per_page": "100"})
                if isinstance(c, dict)]

    def create_comment(self, body: str) -> Comment:
        """POST a new comment (201)."""
        data = self.api.request("POST", f"repos/{self.repo}/issues/{self.pr}/comments",
                                json_body={"body": body})
        return _comment(_obj(data, "created comment"))

    def update_comment(self, comment: Comment, body: str) -> Comment:
        """PATCH the comment body (200)."""
        data = self.api.request("PATCH", f"repos/{self.repo}/issues/comments/{comment.id}",
                                json_body={"body": body})
        return _comment(_obj(data, "updated comment"))

    def delete_comment(self, comment: Comment) -> None:
        """DELETE the comment (204)."""
        self.api.request("DELETE", f"repos/{self.repo}/issues/comments/{comment.id}")

    def hide_comment(self, comment: Comment) -> None:
        """GraphQL ``minimizeComment`` as OUTDATED; ``errors`` in a 200 answer are failures."""
        if not comment.handle:
            raise PublishError(f"comment {comment.id} has no node id to minimize")
        self._graphql(
            "mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED})"
            " { minimizedComment { isMinimized } } }", {"id": comment.handle})

    # ----------------------------------------------------------------- status

    def set_status(self, sha: str, outcome: str, description: str, target_url: str = "",
                   context: str = "costgate") -> None:
        """Commit status on ``sha`` (the PR head, not the merge commit)."""
        body: dict[str, str] = {"state": _STATE.get(outcome, "error"),
                                "description": short_description(description),
                                "context": context}
        if target_url.startswith(("https://", "http://")):
            body["target_url"] = target_url
        self.api.request("POST", f"repos/{self.repo}/statuses/{sha}", json_body=body)

    # ----------------------------------------------------------------- helpers

    def _graphql(self, query: str, variables: dict[str, Any]) -> Any:
        data = self.graphql.request("POST", "", json_body={"query": query,
                                                           "variables": variables})
        if not isinstance(data, dict):
            raise PublishError("GitHub GraphQL answered something that is not an object")
        errors = data.get("errors")
        if errors:
            first = errors[0] if isinstance(errors, list) and errors else {}
            message = first.get("message", "unknown error") if isinstance(first, dict) else ""
            kind = first.get("type", "") if isinstance(first, dict) else ""
            text = self.graphql.mask(f"GitHub GraphQL error: {' '.join(str(message).split())}")
            if kind == "FORBIDDEN" or "not accessible" in str(message).lower():
                raise PublishForbidden(text)
            raise PublishError(text)
        return data.get("data") or {}


def from_context(ctx: CIContext, *, login: str = "") -> GitHub:
    """A :class:`GitHub` for the detected pull request."""
    if ctx.pr_number is None:
        raise PublishError("no pull request number (not a pull_request event?)")
    if not ctx.repo:
        raise PublishError("no repository (set GITHUB_REPOSITORY or --repo)")
    if not ctx.token:
        raise PublishForbidden(TOKEN_HINT)
    api = ctx.api_url or "https://api.github.com"
    return GitHub(ctx.repo, pr_number(ctx.pr_number, "pull request"), ctx.token, api_url=api,
                  graphql_url=ctx.graphql_url or graphql_url_for(api), login=login)


def _obj(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PublishError(f"GitHub answered something unexpected for the {what}")
    return data


def _comment(c: dict[str, Any]) -> Comment:
    user = c.get("user") if isinstance(c.get("user"), dict) else {}
    return Comment(id=str(c.get("id", "")), body=str(c.get("body") or ""),
                   author=str((user or {}).get("login", "")), created_at=iso_time(c.get("created_at")),
                   updated_at=iso_time(c.get("updated_at")), url=str(c.get("html_url") or ""),
                   handle=str(c.get("node_id") or ""))
