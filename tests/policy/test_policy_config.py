from __future__ import annotations

import json
from pathlib import Path

import pytest

from costgate.errors import ConfigError
from costgate.policy import evaluate as evaluate_mod
from costgate.policy.config import CHECK_KEYS, load_policy, parse_policy, policy_json_schema

REPO = Path(__file__).resolve().parents[2]

CONTRACT = """\
version: 1
currency: USD
rules:
  - id: monthly-increase
    max_monthly_increase: 500          # absolute, policy currency
    severity: fail
  - id: percent-increase
    max_monthly_increase_percent: 20
    severity: warn
  - id: total
    max_monthly_total: 10000
  - id: team-budgets
    budgets: {tag: team, limits: {payments: 2000, search: 500}}
  - id: tags
    required_tags: {team: null, environment: [dev, staging, prod]}
waivers:
  - rule: monthly-increase
    resource: "module.batch.*"
    reason: "approved by FinOps, ticket 123"
    expires: 2027-01-31
"""


def test_contract_keys_load(tmp_path: Path) -> None:
    path = tmp_path / "costgate-policy.yml"
    path.write_text(CONTRACT)
    policy = load_policy(path)
    assert [r.check for r in policy.rules] == [
        "max_monthly_increase",
        "max_monthly_increase_percent",
        "max_monthly_total",
        "budgets",
        "required_tags",
    ]
    assert policy.rules[2].severity.value == "fail"  # default severity
    assert str(policy.waivers[0].expires) == "2027-01-31"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 2\nrules: []\n", "version"),
        ("version: 1\nrules:\n  - id: a\n    max_monthly_increse: 5\n", "did you mean 'max_monthly_increase'"),
        ("version: 1\nrules:\n  - id: a\n", "exactly one check key"),
        ("version: 1\nrules:\n  - id: a\n    max_monthly_total: 1\n    max_monthly_increase: 1\n", "found max_monthly_increase, max_monthly_total"),
        ("version: 1\nrules:\n  - id: a\n    max_monthly_total: -1\n", "must not be negative"),
        ("version: 1\nrules:\n  - id: a\n    max_monthly_total: lots\n", "rules.0.max_monthly_total"),
        ("version: 1\nrules:\n  - id: a\n    max_monthly_total: 1\n  - id: a\n    max_monthly_total: 2\n", "duplicate rule id"),
        ("version: 1\nrules: []\nwaivers:\n  - rule: nope\n    reason: x\n    expires: 2027-01-01\n", "unknown rule 'nope'"),
        ("version: 1\nrules:\n  - id: b\n    budgets: {limits: {a: 1}}\n", "exactly one of 'tag' or 'scope'"),
        ("version: 1\nrules:\n  - id: b\n    severity: fatal\n    max_monthly_total: 1\n", "rules.0.severity"),
        ("- just a list\n", "YAML mapping"),
        ("version: 1\nrules: [\n", "not valid YAML at line"),
    ],
)
def test_bad_policy_is_one_clear_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "p.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_policy(path)
    message = str(err.value)
    assert expected in message
    assert "\n" not in message
    assert str(path) in message


def test_missing_file_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read policy file"):
        load_policy(tmp_path / "absent.yml")


def test_every_check_key_has_an_evaluator() -> None:
    assert set(CHECK_KEYS) == set(evaluate_mod._CHECKS)


def test_published_schema_is_current() -> None:
    published = json.loads((REPO / "costgate" / "schema" / "policy.v1.json").read_text())
    assert published == policy_json_schema()


def test_example_policy_is_valid() -> None:
    policy = load_policy(REPO / "examples" / "costgate-policy.yml")
    assert policy.rules


def test_parse_policy_accepts_mapping() -> None:
    policy = parse_policy({"version": 1, "rules": [{"id": "t", "max_monthly_total": 5}]})
    assert policy.rules[0].max_monthly_total == 5
