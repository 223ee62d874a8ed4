"""Helpers shared by the Azure pricing rules: Retail Prices queries and managed-disk tiers.

Queries use the Azure rows of ``docs/pricing-vocabulary.md`` (``service`` = serviceName,
attributes ``product_name``, ``sku_name``, ``meter_name``, ``arm_sku_name``, ``priority``).
Managed disks are sold per disk-month of a fixed-size tier (meter ``P10 LRS Disk``): the
smallest tier whose size is at least the disk's size is the one billed.
"""

from __future__ import annotations

from decimal import Decimal

from costgate.model.pricing import CostComponent, PriceQuery, PurchaseOption
from costgate.pricing.rules.aws._common import no_query, positive, usage_component, usage_number

__all__ = [
    "DISK_PRODUCTS", "azure_query", "disk_components", "disk_tier", "no_query", "positive",
    "usage_component", "usage_number",
]

#: Tier number → size in GiB (Azure managed disk documentation; S tiers start at S4).
TIER_SIZES: tuple[tuple[int, int], ...] = (
    (1, 4), (2, 8), (3, 16), (4, 32), (6, 64), (10, 128), (15, 256), (20, 512), (30, 1024),
    (40, 2048), (50, 4096), (60, 8192), (70, 16384), (80, 32767),
)
#: storage_account_type → (tier letter, product name, redundancy).
DISK_PRODUCTS: dict[str, tuple[str, str, str]] = {
    "Standard_LRS": ("S", "Standard HDD Managed Disks", "LRS"),
    "StandardSSD_LRS": ("E", "Standard SSD Managed Disks", "LRS"),
    "StandardSSD_ZRS": ("E", "Standard SSD Managed Disks", "ZRS"),
    "Premium_LRS": ("P", "Premium SSD Managed Disks", "LRS"),
    "Premium_ZRS": ("P", "Premium SSD Managed Disks", "ZRS"),
}
#: Types billed by provisioned GB, IOPS and throughput (prices not staged for these meters).
PROVISIONED_TYPES = frozenset({"PremiumV2_LRS", "UltraSSD_LRS"})
DISK_MAX_GB = Decimal(32767)
TEN_THOUSAND = Decimal(10000)


def azure_query(
    service: str,
    region: str | None,
    *,
    purchase_option: PurchaseOption = PurchaseOption.ON_DEMAND,
    **attrs: str,
) -> PriceQuery:
    """An Azure Retail price query (attribute names and values as in the vocabulary doc)."""
    return PriceQuery.make("azure", service, region, purchase_option=purchase_option, **attrs)


def disk_tier(letter: str, size_gb: Decimal) -> str:
    """``P10`` for a 100 GB Premium disk: the smallest tier that holds ``size_gb``."""
    smallest = 4 if letter == "S" else 1
    for number, size in TIER_SIZES:
        if number >= smallest and size >= size_gb:
            return f"{letter}{number}"
    raise ValueError(f"disk size {size_gb} GB is above the largest tier ({DISK_MAX_GB} GB)")


def _tier_size(tier: str) -> int:
    """GiB of a tier name (``P30`` → 1024); ValueError for names that are not tiers."""
    sizes = dict(TIER_SIZES)
    number = tier[1:]
    if not number.isdigit() or int(number) not in sizes:
        raise ValueError(f"unknown disk performance tier {tier!r}")
    return sizes[int(number)]


def disk_components(
    region: str | None,
    account_type: str,
    size_gb: Decimal | None,
    *,
    label: str = "",
    monthly_operations: Decimal | None = None,
    performance_tier: str | None = None,
) -> list[CostComponent]:
    """The tier's disk-month, plus transactions (usage) for Standard HDD/SSD.

    ``performance_tier`` (Premium ``tier = "P30"``) is billed when it is above the size's tier.
    """
    prefix = f"{label} " if label else ""
    if account_type in PROVISIONED_TYPES:
        return [no_query(f"{prefix}{account_type} disk".strip(), "months",
                         f"{account_type} is billed per provisioned GB/IOPS/MBps, not priced yet")]
    if account_type not in DISK_PRODUCTS:
        raise ValueError(f"unknown storage_account_type {account_type!r}")
    letter, product, redundancy = DISK_PRODUCTS[account_type]
    kind = product.removesuffix(" Managed Disks")
    if size_gb is None:
        return [no_query(f"{prefix}{kind} managed disk", "months",
                         "disk size is unknown until apply")]
    positive(size_gb, "disk_size_gb", maximum=DISK_MAX_GB, allow_zero=False)
    tier = disk_tier(letter, size_gb)
    if performance_tier and letter == "P":
        tier = max(tier, performance_tier, key=_tier_size)
    sku = f"{tier} {redundancy}"
    out = [CostComponent(
        name=f"{prefix}{kind} managed disk ({sku})", unit="months", monthly_quantity=Decimal(1),
        query=azure_query("Storage", region, product_name=product, sku_name=sku,
                          meter_name=f"{sku} Disk"),
    )]
    if letter in ("S", "E"):
        out.append(usage_component(
            f"{prefix}Disk operations", "10k operations",
            azure_query("Storage", region, product_name=product,
                        sku_name=f"Disk Transactions {redundancy}",
                        meter_name=f"Disk Transactions {redundancy} Disk Operations"),
            None if monthly_operations is None else monthly_operations / TEN_THOUSAND,
            price_multiplier=TEN_THOUSAND,
        ))
    return out
