"""AWS pricing-page importer: QuinnyPig processed files joined to raw meteredUnitMaps."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceRecord, PurchaseOption, Trust
from costgate.pricing.importers import aws_pricing_page
from tests.conftest import shared_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prices"
QP = FIXTURES / "aws" / "quinnypig"


def _load(stem: str, stats: dict[str, int] | None = None, base: Path = QP, root: Path = FIXTURES) -> list[PriceRecord]:
    return list(aws_pricing_page.iter_records(base / "processed" / f"{stem}.json", root, stats=stats))


def _by(records: list[PriceRecord], region: str, **attrs: str) -> PriceRecord:
    found = [r for r in records if r.region == region and all(r.attributes.get(k) == v for k, v in attrs.items())]
    assert len(found) == 1, found
    return found[0]


def test_elb_direct_and_map_joins_get_rate_codes() -> None:
    stats: dict[str, int] = {}
    records = _load("elb", stats)
    # ALB metrics are named in the raw file (direct); NLB/GWLB names were removed from the
    # fixture's raw file, so only their hash maps can join them.
    assert stats == {"joined_direct": 4, "joined_by_map": 4, "skipped_not_a_region": 2, "skipped_zero_price": 2}
    alb = _by(records, "eu-west-1", meter="Application Load Balancer Hours")
    assert alb.native_id == "T29JAP5UEZ7HXAM7.JRTCKXETXF.6YS6EN2CT7"  # terracost's ALB-hours SKU too
    assert (alb.product_family, alb.attributes["charge"], alb.unit, alb.price) == (
        "Load Balancer-Application", "hours", "hour", Decimal("0.0252"),
    )  # fmt: skip
    assert alb.provenance.trust is Trust.PROVIDER_JSON
    assert alb.provenance.price_date == dt.date(2025, 6, 5)
    assert alb.provenance.source_file == "aws/quinnypig/raw/elb.json"
    assert alb.provenance.location_raw == "EU (Ireland)"
    nlb = _by(records, "eu-west-1", meter="Network Load Balancer Hours")
    assert nlb.native_id == "ZEBJ6Q6SEUWPQG9R.JRTCKXETXF.6YS6EN2CT7"
    assert (nlb.product_family, nlb.attributes["charge"]) == ("Load Balancer-Network", "hours")
    lcu = _by(records, "us-east-1", meter="Application Load Balancer LCU Hours")
    assert (lcu.unit, lcu.attributes["charge"]) == ("LCU-hour", "lcu_hours")


def test_ambiguous_hash_maps_are_not_joined(tmp_path: Path) -> None:
    base = tmp_path / "qp"
    shutil.copytree(QP, base)
    raw = json.loads((base / "raw" / "elb.json").read_text())
    # Give a second hash exactly the GWLB hash's location→price map: the join is now ambiguous.
    for entries in raw["regions"].values():
        for key, entry in list(entries.items()):
            if entry["rateCode"].startswith(("4XCKHVEY2F7FVHE3", "GNQR4Q4U4SJZGZA5")):
                entries["twin-" + key] = {**entry, "RegionlessRateCode": "twin-" + key}
    (base / "raw" / "elb.json").write_text(json.dumps(raw))
    stats: dict[str, int] = {}
    records = _load("elb", stats, base, tmp_path)
    assert stats["joined_by_map"] == 2 and stats["not_joined"] == 2
    gwlb = _by(records, "us-east-1", meter="Gateway Load Balancer Hours")
    assert gwlb.native_id == "quinnypig-elb:Gateway Load Balancer Hours@US East (N. Virginia)"
    assert gwlb.provenance.trust is Trust.DERIVED
    assert gwlb.provenance.price_date == dt.date(2025, 6, 5)  # the service's raw date


def test_ec2_processed_only_structured_linux() -> None:
    stats: dict[str, int] = {}
    records = _load("ec2", stats)
    assert stats == {"not_joined": 4, "skipped_not_a_region": 2}  # Los Angeles is a Local Zone
    m5 = _by(records, "us-east-1", instance_type="m5.large")
    assert m5.price == Decimal("0.096")
    assert m5.product_family == "Compute Instance" and m5.unit == "hour"
    assert {k: v for k, v in m5.attributes.items() if k != "meter"} == {
        "instance_type": "m5.large", "operating_system": "Linux", "tenancy": "Shared",
        "pre_installed_sw": "NA", "license_model": "No License required", "capacity_status": "Used",
    }  # fmt: skip
    assert m5.provenance.trust is Trust.DERIVED
    assert m5.provenance.price_date == aws_pricing_page.PROCESSED_DATE


def test_rds_instances_storage_and_hash_keys() -> None:
    stats: dict[str, int] = {}
    records = _load("rds-postgresql-ondemand", stats)
    assert stats == {"not_joined": 6, "skipped_unresolved_hash": 1}
    multi = _by(records, "eu-west-1", instance_type="db.m5.large", deployment_option="Multi-AZ")
    assert multi.service == "AmazonRDS" and multi.product_family == "Database Instance"
    assert (multi.attributes["database_engine"], multi.attributes["license_model"]) == ("PostgreSQL", "No license required")
    assert multi.price == Decimal("0.394")
    storage = _by(records, "us-east-1", meter="Database Storage Single AZ General Purpose-GP3")
    assert (storage.product_family, storage.unit, storage.price) == ("Database Storage", "GB-month", Decimal("0.115"))
    assert (storage.attributes["deployment_option"], storage.attributes["volume_type"]) == ("Single-AZ", "General Purpose-GP3")


def test_aurora_group_key_takes_instance_type_from_location_suffix() -> None:
    records = _load("rds-aurora-ondemand")
    assert {r.attributes["instance_type"] for r in records} == {"db.r8g.24xlarge", "db.r7i.2xlarge", "db.r8g.4xlarge"}
    r7i = _by(records, "us-west-2", instance_type="db.r7i.2xlarge")
    assert (r7i.attributes["database_engine"], r7i.attributes["io_optimized"], r7i.price) == ("Aurora MySQL", "No", Decimal("1.16"))


def test_elasticache_node() -> None:
    node = _by(_load("elasticache"), "eu-west-1", instance_type="cache.m5.large")
    assert (node.product_family, node.attributes["cache_engine"], node.price) == ("Cache Instance", "Redis", Decimal("0.172"))


def test_zero_rule_keeps_free_tiers_only(tmp_path: Path) -> None:
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "lambda.json").write_text(json.dumps({
        "Lambda Requests Free Tier": {"US East (N. Virginia)": "0.0000000000"},
        "Lambda Requests": {"US East (N. Virginia)": "0.0000002000"},
        "Lambda Duration Tier2": {"US East (N. Virginia)": "0.0000000000"},
    }))  # fmt: skip
    stats: dict[str, int] = {}
    records = list(aws_pricing_page.iter_records(tmp_path / "processed" / "lambda.json", tmp_path, stats=stats))
    assert sorted(r.attributes["meter"] for r in records) == ["Lambda Requests", "Lambda Requests Free Tier"]
    assert stats["skipped_zero_price"] == 1
    assert {r.unit for r in records} == {"request"}


def test_tier_suffix_and_reserved_names(tmp_path: Path) -> None:
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "es.json").write_text(json.dumps({
        "m5 large.search - General purpose - Reserved - EBS Only - Partial Upfront - 1yr - Hourly Cost":
            {"EU (Ireland) (vCPU: 2, Memory (GiB): 8)": "0.0900000000"},
    }))  # fmt: skip
    (tmp_path / "processed" / "datatransfer.json").write_text(json.dumps({
        "DataTransfer External Outbound Next 40 TB":
            {"EU (Ireland) (StartingRange: 10240, EndingRange: 51200)": "0.0850000000"},
    }))  # fmt: skip
    (es,) = aws_pricing_page.iter_records(tmp_path / "processed" / "es.json", tmp_path)
    assert (es.purchase_option, es.term, es.payment, es.unit) == (PurchaseOption.RESERVED, "1y", "partial_upfront", "hour")
    assert (es.region, es.attributes["vcpu"], es.attributes["memory_gib"]) == ("eu-west-1", "2", "8")
    (dt_rec,) = aws_pricing_page.iter_records(tmp_path / "processed" / "datatransfer.json", tmp_path)
    assert (dt_rec.tier_start, dt_rec.tier_end, dt_rec.unit) == (Decimal(10240), Decimal(51200), "GB")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("elb.json", "[1, 2]", "expected an object"),
        ("elb.json", '{"Classic Load Balancer Hours": {"EU (Ireland)": "0.028"', "not valid JSON"),
        ("elb.json", '{"Classic Load Balancer Hours": {"EU (Ireland)": "cheap"}}', "not a number"),
        ("nosuchservice.json", "{}", "unknown pricing-page service"),
    ],
)
def test_bad_files_raise_pricing_data_error(tmp_path: Path, name: str, content: str, message: str) -> None:
    (tmp_path / "processed").mkdir()
    path = tmp_path / "processed" / name
    path.write_text(content)
    with pytest.raises(PricingDataError, match=rf"{name}: .*{message}"):
        list(aws_pricing_page.iter_records(path, tmp_path))


def test_bad_raw_twin_names_the_raw_file(tmp_path: Path) -> None:
    shutil.copytree(QP, tmp_path / "qp")
    (tmp_path / "qp" / "raw" / "elb.json").write_text('{"regions": {}}')
    with pytest.raises(PricingDataError, match=r"raw/elb\.json: not a pricing-page"):
        _load("elb", base=tmp_path / "qp", root=tmp_path)


def test_real_quinnypig_files() -> None:
    root = shared_path("pricing-sources")
    processed = root / "quinnypig-aws-price-watcher" / "processed"
    ec2 = list(aws_pricing_page.iter_records(processed / "ec2.json", root))
    assert _by(ec2, "us-east-1", instance_type="m5.large").price == Decimal("0.096")
    assert _by(ec2, "eu-west-1", instance_type="m5.large").price == Decimal("0.107")
    assert _by(ec2, "us-east-1", instance_type="t3.medium").price == Decimal("0.0416")
    stats: dict[str, int] = {}
    elb = list(aws_pricing_page.iter_records(processed / "elb.json", root, stats=stats))
    assert stats.get("not_joined", 0) == 0 and stats["joined_direct"] == len(elb)
    alb = _by(elb, "eu-west-1", meter="Application Load Balancer Hours")
    assert alb.native_id == "T29JAP5UEZ7HXAM7.JRTCKXETXF.6YS6EN2CT7"
    stats = {}
    pg = list(aws_pricing_page.iter_records(processed / "rds-postgresql-ondemand.json", root, stats=stats))
    assert stats["skipped_unresolved_hash"] == 190  # pricing-data.md: 190 of 791 keys
    assert _by(pg, "us-east-1", instance_type="db.m5.large", deployment_option="Single-AZ").price == Decimal("0.178")


def test_route53_global_prices_have_no_region(tmp_path: Path) -> None:
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "route53.json").write_text(json.dumps({
        "DNS Zone first 25": {"Any": "0.5000000000"},
        "Basic Health checks AWS per Mo": {"": "0.5000000000"},
        "Query first 1B": {"US East (N. Virginia)": "0.0000004000"},
        "Odd": {"Somewhere Unknown": "1.0"},
    }))  # fmt: skip
    stats: dict[str, int] = {}
    records = list(aws_pricing_page.iter_records(tmp_path / "processed" / "route53.json", tmp_path, stats=stats))
    regions = {r.attributes["meter"]: r.region for r in records}
    assert regions == {"DNS Zone first 25": None, "Basic Health checks AWS per Mo": None, "Query first 1B": "us-east-1"}
    assert stats["skipped_not_a_region"] == 1
