"""aws_rds_cluster: Aurora storage, I/O requests and backup storage (usage); serverless v1 ACUs."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.money import HOURS_PER_MONTH
from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import usage_component, usage_number
from costgate.pricing.rules.aws._rds import ENGINES, meter

USAGE = (
    UsageKey("storage_gb", float, "Average cluster storage, GB", 100),
    UsageKey("monthly_io_requests", int, "I/O requests per month (standard storage only)", 100000000),
    UsageKey("backup_snapshot_size_gb", float, "Backup storage beyond the free allowance, GB", 100),
    UsageKey("capacity_units_per_hr", float, "Average ACUs per hour (engine_mode = serverless)", 4),
)
_MILLION = Decimal(1000000)
_MAX_GB = Decimal(128 * 1024)  # Aurora's 128 TiB cluster volume limit


@pricing_rule("aws_rds_cluster", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Instances are separate (aws_rds_cluster_instance; serverless v2 ACUs are billed there).

    ``engine`` defaults to ``aurora`` (Aurora MySQL) and ``storage_type`` to standard
    (provider docs); ``aurora-iopt1`` (I/O-Optimized) has no I/O charge.
    """
    engine = r.text("engine", "aurora") or "aurora"
    if not engine.startswith("aurora"):
        raise ValueError(f"aws_rds_cluster engine {engine!r} (Multi-AZ DB clusters) is not supported")
    db = ENGINES[engine][0]
    optimized = r.text("storage_type") == "aurora-iopt1"
    storage_meter = "Any IO Optimized Aurora" if optimized else (
        "Database Storage Single AZ General Purpose-Aurora")
    yield usage_component(f"Storage ({'I/O-Optimized' if optimized else 'standard'})", "GB",
                          meter(r.region, storage_meter),
                          usage_number(usage, "storage_gb", maximum=_MAX_GB))
    if not optimized:
        ios = usage_number(usage, "monthly_io_requests")
        yield usage_component("I/O requests", "1M requests",
                              meter(r.region, "System Operation Aurora I O Operation"),
                              None if ios is None else ios / _MILLION, price_multiplier=_MILLION)
    yield usage_component("Backup storage", "GB", meter(r.region, f"Storage Snapshot {db}"),
                          usage_number(usage, "backup_snapshot_size_gb", maximum=_MAX_GB * 100))
    if r.text("engine_mode") == "serverless":
        acu = usage_number(usage, "capacity_units_per_hr", maximum=256)
        yield usage_component("Aurora serverless v1 capacity", "ACU-hours",
                              meter(r.region, f"{db} Serverless"),
                              None if acu is None else acu * HOURS_PER_MONTH)
