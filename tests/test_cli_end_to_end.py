"""The real CLI on the shipped example, snapshot and rules (no fakes)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from costgate.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "plan.json"


def test_example_diff_json(tmp_path: Path) -> None:
    out = tmp_path / "est.json"
    assert main(["diff", "--plan", str(EXAMPLE), "--format", "json", "--out", str(out)]) == 0
    est = json.loads(out.read_text())
    by = {r["address"]: r for r in est["resources"]}
    web = by["module.app.aws_instance.web[0]"]
    assert web["action"] == "update"
    instance = next(c for c in web["components"] if c["name"].startswith("Instance usage"))
    # m5.large us-east-1: 0.096 USD/h (Karpenter 2026-07-20 and QuinnyPig 2025-06 agree) x 730 h
    assert (instance["unit_price"], instance["monthly_cost"]) == ("0.096", "70.08")
    nat = by["module.network.aws_nat_gateway.this[0]"]
    assert nat["monthly_cost_after"] == "32.85"  # 0.045/h x 730
    assert sum(est["counts"].values()) == len(est["resources"])
    delta = Decimal(est["total_monthly_cost_after"]) - Decimal(est["total_monthly_cost_before"])
    assert Decimal(est["total_monthly_delta"]) == delta
    assert est["price_snapshot"]["id"] == json.loads((REPO / "pricing_cache" / "manifest.json").read_text())["snapshot_id"]


@pytest.mark.parametrize(("field", "value"), [("size", -5), ("size", 10**12)])
def test_absurd_values_exit_2_one_line_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: int
) -> None:
    plan = json.loads(EXAMPLE.read_text())
    for rc in plan["resource_changes"]:
        if rc["type"] == "aws_ebs_volume":
            rc["change"]["before"][field] = value
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps(plan))
    out = tmp_path / "out.json"
    assert main(["diff", "--plan", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("costgate: error: aws_ebs_volume.scratch: ")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_example_policy_gates(tmp_path: Path) -> None:
    policy = REPO / "examples" / "costgate-policy.yml"
    # the example's change is small: pass or warn → 0
    assert main(["diff", "--plan", str(EXAMPLE), "--policy", str(policy), "--out", str(tmp_path / "a.md"), "--format", "markdown"]) == 0
    tight = tmp_path / "tight.yml"
    tight.write_text("version: 1\nrules:\n  - id: inc\n    max_monthly_increase: 1\n")
    assert main(["diff", "--plan", str(EXAMPLE), "--policy", str(tight), "--out", str(tmp_path / "b.md"), "--format", "markdown"]) == 1
    assert "inc" in (tmp_path / "b.md").read_text()
