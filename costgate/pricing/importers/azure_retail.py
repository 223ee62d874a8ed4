"""Azure Retail Prices API pages → PriceRecords (trust RAW).

Reads one API page (``{BillingCurrency, Items, NextPageLink, Count}``), the lower-case ``items``
envelope older dumps use, a file of merged pages, a JSON list of pages, or several pages
concatenated. The live refresh calls :func:`iter_page_items` once per downloaded page.

Mapping (see ``docs/pricing-vocabulary.md`` and ``docs/pricing-sources-azure-google.md``):
reservation prices are term totals and are kept as such with unit ``term``; multi-unit
``unitOfMeasure`` values (``10K``, ``100 Hours``) are divided out and kept in ``unit_raw``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from costgate.errors import PricingDataError
from costgate.model.money import HOURS_PER_YEAR, to_decimal
from costgate.model.pricing import PriceRecord, Provenance, PurchaseOption, Trust
from costgate.pricing.importers import files

SOURCE_ID = "azure-retail"
MANIFEST_NAME = "snapshot-manifest.json"
#: Files whose items carry no usable publication date: date from SOURCES.md (commit date).
KNOWN_DATES: dict[str, dt.date] = {
    "azurerm_api_retail_prices_francecentral_2021-12.json": dt.date(2021, 12, 14),
}

_UNIT_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)([KM]?)(?![A-Za-z])\s*(.*?)\s*$")
_SCALE = {"": Decimal(1), "K": Decimal(1000), "M": Decimal(1_000_000)}
#: unitOfMeasure remainder (after the count) → canonical unit; keys are lower-case.
_UNIT_NAMES: dict[str, str] = {
    "": "unit",
    "hour": "hour",
    "hours": "hour",
    "/hour": "hour",
    "second": "second",
    "seconds": "second",
    "/month": "month",
    "/day": "day",
    "/year": "year",
    "gb": "GB",
    "gib": "GB",
    "gb/month": "GB-month",
    "gib/month": "GB-month",
    "gb/hour": "GB-hour",
    "gib/hour": "GB-hour",
    "gb hour": "GB-hour",
    "gib hour": "GB-hour",
    "gb/day": "GB-day",
    "gb second": "GB-second",
    "gb seconds": "GB-second",
    "iops/month": "IOPS-month",
    "tb": "TB",
    "mb": "MB",
    "count": "unit",
    "rotation": "unit",
}
_TERMS = {"1 year": "1y", "3 years": "3y", "5 years": "5y", "1 years": "1y", "3 year": "3y"}
_GLOBAL_REGIONS = {"", "global"}


def parse_unit(unit_raw: str) -> tuple[str, Decimal]:
    """Split ``unitOfMeasure`` into (canonical unit, divisor): ``"10K"`` → (``request``, 10000).

    A bare count with ``K``/``M`` (``10K``, ``1M``) counts requests or operations; a bare
    number (``1``, ``100``) is ``unit``. Unknown wording keeps the count as divisor and the
    canonical unit ``unit`` (the raw text stays in ``unit_raw``).
    """
    match = _UNIT_RE.match(unit_raw)
    if not match:
        return "unit", Decimal(1)
    count, scale, rest = match.groups()
    divisor = Decimal(count) * _SCALE[scale]
    if divisor <= 0:
        divisor = Decimal(1)
    rest = rest.lower()
    if scale and rest == "":
        return "request", divisor
    return _UNIT_NAMES.get(rest, "unit"), divisor


def term_code(text: str) -> str:
    """``"1 Year"``/``"3 Years"``/``"5 Years"`` → ``1y``/``3y``/``5y``."""
    code = _TERMS.get(text.strip().lower())
    if code is None:
        raise ValueError(f"unknown term {text!r}")
    return code


def hourly_equivalent(record: PriceRecord) -> Decimal | None:
    """Hourly rate of an hourly or term-total record (term total ÷ 8,760 h × years).

    Returns None for records whose unit is neither ``hour`` nor ``term``.
    """
    if record.unit == "hour":
        return record.price
    if record.unit == "term" and record.term and record.term.endswith("y"):
        years = Decimal(record.term[:-1])
        return record.price / (HOURS_PER_YEAR * years)
    return None


def iter_records(path: Path, root: Path) -> Iterator[PriceRecord]:
    """All records of one Retail Prices file (one page or merged pages)."""
    items: list[dict[str, Any]] = []
    for page in _load_pages(path):
        items.extend(_page_item_list(page, str(path)))
    price_date = _file_price_date(path, root, items)
    yield from _records(items, files.source_file(path, root), price_date, str(path))


def iter_page_items(
    page: dict[str, Any], source_file: str, price_date: dt.date
) -> Iterator[PriceRecord]:
    """Records of one downloaded API page (tiers are linked within the page only)."""
    yield from _records(_page_item_list(page, source_file), source_file, price_date, source_file)


# --- reading ------------------------------------------------------------------------------


def _load_pages(path: Path) -> list[dict[str, Any]]:
    """Every page in the file: one object, a list of pages, or concatenated objects."""
    pages: list[dict[str, Any]] = []
    for doc in files.json_documents(path, "an Azure Retail Prices page"):
        if isinstance(doc, list) and doc and all(_is_item(x) for x in doc):
            pages.append({"Items": doc})
        elif isinstance(doc, list):
            pages.extend(doc)
        else:
            pages.append(doc)
    for page in pages:
        if not isinstance(page, dict):
            raise PricingDataError(f"{path}: not an Azure Retail Prices page (expected an object)")
    return pages


def _is_item(value: Any) -> bool:
    return isinstance(value, dict) and "meterId" in value and "retailPrice" in value


def _page_item_list(page: Any, label: str) -> list[dict[str, Any]]:
    """The ``Items`` (or ``items``) list of one page, checked for shape."""
    if not isinstance(page, dict):
        raise PricingDataError(f"{label}: not an Azure Retail Prices page (expected an object)")
    items = page.get("Items", page.get("items"))
    if not isinstance(items, list):
        raise PricingDataError(
            f"{label}: not an Azure Retail Prices page (no 'Items' or 'items' list)"
        )
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise PricingDataError(f"{label}: item {index} is not an object")
    return items


# --- dates --------------------------------------------------------------------------------


def _file_price_date(path: Path, root: Path, items: Iterable[dict[str, Any]]) -> dt.date:
    """Snapshot manifest date, else a known date for the file, else newest effectiveStartDate."""
    manifest = _find_manifest(path, root)
    if manifest is not None:
        return _manifest_date(manifest)
    if path.name in KNOWN_DATES:
        return KNOWN_DATES[path.name]
    starts = [day for day in (_day(item.get("effectiveStartDate")) for item in items) if day]
    return max(starts) if starts else dt.date.fromtimestamp(path.stat().st_mtime)


def _find_manifest(path: Path, root: Path) -> Path | None:
    """``snapshot-manifest.json`` in the file's folder or a parent, without leaving ``root``."""
    root_resolved = root.resolve()
    folder = path.resolve().parent
    while True:
        candidate = folder / MANIFEST_NAME
        if candidate.is_file():
            return candidate
        if folder == root_resolved or folder.parent == folder:
            return None
        if root_resolved not in folder.parents:
            return None
        folder = folder.parent


