"""Platform-independent PR-comment logic: marker, ownership, behaviours, race clean-up.

Every platform (GitHub, GitLab, Azure Repos, Bitbucket) implements the small
:class:`CommentPlatform` protocol (and optionally :class:`StatusPlatform`); :func:`publish` is
written once on top of it. Platform modules ``costgate.publish.<name>`` also expose
``from_context(ctx: costgate.publish.detect.CIContext) -> CommentPlatform`` so ``costgate ci``
and ``costgate comment`` can build them by name.

Identity of "the costgate comment": its marker line (the first line; the last line for
platforms that escape HTML) carries ``costgate-comment`` with the same ``tag`` **and** its
author is the token's identity. A comment by anyone else is never edited, hidden or deleted,
even with a perfect marker. The marker also carries a run stamp (``valid-at`` + ``seq``) so a
slow, older run never overwrites the comment of a newer one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Protocol

from costgate.errors import NetworkError

MARKER_NAME = "costgate-comment"
#: Commit status descriptions: GitHub answers 422 at 140+; Azure and Bitbucket keep the same bound.
STATUS_MAX_DESCRIPTION = 139
_TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_HTML_MARKER_RE = re.compile(r"^<!--\s*costgate-comment(?P<attrs>(?:\s+[a-z-]+=\S+)*)\s*-->$")
_VISIBLE_MARKER_RE = re.compile(r"^\*costgate-comment(?P<attrs>(?:\s+[a-z-]+=\S+)*)\s*\*$")
_ATTR_RE = re.compile(r"([a-z-]+)=(\S+)")


# --------------------------------------------------------------------------- errors


class PublishError(NetworkError):
    """Posting to the platform failed; callers report it but never change the verdict."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PublishForbidden(PublishError):
    """401/403 without rate-limit headers: read-only token (fork PR) or missing permission."""


class PublishNotFound(PublishError):
    """404: the PR or comment does not exist (a deleted comment is not an error for us)."""


class PublishTransient(PublishError):
    """5xx, timeout or connection error that outlived the retries; the effect is unknown."""


class BodyTooLong(PublishError):
    """The platform refused the body for its size (GitHub 422 "Body is too long")."""


class PublishUnsupported(PublishError):
    """The platform has no such operation (e.g. hiding a comment on GitLab)."""


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Comment:
    """One PR comment as the platform returned it.

    ``handle`` is whatever else the platform needs to act on it (GitHub GraphQL node id,
    Azure ``thread:comment`` ids, Bitbucket Server version); ``hidden`` is best effort.
    """

    id: str
    body: str
    author: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    url: str = ""
    handle: str = ""
    hidden: bool = False

    def order_key(self) -> tuple[datetime, int, str]:
        """Creation order: (created_at, numeric id, id); platforms list ascending anyway."""
        created = self.created_at or datetime.min.replace(tzinfo=timezone.utc)
        return (created, int(self.id) if self.id.isdigit() else 0, self.id)


class MarkerStyle(str, Enum):
    """``html``: hidden ``<!-- … -->`` first line; ``visible``: italic last line (Bitbucket)."""

    HTML = "html"
    VISIBLE = "visible"


@dataclass(frozen=True, order=True)
class RunStamp:
    """When the run's data was valid, then a run sequence (e.g. ``GITHUB_RUN_ID``) for ties."""

    valid_at: datetime
    seq: int = 0

    @staticmethod
    def now(seq: int = 0) -> RunStamp:
        """A stamp for "now" (second precision, UTC)."""
        return RunStamp(datetime.now(timezone.utc).replace(microsecond=0), seq)


@dataclass(frozen=True)
class Marker:
    """The parsed marker line."""

    tag: str = ""
    stamp: RunStamp | None = None
    sha: str = ""

    def render(self, style: MarkerStyle = MarkerStyle.HTML) -> str:
        """The marker line (no newline)."""
        attrs = ["v=1"]
        if self.tag:
            attrs.append(f"tag={self.tag}")
        if self.stamp is not None:
            attrs.append(f"valid-at={_rfc3339(self.stamp.valid_at)}")
            attrs.append(f"seq={self.stamp.seq}")
        if self.sha:
            attrs.append(f"sha={self.sha[:12]}")
        text = " ".join([MARKER_NAME, *attrs])
        return f"<!-- {text} -->" if style is MarkerStyle.HTML else f"*{text}*"


