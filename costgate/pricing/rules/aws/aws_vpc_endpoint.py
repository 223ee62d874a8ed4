"""aws_vpc_endpoint: interface endpoints per AZ-hour plus tiered GB processed; gateways are free.

An interface endpoint places one network interface per subnet (one subnet per AZ), each billed
per hour; data processed is usage, tiered at 1 PB and 5 PB a month. A Gateway Load Balancer
endpoint is one interface with its own hourly and per-GB meters. Gateway endpoints (S3,
DynamoDB; the provider's default type) cost nothing and produce no components.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.money import HOURS_PER_MONTH
from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._usage_helpers import (
    Tier,
    gigabytes,
    meter_query,
    tiered_components,
    unknown,
    usage_line,
)

SERVICE = "AmazonVPC"
_PB = Decimal(1048576)  # GB in a PB, as the pricing page's tier bounds use
_DATA_TIERS = (
    Tier("first 1PB", _PB,
         "Charge for per GB data processed by VPC Endpoints per GB from 0 to 1048576"),
    Tier("next 4PB", 4 * _PB,
         "Charge for per GB data processed by VPC Endpoints per GB from 1048576 to 5242880"),
    Tier("over 5PB", None,
         "Charge for per GB data processed by VPC Endpoints per GB from 5242880 to Inf"),
)
_GWLB_HOURS = "Hourly charge for AWS Gateway Load Balancer VPC Endpoint per Hrs"
_GWLB_DATA = "Charge for per GB data processed by AWS Gateway Load Balancer VPC Endpoint per GB"

USAGE = (UsageKey("monthly_data_processed_gb", float, "GB processed by the endpoint per month.",
                  100),)


@pricing_rule("aws_vpc_endpoint", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Endpoint hours × AZs (subnets) and data processed, by ``vpc_endpoint_type``."""
    if r.is_unknown("vpc_endpoint_type"):
        yield unknown("Endpoint", "hours", "vpc_endpoint_type")
        return
    kind = r.text("vpc_endpoint_type") or "Gateway"  # provider default
    data = gigabytes(usage, "monthly_data_processed_gb")
    if kind == "Gateway":
        return
    if kind == "GatewayLoadBalancer":
        yield CostComponent(name="Endpoint (gateway load balancer)", unit="hours",
                            monthly_quantity=HOURS_PER_MONTH,
                            query=meter_query(SERVICE, r.region, _GWLB_HOURS))
        yield usage_line("Data processed", "GB", meter_query(SERVICE, r.region, _GWLB_DATA), data)
        return
    if kind != "Interface":
        yield unknown(f"Endpoint ({kind})", "hours", f"pricing of endpoint type {kind}")
        return
    azs = _subnet_count(r)
    if azs is None:
        yield unknown("Endpoint (interface, per AZ)", "hours", "subnet_ids")
    else:
        yield CostComponent(
            name=f"Endpoint (interface, {azs} AZ{'s' if azs != 1 else ''})", unit="hours",
            monthly_quantity=HOURS_PER_MONTH * azs,
            query=meter_query(SERVICE, r.region, "Hourly charge for VPC Endpoints per Hrs"),
        )
    yield from tiered_components("Data processed", "GB", data, _DATA_TIERS,
                                 lambda meter: meter_query(SERVICE, r.region, meter))


def _subnet_count(r: Resource) -> int | None:
    """Subnets (= AZs) of an interface endpoint; None when the set is unknown until apply.

    A list of not-yet-known subnet ids still has a known length in the plan.
    """
    if r.is_unknown("subnet_ids") and not isinstance(r.attributes.get("subnet_ids"), list):
        return None
    subnets = r.attributes.get("subnet_ids")
    if subnets is None:
        return None
    if not isinstance(subnets, list):
        raise ValueError("subnet_ids is not a list")
    return max(len(subnets), 1)
