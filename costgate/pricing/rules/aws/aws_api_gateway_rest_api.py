"""aws_api_gateway_rest_api: REST API requests as usage, in four monthly tiers.

Scope: the cache (``cache_cluster_enabled``/``cache_cluster_size``) is configured on
``aws_api_gateway_stage`` and is not priced here; data transfer out is not priced.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._usage_helpers import (
    BILLION,
    MILLION,
    Tier,
    count,
    meter_query,
    tiered_components,
)

SERVICE = "AmazonApiGateway"
_TIERS = (
    Tier("first 333M", 333 * MILLION, "API Calls Number of up to 333 million"),
    Tier("next 667M", 667 * MILLION, "API Calls Number of Request Next 667 million"),
    Tier("next 19B", Decimal(19) * BILLION, "API Calls Number of Request Next 19 billion"),
    Tier("over 20B", None, "API Calls Number of Request Over 20 billion"),
)

USAGE = (UsageKey("monthly_requests", int, "API calls per month.", 1_000_000),)


@pricing_rule("aws_api_gateway_rest_api", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Requests per 1M across the 333M / 667M / 19B / over-20B tiers."""
    yield from tiered_components(
        "Requests", "1M requests", count(usage, "monthly_requests"), _TIERS,
        lambda meter: meter_query(SERVICE, r.region, meter), multiplier=MILLION,
    )
