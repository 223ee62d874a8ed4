"""Azure Retail Prices importer: fixtures cut from real API pages, plus the staged real files."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceRecord, PurchaseOption, Trust
from costgate.pricing.importers import azure_retail
from tests.conftest import shared_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prices" / "azure"


def _records(name: str) -> list[PriceRecord]:
    return list(azure_retail.iter_records(FIXTURES / name, FIXTURES))


def _one(records: list[PriceRecord], **want: object) -> PriceRecord:
    found = [
        r
        for r in records
        if all(
            (r.attributes.get(k[5:]) if k.startswith("attr_") else getattr(r, k)) == v
            for k, v in want.items()
        )
    ]
    assert len(found) == 1, f"{len(found)} records match {want}"
    return found[0]


# --- fixtures in the real layout ----------------------------------------------------------


def test_reservation_is_stored_as_term_total_with_hourly_helper() -> None:
    records = _records("francecentral_vm_items.json")  # lower-case "items" envelope
    linux = [r for r in records if "Windows" not in r.attributes["product_name"]]
    one_year = _one(linux, purchase_option=PurchaseOption.RESERVED, term="1y")
    assert one_year.price == Decimal(644)
    assert one_year.unit == "term"
    assert one_year.attributes["unit_raw"] == "1 Hour"
    assert one_year.native_id == "b0f25467-8c43-41cc-ba81-65dac2534682/Reservation/1y"
    assert azure_retail.hourly_equivalent(one_year) == Decimal(644) / Decimal(8760)
    three_year = _one(linux, purchase_option=PurchaseOption.RESERVED, term="3y")
    assert azure_retail.hourly_equivalent(three_year) == Decimal(1309) / Decimal(26280)
    payg = _one(linux, purchase_option=PurchaseOption.ON_DEMAND)
    assert (payg.price, payg.unit, payg.region) == (Decimal("0.112"), "hour", "francecentral")
    assert azure_retail.hourly_equivalent(payg) == Decimal("0.112")


def test_spot_low_priority_and_dev_test_meters() -> None:
    records = _records("francecentral_vm_items.json")
    linux = [r for r in records if "Windows" not in r.attributes["product_name"]]
    spot = _one(linux, purchase_option=PurchaseOption.SPOT, attr_priority="spot")
    low = _one(linux, purchase_option=PurchaseOption.SPOT, attr_priority="low_priority")
    assert (spot.price, low.price) == (Decimal("0.024696"), Decimal("0.0224"))
    dev = [r for r in records if r.purchase_option is PurchaseOption.DEV_TEST]
    assert {r.attributes["priority"] for r in dev} == {"regular", "spot", "low_priority"}
    regular_dev = _one(dev, attr_priority="regular")
    assert regular_dev.price == Decimal("0.112")  # Windows dev/test = Linux price
    assert regular_dev.native_id.endswith("/DevTestConsumption")


def test_price_date_falls_back_to_newest_effective_start_date() -> None:
    records = _records("francecentral_vm_items.json")
    assert {r.provenance.price_date for r in records} == {dt.date(2021, 12, 1)}
    assert records[0].provenance.trust is Trust.RAW
    assert records[0].provenance.source_file == "francecentral_vm_items.json"
    assert records[0].provenance.location_raw == "FR Central"


def test_known_file_date_for_the_terracost_dump(tmp_path: Path) -> None:
    name = "azurerm_api_retail_prices_francecentral_2021-12.json"
    shutil.copy(FIXTURES / "francecentral_vm_items.json", tmp_path / name)
    records = list(azure_retail.iter_records(tmp_path / name, tmp_path))
    assert {r.provenance.price_date for r in records} == {dt.date(2021, 12, 14)}


def test_savings_plan_records_are_hourly() -> None:
    records = _records("mexicocentral_vm_page.json")
    payg = _one(records, purchase_option=PurchaseOption.ON_DEMAND)
    sp1 = _one(records, purchase_option=PurchaseOption.SAVINGS_PLAN, term="1y")
    sp3 = _one(records, purchase_option=PurchaseOption.SAVINGS_PLAN, term="3y")
    assert payg.price == Decimal("0.106")
    assert (sp1.unit, sp1.price.quantize(Decimal("0.0001"))) == ("hour", Decimal("0.0727"))
    assert sp3.price.quantize(Decimal("0.0001")) == Decimal("0.0488")
    assert sp1.native_id == f"{payg.native_id.split('/')[0]}/SavingsPlan/1y"
    assert sp1.attributes == payg.attributes


def test_units_tiers_and_merged_pages() -> None:
    records = _records("eastus2_storage_two_pages.json")  # two concatenated API pages
    disk = _one(records, attr_meter_name="S4 LRS Disk")
    assert (disk.price, disk.unit, disk.product_family) == (Decimal("1.536"), "month", "Storage")
    ops = _one(records, attr_meter_name="S4 LRS Disk Operations")
    assert ops.unit == "request"
    assert ops.price * 10_000 == Decimal("0.0005")
    assert ops.attributes["unit_raw"] == "10K"
    relay = _one(records, attr_meter_name="WCF Relay")
    assert (relay.unit, relay.price) == ("hour", Decimal("0.001"))  # 0.1 per 100 Hours
    tiers = sorted(
        (r for r in records if r.attributes["meter_name"] == "Hot RA-GRS Data Stored"),
        key=lambda r: r.tier_start,
    )
    assert [(t.tier_start, t.tier_end, t.price) for t in tiers] == [
        (Decimal(0), Decimal(51200), Decimal("0.046")),
        (Decimal(51200), Decimal(512000), Decimal("0.04416")),
        (Decimal(512000), None, Decimal("0.04232")),
    ]


def test_iter_page_items_for_the_live_refresh() -> None:
    page = json.loads((FIXTURES / "mexicocentral_vm_page.json").read_text())
    url = "https://prices.azure.com/api/retail/prices?page=1"
    records = list(azure_retail.iter_page_items(page, url, dt.date(2026, 9, 1)))
    assert len(records) == 5  # payg + 2 savings plans + spot + low priority
    assert {r.provenance.source_file for r in records} == {url}
    assert {r.provenance.price_date for r in records} == {dt.date(2026, 9, 1)}


@pytest.mark.parametrize(
    ("raw", "unit", "divisor"),
    [
        ("1 Hour", "hour", 1),
        ("100 Hours", "hour", 100),
        ("1 GB/Month", "GB-month", 1),
        ("1 GiB/Month", "GB-month", 1),
        ("10K", "request", 10_000),
        ("1M", "request", 1_000_000),
        ("1/Month", "month", 1),
        ("10K/Month", "month", 10_000),
        ("1 GB", "GB", 1),
        ("1 MB", "MB", 1),
        ("1/Day", "day", 1),
        ("100 GB Seconds", "GB-second", 100),
        ("100", "unit", 100),
        ("1 Furlong", "unit", 1),
    ],
)
def test_parse_unit(raw: str, unit: str, divisor: int) -> None:
    assert azure_retail.parse_unit(raw) == (unit, Decimal(divisor))


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ('{"Items": [{"meterId": "x", "retail', "corrupt or truncated JSON"),
        ('{"skus": []}', "not an Azure Retail Prices page"),
        ("[1, 2]", "not an Azure Retail Prices page"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(PricingDataError, match=message) as info:
        list(azure_retail.iter_records(path, tmp_path))
    assert str(path) in str(info.value)


def test_item_with_missing_field_names_item(tmp_path: Path) -> None:
    page = json.loads((FIXTURES / "mexicocentral_vm_page.json").read_text())
    del page["Items"][1]["retailPrice"]
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    with pytest.raises(PricingDataError, match=r"page\.json: item 1: missing field 'retailPrice'"):
        list(azure_retail.iter_records(path, tmp_path))


def test_manifest_date_applies_to_region_folders(tmp_path: Path) -> None:
    folder = tmp_path / "azure-retail-adb-msft" / "mexicocentral"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "mexicocentral_vm_page.json", folder / "virtual_machines.json")
    (tmp_path / "azure-retail-adb-msft" / "snapshot-manifest.json").write_text(
        '{"snapshotDate": "2026-08-15"}'
    )
    records = list(azure_retail.iter_records(folder / "virtual_machines.json", tmp_path))
    assert {r.provenance.price_date for r in records} == {dt.date(2026, 8, 15)}
    assert records[0].provenance.source_file == (
        "azure-retail-adb-msft/mexicocentral/virtual_machines.json"
    )


# --- the staged real files ----------------------------------------------------------------


def test_real_standard_hdd_s4_eastus2() -> None:
    root = shared_path("pricing-sources")
    path = root / "azure-retail-adb-msft" / "eastus2" / "storage.json"
    records = list(azure_retail.iter_records(path, root))
    s4 = _one(
        records,
        attr_product_name="Standard HDD Managed Disks",
        attr_meter_name="S4 LRS Disk",
        purchase_option=PurchaseOption.ON_DEMAND,
    )
    assert (s4.price, s4.unit, s4.region) == (Decimal("1.536"), "month", "eastus2")
    assert s4.provenance.price_date == dt.date(2026, 8, 15)


def test_real_mexicocentral_d2s_v5() -> None:
    root = shared_path("pricing-sources")
    path = root / "azure-retail-adb-msft" / "mexicocentral" / "virtual_machines.json"
    records = [
        r
        for r in azure_retail.iter_records(path, root)
        if r.attributes["arm_sku_name"] == "Standard_D2s_v5"
        and r.attributes["product_name"] == "Virtual Machines Dsv5 Series"
    ]
    payg = _one(records, purchase_option=PurchaseOption.ON_DEMAND)
    sp1 = _one(records, purchase_option=PurchaseOption.SAVINGS_PLAN, term="1y")
    assert payg.price == Decimal("0.106")
    assert sp1.price.quantize(Decimal("0.0001")) == Decimal("0.0727")


def test_real_francecentral_reservation() -> None:
    root = shared_path("pricing-sources")
    path = root / "cycloid-terracost" / "azurerm_api_retail_prices_francecentral_2021-12.json"
    records = [
        r
        for r in azure_retail.iter_records(path, root)
        if r.attributes["arm_sku_name"] == "Standard_D2s_v3"
        and r.purchase_option is PurchaseOption.RESERVED
        and r.term == "1y"
    ]
    assert [(r.price, r.unit) for r in records] == [(Decimal(644), "term")]
    assert records[0].provenance.price_date == dt.date(2021, 12, 14)


def test_every_real_region_folder_imports() -> None:
    root = shared_path("pricing-sources")
    folders = sorted(p for p in (root / "azure-retail-adb-msft").iterdir() if p.is_dir())
    assert len(folders) == 14
    for folder in folders:
        regions: set[str | None] = set()
        count = 0
        for path in sorted(folder.glob("*.json")):
            for record in azure_retail.iter_records(path, root):
                regions.add(record.region)
                count += 1
        assert count > 1000, folder.name
        assert folder.name in regions, folder.name


def test_only_prices_in_force_on_the_price_date_are_kept() -> None:
    # Real eastus2 rows: the 0.0005 price ended 2026-07-31, the 0.0006 one replaced it.
    name = "eastus2_postgresql_repriced.json"
    page = json.loads((FIXTURES / name).read_text())
    current = list(azure_retail.iter_page_items(page, name, dt.date(2026, 8, 15)))
    assert [r.price for r in current] == [Decimal("0.0006")]
    before = list(azure_retail.iter_page_items(page, name, dt.date(2026, 7, 1)))
    assert [r.price for r in before] == [Decimal("0.0005")]
