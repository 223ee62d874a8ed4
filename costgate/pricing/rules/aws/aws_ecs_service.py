"""aws_ecs_service on Fargate: tasks × (vCPU-hours + GB-hours + ephemeral storage above 20 GB).

The task size lives on the ``aws_ecs_task_definition`` the service names, so the rule reads
it from the plan context (``_context.current()``): the resource the ``task_definition``
expression references, else one whose ``arn``/``family`` equals the attribute. Without a
context or a match, the vCPU and memory lines are shown unpriced, never as $0.
EC2/EXTERNAL launch types bill the container instances, not the service: no components.
Fargate Spot has no prices in the snapshot and is shown unpriced.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.money import HOURS_PER_MONTH
from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.context import current
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import MAX_COUNT, no_query, positive
from costgate.pricing.rules.aws._usage_helpers import attribute, meter_query, unknown

SERVICE = "AmazonECS"
TASK_DEFINITION = "aws_ecs_task_definition"
#: Fargate includes 20 GB of ephemeral storage per task; size_in_gib is 21..200 when set.
FREE_EPHEMERAL_GB = Decimal(20)
_MIB_PER_GB = Decimal(1024)
_CPU_UNITS = Decimal(1024)

#: platform → (label, vCPU meter, memory meter, OS licence meter or None)
_PLATFORMS = {
    "x86_64": ("Linux/x86", "perCPU per hour", "perGB per hour", None),
    "arm64": ("Linux/ARM", "ARM perCPU per hour", "ARM perGB per hour", None),
    "windows": ("Windows", "perCPU per hour Windows", "perGB per hour Windows",
                "perCPU OS License Fee per hour Windows"),
}


@pricing_rule("aws_ecs_service")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Fargate tasks (desired_count, provider default 0) priced from their task definition."""
    task_def = _task_definition(r)
    shares = _fargate_shares(r, task_def)
    if shares is None:
        return  # EC2 / EXTERNAL: the container instances carry the cost
    on_demand, spot = shares
    if on_demand is None:
        yield unknown("Fargate tasks", "vCPU-hours", "desired_count")
        return
    if spot:
        yield no_query(f"Fargate Spot tasks ({spot})", "vCPU-hours",
                       "Fargate Spot prices are not in the price snapshot")
    if task_def is None:
        why = (f"the task size is on {TASK_DEFINITION}, which is not in this plan"
               if current() is not None else
               f"the task size is on {TASK_DEFINITION}; no plan context was given")
        yield no_query("Fargate vCPU", "vCPU-hours", why)
        yield no_query("Fargate memory", "GB-hours", why)
        return
    yield from _task_components(r, task_def, on_demand)


def _task_components(r: Resource, td: Resource, tasks: Decimal) -> Iterator[CostComponent]:
    """vCPU, memory, optional OS licence and ephemeral storage for ``tasks`` always-on tasks."""
    platform = _platform(td)
    label, cpu_meter, mem_meter, licence_meter = _PLATFORMS[platform]
    cpu = attribute(td, "cpu", None, minimum=128, maximum=16 * _CPU_UNITS)
    memory = attribute(td, "memory", None, minimum=512, maximum=120 * _MIB_PER_GB)
    hours = tasks * HOURS_PER_MONTH
    if cpu is None:
        yield unknown(f"vCPU ({label})", "vCPU-hours", f"{td.address}.cpu")
    else:
        vcpu_hours = hours * cpu / _CPU_UNITS
        yield CostComponent(name=f"vCPU ({label})", unit="vCPU-hours", monthly_quantity=vcpu_hours,
                            query=meter_query(SERVICE, r.region, cpu_meter))
        if licence_meter:
            yield CostComponent(name="Windows OS licence", unit="vCPU-hours",
                                monthly_quantity=vcpu_hours,
                                query=meter_query(SERVICE, r.region, licence_meter))
    if memory is None:
        yield unknown(f"Memory ({label})", "GB-hours", f"{td.address}.memory")
    else:
        yield CostComponent(name=f"Memory ({label})", unit="GB-hours",
                            monthly_quantity=hours * memory / _MIB_PER_GB,
                            query=meter_query(SERVICE, r.region, mem_meter))
    blocks = td.blocks("ephemeral_storage")
    size = blocks[0].get("size_in_gib") if blocks else None
    if size is not None:
        gib = positive(size, "ephemeral_storage.size_in_gib", maximum=200)
        if gib > FREE_EPHEMERAL_GB:
            yield CostComponent(
                name=f"Ephemeral storage (above {FREE_EPHEMERAL_GB} GB)", unit="GB-hours",
                monthly_quantity=hours * (gib - FREE_EPHEMERAL_GB),
                query=meter_query(SERVICE, r.region, "Storage per GB-Hours"),
            )


def _fargate_shares(
    r: Resource, td: Resource | None
) -> tuple[Decimal | None, Decimal] | None:
    """(on-demand Fargate tasks, Fargate Spot tasks), or None when not on Fargate.

    A capacity provider strategy splits tasks: each provider's ``base`` first, the rest by
    ``weight`` (ECS's documented placement). Without a strategy or launch type, a task
    definition that only allows FARGATE decides.
    """
    strategy = [b for b in r.blocks("capacity_provider_strategy") if b.get("capacity_provider")]
    launch = r.text("launch_type")
    fargate_only = td is not None and td.get("requires_compatibilities") == ["FARGATE"]
    if not strategy and launch != "FARGATE" and not (launch is None and fargate_only):
        return None
    if r.is_unknown("desired_count"):
        return None, Decimal(0)
    tasks = positive(r.get("desired_count", 0), "desired_count", maximum=MAX_COUNT)
    if not strategy:
        return tasks, Decimal(0)
    base = {str(b["capacity_provider"]): positive(b.get("base") or 0, "base", maximum=MAX_COUNT)
            for b in strategy}
    weight = {str(b["capacity_provider"]): positive(b.get("weight") or 0, "weight", maximum=1000)
              for b in strategy}
    if not any(name.startswith("FARGATE") for name in base):
        return None
    placed = {name: min(start, tasks) for name, start in base.items()}
    rest = max(tasks - sum(placed.values()), Decimal(0))
    total_weight = sum(weight.values())
    for name in placed:
        if total_weight:
            placed[name] += rest * weight[name] / total_weight
    return placed.get("FARGATE", Decimal(0)), placed.get("FARGATE_SPOT", Decimal(0))


def _task_definition(r: Resource) -> Resource | None:
    """The service's task definition from the plan context, or None."""
    ctx = current()
    if ctx is None:
        return None
    found = ctx.referenced(r, "task_definition", TASK_DEFINITION)
    value = r.text("task_definition")
    if not found and value:
        family = value.rsplit("/", 1)[-1].split(":", 1)[0]
        found = ctx.find(TASK_DEFINITION, arn=value) or ctx.find(TASK_DEFINITION, family=family)
    return found[0] if len(found) == 1 else None


def _platform(td: Resource) -> str:
    """x86_64, arm64 or windows from ``runtime_platform`` (default Linux/X86_64)."""
    blocks = td.blocks("runtime_platform")
    family = str(blocks[0].get("operating_system_family") or "LINUX") if blocks else "LINUX"
    arch = str(blocks[0].get("cpu_architecture") or "X86_64") if blocks else "X86_64"
    if family.upper().startswith("WINDOWS"):
        return "windows"
    if arch.upper() == "ARM64":
        return "arm64"
    if arch.upper() != "X86_64":
        raise ValueError(f"unknown cpu_architecture {arch!r}")
    return "x86_64"
