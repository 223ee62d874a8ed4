"""Evaluate a policy against a subject: per-rule verdicts and the overall outcome.

Rules that compare a sum (increase, percentage, total, budgets) sum the selected resources
that are not waived; per-resource rules (caps, allow/deny lists, tags, discouraged choices,
unpriced) report one finding per offending resource. A waiver with a ``resource`` glob or
``select`` exempts the matching resources; a waiver with neither waives the whole rule.
Expired waivers never apply and are listed in the verdict.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable
from decimal import Decimal
from fnmatch import fnmatchcase

from costgate.model.money import HOURS_PER_MONTH, round_money
from costgate.model.policy import ExpiredWaiver, Finding, Outcome, PolicyVerdict, RuleVerdict
from costgate.policy.config import AllowDeny, Policy, Rule, Selector, Severity, Waiver
from costgate.policy.subject import PolicySubject, ResourceRow

_ZERO = Decimal(0)


def evaluate(
    policy: Policy, subject: PolicySubject, *, today: dt.date, source: str | None = None
) -> PolicyVerdict:
    """Judge ``subject`` against every rule of ``policy`` as of ``today``."""
    active = [w for w in policy.waivers if not w.expired(today)]
    expired = tuple(
        ExpiredWaiver(rule=w.rule, resource=w.resource, reason=w.reason, expires=w.expires)
        for w in policy.waivers
        if w.expired(today)
    )
    verdicts = tuple(
        _evaluate_rule(rule, subject, [w for w in active if w.rule == rule.id], policy.currency)
        for rule in policy.rules
    )
    outcome = Outcome.PASS
    if any(v.outcome is Outcome.FAIL for v in verdicts):
        outcome = Outcome.FAIL
    elif any(v.outcome is Outcome.WARN for v in verdicts):
        outcome = Outcome.WARN
    return PolicyVerdict(
        outcome=outcome,
        currency=policy.currency,
        rules=verdicts,
        expired_waivers=expired,
        source=source,
    )


def selector_matches(selector: Selector | None, row: ResourceRow) -> bool:
    """True when every field the selector gives matches the resource."""
    if selector is None:
        return True
    checks: list[tuple[list[str] | None, Iterable[str]]] = [
        (selector.project, [row.project]),
        (selector.path, [row.path]),
        (selector.resource, [row.address, row.config_address]),
        (selector.resource_type, [row.type]),
        (selector.region, [row.region or ""]),
    ]
    for globs, values in checks:
        if globs is not None and not any(fnmatchcase(v, g) for g in globs for v in values):
            return False
    if selector.tag:
        for key, pattern in selector.tag.items():
            if key not in row.tags or not fnmatchcase(row.tags[key], pattern):
                return False
    return True


def _waiver_for(waivers: list[Waiver], row: ResourceRow) -> Waiver | None:
    for waiver in waivers:
        if waiver.resource is None and waiver.select is None:
            return waiver
        by_resource = waiver.resource is None or any(
            fnmatchcase(a, waiver.resource) for a in (row.address, row.config_address)
        )
        if by_resource and selector_matches(waiver.select, row):
            return waiver
    return None


def _evaluate_rule(
    rule: Rule, subject: PolicySubject, waivers: list[Waiver], currency: str
) -> RuleVerdict:
    rows = [r for r in subject.resources if selector_matches(rule.select, r)]
    whole = next((w for w in waivers if w.resource is None and w.select is None), None)
    kept: list[ResourceRow] = []
    waived_rows: list[tuple[ResourceRow, Waiver]] = []
    for row in rows:
        waiver = _waiver_for(waivers, row)
        if waiver is not None and waiver is not whole:
            waived_rows.append((row, waiver))
        else:
            kept.append(row)
    findings, summary = _CHECKS[rule.check](rule, kept, subject, currency)
    waived = tuple(
        Finding(message="exempt from this rule", address=row.address, waived_by=w.reason)
        for row, w in waived_rows
    )
    if whole is not None and findings:
        waived += tuple(f.model_copy(update={"waived_by": whole.reason}) for f in findings)
        findings = []
    if rule.message and findings:
        findings = [f.model_copy(update={"hint": f.hint or rule.message}) for f in findings]
    outcome = Outcome.PASS
    if findings and rule.severity is Severity.FAIL:
        outcome = Outcome.FAIL
    elif findings and rule.severity is Severity.WARN:
        outcome = Outcome.WARN
    return RuleVerdict(
        rule_id=rule.id,
        check=rule.check,
        severity=rule.severity.value,
        outcome=outcome,
        summary=summary,
        findings=tuple(findings),
        waived=waived,
    )


CheckFn = Callable[[Rule, list[ResourceRow], PolicySubject, str], tuple[list[Finding], str]]


def _money(value: Decimal, currency: str) -> str:
    return f"{round_money(value):,} {currency}"


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    return sum((v or _ZERO for v in values), _ZERO)


def _check_increase(
    rule: Rule, rows: list[ResourceRow], _s: PolicySubject, ccy: str
) -> tuple[list[Finding], str]:
    assert rule.max_monthly_increase is not None
    delta = _sum(r.monthly_delta for r in rows)
    limit = rule.max_monthly_increase
    summary = f"monthly change {_money(delta, ccy)} (limit +{_money(limit, ccy)})"
    if delta > limit:
        msg = f"monthly cost rises by {_money(delta, ccy)}, above the limit of {_money(limit, ccy)}"
        return [
            Finding(
                message=msg,
                actual=delta,
                limit=limit,
                hint="reduce the change, or add a waiver with a reason and expiry",
            )
        ], summary
    return [], summary


def _check_percent(
    rule: Rule, rows: list[ResourceRow], _s: PolicySubject, ccy: str
) -> tuple[list[Finding], str]:
    assert rule.max_monthly_increase_percent is not None
    before = _sum(r.monthly_before for r in rows)
    after = _sum(r.monthly_after for r in rows)
    limit = rule.max_monthly_increase_percent
    if before == 0:
        return [], "skipped: the baseline is zero"
    pct = (after - before) / before * 100
    summary = f"monthly change {pct.quantize(Decimal('0.1'))}% (limit {limit}%)"
    if pct > limit:
        msg = f"monthly cost rises by {pct.quantize(Decimal('0.1'))}% ({_money(before, ccy)} → {_money(after, ccy)}), above {limit}%"
        return [Finding(message=msg, actual=pct, limit=limit)], summary
    return [], summary


def _check_total(
    rule: Rule, rows: list[ResourceRow], _s: PolicySubject, ccy: str
) -> tuple[list[Finding], str]:
    assert rule.max_monthly_total is not None
    after = _sum(r.monthly_after for r in rows)
    limit = rule.max_monthly_total
    summary = f"monthly total {_money(after, ccy)} (limit {_money(limit, ccy)})"
    if after > limit:
        return [
            Finding(
                message=f"monthly total {_money(after, ccy)} exceeds {_money(limit, ccy)}",
                actual=after,
                limit=limit,
            )
        ], summary
    return [], summary


def _check_budgets(
    rule: Rule, rows: list[ResourceRow], subject: PolicySubject, ccy: str
) -> tuple[list[Finding], str]:
    budgets = rule.budgets
    assert budgets is not None
    totals: dict[str, Decimal] = {}
    if budgets.tag is not None:
        for row in rows:
            value = row.tags.get(budgets.tag)
            if value is not None:
                totals[value] = totals.get(value, _ZERO) + (row.monthly_after or _ZERO)
        label = budgets.tag
    else:
        label = budgets.scope or "project"
        for project in subject.projects:
            key = {
                "project": project.name,
                "environment": project.environment,
                "workspace": project.workspace,
            }[label]
            if key is not None:
                totals[key] = totals.get(key, _ZERO) + project.monthly_after
    findings = [
        Finding(
            message=f"{label}={name}: monthly total {_money(totals.get(name, _ZERO), ccy)} exceeds its budget of {_money(limit, ccy)}",
            scope=f"{label}={name}",
            actual=totals.get(name, _ZERO),
            limit=limit,
        )
        for name, limit in sorted(budgets.limits.items())
        if totals.get(name, _ZERO) > limit
    ]
    summary = ", ".join(
        f"{label}={n}: {_money(totals.get(n, _ZERO), ccy)}/{_money(lim, ccy)}"
        for n, lim in sorted(budgets.limits.items())
    )
    return findings, summary


def _check_resource_cap(
    rule: Rule, rows: list[ResourceRow], _s: PolicySubject, ccy: str
) -> tuple[list[Finding], str]:
    cap = rule.max_resource_cost
    assert cap is not None
    findings = []
    for row in rows:
        if not row.exists_after or row.monthly_after is None:
            continue
        if cap.hourly is not None:
            value, limit, per = row.monthly_after / HOURS_PER_MONTH, cap.hourly, "hour"
        else:
            assert cap.monthly is not None
            value, limit, per = row.monthly_after, cap.monthly, "month"
        if value > limit:
            findings.append(
                Finding(
                    message=f"costs {_money(value, ccy)} per {per}, above the cap of {_money(limit, ccy)}",
                    address=row.address,
                    actual=value,
                    limit=limit,
                )
            )
    return findings, f"{len(findings)} resource(s) above the cap"


def _allow_deny(lists: AllowDeny, value: str) -> str | None:
    if lists.deny and any(fnmatchcase(value, g) for g in lists.deny):
        return "is on the deny list"
    if lists.allow and not any(fnmatchcase(value, g) for g in lists.allow):
        return f"is not allowed (allowed: {', '.join(lists.allow)})"
    return None


def _disallowed(
    lists: AllowDeny, rows: list[ResourceRow], noun: str, value_of: Callable[[ResourceRow], str | None]
) -> list[Finding]:
    """A finding per existing resource whose value (instance type, region) the lists reject."""
    findings = []
    for row in rows:
        value = value_of(row)
        if row.exists_after and value:
            problem = _allow_deny(lists, value)
            if problem:
                findings.append(Finding(message=f"{noun} {value} {problem}", address=row.address))
    return findings


def _check_instance_types(
    rule: Rule, rows: list[ResourceRow], _s: PolicySubject, _c: str
) -> tuple[list[Finding], str]:
    assert rule.instance_types is not None
    findings = _disallowed(rule.instance_types, rows, "instance type", lambda r: r.instance_type)
    return findings, f"{len(findings)} resource(s) with a disallowed instance type"


def _check_regions(
    rule: Rule, rows: list[ResourceRow], _s: PolicySubject, _c: str
) -> tuple[list[Finding], str]:
    assert rule.regions is not None
    findings = _disallowed(rule.regions, rows, "region", lambda r: r.region)
    return findings, f"{len(findings)} resource(s) in a disallowed region"


def _check_tags(
    rule: Rule, rows: list[ResourceRow], _s: PolicySubject, _c: str
) -> tuple[list[Finding], str]:
    required = rule.required_tags
    assert required is not None
    findings = []
    checked = 0
    for row in rows:
        if not row.exists_after or row.status not in ("priced", "usage_based"):
            continue
        checked += 1
        lowered = {k.lower(): k for k in row.tags}
        for key, allowed in sorted(required.items()):
            if key not in row.tags:
                near = lowered.get(key.lower()) or next(
                    iter(difflib.get_close_matches(key, list(row.tags), n=1)), None
                )
                hint = (
                    f"did you mean tag '{near}'? tag keys are case-sensitive"
                    if near
                    else f"add tag '{key}'"
                )
                findings.append(
                    Finding(message=f"missing required tag '{key}'", address=row.address, hint=hint)
                )
            elif allowed is not None and row.tags[key] not in allowed:
                value = row.tags[key]
                near_values = difflib.get_close_matches(
                    value.lower(), [a.lower() for a in allowed], n=1, cutoff=0.5
                )
                match = next(
                    (a for a in allowed if near_values and a.lower() == near_values[0]), None
                )
                hint = f"did you mean '{match}'?" if match else f"use one of: {', '.join(allowed)}"
                findings.append(
                    Finding(
                        message=f"tag '{key}' has value '{value}', not an allowed value",
                        address=row.address,
                        hint=hint,
                    )
                )
    return findings, f"{checked} cost-bearing resource(s) checked, {len(findings)} problem(s)"


def _check_discouraged(
    rule: Rule, rows: list[ResourceRow], _s: PolicySubject, ccy: str
) -> tuple[list[Finding], str]:
    choice = rule.discouraged
    assert choice is not None
    wanted = {
        k
        for k, on in (("previous_generation", choice.previous_generation), ("gp2", choice.gp2))
        if on
    }
    findings = []
    for row in rows:
        if not row.exists_after:
            continue
        for saving in row.savings:
            if saving.kind not in wanted:
                continue
            amount = (
                f"saves {_money(saving.monthly_saving, ccy)}/month"
                if saving.monthly_saving is not None
                else "saving not priced"
            )
            findings.append(
                Finding(
                    message=f"{saving.current} is a discouraged choice ({saving.kind.replace('_', ' ')})",
                    address=row.address,
                    actual=saving.monthly_saving,
                    hint=f"use {saving.suggested}: {amount}",
                )
            )
    return findings, f"{len(findings)} discouraged choice(s)"


def _check_unpriced(
    rule: Rule, rows: list[ResourceRow], _s: PolicySubject, _c: str
) -> tuple[list[Finding], str]:
    gaps = [
        r for r in rows if r.exists_after and (r.status == "unsupported" or r.unpriced_components)
    ]
    if rule.unpriced == "fail-open":
        return [], f"{len(gaps)} unsupported or unpriced resource(s) allowed (fail-open)"
    findings = [
        Finding(
            message="resource type not supported by costgate"
            if r.status == "unsupported"
            else f"{r.unpriced_components} cost component(s) not in price snapshot",
            address=r.address,
            hint="run `costgate pricing update`, add a waiver, or switch this rule to fail-open",
        )
        for r in gaps
    ]
    return findings, f"{len(gaps)} unsupported or unpriced resource(s) (fail-closed)"


_CHECKS: dict[str, CheckFn] = {
    "max_monthly_increase": _check_increase,
    "max_monthly_increase_percent": _check_percent,
    "max_monthly_total": _check_total,
    "budgets": _check_budgets,
    "max_resource_cost": _check_resource_cap,
    "instance_types": _check_instance_types,
    "regions": _check_regions,
    "required_tags": _check_tags,
    "discouraged": _check_discouraged,
    "unpriced": _check_unpriced,
}
