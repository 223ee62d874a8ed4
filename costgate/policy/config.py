"""The policy file (``costgate-policy.yml``): a pydantic-validated schema.

Keys that users and CI scripts write are a contract (see README "Policies"). Each rule has an
``id``, a ``severity`` (info, warn, fail), optional ``select`` filters and a ``message``, and
exactly one *check* key (``max_monthly_increase``, ``budgets``, ``required_tags``, ...).
"""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from costgate.errors import ConfigError


class Severity(str, Enum):
    """What a violated rule does to the verdict."""

    INFO = "info"
    WARN = "warn"
    FAIL = "fail"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Selector(_Strict):
    """Which resources (or scopes) a rule or waiver applies to; every given field must match."""

    project: list[str] | None = None  # globs on project name
    path: list[str] | None = None  # globs on project path
    resource: list[str] | None = None  # globs on resource address (instance or config form)
    resource_type: list[str] | None = None  # globs on Terraform type
    region: list[str] | None = None  # globs on region code
    tag: dict[str, str] | None = None  # tag key -> glob on value

    @field_validator("project", "path", "resource", "resource_type", "region", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Budgets(_Strict):
    """Head-total limits per scope value: by tag (``tag: team``) or by project/environment/workspace."""

    tag: str | None = None
    scope: Literal["project", "environment", "workspace"] | None = None
    limits: dict[str, Decimal]

    @model_validator(mode="after")
    def _one_scope(self) -> Budgets:
        if (self.tag is None) == (self.scope is None):
            raise ValueError("budgets needs exactly one of 'tag' or 'scope'")
        if any(v < 0 for v in self.limits.values()):
            raise ValueError("budget limits must not be negative")
        return self


class ResourceCap(_Strict):
    """Per-resource cost cap (after the change)."""

    monthly: Decimal | None = None
    hourly: Decimal | None = None

    @model_validator(mode="after")
    def _one(self) -> ResourceCap:
        if (self.monthly is None) == (self.hourly is None):
            raise ValueError("max_resource_cost needs exactly one of 'monthly' or 'hourly'")
        return self


class AllowDeny(_Strict):
    """Glob allow and deny lists (deny wins)."""

    allow: list[str] | None = None
    deny: list[str] | None = None

    @model_validator(mode="after")
    def _some(self) -> AllowDeny:
        if not self.allow and not self.deny:
            raise ValueError("give 'allow' and/or 'deny'")
        return self


class Discouraged(_Strict):
    """Choices that work but cost more than needed; reported with the saving."""

    previous_generation: bool = False
    gp2: bool = False


CHECK_KEYS = (
    "max_monthly_increase",
    "max_monthly_increase_percent",
    "max_monthly_total",
    "budgets",
    "max_resource_cost",
    "instance_types",
    "regions",
    "required_tags",
    "discouraged",
    "unpriced",
)


class Rule(_Strict):
    """One policy rule: an id, a severity, optional selectors, a message and one check."""

    id: str = Field(min_length=1)
    severity: Severity = Severity.FAIL
    select: Selector | None = None
    message: str | None = None
    max_monthly_increase: Decimal | None = None
    max_monthly_increase_percent: Decimal | None = None
    max_monthly_total: Decimal | None = None
    budgets: Budgets | None = None
    max_resource_cost: ResourceCap | None = None
    instance_types: AllowDeny | None = None
    regions: AllowDeny | None = None
    required_tags: dict[str, list[str] | None] | None = None
    discouraged: Discouraged | None = None
    unpriced: Literal["fail-open", "fail-closed"] | None = None

    @model_validator(mode="after")
    def _exactly_one_check(self) -> Rule:
        given = [key for key in CHECK_KEYS if getattr(self, key) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(
                f"rule '{self.id}' needs exactly one check key ({', '.join(CHECK_KEYS)}); found {found}"
            )
        for key in ("max_monthly_increase", "max_monthly_increase_percent", "max_monthly_total"):
            value = getattr(self, key)
            if value is not None and value < 0:
                raise ValueError(f"rule '{self.id}': {key} must not be negative")
        return self

    @property
    def check(self) -> str:
        """The name of this rule's check key."""
        return next(key for key in CHECK_KEYS if getattr(self, key) is not None)


class Waiver(_Strict):
    """Exempt matching resources (or the whole scope) from one rule until a date."""

    rule: str
    resource: str | None = None  # glob on address
    select: Selector | None = None
    reason: str = Field(min_length=1)
    expires: dt.date

    def expired(self, today: dt.date) -> bool:
        """Waivers stop working the day after ``expires``."""
        return today > self.expires


class Policy(_Strict):
    """The whole policy file."""

    version: Literal[1]
    currency: str = "USD"
    rules: list[Rule] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Policy:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id '{rule.id}'")
            seen.add(rule.id)
        for waiver in self.waivers:
            if waiver.rule not in seen:
                raise ValueError(f"waiver names unknown rule '{waiver.rule}'")
        return self


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; any problem is one :class:`ConfigError` line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read policy file: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a policy file must be a YAML mapping with 'version: 1'")
    return parse_policy(data, str(path))


def parse_policy(data: dict[str, Any], source: str = "policy") -> Policy:
    """Validate an already-loaded mapping."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_first_error(exc)}") from None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(part) for part in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key" + _did_you_mean(str(err["loc"][-1]))
    return f"{loc}: {msg}" if loc else msg


def _did_you_mean(key: str) -> str:
    known = set(CHECK_KEYS) | set(Rule.model_fields) | set(Policy.model_fields)
    known |= set(Waiver.model_fields) | set(Selector.model_fields) | set(Budgets.model_fields)
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def policy_json_schema() -> dict[str, Any]:
    """The published JSON Schema of the policy file."""
    return Policy.model_json_schema()