def short_description(text: str) -> str:
    """One line, at most :data:`STATUS_MAX_DESCRIPTION` characters, for a commit status."""
    line = " ".join(text.split())
    return line if len(line) <= STATUS_MAX_DESCRIPTION else line[: STATUS_MAX_DESCRIPTION - 1] + "…"


def validate_tag(tag: str) -> str:
    """A tag must be short and inert inside HTML comments and Markdown (no spaces, ``>``, ``*``)."""
    if tag and not _TAG_RE.match(tag):
        raise ValueError(
            f"bad comment tag {tag!r}: use 1-64 letters, digits, '.', '_', '/', '-'"
        )
    return tag


def marker_line(body: str, style: MarkerStyle) -> str:
    """The line that must hold the marker: first line (html) or last non-empty line."""
    lines = body.replace("\r\n", "\n").split("\n")
    if style is MarkerStyle.HTML:
        return lines[0].strip()
    for line in reversed(lines):
        if line.strip():
            return line.strip()
    return ""


def parse_marker(body: str, style: MarkerStyle = MarkerStyle.HTML) -> Marker | None:
    """The marker of ``body`` if its marker line is a costgate marker, else ``None``."""
    match = (_HTML_MARKER_RE if style is MarkerStyle.HTML else _VISIBLE_MARKER_RE).match(
        marker_line(body, style))
    if match is None:
        return None
    attrs = dict(_ATTR_RE.findall(match.group("attrs")))
    stamp: RunStamp | None = None
    if "valid-at" in attrs:
        try:
            valid_at = datetime.fromisoformat(attrs["valid-at"].replace("Z", "+00:00"))
            seq = int(attrs.get("seq", "0"))
        except ValueError:
            stamp = None
        else:
            if valid_at.tzinfo is None:
                valid_at = valid_at.replace(tzinfo=timezone.utc)
            stamp = RunStamp(valid_at, seq)
    return Marker(tag=attrs.get("tag", ""), stamp=stamp, sha=attrs.get("sha", ""))


def with_marker(content: str, marker: Marker, style: MarkerStyle = MarkerStyle.HTML) -> str:
    """``content`` with the marker line added where ``style`` expects it."""
    content = content.strip("\n")
    line = marker.render(style)
    return f"{line}\n{content}\n" if style is MarkerStyle.HTML else f"{content}\n\n{line}\n"


def strip_marker(body: str, style: MarkerStyle = MarkerStyle.HTML) -> str:
    """The content without its marker line and with normalised line ends (for equality)."""
    lines = body.replace("\r\n", "\n").strip("\n").split("\n")
    if style is MarkerStyle.HTML:
        lines = lines[1:]
    else:
        lines = lines[:-1]
    return "\n".join(line.rstrip() for line in lines).strip("\n")


# --------------------------------------------------------------------------- protocol


class CommentPlatform(Protocol):
    """What a platform must offer; ids are strings whatever the platform uses."""

    name: str
    marker_style: MarkerStyle
    max_body_chars: int
    supports_hide: bool

    def identity(self) -> str:
        """The login of the token's user or bot (compared case-insensitively)."""
        ...

    def list_comments(self) -> list[Comment]:
        """Every comment on the PR, all pages, oldest first (system notes excluded)."""
        ...

    def create_comment(self, body: str) -> Comment:
        """Create a comment; raise :class:`PublishTransient` when the outcome is unknown."""
        ...

    def update_comment(self, comment: Comment, body: str) -> Comment:
        """Replace the body of ``comment``."""
        ...

    def delete_comment(self, comment: Comment) -> None:
        """Delete ``comment``; may raise :class:`PublishNotFound` when it is already gone."""
        ...

    def hide_comment(self, comment: Comment) -> None:
        """Collapse ``comment`` (GitHub minimize); else raise :class:`PublishUnsupported`."""
        ...


