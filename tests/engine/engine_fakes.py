"""Small in-memory stand-ins for the price store and the rule registry (engine tests only).

Prices are real figures from ../shared/pricing-sources (karpenter-aws us-east-1 2026-07-20,
curated-aws ebs-nat.csv, QuinnyPig elb/lambda raw files 2025-06).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from costgate.model.pricing import PriceMatch, PriceQuery, PriceRecord, Provenance, Trust


def _attrs_match(query: PriceQuery, record: PriceRecord) -> bool:
    return all(record.attributes.get(k) == v for k, v in query.attributes)


class FakeStore:
    """Exact-match lookups over a list of records; counts batches so tests can check batching."""

    snapshot_id = "test-snapshot"
    snapshot_date = dt.date(2026, 7, 20)

    def __init__(self, records: Iterable[PriceRecord]) -> None:
        self.records = list(records)
        self.calls: list[list[PriceQuery]] = []

    def lookup_many(self, queries: list[PriceQuery]) -> dict[PriceQuery, PriceMatch]:
        self.calls.append(list(queries))
        out: dict[PriceQuery, PriceMatch] = {}
        for q in queries:
            hits = [
                r
                for r in self.records
                if r.provider == q.provider
                and r.service == q.service
                and r.region == q.region
                and (q.product_family is None or r.product_family == q.product_family)
                and r.purchase_option == q.purchase_option
                and _attrs_match(q, r)
            ]
            hits.sort(key=lambda r: r.tier_start)
            out[q] = PriceMatch(query=q, tiers=tuple(hits), candidates=len(hits))
        return out


def record(
    service: str,
    family: str,
    price: str,
    native_id: str,
    unit: str,
    *,
    region: str | None = "us-east-1",
    tier_start: str = "0",
    tier_end: str | None = None,
    source: str = "curated-aws",
    date: dt.date = dt.date(2025, 6, 5),
    **attributes: str,
) -> PriceRecord:
    """One AWS price record."""
    return PriceRecord(
        provider="aws",
        service=service,
        product_family=family,
        region=region,
        attributes=attributes,
        unit=unit,
        price=Decimal(price),
        tier_start=Decimal(tier_start),
        tier_end=None if tier_end is None else Decimal(tier_end),
        native_id=native_id,
        provenance=Provenance(
            source=source, source_file="test", price_date=date, trust=Trust.DERIVED
        ),
    )


def ec2(instance_type: str, price: str, region: str = "us-east-1") -> PriceRecord:
    """A Linux on-demand instance-hour price (karpenter-aws figures)."""
    return record(
        "AmazonEC2",
        "Compute Instance",
        price,
        f"karpenter:{region}:{instance_type}",
        "hour",
        region=region,
        source="karpenter-aws",
        date=dt.date(2026, 7, 20),
        instance_type=instance_type,
        operating_system="Linux",
    )


REAL_RECORDS: tuple[PriceRecord, ...] = (
    ec2("m5.large", "0.096000"),
    ec2("m5.xlarge", "0.192000"),
    ec2("t3.micro", "0.010400"),
    record("AmazonEC2", "Storage", "0.08", "curated:gp3-storage", "GB-month",
           volume_api_name="gp3", charge="storage"),
    record("AmazonEC2", "System Operation", "0.005", "curated:gp3-iops", "IOPS-month",
           tier_start="3000", volume_api_name="gp3", charge="iops"),
    record("AmazonEC2", "Storage", "0.125", "curated:io2-storage", "GB-month",
           volume_api_name="io2", charge="storage"),
    record("AmazonEC2", "System Operation", "0.065", "curated:io2-iops-1", "IOPS-month",
           tier_end="32000", volume_api_name="io2", charge="iops"),
    record("AmazonEC2", "System Operation", "0.0455", "curated:io2-iops-2", "IOPS-month",
           tier_start="32000", tier_end="64000", volume_api_name="io2", charge="iops"),
    record("AmazonEC2", "System Operation", "0.03185", "curated:io2-iops-3", "IOPS-month",
           tier_start="64000", volume_api_name="io2", charge="iops"),
    record("AmazonEC2", "NAT Gateway", "0.045", "curated:nat-hours", "hour", charge="hours"),
    record("AmazonEC2", "NAT Gateway", "0.045", "curated:nat-data", "GB", charge="data_processed"),
    record("AWSELB", "Load Balancer-Application", "0.0225",
           "Y57U68FTH7H6FZ2H.JRTCKXETXF.6YS6EN2CT7", "hour", source="quinnypig-raw",
           charge="hours"),
    record("AWSLambda", "Serverless", "0.0000002000", "quinnypig:lambda-requests", "request",
           source="quinnypig-processed", meter="Lambda Requests"),
    record("AWSLambda", "Serverless", "0.0000166667", "quinnypig:lambda-duration", "GB-second",
           source="quinnypig-processed", meter="Lambda Duration"),
)


# --- a small registry of fake rules (the real AWS rules have their own golden tests) ----------

from collections.abc import Iterator  # noqa: E402

from costgate.model.money import HOURS_PER_MONTH  # noqa: E402
from costgate.model.pricing import CostComponent  # noqa: E402
from costgate.model.resource import Resource  # noqa: E402
from costgate.pricing.registry import Registry  # noqa: E402
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule  # noqa: E402


def _q(r: Resource, service: str, **attrs: str) -> PriceQuery:
    return PriceQuery.make("aws", service, r.region, **attrs)


@pricing_rule("aws_instance")
def _instance(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    itype = r.text("instance_type") or "m5.large"
    yield CostComponent(name=f"Instance usage (Linux/UNIX, on-demand, {itype})", unit="hours",
                        monthly_quantity=HOURS_PER_MONTH,
                        query=_q(r, "AmazonEC2", instance_type=itype))
    size = r.number("root_size", 8)
    if size is not None and size < 0:
        raise ValueError(f"root_size must be at least 0, got {size}")
    yield CostComponent(name="Root volume (gp3)", unit="GB", monthly_quantity=size,
                        query=_q(r, "AmazonEC2", volume_api_name="gp3", charge="storage"))


@pricing_rule("aws_nat_gateway", usage=(UsageKey("monthly_data_processed_gb", float,
                                                  "GB processed per month", 100),))
def _nat(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    yield CostComponent(name="NAT gateway", unit="hours", monthly_quantity=HOURS_PER_MONTH,
                        query=_q(r, "AmazonEC2", charge="hours"))
    yield CostComponent(name="Data processed", unit="GB", usage_based=True,
                        monthly_quantity=usage.get("monthly_data_processed_gb"),
                        query=_q(r, "AmazonEC2", charge="data_processed"))


_LAMBDA_USAGE = (
    UsageKey("monthly_requests", int, "Requests per month", 1_000_000),
    UsageKey("request_duration_ms", int, "Average duration of one request in ms", 250),
    UsageKey("architecture_note", str, "Free text", "arm"),
    UsageKey("monthly_data_transfer_gb", dict, "GB out per region group", {"us": 10}),
)


@pricing_rule("aws_lambda_function", usage=_LAMBDA_USAGE)
def _lambda(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    reqs = usage.get("monthly_requests")
    yield CostComponent(name="Requests", unit="1M requests", usage_based=True,
                        monthly_quantity=None if reqs is None else reqs / Decimal(1_000_000),
                        price_multiplier=Decimal(1_000_000),
                        query=_q(r, "AWSLambda", meter="Lambda Requests"))
    ms = usage.get("request_duration_ms")
    mem = (r.number("memory_size", 128) or Decimal(128)) / Decimal(1024)
    gbs = None if reqs is None or ms is None else reqs * ms / Decimal(1000) * mem
    yield CostComponent(name="Duration (first 6B)", unit="GB-seconds", usage_based=True,
                        monthly_quantity=gbs, query=_q(r, "AWSLambda", meter="Lambda Duration"))


@pricing_rule("aws_broken_thing")
def _broken(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    raise KeyError("boom")


FAKE_REGISTRY = Registry(
    [_instance, _nat, _lambda, _broken], free=["aws_iam_role", "aws_security_group"]
)
