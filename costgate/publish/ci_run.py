"""Publishing one ``costgate ci`` run: log, annotations, summary, comment, status, outputs.

The gate is the exit code, computed before anything here runs: every publishing step is
guarded, so a failure (API down, read-only token, missing permission) is a visible warning
and never changes the verdict. Platform clients are built by name from
``costgate.publish.<module>.from_context``; what a platform lacks (a status on GitLab,
hiding on Bitbucket) is skipped or mapped with a notice rather than failing the run.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from costgate.publish import github_actions as gha
from costgate.publish.base import (
    Behavior,
    CommentPlatform,
    PublishError,
    PublishForbidden,
    PublishResult,
    RunStamp,
    publish,
)
from costgate.publish.detect import CIContext

if TYPE_CHECKING:
    from costgate.model.report import Report

MODULES = {"github": "github", "gitlab": "gitlab", "azure-repos": "azure_repos",
           "bitbucket": "bitbucket"}
#: Used when a platform module has no ``TOKEN_HINT`` of its own.
GENERIC_TOKEN_HINT = "no token for this platform: set it to post the PR comment and status"


@dataclass(frozen=True)
class Settings:
    """Resolved options: flag > COSTGATE_* variable > default."""

    behavior: str
    tag: str
    fail_on: str = "error"
    status_context: str = ""  # empty: each platform's own default name


# --------------------------------------------------------------------------- platforms


def _module(ctx: CIContext) -> Any:
    name = MODULES.get(ctx.platform)
    if name is None:
        raise PublishError(f"cannot post comments on {ctx.platform}: not a supported platform")
    try:
        return importlib.import_module(f"costgate.publish.{name}")
    except ImportError:
        raise PublishError(f"{ctx.platform} support is not installed in this build") from None


def platform_for(ctx: CIContext) -> CommentPlatform:
    """The platform client, built by its module's ``from_context``."""
    module = _module(ctx)
    factory: Any = getattr(module, "from_context", None)
    if factory is None:
        raise PublishError(f"{module.__name__} has no from_context()")
    return cast(CommentPlatform, factory(ctx))


def token_hint(ctx: CIContext) -> str:
    """What to do about a missing token, in the words of the platform's module."""
    try:
        hint = getattr(_module(ctx), "TOKEN_HINT", "")
    except PublishError:
        hint = ""
    return hint if isinstance(hint, str) and hint else GENERIC_TOKEN_HINT


def behavior_for(ctx: CIContext, plat: CommentPlatform, behavior: Behavior) -> Behavior:
    """``hide-and-new`` becomes ``delete-and-new`` (with a notice) where nothing can be hidden."""
    if behavior is Behavior.HIDE_AND_NEW and not plat.supports_hide:
        notice(ctx, f"{plat.name} cannot hide comments: hide-and-new deletes the previous "
                    "costgate comment instead (delete-and-new)")
        return Behavior.DELETE_AND_NEW
    return behavior


# --------------------------------------------------------------------------- comment


def post_comment(ctx: CIContext, report: Report, settings: Settings,
                 platform: CommentPlatform | None = None) -> PublishResult:
    """Render for the platform and publish with the chosen behaviour."""
    from costgate.publish.base import MarkerStyle
    from costgate.report.formats import ReportOptions
    from costgate.report.markdown import render_markdown

    plat = platform or platform_for(ctx)
    behavior = behavior_for(ctx, plat, Behavior(settings.behavior))
    html = plat.marker_style is MarkerStyle.HTML
    budget = min(60_000, plat.max_body_chars) - 600
    tag = settings.tag or None
    footer = _footer(ctx, html)
    content = render_markdown(report, ReportOptions(marker=False, tag=tag, details=html,
                                                    max_chars=budget)) + footer
    small = render_markdown(report, ReportOptions(marker=False, tag=tag, details=html,
                                                  max_chars=8_000)) + footer
    stamp = RunStamp.now(ctx.run_id) if ctx.valid_at is None else RunStamp(ctx.valid_at,
                                                                           ctx.run_id)
    return publish(plat, content, stamp=stamp, tag=settings.tag, sha=ctx.head_sha,
                   behavior=behavior, fallback_content=small)


def _footer(ctx: CIContext, html: bool) -> str:
    bits = []
    if ctx.head_sha:
        bits.append(f"commit {ctx.head_sha[:7]}")
    if ctx.run_url:
        bits.append(f"[run]({ctx.run_url})")
    bits.append("updated in place on each push")
    text = " · ".join(bits)
    return f"\n<sub>{text}</sub>\n" if html else f"\n_{text}_\n"


# --------------------------------------------------------------------------- messages


def posting_failure(exc: BaseException) -> str:
    """One line on why posting failed, with the fork/permissions hint for 403s."""
    text = " ".join(str(exc).split())[:300]
    if isinstance(exc, PublishForbidden):
        return (f"could not post to the pull request ({text}); the token is read-only "
                "(fork PR) or lacks pull-requests: write / statuses: write. "
                "The report is in the job summary; the verdict and exit code are unchanged.")
    return f"could not post to the pull request ({text}); the verdict and exit code are unchanged."


def warn(ctx: CIContext, message: str) -> None:
    """A visible warning: an annotation on GitHub, a stderr line elsewhere."""
    if ctx.platform == "github":
        print(gha.command("warning", message, title="costgate"))
    print(f"costgate: warning: {message}", file=sys.stderr)


