"""aws_db_instance: instance hours by engine/licence/Multi-AZ, storage, provisioned IOPS, backups."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import no_query, positive, usage_component, usage_number
from costgate.pricing.rules.aws._rds import (
    STORAGE_METERS,
    az_label,
    cluster_io_optimized,
    engine_attrs,
    gp3_baseline,
    instance_hours,
    meter,
)

USAGE = (
    UsageKey("additional_backup_storage_gb", float,
             "Backup storage beyond the free allowance (100% of provisioned storage), GB", 100),
    UsageKey("monthly_standard_io_requests", int, "I/O requests per month (magnetic storage only)",
             10000000),
)
_MAX_GB = Decimal(65536)
_MILLION = Decimal(1000000)


def _storage(r: Resource, engine: str, multi_az: bool, usage: UsageValues) -> Iterator[CostComponent]:
    """Storage by ``storage_type`` (default io1 when ``iops`` is set, else gp2: provider docs)."""
    iops = r.number("iops")
    kind = r.text("storage_type") or ("io1" if iops else "gp2")
    if kind not in STORAGE_METERS:
        raise ValueError(f"unknown storage_type {kind!r}")
    az = az_label(multi_az, engine.startswith("sqlserver"))
    single = "Single AZ" if not multi_az else "Multi AZ"
    size = None if r.is_unknown("allocated_storage") else r.number("allocated_storage")
    name = f"Storage ({kind})"
    if size is None:
        yield no_query(name, "GB", "allocated_storage is unknown until apply")
        return
    size = positive(size, "allocated_storage", maximum=_MAX_GB)
    yield CostComponent(name=name, unit="GB", monthly_quantity=size,
                        query=meter(r.region, f"Database Storage {az} {STORAGE_METERS[kind]}"))
    if kind in ("io1", "io2") and iops:
        suffix = f"{single} SQL Server Mirror" if az.endswith("Mirror") else single
        yield CostComponent(  # io2 IOPS share the io1 metric (same price on the RDS page)
            name=f"Provisioned IOPS ({kind})", unit="IOPS", monthly_quantity=positive(iops, "iops"),
            query=meter(r.region, f"Provisioned IOPS {suffix}"))
    if kind == "gp3":
        base_iops, base_tp = gp3_baseline(engine, size)
        if iops and iops > base_iops:
            yield CostComponent(name="Provisioned IOPS (gp3)", unit="IOPS", monthly_quantity=iops,
                                free_quantity=base_iops,
                                query=meter(r.region, f"Provisioned GP3 IOPS {single}"))
        tp = r.number("storage_throughput")
        if tp and tp > base_tp:
            yield CostComponent(name="Provisioned throughput (gp3)", unit="MiBps",
                                monthly_quantity=tp, free_quantity=base_tp,
                                query=meter(r.region, f"Provisioned Throughput {single}"))
    if kind == "standard":
        ios = usage_number(usage, "monthly_standard_io_requests")
        yield usage_component("I/O requests", "1M requests",
                              meter(r.region, "System Operation Magnetic"),
                              None if ios is None else ios / _MILLION, price_multiplier=_MILLION)


@pricing_rule("aws_db_instance", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Aurora engines: instance hours only (storage is billed on aws_rds_cluster)."""
    engine = r.text("engine")
    if engine is None:
        yield no_query("Database instance (on-demand)", "hours", "engine is unknown")
        return
    multi_az = r.flag("multi_az")
    attrs = engine_attrs(engine, r.text("license_model"))
    if engine.startswith("aurora"):
        attrs["io_optimized"] = "Yes" if cluster_io_optimized(r) else "No"
    itype = None if r.is_unknown("instance_class") else r.text("instance_class")
    yield instance_hours(r.region, itype, attrs, multi_az)
    if engine.startswith("aurora"):
        return
    yield from _storage(r, engine, multi_az, usage)
    yield usage_component("Additional backup storage", "GB", meter(r.region, "Storage Snapshot"),
                          usage_number(usage, "additional_backup_storage_gb", maximum=_MAX_GB * 100))
