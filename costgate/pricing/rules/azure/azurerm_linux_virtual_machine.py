"""azurerm_linux_virtual_machine: Linux VM hours by size (on-demand or spot) and the OS disk.

The size (``Standard_D2s_v3``) is the Retail ``armSkuName``; the Linux meters are the ones
whose product has no ``Windows`` (see ``_vm_series``). ``priority = "Spot"`` uses the spot
meter (its current list price, not ``max_bid_price``). The OS disk is a managed disk billed at
the tier that fits ``os_disk.disk_size_gb`` (default 30 GB, the size of most Linux marketplace
images). Only mexicocentral and francecentral have VM prices in the shipped snapshot; other
regions read "not in price snapshot" until ``costgate pricing update``. Data disks are
``azurerm_managed_disk`` resources; reservations, savings plans and licences are not applied.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.money import HOURS_PER_MONTH
from costgate.model.pricing import CostComponent, PurchaseOption
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.azure._common import azure_query, disk_components, no_query, positive
from costgate.pricing.rules.azure._vm_series import linux_product

VM = "Virtual Machines"
OS_DISK_DEFAULT_GB = Decimal(30)


def vm_hours(region: str | None, size: str | None, *, spot: bool) -> CostComponent:
    """Linux hours of one VM size; unknown or unparsable size → no query."""
    option = "spot" if spot else "on-demand"
    if size is None:
        return no_query(f"Virtual machine (Linux, {option})", "hours", "size is unknown until apply")
    product = linux_product(size)
    if product is None:
        raise ValueError(f"size {size!r} is not an Azure VM size (expected e.g. Standard_D2s_v3)")
    return CostComponent(
        name=f"Virtual machine (Linux, {option}, {size})", unit="hours",
        monthly_quantity=HOURS_PER_MONTH,
        query=azure_query(VM, region,
                          purchase_option=PurchaseOption.SPOT if spot else PurchaseOption.ON_DEMAND,
                          arm_sku_name=size, product_name=product,
                          priority="spot" if spot else "regular"),
    )


@pricing_rule("azurerm_linux_virtual_machine")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """VM hours and the OS disk."""
    size = None if r.is_unknown("size") else r.text("size")
    spot = (r.text("priority") or "Regular").lower() == "spot"
    yield vm_hours(r.region, size, spot=spot)
    disks = r.blocks("os_disk")
    disk = disks[0] if disks else {}
    account_type = str(disk.get("storage_account_type") or "Standard_LRS")
    size_gb = disk.get("disk_size_gb")
    yield from disk_components(
        r.region, account_type,
        OS_DISK_DEFAULT_GB if size_gb is None else positive(size_gb, "os_disk.disk_size_gb"),
        label="OS disk",
    )
