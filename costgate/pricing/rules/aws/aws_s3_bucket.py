"""aws_s3_bucket: storage by class, PUT-class and GET-class requests, retrievals — all usage.

Usage follows the Infracost usage-file shape: one mapping per storage class
(``standard: {storage_gb, monthly_tier_1_requests, monthly_tier_2_requests}``,
``standard_infrequent_access: {…, monthly_retrieval_gb}``, ``intelligent_tiering:
{frequent_access_storage_gb, …, monitored_objects}``, …). The Standard class is always shown;
another class is shown when its usage is given or a ``lifecycle_rule`` transitions to it.
Standard and Intelligent-Tiering frequent-access storage are tiered at 50 TB and 500 TB.
Data transfer, replication, S3 Select and the account free tier are not priced.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._usage_helpers import (
    TEN_THOUSAND,
    Tier,
    count,
    gigabytes,
    meter_query,
    tiered_components,
    usage_line,
    usage_map,
)

S3 = "AmazonS3"
DEEP_ARCHIVE = "AmazonS3GlacierDeepArchive"
THOUSAND = Decimal(1000)
_TB = Decimal(1024)


def _storage_tiers(prefix: str) -> tuple[Tier, ...]:
    return (Tier("first 50TB", 50 * _TB, f"{prefix} First 50 TB per GB Mo"),
            Tier("next 450TB", 450 * _TB, f"{prefix} Next 450 TB per GB Mo"),
            Tier("over 500TB", None, f"{prefix} Over 500 TB per GB Mo"))


@dataclass(frozen=True)
class _Line:
    """One charge of a storage class: usage key (inside the class mapping), name, meter."""

    key: str
    name: str
    unit: str
    meter: str
    multiplier: Decimal = Decimal(1)
    always: bool = False  # shown as "depends on usage" when the key is not given
    tiers: tuple[Tier, ...] = ()
    service: str = S3
    gb: bool = True  # GB quantity (else a count)


def _requests(put: str, get: str, service: str = S3) -> tuple[_Line, _Line]:
    return (
        _Line("monthly_tier_1_requests", "PUT, COPY, POST, LIST requests", "1k requests", put,
              THOUSAND, True, service=service, gb=False),
        _Line("monthly_tier_2_requests", "GET, SELECT, and all other requests", "1k requests",
              get, THOUSAND, True, gb=False),
    )


@dataclass(frozen=True)
class _Class:
    usage_key: str
    label: str
    lifecycle: tuple[str, ...]  # storage_class values of lifecycle transitions
    lines: tuple[_Line, ...]


_CLASSES = (
    _Class("standard", "Standard", ("STANDARD",), (
        _Line("storage_gb", "storage", "GB", "", always=True,
              tiers=_storage_tiers("Standard Storage")),
        *_requests("PUT COPY/POST or LIST requests per Requests",
                   "GET and all other requests per Requests"),
    )),
    _Class("intelligent_tiering", "Intelligent tiering", ("INTELLIGENT_TIERING",), (
        _Line("frequent_access_storage_gb", "frequent access storage", "GB", "", always=True,
              tiers=_storage_tiers("Intelligent Tiering Frequent Access")),
        _Line("infrequent_access_storage_gb", "infrequent access storage", "GB",
              "Intelligent Tiering Infrequent Access per GB Mo"),
        _Line("archive_instant_access_storage_gb", "archive instant access storage", "GB",
              "Intelligent Tiering Archive Instant Access"),
        _Line("archive_access_storage_gb", "archive access storage", "GB",
              "IntelligentTieringArchiveAccess"),
        _Line("deep_archive_access_storage_gb", "deep archive access storage", "GB",
              "IntelligentTieringDeepArchiveAccess"),
        _Line("monitored_objects", "monitoring and automation", "1k objects",
              "Per object per month monitoring and automation fee for objects in Intelligent "
              "Tiering", THOUSAND, True, gb=False),
        *_requests("PUT COPY/POST or LIST requests to Intelligent Tiering per Requests",
                   "GET and all other requests to Intelligent Tiering per Requests"),
    )),
    _Class("standard_infrequent_access", "Standard-IA", ("STANDARD_IA",), (
        _Line("storage_gb", "storage", "GB", "Standard Infrequent Access Storage per GB-Mo",
              always=True),
        *_requests("PUT COPY/POST or LIST requests to Standard Infrequent Access per Requests",
                   "GET and all other requests to Standard Infrequent Access per Requests"),
        _Line("monthly_retrieval_gb", "retrievals", "GB",
              "Object Retrieval in Standard Infrequent Access per GB"),
    )),
    _Class("one_zone_infrequent_access", "One Zone-IA", ("ONEZONE_IA",), (
        _Line("storage_gb", "storage", "GB", "One Zone Infrequent Access Storage Inf per GB-Mo",
              always=True),
        *_requests("PUT COPY/POST or LIST requests to One Zone Infrequent Access per Requests",
                   "GET and all other requests to One Zone Infrequent Access per Requests"),
        _Line("monthly_retrieval_gb", "retrievals", "GB",
              "Object Retrieval in One Zone Infrequent Access per GB"),
    )),
    _Class("glacier_instant_retrieval", "Glacier Instant Retrieval", ("GLACIER_IR",), (
        _Line("storage_gb", "storage", "GB", "Glacier Instant Retrieval Storage", always=True),
        *_requests("PUT COPY/POST or LIST requests to Glacier Instant Retrieval per Requests",
                   "GET and all other requests to Glacier Instant Retrieval per Requests"),
        _Line("monthly_retrieval_gb", "retrievals", "GB",
              "Object Retrieval in Glacier Instant Retrieval per GB"),
    )),
    _Class("glacier_flexible_retrieval", "Glacier Flexible Retrieval", ("GLACIER",), (
        _Line("storage_gb", "storage", "GB", "Glacier Storage per GB Mo", always=True),
        *_requests("PUT requests to Glacier per Requests",
                   "GET and all other requests to GLACIER per Requests"),
        _Line("monthly_standard_data_retrieval_gb", "standard retrievals", "GB",
              "Fee for Standard Retrieval of data stored"),
    )),
    _Class("glacier_deep_archive", "Glacier Deep Archive", ("DEEP_ARCHIVE",), (
        _Line("storage_gb", "storage", "GB", "Glacier Deep Archive GB Mo", always=True,
              service=DEEP_ARCHIVE),
        *_requests("PUT to Glacier Deep Archive Requests",
                   "GET and all other requests to GDA per Requests", service=DEEP_ARCHIVE),
        _Line("monthly_standard_data_retrieval_gb", "standard retrievals", "GB",
              "S3 Standard-Retrieval GB", service=DEEP_ARCHIVE),
    )),
)

USAGE = (
    UsageKey("object_tags", int, "Object tags stored in the bucket.", 0),
    *(UsageKey(c.usage_key, dict, f"{c.label}: " + ", ".join(line.key for line in c.lines) + ".",
               {line.key: 0 for line in c.lines if line.always}) for c in _CLASSES),
)


@pricing_rule("aws_s3_bucket", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Each shown storage class contributes storage, request and (given) retrieval lines."""
    wanted = _lifecycle_classes(r)
    for cls in _CLASSES:
        values = usage_map(usage, cls.usage_key)
        if values is None and cls.usage_key != "standard" and not (set(cls.lifecycle) & wanted):
            continue
        yield from _class_lines(r, cls, values or {})
    tags = count(usage, "object_tags")
    if tags is not None:
        yield usage_line("Object tagging", "10k tags",
                         meter_query(S3, r.region, "Tags Storage per Tag Mo"), tags, TEN_THOUSAND)