class StatusPlatform(Protocol):
    """Optional: a platform that can also set a commit/PR status for the verdict.

    ``context`` names the status (each platform has its own default); a platform whose
    status does not belong to a commit (Azure PR statuses) sets ``status_needs_sha = False``.
    """

    def set_status(self, sha: str, outcome: str, description: str, target_url: str = "",
                   context: str = ...) -> None:
        """``outcome`` is ``pass``/``warn``/``fail``; the platform maps it to its states."""
        ...


# --------------------------------------------------------------------------- behaviours


class Behavior(str, Enum):
    """``--behavior`` values."""

    UPDATE = "update"
    NEW = "new"
    HIDE_AND_NEW = "hide-and-new"
    DELETE_AND_NEW = "delete-and-new"


@dataclass(frozen=True)
class PublishResult:
    """What happened: ``created``, ``updated``, ``unchanged`` or ``skipped-newer``."""

    action: str
    comment: Comment | None
    removed: tuple[str, ...] = ()  # ids deleted or hidden as duplicates / old comments

    @property
    def url(self) -> str:
        """Link to the comment when the platform gave one."""
        return self.comment.url if self.comment else ""


def ours(platform: CommentPlatform, comments: Sequence[Comment], tag: str) -> list[Comment]:
    """Comments by the token identity whose marker line matches ``tag``, oldest first."""
    me = platform.identity().casefold()
    found = []
    for comment in comments:
        if comment.author.casefold() != me:
            continue
        marker = parse_marker(comment.body, platform.marker_style)
        if marker is not None and marker.tag == tag:
            found.append(comment)
    return sorted(found, key=Comment.order_key)


def publish(
    platform: CommentPlatform,
    content: str,
    *,
    stamp: RunStamp,
    tag: str = "",
    sha: str = "",
    behavior: Behavior = Behavior.UPDATE,
    fallback_content: str | None = None,
    attempts: int = 3,
    sleep: Callable[[float], None] | None = None,
) -> PublishResult:
    """Post ``content`` as the costgate comment of ``tag`` following ``behavior``.

    The whole operation is retried (bounded, with backoff) on transient failures; a create
    whose outcome is unknown is checked by re-listing before creating again, and after any
    create the duplicates a racing run may have made are removed by :func:`_dedupe`, so two
    concurrent runs or a 500 halfway leave exactly one comment.
    """
    validate_tag(tag)
    body = _fit(platform, with_marker(content, Marker(tag, stamp, sha), platform.marker_style),
                fallback_content, Marker(tag, stamp, sha))
    last: PublishTransient | None = None
    tries = 0
    while tries < max(1, attempts):
        if last is not None:
            (sleep or _default_sleep)(min(2.0 ** tries, 30.0))
        tries += 1
        try:
            return _publish_once(platform, body, stamp=stamp, tag=tag, behavior=behavior)
        except BodyTooLong:
            if fallback_content is None:
                raise
            body = with_marker(fallback_content, Marker(tag, stamp, sha), platform.marker_style)
            fallback_content = None
            tries -= 1  # a smaller body is a new attempt, not a retry
            last = None
        except PublishTransient as exc:
            last = exc
    assert last is not None
    raise last


