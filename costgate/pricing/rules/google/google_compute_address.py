"""google_compute_address: a regional static external IPv4 address, in use or reserved unused.

INTERNAL addresses are free. Google bills a static external address by the hour: at the
"in use" rate (Cyclenerd ``ip-vm``, the standard-VM rate) while a VM or a Cloud NAT gateway
uses it, at the higher "unused" rate (``ip-unused``) while it is only reserved, and not at all
while a forwarding rule uses it. It counts as in use when another resource of the plan refers
to it (a ``google_compute_router_nat`` ``nat_ips``, an instance ``access_config.nat_ip``) or
when state lists ``users``; otherwise it is priced as reserved but unused.
"""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.address import config_address
from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.context import current
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.google._common import hours, network_query

#: Types whose use of an address carries no IP charge (Google network pricing).
_FREE_USERS = ("google_compute_forwarding_rule", "google_compute_global_forwarding_rule")


def _users(r: Resource) -> list[str]:
    """Types of the plan's resources that refer to this address (or ``unknown`` from state)."""
    found: list[str] = []
    ctx = current()
    if ctx is not None:
        me = config_address(r.address)
        for src, paths in ctx.references.items():
            if any(me in refs for refs in paths.values()):
                found.append(src.rsplit(".", 2)[-2] if "." in src else src)
    users = r.get("users")
    if isinstance(users, list) and users and not found:
        found.append("unknown")
    return found


@pricing_rule("google_compute_address")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """External addresses only; ``address_type`` defaults to EXTERNAL."""
    if (r.text("address_type", "EXTERNAL") or "EXTERNAL").upper() != "EXTERNAL":
        return
    users = _users(r)
    if users and all(u in _FREE_USERS for u in users):
        return
    in_use = bool(users)
    yield CostComponent(
        name=f"Static IP address ({'in use' if in_use else 'reserved, unused'})", unit="hours",
        monthly_quantity=hours(),
        query=network_query(r.region, "ip-vm" if in_use else "ip-unused"),
    )
