"""aws_route53_zone: one hosted zone per month (global price, first 25 zones of the account)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.aws._usage_helpers import meter_query

SERVICE = "AmazonRoute53"


@pricing_rule("aws_route53_zone")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Hosted zone at the first-25-zones rate ($0.50); accounts past 25 zones pay $0.10 each.

    Route 53 prices are global: the query has ``region=None`` whatever the provider region.
    Queries are billed on the records (``aws_route53_record``), not the zone.
    """
    yield CostComponent(
        name="Hosted zone", unit="months", monthly_quantity=Decimal(1),
        query=meter_query(SERVICE, None, "DNS Zone first 25"),
    )
