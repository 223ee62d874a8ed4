"""A tiny meter-keyed price store and resource builder for the serverless rule unit tests.

Prices are real us-east-1 figures from the QuinnyPig processed pricing-page files (2025-06).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from costgate.model.pricing import PriceMatch, PriceQuery, PriceRecord, Provenance, Trust
from costgate.model.resource import Resource

PRICES: dict[tuple[str, str], str] = {
    ("AWSLambda", "Lambda Requests"): "0.0000002000",
    ("AWSLambda", "Lambda Requests-ARM"): "0.0000002000",
    ("AWSLambda", "Lambda Duration"): "0.0000166667",
    ("AWSLambda", "Lambda Duration Tier2"): "0.0000150000",
    ("AWSLambda", "Lambda Duration Tier3"): "0.0000133334",
    ("AWSLambda", "Lambda Duration-ARM"): "0.0000133334",
    ("AWSLambda", "Lambda Storage-Duration"): "0.0000000309",
    ("AWSQueueService", "Standard per Requests"): "0.0000004000",
    ("AWSQueueService", "FIFO first-in first-out per Requests"): "0.0000005000",
    ("AmazonDynamoDB", "Provisioned Read Units"): "0.0001300000",
    ("AmazonDynamoDB", "Provisioned Write Units"): "0.0006500000",
    ("AmazonVPC", "Hourly charge for VPC Endpoints per Hrs"): "0.0100000000",
    ("AmazonECS", "perCPU per hour"): "0.0404800000",
    ("AmazonECS", "perGB per hour"): "0.0044450000",
    ("AmazonRoute53", "DNS Zone first 25"): "0.5000000000",
}


def _record(service: str, meter: str, price: str, region: str | None) -> PriceRecord:
    return PriceRecord(
        provider="aws", service=service, region=region, attributes={"meter": meter},
        unit="unit", price=Decimal(price), native_id=f"test:{meter}",
        provenance=Provenance(source="aws-pricing-page", source_file="test",
                              price_date=dt.date(2025, 6, 5), trust=Trust.DERIVED),
    )


class MeterStore:
    """Answers ``service`` + ``meter`` queries from :data:`PRICES`, in any region."""

    def __init__(self) -> None:
        self.queries: list[PriceQuery] = []

    def lookup_many(self, queries: list[PriceQuery]) -> dict[PriceQuery, PriceMatch]:
        self.queries.extend(queries)
        out: dict[PriceQuery, PriceMatch] = {}
        for q in queries:
            meter = dict(q.attributes).get("meter", "")
            price = PRICES.get((q.service, meter))
            tiers = () if price is None else (_record(q.service, meter, price, q.region),)
            out[q] = PriceMatch(query=q, tiers=tiers, candidates=len(tiers))
        return out


def resource(
    type_: str,
    attributes: dict[str, Any] | None = None,
    *,
    unknown: tuple[str, ...] = (),
    region: str = "us-east-1",
    name: str = "this",
) -> Resource:
    """A planned resource of ``type_`` as the plan reader would build it."""
    return Resource(
        address=f"{type_}.{name}", type=type_, name=name, provider="aws", region=region,
        attributes=attributes or {}, unknown=frozenset(unknown),
    )
