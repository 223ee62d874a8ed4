"""``costgate ci`` and ``costgate comment``: put the estimate and verdict on the pull request.

``ci`` detects the platform, computes the diff and the policy verdict, then publishes
(:mod:`costgate.publish.ci_run`): job summary, step outputs and annotations (GitHub
Actions), the PR comment and a status. The gate is the exit code, never the comment:
publishing problems are printed as warnings and never change the verdict or the exit code.
``comment`` posts a saved JSON report. Heavy modules (pricing, git, HTTP) are imported inside
the functions that use them, so ``costgate --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from costgate.errors import ExitCode, InputError
from costgate.publish.base import Behavior, validate_tag
from costgate.publish.detect import PLATFORMS, CIContext, detect, pr_number, repository

if TYPE_CHECKING:
    from costgate.model.estimate import Estimate
    from costgate.model.report import Report
    from costgate.publish.ci_run import Settings

FAIL_ON = ("error", "warning", "never")
BEHAVIORS = (*(b.value for b in Behavior), "off")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``ci`` and ``comment``."""
    from costgate.commands import gitdiff
    from costgate.parse.hcl_cli import add_hcl_options

    p = sub.add_parser("ci", help="estimate, gate and comment on the pull request in CI",
                       description="Diff the plan (or the Terraform code against the PR's "
                                   "base), judge the policy, post the PR comment and status, "
                                   "exit with the verdict's code.")
    p.add_argument("platform", nargs="?", default="auto", choices=("auto", *PLATFORMS, "detect"),
                   help="force a platform, or 'detect' to print what was found (default: auto)")
    p.add_argument("--plan", metavar="FILE", help="terraform show -json of the PR's plan "
                                                  "(env COSTGATE_PLAN)")
    p.add_argument("--base", metavar="FILE", help="base side: plan, state or saved costgate JSON")
    p.add_argument("--head", metavar="FILE", help="head side: plan, state or saved costgate JSON")
    add_hcl_options(p)  # --path DIR (env COSTGATE_PATH), --var, --var-file
    gitdiff.add_options(p, git=True)  # --base-ref, --head-ref, --config, --parallelism
    for action in p._actions:
        if action.dest == "base_ref":
            action.help = ("with --path: the base side's git revision (env COSTGATE_BASE_REF; "
                           "default: the PR's base commit, else its base branch)")
    p.add_argument("--default-region", action="append", default=[], metavar="PROVIDER=REGION")
    p.add_argument("--region-override", action="append", default=[], metavar="PROVIDER=REGION")
    p.add_argument("--usage-file", metavar="FILE", help="usage values (env COSTGATE_USAGE_FILE)")
    p.add_argument("--currency", metavar="CODE", help="ISO code (default: the policy's, USD)")
    p.add_argument("--policy", metavar="FILE", help="policy file (env COSTGATE_POLICY)")
    _publish_options(p)
    p.add_argument("--fail-on", choices=FAIL_ON, help="exit 1 on a policy 'error' (default), "
                   "on 'warning' too, or 'never' (env COSTGATE_FAIL_ON)")
    p.add_argument("--no-status", action="store_true", help="do not set a status")
    p.add_argument("--status-context", metavar="NAME",
                   help="status name (default: costgate; Azure: budget, shown costgate/budget)")
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
                        "(env COSTGATE_BEHAVIOR; hide-and-new deletes on Bitbucket)")
    p.add_argument("--tag", metavar="TAG", help="one comment per tag on the PR (env COSTGATE_TAG)")
    p.add_argument("--pr", metavar="N", help="pull request number (default: from the CI)")
    p.add_argument("--repo", metavar="OWNER/NAME", help="repository (default: from the CI)")


# --------------------------------------------------------------------------- settings


def _setting(value: str | None, env: Mapping[str, str], *names: str) -> str:
    if value:
        return value
    return next((env[n].strip() for n in names if env.get(n, "").strip()), "")


