"""AWS derived/curated importers: Karpenter, vantage, terracost, curated EBS/NAT; regions, meters."""

from __future__ import annotations

import datetime as dt
import gzip
from decimal import Decimal
from pathlib import Path

import pytest

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceRecord, PurchaseOption, Trust
from costgate.pricing.aws_regions import region_code
from costgate.pricing.importers import (
    aws_curated,
    aws_karpenter,
    aws_meters,
    aws_terracost,
    aws_vantage,
)
from tests.conftest import shared_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prices"
AWS = FIXTURES / "aws"


def _by(records: list[PriceRecord], **attrs: object) -> list[PriceRecord]:
    return [
        r for r in records
        if all((getattr(r, k) if k in ("region", "purchase_option", "unit") else r.attributes.get(k)) == v for k, v in attrs.items())
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("EU (Ireland)", "eu-west-1"), ("Europe (Ireland)", "eu-west-1"), ("EU (Zurich)", "eu-central-2"),
        ("AWS GovCloud (US)", "us-gov-west-1"), ("AWS GovCloud (US-East)", "us-gov-east-1"),
        ("China (Ningxia)", "cn-northwest-1"), ("Asia Pacific (Malaysia)", "ap-southeast-5"),
        ("Mexico (Central)", "mx-central-1"), ("US West (Los Angeles)", None),
        ("US East (Verizon) - Boston", None), ("Taiwan (Taipei)", None), ("Any", None),
    ],
)  # fmt: skip
def test_region_names(name: str, code: str | None) -> None:
    assert region_code(name) == code


@pytest.mark.parametrize(
    ("family", "usage", "charge", "meter"),
    [
        ("Storage", "EUW3-EBS:VolumeUsage.st1", "storage", None),
        ("Storage", "EBS:VolumeUsage.gp3", "storage", None),  # us-east-1: no prefix
        ("NAT Gateway", "USE2-NatGateway-Bytes", "data_processed", None),
        ("Load Balancer-Application", "EU-LCUUsage", "lcu_hours", "Application Load Balancer LCU Hours"),
        ("Load Balancer-Application", "EU-Outposts-LoadBalancerUsage", None, "AWS Outposts Application Load Balancer Hours"),
        ("Database Storage", "EU-RDS:GP3-Storage", None, "Database Storage Single AZ General Purpose-GP3"),
        ("Alarm", "CW:AlarmMonitorUsage", None, "Alarm Standard"),
    ],
)  # fmt: skip
def test_meter_table(family: str, usage: str, charge: str | None, meter: str | None) -> None:
    info = aws_meters.lookup(family, usage)
    assert info is not None and (info.charge, info.meter) == (charge, meter)


def test_meter_table_misses_and_private_nat() -> None:
    assert aws_meters.lookup("Storage", "EU-EBS:VolumeUsage.gp9") is None
    assert aws_meters.is_private_nat("EU-NatGateway-Prvd-Bytes")
    assert not aws_meters.is_private_nat("NatGateway-Bytes")


def test_karpenter_usd_and_cny() -> None:
    usd = list(aws_karpenter.iter_records(AWS / "karpenter_ec2_ondemand_linux.csv", FIXTURES))
    (m5,) = _by(usd, instance_type="m5.large")
    assert (m5.region, m5.price, m5.currency, m5.unit) == ("us-east-1", Decimal("0.096"), "USD", "hour")
    assert m5.attributes["operating_system"] == "Linux" and m5.attributes["capacity_status"] == "Used"
    assert (m5.provenance.trust, m5.provenance.price_date) == (Trust.DERIVED, dt.date(2026, 7, 20))
    cny = list(aws_karpenter.iter_records(AWS / "karpenter_ec2_ondemand_linux_cn.csv", FIXTURES))
    assert {(r.region, r.currency) for r in cny} == {("cn-north-1", "CNY")}
    assert _by(cny, instance_type="m5.large")[0].price == Decimal("1.013")


