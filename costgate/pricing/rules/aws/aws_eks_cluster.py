"""aws_eks_cluster: control-plane hours, plus extended-support hours for old Kubernetes versions."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import EKS, aws_query, hours

#: Newest minor version whose EKS standard support had ended by the snapshot's EKS price date
#: (1.29 ended 2025-03-23; the pricing-page data is from 2025-06). Update with the snapshot.
LAST_EXTENDED_MINOR = 29


def extended_support(r: Resource) -> bool:
    """Version 1.x with x ≤ LAST_EXTENDED_MINOR, unless the upgrade policy is STANDARD."""
    policy = r.blocks("upgrade_policy")
    if policy and str(policy[0].get("support_type", "")).upper() == "STANDARD":
        return False  # EKS upgrades such clusters instead of charging extended support
    version = r.text("version") or ""
    major, _, minor = version.partition(".")
    return major == "1" and minor.isdigit() and int(minor) <= LAST_EXTENDED_MINOR


@pricing_rule("aws_eks_cluster")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Unknown or unset ``version`` means the latest, which is in standard support."""
    yield CostComponent(
        name="EKS cluster", unit="hours", monthly_quantity=hours(),
        query=aws_query(EKS, r.region, meter="Compute per Hours"),
    )
    if extended_support(r):
        yield CostComponent(
            name=f"EKS extended support (Kubernetes {r.text('version')})", unit="hours",
            monthly_quantity=hours(),
            query=aws_query(EKS, r.region, meter="Compute ExtendedSupport per Hours"),
        )
