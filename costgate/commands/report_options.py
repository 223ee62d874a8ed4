"""The report side of ``breakdown`` / ``diff``: projects, base/head inputs, policy, showback.

``costgate/commands/estimate.py`` owns the commands; this module adds their report flags and
runs them: price every project (a plan, a state or a saved costgate JSON each), build one
:class:`Report`, render it, write it atomically, and return the exit code (1 when the policy
fails, 2 when a project could not be estimated, else 0). The report is written before a
failing exit so CI can still post the comment that explains the failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from costgate.commands import _backends as backends
from costgate.errors import ConfigError, CostgateError, ExitCode, InputError

if TYPE_CHECKING:  # the models and renderers load with the first run, not with the parser
    from costgate.model.estimate import Estimate
    from costgate.model.policy import PolicyVerdict
    from costgate.model.report import ProjectEntry, Report, SavingSuggestion


def add_options(p: argparse.ArgumentParser, *, diff: bool) -> None:
    """Add the report flags; ``--plan`` becomes optional (``--project`` / ``--head`` replace it)."""
    for action in p._actions:
        if action.dest == "plan":
            action.required = False
    p.add_argument("--project", action="append", default=[], metavar="NAME=PATH",
                   help="a project (plan, state or costgate JSON); repeat for several")
    if diff:
        p.add_argument("--base", metavar="FILE",
                       help="base side: plan, state or saved costgate JSON (with --head or "
                            "--project)")
        p.add_argument("--head", metavar="FILE", help="head side: plan, state or costgate JSON")
    p.add_argument("--policy", metavar="FILE", help="budget policy (costgate-policy.yml); "
                   "exit 1 when it fails")
    p.add_argument("--group-by", metavar="KEYS", help="showback by tag keys, e.g. team,cost-center")
    p.add_argument("--max-chars", type=int, metavar="N",
                   help="markdown size limit (default 60000; github-summary 1000000)")
    p.add_argument("--comment-tag", metavar="TAG", help="tag in the hidden comment marker")
    p.add_argument("--no-details", action="store_true",
                   help="plain Markdown without <details>/HTML (e.g. Bitbucket)")


@dataclass
class _Side:
    """One priced input: its estimate and what policies need from the raw resources."""

    estimate: Estimate
    instance_types: dict[str, str | None] = field(default_factory=dict)
    savings: list[SavingSuggestion] = field(default_factory=list)


def is_costgate_json(text: str) -> dict[str, Any] | None:
    """The parsed document when ``text`` is a saved costgate JSON (schema_version + price_snapshot)."""
    if '"schema_version"' not in text or '"price_snapshot"' not in text:
        return None  # cheap pre-check: plans are large and have neither key
    try:
        data = json.loads(text)
    except ValueError:
        return None
    ok = isinstance(data, dict) and "schema_version" in data and "price_snapshot" in data
    return data if ok else None


def _load_saved(path: str, text: str, project: str | None = None) -> Estimate:
    from costgate.model.report import load_document, project_estimates

    try:
        doc = load_document(text)
    except ValueError as exc:
        raise InputError(f"{path}: not a valid costgate JSON report: "
                         f"{str(exc).splitlines()[0]}") from None
    by_project = project_estimates(doc)
    if project is None or len(by_project) == 1:
        return next(iter(by_project.values()))
    if project not in by_project:
        return _empty_like(doc)  # the project is new: every head resource is a create
    return by_project[project]


def _empty_like(est: Estimate) -> Estimate:
    from costgate.model.estimate import Counts, Estimate

    return Estimate(currency=est.currency, price_snapshot=est.price_snapshot,
                    total_monthly_cost_before=0, total_monthly_cost_after=0,
                    total_monthly_delta=0, counts=Counts())


def price_input(path: str, args: argparse.Namespace, currency: str, *, hcl: bool = False) -> _Side:
    """A plan or state file (or with ``hcl`` the ``--path`` directory), priced; or a saved
    costgate JSON, loaded as it is."""
    text = None if hcl else _read(path)
    if text is not None and is_costgate_json(text) is not None:
        est = _load_saved(path, text)
        if est.currency != currency:
            raise InputError(f"{path}: saved in {est.currency}, but this run is in {currency}")
        return _Side(est)
    from costgate.commands.estimate import region_map
    from costgate.model.report import SavingSuggestion
    from costgate.pricing.engine import estimate
    from costgate.pricing.savings import resource_facts

    registry = backends.registry()
    regions = {"default_regions": region_map(args.default_region, "DEFAULT"),
               "region_override": region_map(args.region_override, "OVERRIDE")}
    if hcl:
        from costgate.parse.hcl_cli import load_hcl_from_args

        loaded = load_hcl_from_args(args, **regions)
        assert loaded is not None  # hcl is set only when --path was given
        parsed = loaded
    else:
        parsed = backends.load_input(path, **regions)
    usage, parsed = backends.load_usage(args.usage_file, registry, parsed)
    store, snapshot = backends.open_store()
    conversion = backends.conversion(currency) if currency != "USD" else None
    est = estimate(parsed, registry=registry, store=store, usage=usage, currency=currency,
                   conversion=conversion, snapshot=snapshot)
    facts = resource_facts(parsed.changes, registry=registry, store=store, usage=usage,
                           currency=currency, conversion=conversion)
    side = _Side(est, {a: f.instance_type for a, f in facts.items()})
    side.savings = [SavingSuggestion(project="", address=a, kind=s.kind, current=s.current,
                                     suggested=s.suggested, monthly_saving=s.monthly_saving)
                    for a, f in facts.items() for s in f.savings]
    return side


def _read(path: str) -> str | None:
    """The file's text for format detection (None for stdin, which only plans use)."""
    if path == "-":
        return None
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None  # the plan loader reports it with its own one-line message