@functools.lru_cache(maxsize=8)
def _manifest_date(manifest: Path) -> dt.date:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return dt.date.fromisoformat(str(data["snapshotDate"])[:10])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PricingDataError(
            f"{manifest}: unreadable snapshot manifest (no snapshotDate)"
        ) from exc


# --- conversion ---------------------------------------------------------------------------


def _records(
    items: list[dict[str, Any]], source_file: str, price_date: dt.date, label: str
) -> Iterator[PriceRecord]:
    items = [item for item in items if not _out_of_effect(item, price_date)]
    ends = _tier_ends(items)
    provenances: dict[str | None, Provenance] = {}
    for index, item in enumerate(items):
        location = item.get("location") or None
        provenance = provenances.get(location)
        if provenance is None:
            provenance = provenances[location] = Provenance(
                source=SOURCE_ID,
                source_file=source_file,
                price_date=price_date,
                trust=Trust.RAW,
                location_raw=location,
            )
        try:
            yield from _item_records(item, provenance, ends)
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            problem = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise PricingDataError(f"{label}: item {index}: {problem or 'bad value'}") from exc


def _out_of_effect(item: dict[str, Any], price_date: dt.date) -> bool:
    """True for a price not in force on the price date: ended before it or starting after it.

    The API lists a repriced meter twice (old item with ``effectiveEndDate``, new one with a
    later ``effectiveStartDate``); keeping only the one in force avoids duplicate prices.
    """
    end = _day(item.get("effectiveEndDate"))
    start = _day(item.get("effectiveStartDate"))
    return (end is not None and end < price_date) or (start is not None and start > price_date)