def notice(ctx: CIContext, message: str) -> None:
    """A notice: an annotation on GitHub, a stderr line elsewhere."""
    if ctx.platform == "github":
        print(gha.command("notice", message, title="costgate"))
    else:
        print(f"costgate: notice: {message}", file=sys.stderr)


def why_no_comment(ctx: CIContext) -> str:
    """Not a PR run, or no token: the platform's own hint on which token to give."""
    if ctx.pr_number is None:
        return "not a pull request run: no PR comment or status (the exit code still gates)"
    where = "job summary" if ctx.platform == "github" else "job log"
    return f"{token_hint(ctx)}; the report is in the {where}"


def _guard(ctx: CIContext, what: str, action: Callable[[], object]) -> None:
    """Run one publishing step; any failure becomes a warning (never a changed exit code)."""
    try:
        action()
    except KeyboardInterrupt:
        raise
    except PublishError as exc:
        warn(ctx, f"{what}: {posting_failure(exc)}")
    except Exception as exc:  # the gate must not depend on publishing working
        warn(ctx, f"{what}: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}; "
                  "the verdict and exit code are unchanged")


# --------------------------------------------------------------------------- the run


def publish_run(ctx: CIContext, report: Report, settings: Settings, *, outcome: str,
                status: bool, env: Mapping[str, str]) -> None:
    """Log, summary, annotations, comment, status and outputs; never raises for posting."""
    github = ctx.platform == "github"
    _log_report(report, github)
    if github:
        _annotate(report)
    for text in ctx.notices:
        notice(ctx, text)
    summary = env.get("GITHUB_STEP_SUMMARY", "") if github else ""
    if summary:
        _guard(ctx, "job summary", lambda: _write_summary(summary, report, ctx))
    t = report.totals
    outputs = {"monthly-delta": str(t.monthly_delta), "new-total": str(t.monthly_cost_after),
               "currency": report.currency, "verdict": outcome, "comment-url": ""}
    plat: list[CommentPlatform] = []
    if settings.behavior != "off" or status:
        if not ctx.can_comment:
            if not ctx.fork:
                notice(ctx, why_no_comment(ctx))
        else:
            _guard(ctx, "pull request", lambda: plat.append(platform_for(ctx)))
    if plat and settings.behavior != "off":
        def comment() -> None:
            result = post_comment(ctx, report, settings, plat[0])
            outputs["comment-url"] = result.url
            print(f"costgate: comment {result.action}" + (f": {result.url}" if result.url else ""))
        _guard(ctx, "comment", comment)
    if plat and status:
        _guard(ctx, "status", lambda: set_status(ctx, plat[0], report, outcome, settings))
    path = env.get("GITHUB_OUTPUT", "") if github else ""
    if path:
        _guard(ctx, "step outputs", lambda: gha.write_outputs(path, outputs))


def set_status(ctx: CIContext, plat: CommentPlatform, report: Report, outcome: str,
               settings: Settings) -> bool:
    """The verdict as the platform's status (GitHub commit status, Azure PR status,
    Bitbucket build status). False when the platform has none (GitLab: the job's own status
    is the gate) or it needs the head commit and none is known."""
    from costgate.report.markdown import fmt_money

    setter = getattr(plat, "set_status", None)
    if setter is None:
        return False
    if getattr(plat, "status_needs_sha", True) and not ctx.head_sha:
        notice(ctx, "no head commit SHA detected: the status is not set")
        return False
    t, ccy = report.totals, report.currency
    verdict = {"pass": "budget policy passed", "warn": "budget policy warnings",
               "fail": "budget policy failed"}[outcome] if report.policy else "no policy"
    text = (f"{fmt_money(t.monthly_delta, ccy, signed=True)}/mo, new total "
            f"{fmt_money(t.monthly_cost_after, ccy)}/mo: {verdict}")
    extra = {"context": settings.status_context} if settings.status_context else {}
    setter(ctx.head_sha, outcome, text, ctx.run_url, **extra)
    return True


def _log_report(report: Report, github: bool) -> None:
    """The table in the job log; on GitHub inside stop-commands (addresses are PR text)."""
    from costgate.report.formats import TableOptions, render_report_table

    text = render_report_table(report, TableOptions(diff=True))
    if github:
        with gha.stop_commands():
            sys.stdout.write(text)
    else:
        sys.stdout.write(text)
    sys.stdout.flush()


def _annotate(report: Report) -> None:
    """One annotation per failing/warning finding, capped per level, overflow noted."""
    from costgate.model.policy import Outcome

    if report.policy is None:
        return
    notes = gha.Annotations()
    for rule in report.policy.rules:
        level = {Outcome.FAIL: "error", Outcome.WARN: "warning"}.get(rule.outcome)
        if level is None:
            continue
        title = f"costgate: {rule.rule_id}"
        if not rule.findings:
            notes.add(level, rule.summary, title=title)
        for f in rule.findings:
            text = f"{f.address}: {f.message}" if f.address and f.address not in f.message \
                else f.message
            notes.add(level, f"{text} ({f.hint})" if f.hint else text, title=title)
    notes.finish()


def _write_summary(path: str, report: Report, ctx: CIContext) -> None:
    from costgate.report.formats import ReportOptions
    from costgate.report.github_summary import render_github_summary

    text = render_github_summary(report, ReportOptions())
    notes = "".join(f"\n> **Note:** {n}\n" for n in ctx.notices)
    gha.write_summary(path, text + notes)
