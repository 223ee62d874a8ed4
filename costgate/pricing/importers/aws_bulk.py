"""AWS Price List Bulk API offer files (JSON or CSV, optionally gzipped) → PriceRecords.

Both formats are streamed: the CSV row by row (lines 1–5 metadata, line 6 header), the JSON
with ``ijson`` events so that only one product or one SKU's terms is a Python object at a
time (plus a compact per-SKU summary of the products, needed to price the terms that follow
them). OnDemand and Reserved terms are read; other term types (e.g. ``FlatRate``) are
skipped. Display-name CSV columns and camelCase JSON attributes map to one snake_case name.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import ijson  # type: ignore[import-untyped]

from costgate.model.pricing import PriceRecord, Provenance, PurchaseOption, Trust
from costgate.pricing import aws_regions
from costgate.pricing.importers import aws_meters
from costgate.pricing.importers.aws_common import (
    FAMILY_ALIASES,
    bump,
    decimal_of,
    guarded,
    normalise_unit,
    open_binary,
    open_text,
    parse_date,
    payment_code,
    range_bound,
    require,
    snake_case,
    source_file,
    term_code,
)

SOURCE_ID = "aws-bulk"

#: Attributes stored on records (snake_case). Everything else in an offer file is dropped.
KEEP: frozenset[str] = frozenset(
    {
        "instance_type", "operating_system", "tenancy", "pre_installed_sw", "capacity_status",
        "license_model", "usage_type", "operation", "volume_api_name", "volume_type",
        "database_engine", "database_edition", "deployment_option", "cache_engine", "group",
        "group_description", "storage_media", "storage_class", "transfer_type",
        "from_region_code", "to_region_code", "engine_code", "instance_family",
    }
)  # fmt: skip

# Spellings the generic snake_case rule gets wrong.
_ALIASES: dict[str, str] = {
    "usagetype": "usage_type",
    "capacitystatus": "capacity_status",
    "pre_installed_s_w": "pre_installed_sw",
    "pre_installed_sw": "pre_installed_sw",
    "volume_api_name": "volume_api_name",
}

_LOCATION_TYPES_ZONAL = frozenset({"AWS Region", "AWS Local Zone", "AWS Wavelength Zone"})
_GLOBAL_LOCATIONS = frozenset({"", "Any", "Global"})


def attribute_name(raw: str) -> str:
    """Bulk attribute name (JSON camelCase or CSV display name) → vocabulary snake_case."""
    snake = snake_case(raw)
    return _ALIASES.get(snake, snake)


class _Product(NamedTuple):
    """What a record needs from one product (compact: one per SKU is kept for JSON)."""

    service: str
    family: str
    region: str | None
    attributes: Mapping[str, str]
    location_raw: str | None
    tier: tuple[Decimal, Decimal | None] | None


class _Context(NamedTuple):
    path: Path
    source_file: str
    price_date: dt.date
    stats: dict[str, int] | None


def iter_records(
    path: Path, root: Path, *, stats: dict[str, int] | None = None
) -> Iterator[PriceRecord]:
    """Stream one offer file; ``stats`` (optional) counts skipped rows by reason."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return guarded(path, _iter_csv(path, root, stats))
    if name.endswith(".json"):
        return guarded(path, _iter_json(path, root, stats), (ijson.JSONError,))
    return _fail(path, "not a bulk offer file (expected .csv or .json, optionally .gz)")


def _fail(path: Path, message: str) -> Iterator[PriceRecord]:
    require(False, path, message)
    yield from ()


def _product(
    ctx: _Context,
    service: str,
    family: str,
    location: str,
    location_type: str,
    region_code: str,
    attributes: dict[str, str],
) -> _Product | None:
    """Normalise one product; ``None`` when the vocabulary excludes it."""
    usage = attributes.get("usage_type", "")
    if family == "NAT Gateway" and aws_meters.is_private_nat(usage):
        bump(ctx.stats, "skipped_nat_private")
        return None
    region: str | None = region_code or aws_regions.region_code(location)
    location_raw: str | None = location or None
    if region is None:
        if location in _GLOBAL_LOCATIONS or location_type not in _LOCATION_TYPES_ZONAL:
            if location not in _GLOBAL_LOCATIONS:
                attributes["edge_location"] = location
        else:
            bump(ctx.stats, "skipped_unmapped_location")
            return None
    family = FAMILY_ALIASES.get(family, family)
    tier = None
    info = aws_meters.lookup(family, usage) if usage else None
    if info is not None:
        if info.charge:
            attributes["charge"] = info.charge
        if info.meter:
            attributes["meter"] = info.meter
        tier = info.tier
    return _Product(service, family, region, attributes, location_raw, tier)


