"""aws_nat_gateway: hourly charge plus data processed per GB (usage)."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import EC2, aws_query, hours, usage_component, usage_number

USAGE = (UsageKey("monthly_data_processed_gb", float, "GB processed by the gateway per month", 100),)


@pricing_rule("aws_nat_gateway", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Public and private NAT gateways are priced alike (``connectivity_type`` does not matter)."""
    yield CostComponent(
        name="NAT gateway", unit="hours", monthly_quantity=hours(),
        query=aws_query(EC2, r.region, family="NAT Gateway", charge="hours"),
    )
    yield usage_component(
        "Data processed", "GB", aws_query(EC2, r.region, family="NAT Gateway", charge="data_processed"),
        usage_number(usage, "monthly_data_processed_gb"),
    )
