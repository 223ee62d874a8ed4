"""aws_dynamodb_table: provisioned RCU/WCU hours or on-demand request units, storage, backups.

PROVISIONED (provider default) bills read/write capacity units per hour; PAY_PER_REQUEST bills
read/write request units as usage. On-demand request prices were halved in November 2024
(us-east-1: $0.125 per 1M reads, $0.625 per 1M writes); the snapshot's 2025 data has the new
prices. ``table_class`` STANDARD_INFREQUENT_ACCESS uses the "IA" meters. Each ``replica``
(global table) adds replicated writes billed in the replica's region. The account free tier
(25 GB, 25 RCU/WCU) is not deducted.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.money import HOURS_PER_MONTH
from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import no_query
from costgate.pricing.rules.aws._usage_helpers import (
    MILLION,
    attribute,
    count,
    gigabytes,
    meter_query,
    unknown,
    usage_line,
)

SERVICE = "AmazonDynamoDB"
#: Sanity bound for provisioned capacity units (AWS's default quota is 40,000 per table).
MAX_CAPACITY = Decimal(10_000_000)

USAGE = (
    UsageKey("monthly_read_request_units", int, "On-demand: read request units per month.",
             10_000_000),
    UsageKey("monthly_write_request_units", int, "On-demand: write request units per month.",
             1_000_000),
    UsageKey("storage_gb", float, "Table storage including indexes (GB).", 10),
    UsageKey("pitr_backup_storage_gb", float, "Point-in-time recovery backup size (GB).", 10),
    UsageKey("on_demand_backup_storage_gb", float, "On-demand backup size (GB).", 10),
    UsageKey("monthly_data_restored_gb", float, "GB restored from backups per month.", 0),
    UsageKey("monthly_streams_read_request_units", int, "Streams read request units per month.",
             1_000_000),
)


@pricing_rule("aws_dynamodb_table", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Throughput by billing mode, then storage, backups, restores and streams."""
    if r.is_unknown("billing_mode") or r.is_unknown("table_class"):
        yield unknown("Throughput", "hours", "billing_mode/table_class")
        return
    ia = (r.text("table_class") or "STANDARD") == "STANDARD_INFREQUENT_ACCESS"
    suffix = " IA" if ia else ""
    mode = r.text("billing_mode") or "PROVISIONED"
    replicas = [b["region_name"] for b in r.blocks("replica") if b.get("region_name")]
    if mode == "PROVISIONED":
        yield from _provisioned(r, suffix, replicas)
    elif mode == "PAY_PER_REQUEST":
        yield from _on_demand(r, usage, suffix, replicas)
    else:
        raise ValueError(f"unknown billing_mode {mode!r}")
    storage_meter = "Data Storage Indexed - IA GB-Mo" if ia else "Data Storage Indexed GB-Mo"
    yield usage_line("Data storage", "GB", meter_query(SERVICE, r.region, storage_meter),
                     gigabytes(usage, "storage_gb"))
    pitr = r.blocks("point_in_time_recovery")
    if pitr and pitr[0].get("enabled") is True:
        yield usage_line("Point-in-time recovery (PITR) backup storage", "GB",
                         meter_query(SERVICE, r.region, "PITR Backup Storage GB-Mo"),
                         gigabytes(usage, "pitr_backup_storage_gb"))
    for key, name, meter in (
        ("on_demand_backup_storage_gb", "On-demand backup storage",
         "On-Demand Backup Storage GB-Month"),
        ("monthly_data_restored_gb", "Table data restored", "Restore Data Size"),
    ):
        if usage.get(key) is not None:
            yield usage_line(name, "GB", meter_query(SERVICE, r.region, meter),
                             gigabytes(usage, key))
    if r.flag("stream_enabled") or usage.get("monthly_streams_read_request_units") is not None:
        yield usage_line("Streams read request units", "1M sRRUs",
                         meter_query(SERVICE, r.region, "Streams Read Requests"),
                         count(usage, "monthly_streams_read_request_units"), MILLION)


def _provisioned(r: Resource, suffix: str, replicas: list[str]) -> Iterator[CostComponent]:
    """Write and read capacity units × 730 h; replicas add replicated WCUs in their region."""
    wcu = attribute(r, "write_capacity", None, maximum=MAX_CAPACITY)
    rcu = attribute(r, "read_capacity", None, maximum=MAX_CAPACITY)
    for name, unit, value, key, meter in (
        ("Write capacity unit (WCU)", "WCU-hours", wcu, "write_capacity",
         f"Provisioned Write Units{suffix}"),
        ("Read capacity unit (RCU)", "RCU-hours", rcu, "read_capacity",
         f"Provisioned Read Units{suffix}"),
    ):
        if value is None:
            yield _missing(r, name, unit, key)
        else:
            yield CostComponent(name=name, unit=unit, monthly_quantity=value * HOURS_PER_MONTH,
                                query=meter_query(SERVICE, r.region, meter))
    for region in replicas:
        name = f"Replicated write capacity unit (rWCU, {region})"
        if wcu is None:
            yield _missing(r, name, "rWCU-hours", "write_capacity")
        else:
            yield CostComponent(
                name=name, unit="rWCU-hours", monthly_quantity=wcu * HOURS_PER_MONTH,
                query=meter_query(SERVICE, region, f"Provisioned Replicated Write Units{suffix}"),
            )


def _on_demand(
    r: Resource, usage: UsageValues, suffix: str, replicas: list[str]
) -> Iterator[CostComponent]:
    """Write and read request units per 1M; replicas add replicated writes in their region."""
    writes = count(usage, "monthly_write_request_units")
    yield usage_line("Write request units (WRU)", "1M WRUs",
                     meter_query(SERVICE, r.region, f"PayPerRequest Write Request Units{suffix}"),
                     writes, MILLION)
    yield usage_line("Read request units (RRU)", "1M RRUs",
                     meter_query(SERVICE, r.region, f"PayPerRequest Read Request Units{suffix}"),
                     count(usage, "monthly_read_request_units"), MILLION)
    for region in replicas:
        meter = f"PayPerRequest Replicated Write Request Units{suffix}"
        yield usage_line(f"Replicated write request units (rWRU, {region})", "1M rWRUs",
                         meter_query(SERVICE, region, meter), writes, MILLION)


def _missing(r: Resource, name: str, unit: str, key: str) -> CostComponent:
    """A capacity that is unknown until apply or not set: shown unpriced, never as 0."""
    if r.is_unknown(key):
        return unknown(name, unit, key)
    return no_query(name, unit, f"{key} is not set on a PROVISIONED table")