def _record(
    ctx: _Context,
    product: _Product,
    term_type: str,
    term_attrs: Mapping[str, str],
    rate_code: str,
    unit_raw: str,
    price_text: object,
    currency: str,
    begin: object,
    end: object,
) -> PriceRecord | None:
    """One price dimension → record (``None`` for skipped term types)."""
    attributes = dict(product.attributes)
    term = payment = None
    if term_type == "OnDemand":
        option = PurchaseOption.ON_DEMAND
    elif term_type == "Reserved":
        option = PurchaseOption.RESERVED
        term = term_code(term_attrs.get("LeaseContractLength", ""))
        payment = payment_code(term_attrs.get("PurchaseOption", ""))
        if term is None or payment is None:
            bump(ctx.stats, "skipped_reserved_unknown_term")
            return None
        offering = term_attrs.get("OfferingClass", "")
        if offering:
            attributes["offering_class"] = offering
    else:
        bump(ctx.stats, f"skipped_term_{term_type or 'none'}")
        return None
    raw_price = decimal_of(price_text, f"price of {rate_code}")
    if option is PurchaseOption.RESERVED and unit_raw == "Quantity":
        unit, price, divisor = "upfront", raw_price, Decimal(1)
    else:
        unit, price, divisor = normalise_unit(unit_raw, raw_price)
    if unit_raw and unit_raw != unit:
        attributes["unit_raw"] = unit_raw
    tier_start = range_bound(begin) or Decimal(0)
    tier_end = range_bound(end)
    if product.tier is not None and tier_start == 0 and tier_end is None:
        tier_start, tier_end = product.tier
    if divisor != 1:
        tier_start *= divisor
        tier_end = None if tier_end is None else tier_end * divisor
    return PriceRecord(
        provider="aws",
        service=product.service,
        product_family=product.family,
        region=product.region,
        attributes=attributes,
        purchase_option=option,
        term=term,
        payment=payment,
        unit=unit,
        price=price,
        currency=currency,
        tier_start=tier_start,
        tier_end=tier_end,
        native_id=rate_code,
        provenance=Provenance(
            source=SOURCE_ID,
            source_file=ctx.source_file,
            price_date=ctx.price_date,
            trust=Trust.RAW,
            location_raw=product.location_raw,
        ),
    )


# --------------------------------------------------------------------------- CSV


_CSV_REQUIRED = ("SKU", "RateCode", "TermType", "Unit", "PricePerUnit", "Currency", "Product Family")
_CSV_PRICING = frozenset(
    {
        "SKU", "OfferTermCode", "RateCode", "TermType", "PriceDescription", "EffectiveDate",
        "StartingRange", "EndingRange", "Unit", "PricePerUnit", "Currency", "RelatedTo",
        "LeaseContractLength", "PurchaseOption", "OfferingClass", "Product Family",
        "serviceCode", "Location", "Location Type", "Region Code",
    }
)  # fmt: skip


def _iter_csv(path: Path, root: Path, stats: dict[str, int] | None) -> Iterator[PriceRecord]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open_text(path) as handle:
        reader = csv.reader(handle)
        meta: dict[str, str] = {}
        for _ in range(5):
            row = next(reader, None)
            require(row is not None and len(row) >= 2, path, "truncated: missing metadata lines")
            assert row is not None
            meta[row[0].lstrip("\ufeff")] = row[1]
        require("FormatVersion" in meta, path, "not an AWS bulk CSV (no FormatVersion line)")
        require("Publication Date" in meta, path, "not an AWS bulk CSV (no Publication Date line)")
        header = next(reader, None)
        require(header is not None, path, "truncated: no header line")
        assert header is not None
        col = {name: i for i, name in enumerate(header)}
        missing = [name for name in _CSV_REQUIRED if name not in col]
        require(not missing, path, f"header lacks column(s) {', '.join(missing)}")
        ctx = _Context(path, source_file(path, root), parse_date(meta["Publication Date"]), stats)
        offer_code = meta.get("OfferCode", "")
        kept = [
            (i, attribute_name(name))
            for i, name in enumerate(header)
            if name not in _CSV_PRICING and attribute_name(name) in KEEP
        ]
        width = len(header)

        def cell(row: list[str], name: str) -> str:
            i = col.get(name)
            return row[i] if i is not None else ""

        for row in reader:
            if len(row) != width:
                require(not row, path, f"line {reader.line_num}: {len(row)} columns, header has {width} (truncated?)")
                continue
            attrs = {name: row[i] for i, name in kept if row[i]}
            product = _product(
                ctx,
                cell(row, "serviceCode") or offer_code,
                cell(row, "Product Family"),
                cell(row, "Location"),
                cell(row, "Location Type"),
                cell(row, "Region Code"),
                attrs,
            )
            if product is None:
                continue
            term_attrs = {
                "LeaseContractLength": cell(row, "LeaseContractLength"),
                "PurchaseOption": cell(row, "PurchaseOption"),
                "OfferingClass": cell(row, "OfferingClass"),
            }
            record = _record(
                ctx,
                product,
                row[col["TermType"]],
                term_attrs,
                row[col["RateCode"]],
                row[col["Unit"]],
                row[col["PricePerUnit"]],
                row[col["Currency"]] or "USD",
                cell(row, "StartingRange"),
                cell(row, "EndingRange"),
            )
            if record is not None:
                yield record


