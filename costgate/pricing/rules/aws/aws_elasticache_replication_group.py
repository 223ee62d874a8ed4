"""aws_elasticache_replication_group: cache node hours for all shards and replicas."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.aws._cache import node_hours
from costgate.pricing.rules.aws._common import MAX_COUNT, positive


def node_count(r: Resource) -> Decimal | None:
    """Cluster mode: shards × (replicas + 1); else ``num_cache_clusters`` (default 1)."""
    cluster_mode = r.blocks("cluster_mode")  # provider v4 block
    shards = r.number("num_node_groups") or (
        cluster_mode[0].get("num_node_groups") if cluster_mode else None)
    if shards is not None:
        replicas = r.number("replicas_per_node_group")
        if replicas is None and cluster_mode:
            replicas = cluster_mode[0].get("replicas_per_node_group")
        return positive(shards, "num_node_groups", maximum=500) * (
            positive(replicas or 0, "replicas_per_node_group", maximum=5) + 1)
    for key in ("num_cache_clusters", "number_cache_clusters"):
        if r.is_unknown(key):
            return None
        if r.number(key) is not None:
            return positive(r.number(key), key, maximum=MAX_COUNT)
    return Decimal(1)


@pricing_rule("aws_elasticache_replication_group")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """``engine`` defaults to redis (provider docs)."""
    engine = r.text("engine", "redis") or "redis"
    node_type = None if r.is_unknown("node_type") else r.text("node_type")
    yield node_hours(r.region, node_type, engine, node_count(r))
