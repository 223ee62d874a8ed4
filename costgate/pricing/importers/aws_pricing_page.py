"""AWS pricing-page JSON (QuinnyPig processed files, joined to raw "meteredUnitMaps") → records.

Called with a *processed* file ``{metric name: {location[ (suffix)]: price}}``; the raw file of
the same name in ``../raw/`` (``regions[location][key] = {rateCode, price,
RegionlessRateCode}``) is used when present. Join, in order:

1. *direct*: the raw file keys the same metric name under the location (true for every staged
   raw file) → that entry's ``rateCode``, when its price equals the processed price;
2. *by map*: the metric's whole location→price map equals exactly one raw hash's map → that
   hash's per-location ``rateCode``;
3. otherwise the record keeps a derived ``source:key`` id.

Joined records are PROVIDER-JSON and dated by the raw manifest's ``hawkFilePublicationDate``;
the rest are DERIVED. Zero prices are kept only where the metric is genuinely free (see
``_FREE``). Structured attributes are parsed for EC2, RDS and ElastiCache instances and ELB so
these match the vocabulary's structured products.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from costgate.model.pricing import PriceRecord, Provenance, PurchaseOption, Trust
from costgate.pricing import aws_regions
from costgate.pricing.importers import aws_meters
from costgate.pricing.importers.aws_common import (
    EC2_LINUX_SHARED,
    bump,
    decimal_of,
    guarded,
    load_json,
    parse_date,
    payment_code,
    range_bound,
    require,
    source_file,
    term_code,
)

SOURCE_ID = "aws-pricing-page"
#: Processed files without a raw twin: SOURCES.md says they "last changed 2025-06-05 …
#: 2025-06-13", so the latest date is used.
PROCESSED_DATE = dt.date(2025, 6, 13)

_SERVICES = {
    "apigateway": "AmazonApiGateway", "cloudfront": "AmazonCloudFront",
    "cloudwatch": "AmazonCloudWatch", "datatransfer": "AWSDataTransfer", "docdb": "AmazonDocDB",
    "dynamodb": "AmazonDynamoDB", "ec2": "AmazonEC2", "ecr": "AmazonECR", "ecs": "AmazonECS",
    "efs": "AmazonEFS", "eks": "AmazonEKS", "elasticache": "AmazonElastiCache", "elb": "AWSELB",
    "es": "AmazonES", "kms": "awskms", "lambda": "AWSLambda", "memorydb": "AmazonMemoryDB",
    "queueservice": "AWSQueueService", "route53": "AmazonRoute53", "s3": "AmazonS3",
    "s3glacierdeeparchive": "AmazonS3GlacierDeepArchive", "secretsmanager": "AWSSecretsManager",
    "sns": "AmazonSNS", "vpc": "AmazonVPC",
}  # fmt: skip

_HASH_KEY = re.compile(r"^[A-Za-z0-9_-]{40,48} V\d+$")
_SUFFIX = re.compile(r"^(.*?) \(([A-Za-z][A-Za-z ]*: .*)\)$")
_PAIR = re.compile(r"([A-Za-z][A-Za-z ()]*?): (.*?)(?=, [A-Za-z][A-Za-z ()]*?: |$)")
#: Zero is a real price only for allowances: free tiers, "first N", "0 to N", inbound transfer.
_FREE = re.compile(r"free|no charge|\bfirst\b|\bup ?to\b|\b0 (?:to|upto) |\b0 1000000$|inbound", re.I)
_EC2 = re.compile(r"^OnDemand Linux-instancetype-(?P<it>\S+)$")
_RDS = re.compile(
    r"Database Instance (?P<engine>Aurora MySQL|Aurora PostgreSQL|MySQL|PostgreSQL|MariaDB|Oracle|SQL Server)"
    r" (?P<lic>No license required|License included|Bring your own license)"
    r"(?P<io> Aurora IO Optimization Mode)?(?: db (?P<it>\S+))?.*? (?P<dep>Single-AZ|Multi-AZ readable standbys|Multi-AZ)\b"
)
_CACHE = re.compile(r"OnDemand Cache Instance .*?(?:cache (?P<it>\S+) )?(?P<engine>Redis|Memcached|Valkey)\b")
_RESERVED = re.compile(r" - Reserved - .*?(?P<pay>No Upfront|Partial Upfront|All Upfront) - (?P<term>[13]yr)\b")
_RDS_STORAGE = re.compile(
    r"^(?P<family>Database Storage|Provisioned (?:GP3 |IO2 )?IOPS|Provisioned Throughput|Storage Snapshot)"
    r"(?: (?P<az>Single AZ|Multi AZ readable standbys|Multi AZ SQL Server Mirror|Multi AZ))?(?: (?P<vol>.+))?$"
)
_AZ = {
    "Single AZ": "Single-AZ",
    "Multi AZ": "Multi-AZ",
    "Multi AZ readable standbys": "Multi-AZ (readable standbys)",
    "Multi AZ SQL Server Mirror": "Multi-AZ (SQL Server Mirror)",
}
# Unit from the metric name, first match wins; rules state the unit they assume anyway.
_UNITS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.I), u)
    for p, u in (
        (r"GB[- ]?Mo\b|GB-Month|per GB Month", "GB-month"),
        (r"GB[- ]Hours?\b", "GB-hour"),
        (r"^Lambda (?:Edge-)?Duration|GB-Second", "GB-second"),
        (r"IOPS[- ]?Mo|^Provisioned (?:GP3 |IO2 )?IOPS", "IOPS-month"),
        (r"^Provisioned Throughput", "MiBps-month"),
        (r"^(?:Database Storage|Storage Snapshot)", "GB-month"),
        (r"vCPU[- ]Months?", "vCPU-month"),
        (r"LCU[- ]Hours|LCU-Hr", "LCU-hour"),
        (r"\bHrs\b|\bHours?\b|\bhourly\b|\bper hour\b|-Hr\b|Hourly Cost", "hour"),
        (r"Requests?\b|\bAPI Request", "request"),
        (r"\bQuer(?:y|ies)\b", "query"),
        (r"\bper GB\b|\bGB$|GigaBytes|\bData\b|^DataTransfer", "GB"),
    )
]


def service_for(stem: str) -> str | None:
    """QuinnyPig file stem → AWS offer code (``rds-*`` → AmazonRDS)."""
    return "AmazonRDS" if stem.startswith("rds-") else _SERVICES.get(stem)


def iter_records(
    path: Path, root: Path, *, stats: dict[str, int] | None = None
) -> Iterator[PriceRecord]:
    """Records for one processed file; ``stats`` counts joins and skips by reason."""
    return guarded(path, _iter(path, root, stats))


def _iter(path: Path, root: Path, stats: dict[str, int] | None) -> Iterator[PriceRecord]:
    service = service_for(path.stem)
    require(service is not None, path, f"unknown pricing-page service {path.stem!r}")
    assert service is not None
    processed = load_json(path)
    require(isinstance(processed, dict), path, "not a processed pricing-page file (expected an object)")
    assert isinstance(processed, dict)
    raw_path = path.parent.parent / "raw" / path.name
    raw_regions: dict[str, dict[str, Any]] = {}
    derived = Provenance(source=SOURCE_ID, source_file=source_file(path, root), price_date=PROCESSED_DATE, trust=Trust.DERIVED)
    joined = derived
    if raw_path.is_file():
        raw = load_json(raw_path)
        require(
            isinstance(raw, dict) and isinstance(raw.get("regions"), dict) and isinstance(raw.get("manifest"), dict),
            raw_path,
            "not a pricing-page meteredUnitMaps file (no manifest/regions)",
        )
        assert isinstance(raw, dict)
        raw_regions = raw["regions"]
        date = parse_date(str(raw["manifest"]["hawkFilePublicationDate"]))
        joined = Provenance(source=SOURCE_ID, source_file=source_file(raw_path, root), price_date=date, trust=Trust.PROVIDER_JSON)
        derived = derived.model_copy(update={"price_date": date})
    by_map = _map_join(raw_regions)
    seen: set[tuple[Any, ...]] = set()
    for metric, cells in processed.items():
        require(isinstance(cells, dict), path, f"metric {metric!r} is not a location→price map")
        if _HASH_KEY.match(metric):
            bump(stats, "skipped_unresolved_hash")
            continue
        map_codes = by_map.get(_cell_map(cells))
        for location_key, price_text in cells.items():
            fields = _fields(service, metric, location_key, decimal_of(price_text, f"{metric!r} price"), stats)
            if fields is None:
                continue
            attributes = fields["attributes"]
            identity = (fields["product_family"], fields["region"], tuple(sorted(attributes.items())), fields["tier_start"])
            if identity in seen and "instance_type" in attributes:
                bump(stats, "skipped_duplicate_structured")
                continue
            seen.add(identity)
            location = fields.pop("location")
            entry = raw_regions.get(location, {}).get(metric)
            if entry is not None and str(entry.get("price")) == str(price_text):
                bump(stats, "joined_direct")
                native, prov = str(entry["rateCode"]), joined
            elif map_codes is not None and location in map_codes:
                bump(stats, "joined_by_map")
                native, prov = map_codes[location], joined
            else:
                bump(stats, "not_joined")
                native, prov = f"quinnypig-{path.stem}:{metric}@{location_key}", derived
            yield PriceRecord(
                provider="aws",
                service=service,
                native_id=native,
                provenance=prov.model_copy(update={"location_raw": location}),
                **fields,
            )


def _cell_map(cells: dict[str, Any]) -> frozenset[tuple[str, str]]:
    return frozenset((str(k), str(v)) for k, v in cells.items())


def _map_join(raw_regions: dict[str, dict[str, Any]]) -> dict[frozenset[tuple[str, str]], dict[str, str]]:
    """Unique location→price maps of raw hash keys → their per-location rateCodes."""
    maps: dict[str, dict[str, tuple[str, str]]] = {}
    for location, entries in raw_regions.items():
        for key, entry in entries.items():
            if isinstance(entry, dict) and entry.get("RegionlessRateCode") == key:
                maps.setdefault(key, {})[location] = (str(entry["price"]), str(entry["rateCode"]))
    counted: dict[frozenset[tuple[str, str]], list[dict[str, str]]] = {}
    for per_location in maps.values():
        shape = frozenset((loc, price) for loc, (price, _) in per_location.items())
        counted.setdefault(shape, []).append({loc: code for loc, (_, code) in per_location.items()})
    return {shape: codes[0] for shape, codes in counted.items() if len(codes) == 1}


#: Services whose global prices the pricing pages file under location "Any" or "" (region=None).
_GLOBAL_SERVICES = frozenset({"AmazonRoute53"})


def _fields(
    service: str, metric: str, location_key: str, price: Decimal, stats: dict[str, int] | None
) -> dict[str, Any] | None:
    """Parse one cell into record fields; ``None`` (counted) for non-regions and meaningless zeros."""
    location, extra = _split_location(location_key)
    region = aws_regions.region_code(location)
    attributes: dict[str, str] = {"meter": metric}
    if region is None:
        if service == "AmazonCloudFront":
            attributes["edge_location"] = location
        elif not (service in _GLOBAL_SERVICES and location in ("Any", "")):
            bump(stats, "skipped_not_a_region")
            return None
    if price == 0 and not _FREE.search(metric):
        bump(stats, "skipped_zero_price")
        return None
    tier_start = range_bound(extra.pop("StartingRange", None)) or Decimal(0)
    tier_end = range_bound(extra.pop("EndingRange", None))
    for key, value in extra.items():
        attributes[_key(key)] = value
    option, term, payment = PurchaseOption.ON_DEMAND, None, None
    reserved = _RESERVED.search(metric)
    if reserved:
        option = PurchaseOption.RESERVED
        term, payment = term_code(reserved["term"]), payment_code(reserved["pay"])
    elif attributes.get("term_type", "OnDemand") != "OnDemand":
        bump(stats, "skipped_not_on_demand")
        return None
    family = _structure(service, metric, attributes)
    if family is None:
        bump(stats, "skipped_unparsed_instance")
        return None
    return {
        "product_family": family,
        "region": region,
        "attributes": attributes,
        "purchase_option": option,
        "term": term,
        "payment": payment,
        "unit": _unit(metric, family),
        "price": price,
        "tier_start": tier_start,
        "tier_end": tier_end,
        "location": location,
    }


def _key(display: str) -> str:
    """Suffix key → snake_case without camel splitting: ``Memory (GiB)`` → ``memory_gib``."""
    return re.sub(r"[^a-z0-9]+", "_", display.lower()).strip("_")


def _split_location(key: str) -> tuple[str, dict[str, str]]:
    """``EU (Ireland) (Instance Type: db.m5.large, vCPU: 2)`` → (``EU (Ireland)``, {...})."""
    match = _SUFFIX.match(key)
    if match is None:
        return key, {}
    return match.group(1), {k.strip(): v.strip() for k, v in _PAIR.findall(match.group(2))}


def _structure(service: str, metric: str, attributes: dict[str, str]) -> str | None:
    """Add structured attributes in place; return the product family (``None``: unparsable)."""
    name = metric.split("] ", 1)[-1].split(";", 1)[0] if metric.startswith("[") else metric
    name = name.strip("[]")
    if service == "AmazonEC2":
        ec2 = _EC2.match(name)
        if ec2 is None:
            return ""
        attributes.update(EC2_LINUX_SHARED, instance_type=ec2["it"])
        return "Compute Instance"
    if service == "AmazonRDS" and name.startswith("Database Instance"):
        rds = _RDS.search(name)
        instance = attributes.get("instance_type") or (f"db.{rds['it']}" if rds and rds["it"] else None)
        if rds is None or instance is None:
            return None
        attributes.update(
            instance_type=instance,
            database_engine=rds["engine"],
            license_model=rds["lic"],
            deployment_option="Multi-AZ (readable standbys)" if rds["dep"].endswith("standbys") else rds["dep"],
        )
        if rds["engine"].startswith("Aurora"):
            attributes["io_optimized"] = "Yes" if rds["io"] else "No"
        return "Database Instance"
    if service == "AmazonRDS":
        storage = _RDS_STORAGE.match(name)
        if storage is None:
            return ""
        if storage["az"]:
            attributes["deployment_option"] = _AZ[storage["az"]]
        if storage["vol"] and storage["family"] == "Database Storage":
            attributes["volume_type"] = storage["vol"]
        return "Provisioned IOPS" if "IOPS" in storage["family"] else storage["family"]
    if service == "AmazonElastiCache" and "Cache Instance" in name:
        cache = _CACHE.search(name)
        instance = attributes.get("instance_type") or (f"cache.{cache['it']}" if cache and cache["it"] else None)
        if cache is None or instance is None:
            return None
        attributes.update(instance_type=instance, cache_engine=cache["engine"])
        return "Cache Instance"
    if service == "AWSELB":
        family, charge = aws_meters.elb_meters().get(metric, ("", None))
        if charge:
            attributes["charge"] = charge
        return family
    return ""


def _unit(metric: str, family: str) -> str:
    if family in ("Compute Instance", "Database Instance", "Cache Instance"):
        return "hour"
    for pattern, unit in _UNITS:
        if pattern.search(metric):
            return unit
    return "unit"
