"""aws_elb: classic load balancer hours plus data processed per GB (usage)."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import ELB, aws_query, hours, usage_component, usage_number

USAGE = (UsageKey("monthly_data_processed_gb", float, "GB processed per month", 100),)


@pricing_rule("aws_elb", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Classic ELB: family ``Load Balancer``."""
    yield CostComponent(
        name="Classic load balancer", unit="hours", monthly_quantity=hours(),
        query=aws_query(ELB, r.region, family="Load Balancer", charge="hours"),
    )
    yield usage_component(
        "Data processed", "GB",
        aws_query(ELB, r.region, family="Load Balancer", charge="data_processed"),
        usage_number(usage, "monthly_data_processed_gb"),
    )