def _publish_once(platform: CommentPlatform, body: str, *, stamp: RunStamp, tag: str,
                  behavior: Behavior) -> PublishResult:
    style = platform.marker_style
    mine = ours(platform, platform.list_comments(), tag)
    if behavior is Behavior.NEW:
        return PublishResult("created", _create_verified(platform, body, tag))
    if behavior is Behavior.UPDATE and mine:
        target = mine[-1]
        old = parse_marker(target.body, style)
        if old is not None and old.stamp is not None and old.stamp > stamp:
            return PublishResult("skipped-newer", target)
        extra = tuple(_remove(platform, c, hide=False) for c in mine[:-1])
        if strip_marker(target.body, style) == strip_marker(body, style):
            return PublishResult("unchanged", target, tuple(x for x in extra if x))
        updated = platform.update_comment(target, body)
        return PublishResult("updated", updated, tuple(x for x in extra if x))
    removed: list[str] = []
    if behavior in (Behavior.HIDE_AND_NEW, Behavior.DELETE_AND_NEW):
        hide = behavior is Behavior.HIDE_AND_NEW
        removed = [x for c in mine if not (hide and c.hidden) and (x := _remove(platform, c,
                                                                                  hide=hide))]
    created = _create_verified(platform, body, tag)
    kept, dropped = _dedupe(platform, tag, hide=behavior is Behavior.HIDE_AND_NEW)
    action = "created" if kept is None or kept.id == created.id else "skipped-newer"
    return PublishResult(action, kept or created, tuple(removed) + dropped)


def _create_verified(platform: CommentPlatform, body: str, tag: str) -> Comment:
    """Create; if the outcome is unknown (5xx, timeout), look for our exact body before retrying.

    The marker holds this run's stamp, so an identical first line means this run created it.
    """
    try:
        return platform.create_comment(body)
    except PublishTransient:
        first = marker_line(body, platform.marker_style)
        for comment in reversed(ours(platform, platform.list_comments(), tag)):
            if marker_line(comment.body, platform.marker_style) == first:
                return comment
        raise


def _dedupe(platform: CommentPlatform, tag: str, *, hide: bool
            ) -> tuple[Comment | None, tuple[str, ...]]:
    """Keep one visible comment of ours: the newest stamp, ties to the earliest created.

    Every run applies the same rule to what it sees, so racing runs converge on one comment.
    """
    mine = [c for c in ours(platform, platform.list_comments(), tag) if not c.hidden]
    if len(mine) <= 1:
        return (mine[0] if mine else None), ()
    epoch = RunStamp(datetime.min.replace(tzinfo=timezone.utc))

    def stamp_of(c: Comment) -> RunStamp:
        marker = parse_marker(c.body, platform.marker_style)
        return marker.stamp if marker and marker.stamp else epoch

    # Oldest first, then a stable sort on the stamp, newest first: ties keep the earliest.
    ranked = sorted(mine, key=Comment.order_key)
    ranked.sort(key=stamp_of, reverse=True)
    keep = ranked[0]
    dropped = tuple(x for c in mine if c.id != keep.id and (x := _remove(platform, c, hide=hide)))
    return keep, dropped


def _remove(platform: CommentPlatform, comment: Comment, *, hide: bool) -> str:
    """Hide or delete one of our comments; already gone counts as done."""
    try:
        if hide:
            platform.hide_comment(comment)
        else:
            platform.delete_comment(comment)
    except PublishNotFound:
        pass
    return comment.id


def _fit(platform: CommentPlatform, body: str, fallback: str | None, marker: Marker) -> str:
    """Respect the platform's size budget: the fallback body, else a hard cut with a note."""
    if len(body) <= platform.max_body_chars:
        return body
    if fallback is not None:
        small = with_marker(fallback, marker, platform.marker_style)
        if len(small) <= platform.max_body_chars:
            return small
    note = "\n\n…truncated, see the job summary\n"
    cut = strip_marker(body, platform.marker_style)
    room = platform.max_body_chars - len(marker.render(platform.marker_style)) - len(note) - 4
    return with_marker(cut[: max(room, 0)] + note, marker, platform.marker_style)


def _default_sleep(seconds: float) -> None:
    time.sleep(seconds)


def _rfc3339(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = [
    "BodyTooLong", "Behavior", "Comment", "CommentPlatform", "Marker", "MarkerStyle",
    "PublishError", "PublishForbidden", "PublishNotFound", "PublishResult", "PublishTransient",
    "PublishUnsupported", "RunStamp", "StatusPlatform", "marker_line", "ours", "parse_marker", "publish",
    "strip_marker", "validate_tag", "with_marker",
]
