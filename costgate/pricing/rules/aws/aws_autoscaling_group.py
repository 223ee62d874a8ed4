"""aws_autoscaling_group: desired capacity × the launch template's or configuration's instances."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import MAX_COUNT, no_query, positive
from costgate.pricing.rules.aws._ec2 import CPU_CREDIT_USAGE
from costgate.pricing.rules.aws._launch import (
    LaunchSpec,
    find_launch_configuration,
    find_launch_template,
    from_launch_configuration,
    from_launch_template,
    spec_components,
)


def desired(r: Resource) -> Decimal | None:
    """``desired_capacity``; AWS starts at ``min_size`` when it is unset (ASG docs)."""
    for key in ("desired_capacity", "min_size"):
        if not r.is_unknown(key) and r.number(key) is not None:
            return positive(r.number(key), key, maximum=MAX_COUNT)
    return None


def _split(r: Resource, count: Decimal) -> tuple[Decimal, Decimal, str | None, LaunchSpec | None]:
    """(on-demand, spot, override instance type, spec) for a mixed instances policy."""
    policy = r.blocks("mixed_instances_policy")[0]
    dist = (policy.get("instances_distribution") or [{}])[0] or {}
    base = min(positive(dist.get("on_demand_base_capacity") or 0, "on_demand_base_capacity"),
               count)
    pct = dist.get("on_demand_percentage_above_base_capacity")
    pct = positive(100 if pct is None else pct, "on_demand_percentage_above_base_capacity",
                   maximum=100)
    on_demand = base + (count - base) * pct / 100
    lt_block = (policy.get("launch_template") or [{}])[0] or {}
    spec_block = (lt_block.get("launch_template_specification") or [{}])[0] or {}
    overrides = [o for o in lt_block.get("override") or () if isinstance(o, dict)]
    itype = next((str(o["instance_type"]) for o in overrides if o.get("instance_type")), None)
    lt = find_launch_template(r, "mixed_instances_policy", spec_block)
    return on_demand, count - on_demand, itype, from_launch_template(lt) if lt else None


@pricing_rule("aws_autoscaling_group", usage=CPU_CREDIT_USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Needs a plan context (``_context.py``) to reach the template when only ids link them."""
    count = desired(r)
    if count is None:
        yield no_query("Instance usage (Linux/UNIX)", "hours", "desired capacity is unknown")
        return
    itype: str | None = None
    spot = Decimal(0)
    on_demand = count
    spec: LaunchSpec | None = None
    if r.blocks("mixed_instances_policy"):
        on_demand, spot, itype, spec = _split(r, count)
    elif r.blocks("launch_template"):
        lt = find_launch_template(r, "launch_template", r.blocks("launch_template")[0])
        spec = from_launch_template(lt) if lt else None
    elif r.get("launch_configuration") is not None or r.is_unknown("launch_configuration"):
        lc = find_launch_configuration(r)
        spec = from_launch_configuration(lc) if lc else None
    if spec is None and itype is not None:
        spec = LaunchSpec(source="override", instance_type=itype)
    if spec is None:
        yield no_query("Instance usage (Linux/UNIX)", "hours",
                       "launch template or configuration not found in the plan")
        return
    yield from spec_components(r.region, spec, usage, on_demand=on_demand, spot=spot,
                               instance_type=itype)
