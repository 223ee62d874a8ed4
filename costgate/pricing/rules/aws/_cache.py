"""ElastiCache node hours shared by clusters and replication groups."""

from __future__ import annotations

from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.pricing.rules.aws._common import ELASTICACHE, aws_query, hours, no_query

ENGINES = {"redis": "Redis", "memcached": "Memcached", "valkey": "Valkey"}


def node_hours(region: str | None, node_type: str | None, engine: str, count: Decimal | None
               ) -> CostComponent:
    """``count`` cache nodes of ``node_type`` for ``engine`` (Terraform spelling)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown ElastiCache engine {engine!r}")
    if node_type is None or count is None:
        what = "node type" if node_type is None else "node count"
        return no_query("ElastiCache (on-demand)", "hours", f"{what} is unknown until apply")
    return CostComponent(
        name=f"ElastiCache (on-demand, {ENGINES[engine]}, {node_type})", unit="hours",
        monthly_quantity=hours(count),
        query=aws_query(ELASTICACHE, region, family="Cache Instance", instance_type=node_type,
                        cache_engine=ENGINES[engine]),
    )
