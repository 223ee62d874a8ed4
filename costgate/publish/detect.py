"""Which CI is this, and which pull request? Read from the environment the CI sets.

Precedence is CLI flags > ``COSTGATE_*`` variables > auto-detection (the command applies the
first two with :func:`CIContext.with_overrides`). On GitHub the PR number and SHAs come from
the event JSON at ``GITHUB_EVENT_PATH``, never from YAML expressions; a PR number is only
accepted as a positive integer and a repository as ``owner/name``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from costgate.errors import InputError

PLATFORMS = ("github", "gitlab", "azure-repos", "bitbucket")
_PR_RE = re.compile(r"^[1-9]\d{0,9}$")
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SHA_RE = re.compile(r"^[0-9a-fA-F]{7,64}$")
_OTHER_CIS = (("CIRCLECI", "circleci"), ("JENKINS_HOME", "jenkins"), ("BUILDKITE", "buildkite"),
              ("TRAVIS", "travis"), ("CODEBUILD_CI", "codebuild"),
              ("TEAMCITY_VERSION", "teamcity"), ("TFC_RUN_ID", "terraform-cloud"),
              ("ENV0_ENVIRONMENT_ID", "env0"))


@dataclass(frozen=True)
class CIContext:
    """Everything costgate needs to know about the run; ``token`` never shows in ``repr``."""

    platform: str = "local"  # github | gitlab | azure-repos | bitbucket | other name | local
    pr_number: int | None = None
    repo: str = ""  # owner/name, GitLab project path, Azure project/repo id, Bitbucket full name
    api_url: str = ""
    graphql_url: str = ""
    server_url: str = ""
    token: str = field(default="", repr=False)
    base_ref: str = ""
    base_sha: str = ""
    head_sha: str = ""
    fork: bool = False
    event_name: str = ""
    run_id: int = 0
    run_url: str = ""
    valid_at: datetime | None = None  # when the PR last changed (orders racing runs)
    extra: Mapping[str, str] = field(default_factory=dict)  # platform-specific ids
    notices: tuple[str, ...] = ()

    @property
    def can_comment(self) -> bool:
        """A PR, a token, and not a fork PR (whose token is read-only)."""
        return self.pr_number is not None and bool(self.token) and not self.fork

    def with_overrides(self, **values: Any) -> CIContext:
        """Replace the given non-empty fields (CLI flags, COSTGATE_* variables)."""
        return dataclasses.replace(self, **{k: v for k, v in values.items()
                                            if v not in (None, "")})

    def describe(self) -> list[str]:
        """Human-readable lines for ``costgate ci detect`` (no token, only whether set)."""
        return [f"platform: {self.platform}", f"repository: {self.repo or '-'}",
                f"pull request: {self.pr_number or '-'}", f"event: {self.event_name or '-'}",
                f"base: {self.base_ref or '-'} {self.base_sha or ''}".rstrip(),
                f"head sha: {self.head_sha or '-'}", f"fork: {'yes' if self.fork else 'no'}",
                f"api: {self.api_url or '-'}", f"token: {'set' if self.token else 'not set'}",
                *(f"notice: {n}" for n in self.notices)]


def detect(env: Mapping[str, str] | None = None, platform: str | None = None) -> CIContext:
    """The context of this run from ``env`` (default ``os.environ``).

    ``platform`` forces that platform's variables (``costgate ci github`` outside Actions).
    """
    env = os.environ if env is None else env
    if platform is not None and platform != "auto":
        readers = {"github": _github, "gitlab": _gitlab, "azure-repos": _azure,
                   "bitbucket": _bitbucket}
        if platform not in readers:
            raise InputError(f"unknown CI platform {platform!r}; expected one of "
                             f"{', '.join(PLATFORMS)}")
        return readers[platform](env)
    if env.get("GITHUB_ACTIONS") == "true":
        return _github(env)
    if env.get("GITLAB_CI") == "true":
        return _gitlab(env)
    if env.get("TF_BUILD", "").lower() == "true":
        return _azure(env)
    if env.get("BITBUCKET_BUILD_NUMBER") or env.get("BITBUCKET_COMMIT"):
        return _bitbucket(env)
    for var, name in _OTHER_CIS:
        if env.get(var):
            return CIContext(platform=name, pr_number=_generic_pr(env))
    return CIContext(pr_number=_generic_pr(env))


def pr_number(value: object, source: str) -> int:
    """A positive integer PR number, or a one-line :class:`InputError` naming ``source``."""
    text = str(value).strip()
    if not _PR_RE.match(text):
        raise InputError(f"{source}: bad pull request number {text[:40]!r}")
    return int(text)


def repository(value: str, source: str) -> str:
    """``owner/name`` as GitHub spells it, else a one-line :class:`InputError`."""
    if not _REPO_RE.match(value) or ".." in value:
        raise InputError(f"{source}: bad repository {value[:80]!r}; expected OWNER/NAME")
    return value


# --------------------------------------------------------------------------- GitHub


def _github(env: Mapping[str, str]) -> CIContext:
    event = _event(env.get("GITHUB_EVENT_PATH", ""))
    name = env.get("GITHUB_EVENT_NAME", "")
    pr: int | None = None
    pull = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else None
    notices: list[str] = []
    if pull is not None and "number" in pull:
        pr = pr_number(pull["number"], "GITHUB_EVENT_PATH .pull_request.number")
    elif isinstance(event.get("issue"), dict) and event["issue"].get("pull_request"):
        pr = pr_number(event["issue"].get("number"), "GITHUB_EVENT_PATH .issue.number")
    else:
        m = re.match(r"^refs/pull/(\d+)/(merge|head)$", env.get("GITHUB_REF", ""))
        pr = pr_number(m.group(1), "GITHUB_REF") if m else None
    pull = pull or {}
    base, head = _dict(pull.get("base")), _dict(pull.get("head"))
    head_repo = _dict(head.get("repo")).get("full_name")
    base_repo = _dict(base.get("repo")).get("full_name")
    fork = bool(head_repo and base_repo and head_repo != base_repo)
    if fork:
        notices.append("pull request from a fork: the token is read-only, so no PR comment "
                       "or status; see the job summary")
    repo = env.get("GITHUB_REPOSITORY", "")
    if repo:
        repo = repository(repo, "GITHUB_REPOSITORY")
    api = env.get("GITHUB_API_URL") or "https://api.github.com"
    server = env.get("GITHUB_SERVER_URL") or "https://github.com"
    run_id = _int(env.get("GITHUB_RUN_ID", ""))
    return CIContext(
        platform="github", pr_number=pr, repo=repo, api_url=api,
        graphql_url=env.get("GITHUB_GRAPHQL_URL") or graphql_url_for(api), server_url=server,
        token=env.get("GITHUB_TOKEN", "") or env.get("GH_TOKEN", ""),
        base_ref=env.get("GITHUB_BASE_REF", "") or str(base.get("ref") or ""),
        base_sha=_sha(base.get("sha")), head_sha=_sha(head.get("sha")) or (
            "" if pr else _sha(env.get("GITHUB_SHA"))),
        fork=fork, event_name=name, run_id=run_id,
        run_url=f"{server}/{repo}/actions/runs/{run_id}" if repo and run_id else "",
        valid_at=iso_time(pull.get("updated_at")), notices=tuple(notices))


def graphql_url_for(api_url: str) -> str:
    """GraphQL endpoint for a REST base: github.com, GHES ``/api/v3`` or GHE.com."""
    api = api_url.rstrip("/")
    if api.endswith("/api/v3"):
        return api[: -len("/v3")] + "/graphql"
    return api + "/graphql"


def _event(path: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the GitHub event file: {exc.strerror}") from exc
    except ValueError as exc:
        raise InputError(f"{path}: the GitHub event file is not valid JSON") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: the GitHub event file is not a JSON object")
    return data


# --------------------------------------------------------------------------- others


def _gitlab(env: Mapping[str, str]) -> CIContext:
    iid = env.get("CI_MERGE_REQUEST_IID", "")
    src, dst = (env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", ""),
                env.get("CI_MERGE_REQUEST_PROJECT_ID", ""))
    fork = bool(src and dst and src != dst)
    return CIContext(
        platform="gitlab", pr_number=pr_number(iid, "CI_MERGE_REQUEST_IID") if iid else None,
        repo=env.get("CI_PROJECT_PATH", ""), api_url=env.get("CI_API_V4_URL", ""),
        graphql_url=env.get("CI_API_GRAPHQL_URL", ""), server_url=env.get("CI_SERVER_URL", ""),
        token=env.get("GITLAB_TOKEN", ""),
        base_ref=env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", ""),
        base_sha=_sha(env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")),
        head_sha=_sha(env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA")),
        fork=fork, event_name=env.get("CI_PIPELINE_SOURCE", ""),
        run_id=_int(env.get("CI_PIPELINE_ID", "")), run_url=env.get("CI_PIPELINE_URL", ""),
        extra={"project_id": env.get("CI_PROJECT_ID", "")},
        notices=("merge request from a fork: no MR note; see the job log",) if fork else ())


def _azure(env: Mapping[str, str]) -> CIContext:
    raw = (env.get("SYSTEM_PULLREQUEST_PULLREQUESTID")
           or env.get("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER", ""))
    fork = env.get("SYSTEM_PULLREQUEST_ISFORK", "").lower() == "true"
    collection = env.get("SYSTEM_COLLECTIONURI", "")
    project = env.get("SYSTEM_TEAMPROJECT", "")
    build = _int(env.get("BUILD_BUILDID", ""))
    return CIContext(
        platform="azure-repos",
        pr_number=pr_number(raw, "SYSTEM_PULLREQUEST_PULLREQUESTID") if raw else None,
        repo=env.get("BUILD_REPOSITORY_ID", ""), api_url=collection, server_url=collection,
        token=env.get("SYSTEM_ACCESSTOKEN", ""),
        base_ref=env.get("SYSTEM_PULLREQUEST_TARGETBRANCH", "").removeprefix("refs/heads/"),
        head_sha=_sha(env.get("SYSTEM_PULLREQUEST_SOURCECOMMITID")), fork=fork,
        event_name=env.get("BUILD_REASON", ""), run_id=build,
        run_url=f"{collection}{project}/_build/results?buildId={build}" if build else "",
        extra={"project": project, "repository_id": env.get("BUILD_REPOSITORY_ID", ""),
               "repository_name": env.get("BUILD_REPOSITORY_NAME", ""),
               "provider": env.get("BUILD_REPOSITORY_PROVIDER", "")},
        notices=("pull request from a fork: no PR thread; see the build log",) if fork else ())


def _bitbucket(env: Mapping[str, str]) -> CIContext:
    raw = env.get("BITBUCKET_PR_ID", "")
    repo = env.get("BITBUCKET_REPO_FULL_NAME", "")
    build = _int(env.get("BITBUCKET_BUILD_NUMBER", ""))
    return CIContext(
        platform="bitbucket", pr_number=pr_number(raw, "BITBUCKET_PR_ID") if raw else None,
        repo=repo,
        api_url=env.get("COSTGATE_BITBUCKET_API_URL") or "https://api.bitbucket.org/2.0",
        server_url="https://bitbucket.org", token=env.get("BITBUCKET_TOKEN", ""),
        base_ref=env.get("BITBUCKET_PR_DESTINATION_BRANCH", ""),
        head_sha=_sha(env.get("BITBUCKET_COMMIT")), run_id=build,
        run_url=f"https://bitbucket.org/{repo}/pipelines/results/{build}" if repo and build
        else "",
        # access tokens cannot read GET /2.0/user: the comment author is configured
        extra={"comment_author": env.get("COSTGATE_COMMENT_AUTHOR", "").strip()})


# --------------------------------------------------------------------------- helpers


def _generic_pr(env: Mapping[str, str]) -> int | None:
    for var in ("CI_PULL_REQUEST", "CIRCLE_PR_NUMBER", "DRONE_PULL_REQUEST"):
        m = re.search(r"([1-9]\d*)$", env.get(var, ""))
        if m:
            return int(m.group(1))
    return None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sha(value: object) -> str:
    text = str(value or "").strip()
    return text if _SHA_RE.match(text) else ""


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


def iso_time(value: object) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` or offset; naive means UTC) as aware datetime, else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
