"""azurerm_public_ip: public IPv4 address hours by SKU, allocation and tier.

Standard (the default SKU since azurerm 4.0; always static) and Basic static/dynamic addresses
are billed per hour; Global-tier Standard addresses have their own meter. Basic SKU dynamic
addresses are billed only while associated, which the plan cannot tell: they are priced as
always on. IPv6 addresses are not priced (shown unpriced).
"""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.money import HOURS_PER_MONTH
from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.azure._common import azure_query, no_query

NETWORK = "Virtual Network"


@pricing_rule("azurerm_public_ip")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """One address; ``sku`` defaults to Standard, ``sku_tier`` to Regional."""
    sku = (r.text("sku") or "Standard").capitalize()
    if sku not in ("Basic", "Standard"):
        raise ValueError(f"unknown public IP sku {sku!r}")
    if (r.text("ip_version") or "IPv4").lower() == "ipv6":
        yield no_query(f"Public IP address ({sku}, IPv6)", "hours",
                       "IPv6 public IP prices are not in the price snapshot")
        return
    allocation = (r.text("allocation_method") or "Static").capitalize()
    if (r.text("sku_tier") or "Regional").capitalize() == "Global":
        sku_name, meter = "Global", "Global IPv4 Static Public IP"
    else:
        sku_name = sku
        meter = f"{sku} IPv4 {'Dynamic' if sku == 'Basic' and allocation == 'Dynamic' else 'Static'} Public IP"
    yield CostComponent(
        name=f"Public IP address ({meter.removesuffix(' Public IP')})", unit="hours",
        monthly_quantity=HOURS_PER_MONTH,
        query=azure_query(NETWORK, r.region, product_name="IP Addresses", sku_name=sku_name,
                          meter_name=meter),
    )
