"""aws_instance: Linux/UNIX instance hours (on-demand or spot), EBS volumes, unlimited CPU credits."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.aws._ec2 import (
    CPU_CREDIT_USAGE,
    block_device,
    burstable_family,
    cpu_credits,
    instance_hours,
)


def is_spot(r: Resource) -> bool:
    """Spot via ``instance_market_options { market_type = "spot" }``."""
    return any(str(b.get("market_type")) == "spot" for b in r.blocks("instance_market_options"))


def unlimited_credits(r: Resource, instance_type: str) -> bool:
    """T-family unlimited mode: explicit, or the AWS default for t3/t3a/t4g (t2 is standard)."""
    blocks = r.blocks("credit_specification")
    mode = blocks[0].get("cpu_credits") if blocks else None
    if mode is None:  # AWS launches t3/t3a/t4g in unlimited mode unless told otherwise
        return burstable_family(instance_type) in ("t3", "t3a", "t4g")
    return str(mode) == "unlimited"


@pricing_rule("aws_instance", usage=CPU_CREDIT_USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Instance hours, root and EBS block devices, CPU credits when unlimited."""
    instance_type = None if r.is_unknown("instance_type") else r.text("instance_type")
    tenancy = r.text("tenancy", "default") or "default"
    yield instance_hours(r.region, instance_type, tenancy=tenancy, spot=is_spot(r))
    roots = r.blocks("root_block_device") or [{}]
    yield from block_device(r.region, roots[0], "Root volume", root=True)
    for block in r.blocks("ebs_block_device"):
        label = f"EBS volume {block.get('device_name') or ''}".strip()
        yield from block_device(r.region, block, label, root=False)
    if instance_type and unlimited_credits(r, instance_type):
        credit = cpu_credits(r.region, instance_type, usage)
        if credit is not None:
            yield credit