# --------------------------------------------------------------------------- JSON


def _iter_json(path: Path, root: Path, stats: dict[str, int] | None) -> Iterator[PriceRecord]:
    """One pass over ijson events; products are summarised, each SKU's terms built in turn."""
    ctx: _Context | None = None
    head: dict[str, str] = {}
    products: dict[str, _Product | None] = {}
    pending: list[tuple[str, str, dict[str, Any]]] = []  # terms seen before their product
    builder: Any = None
    depth = 0
    target: tuple[str, ...] = ()
    with open_binary(path) as handle:
        for prefix, event, value in ijson.parse(handle, use_float=False):
            if builder is not None:
                builder.event(event, value)
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                    if depth == 0:
                        obj, builder = builder.value, None
                        if ctx is None:
                            ctx = _json_context(path, root, head, stats)
                        if target[0] == "product":
                            products[target[1]] = _json_product(ctx, head, obj)
                        elif target[1] in products:
                            yield from _json_terms(ctx, products[target[1]], target[0], obj)
                        else:
                            pending.append((target[0], target[1], obj))
                continue
            if event == "start_map":
                parts = prefix.split(".")
                if len(parts) == 2 and parts[0] == "products":
                    target = ("product", parts[1])
                elif len(parts) == 3 and parts[0] == "terms":
                    target = (parts[1], parts[2])
                else:
                    continue
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                depth = 1
            elif event in ("string", "number") and prefix in ("publicationDate", "offerCode", "formatVersion"):
                head[prefix] = str(value)
    require("formatVersion" in head and "publicationDate" in head, path, "not an AWS bulk offer file (no formatVersion/publicationDate)")
    if ctx is None:
        ctx = _json_context(path, root, head, stats)
    for term_type, sku, obj in pending:
        if sku not in products:
            bump(stats, "skipped_term_without_product")
            continue
        yield from _json_terms(ctx, products[sku], term_type, obj)


def _json_context(path: Path, root: Path, head: dict[str, str], stats: dict[str, int] | None) -> _Context:
    require("publicationDate" in head, path, "publicationDate must precede products and terms")
    return _Context(path, source_file(path, root), parse_date(head["publicationDate"]), stats)


def _json_product(ctx: _Context, head: dict[str, str], obj: dict[str, Any]) -> _Product | None:
    raw = obj.get("attributes") or {}
    attrs: dict[str, str] = {}
    for key, value in raw.items():
        name = attribute_name(key)
        if name in KEEP and isinstance(value, str) and value:
            attrs[name] = value
    return _product(
        ctx,
        str(raw.get("servicecode") or head.get("offerCode", "")),
        str(obj.get("productFamily", "")),
        str(raw.get("location", "")),
        str(raw.get("locationType", "")),
        str(raw.get("regionCode", "")),
        attrs,
    )


def _json_terms(
    ctx: _Context, product: _Product | None, term_type: str, offers: dict[str, Any]
) -> Iterator[PriceRecord]:
    """All price dimensions of one SKU's offers of one term type."""
    if product is None:
        return
    for offer in offers.values():
        term_attrs = {k: str(v) for k, v in (offer.get("termAttributes") or {}).items()}
        for dim in (offer.get("priceDimensions") or {}).values():
            prices = dim["pricePerUnit"]
            currency = "USD" if "USD" in prices else next(iter(prices))
            record = _record(
                ctx,
                product,
                term_type,
                term_attrs,
                str(dim["rateCode"]),
                str(dim.get("unit", "")),
                prices[currency],
                currency,
                dim.get("beginRange", dim.get("startingRange")),
                dim.get("endRange", dim.get("endingRange")),
            )
            if record is not None:
                yield record
