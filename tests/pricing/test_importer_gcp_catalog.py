"""Cloud Billing Catalog importer over fixture pages in the real API shape."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceRecord, PurchaseOption, Trust
from costgate.pricing.importers import gcp_catalog

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prices" / "google"


def _records(name: str) -> list[PriceRecord]:
    return list(gcp_catalog.iter_records(FIXTURES / name, FIXTURES))


def _find(records: list[PriceRecord], description: str, region: str) -> list[PriceRecord]:
    return [r for r in records if r.attributes["description"] == description and r.region == region]


def test_n2_core_and_ram_sum_to_the_machine_price() -> None:
    records = _records("compute_skus_page1.json")
    (core,) = _find(records, "N2 Instance Core running in Americas", "us-central1")
    (ram,) = _find(records, "N2 Instance Ram running in Americas", "us-central1")
    assert (core.price, core.unit) == (Decimal("0.031611"), "hour")
    assert (ram.price, ram.unit) == (Decimal("0.004237"), "GB-hour")
    assert 2 * core.price + 8 * ram.price == Decimal("0.097118")  # n2-standard-2
    assert core.service == "Compute Engine"
    assert core.product_family == "Compute"
    assert core.attributes["resource_group"] == "CPU"
    assert core.attributes["unit_raw"] == "h"
    assert core.native_id == "0000-0000-0001"
    assert core.provenance.trust is Trust.RAW
    assert core.provenance.source_file == "compute_skus_page1.json"


def test_one_record_per_service_region() -> None:
    records = _records("compute_skus_page1.json")
    core = [r for r in records if r.native_id == "0000-0000-0001"]
    assert sorted(r.region or "" for r in core) == ["us-central1", "us-east1"]
    assert {r.price for r in core} == {Decimal("0.031611")}


def test_usage_types_map_to_purchase_options() -> None:
    records = _records("compute_skus_page1.json") + _records("compute_skus_page2.json")
    (spot,) = _find(records, "Spot Preemptible N2 Instance Core running in Americas", "us-central1")
    assert (spot.purchase_option, spot.term) == (PurchaseOption.SPOT, None)
    assert spot.price == Decimal("0.01499")
    (commit,) = _find(records, "Commitment v1: N2 Cpu in Americas for 1 Year", "us-central1")
    assert (commit.purchase_option, commit.term) == (PurchaseOption.COMMITMENT, "1y")


def test_price_date_is_newest_effective_time() -> None:
    records = _records("compute_skus_page1.json")
    assert {r.provenance.price_date for r in records} == {dt.date(2026, 7, 29)}


def test_tiered_rates_are_sorted_and_linked() -> None:
    records = _records("compute_skus_page2.json")
    egress = sorted(
        (r for r in records if r.attributes["resource_group"] == "PremiumInternetEgress"),
        key=lambda r: r.tier_start,
    )
    assert [(r.tier_start, r.tier_end, r.price) for r in egress] == [
        (Decimal(0), Decimal(1024), Decimal("0.12")),
        (Decimal(1024), Decimal(10240), Decimal("0.11")),
        (Decimal(10240), None, Decimal("0.08")),
    ]
    assert [r.native_id for r in egress] == [
        "0000-0000-0005#0",
        "0000-0000-0005#1024",
        "0000-0000-0005#10240",
    ]
    assert {r.unit for r in egress} == {"GB"}


def test_storage_sku_and_units_plus_nanos() -> None:
    (record,) = _records("storage_skus.json")
    assert (record.service, record.unit, record.price) == (
        "Cloud Storage",
        "GB-month",
        Decimal("0.02"),
    )
    assert gcp_catalog.price_of({"unitPrice": {"units": "1", "nanos": 500000000}}) == Decimal("1.5")


def test_iter_page_skus_uses_given_service_name_and_date() -> None:
    page = json.loads((FIXTURES / "storage_skus.json").read_text())
    del page["skus"][0]["category"]["serviceDisplayName"]
    url = "https://cloudbilling.googleapis.com/v1/services/95FF-2EF5-5EA1/skus"
    (record,) = gcp_catalog.iter_page_skus(page, "Cloud Storage", url, dt.date(2026, 9, 2))
    assert record.service == "Cloud Storage"
    assert record.provenance.source_file == url
    assert record.provenance.price_date == dt.date(2026, 9, 2)


def test_concatenated_pages_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "compute.json"
    path.write_text(
        (FIXTURES / "compute_skus_page1.json").read_text()
        + "\n"
        + (FIXTURES / "compute_skus_page2.json").read_text()
    )
    records = list(gcp_catalog.iter_records(path, tmp_path))
    assert len(records) == 2 + 2 + 1 + 1 + 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ('{"skus": [{"skuId": "x"', "corrupt or truncated JSON"),
        ('{"Items": []}', "not a Cloud Billing Catalog skus page"),
        ('{"skus": [{"skuId": "AB-1"}]}', r"sku 0 \(AB-1\): missing field 'category'"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(PricingDataError, match=message) as info:
        list(gcp_catalog.iter_records(path, tmp_path))
    assert str(path) in str(info.value)
