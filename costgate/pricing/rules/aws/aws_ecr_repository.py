"""aws_ecr_repository: image storage per GB-month as usage (data transfer out is not priced)."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._usage_helpers import gigabytes, meter_query, usage_line

SERVICE = "AmazonECR"

USAGE = (UsageKey("storage_gb", float, "Total size of the images stored (GB).", 10),)


@pricing_rule("aws_ecr_repository", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Private repository storage ($0.10/GB-month in us-east-1); the repository itself is free."""
    yield usage_line(
        "Storage", "GB", meter_query(SERVICE, r.region, "EC2 Container Registry"),
        gigabytes(usage, "storage_gb"),
    )
