"""google_compute_instance: machine-type hours, boot disk, local SSD, ephemeral external IPs.

Spot (``scheduling.preemptible`` or ``provisioning_model = "SPOT"``) uses the spot price.
The boot disk is priced here only when the instance creates it (``initialize_params``); a
``source`` disk (usually a ``google_compute_disk`` of the plan) is priced on that resource, and
so are ``attached_disk``s. Without ``initialize_params`` the default is 10 GB pd-standard (the
Compute API default type and the size of most public Linux images). Each ``scratch_disk`` is a
375 GB local SSD. An ``access_config`` without a static address of this plan is an ephemeral
external IP, billed per hour while the VM runs (Spot VMs have their own rate, not in the data).
Not priced: GPUs (``guest_accelerator``; shown unpriced), premium OS licences, sole tenancy.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from costgate.model.pricing import CostComponent, PurchaseOption
from costgate.model.resource import Resource
from costgate.pricing.context import current
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.google._common import (
    disk_component,
    gce_query,
    hours,
    last_segment,
    machine_hours,
    network_query,
    no_query,
    positive,
)

BOOT_DEFAULT_GB = Decimal(10)
BOOT_DEFAULT_TYPE = "pd-standard"
LOCAL_SSD_GB = Decimal(375)


def is_spot(r: Resource) -> bool:
    """Spot/preemptible from the ``scheduling`` block."""
    for block in r.blocks("scheduling"):
        if block.get("preemptible") is True or str(block.get("provisioning_model")) == "SPOT":
            return True
    return False


def _boot_disk(r: Resource) -> list[CostComponent]:
    blocks = r.blocks("boot_disk")
    boot: dict[str, Any] = blocks[0] if blocks else {}
    ctx = current()
    if boot.get("source") or (ctx and ctx.referenced(r, "boot_disk.source", "google_compute_disk")):
        return []  # an existing disk, priced on its own resource
    params_list = boot.get("initialize_params")
    params = params_list[0] if isinstance(params_list, list) and params_list else (
        params_list if isinstance(params_list, dict) else {})
    disk_type = str(params.get("type") or BOOT_DEFAULT_TYPE)
    size = params.get("size")
    size_gb = BOOT_DEFAULT_GB if size is None else positive(size, "boot_disk size")
    return disk_component(r.region, disk_type, size_gb, label="Boot")


def _scratch_disks(r: Resource, spot: bool) -> Iterator[CostComponent]:
    disks = r.blocks("scratch_disk")
    if not disks:
        return
    total = sum((positive(d.get("size") or LOCAL_SSD_GB, "scratch_disk size") for d in disks),
                Decimal(0))
    yield CostComponent(
        name=f"Local SSD ({len(disks)} × scratch disk{', spot' if spot else ''})", unit="GB",
        monthly_quantity=total,
        query=gce_query(r.region, "Storage",
                        PurchaseOption.SPOT if spot else PurchaseOption.ON_DEMAND,
                        disk_type="local-ssd"),
    )


def _ephemeral_ips(r: Resource, spot: bool) -> Iterator[CostComponent]:
    ctx = current()
    static = bool(ctx and ctx.referenced(r, "network_interface.access_config.nat_ip",
                                         "google_compute_address"))
    count = sum(len([a for a in nic.get("access_config") or [] if isinstance(a, dict)])
                for nic in r.blocks("network_interface"))
    if static:
        count -= 1  # that address is priced (in use) on its google_compute_address
    if count <= 0:
        return
    query = network_query(r.region, "ip-vm")
    if spot:
        query = query.model_copy(update={"purchase_option": PurchaseOption.SPOT})
    yield CostComponent(
        name=f"External IP address ({'spot VM' if spot else 'in use'})", unit="hours",
        monthly_quantity=hours(count), query=query,
    )


@pricing_rule("google_compute_instance")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Machine hours, created boot disk, scratch local SSDs, ephemeral IPs, GPUs (unpriced)."""
    spot = is_spot(r)
    raw_type = None if r.is_unknown("machine_type") else r.text("machine_type")
    yield machine_hours(r.region, last_segment(raw_type) if raw_type else None, spot=spot)
    yield from _boot_disk(r)
    yield from _scratch_disks(r, spot)
    yield from _ephemeral_ips(r, spot)
    for gpu in r.blocks("guest_accelerator"):
        count = gpu.get("count") or 1
        yield no_query(f"GPU ({last_segment(str(gpu.get('type') or 'unknown'))} × {count})",
                       "hours", "GPU prices are not in the price snapshot")
