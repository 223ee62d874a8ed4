"""Karpenter's generated EC2 on-demand Linux price tables (converted to CSV) → PriceRecords.

Columns: ``region, instance_type, price_<currency>_per_hour, generated_at``. The China file
(cn-north-1) is in CNY although its Go source does not say so; the currency is taken from the
price column's name. AWS generates these from its Pricing API, so trust is DERIVED; the price
date is the row's ``generated_at`` (see SOURCES.md).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from costgate.model.pricing import PriceRecord, Provenance, Trust
from costgate.pricing.importers.aws_common import (
    EC2_LINUX_SHARED,
    bump,
    decimal_of,
    guarded,
    open_text,
    parse_date,
    require,
    source_file,
)

SOURCE_ID = "aws-karpenter"


def iter_records(
    path: Path, root: Path, *, stats: dict[str, int] | None = None
) -> Iterator[PriceRecord]:
    """Stream one Karpenter CSV; zero prices are skipped (counted in ``stats``)."""
    return guarded(path, _iter(path, root, stats))


def _iter(path: Path, root: Path, stats: dict[str, int] | None) -> Iterator[PriceRecord]:
    rel = source_file(path, root)
    with open_text(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        require(header is not None, path, "empty file")
        assert header is not None
        price_cols = [h for h in header if h.startswith("price_") and h.endswith("_per_hour")]
        require(
            len(header) == 4 and header[:2] == ["region", "instance_type"] and len(price_cols) == 1
            and header[3] == "generated_at",
            path,
            "not a Karpenter price CSV (expected region,instance_type,price_<cur>_per_hour,generated_at)",
        )
        currency = price_cols[0].split("_")[1].upper()
        for row in reader:
            if not row:
                continue
            require(len(row) == 4, path, f"line {reader.line_num}: expected 4 columns, got {len(row)}")
            region, instance_type, price_text, generated = row
            require(bool(region and instance_type), path, f"line {reader.line_num}: empty region or type")
            price = decimal_of(price_text, f"line {reader.line_num} price")
            if price <= 0:
                bump(stats, "skipped_zero_price")
                continue
            yield PriceRecord(
                provider="aws",
                service="AmazonEC2",
                product_family="Compute Instance",
                region=region,
                attributes={"instance_type": instance_type, **EC2_LINUX_SHARED},
                unit="hour",
                price=price,
                currency=currency,
                native_id=f"karpenter:{region}:{instance_type}",
                provenance=Provenance(
                    source=SOURCE_ID,
                    source_file=rel,
                    price_date=parse_date(generated),
                    trust=Trust.DERIVED,
                ),
            )
