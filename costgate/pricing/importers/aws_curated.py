"""``curated-aws/ebs-nat.csv``: hand-typed EBS and NAT gateway prices → PriceRecords.

Columns: ``service, region, component, volume_type, unit, price_usd, tier_start, tier_end,
source_page, price_date``. Components map to the vocabulary's EBS/NAT ``charge``; ``archive``
snapshots become ``snapshot_archive``. The file says only "2025" for the date, so records are
dated 2025-01-01 (documented in docs/pricing-sources-aws.md). Trust: CURATED.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from costgate.model.pricing import PriceRecord, Provenance, Trust
from costgate.pricing.importers.aws_common import (
    decimal_of,
    guarded,
    normalise_unit,
    open_text,
    parse_date,
    range_bound,
    require,
    source_file,
)

SOURCE_ID = "aws-curated"

_COLUMNS = [
    "service", "region", "component", "volume_type", "unit", "price_usd",
    "tier_start", "tier_end", "source_page", "price_date",
]  # fmt: skip

# component → (product_family, charge); EBS families follow the bulk offer files.
_EBS = {
    "storage": ("Storage", "storage"),
    "iops": ("System Operation", "iops"),
    "throughput": ("Provisioned Throughput", "throughput"),
    "io_requests": ("System Operation", "io_requests"),
    "snapshot": ("Storage Snapshot", "snapshot"),
}
_NAT = {
    "nat_gateway_hours": ("NAT Gateway", "hours"),
    "nat_gateway_bytes": ("NAT Gateway", "data_processed"),
}
_EXTRA_UNITS = {"1m-requests": ("request", Decimal(1_000_000))}


def _date(text: str) -> dt.date:
    """``2025`` (all the file gives) → 2025-01-01; full dates pass through."""
    raw = text.strip()
    return dt.date(int(raw), 1, 1) if raw.isdigit() and len(raw) == 4 else parse_date(raw)


def iter_records(
    path: Path, root: Path, *, stats: dict[str, int] | None = None
) -> Iterator[PriceRecord]:
    """Stream the curated CSV (``stats`` accepted for a uniform importer signature)."""
    return guarded(path, _iter(path, root))


def _iter(path: Path, root: Path) -> Iterator[PriceRecord]:
    rel = source_file(path, root)
    with open_text(path) as handle:
        reader = csv.DictReader(handle)
        require(reader.fieldnames == _COLUMNS, path, f"unexpected header {reader.fieldnames}")
        for row in reader:
            line = reader.line_num
            component, volume = row["component"], row["volume_type"]
            attributes: dict[str, str] = {}
            if component in _NAT:
                family, charge = _NAT[component]
            elif component == "snapshot" and volume == "archive":
                family, charge = "Storage Snapshot", "snapshot_archive"
            elif component in _EBS:
                family, charge = _EBS[component]
                if component != "snapshot":
                    attributes["volume_api_name"] = volume
            else:
                require(False, path, f"line {line}: unknown component {component!r}")
            attributes["charge"] = charge
            raw_unit = row["unit"]
            price = decimal_of(row["price_usd"], f"line {line} price")
            if raw_unit.lower() in _EXTRA_UNITS:
                unit, divisor = _EXTRA_UNITS[raw_unit.lower()]
                price /= divisor
            else:
                unit, price, _ = normalise_unit(raw_unit, price)
            attributes["unit_raw"] = raw_unit
            key = f"{row['region']}:{component}:{volume}:{row['tier_start'] or 0}"
            tier_start = range_bound(row["tier_start"]) or Decimal(0)
            if "free" in row["source_page"].lower() and tier_start > 0:
                # gp3's free 3,000 IOPS / 125 MiB/s: the bulk files price these from 0 and
                # rules subtract the allowance (CostComponent.free_quantity), so do the same.
                attributes["included_free"] = str(tier_start)
                tier_start = Decimal(0)
            yield PriceRecord(
                provider="aws",
                service=row["service"],
                product_family=family,
                region=row["region"],
                attributes=attributes,
                unit=unit,
                price=price,
                tier_start=tier_start,
                tier_end=range_bound(row["tier_end"]),
                native_id=f"curated-aws:{key}",
                provenance=Provenance(
                    source=SOURCE_ID,
                    source_file=rel,
                    price_date=_date(row["price_date"]),
                    trust=Trust.CURATED,
                ),
            )
