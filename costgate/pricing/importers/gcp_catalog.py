"""Google Cloud Billing Catalog API ``skus`` responses → PriceRecords (trust RAW).

A page is ``{"skus": [...], "nextPageToken": "..."}``. A file may hold one page, a JSON list of
pages, or pages concatenated (one per line). The live refresh calls :func:`iter_page_skus`
once per downloaded page. One record is produced per ``serviceRegions`` entry and per tiered
rate; price = ``units + nanos / 1e9``, kept exact as Decimal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from costgate.errors import PricingDataError
from costgate.model.money import to_decimal
from costgate.model.pricing import PriceRecord, Provenance, PurchaseOption, Trust
from costgate.pricing.importers import files

SOURCE_ID = "gcp-catalog"
_NANO = Decimal(1_000_000_000)

#: ``category.usageType`` → (purchase option, term).
USAGE_TYPES: dict[str, tuple[PurchaseOption, str | None]] = {
    "OnDemand": (PurchaseOption.ON_DEMAND, None),
    "Preemptible": (PurchaseOption.SPOT, None),
    "Commit1Yr": (PurchaseOption.COMMITMENT, "1y"),
    "Commit3Yr": (PurchaseOption.COMMITMENT, "3y"),
}

#: ``pricingExpression.usageUnit`` → canonical unit (raw kept in ``unit_raw``).
UNITS: dict[str, str] = {
    "h": "hour",
    "mo": "month",
    "s": "second",
    "d": "day",
    "GiBy": "GB",
    "GiBy.h": "GB-hour",
    "GiBy.mo": "GB-month",
    "GiBy.s": "GB-second",
    "GiBy.d": "GB-day",
    "count": "request",
}

_GLOBAL = {"global", ""}


def iter_records(path: Path, root: Path) -> Iterator[PriceRecord]:
    """All records of a file of catalog pages; price date = newest ``effectiveTime`` in it."""
    pages = _load_pages(path)
    skus: list[dict[str, Any]] = []
    for page in pages:
        skus.extend(_page_sku_list(page, str(path)))
    price_date = _newest_effective_date(skus) or dt.date.fromtimestamp(path.stat().st_mtime)
    source_file = files.source_file(path, root)
    for index, sku in enumerate(skus):
        yield from _guarded(sku, index, None, source_file, price_date, str(path))


def iter_page_skus(
    page: dict[str, Any],
    service_display_name: str | None,
    source_file: str,
    price_date: dt.date,
) -> Iterator[PriceRecord]:
    """Records of one downloaded ``skus`` page.

    ``service_display_name`` (from ``services.list``) is used when a SKU lacks
    ``category.serviceDisplayName``.
    """
    for index, sku in enumerate(_page_sku_list(page, source_file)):
        yield from _guarded(sku, index, service_display_name, source_file, price_date, source_file)


def price_of(rate: dict[str, Any]) -> Decimal:
    """``unitPrice {units, nanos}`` → exact Decimal (units is a string in the API)."""
    money = rate["unitPrice"]
    units = to_decimal(money.get("units") or 0)
    nanos = to_decimal(money.get("nanos") or 0)
    return units + nanos / _NANO


# --- reading ------------------------------------------------------------------------------


def _load_pages(path: Path) -> list[Any]:
    docs: list[Any] = []
    for doc in files.json_documents(path, "a Cloud Billing Catalog skus page"):
        docs.extend(doc if isinstance(doc, list) else [doc])
    return docs


def _page_sku_list(page: Any, label: str) -> list[dict[str, Any]]:
    if not isinstance(page, dict) or not isinstance(page.get("skus", None), list):
        raise PricingDataError(f"{label}: not a Cloud Billing Catalog skus page (no 'skus' list)")
    skus: list[dict[str, Any]] = page["skus"]
    for index, sku in enumerate(skus):
        if not isinstance(sku, dict):
            raise PricingDataError(f"{label}: sku {index} is not an object")
    return skus


def _newest_effective_date(skus: list[dict[str, Any]]) -> dt.date | None:
    newest: dt.date | None = None
    for sku in skus:
        for info in sku.get("pricingInfo") or ():
            raw = info.get("effectiveTime") if isinstance(info, dict) else None
            if isinstance(raw, str) and len(raw) >= 10:
                try:
                    day = dt.date.fromisoformat(raw[:10])
                except ValueError:
                    continue
                newest = day if newest is None or day > newest else newest
    return newest


# --- conversion ---------------------------------------------------------------------------


def _guarded(
    sku: dict[str, Any],
    index: int,
    service_display_name: str | None,
    source_file: str,
    price_date: dt.date,
    label: str,
) -> Iterator[PriceRecord]:
    try:
        yield from _sku_records(sku, service_display_name, source_file, price_date)
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        problem = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        sku_id = sku.get("skuId", "?")
        raise PricingDataError(
            f"{label}: sku {index} ({sku_id}): {problem or 'bad value'}"
        ) from exc


def _current_pricing(sku: dict[str, Any]) -> dict[str, Any] | None:
    """The pricingInfo entry in force: the one with the newest ``effectiveTime``."""
    infos = [info for info in sku.get("pricingInfo") or () if isinstance(info, dict)]
    if not infos:
        return None
    return max(infos, key=lambda info: str(info.get("effectiveTime", "")))


def _sku_records(
    sku: dict[str, Any],
    service_display_name: str | None,
    source_file: str,
    price_date: dt.date,
) -> Iterator[PriceRecord]:
    category = sku["category"]
    usage_type = str(category.get("usageType", ""))
    if usage_type not in USAGE_TYPES:
        return  # e.g. "Commit1Mo" style or unknown future types: not a list price we model
    option, term = USAGE_TYPES[usage_type]
    info = _current_pricing(sku)
    if info is None:
        return
    expression = info["pricingExpression"]
    unit_raw = str(expression.get("usageUnit", ""))
    rates = sorted(
        expression.get("tieredRates") or (), key=lambda r: to_decimal(r.get("startUsageAmount", 0))
    )
    if not rates:
        return
    service = category.get("serviceDisplayName") or service_display_name
    if not service:
        raise ValueError("no category.serviceDisplayName")
    sku_id = str(sku["skuId"])
    attributes = {
        "resource_group": str(category.get("resourceGroup", "")),
        "usage_type": usage_type,
        "description": str(sku.get("description", "")),
        "unit_raw": unit_raw,
    }
    starts = [to_decimal(rate.get("startUsageAmount", 0)) for rate in rates]
    for region_raw in sku.get("serviceRegions") or ("global",):
        region = None if str(region_raw).lower() in _GLOBAL else str(region_raw)
        provenance = Provenance(
            source=SOURCE_ID,
            source_file=source_file,
            price_date=price_date,
            trust=Trust.RAW,
            location_raw=str(region_raw),
        )
        for position, rate in enumerate(rates):
            native = sku_id if len(rates) == 1 else f"{sku_id}#{starts[position]}"
            yield PriceRecord(
                provider="google",
                service=str(service),
                product_family=str(category.get("resourceFamily", "")),
                region=region,
                attributes=attributes,
                purchase_option=option,
                term=term,
                unit=UNITS.get(unit_raw, "unit"),
                price=price_of(rate),
                currency=str(rate["unitPrice"].get("currencyCode") or "USD"),
                tier_start=starts[position],
                tier_end=starts[position + 1] if position + 1 < len(starts) else None,
                native_id=native,
                provenance=provenance,
            )
