"""aws_ebs_snapshot: snapshot storage (GB-month), from usage or the source volume size."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import (
    EBS_MAX_GB,
    EC2,
    aws_query,
    positive,
    usage_component,
    usage_number,
)

USAGE = (
    UsageKey("monthly_gb_storage", float,
             "Snapshot storage in GB (incremental; default: the volume size)", 100),
)


@pricing_rule("aws_ebs_snapshot", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Usage wins; otherwise ``volume_size`` (a full first snapshot) when the plan knows it."""
    query = aws_query(EC2, r.region, charge="snapshot")
    gb = usage_number(usage, "monthly_gb_storage", maximum=EBS_MAX_GB)
    if gb is None and not r.is_unknown("volume_size") and r.number("volume_size") is not None:
        size = positive(r.number("volume_size"), "volume_size", maximum=EBS_MAX_GB)
        yield CostComponent(name="EBS snapshot storage", unit="GB", monthly_quantity=size,
                            query=query)
        return
    yield usage_component("EBS snapshot storage", "GB", query, gb)