def test_karpenter_wrong_format(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text("region,type,price\nus-east-1,m5.large,0.096\n")
    with pytest.raises(PricingDataError, match=r"k\.csv: not a Karpenter price CSV"):
        list(aws_karpenter.iter_records(path, tmp_path))


def test_vantage_opszero_dedupe_zero_and_spot() -> None:
    stats: dict[str, int] = {}
    records = list(aws_vantage.iter_records(AWS / "vantage_opszero_instances_2024-04-04.json", FIXTURES, stats=stats))
    assert stats["skipped_duplicate"] == 1  # t2.nano i386 + x86_64
    assert stats["skipped_zero_ondemand"] == 1  # p5.48xlarge "0"
    assert not _by(records, instance_type="p5.48xlarge")
    (spot,) = _by(records, instance_type="m5.large", region="eu-west-1", purchase_option=PurchaseOption.SPOT)
    assert spot.price == Decimal("0.04387")
    (od,) = _by(records, instance_type="m5.large", region="us-east-1", purchase_option=PurchaseOption.ON_DEMAND)
    assert od.price == Decimal("0.096") and od.provenance.price_date == dt.date(2024, 4, 4)
    assert _by(records, region="us-west-2-lax-1")  # zone codes are kept as given


def test_vantage_elasticache_reads_floats_exactly() -> None:
    records = list(aws_vantage.iter_records(AWS / "vantage_cache_instances_2022-02-13.json", FIXTURES))
    (redis,) = _by(records, region="us-east-1", cache_engine="Redis")
    assert (redis.service, redis.attributes["instance_type"], redis.price) == ("AmazonElastiCache", "cache.m5.large", Decimal("0.156"))
    assert str(redis.price) == "0.156"


def test_terracost_sample() -> None:
    stats: dict[str, int] = {}
    records = list(aws_terracost.iter_records(AWS / "terracost_eu-west-1_sample.jsonl.gz", FIXTURES, stats=stats))
    assert stats == {"skipped_Reserved": 4, "skipped_nat_private": 1}  # hourly + upfront x2
    (m5,) = _by(records, instance_type="m5.large")
    assert (m5.price, m5.native_id, m5.region) == (Decimal("0.107"), "FP7Z96TTU3VFSX2H.JRTCKXETXF", "eu-west-1")
    assert m5.attributes["pre_installed_sw"] == "NA"
    (metal,) = _by(records, instance_type="m5.metal")
    assert metal.product_family == "Compute Instance"
    (thr,) = _by(records, charge="throughput")
    assert (thr.unit, thr.price, thr.attributes["volume_api_name"]) == ("MiBps-month", Decimal("0.044"), "gp3")
    (io2,) = _by(records, charge="iops", volume_api_name="io2")
    assert (io2.tier_start, io2.tier_end) == (Decimal(0), Decimal(32000))
    eip = sorted(_by(records, usage_type="EU-ElasticIP:IdleAddress"), key=lambda r: r.tier_start)
    assert [(r.tier_start, r.tier_end, r.price) for r in eip] == [(0, 1, 0), (1, None, Decimal("0.005"))]
    assert [r.native_id for r in eip] == ["NDET67BXTNJGSGN2.JRTCKXETXF", "NDET67BXTNJGSGN2.JRTCKXETXF#1"]
    (transfer,) = _by(records, usage_type="EU-DataTransfer-Regional-Bytes")
    assert transfer.region is None  # global: no location in the export


def test_terracost_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl.gz"
    path.write_bytes((AWS / "terracost_eu-west-1_sample.jsonl.gz").read_bytes()[:200])
    with pytest.raises(PricingDataError, match=r"t\.jsonl\.gz"):
        list(aws_terracost.iter_records(path, tmp_path))


def test_terracost_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"sku": "X", "prices": []}\n{"sku": \n'))
    with pytest.raises(PricingDataError, match=r"t\.jsonl\.gz: .*line 2"):
        list(aws_terracost.iter_records(path, tmp_path))


def test_curated_ebs_nat() -> None:
    records = list(aws_curated.iter_records(AWS / "curated_ebs-nat.csv", FIXTURES))
    (gp3_iops,) = _by(records, charge="iops", volume_api_name="gp3")
    assert (gp3_iops.unit, gp3_iops.price, gp3_iops.tier_start) == ("IOPS-month", Decimal("0.005"), 0)
    assert gp3_iops.attributes["included_free"] == "3000"
    io2 = sorted(_by(records, charge="iops", volume_api_name="io2"), key=lambda r: r.tier_start)
    assert [(r.tier_start, r.tier_end) for r in io2] == [(0, 32000), (32000, 64000), (64000, None)]
    (requests,) = _by(records, charge="io_requests")
    assert (requests.unit, requests.price) == ("request", Decimal("0.00000005"))
    (archive,) = _by(records, charge="snapshot_archive")
    assert archive.product_family == "Storage Snapshot"
    (nat_hours,) = _by(records, charge="hours")
    assert (nat_hours.product_family, nat_hours.unit, nat_hours.price) == ("NAT Gateway", "hour", Decimal("0.045"))
    assert all(r.provenance.trust is Trust.CURATED and r.provenance.price_date == dt.date(2025, 1, 1) for r in records)


def test_real_files() -> None:
    root = shared_path("pricing-sources")
    karp = list(aws_karpenter.iter_records(root / "karpenter-aws" / "ec2_ondemand_linux.csv", root))
    assert len(karp) == 1367 and _by(karp, instance_type="m5.large")[0].price == Decimal("0.096")
    gov = list(aws_karpenter.iter_records(root / "karpenter-aws" / "ec2_ondemand_linux_us_gov.csv", root))
    assert {r.region for r in gov} == {"us-gov-east-1", "us-gov-west-1"}
    stats: dict[str, int] = {}
    wanted = {"m5.large", "gp3"}
    tc = [
        r for r in aws_terracost.iter_records(
            root / "cycloid-terracost" / "aws_eu-west-1_2023-02-23_products_prices.CONVERTED.jsonl.gz", root, stats=stats
        )
        if wanted & {r.attributes.get("instance_type"), r.attributes.get("volume_api_name")}
    ]  # fmt: skip
    assert stats["skipped_Reserved"] > 20000
    linux = {"instance_type": "m5.large", "operating_system": "Linux", "tenancy": "Shared", "pre_installed_sw": "NA", "capacity_status": "Used"}
    assert [r.price for r in _by(tc, **linux)] == [Decimal("0.107")]
    assert [r.price for r in _by(tc, volume_api_name="gp3", charge="storage")] == [Decimal("0.088")]
    assert [r.price for r in _by(tc, volume_api_name="gp3", charge="throughput")] == [Decimal("0.044")]
    vantage = list(aws_vantage.iter_records(root / "vantage-ec2instances-info" / "opszero-app_instances_2024-04-04.json", root))
    assert _by(vantage, instance_type="m5.large", region="us-east-1", purchase_option=PurchaseOption.ON_DEMAND)[0].price == Decimal("0.096")
    curated = list(aws_curated.iter_records(root / "curated-aws" / "ebs-nat.csv", root))
    assert _by(curated, region="us-east-1", charge="storage", volume_api_name="gp3")[0].price == Decimal("0.08")
