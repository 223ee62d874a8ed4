"""Hand-built estimates and reports for the renderer tests (no engine, no price store).

Prices are real AWS us-east-1 on-demand Linux figures (m5.large $0.096/h, m5.xlarge $0.192/h,
m3.large $0.133/h; NAT gateway $0.045/h and $0.045/GB; gp2 $0.10/GB-month; Lambda
$0.20 per 1M requests) as found in ../shared/pricing-sources.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from costgate.model.estimate import (
    ComponentCost,
    Counts,
    Estimate,
    EstimateMetadata,
    PriceSnapshot,
    ResourceCostChange,
    ResourceStatus,
)
from costgate.model.pricing import PriceStatus
from costgate.model.report import ProjectEntry, Report, SavingSuggestion
from costgate.model.resource import Action

SNAP = PriceSnapshot(id="aws-2026-07-20-abc123", date=dt.date(2026, 7, 20))
D = Decimal
HOURS = D(730)


def hours(instance_type: str, price: str) -> ComponentCost:
    """An on-demand instance-hours component (730 h)."""
    return ComponentCost(
        name=f"Instance usage (Linux/UNIX, on-demand, {instance_type})", unit="hours",
        monthly_quantity=HOURS, unit_price=D(price), monthly_cost=HOURS * D(price),
        price_id=f"JRTCKXETXF.{instance_type}", price_date=dt.date(2026, 7, 20),
        price_source="aws-bulk")


def usage(name: str, unit: str, price: str) -> ComponentCost:
    """A usage-based component without a usage value."""
    return ComponentCost(name=name, unit=unit, unit_price=D(price), usage_based=True,
                         price_status=PriceStatus.USAGE_UNKNOWN, price_source="aws-bulk")


def rcc(address: str, action: Action, before: Decimal | None, after: Decimal | None,
        comps: tuple[ComponentCost, ...] = (), *, status: ResourceStatus = ResourceStatus.PRICED,
        type_: str | None = None, **kw: Any) -> ResourceCostChange:
    """One resource row; the type defaults to the address's type part."""
    t = type_ or address.split("[")[0].split(".")[-2]
    delta = None if before is None or after is None else after - before
    return ResourceCostChange(address=address, type=t, provider="aws", region="us-east-1",
                              action=action, status=status, monthly_cost_before=before,
                              monthly_cost_after=after, monthly_delta=delta, components=comps,
                              **kw)


def estimate(*resources: ResourceCostChange, source: str = "plan.json") -> Estimate:
    """Totals and counts computed from the rows (as the engine does)."""
    z = D(0)
    before = sum((r.monthly_cost_before or z for r in resources), z)
    after = sum((r.monthly_cost_after or z for r in resources), z)
    counts = {s.value: sum(r.status is s for r in resources) for s in ResourceStatus}
    unsupported: dict[str, int] = {}
    for r in resources:
        if r.status is ResourceStatus.UNSUPPORTED:
            unsupported[r.type] = unsupported.get(r.type, 0) + 1
    return Estimate(currency="USD", price_snapshot=SNAP, total_monthly_cost_before=before,
                    total_monthly_cost_after=after, total_monthly_delta=after - before,
                    counts=Counts(**counts), unsupported_types=unsupported,
                    resources=resources, metadata=EstimateMetadata(source=source))


def web_estimate() -> Estimate:
    """A diff: an instance resized, a NAT gateway added, an old instance removed, and more."""
    m5l, m5xl = hours("m5.large", "0.096"), hours("m5.xlarge", "0.192")
    nat = ComponentCost(name="NAT gateway", unit="hours", monthly_quantity=HOURS,
                        unit_price=D("0.045"), monthly_cost=HOURS * D("0.045"),
                        price_id="NAT.hours", price_source="curated-aws")
    return estimate(
        rcc("aws_instance.web", Action.UPDATE, m5l.monthly_cost, m5xl.monthly_cost, (m5xl,),
            components_before=(m5l,), tags={"team": "payments", "environment": "prod"}),
        rcc("aws_nat_gateway.main", Action.CREATE, D(0), nat.monthly_cost,
            (nat, usage("Data processed", "GB", "0.045")), tags={"team": "search"}),
        rcc("aws_instance.legacy", Action.UPDATE, D(0) + hours("m3.large", "0.133").monthly_cost,
            hours("m3.large", "0.133").monthly_cost, (hours("m3.large", "0.133"),),
            tags={"team": "payments", "environment": "prod"}),
        rcc("aws_instance.old", Action.DELETE, m5l.monthly_cost, D(0), (m5l,)),
        rcc("aws_lambda_function.api", Action.CREATE, D(0), None,
            (usage("Requests", "1M requests", "0.20"),), status=ResourceStatus.USAGE_BASED),
        rcc("aws_iam_role.app", Action.NOOP, D(0), D(0), status=ResourceStatus.FREE),
        rcc("aws_widget_thing.w", Action.CREATE, None, None, status=ResourceStatus.UNSUPPORTED),
    )


def data_estimate() -> Estimate:
    """A second project: one gp2 volume (100 GB at $0.10)."""
    gp2 = ComponentCost(name="Storage (general purpose SSD, gp2)", unit="GB",
                        monthly_quantity=D(100), unit_price=D("0.10"), monthly_cost=D(10),
                        price_id="HY3BZPP2B6K8MSJF.gp2", price_source="aws-bulk")
    return estimate(rcc("aws_ebs_volume.data", Action.CREATE, D(0), D(10), (gp2,),
                        tags={"team": "search", "environment": "dev"}), source="data/plan.json")


def two_project_report(**kw: Any) -> Report:
    """Two projects and one saving (m3.large → m5.large: 97.09 - 70.08 = 27.01)."""
    return Report.build(
        [ProjectEntry(name="web", path="web/plan.json", estimate=web_estimate()),
         ProjectEntry(name="data", path="data/plan.json", estimate=data_estimate())],
        kind="diff",
        savings=[SavingSuggestion(project="web", address="aws_instance.legacy",
                                  kind="previous_generation", current="m3.large",
                                  suggested="m5.large", monthly_saving=D("27.01"))],
        **kw,
    )
