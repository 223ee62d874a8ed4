"""ec2instances.info (vantage) JSON exports → PriceRecords.

Three shapes, told apart by content:

* ``opszero-app/instances.json`` (``{"data": [...]}``): EC2 Linux ``ondemand`` and ``spot_avg``
  per (type, region code). Rows repeat per architecture, so (type, region) is deduplicated;
  ``"0.0"`` prices (p4d/p5 in 2024) are discarded.
* ``www/cache/instances.json`` (a list of ElastiCache nodes): ``pricing[region][engine]
  .ondemand`` (JSON floats, read as Decimal text).
* the single-instance mock (``{"instance_type", "pricing"}``): on-demand and spot per region
  and OS.

Reserved figures in these files are amortised effective hourly rates, not AWS's upfront +
hourly split, so they are skipped (counted). Regions are codes already (Local and Wavelength
zone codes included). Trust: DERIVED.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from costgate.model.pricing import PriceRecord, Provenance, PurchaseOption, Trust
from costgate.pricing.importers.aws_common import (
    EC2_LINUX_SHARED,
    bump,
    decimal_of,
    guarded,
    load_json,
    require,
    source_file,
)

SOURCE_ID = "aws-vantage"

# Dates of the staged blobs (SOURCES.md); files without one in the name use the mock's date.
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
_MOCK_DATE = dt.date(2026, 7, 20)

# Mock OS keys → (operating_system, pre_installed_sw) in bulk spelling.
_MOCK_OS = {
    "linux": ("Linux", "NA"),
    "linuxSQL": ("Linux", "SQL Std"),
    "linuxSQLWeb": ("Linux", "SQL Web"),
    "linuxSQLEnterprise": ("Linux", "SQL Ent"),
    "mswin": ("Windows", "NA"),
    "mswinSQL": ("Windows", "SQL Std"),
    "mswinSQLWeb": ("Windows", "SQL Web"),
    "mswinSQLEnterprise": ("Windows", "SQL Ent"),
    "rhel": ("RHEL", "NA"),
    "sles": ("SUSE", "NA"),
}


def iter_records(
    path: Path, root: Path, *, stats: dict[str, int] | None = None
) -> Iterator[PriceRecord]:
    """Read one vantage file (a few MB, loaded whole); skipped rows are counted in ``stats``."""
    return guarded(path, _iter(path, root, stats))


def _iter(path: Path, root: Path, stats: dict[str, int] | None) -> Iterator[PriceRecord]:
    doc = load_json(path)
    match = _DATE_IN_NAME.search(path.name)
    date = dt.date.fromisoformat(match.group(1)) if match else _MOCK_DATE
    prov = Provenance(source=SOURCE_ID, source_file=source_file(path, root), price_date=date, trust=Trust.DERIVED)
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        yield from _opszero(doc["data"], prov, stats)
    elif isinstance(doc, list) and doc and isinstance(doc[0], dict) and doc[0].get("servicecode") == "AmazonElastiCache":
        yield from _elasticache(doc, prov, stats)
    elif isinstance(doc, dict) and "instance_type" in doc and isinstance(doc.get("pricing"), dict):
        yield from _mock(doc, prov, stats)
    else:
        require(False, path, "not an ec2instances.info export (no data list, cache list or single instance)")


def _ec2(instance_type: str, region: str, option: PurchaseOption, price: Decimal, prov: Provenance,
         attrs: dict[str, str] | None = None) -> PriceRecord:
    kind = "spot_avg" if option is PurchaseOption.SPOT else "ondemand"
    attributes = {"instance_type": instance_type, **(attrs or EC2_LINUX_SHARED)}
    os_key = "" if attrs is None else f":{attributes['operating_system']}:{attributes['pre_installed_sw']}"
    return PriceRecord(
        provider="aws",
        service="AmazonEC2",
        product_family="Compute Instance",
        region=region,
        attributes=attributes,
        purchase_option=option,
        unit="hour",
        price=price,
        native_id=f"vantage:{region}:{instance_type}{os_key}:{kind}",
        provenance=prov,
    )


def _opszero(rows: list[Any], prov: Provenance, stats: dict[str, int] | None) -> Iterator[PriceRecord]:
    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = (str(row["instance-type"]), str(row["region"]))
        if key in seen:
            bump(stats, "skipped_duplicate")
            continue
        seen.add(key)
        for field, option in (("ondemand", PurchaseOption.ON_DEMAND), ("spot_avg", PurchaseOption.SPOT)):
            raw = row.get(field)
            if raw is None:
                bump(stats, f"skipped_no_{field}")
                continue
            price = decimal_of(raw, f"{key[0]} {key[1]} {field}")
            if price <= 0:
                bump(stats, f"skipped_zero_{field}")
                continue
            yield _ec2(key[0], key[1], option, price, prov)


def _elasticache(nodes: list[Any], prov: Provenance, stats: dict[str, int] | None) -> Iterator[PriceRecord]:
    for node in nodes:
        instance_type = str(node["instance_type"])
        for region, engines in node["pricing"].items():
            for engine, prices in engines.items():
                if prices.get("reserved"):
                    bump(stats, "skipped_reserved_amortised")
                raw = prices.get("ondemand")
                if raw is None or decimal_of(raw, f"{instance_type} {region} {engine}") <= 0:
                    bump(stats, "skipped_zero_ondemand")
                    continue
                yield PriceRecord(
                    provider="aws",
                    service="AmazonElastiCache",
                    product_family="Cache Instance",
                    region=region,
                    attributes={"instance_type": instance_type, "cache_engine": engine},
                    unit="hour",
                    price=decimal_of(raw, instance_type),
                    native_id=f"vantage:{region}:{instance_type}:{engine}",
                    provenance=prov,
                )


def _mock(doc: dict[str, Any], prov: Provenance, stats: dict[str, int] | None) -> Iterator[PriceRecord]:
    instance_type = str(doc["instance_type"])
    for region, systems in doc["pricing"].items():
        for os_key, prices in systems.items():
            if os_key not in _MOCK_OS or not isinstance(prices, dict):
                bump(stats, "skipped_os")
                continue
            operating_system, software = _MOCK_OS[os_key]
            attrs = {**EC2_LINUX_SHARED, "operating_system": operating_system, "pre_installed_sw": software}
            if prices.get("reserved"):
                bump(stats, "skipped_reserved_amortised")
            for field, option in (("ondemand", PurchaseOption.ON_DEMAND), ("spot_avg", PurchaseOption.SPOT)):
                raw = prices.get(field)
                if raw is None:
                    continue
                price = decimal_of(raw, f"{region} {os_key} {field}")
                if price > 0:
                    yield _ec2(instance_type, region, option, price, prov, attrs)
