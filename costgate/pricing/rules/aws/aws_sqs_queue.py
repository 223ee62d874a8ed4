"""aws_sqs_queue: requests (standard or FIFO, three monthly tiers) as usage, in 64 KB chunks."""

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
    per_request_units,
    tiered_components,
    unknown,
)

SERVICE = "AWSQueueService"
#: Every 64 KB chunk of a payload is billed as one request (SQS pricing page).
CHUNK_KB = Decimal(64)
_HUNDRED_B = 100 * BILLION

_TIERS = {
    False: (
        Tier("first 100B", _HUNDRED_B, "Standard per Requests"),
        Tier("next 100B", _HUNDRED_B, "Standard per Requests Tier2"),
        Tier("over 200B", None, "Standard per Requests Tier3"),
    ),
    True: (
        Tier("first 100B", _HUNDRED_B, "FIFO first-in first-out per Requests"),
        Tier("next 100B", _HUNDRED_B, "FIFO first-in first-out per Requests Tier2"),
        Tier("over 200B", None, "FIFO first-in first-out per Requests Tier3"),
    ),
}

USAGE = (
    UsageKey("monthly_requests", int, "SQS API requests per month (send, receive, delete …).",
             10_000_000),
    UsageKey("request_size_kb", float, "Average payload size (KB); each 64 KB is one request.", 8),
)


@pricing_rule("aws_sqs_queue", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Requests per 1M; the account's first million free requests are not deducted."""
    if r.is_unknown("fifo_queue"):
        yield unknown("Requests", "1M requests", "fifo_queue")
        return
    fifo = r.flag("fifo_queue")  # provider default false
    requests = count(usage, "monthly_requests")
    size = count(usage, "request_size_kb")
    billed = None if requests is None else requests * per_request_units(size, CHUNK_KB)
    yield from tiered_components(
        "Requests", "1M requests", billed, _TIERS[fifo],
        lambda meter: meter_query(SERVICE, r.region, meter), multiplier=MILLION,
        detail="FIFO" if fifo else "",
    )
