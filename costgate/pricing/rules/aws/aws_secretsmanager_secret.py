"""aws_secretsmanager_secret: one secret per month (plus one per replica), API calls as usage."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._usage_helpers import (
    TEN_THOUSAND,
    count,
    meter_query,
    usage_line,
)

SERVICE = "AWSSecretsManager"

USAGE = (UsageKey("monthly_requests", int, "Secrets Manager API calls per month.", 100_000),)


@pricing_rule("aws_secretsmanager_secret", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """$0.40 per secret-month in its region; each replica is billed as a secret in its region."""
    yield CostComponent(
        name="Secret", unit="months", monthly_quantity=Decimal(1),
        query=meter_query(SERVICE, r.region, "Secret"),
    )
    for replica in r.blocks("replica"):
        region = replica.get("region")
        if not isinstance(region, str) or not region:
            continue
        yield CostComponent(
            name=f"Secret replica ({region})", unit="months", monthly_quantity=Decimal(1),
            query=meter_query(SERVICE, region, "Secret"),
        )
    yield usage_line(
        "API requests", "10k requests", meter_query(SERVICE, r.region, "API Request"),
        count(usage, "monthly_requests"), TEN_THOUSAND,
    )
