"""aws_cloudfront_distribution: data transfer out and requests by edge group, as usage; global.

CloudFront prices are global (``region=None``) and vary by the edge location group that
serves the viewer (requests: ``edge_location`` United States, Canada, EU, Japan, …; data
transfer: the group is part of the metric name). Usage keys follow
Infracost: per-group mappings such as ``monthly_data_transfer_to_internet_gb: {us: 120,
europe: 80}``. Data transfer to the internet is tiered per group (10 TB, 40 TB, 100 TB, 350 TB,
524 TB, 4 PB, over 5 PB). A dedicated-IP custom SSL certificate (``ssl_support_method = "vip"``)
is $600 a month. Not priced: origin shield, Lambda@Edge and functions, real-time logs, the
account free tier.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
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

SERVICE = "AmazonCloudFront"
#: usage-file group key → the pricing data's edge location group
GROUPS = {
    "us": "United States", "canada": "Canada", "europe": "EU", "south_africa": "South Africa",
    "middle_east": "Middle East", "south_america": "South America", "japan": "Japan",
    "australia": "Australia", "asia_pacific": "Asia Pacific", "india": "India",
}
_TB = Decimal(1024)
#: Data transfer out to the internet: the pricing page keys each (edge group, tier) price by
#: the bulk SKU of the group and the rate dimension of the tier, so the metric name (the
#: vocabulary's ``meter``) embeds both. SKUs and dimensions as in the staged cloudfront.json.
_DT_SKU = {
    "United States": "GV2WFGX37Q9PDSHF", "Canada": "YNZW9TGPQWEQM4JS",
    "EU": "VU3485RNDU6HBQF6", "South Africa": "84Z32PF576RHPTMX",
    "Middle East": "KJKQCFWRY9KUWY4S", "South America": "ZT3N6V49SHDM9P3G",
    "Japan": "CME9BRJSS2F5PBYE", "Australia": "8JNNPNBQD9DSHV5K",
    "Asia Pacific": "A86N9S7CGUKZHH8P", "India": "XVZYVSAH88373VKR",
}
#: (label, width in GB, tier as the pricing page spells it, rate dimension)
_DT_TIERS = (
    ("first 10TB", 10 * _TB, "First 10 TB", "Q3Z75P77EN"),
    ("next 40TB", 40 * _TB, "Next 40 TB", "VF6T3GAUKQ"),
    ("next 100TB", 100 * _TB, "next 100 TB", "N9EW5UVVPA"),
    ("next 350TB", 350 * _TB, "Next 350 TB", "AZ7GJS7NVF"),
    ("next 524TB", 524 * _TB, "next 524 TB", "3B9CK5AZ6J"),
    ("next 4PB", 4096 * _TB, "Next 4 PB", "RBMR72YW69"),
    ("over 5PB", None, "Over 5 PB", "SW9U2ZKBYX"),
)
_PER_GROUP = (
    ("monthly_data_transfer_to_internet_gb", "GB transferred to viewers per month, by group."),
    ("monthly_data_transfer_to_origin_gb", "GB sent to the origin per month, by group."),
    ("monthly_http_requests", "HTTP requests per month, by group."),
    ("monthly_https_requests", "HTTPS requests per month, by group."),
)

USAGE = (
    *(UsageKey(key, dict, doc, {"us": 0, "europe": 0}) for key, doc in _PER_GROUP),
    UsageKey("monthly_invalidation_requests", int, "Invalidation paths per month.", 0),
)


@pricing_rule("aws_cloudfront_distribution", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Per-group transfer and requests (US shown by default), invalidations, dedicated-IP SSL."""
    internet = _groups(usage, "monthly_data_transfer_to_internet_gb")
    for group in internet or {"us": None}:
        tiers = tuple(Tier(label, width, _dt_meter(GROUPS[group], name, dim))
                      for label, width, name, dim in _DT_TIERS)
        quantity = None if internet is None else gigabytes(internet, group)
        yield from tiered_components(
            "Data transfer out to internet", "GB", quantity, tiers,
            functools.partial(meter_query, SERVICE, None), detail=GROUPS[group],
        )
    origin = _groups(usage, "monthly_data_transfer_to_origin_gb") or {}
    for group in origin:
        yield usage_line(f"Data transfer out to origin ({GROUPS[group]})", "GB",
                         meter_query(SERVICE, None,
                                     f"Regional DT to Origin from {GROUPS[group]}"),
                         gigabytes(origin, group))
    for key, label, meter in (("monthly_http_requests", "HTTP", "Request HTTP Methods"),
                              ("monthly_https_requests", "HTTPS", "Request HTTPS Methods")):
        given = _groups(usage, key)
        if given is None and key == "monthly_http_requests":
            continue
        for group in given or {"us": None}:
            yield usage_line(f"{label} requests ({GROUPS[group]})", "10k requests",
                             meter_query(SERVICE, None, meter, GROUPS[group]),
                             None if given is None else count(given, group), TEN_THOUSAND)
    paths = count(usage, "monthly_invalidation_requests")
    if paths is not None:
        yield usage_line("Invalidation requests", "paths", meter_query(
            SERVICE, None,
            "Charge for invalidating objects removing the objects from CloudFront edge locations",
        ), paths)
    certs = r.blocks("viewer_certificate")
    if certs and certs[0].get("ssl_support_method") == "vip":
        yield CostComponent(
            name="Dedicated IP custom SSL", unit="months", monthly_quantity=Decimal(1),
            query=meter_query(SERVICE, None, "Charge for using an SSL certificate with a "
                              "CloudFront alternate domain name"),
        )


def _dt_meter(group: str, tier: str, dimension: str) -> str:
    """The pricing-page metric for one edge group's data-transfer-out tier."""
    return (f"[Regional DT to Internet {tier}] {_DT_SKU[group]} JRTCKXETXF.{dimension} Transfer;"
            f"Regional DT from {group} to Internet {tier}")


def _groups(usage: UsageValues, key: str) -> Mapping[str, Any] | None:
    """A per-group usage mapping with its group keys checked; None when absent."""
    values = usage_map(usage, key)
    if values is not None:
        for group in values:
            if group not in GROUPS:
                raise ValueError(f"unknown CloudFront group {key}.{group} (expected one of "
                                 f"{', '.join(GROUPS)})")
    return values
