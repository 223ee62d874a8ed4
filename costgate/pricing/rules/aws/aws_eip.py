"""aws_eip: public IPv4 address hours (charged in use or idle since February 2024)."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.address import config_address
from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.context import current
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import VPC, aws_query, hours

IN_USE = "Hourly charge for In use Public IPv4 Addresses per Hrs"
IDLE = "Hourly charge for Idle Public IPv4 Addresses per Hrs"


def _referenced_by_another_resource(r: Resource) -> bool:
    """A NAT gateway (allocation_id) or an aws_eip_association pointing at this address."""
    ctx = current()
    if ctx is None:
        return False
    me = config_address(r.address)
    return any(me in refs for paths in ctx.references.values() for refs in paths.values())


@pricing_rule("aws_eip")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """In use when attached to an instance or ENI (or unknown, which usually means attached).

    BYOIP addresses (``public_ipv4_pool`` other than ``amazon``) are not charged by AWS.
    """
    pool = r.text("public_ipv4_pool")
    if pool not in (None, "amazon") and not r.is_unknown("public_ipv4_pool"):
        return
    attached = any(
        r.get(k) is not None or r.is_unknown(k)
        for k in ("instance", "network_interface", "associate_with_private_ip")
    ) or _referenced_by_another_resource(r)
    yield CostComponent(
        name=f"Public IPv4 address ({'in use' if attached else 'idle'})", unit="hours",
        monthly_quantity=hours(), query=aws_query(VPC, r.region, meter=IN_USE if attached else IDLE),
    )
