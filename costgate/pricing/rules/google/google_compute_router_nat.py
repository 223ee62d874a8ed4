"""google_compute_router_nat: Cloud NAT gateway VM-hours, data processed, auto-allocated IPs.

Google bills a gateway per VM it serves, per hour, up to 32 VMs; the Cyclenerd ``nat-gateway``
hourly price is that 32-VM maximum (0.0448 = 32 × 0.0014), so one VM-hour is 1/32 of it. The
VM count and the GB processed are usage (``vm_count``, ``monthly_data_processed_gb``). IPs
with ``nat_ip_allocate_option = "AUTO_ONLY"`` are allocated by Google and billed at the in-use
IP rate (``auto_allocated_ips``, default 1); MANUAL_ONLY addresses are priced on their
``google_compute_address`` resources.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.money import HOURS_PER_MONTH
from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.google._common import (
    hours,
    network_query,
    usage_component,
    usage_number,
)

#: VMs beyond this many cost nothing more per hour (Cloud NAT pricing).
MAX_BILLED_VMS = Decimal(32)

USAGE = (
    UsageKey("vm_count", int, "VM instances using the gateway (billed up to 32)", 4),
    UsageKey("monthly_data_processed_gb", float, "GB processed by the gateway per month, both "
             "directions", 100),
    UsageKey("auto_allocated_ips", int, "External IPs Google allocates (AUTO_ONLY), default 1", 1),
)


@pricing_rule("google_compute_router_nat", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Gateway VM-hours and data are usage; auto-allocated IPs are priced from a default of 1."""
    vms = usage_number(usage, "vm_count", maximum=100000)
    yield usage_component(
        "NAT gateway (per VM served)", "VM-hours", network_query(r.region, "nat-gateway"),
        None if vms is None else HOURS_PER_MONTH * min(vms, MAX_BILLED_VMS),
        price_multiplier=1 / MAX_BILLED_VMS,
    )
    yield usage_component(
        "Data processed", "GB", network_query(r.region, "nat-data"),
        usage_number(usage, "monthly_data_processed_gb"),
    )
    option = (r.text("nat_ip_allocate_option") or "AUTO_ONLY").upper()
    if option == "AUTO_ONLY":
        ips = usage_number(usage, "auto_allocated_ips", maximum=10000)
        count = Decimal(1) if ips is None else ips
        if count > 0:
            yield CostComponent(
                name="External IP addresses (auto-allocated)", unit="hours",
                monthly_quantity=hours(count), query=network_query(r.region, "ip-vm"),
            )
