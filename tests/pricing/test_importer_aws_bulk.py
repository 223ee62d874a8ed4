"""AWS Price List Bulk API importer: JSON and CSV offer files in the real layout."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceRecord, PurchaseOption, Trust
from costgate.pricing.importers import aws_bulk
from tests.conftest import shared_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prices"
JSON_FILE = FIXTURES / "aws" / "bulk_ec2_eu-west-1.json"
CSV_FILE = FIXTURES / "aws" / "bulk_ec2_eu-west-1.csv"


def _load(path: Path, stats: dict[str, int] | None = None) -> list[PriceRecord]:
    return list(aws_bulk.iter_records(path, FIXTURES, stats=stats))


def _one(records: list[PriceRecord], **attrs: str) -> PriceRecord:
    found = [r for r in records if all(r.attributes.get(k) == v for k, v in attrs.items())]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("path", [JSON_FILE, CSV_FILE], ids=["json", "csv"])
def test_ec2_instance_on_demand_and_reserved(path: Path) -> None:
    records = _load(path)
    linux = [r for r in records if r.attributes.get("instance_type") == "m5.large"]
    on_demand = [r for r in linux if r.purchase_option is PurchaseOption.ON_DEMAND]
    assert len(on_demand) == 1
    od = on_demand[0]
    assert (od.service, od.product_family, od.region, od.unit) == ("AmazonEC2", "Compute Instance", "eu-west-1", "hour")
    assert od.price == Decimal("0.107")
    assert od.native_id == "FP7Z96TTU3VFSX2H.JRTCKXETXF.6YS6EN2CT7"
    assert {k: od.attributes[k] for k in ("operating_system", "tenancy", "pre_installed_sw", "license_model", "capacity_status")} == {
        "operating_system": "Linux", "tenancy": "Shared", "pre_installed_sw": "NA",
        "license_model": "No License required", "capacity_status": "Used",
    }  # fmt: skip
    assert od.provenance.price_date == dt.date(2023, 2, 23)
    assert od.provenance.trust is Trust.RAW
    assert od.provenance.source_file == f"aws/{path.name}"
    assert od.provenance.location_raw == "EU (Ireland)"
    reserved = {r.unit: r for r in linux if r.purchase_option is PurchaseOption.RESERVED}
    assert set(reserved) == {"upfront", "hour"}
    for rec in reserved.values():
        assert (rec.term, rec.payment, rec.attributes["offering_class"]) == ("3y", "partial_upfront", "convertible")
    assert reserved["upfront"].price == Decimal(706)
    assert reserved["upfront"].attributes["unit_raw"] == "Quantity"
    assert reserved["hour"].price == Decimal("0.061")


def test_json_bare_metal_family_normalised_and_private_nat_skipped() -> None:
    stats: dict[str, int] = {}
    records = _load(JSON_FILE, stats)
    metal = _one(records, instance_type="m5.metal")
    assert metal.product_family == "Compute Instance"
    assert stats == {"skipped_nat_private": 1}
    assert not any("Prvd" in r.attributes.get("usage_type", "") for r in records)
    nat = _one(records, charge="hours")
    assert (nat.product_family, nat.unit, nat.price) == ("NAT Gateway", "hour", Decimal("0.048"))


def test_json_ebs_units_charges_and_io2_tier() -> None:
    records = _load(JSON_FILE)
    gp3 = _one(records, volume_api_name="gp3", charge="storage")
    assert (gp3.unit, gp3.price, gp3.attributes["unit_raw"]) == ("GB-month", Decimal("0.088"), "GB-Mo")
    throughput = _one(records, volume_api_name="gp3", charge="throughput")
    assert throughput.unit == "MiBps-month"
    assert throughput.price == Decimal("0.044")  # 45.056 per GiBps-mo / 1024
    assert throughput.attributes["unit_raw"] == "GiBps-mo"
    io2 = _one(records, volume_api_name="io2", charge="iops")
    assert (io2.tier_start, io2.tier_end, io2.price) == (Decimal(32000), Decimal(64000), Decimal("0.0504"))


@pytest.mark.parametrize("path", [JSON_FILE, CSV_FILE], ids=["json", "csv"])
def test_tiers_from_begin_and_end_range(path: Path) -> None:
    eip = sorted(
        (r for r in _load(path) if r.attributes.get("usage_type") == "EU-ElasticIP:IdleAddress"),
        key=lambda r: r.tier_start,
    )
    assert [(r.tier_start, r.tier_end, r.price) for r in eip] == [
        (Decimal(0), Decimal(1), Decimal(0)),
        (Decimal(1), None, Decimal("0.005")),
    ]


def test_csv_display_names_region_from_location_and_meters() -> None:
    stats: dict[str, int] = {}
    records = _load(CSV_FILE, stats)
    assert stats == {"skipped_nat_private": 1}
    assert {r.region for r in records} == {"eu-west-1"}  # the 2020-layout header has no Region Code
    io2 = _one(records, volume_api_name="io2")
    assert (io2.tier_start, io2.tier_end) == (Decimal(64000), None)
    nat = _one(records, charge="data_processed")
    assert (nat.unit, nat.price) == ("GB", Decimal("0.048"))
    alb = _one(records, charge="hours")
    assert alb.attributes["meter"] == "Application Load Balancer Hours"
    assert alb.product_family == "Load Balancer-Application"
    assert _one(records, volume_api_name="gp3").unit == "IOPS-month"


def test_gzipped_csv_gives_same_records(tmp_path: Path) -> None:
    target = tmp_path / "index.csv.gz"
    with CSV_FILE.open("rb") as src, gzip.open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    plain = [r.model_copy(update={"provenance": None}) for r in _load(CSV_FILE)]
    zipped = [r.model_copy(update={"provenance": None}) for r in aws_bulk.iter_records(target, tmp_path)]
    assert zipped == plain


def _csv_with_rows(tmp_path: Path, rows: list[str]) -> Path:
    lines = CSV_FILE.read_text().splitlines()
    target = tmp_path / "offer.csv"
    target.write_text("\n".join(lines[:6] + rows) + "\n")
    return target


def test_local_zone_without_region_code_is_skipped(tmp_path: Path) -> None:
    row = CSV_FILE.read_text().splitlines()[6].replace('"EU (Ireland)"', '"US West (Los Angeles)"')
    assert "Los Angeles" in row
    stats: dict[str, int] = {}
    assert list(aws_bulk.iter_records(_csv_with_rows(tmp_path, [row]), tmp_path, stats=stats)) == []
    assert stats == {"skipped_unmapped_location": 1}


def test_truncated_csv_row_names_file_and_line(tmp_path: Path) -> None:
    row = CSV_FILE.read_text().splitlines()[6]
    path = _csv_with_rows(tmp_path, [row, row[: len(row) // 2] + '"'])
    with pytest.raises(PricingDataError, match=r"offer\.csv: line 8"):
        list(aws_bulk.iter_records(path, tmp_path))


def test_bad_price_is_pricing_data_error(tmp_path: Path) -> None:
    row = CSV_FILE.read_text().splitlines()[6].replace('"0.1070000000"', '"abc"')
    with pytest.raises(PricingDataError, match=r"offer\.csv: .*not a number"):
        list(aws_bulk.iter_records(_csv_with_rows(tmp_path, [row]), tmp_path))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("prices.csv", "region,instance_type\nus-east-1,m5.large\n", "metadata|FormatVersion"),
        ("prices.json", '{"formatVersion": "v1.0", "publicationDate": "2023-02-23T00:00:00Z", "products": {"A": {', "corrupt"),
        ("prices.json", '{"data": []}', "not an AWS bulk offer"),
        ("prices.xml", "<x/>", "expected .csv or .json"),
    ],
)
def test_wrong_format_and_truncated_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(PricingDataError, match=rf"{name}: .*({message})"):
        list(aws_bulk.iter_records(path, tmp_path))


def test_corrupt_gzip_is_pricing_data_error(tmp_path: Path) -> None:
    path = tmp_path / "index.csv.gz"
    path.write_bytes(gzip.compress(CSV_FILE.read_bytes())[:300])
    with pytest.raises(PricingDataError, match=r"index\.csv\.gz"):
        list(aws_bulk.iter_records(path, tmp_path))


def test_json_terms_before_products_still_resolve(tmp_path: Path) -> None:
    text = JSON_FILE.read_text()
    import json

    doc = json.loads(text)
    reordered = {"formatVersion": doc["formatVersion"], "publicationDate": doc["publicationDate"],
                 "offerCode": doc["offerCode"], "terms": doc["terms"], "products": doc["products"]}  # fmt: skip
    path = tmp_path / "reordered.json"
    path.write_text(json.dumps(reordered))
    strip = lambda rs: sorted((r.native_id, r.price) for r in rs)  # noqa: E731
    assert strip(aws_bulk.iter_records(path, tmp_path)) == strip(_load(JSON_FILE))


def test_real_terracost_bulk_csv_fixture() -> None:
    """The staged 2020 eu-west-3 CSV (TEST SKUs, real EBS prices) parses in full."""
    path = shared_path("pricing-sources", "cycloid-terracost", "e2e_testdata_AmazonEC2_eu-west-3_TESTSKUS.csv")
    records = list(aws_bulk.iter_records(path, path.parent.parent))
    st1 = _one(records, volume_api_name="st1")
    assert (st1.region, st1.unit, st1.price, st1.attributes["charge"]) == ("eu-west-3", "GB-month", Decimal("0.053"), "storage")
    assert st1.provenance.source_file == "cycloid-terracost/e2e_testdata_AmazonEC2_eu-west-3_TESTSKUS.csv"
    io = _one(records, charge="io_requests")
    assert (io.unit, io.price) == ("request", Decimal("0.000000058"))
