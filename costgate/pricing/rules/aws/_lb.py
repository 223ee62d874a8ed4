"""Shared description of Elastic Load Balancing v2 (application, network, gateway)."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues
from costgate.pricing.rules.aws._common import ELB, aws_query, hours, usage_component, usage_number

USAGE = (
    UsageKey("monthly_lcu_hours", float,
             "Capacity-unit hours per month (LCU for ALB, NLCU for NLB, GLCU for GWLB)", 730),
)
_KINDS = {
    "application": ("Application load balancer", "Load Balancer-Application", "LCU"),
    "network": ("Network load balancer", "Load Balancer-Network", "NLCU"),
    "gateway": ("Gateway load balancer", "Load Balancer-Gateway", "GLCU"),
}


def lb_components(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """``load_balancer_type`` defaults to application (provider docs)."""
    kind = r.text("load_balancer_type", "application") or "application"
    if kind not in _KINDS:
        raise ValueError(f"unknown load_balancer_type {kind!r}")
    label, family, lcu = _KINDS[kind]
    yield CostComponent(
        name=label, unit="hours", monthly_quantity=hours(),
        query=aws_query(ELB, r.region, family=family, charge="hours"),
    )
    yield usage_component(
        f"Load balancer capacity units ({lcu})", "LCU-hours",
        aws_query(ELB, r.region, family=family, charge="lcu_hours"),
        usage_number(usage, "monthly_lcu_hours"),
    )
