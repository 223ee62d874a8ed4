"""azurerm_storage_account: blob capacity (tiered GB-month) and operations — all usage.

The product follows ``account_kind`` / ``account_tier`` / ``is_hns_enabled`` (StorageV2 →
``General Block Blob v2``, with hierarchical namespace → ``… Hierarchical Namespace``,
BlobStorage → ``Blob Storage``, Premium BlockBlobStorage → ``Premium Block Blob``), the SKU
follows ``access_tier`` (Hot by default) and ``account_replication_type`` (RAGRS → RA-GRS).
Capacity is tiered (first 50 TB, next 450 TB, over 500 TB) by the price records. Files,
queues, tables, data retrieval and geo-replication transfer are not priced; FileStorage
accounts are shown unpriced.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.azure._common import (
    azure_query,
    no_query,
    usage_component,
    usage_number,
)

REPLICATION = {"LRS": "LRS", "ZRS": "ZRS", "GRS": "GRS", "RAGRS": "RA-GRS", "GZRS": "GZRS",
               "RAGZRS": "RA-GZRS"}
TEN_THOUSAND = Decimal(10000)

USAGE = (
    UsageKey("storage_gb", float, "Average GB of blob data stored per month", 1000),
    UsageKey("monthly_write_operations", int, "Blob write operations per month", 1000000),
    UsageKey("monthly_read_operations", int, "Blob read operations per month", 10000000),
)


def _product(r: Resource, tier: str) -> tuple[str, str] | None:
    """(product name, access tier label) or None for kinds this rule cannot price."""
    kind = r.text("account_kind") or "StorageV2"
    access = (r.text("access_tier") or "Hot").capitalize()
    if tier == "Premium":
        return ("Premium Block Blob", "Premium") if kind == "BlockBlobStorage" else None
    if kind == "StorageV2":
        hns = r.flag("is_hns_enabled")
        return ("General Block Blob v2" + (" Hierarchical Namespace" if hns else ""), access)
    if kind == "BlobStorage":
        return "Blob Storage", access
    return None


def _meters(access: str, repl: str, hns: bool) -> tuple[str, str, str]:
    """Meter names for data stored, writes and reads (the Retail API's own, uneven spellings)."""
    stored = f"{access} {repl} Data Stored"
    if hns or access in ("Premium", "Cold"):
        return stored, f"{access} {repl} Write Operations", f"{access} {repl} Read Operations"
    base = repl.removeprefix("RA-")
    read = f"{access} ZRS Read Operations" if "Z" in base else f"{access} Read Operations"
    return stored, f"{access} {base} Write Operations", read


@pricing_rule("azurerm_storage_account", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Capacity, writes and reads; every quantity is usage."""
    tier = (r.text("account_tier") or "Standard").capitalize()
    raw_repl = (r.text("account_replication_type") or "LRS").upper()
    if raw_repl not in REPLICATION:
        raise ValueError(f"unknown account_replication_type {raw_repl!r}")
    repl = REPLICATION[raw_repl]
    found = _product(r, tier)
    if found is None:
        kind = r.text("account_kind") or "StorageV2"
        yield no_query(f"Storage ({kind}, {tier})", "GB", f"{kind} {tier} accounts are not priced yet")
        return
    product, access = found
    sku = f"{access} {repl}"
    stored, write, read = _meters(access, repl, product.endswith("Namespace"))
    yield usage_component(
        f"Blob capacity ({sku})", "GB",
        azure_query("Storage", r.region, product_name=product, sku_name=sku, meter_name=stored),
        usage_number(usage, "storage_gb"),
    )
    for key, label, meter in (("monthly_write_operations", "Write operations", write),
                              ("monthly_read_operations", "Read operations", read)):
        count = usage_number(usage, key)
        yield usage_component(
            label, "10k operations",
            azure_query("Storage", r.region, product_name=product, sku_name=sku, meter_name=meter),
            None if count is None else count / TEN_THOUSAND, price_multiplier=TEN_THOUSAND,
        )
