"""Helpers for the usage-priced AWS rules: meter queries, tier splitting, checked values.

Most serverless, storage, messaging and edge prices come from the AWS pricing pages, where each
tier is its own metric (``Lambda Duration``, ``Lambda Duration Tier2`` …) rather than one
product with tier ranges. So a rule splits a usage quantity across those metrics itself, and
each tier becomes a component named in Infracost style (``Requests (first 333M)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from costgate.model.money import ZERO
from costgate.model.pricing import CostComponent, PriceQuery
from costgate.model.resource import Resource
from costgate.pricing.rules.aws._common import (
    aws_query,
    no_query,
    positive,
    usage_component,
    usage_number,
)

MILLION = Decimal(1_000_000)
BILLION = Decimal(1_000_000_000)
TEN_THOUSAND = Decimal(10_000)
#: Sanity bound for monthly request-like counts (10^15 a month is ~380 million per second).
MAX_MONTHLY_COUNT = Decimal(10) ** 15
#: Sanity bound for GB quantities (an exabyte).
MAX_GB = Decimal(10) ** 9


def meter_query(
    service: str, region: str | None, meter: str, edge_location: str | None = None
) -> PriceQuery:
    """A pricing-page price: ``service`` + ``meter`` exactly as the processed file names it.

    ``edge_location`` is for global CloudFront prices (``region=None``, an edge group name).
    """
    if edge_location is None:
        return aws_query(service, region, meter=meter)
    return aws_query(service, region, meter=meter, edge_location=edge_location)


@dataclass(frozen=True)
class Tier:
    """One pricing-page tier: its label, its width in record units (None = open), its meter."""

    label: str
    width: Decimal | None
    meter: str


def tiered_components(
    name: str,
    unit: str,
    quantity: Decimal | None,
    tiers: Sequence[Tier],
    query_for: Callable[[str], PriceQuery],
    *,
    multiplier: Decimal = Decimal(1),
    detail: str = "",
) -> list[CostComponent]:
    """Split ``quantity`` (record units) over ``tiers``; one usage component per tier used.

    ``query_for(meter)`` builds the query. With no usage only the first tier is shown, as
    "depends on usage" at the first-tier price. Display quantities are ``quantity / multiplier``.
    Names read ``name (detail, tier label)``.
    """
    prefix = f"{detail}, " if detail else ""
    if quantity is None:
        first = tiers[0]
        return [usage_component(f"{name} ({prefix}{first.label})", unit,
                                query_for(first.meter), None, price_multiplier=multiplier)]
    out: list[CostComponent] = []
    left = quantity
    for index, tier in enumerate(tiers):
        take = left if tier.width is None else min(left, tier.width)
        if index == 0 or take > 0:
            out.append(
                usage_component(f"{name} ({prefix}{tier.label})", unit,
                                query_for(tier.meter), take / multiplier,
                                price_multiplier=multiplier)
            )
        left -= take
        if left <= 0:
            break
    return out


def usage_line(
    name: str,
    unit: str,
    query: PriceQuery,
    quantity: Decimal | None,
    multiplier: Decimal = Decimal(1),
) -> CostComponent:
    """One untiered usage-based component; ``quantity`` in record units (None = unknown)."""
    shown = None if quantity is None else quantity / multiplier
    return usage_component(name, unit, query, shown, price_multiplier=multiplier)


def count(usage: Mapping[str, Any], key: str) -> Decimal | None:
    """A monthly count (requests, messages) from the usage file, checked; None when absent."""
    return usage_number(usage, key, maximum=MAX_MONTHLY_COUNT)


def gigabytes(usage: Mapping[str, Any], key: str) -> Decimal | None:
    """A GB quantity from the usage file, checked; None when absent."""
    return usage_number(usage, key, maximum=MAX_GB)


def usage_map(usage: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """A nested usage block (``standard: {storage_gb: …}``); None when absent."""
    value = usage.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(f"usage key {key} must be a mapping, got {type(value).__name__}")
    return value


def attribute(
    resource: Resource,
    key: str,
    default: Decimal | int | None,
    *,
    minimum: Decimal | int = 0,
    maximum: Decimal | int,
) -> Decimal | None:
    """A numeric attribute within AWS's limits; ``default`` when unset, None when unknown.

    Values outside ``[minimum, maximum]`` raise ValueError naming the attribute.
    """
    if resource.is_unknown(key):
        return None
    raw = resource.get(key)
    if raw is None:
        return None if default is None else Decimal(default)
    value = positive(raw, key, maximum=maximum)
    if value < minimum:
        raise ValueError(f"{key} = {raw} is below the minimum of {minimum}")
    return value


def unknown(name: str, unit: str, what: str) -> CostComponent:
    """A no-query component for a cost driver that is unknown until apply."""
    return no_query(name, unit, f"{what} is unknown until apply")


def per_request_units(size_kb: Decimal | None, chunk_kb: Decimal) -> Decimal:
    """How many billed requests one request of ``size_kb`` counts as (64 KB SQS chunks …)."""
    if size_kb is None or size_kb <= chunk_kb:
        return Decimal(1)
    whole, rest = divmod(size_kb, chunk_kb)
    return whole + (1 if rest > ZERO else 0)
