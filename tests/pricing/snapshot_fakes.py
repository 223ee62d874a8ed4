"""Small real-looking PriceRecords for the snapshot/store/CLI tests (real SKUs and prices)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from costgate.model.pricing import PriceRecord, Provenance, PurchaseOption, Trust

EC2_SIX = {
    "operating_system": "Linux", "tenancy": "Shared", "pre_installed_sw": "NA",
    "capacity_status": "Used", "license_model": "No License required",
}


def rec(
    price: str,
    *,
    source: str,
    trust: Trust = Trust.DERIVED,
    date: str = "2025-06-13",
    provider: str = "aws",
    service: str = "AmazonEC2",
    family: str = "Compute Instance",
    region: str | None = "us-east-1",
    native_id: str | None = None,
    unit: str = "hour",
    tier_start: str = "0",
    tier_end: str | None = None,
    purchase_option: PurchaseOption = PurchaseOption.ON_DEMAND,
    source_file: str | None = None,
    **attributes: str,
) -> PriceRecord:
    """One record; attributes default to nothing (pass ``**EC2_SIX`` for an EC2 instance)."""
    return PriceRecord(
        provider=provider, service=service, product_family=family, region=region,
        attributes=attributes, purchase_option=purchase_option, unit=unit,
        price=Decimal(price), tier_start=Decimal(tier_start),
        tier_end=None if tier_end is None else Decimal(tier_end),
        native_id=native_id or f"{source}:{region}:{attributes.get('instance_type', price)}",
        provenance=Provenance(
            source=source, source_file=source_file or f"{source}/prices.json",
            price_date=dt.date.fromisoformat(date), trust=trust,
        ),
    )


def sample_records() -> list[PriceRecord]:
    """A mixed set: m5.large from three sources, an eu-west-1 bulk-style row, io2 tiers, Azure."""
    return [
        # us-east-1 m5.large: Karpenter (2026), QuinnyPig processed (2025), vantage (2024).
        rec("0.096", source="aws-karpenter", date="2026-07-20",
            source_file="karpenter-aws/ec2_ondemand_linux.csv", instance_type="m5.large", **EC2_SIX),
        rec("0.0960000000", source="aws-pricing-page", date="2025-06-13",
            instance_type="m5.large", meter="OnDemand Linux-instancetype-m5.large", **EC2_SIX),
        rec("0.096", source="aws-vantage", date="2024-04-04", instance_type="m5.large", **EC2_SIX),
        # t3.medium only from pricing page: 0.0416.
        rec("0.0416", source="aws-pricing-page", instance_type="t3.medium", **EC2_SIX),
        # eu-west-1 m5.large: terracost with usage_type (2023) vs pricing page (2025), same 0.107.
        rec("0.107", source="aws-terracost", date="2023-02-23", region="eu-west-1",
            native_id="FP7Z96TTU3VFSX2H.JRTCKXETXF", instance_type="m5.large",
            usage_type="EU-BoxUsage:m5.large", **EC2_SIX),
        rec("0.107", source="aws-pricing-page", region="eu-west-1",
            instance_type="m5.large", **EC2_SIX),
        # eu-west-1 t3.medium: terracost 0.0456 vs a (made-up) curated figure 0.05, to show
        # that trust/date decide and the price difference is recorded.
        rec("0.0456", source="aws-terracost", date="2023-02-23", region="eu-west-1",
            instance_type="t3.medium", usage_type="EU-BoxUsage:t3.medium", **EC2_SIX),
        rec("0.05", source="aws-curated", trust=Trust.CURATED, date="2025-01-01",
            region="eu-west-1", instance_type="t3.medium", **EC2_SIX),
        # io2 IOPS tiers (eu-west-1 2023 bulk prices), one source: a tier table.
        rec("0.072", source="aws-terracost", date="2023-02-23", region="eu-west-1",
            family="System Operation", unit="IOPS-month", tier_end="32000",
            native_id="io2.t1", volume_api_name="io2", charge="iops"),
        rec("0.0504", source="aws-terracost", date="2023-02-23", region="eu-west-1",
            family="System Operation", unit="IOPS-month", tier_start="32000", tier_end="64000",
            native_id="io2.t2", volume_api_name="io2", charge="iops"),
        rec("0.03528", source="aws-terracost", date="2023-02-23", region="eu-west-1",
            family="System Operation", unit="IOPS-month", tier_start="64000",
            native_id="io2.t3", volume_api_name="io2", charge="iops"),
        # A global (region-less) price.
        rec("0.50", source="aws-pricing-page", service="AmazonRoute53", family="DNS Zone",
            region=None, unit="month", meter="Hosted Zone"),
        # Azure: a RAW retail item with an exponent-prone tiny price.
        rec("0.0000055", source="azure-retail", trust=Trust.RAW, date="2026-08-15",
            provider="azure", service="Storage", family="Storage", region="westeurope",
            unit="request", native_id="abc/Consumption", meter_name="Write Operations",
            product_name="General Block Blob v2"),
    ]
