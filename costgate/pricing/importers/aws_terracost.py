"""terracost's AWS eu-west-1 export (CONVERTED JSONL.gz, 2023-02-23) → PriceRecords.

One product per line: ``{provider, sku, location, service, family, attributes, prices}`` with
PascalCase attribute names and prices ``{currency, unit, price, attributes: {TermType,
StartingRange}}``. OnDemand prices are imported; Reserved ones carry no lease length, class or
payment option, so they are skipped and counted. There is no rate code: ``native_id`` is
``SKU.JRTCKXETXF`` (the on-demand offer term) plus ``#<StartingRange>`` for upper tiers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from costgate.model.pricing import PriceRecord, Provenance, Trust
from costgate.pricing import aws_regions
from costgate.pricing.importers import aws_meters
from costgate.pricing.importers.aws_common import (
    FAMILY_ALIASES,
    bump,
    decimal_of,
    guarded,
    normalise_unit,
    open_text,
    range_bound,
    require,
    source_file,
)

SOURCE_ID = "aws-terracost"
#: The dump's date (file name and SOURCES.md: "2023-02-23-pricing.sql.gz").
PRICE_DATE = dt.date(2023, 2, 23)

_ATTRIBUTES = {
    "UsageType": "usage_type",
    "InstanceType": "instance_type",
    "OperatingSystem": "operating_system",
    "Tenancy": "tenancy",
    "PreInstalledSW": "pre_installed_sw",
    "CapacityStatus": "capacity_status",
    "LicenseModel": "license_model",
    "VolumeAPIName": "volume_api_name",
    "VolumeType": "volume_type",
    "DatabaseEngine": "database_engine",
    "DatabaseEdition": "database_edition",
    "DeploymentOption": "deployment_option",
    "CacheEngine": "cache_engine",
    "Group": "group",
    "EBSOptimized": "ebs_optimized",
}


def iter_records(
    path: Path, root: Path, *, stats: dict[str, int] | None = None
) -> Iterator[PriceRecord]:
    """Stream the JSONL(.gz) export; skipped rows are counted in ``stats`` by reason."""
    return guarded(path, _iter(path, root, stats))


def _iter(path: Path, root: Path, stats: dict[str, int] | None) -> Iterator[PriceRecord]:
    prov = Provenance(source=SOURCE_ID, source_file=source_file(path, root), price_date=PRICE_DATE, trust=Trust.DERIVED)
    with open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                product = json.loads(line, parse_float=Decimal)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
            require(
                isinstance(product, dict) and "sku" in product and "prices" in product,
                path,
                f"line {number}: not a terracost product object",
            )
            yield from _product(product, prov, stats)


def _product(product: dict[str, Any], prov: Provenance, stats: dict[str, int] | None) -> Iterator[PriceRecord]:
    sku = str(product["sku"])
    family = FAMILY_ALIASES.get(product.get("family", ""), product.get("family", ""))
    raw_attrs: dict[str, Any] = product.get("attributes") or {}
    attributes = {
        _ATTRIBUTES[k]: str(v) for k, v in raw_attrs.items() if k in _ATTRIBUTES and v not in ("", None)
    }
    usage = attributes.get("usage_type", "")
    if family == "NAT Gateway" and aws_meters.is_private_nat(usage):
        bump(stats, "skipped_nat_private")
        return
    location = str(product.get("location") or "")
    region: str | None = location or None
    if region is not None and not aws_regions.is_region_code(region):
        bump(stats, "skipped_unknown_region")
        return
    info = aws_meters.lookup(family, usage) if usage else None
    if info is not None and info.charge:
        attributes["charge"] = info.charge
    if info is not None and info.meter:
        attributes["meter"] = info.meter
    on_demand: list[tuple[Decimal, dict[str, Any]]] = []
    for price in product["prices"]:
        term_type = (price.get("attributes") or {}).get("TermType", "")
        if term_type != "OnDemand":
            bump(stats, f"skipped_{term_type or 'no_term'}")
            continue
        start = range_bound((price.get("attributes") or {}).get("StartingRange")) or Decimal(0)
        on_demand.append((start, price))
    on_demand.sort(key=lambda item: item[0])
    # Tiers are only given by their start; each ends where the next one starts.
    ends: list[Decimal | None] = [start for start, _ in on_demand[1:]]
    ends += [None] * bool(on_demand)
    for (start, price), end in zip(on_demand, ends, strict=True):
        raw_unit = str(price.get("unit", ""))
        unit, value, divisor = normalise_unit(raw_unit, decimal_of(price["price"], f"{sku} price"))
        record_attrs = dict(attributes)
        if raw_unit and raw_unit != unit:
            record_attrs["unit_raw"] = raw_unit
        tier_start = start * divisor
        tier_end = None if end is None else end * divisor
        if info is not None and info.tier is not None and start == 0 and end is None:
            tier_start, tier_end = info.tier
        native = f"{sku}.JRTCKXETXF" + (f"#{start}" if start else "")
        yield PriceRecord(
            provider="aws",
            service=str(product["service"]),
            product_family=family,
            region=region,
            attributes=record_attrs,
            unit=unit,
            price=value,
            currency=str(price.get("currency") or "USD"),
            tier_start=tier_start,
            tier_end=tier_end,
            native_id=native,
            provenance=prov,
        )
