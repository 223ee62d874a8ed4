"""Helpers shared by the AWS pricing rules: query builders, EBS components, value checks.

Queries use exactly the vocabulary in ``docs/pricing-vocabulary.md``; nothing here fetches.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from costgate.model.money import HOURS_PER_MONTH, to_decimal
from costgate.model.pricing import CostComponent, PriceQuery, PurchaseOption

EC2 = "AmazonEC2"
RDS = "AmazonRDS"
ELB = "AWSELB"
ELASTICACHE = "AmazonElastiCache"
EKS = "AmazonEKS"
VPC = "AmazonVPC"

#: Largest EBS volume AWS allows (64 TiB for gp2/gp3/io1/io2/st1/sc1); standard is 1 TiB.
EBS_MAX_GB = Decimal(65536)
#: A sanity bound for instance counts (ASG, node groups, cache nodes): far above AWS quotas.
MAX_COUNT = Decimal(100000)


def aws_query(
    service: str,
    region: str | None,
    *,
    family: str | None = None,
    purchase_option: PurchaseOption | str = PurchaseOption.ON_DEMAND,
    unit: str | None = None,
    **attrs: str,
) -> PriceQuery:
    """An AWS price query; attribute names and values as in the vocabulary doc."""
    return PriceQuery.make(
        "aws", service, region, product_family=family,
        purchase_option=PurchaseOption(purchase_option), unit=unit, **attrs,
    )


def ec2_instance_query(
    region: str | None,
    instance_type: str,
    tenancy: str = "Shared",
    purchase_option: PurchaseOption = PurchaseOption.ON_DEMAND,
) -> PriceQuery:
    """Linux/UNIX EC2 instance hours: the six attributes that pin one SKU (vocabulary doc)."""
    return aws_query(
        EC2, region, family="Compute Instance", purchase_option=purchase_option,
        instance_type=instance_type, operating_system="Linux", tenancy=tenancy,
        pre_installed_sw="NA", license_model="No License required", capacity_status="Used",
    )


def positive(
    value: Any, name: str, *, maximum: Decimal | int | None = None, allow_zero: bool = True
) -> Decimal:
    """``value`` as a Decimal, raising ValueError for non-numbers, negatives and absurd sizes."""
    try:
        number = to_decimal(value)
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise ValueError(f"{name} is not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"{name} is not a finite number: {value!r}")
    if number < 0 or (number == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'at least 0' if allow_zero else 'positive'}, got {value}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} = {value} is above the maximum of {maximum}")
    return number


def usage_number(
    usage: Mapping[str, Any], key: str, *, maximum: Decimal | int | None = None
) -> Decimal | None:
    """A usage value as a checked Decimal, or None when the usage file does not give it."""
    value = usage.get(key)
    if value is None:
        return None
    return positive(value, key, maximum=maximum)


def hours(count: Decimal | int = 1) -> Decimal:
    """Monthly hours for ``count`` always-on units."""
    return HOURS_PER_MONTH * Decimal(count)


def no_query(name: str, unit: str, note: str) -> CostComponent:
    """A component the rule cannot price (unknown driver): shown, never silently $0."""
    return CostComponent(name=name, unit=unit, monthly_quantity=None, query=None, note=note)


def usage_component(
    name: str,
    unit: str,
    query: PriceQuery,
    quantity: Decimal | None,
    *,
    price_multiplier: Decimal = Decimal(1),
    free_quantity: Decimal = Decimal(0),
) -> CostComponent:
    """A usage-based component: ``quantity`` None means "depends on usage", never 0."""
    return CostComponent(
        name=name, unit=unit, monthly_quantity=quantity, query=query, usage_based=True,
        price_multiplier=price_multiplier, free_quantity=free_quantity,
    )


# --- EBS ----------------------------------------------------------------------------------

_EBS_LABEL = {
    "gp2": "general purpose SSD, gp2",
    "gp3": "general purpose SSD, gp3",
    "io1": "provisioned IOPS SSD, io1",
    "io2": "provisioned IOPS SSD, io2",
    "st1": "throughput optimized HDD, st1",
    "sc1": "cold HDD, sc1",
    "standard": "magnetic, standard",
}
EBS_TYPES = frozenset(_EBS_LABEL)
#: gp3 baseline included in the storage price (AWS EBS pricing page).
GP3_FREE_IOPS = Decimal(3000)
GP3_FREE_THROUGHPUT = Decimal(125)
_ONE_MILLION = Decimal(1000000)


def ebs_query(region: str | None, volume_type: str, charge: str) -> PriceQuery:
    """An EBS price: ``charge`` is storage, iops, throughput, io_requests or snapshot."""
    return aws_query(EC2, region, volume_api_name=volume_type, charge=charge)


def ebs_components(
    region: str | None,
    volume_type: str,
    size_gb: Decimal | None,
    *,
    iops: Decimal | None = None,
    throughput: Decimal | None = None,
    monthly_io_requests: Decimal | None = None,
    label: str = "",
    count: Decimal = Decimal(1),
) -> list[CostComponent]:
    """Storage plus IOPS/throughput/I/O components for ``count`` volumes of one type.

    ``size_gb`` None (unknown size) yields a no-query storage line rather than a guess.
    gp3 IOPS/throughput components appear only above the 3,000 IOPS / 125 MiB/s baseline and
    carry that baseline as ``free_quantity``; io2 IOPS tiers come from the price records.
    """
    if volume_type not in _EBS_LABEL:
        raise ValueError(f"unknown EBS volume type {volume_type!r}")
    def named(what: str) -> str:
        if not label:
            return what
        head = what[0].lower() if what[1:2].islower() else what[0]
        return f"{label} {head}{what[1:]}"

    out: list[CostComponent] = []
    storage_name = named(f"Storage ({_EBS_LABEL[volume_type]})")
    if size_gb is None:
        out.append(no_query(storage_name, "GB", "volume size is unknown until apply"))
    else:
        positive(size_gb, "volume size (GB)", maximum=EBS_MAX_GB)
        out.append(CostComponent(
            name=storage_name, unit="GB", monthly_quantity=size_gb * count,
            query=ebs_query(region, volume_type, "storage"),
        ))
    if volume_type in ("io1", "io2", "gp3") and iops is not None:
        positive(iops, "iops", maximum=Decimal(256000))
        free = GP3_FREE_IOPS if volume_type == "gp3" else Decimal(0)
        if iops > free:
            out.append(CostComponent(
                name=named(f"Provisioned IOPS ({volume_type})"), unit="IOPS",
                monthly_quantity=iops * count, query=ebs_query(region, volume_type, "iops"),
                free_quantity=free * count,
            ))
    if volume_type == "gp3" and throughput is not None:
        positive(throughput, "throughput (MiB/s)", maximum=Decimal(2000))
        if throughput > GP3_FREE_THROUGHPUT:
            out.append(CostComponent(
                name=named("Provisioned throughput (gp3)"), unit="MiBps",
                monthly_quantity=throughput * count,
                query=ebs_query(region, "gp3", "throughput"),
                free_quantity=GP3_FREE_THROUGHPUT * count,
            ))
    if volume_type == "standard":
        quantity = None if monthly_io_requests is None else monthly_io_requests / _ONE_MILLION
        out.append(usage_component(
            named("I/O requests"), "1M requests",
            ebs_query(region, "standard", "io_requests"), quantity,
            price_multiplier=_ONE_MILLION,
        ))
    return out
