"""AWS Price List Bulk API: index → region_index → regional CSV offer files.

The CSV form is used (not JSON) because it streams row by row with flat memory; each file is
streamed to disk, checked (metadata lines, header), imported with
``costgate.pricing.importers.aws_bulk.iter_records`` and deleted before the next one, so disk
use stays at one regional file. EC2 capacity-reservation rows (``capacity_status`` other than
``Used``) and instances with pre-installed software (SQL Server bundles, ``pre_installed_sw``
other than ``NA``) are dropped: the vocabulary's EC2 queries never ask for them and they are
most of an EC2 file's rows.
"""

from __future__ import annotations

import csv
import importlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast
from urllib.parse import urljoin

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceRecord, Trust
from costgate.pricing.refresh import FetchContext, live_source, relabel
from costgate.pricing.sources import file_sha256

#: Offer codes the AWS pricing rules need (``--service`` overrides).
AWS_SERVICES: tuple[str, ...] = (
    "AmazonEC2", "AmazonRDS", "AWSELB", "AmazonElastiCache", "AmazonS3", "AWSLambda",
    "AmazonDynamoDB", "AmazonCloudWatch", "AmazonEKS", "AmazonEFS", "AmazonRoute53",
    "AmazonVPC", "AWSQueueService", "AmazonSNS", "awskms", "AWSSecretsManager", "AmazonECR",
    "AmazonCloudFront", "AmazonApiGateway", "AmazonECS",
)
#: The busiest regions, and the ones whose EBS/NAT prices the shipped snapshot has.
AWS_REGIONS: tuple[str, ...] = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1")
#: region_index keys for prices that belong to no region (Route 53, CloudFront edge groups).
GLOBAL_KEYS = frozenset({"global", "aws-global"})
INDEX_PATH = "/offers/v1.0/aws/index.json"
_CSV_HEADER_START = ("SKU", "OfferTermCode", "RateCode")

Importer = Callable[[Path, Path], Iterator[PriceRecord]]


def fetch(ctx: FetchContext, regions: Sequence[str], services: Sequence[str]) -> Iterator[PriceRecord]:
    """Yield fresh records for each (offer, region) file; raise on any bad download."""
    base = ctx.settings.aws_url
    index = ctx.http.get_json(base + INDEX_PATH, what="AWS offer index").data
    offers = _mapping(index, "offers", "AWS offer index")
    importer = _importer()
    for code in services:
        offer = offers.get(code)
        if not isinstance(offer, dict) or not offer.get("currentRegionIndexUrl"):
            ctx.note(f"aws: offer {code} is not in the AWS offer index; skipped")
            continue
        what = f"AWS {code} region index"
        region_index = ctx.http.get_json(
            urljoin(base + "/", str(offer["currentRegionIndexUrl"])), what=what
        ).data
        files = _mapping(region_index, "regions", what)
        wanted = [r for r in regions if r in files] + sorted(k for k in files if k in GLOBAL_KEYS)
        missing = [r for r in regions if r not in files]
        if missing and not any(k in GLOBAL_KEYS for k in files):
            ctx.note(f"aws: {code} has no price file for {', '.join(missing)}")
        for region in wanted:
            entry = files[region]
            version_url = entry.get("currentVersionUrl") if isinstance(entry, dict) else None
            if not isinstance(version_url, str) or not version_url.endswith(".json"):
                raise PricingDataError(f"{what}: entry {region!r} has no currentVersionUrl")
            url = urljoin(base + "/", version_url[: -len(".json")] + ".csv")
            yield from _one_file(ctx, importer, url, f"aws {code} {region}")


def _one_file(ctx: FetchContext, importer: Importer, url: str, what: str) -> Iterator[PriceRecord]:
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    path = ctx.workdir / (what.replace(" ", "_") + ".csv")
    size = ctx.http.download(url, path, what=what)
    try:
        _check_csv(path, url)
        ctx.add_source(live_source("aws-bulk", "aws", url, file_sha256(path), size, "aws_bulk", Trust.RAW))
        count = 0
        try:
            for record in relabel(importer(path, ctx.workdir), url):
                count += 1
                if _wanted(record):
                    yield record
        except PricingDataError as exc:
            raise PricingDataError(f"bad AWS offer file from {url}: {exc}") from None
        if count == 0:
            raise PricingDataError(f"{url}: the offer file holds no prices")
    finally:
        path.unlink(missing_ok=True)


def _wanted(record: PriceRecord) -> bool:
    """Drop EC2 rows no rule asks for; they are most of an EC2 file (memory, snapshot size)."""
    attrs = record.attributes
    return attrs.get("capacity_status", "Used") == "Used" and attrs.get("pre_installed_sw", "NA") == "NA"


def _check_csv(path: Path, url: str) -> None:
    """Metadata lines 1–5 then the pricing header on line 6, as the Bulk API writes them."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        head = [fh.readline() for _ in range(6)]
    if not head[0].startswith('"FormatVersion"'):
        raise PricingDataError(f"{url}: not an AWS CSV offer file (no FormatVersion line)")
    header = next(csv.reader([head[5]]), [])
    if header[:3] != list(_CSV_HEADER_START):
        raise PricingDataError(f"{url}: AWS CSV offer file has no SKU header on line 6")


def _mapping(doc: Any, key: str, what: str) -> dict[str, Any]:
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, dict):
        raise PricingDataError(f"{what}: expected a JSON object with {key!r}")
    return value


def _importer() -> Importer:
    try:
        module = importlib.import_module("costgate.pricing.importers.aws_bulk")
    except ModuleNotFoundError as exc:  # pragma: no cover - only before the importer lands
        raise PricingDataError("costgate.pricing.importers.aws_bulk is not installed") from exc
    return cast(Importer, module.iter_records)
