"""EC2 instance components shared by aws_instance, autoscaling groups and EKS node groups."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from costgate.model.money import HOURS_PER_MONTH
from costgate.model.pricing import CostComponent, PurchaseOption
from costgate.pricing.rule import UsageKey
from costgate.pricing.rules.aws._common import (
    EBS_TYPES,
    EC2,
    aws_query,
    ebs_components,
    ec2_instance_query,
    hours,
    no_query,
    positive,
    usage_component,
    usage_number,
)

#: Root volume when the plan does not say: size and type come from the AMI. We assume the
#: Amazon Linux 2023 AMI default, 8 GiB gp3 (AL2 used 8 GiB gp2; other AMIs differ).
ROOT_DEFAULT_GB = Decimal(8)
ROOT_DEFAULT_TYPE = "gp3"
#: Terraform tenancy spelling → bulk API ``tenancy``.
TENANCY = {"default": "Shared", "dedicated": "Dedicated", "host": "Host"}
#: vCPUs of burstable types (AWS instance-type docs), for the unlimited CPU-credit quantity.
T_VCPUS = {
    "nano": 2, "micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4, "2xlarge": 8,
}
T2_VCPUS = {"nano": 1, "micro": 1, "small": 1, "medium": 2, "large": 2, "xlarge": 4, "2xlarge": 8}
#: AWS usage-type prefixes (billing region codes); us-east-1 has none.
_USAGE_PREFIX = {
    "us-east-1": "", "us-east-2": "USE2-", "us-west-1": "USW1-", "us-west-2": "USW2-",
    "ca-central-1": "CAN1-", "sa-east-1": "SAE1-", "eu-west-1": "EU-", "eu-west-2": "EUW2-",
    "eu-west-3": "EUW3-", "eu-central-1": "EUC1-", "eu-north-1": "EUN1-", "eu-south-1": "EUS1-",
    "ap-northeast-1": "APN1-", "ap-northeast-2": "APN2-", "ap-northeast-3": "APN3-",
    "ap-southeast-1": "APS1-", "ap-southeast-2": "APS2-", "ap-south-1": "APS3-",
}

CPU_CREDIT_USAGE = (
    UsageKey("monthly_cpu_credit_hrs", float,
             "Hours per month each instance bursts above baseline (T-family unlimited mode)", 100),
    UsageKey("vcpu_count", int, "vCPUs per instance earning surplus credits (default: the type's)", 2),
)


def burstable_family(instance_type: str) -> str | None:
    """``t3`` for ``t3.micro``; None for types without CPU credits."""
    family = instance_type.split(".", 1)[0]
    return family if family in ("t2", "t3", "t3a", "t4g") else None


def instance_hours(
    region: str | None,
    instance_type: str | None,
    *,
    tenancy: str = "default",
    spot: bool = False,
    count: Decimal = Decimal(1),
) -> CostComponent:
    """Linux/UNIX instance hours for ``count`` instances (``count`` may be fractional: a mix)."""
    option = "spot" if spot else "on-demand"
    if tenancy not in TENANCY:
        raise ValueError(f"unknown tenancy {tenancy!r}")
    extra = "" if tenancy == "default" else f", {tenancy}"
    note = "billed on the Dedicated Host (aws_ec2_host)" if tenancy == "host" else None
    if instance_type is None:
        return no_query(f"Instance usage (Linux/UNIX, {option}{extra})", "hours",
                        "instance type is unknown until apply")
    return CostComponent(
        name=f"Instance usage (Linux/UNIX, {option}{extra}, {instance_type})", unit="hours",
        monthly_quantity=hours(count),
        query=ec2_instance_query(
            region, instance_type, TENANCY[tenancy],
            PurchaseOption.SPOT if spot else PurchaseOption.ON_DEMAND,
        ),
        note=note,
    )


def cpu_credits(
    region: str | None, instance_type: str, usage: Mapping[str, Any], count: Decimal = Decimal(1)
) -> CostComponent | None:
    """Unlimited-mode surplus CPU credits (vCPU-hours) as usage; None for non-T types."""
    family = burstable_family(instance_type)
    if family is None:
        return None
    size = instance_type.split(".", 1)[1] if "." in instance_type else ""
    vcpus = usage_number(usage, "vcpu_count", maximum=448)
    if vcpus is None:
        table = T2_VCPUS if family == "t2" else T_VCPUS
        vcpus = Decimal(table[size]) if size in table else None
    burst = usage_number(usage, "monthly_cpu_credit_hrs", maximum=HOURS_PER_MONTH)
    quantity = None if burst is None or vcpus is None else burst * vcpus * count
    prefix = _USAGE_PREFIX.get(region or "", None)
    query = aws_query(
        EC2, region, family="CPU Credits", operating_system="Linux",
        usage_type=f"{prefix or ''}CPUCredits:{family}",
    )
    return usage_component("CPU credits", "vCPU-hours", query, quantity)


def block_device(
    region: str | None, block: Mapping[str, Any], label: str, *, root: bool,
    count: Decimal = Decimal(1),
) -> list[CostComponent]:
    """One root/EBS block device mapping (aws_instance or launch template ``ebs`` shape)."""
    default_type = ROOT_DEFAULT_TYPE if root else "gp2"  # provider default for ebs_block_device
    volume_type = str(block.get("volume_type") or default_type)
    if volume_type not in EBS_TYPES:
        raise ValueError(f"{label}: unknown volume_type {volume_type!r}")
    size = block.get("volume_size")
    size_gb = positive(size, f"{label} volume_size") if size is not None else (
        ROOT_DEFAULT_GB if root else None)
    iops = block.get("iops")
    throughput = block.get("throughput")
    return ebs_components(
        region, volume_type, size_gb, label=label, count=count,
        iops=None if iops is None else positive(iops, f"{label} iops"),
        throughput=None if throughput is None else positive(throughput, f"{label} throughput"),
    )
