"""``costgate ci`` and ``costgate comment``: put the estimate and verdict on the pull request.

``ci`` detects the platform, computes the diff and the policy verdict, then publishes: job
summary, step outputs and annotations (GitHub Actions), the PR comment and a commit status.
The gate is the exit code, never the comment: publishing problems are printed as warnings
and never change the verdict or the exit code. ``comment`` posts a saved JSON report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from costgate.commands import estimate as estimate_cmd
from costgate.errors import ExitCode, InputError
from costgate.model.estimate import Estimate
from costgate.model.policy import Outcome
from costgate.model.report import ProjectEntry, Report, load_document, project_estimates
from costgate.publish import github_actions as gha
from costgate.publish.base import (
    Behavior,
    CommentPlatform,
    PublishError,
    PublishForbidden,
    PublishResult,
    RunStamp,
    publish,
    validate_tag,
)
from costgate.publish.detect import PLATFORMS, CIContext, detect, pr_number, repository
from costgate.report.formats import ReportOptions

FAIL_ON = ("error", "warning", "never")
BEHAVIORS = (*(b.value for b in Behavior), "off")
_MODULES = {"github": "github", "gitlab": "gitlab", "azure-repos": "azure_repos",
            "bitbucket": "bitbucket"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``ci`` and ``comment``."""
    p = sub.add_parser("ci", help="estimate, gate and comment on the pull request in CI",
                       description="Diff the plan, judge the policy, post the PR comment and "
                                   "status, exit with the verdict's code.")
    p.add_argument("platform", nargs="?", default="auto", choices=("auto", *PLATFORMS, "detect"),
                   help="force a platform, or 'detect' to print what was found (default: auto)")
    p.add_argument("--plan", metavar="FILE", help="terraform show -json of the PR's plan "
                                                  "(env COSTGATE_PLAN)")
    p.add_argument("--base", metavar="FILE", help="base side: plan, state or saved costgate JSON")
    p.add_argument("--head", metavar="FILE", help="head side: plan, state or saved costgate JSON")
    p.add_argument("--path", metavar="DIR", help="Terraform root (HCL mode, with --base-ref)")
    p.add_argument("--base-ref", metavar="REF", help="git ref of the base side for --path")
    p.add_argument("--default-region", action="append", default=[], metavar="PROVIDER=REGION")
    p.add_argument("--region-override", action="append", default=[], metavar="PROVIDER=REGION")
    p.add_argument("--usage-file", metavar="FILE", help="usage values (env COSTGATE_USAGE_FILE)")
    p.add_argument("--currency", metavar="CODE", help="ISO code (default: the policy's, USD)")
    p.add_argument("--policy", metavar="FILE", help="policy file (env COSTGATE_POLICY)")
    _publish_options(p)
    p.add_argument("--fail-on", choices=FAIL_ON, help="exit 1 on a policy 'error' (default), "
                   "on 'warning' too, or 'never' (env COSTGATE_FAIL_ON)")
    p.add_argument("--no-status", action="store_true", help="do not set a commit status")
    p.add_argument("--status-context", default="costgate", metavar="NAME")
    p.set_defaults(handler=run_ci)

    c = sub.add_parser("comment", help="post a saved JSON report as the PR comment",
                       description="Post a report saved with --format json to a pull request.")
    c.add_argument("platform", choices=PLATFORMS)
    c.add_argument("--report", required=True, metavar="FILE", help="costgate --format json output")
    _publish_options(c)
    c.set_defaults(handler=run_comment)


def _publish_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--behavior", choices=BEHAVIORS,
                   help="update (default), new, hide-and-new, delete-and-new, off "
                        "(env COSTGATE_BEHAVIOR)")
    p.add_argument("--tag", metavar="TAG", help="one comment per tag on the PR (env COSTGATE_TAG)")
    p.add_argument("--pr", metavar="N", help="pull request number (default: from the CI)")
    p.add_argument("--repo", metavar="OWNER/NAME", help="repository (default: from the CI)")


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    """Resolved options: flag > COSTGATE_* variable > default."""

    behavior: str
    tag: str
    fail_on: str = "error"


