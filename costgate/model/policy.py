"""Policy verdicts: what the budget gate decided and why (rendered by every report)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from costgate.model.base import Frozen


class Outcome(str, Enum):
    """Verdict of one rule and of the whole policy; ``fail`` sets exit code 1."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


class Finding(Frozen):
    """One violation (or note) of a rule, with what to do about it."""

    message: str
    address: str | None = None
    scope: str | None = None  # e.g. "team=payments", "project=prod"
    actual: Decimal | None = None
    limit: Decimal | None = None
    hint: str | None = None  # what to do: "did you mean 'prod'?", "gp3 saves $2.00/month"
    waived_by: str | None = None  # waiver reason when the finding is waived


class RuleVerdict(Frozen):
    """The outcome of one rule."""

    rule_id: str
    check: str
    severity: str
    outcome: Outcome
    summary: str
    findings: tuple[Finding, ...] = ()
    waived: tuple[Finding, ...] = ()


class ExpiredWaiver(Frozen):
    """A waiver past its expiry date: it no longer applies and is reported."""

    rule: str
    resource: str | None
    reason: str
    expires: dt.date


class PolicyVerdict(Frozen):
    """Every rule's verdict and the overall outcome."""

    outcome: Outcome
    currency: str
    rules: tuple[RuleVerdict, ...] = ()
    expired_waivers: tuple[ExpiredWaiver, ...] = ()
    source: str | None = None  # policy file path


@dataclass(frozen=True)
class Saving:
    """A cheaper equivalent for a discouraged choice, with its monthly saving."""

    kind: str  # previous_generation | gp2
    current: str
    suggested: str
    monthly_saving: Decimal | None  # None when the price of one side is unknown
