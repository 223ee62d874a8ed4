"""The shipped example plan: real loader, real rules, every resource classified."""

from __future__ import annotations

from pathlib import Path

from engine_fakes import REAL_RECORDS, FakeStore

from costgate.model.estimate import ResourceStatus
from costgate.model.resource import Action
from costgate.parse.loader import load_input
from costgate.parse.usage import load_usage_file
from costgate.pricing.engine import estimate
from costgate.pricing.rules import default_registry

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_example_plan_diff_is_meaningful() -> None:
    parsed = load_input(EXAMPLES / "plan.json")
    registry = default_registry()
    usage = load_usage_file(EXAMPLES / "costgate-usage.yml", registry)
    est = estimate(parsed, registry=registry, store=FakeStore(REAL_RECORDS), usage=usage)
    rows = {r.address: r for r in est.resources}
    assert len(rows) == 14 and not any(a.startswith("data.") for a in rows)
    assert all(r.region == "us-east-1" for r in rows.values())  # from var.region
    assert rows["module.app.aws_instance.web[0]"].action is Action.UPDATE
    assert rows["aws_instance.bastion"].action is Action.REPLACE
    assert rows["aws_ebs_volume.scratch"].action is Action.DELETE
    assert rows["aws_iam_role.lambda"].status is ResourceStatus.FREE
    assert rows["aws_security_group.web"].status is ResourceStatus.FREE
    assert est.unsupported_types == {"aws_mq_broker": 1}
    # m5.large is in the fake store; the update costs more after than before
    web = rows["module.app.aws_instance.web[0]"]
    assert web.monthly_cost_after is not None and web.components_before is not None
    assert web.components[0].name.endswith("m5.large)")
    # the usage file prices the NAT gateway's data processing
    nat = rows["module.network.aws_nat_gateway.this[0]"]
    assert any(c.usage_based and c.monthly_cost for c in nat.components)
    assert sum(est.counts.model_dump().values()) == 14