def _projects(args: argparse.Namespace) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for flag in args.project:
        name, sep, path = flag.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise InputError(f"bad --project {flag!r}: expected NAME=PATH")
        if any(n == name.strip() for n, _ in out):
            raise InputError(f"duplicate --project name {name.strip()!r}")
        out.append((name.strip(), path.strip()))
    return out


def _check_inputs(args: argparse.Namespace, projects: list[tuple[str, str]]) -> None:
    base, head = getattr(args, "base", None), getattr(args, "head", None)
    hcl = getattr(args, "path", None)
    given = [x for x in (args.plan and "--plan", hcl and "--path", projects and "--project",
                         head and "--head") if x]
    if len(given) != 1:
        raise InputError("give exactly one of --plan, --path, --project NAME=PATH or "
                         f"--base/--head (got {', '.join(given) if given else 'none'})")
    if head and not base:
        raise InputError("--head needs --base")
    if base and args.plan:
        raise InputError("--base goes with --head or --project, not --plan")
    if base and projects and is_costgate_json(_read(base) or "") is None:
        raise InputError(f"{base}: with --project, --base must be a saved costgate JSON report")


def _build_projects(args: argparse.Namespace, currency: str) -> tuple[list[ProjectEntry], dict[
        tuple[str, str], str | None], list[SavingSuggestion]]:
    from costgate.model.report import ProjectEntry

    projects = _projects(args)
    _check_inputs(args, projects)
    base, head = getattr(args, "base", None), getattr(args, "head", None)
    hcl = bool(getattr(args, "path", None)) and not projects and not head
    if not projects:
        path = head or args.plan or args.path
        projects = [(path, path)]
    entries, types, savings = [], {}, []
    base_text = _read(base) if base else None
    for name, path in projects:
        try:
            side = price_input(path, args, currency, hcl=hcl)
            est = side.estimate
            if base:
                from costgate.diff import diff_estimates

                if base_text is not None and is_costgate_json(base_text) is not None:
                    base_est = _load_saved(base, base_text, name if args.project else None)
                else:
                    base_est = price_input(base, args, currency).estimate
                est = diff_estimates(base_est, est)
        except CostgateError as exc:
            if len(projects) == 1:
                raise
            entries.append(ProjectEntry(name=name, path=path, error=str(exc)))
            continue
        entries.append(ProjectEntry(name=name, path=path, estimate=est))
        types.update({(name, a): t for a, t in side.instance_types.items()})
        savings += [s.model_copy(update={"project": name}) for s in side.savings]
    return entries, types, savings


