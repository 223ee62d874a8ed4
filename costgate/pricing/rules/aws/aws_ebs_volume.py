"""aws_ebs_volume: storage by type, gp3 IOPS/throughput above baseline, io1/io2 IOPS, I/O requests."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import EBS_MAX_GB, ebs_components, positive, usage_number

USAGE = (
    UsageKey("monthly_standard_io_requests", int,
             "I/O requests per month (magnetic 'standard' volumes only)", 10000000),
)


@pricing_rule("aws_ebs_volume", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """One volume; ``type`` defaults to gp2 (AWS provider docs); unknown size → no query."""
    volume_type = r.text("type", "gp2") or "gp2"
    size = None if r.is_unknown("size") else r.number("size")
    yield from ebs_components(
        r.region, volume_type,
        None if size is None else positive(size, "size", maximum=EBS_MAX_GB),
        iops=r.number("iops"), throughput=r.number("throughput"),
        monthly_io_requests=usage_number(usage, "monthly_standard_io_requests"),
    )
