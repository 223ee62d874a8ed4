"""azurerm_managed_disk: one disk-month of the tier that fits ``disk_size_gb``, transactions.

Standard HDD (``Standard_LRS``: S4–S80), Standard SSD (``StandardSSD_LRS/ZRS``: E1–E80) and
Premium SSD (``Premium_LRS/ZRS``: P1–P80) are billed per disk-month of the smallest tier whose
size is at least the disk's (a 100 GB Premium disk is a P10, 128 GB); a Premium ``tier`` set
above that (performance tiers) is billed instead. Standard HDD/SSD also
bill transactions per 10,000 (usage ``monthly_disk_operations``). Premium SSD v2 and Ultra
disks (billed per provisioned GB, IOPS and MB/s) are shown unpriced. Bursting, shared-disk
mounts and snapshots are not priced.
"""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.azure._common import disk_components, usage_number

USAGE = (
    UsageKey("monthly_disk_operations", int,
             "Disk read/write operations per month (Standard HDD and Standard SSD only)", 1000000),
)


@pricing_rule("azurerm_managed_disk", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """``storage_account_type`` is required by the provider; an unknown size → no query."""
    account_type = r.text("storage_account_type") or "Standard_LRS"
    size = None if r.is_unknown("disk_size_gb") else r.number("disk_size_gb")
    tier = None if r.is_unknown("tier") else r.text("tier")
    yield from disk_components(r.region, account_type, size, performance_tier=tier,
                               monthly_operations=usage_number(usage, "monthly_disk_operations"))
