"""aws_eks_node_group: desired size × instance hours (on-demand or spot) plus node disks."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import MAX_COUNT, no_query, positive
from costgate.pricing.rules.aws._ec2 import CPU_CREDIT_USAGE
from costgate.pricing.rules.aws._launch import (
    LaunchSpec,
    find_launch_template,
    from_launch_template,
    spec_components,
)

#: EKS defaults (aws_eks_node_group docs): t3.medium, 20 GiB disk (gp2 in EKS's own template).
DEFAULT_TYPE = "t3.medium"
DEFAULT_DISK_GB = 20


@pricing_rule("aws_eks_node_group", usage=CPU_CREDIT_USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Desired size from ``scaling_config``; a launch template may carry type and disks."""
    scaling = r.blocks("scaling_config")
    size = scaling[0].get("desired_size") if scaling else None
    if size is None:
        yield no_query("Instance usage (Linux/UNIX)", "hours", "desired size is unknown")
        return
    count = positive(size, "desired_size", maximum=MAX_COUNT)
    types = [] if r.is_unknown("instance_types") else list(r.get("instance_types") or [])
    spot = (r.text("capacity_type") or "ON_DEMAND").upper() == "SPOT"
    lt_blocks = r.blocks("launch_template")
    spec: LaunchSpec | None = None
    if lt_blocks:
        lt = find_launch_template(r, "launch_template", lt_blocks[0])
        if lt is None:
            yield no_query("Instance usage (Linux/UNIX)", "hours",
                           "launch template not found in the plan")
            return
        spec = from_launch_template(lt)
    itype = str(types[0]) if types else (spec.instance_type if spec else None) or DEFAULT_TYPE
    if spec is None:
        disk = r.number("disk_size", DEFAULT_DISK_GB)
        spec = LaunchSpec(source=r.address, instance_type=itype,
                          root={"volume_size": disk, "volume_type": "gp2"})
    yield from spec_components(
        r.region, spec, usage, on_demand=Decimal(0) if spot else count,
        spot=count if spot else Decimal(0), instance_type=itype,
    )