def _setting(value: str | None, env: Mapping[str, str], *names: str) -> str:
    if value:
        return value
    return next((env[n].strip() for n in names if env.get(n, "").strip()), "")


def _settings(args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
    behavior = _setting(args.behavior, env, "COSTGATE_BEHAVIOR", "COSTGATE_COMMENT") or "update"
    if behavior not in BEHAVIORS:
        raise InputError(f"bad behavior {behavior!r}; expected one of {', '.join(BEHAVIORS)}")
    fail_on = _setting(getattr(args, "fail_on", None), env, "COSTGATE_FAIL_ON") or "error"
    if fail_on not in FAIL_ON:
        raise InputError(f"bad fail-on {fail_on!r}; expected one of {', '.join(FAIL_ON)}")
    tag = _setting(args.tag, env, "COSTGATE_TAG")
    try:
        validate_tag(tag)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return Settings(behavior=behavior, tag=tag, fail_on=fail_on)


def _context(args: argparse.Namespace, env: Mapping[str, str], platform: str | None) -> CIContext:
    ctx = detect(env, platform)
    pr = _setting(args.pr, env, "COSTGATE_PR")
    repo = _setting(args.repo, env, "COSTGATE_REPO")
    return ctx.with_overrides(pr_number=pr_number(pr, "--pr") if pr else None,
                              repo=repository(repo, "--repo") if repo else None)


# --------------------------------------------------------------------------- report


def build_report(args: argparse.Namespace, env: Mapping[str, str]) -> Report:
    """Diff (one plan, or base vs head) priced and judged by the policy when one is given."""
    from costgate.diff import diff_estimates
    from costgate.policy.config import load_policy

    policy_file = _setting(args.policy, env, "COSTGATE_POLICY", "COSTGATE_CONFIG")
    policy = load_policy(Path(policy_file)) if policy_file else None
    currency = (args.currency or env.get("COSTGATE_CURRENCY")
                or (policy.currency if policy else "USD")).strip().upper()
    plan = _setting(args.plan, env, "COSTGATE_PLAN")
    if args.base or args.head:
        if not (args.base and args.head):
            raise InputError("--base and --head go together")
        est = diff_estimates(_side(args, args.base, currency), _side(args, args.head, currency))
    elif plan:
        est = _side(args, plan, currency)
    elif args.path or args.base_ref:
        raise InputError("--path/--base-ref (HCL mode) is not available in this build; "
                         "pass --plan with terraform show -json output")
    else:
        raise InputError("nothing to estimate: pass --plan FILE (or --base and --head)")
    report = Report.build([ProjectEntry(name=est.metadata.source or "default", estimate=est)],
                          kind="diff")
    if policy is None:
        return report
    from costgate.policy.evaluate import evaluate
    from costgate.report.subject import policy_subject

    verdict = evaluate(policy, policy_subject(report), today=dt.date.today(), source=policy_file)
    return report.model_copy(update={"policy": verdict})


def _side(args: argparse.Namespace, path: str, currency: str) -> Estimate:
    """A saved costgate JSON estimate as is, else a plan/state priced now."""
    saved = _saved_estimate(path)
    if saved is not None:
        return saved
    ns = argparse.Namespace(plan=path, default_region=args.default_region,
                            region_override=args.region_override, usage_file=args.usage_file
                            or os.environ.get("COSTGATE_USAGE_FILE"))
    return estimate_cmd.compute(ns, currency)


def _saved_estimate(path: str) -> Estimate | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None  # the plan loader reports the missing file with its own message
    if b'"price_snapshot"' not in head and b'"total_monthly_cost_after"' not in head:
        return None
    try:
        return Estimate.load_json(Path(path).read_bytes())
    except ValueError as exc:
        raise InputError(f"{path}: not a valid costgate JSON estimate: "
                         f"{' '.join(str(exc).split())[:200]}") from None


def outcome_of(report: Report) -> str:
    """``pass``/``warn``/``fail``; no policy means pass."""
    return report.policy.outcome.value if report.policy is not None else Outcome.PASS.value


def exit_code(outcome: str, fail_on: str) -> int:
    """The gate: 1 on fail (and on warn with ``fail_on=warning``), 0 otherwise."""
    if fail_on == "never":
        return ExitCode.OK
    if outcome == "fail" or (outcome == "warn" and fail_on == "warning"):
        return ExitCode.POLICY_FAILED
    return ExitCode.OK


# --------------------------------------------------------------------------- commands


def run_ci(args: argparse.Namespace) -> int:
    """Handler for ``costgate ci``."""
    env = os.environ
    ctx = _context(args, env, None if args.platform in ("auto", "detect") else args.platform)
    if args.platform == "detect":
        print("\n".join(ctx.describe()))
        return ExitCode.OK
    settings = _settings(args, env)
    report = build_report(args, env)
    outcome = outcome_of(report)
    code = exit_code(outcome, settings.fail_on)
    status = not args.no_status and env.get("COSTGATE_STATUS", "true").strip().lower() != "false"
    publish_run(ctx, report, settings, outcome=outcome, status=status,
                status_context=args.status_context, env=env)
    return code


def run_comment(args: argparse.Namespace) -> int:
    """Handler for ``costgate comment PLATFORM --report FILE``: posting is the point, so a
    failure here is an error (exit 2)."""
    env = os.environ
    ctx = _context(args, env, args.platform)
    settings = _settings(args, env)
    report = load_report(args.report)
    if settings.behavior == "off":
        return ExitCode.OK
    result = post_comment(ctx, report, settings)
    print(f"costgate: comment {result.action}" + (f": {result.url}" if result.url else ""))
    return ExitCode.OK


def load_report(path: str) -> Report:
    """A saved ``--format json`` report (or bare estimate) back into a :class:`Report`."""
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read report: {exc.strerror or exc}") from None
    try:
        json.loads(text, parse_float=Decimal)
        doc = load_document(text)
    except ValueError as exc:
        raise InputError(f"{path}: not a costgate JSON report: "
                         f"{' '.join(str(exc).split())[:200]}") from None
    entries = [ProjectEntry(name=name or "default", estimate=est)
               for name, est in project_estimates(doc).items()]
    return Report.build(entries, kind="diff", policy=doc.policy, showback=doc.showback,
                        savings=doc.savings)


def platform_for(ctx: CIContext) -> CommentPlatform:
    """The platform client, built by its module's ``from_context``."""
    module_name = _MODULES.get(ctx.platform)
    if module_name is None:
        raise PublishError(f"cannot post comments on {ctx.platform}: not a supported platform")
    try:
        module = importlib.import_module(f"costgate.publish.{module_name}")
    except ImportError:
        raise PublishError(f"{ctx.platform} support is not installed in this build") from None
    factory: Any = getattr(module, "from_context", None)
    if factory is None:
        raise PublishError(f"costgate.publish.{module_name} has no from_context()")
    return cast(CommentPlatform, factory(ctx))


def post_comment(ctx: CIContext, report: Report, settings: Settings,
                 platform: CommentPlatform | None = None) -> PublishResult:
    """Render for the platform and publish with the chosen behaviour."""
    from costgate.publish.base import MarkerStyle
    from costgate.report.markdown import render_markdown

    plat = platform or platform_for(ctx)
    html = plat.marker_style is MarkerStyle.HTML
    budget = min(60_000, plat.max_body_chars) - 600
    opts = ReportOptions(marker=False, tag=settings.tag or None, details=html, max_chars=budget)
    footer = _footer(ctx, html)
    content = render_markdown(report, opts) + footer
    small = render_markdown(report, ReportOptions(marker=False, tag=settings.tag or None,
                                                  details=html, max_chars=8_000)) + footer
    stamp = RunStamp.now(ctx.run_id) if ctx.valid_at is None else RunStamp(ctx.valid_at,
                                                                           ctx.run_id)
    return publish(plat, content, stamp=stamp, tag=settings.tag, sha=ctx.head_sha,
                   behavior=Behavior(settings.behavior), fallback_content=small)


def _footer(ctx: CIContext, html: bool) -> str:
    bits = []
    if ctx.head_sha:
        bits.append(f"commit {ctx.head_sha[:7]}")
    if ctx.run_url:
        bits.append(f"[run]({ctx.run_url})")
    bits.append("updated in place on each push")
    text = " · ".join(bits)
    return f"\n<sub>{text}</sub>\n" if html else f"\n_{text}_\n"


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


# --------------------------------------------------------------------------- publishing


def publish_run(ctx: CIContext, report: Report, settings: Settings, *, outcome: str,
                status: bool, status_context: str, env: Mapping[str, str]) -> None:
    """Log, summary, annotations, comment, status and outputs; never raises for posting.

    Any failure here is a warning: the gate is the exit code computed before this runs.
    """
    from costgate.report.markdown import fmt_money

    github = ctx.platform == "github"
    _log_report(report, github)
    if github:
        _annotate(report)
    for notice in ctx.notices:
        _notice(ctx, notice)
    summary = env.get("GITHUB_STEP_SUMMARY", "") if github else ""
    if summary:
        _guard(ctx, "job summary", lambda: _write_summary(summary, report, ctx))
    t, ccy = report.totals, report.currency
    outputs = {"monthly-delta": str(t.monthly_delta), "new-total": str(t.monthly_cost_after),
               "currency": ccy, "verdict": outcome, "comment-url": ""}
    plat: list[CommentPlatform] = []
    if settings.behavior != "off" or status:
        if not ctx.can_comment:
            if not ctx.fork:
                _notice(ctx, _why_no_comment(ctx))
        else:
            _guard(ctx, "pull request", lambda: plat.append(platform_for(ctx)))
    if plat and settings.behavior != "off":
        def comment() -> None:
            result = post_comment(ctx, report, settings, plat[0])
            outputs["comment-url"] = result.url
            print(f"costgate: comment {result.action}" + (f": {result.url}" if result.url else ""))
        _guard(ctx, "comment", comment)
    setter = getattr(plat[0], "set_status", None) if plat else None
    if status and setter is not None and ctx.head_sha:
        verdict = {"pass": "budget policy passed", "warn": "budget policy warnings",
                   "fail": "budget policy failed"}[outcome] if report.policy else "no policy"
        text = (f"{fmt_money(t.monthly_delta, ccy, signed=True)}/mo, new total "
                f"{fmt_money(t.monthly_cost_after, ccy)}/mo: {verdict}")
        _guard(ctx, "status", lambda: setter(ctx.head_sha, outcome, text, ctx.run_url,
                                             context=status_context)
               if ctx.platform == "github" else setter(ctx.head_sha, outcome, text, ctx.run_url))
    path = env.get("GITHUB_OUTPUT", "") if github else ""
    if path:
        _guard(ctx, "step outputs", lambda: gha.write_outputs(path, outputs))


def _guard(ctx: CIContext, what: str, action: Any) -> None:
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


def _why_no_comment(ctx: CIContext) -> str:
    if ctx.pr_number is None:
        return "not a pull request run: no PR comment or status (the exit code still gates)"
    return ("no token: pass github-token (GITHUB_TOKEN) to post the PR comment and status; "
            "the report is in the job summary")


def _notice(ctx: CIContext, message: str) -> None:
    if ctx.platform == "github":
        print(gha.command("notice", message, title="costgate"))
    else:
        print(f"costgate: notice: {message}", file=sys.stderr)


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
    from costgate.report.github_summary import render_github_summary

    text = render_github_summary(report, ReportOptions())
    notes = "".join(f"\n> **Note:** {n}\n" for n in ctx.notices)
    gha.write_summary(path, text + notes)
