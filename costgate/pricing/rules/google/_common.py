"""Helpers shared by the Google pricing rules: Compute Engine / Cloud Storage queries, disks.

Names follow the Cyclenerd rows of ``docs/pricing-vocabulary.md`` (``machine_type``,
``disk_type`` + ``replication``, ``item``, ``storage_class`` + ``location_type``); nothing here
fetches. The generic value checks come from the AWS helpers, which are provider-neutral.
"""

from __future__ import annotations

from decimal import Decimal

from costgate.model.pricing import CostComponent, PriceQuery, PurchaseOption
from costgate.pricing.rules.aws._common import (
    hours,
    no_query,
    positive,
    usage_component,
    usage_number,
)

__all__ = [
    "GCE", "GCS", "DISK_MAX_GB", "disk_component", "gce_query", "hours", "last_segment",
    "machine_hours", "network_query", "no_query", "positive", "usage_component", "usage_number",
]

GCE = "Compute Engine"
GCS = "Cloud Storage"
#: Largest persistent disk Google allows (64 TiB; Hyperdisk goes higher but is not in the data).
DISK_MAX_GB = Decimal(65536)
#: Disk types with a price in the Cyclenerd data (label shown in component names).
DISK_LABELS = {
    "pd-standard": "standard",
    "pd-balanced": "balanced",
    "pd-ssd": "SSD",
    "pd-extreme": "extreme",
    "hyperdisk-extreme": "Hyperdisk Extreme",
}
#: Types whose IOPS/throughput are provisioned and billed separately (no such price in the data).
PROVISIONED_PERFORMANCE = ("pd-extreme", "hyperdisk-")


def gce_query(
    region: str | None,
    family: str,
    purchase_option: PurchaseOption = PurchaseOption.ON_DEMAND,
    **attrs: str,
) -> PriceQuery:
    """A Compute Engine price query in the vocabulary's Google names."""
    return PriceQuery.make("google", GCE, region, product_family=family,
                           purchase_option=purchase_option, **attrs)


def network_query(region: str | None, item: str) -> PriceQuery:
    """A Compute Engine network price (``ip-unused``, ``ip-vm``, ``nat-gateway``, ``nat-data``)."""
    return gce_query(region, "Network", item=item)


def last_segment(value: str) -> str:
    """``n2-standard-2`` from a self link such as ``zones/us-central1-a/machineTypes/n2-standard-2``."""
    return value.rstrip("/").rsplit("/", 1)[-1]


def machine_hours(region: str | None, machine_type: str | None, *, spot: bool) -> CostComponent:
    """Machine-type hours (vCPU + memory in one Cyclenerd total); unknown type → no query."""
    option = "spot" if spot else "on-demand"
    if machine_type is None:
        return no_query(f"Instance usage ({option})", "hours", "machine type is unknown until apply")
    return CostComponent(
        name=f"Instance usage ({option}, {machine_type})", unit="hours", monthly_quantity=hours(),
        query=gce_query(region, "Compute Instance",
                        PurchaseOption.SPOT if spot else PurchaseOption.ON_DEMAND,
                        machine_type=machine_type),
    )


def disk_component(
    region: str | None,
    disk_type: str,
    size_gb: Decimal | None,
    *,
    label: str = "",
    regional: bool = False,
) -> list[CostComponent]:
    """Persistent disk capacity (GB-month), plus a no-query line for provisioned performance.

    Unknown ``pd-*``/``hyperdisk-*`` types are queried as spelled (the store answers "not in
    price snapshot" when the data has no such type); anything else is a ValueError.
    """
    disk_type = last_segment(disk_type)
    if not disk_type.startswith(("pd-", "hyperdisk-")):
        raise ValueError(f"unknown disk type {disk_type!r}")
    kind = DISK_LABELS.get(disk_type, disk_type)
    name = f"{label + ' ' if label else ''}{'regional ' if regional else ''}{kind} disk".strip()
    name = name[0].upper() + name[1:]
    out: list[CostComponent] = []
    if size_gb is None:
        out.append(no_query(f"{name} storage", "GB", "disk size is unknown until apply"))
    else:
        positive(size_gb, "disk size (GB)", maximum=DISK_MAX_GB, allow_zero=False)
        out.append(CostComponent(
            name=f"{name} storage", unit="GB", monthly_quantity=size_gb,
            query=gce_query(region, "Storage", disk_type=disk_type,
                            replication="regional" if regional else "zonal"),
        ))
    if disk_type.startswith(PROVISIONED_PERFORMANCE):
        out.append(no_query(f"{name} provisioned IOPS/throughput", "IOPS",
                            "provisioned performance prices are not in the price snapshot"))
    return out
