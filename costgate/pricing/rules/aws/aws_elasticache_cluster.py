"""aws_elasticache_cluster: cache node hours (node type × num_cache_nodes) by engine."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.aws._cache import node_hours
from costgate.pricing.rules.aws._common import MAX_COUNT, positive


@pricing_rule("aws_elasticache_cluster")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """A member of a replication group is billed on the group, so it yields nothing here."""
    if r.get("replication_group_id") is not None:
        return
    engine = r.text("engine", "redis") or "redis"
    count = r.number("num_cache_nodes", 1)  # AWS: 1 for Redis; required for Memcached
    node_type = None if r.is_unknown("node_type") else r.text("node_type")
    yield node_hours(r.region, node_type, engine,
                     positive(count, "num_cache_nodes", maximum=MAX_COUNT))