def _class_lines(r: Resource, cls: _Class, values: Mapping[str, Any]) -> Iterator[CostComponent]:
    known = {line.key for line in cls.lines}
    extra = sorted(set(values) - known)
    if extra:
        raise ValueError(f"unknown usage key {cls.usage_key}.{extra[0]} (expected one of "
                         f"{', '.join(sorted(known))})")
    for line in cls.lines:
        if line.key not in values and not line.always:
            continue
        label = f"{cls.label} {line.name}"
        key = f"{cls.usage_key}.{line.key}"
        quantity = (gigabytes if line.gb else count)({key: values.get(line.key)}, key)
        if line.tiers:
            yield from tiered_components(
                label, line.unit, quantity, line.tiers,
                functools.partial(meter_query, line.service, r.region),
                multiplier=line.multiplier,
            )
        else:
            yield usage_line(label, line.unit, meter_query(line.service, r.region, line.meter),
                             quantity, line.multiplier)


def _lifecycle_classes(r: Resource) -> set[str]:
    """Storage classes named by inline ``lifecycle_rule`` transitions (AWS provider v3 style)."""
    found: set[str] = set()
    for rule in r.blocks("lifecycle_rule"):
        if rule.get("enabled") is False:
            continue
        for key in ("transition", "noncurrent_version_transition"):
            items = rule.get(key) or []
            for item in items if isinstance(items, list) else [items]:
                if isinstance(item, dict) and isinstance(item.get("storage_class"), str):
                    found.add(item["storage_class"])
    return found
