"""aws_alb (alias of aws_lb): application, network or gateway load balancer hours plus capacity units (usage)."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.aws._lb import USAGE, lb_components


@pricing_rule("aws_alb", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Hours by ``load_balancer_type``; LCU/NLCU/GLCU hours from usage."""
    yield from lb_components(r, usage)
