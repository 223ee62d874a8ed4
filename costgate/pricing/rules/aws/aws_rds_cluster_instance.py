"""aws_rds_cluster_instance: Aurora instance hours, or serverless v2 ACU-hours (usage)."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.money import HOURS_PER_MONTH
from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import no_query, usage_component, usage_number
from costgate.pricing.rules.aws._rds import (
    cluster_io_optimized,
    engine_attrs,
    instance_hours,
    meter,
)

USAGE = (
    UsageKey("capacity_units_per_hr", float,
             "Average Aurora capacity units per hour (instance_class = db.serverless)", 2),
)


@pricing_rule("aws_rds_cluster_instance", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Aurora instances are priced Single-AZ each; ``db.serverless`` bills ACU-hours instead.

    Instances of an I/O-Optimized cluster (found via the plan context) pay the higher rate.
    """
    engine = r.text("engine")
    if engine is None:
        yield no_query("Database instance (on-demand)", "hours", "engine is unknown")
        return
    attrs = engine_attrs(engine, None)
    optimized = cluster_io_optimized(r)
    itype = None if r.is_unknown("instance_class") else r.text("instance_class")
    if itype == "db.serverless":
        acu = usage_number(usage, "capacity_units_per_hr", maximum=256)
        mode = " Aurora IO Optimization Mode" if optimized else ""
        yield usage_component("Aurora serverless v2 capacity", "ACU-hours",
                              meter(r.region, f"{attrs['database_engine']} ServerlessV2{mode}"),
                              None if acu is None else acu * HOURS_PER_MONTH)
        return
    attrs["io_optimized"] = "Yes" if optimized else "No"
    yield instance_hours(r.region, itype, attrs, multi_az=False)