def _policy(args: argparse.Namespace) -> tuple[Any, str | None]:
    if not args.policy:
        return None, None
    from costgate.policy.config import load_policy

    policy = load_policy(Path(args.policy))
    return policy, policy.currency


def build_report(args: argparse.Namespace, currency: str | None, *,
                 kind: Literal["breakdown", "diff"]) -> Report:
    """Everything the renderers need, from the parsed flags."""
    from costgate.model.estimate import PriceSnapshot
    from costgate.model.report import Report
    from costgate.report.showback import parse_group_by, showback

    keys = parse_group_by(args.group_by)
    policy, policy_ccy = _policy(args)  # a bad policy file fails before any pricing
    if currency is None:
        currency = policy_ccy or "USD"
    if policy_ccy is not None and policy_ccy != currency:
        raise ConfigError(f"{args.policy}: policy amounts are in {policy_ccy} but the estimate is "
                          f"in {currency}; use --currency {policy_ccy}")
    entries, types, savings = _build_projects(args, currency)
    snapshot = next((e.estimate.price_snapshot for e in entries if e.estimate), None)
    report = Report.build(entries, kind=kind, currency=currency,
                          price_snapshot=snapshot or PriceSnapshot(id="unknown"), savings=savings)
    update: dict[str, Any] = {}
    if keys:
        update["showback"] = showback((r for _, r in report.resources()), keys)
    if policy is not None:
        from costgate.policy.evaluate import evaluate
        from costgate.report.subject import policy_subject

        update["policy"] = evaluate(policy, policy_subject(report, types),
                                    today=dt.date.today(), source=args.policy)
    return report.model_copy(update=update) if update else report


def run(args: argparse.Namespace, *, diff: bool, currency: str | None) -> int:
    """Build, render and write the report; the exit code follows the verdict and errors."""
    from costgate.commands.estimate import write_output
    from costgate.report.formats import OutputFormat, ReportOptions, TableOptions, render

    fmt = OutputFormat(args.format)
    if args.max_chars is not None and args.max_chars < 1000:
        raise InputError(f"bad --max-chars {args.max_chars}: must be at least 1000")
    if args.comment_tag and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}", args.comment_tag):
        raise InputError(f"bad --comment-tag {args.comment_tag!r}: use 1-64 letters, digits, "
                         "'.', '_', '/', '-'")
    report = build_report(args, currency, kind="diff" if diff else "breakdown")
    text = render(fmt, report, TableOptions(diff=diff, show_skipped=args.show_skipped),
                  ReportOptions(max_chars=args.max_chars, details=not args.no_details,
                                tag=args.comment_tag))
    _warn_incomplete(report)
    write_output(text, args.out)
    return exit_code(report.policy, report)


def _warn_incomplete(report: Report) -> None:
    for p in report.projects:
        meta = p.estimate.metadata if p.estimate else None
        if meta is not None and (meta.errored or not meta.complete):
            state = "errored" if meta.errored else "partial (complete: false)"
            print(f"costgate: warning: the plan is {state}; the estimate is incomplete",
                  file=sys.stderr)
        elif p.error:
            print(f"costgate: error: project {p.name}: {p.error}", file=sys.stderr)


def exit_code(verdict: PolicyVerdict | None, report: Report) -> int:
    """1 when the policy fails, 2 when a project could not be estimated, else 0."""
    from costgate.model.policy import Outcome

    if verdict is not None and verdict.outcome is Outcome.FAIL:
        failed = [r.rule_id for r in verdict.rules if r.outcome is Outcome.FAIL]
        print(f"costgate: policy failed: {', '.join(failed)}", file=sys.stderr)
        return int(ExitCode.POLICY_FAILED)
    if any(p.error for p in report.projects):
        return int(ExitCode.INPUT_ERROR)
    return int(ExitCode.OK)


def env_currency(flag: str | None) -> str | None:
    """``--currency`` over ``COSTGATE_CURRENCY``; None lets the policy's currency decide."""
    return flag or os.environ.get("COSTGATE_CURRENCY") or None
