"""aws_route53_record: DNS queries as usage (standard, latency-based, geo; first/over 1B).

Queries to alias records that point at AWS resources are free: an alias record gets one
component at the $0 alias meter, so it is accounted for rather than silently dropped.
Route 53 prices are global (``region=None``).
"""

from __future__ import annotations

from collections.abc import Iterator

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
    usage_line,
)

SERVICE = "AmazonRoute53"


def _tiers(kind: str) -> tuple[Tier, Tier]:
    return (Tier("first 1B", BILLION, f"Query {kind} External first 1B"),
            Tier("over 1B", None, f"Query {kind} External over 1B"))


#: (usage key, component name, tiers); standard queries are always shown, others when given.
_KINDS = (
    ("monthly_standard_queries", "Standard queries", _tiers("Standard")),
    ("monthly_latency_based_queries", "Latency based routing queries",
     _tiers("Latency Based Routing")),
    ("monthly_geo_queries", "Geo DNS queries", _tiers("Geo DNS")),
)

USAGE = tuple(UsageKey(key, int, f"{name} per month.", 1_000_000) for key, name, _ in _KINDS)


@pricing_rule("aws_route53_record", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Queries per 1M by routing kind; alias records to AWS resources cost nothing."""
    if r.blocks("alias"):
        yield usage_line("Queries (alias to AWS resource)", "1M queries",
                         meter_query(SERVICE, None, "Free Queries to Standard Alias records"),
                         count(usage, "monthly_standard_queries"), MILLION)
        return
    for key, name, tiers in _KINDS:
        quantity = count(usage, key)
        if quantity is None and key != "monthly_standard_queries":
            continue
        yield from tiered_components(name, "1M queries", quantity, tiers,
                                     lambda meter: meter_query(SERVICE, None, meter),
                                     multiplier=MILLION)
