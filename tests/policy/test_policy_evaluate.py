"""Policy evaluation cases as YAML tables (tests/policy/cases/*.yml)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from costgate.policy.config import parse_policy
from costgate.policy.evaluate import evaluate
from costgate.policy.subject import PolicySubject, ProjectRow, ResourceRow, Saving

CASES = Path(__file__).parent / "cases"


def _row(data: dict[str, Any]) -> ResourceRow:
    data = dict(data)
    for key in ("monthly_before", "monthly_after"):
        if data.get(key) is not None:
            data[key] = Decimal(str(data[key]))
    data["savings"] = tuple(
        Saving(**{**s, "monthly_saving": Decimal(str(s["monthly_saving"])) if s.get("monthly_saving") is not None else None})
        for s in data.get("savings", [])
    )
    data.setdefault("provider", "aws")
    data.setdefault("action", "create")
    data.setdefault("status", "priced")
    data.setdefault("type", "aws_instance")
    return ResourceRow(**data)


def _cases() -> list[Any]:
    out = []
    for path in sorted(CASES.glob("*.yml")):
        for name, case in yaml.safe_load(path.read_text()).items():
            out.append(pytest.param(case, id=f"{path.stem}:{name}"))
    return out


@pytest.mark.parametrize("case", _cases())
def test_policy_case(case: dict[str, Any]) -> None:
    policy = parse_policy(case["policy"])
    subject = PolicySubject(
        currency="USD",
        resources=tuple(_row(r) for r in case.get("resources", [])),
        projects=tuple(
            ProjectRow(**{**p, "monthly_before": Decimal(str(p.get("monthly_before", 0))), "monthly_after": Decimal(str(p.get("monthly_after", 0)))})
            for p in case.get("projects", [])
        ),
    )
    verdict = evaluate(policy, subject, today=dt.date(2026, 11, 27))
    got = {v.rule_id: v.outcome.value for v in verdict.rules}
    assert got == case["expect"]["rules"]
    assert verdict.outcome.value == case["expect"]["overall"]
    for rule_id, needles in case["expect"].get("messages", {}).items():
        rule = next(v for v in verdict.rules if v.rule_id == rule_id)
        text = " | ".join(f"{f.address} {f.message} {f.hint}" for f in rule.findings)
        for needle in needles:
            assert needle in text, text
    for rule_id, count in case["expect"].get("waived", {}).items():
        rule = next(v for v in verdict.rules if v.rule_id == rule_id)
        assert len(rule.waived) == count
    assert len(verdict.expired_waivers) == case["expect"].get("expired_waivers", 0)