def _day(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _tier_key(item: dict[str, Any]) -> tuple[Any, ...]:
    return (
        item.get("meterId"),
        item.get("type"),
        item.get("reservationTerm"),
        item.get("productName"),
        item.get("skuId"),
        item.get("unitOfMeasure"),
    )


def _tier_ends(items: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[Decimal, Decimal]]:
    """For each tiered meter, raw tier start → next tier start (the end of the tier)."""
    starts: dict[tuple[Any, ...], set[Decimal]] = defaultdict(set)
    for item in items:
        start = _tier_start(item)
        if start is not None:  # a bad value is reported with the item's index later
            starts[_tier_key(item)].add(start)
    ends: dict[tuple[Any, ...], dict[Decimal, Decimal]] = {}
    for key, values in starts.items():
        if len(values) > 1:
            ordered = sorted(values)
            ends[key] = dict(zip(ordered, ordered[1:], strict=False))
    return ends


def _tier_start(item: dict[str, Any]) -> Decimal | None:
    try:
        return to_decimal(item.get("tierMinimumUnits", 0))
    except (TypeError, ValueError, ArithmeticError):
        return None


def _priority(item: dict[str, Any]) -> str:
    names = (str(item.get("meterName", "")), str(item.get("skuName", "")))
    if any(name.endswith(" Spot") for name in names):
        return "spot"
    if any(name.endswith(" Low Priority") for name in names):
        return "low_priority"
    return "regular"


def _item_records(
    item: dict[str, Any],
    provenance: Provenance,
    ends: dict[tuple[Any, ...], dict[Decimal, Decimal]],
) -> Iterator[PriceRecord]:
    kind = item["type"]
    unit_raw = str(item["unitOfMeasure"])
    unit, divisor = parse_unit(unit_raw)
    attributes = {
        "product_name": str(item["productName"]),
        "sku_name": str(item["skuName"]),
        "arm_sku_name": str(item.get("armSkuName") or ""),
        "meter_name": str(item["meterName"]),
        "unit_raw": unit_raw,
        "sku_id": str(item.get("skuId") or ""),
    }
    term: str | None = None
    if kind == "Consumption":
        priority = _priority(item)
        attributes["priority"] = priority
        option = PurchaseOption.ON_DEMAND if priority == "regular" else PurchaseOption.SPOT
    elif kind == "DevTestConsumption":
        attributes["priority"] = _priority(item)
        option = PurchaseOption.DEV_TEST
    elif kind == "Reservation":
        option = PurchaseOption.RESERVED
        term = term_code(str(item["reservationTerm"]))
        unit, divisor = "term", Decimal(1)  # the price is the total for the whole term
    else:
        return  # a price type this importer does not know: not a list price we can use
    raw_start = to_decimal(item.get("tierMinimumUnits", 0))
    raw_end = ends.get(_tier_key(item), {}).get(raw_start)
    region_raw = str(item.get("armRegionName") or "")
    common: dict[str, Any] = {
        "provider": "azure",
        "service": str(item["serviceName"]),
        "product_family": str(item.get("serviceFamily") or ""),
        "region": None if region_raw.lower() in _GLOBAL_REGIONS else region_raw,
        "attributes": attributes,
        "unit": unit,
        "currency": str(item.get("currencyCode") or "USD"),
        "tier_start": raw_start * divisor,
        "tier_end": None if raw_end is None else raw_end * divisor,
        "provenance": provenance,
    }
    meter_id = str(item["meterId"])
    native = f"{meter_id}/{kind}" + (f"/{term}" if term else "")
    yield PriceRecord(
        purchase_option=option,
        term=term,
        price=to_decimal(item["retailPrice"]) / divisor,
        native_id=native,
        **common,
    )
    if kind != "Consumption":
        return
    for plan in item.get("savingsPlan") or ():
        plan_term = term_code(str(plan["term"]))
        yield PriceRecord(
            purchase_option=PurchaseOption.SAVINGS_PLAN,
            term=plan_term,
            price=to_decimal(plan["retailPrice"]) / divisor,
            native_id=f"{meter_id}/SavingsPlan/{plan_term}",
            **common,
        )