def _settings(args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
    from costgate.publish.ci_run import Settings

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
    return Settings(behavior=behavior, tag=tag, fail_on=fail_on,
                    status_context=(getattr(args, "status_context", None) or "").strip())


def _context(args: argparse.Namespace, env: Mapping[str, str], platform: str | None) -> CIContext:
    ctx = detect(env, platform)
    pr = _setting(args.pr, env, "COSTGATE_PR")
    repo = _setting(args.repo, env, "COSTGATE_REPO")
    return ctx.with_overrides(pr_number=pr_number(pr, "--pr") if pr else None,
                              repo=repository(repo, "--repo") if repo else None)


# --------------------------------------------------------------------------- report


def build_report(args: argparse.Namespace, env: Mapping[str, str],
                 ctx: CIContext | None = None) -> Report:
    """Diff (one plan, base vs head, or ``--path`` against a git base) judged by the policy.

    In HCL mode the base revision defaults to the PR's base detected in ``ctx``.
    """
    import datetime as dt

    from costgate.model.report import ProjectEntry, Report
    from costgate.policy.config import load_policy

    policy_file = _setting(args.policy, env, "COSTGATE_POLICY", "COSTGATE_CONFIG")
    policy = load_policy(Path(policy_file)) if policy_file else None
    currency = (args.currency or env.get("COSTGATE_CURRENCY")
                or (policy.currency if policy else "USD")).strip().upper()
    kind, source = _input(args, env)
    if kind == "path":
        report = _hcl_report(args, env, ctx or CIContext(), source, currency)
    else:
        if kind == "base-head":
            from costgate.diff import diff_estimates

            est = diff_estimates(_side(args, args.base, currency),
                                 _side(args, args.head, currency))
        else:
            est = _side(args, source, currency)
        report = Report.build([ProjectEntry(name=est.metadata.source or "default",
                                            estimate=est)], kind="diff")
    if policy is None:
        return report
    from costgate.policy.evaluate import evaluate
    from costgate.report.subject import policy_subject

    verdict = evaluate(policy, policy_subject(report), today=dt.date.today(), source=policy_file)
    return report.model_copy(update={"policy": verdict})


def _input(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[str, str]:
    """``("base-head", "")``, ``("plan", FILE)`` or ``("path", DIR)``: flags first, then
    ``COSTGATE_PLAN`` / ``COSTGATE_PATH``; two sources at the same level are an error."""
    path: str = getattr(args, "path", None) or ""
    if args.base or args.head:
        if not (args.base and args.head):
            raise InputError("--base and --head go together")
        if args.plan or path:
            raise InputError("--base/--head do not combine with --plan or --path")
        return "base-head", ""
    if args.plan and path:
        raise InputError("give either --plan FILE or --path DIR, not both")
    if args.plan or path:
        return ("plan", str(args.plan)) if args.plan else ("path", path)
    plan, path = _setting(None, env, "COSTGATE_PLAN"), _setting(None, env, "COSTGATE_PATH")
    if plan and path:
        raise InputError("COSTGATE_PLAN and COSTGATE_PATH are both set: give one")
    if plan or path:
        return ("plan", plan) if plan else ("path", path)
    if args.base_ref or args.head_ref or args.config:
        raise InputError("--base-ref/--head-ref/--config need --path DIR (the Terraform code)")
    raise InputError("nothing to estimate: pass --plan FILE, --base and --head, or "
                     "--path DIR (HCL mode, diffed against the PR's base)")


def _hcl_report(args: argparse.Namespace, env: Mapping[str, str], ctx: CIContext, path: str,
                currency: str) -> Report:
    """``--path`` through the git diff of ``costgate diff --path --base-ref`` (gitdiff)."""
    from costgate.commands import gitdiff

    base_ref = _setting(args.base_ref, env, "COSTGATE_BASE_REF") or default_base_ref(ctx, path)
    if not base_ref:
        print("costgate: notice: no base revision (not a pull request run and no --base-ref): "
              "every resource counts as new", file=sys.stderr)
    ns = argparse.Namespace(**{**vars(args), "path": path, "base_ref": base_ref or None,
                               "plan": None, "base": None, "head": None,
                               "usage_file": _setting(args.usage_file, env,
                                                      "COSTGATE_USAGE_FILE") or None})
    report = gitdiff.compute(ns, currency, diff=True).report()
    for p in report.projects:
        if p.error:
            print(f"costgate: error: project {p.name}: {p.error}", file=sys.stderr)
    return report


def default_base_ref(ctx: CIContext, path: str) -> str:
    """The PR's base commit if this clone has it, else its base branch (``origin/`` tried too).

    GitHub's event gives ``pull_request.base.sha`` and ``base.ref``; GitLab the diff base SHA
    and target branch; Azure and Bitbucket the target branch. Empty when nothing is known.
    """
    from costgate import vcs

    candidates = [c for c in (ctx.base_sha, ctx.base_ref) if c]
    if not candidates:
        return ""
    try:
        root = vcs.locate(path).root
    except vcs.GitError:
        return candidates[-1]  # gitdiff reports the missing repository with its own message
    for ref in candidates[:-1]:
        try:
            vcs.resolve(root, ref)
        except vcs.GitError:
            continue
        return ref
    return candidates[-1]


def _side(args: argparse.Namespace, path: str, currency: str) -> Estimate:
    """A saved costgate JSON estimate as is, else a plan/state priced now."""
    from costgate.commands import estimate as estimate_cmd

    saved = _saved_estimate(path)
    if saved is not None:
        return saved
    ns = argparse.Namespace(plan=path, default_region=args.default_region,
                            region_override=args.region_override, usage_file=args.usage_file
                            or os.environ.get("COSTGATE_USAGE_FILE"))
    return estimate_cmd.compute(ns, currency)


def _saved_estimate(path: str) -> Estimate | None:
    from costgate.model.estimate import Estimate

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
    return report.policy.outcome.value if report.policy is not None else "pass"


def exit_code(outcome: str, fail_on: str) -> int:
    """The gate: 1 on fail (and on warn with ``fail_on=warning``), 0 otherwise."""
    if fail_on == "never":
        return ExitCode.OK
    if outcome == "fail" or (outcome == "warn" and fail_on == "warning"):
        return ExitCode.POLICY_FAILED
    return ExitCode.OK


# --------------------------------------------------------------------------- commands


def _mask_token(ctx: CIContext, env: Mapping[str, str]) -> None:
    """On GitHub Actions, have the runner mask the token before anything else prints."""
    if ctx.platform == "github" and ctx.token and env.get("GITHUB_ACTIONS") == "true":
        from costgate.publish import github_actions as gha

        gha.add_mask(ctx.token)


def run_ci(args: argparse.Namespace) -> int:
    """Handler for ``costgate ci``."""
    from costgate.publish.ci_run import publish_run

    env = os.environ
    ctx = _context(args, env, None if args.platform in ("auto", "detect") else args.platform)
    if args.platform == "detect":
        print("\n".join(ctx.describe()))  # never the token itself
        return ExitCode.OK
    _mask_token(ctx, env)
    settings = _settings(args, env)
    report = build_report(args, env, ctx)
    outcome = outcome_of(report)
    code = exit_code(outcome, settings.fail_on)
    if code == ExitCode.OK and any(p.error for p in report.projects):
        code = ExitCode.INPUT_ERROR  # a project could not be estimated: post, then exit 2
    status = not args.no_status and env.get("COSTGATE_STATUS", "true").strip().lower() != "false"
    publish_run(ctx, report, settings, outcome=outcome, status=status, env=env)
    return code


def run_comment(args: argparse.Namespace) -> int:
    """Handler for ``costgate comment PLATFORM --report FILE``: posting is the point, so a
    failure here is an error (exit 2)."""
    from costgate.publish.ci_run import post_comment

    env = os.environ
    ctx = _context(args, env, args.platform)
    _mask_token(ctx, env)
    settings = _settings(args, env)
    report = load_report(args.report)
    if settings.behavior == "off":
        return ExitCode.OK
    result = post_comment(ctx, report, settings)
    print(f"costgate: comment {result.action}" + (f": {result.url}" if result.url else ""))
    return ExitCode.OK


def load_report(path: str) -> Report:
    """A saved ``--format json`` report (or bare estimate) back into a :class:`Report`."""
    from costgate.model.report import ProjectEntry, Report, load_document, project_estimates

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
