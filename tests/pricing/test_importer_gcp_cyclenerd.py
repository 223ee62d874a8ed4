"""Cyclenerd pricing.yml importer: a cut of the real file, plus the real files when staged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceRecord, PurchaseOption, Trust
from costgate.pricing.importers import gcp_cyclenerd
from tests.conftest import shared_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prices" / "google"
SMALL = FIXTURES / "cyclenerd_small.yml"


@pytest.fixture(scope="module")
def records() -> list[PriceRecord]:
    return list(gcp_cyclenerd.iter_records(SMALL, FIXTURES))


def _pick(records: list[PriceRecord], region: str | None, **attrs: str) -> list[PriceRecord]:
    return [
        r
        for r in records
        if r.region == region and all(r.attributes.get(k) == v for k, v in attrs.items())
    ]


def test_numbers_are_decimal_from_the_text() -> None:
    data = yaml.load("a: 0.1\nb: 3\nc: 1.5e-05\n", Loader=gcp_cyclenerd.DecimalLoader)  # noqa: S506
    assert data == {"a": Decimal("0.1"), "b": Decimal(3), "c": Decimal("1.5e-05")}
    assert all(isinstance(v, Decimal) for v in data.values())


def test_machine_types(records: list[PriceRecord]) -> None:
    n2 = {
        (r.purchase_option, r.term): r
        for r in _pick(records, "us-central1", machine_type="n2-standard-2")
    }
    assert set(n2) == {
        (PurchaseOption.ON_DEMAND, None),
        (PurchaseOption.SPOT, None),
        (PurchaseOption.COMMITMENT, "1y"),
        (PurchaseOption.COMMITMENT, "3y"),
    }  # ``month`` (with sustained-use discount) and ``month_spot`` are not stored
    hour = n2[(PurchaseOption.ON_DEMAND, None)]
    assert (hour.price, hour.unit) == (Decimal("0.097118"), "hour")
    assert (hour.service, hour.product_family) == ("Compute Engine", "Compute Instance")
    assert hour.native_id == "cyclenerd:compute.instance.n2-standard-2.cost.us-central1.hour"
    assert hour.provenance.trust is Trust.DERIVED
    assert hour.provenance.price_date == dt.date(2026, 7, 30)
    assert hour.provenance.location_raw == "Iowa"
    commit = n2[(PurchaseOption.COMMITMENT, "1y")]
    assert (commit.unit, commit.price) == ("month", Decimal("44.66286"))
    (e2,) = [
        r
        for r in _pick(records, "us-central1", machine_type="e2-standard-2")
        if r.purchase_option is PurchaseOption.ON_DEMAND
    ]
    assert e2.price == Decimal("0.06701142")


def test_entries_without_hour_or_cost(records: list[PriceRecord]) -> None:
    c2 = _pick(records, "northamerica-south1", machine_type="c2-standard-16")
    assert [(r.purchase_option, r.price) for r in c2] == [
        (PurchaseOption.SPOT, Decimal("0.13676448"))
    ]
    assert not [r for r in records if r.attributes.get("machine_type") == "m4n-hypermem-16"]


def test_disks(records: list[PriceRecord]) -> None:
    hdd = _pick(records, "us-central1", disk_type="pd-standard")
    assert {(r.attributes["replication"], r.price) for r in hdd} == {
        ("zonal", Decimal("0.04")),
        ("regional", Decimal("0.08")),
    }
    local = {r.purchase_option: r for r in _pick(records, "us-central1", disk_type="local-ssd")}
    assert local[PurchaseOption.ON_DEMAND].unit == "GB-month"
    assert set(local) == {PurchaseOption.ON_DEMAND, PurchaseOption.SPOT, PurchaseOption.COMMITMENT}
    assert _pick(records, "us-central1", disk_type="snapshot")


def test_network(records: list[PriceRecord]) -> None:
    (nat_data,) = _pick(records, "us-central1", item="nat-data")
    assert (nat_data.unit, nat_data.price) == ("GB", Decimal("0.045"))
    (nat_hour,) = _pick(records, "us-central1", item="nat-gateway")
    assert nat_hour.unit == "hour"
    egress = sorted(
        _pick(records, "us-central1", item="egress-internet"), key=lambda r: r.tier_start
    )
    assert [(r.tier_start, r.tier_end, r.price) for r in egress] == [
        (Decimal(0), Decimal(1024), Decimal("0.12")),
        (Decimal(1024), Decimal(10240), Decimal("0.11")),
        (Decimal(10240), None, Decimal("0.08")),
    ]
    assert len(_pick(records, "us-central1", item="egress-internet-china")) == 3


def test_gcs_buckets(records: list[PriceRecord]) -> None:
    gcs = [r for r in records if r.service == "Cloud Storage"]
    standard = [
        r
        for r in _pick(gcs, "us-central1", storage_class="standard", location_type="region")
        if r.attributes["charge"] == "storage"
    ]
    assert [(r.price, r.unit) for r in standard] == [(Decimal("0.02"), "GB-month")]
    (archive,) = _pick(gcs, "us-central1", storage_class="archive")  # the key is "archiv"
    assert archive.price == Decimal("0.0012")
    (multi,) = _pick(gcs, "us", storage_class="archive", location_type="multi-region")
    assert multi.provenance.location_raw == "us-multi"
    (dual,) = _pick(gcs, "nam4", storage_class="standard", location_type="dual-region")
    assert dual.price == Decimal("0.044")
    (retrieval,) = _pick(gcs, "us-central1", charge="retrieval")
    assert (retrieval.unit, retrieval.attributes["storage_class"]) == ("GB", "nearline")


def test_monitoring_and_licences(records: list[PriceRecord]) -> None:
    monitoring = sorted(
        (r for r in records if r.service == "Cloud Monitoring" and r.region == "us-central1"),
        key=lambda r: r.tier_start,
    )
    assert [(r.tier_start, r.tier_end, r.unit) for r in monitoring] == [
        (Decimal(0), Decimal(100000), "MiB"),
        (Decimal(100000), Decimal(250000), "MiB"),
        (Decimal(250000), None, "MiB"),
    ]
    windows = _pick(records, None, machine_type="n2-standard-2", license="windows")
    assert [(r.price, r.unit, r.product_family) for r in windows] == [
        (Decimal("0.092"), "hour", "License")
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("compute:\n  instance: [unclosed\n", "corrupt or truncated YAML"),
        ("- just\n- a list\n", "not a Cyclenerd pricing.yml"),
        ("about: {}\ncompute: {}\n", "no about.generated date"),
        (
            "about: {generated: Thu Jul 30 06:13:17 2026}\ncompute:\n  instance: [1, 2]\n",
            "unexpected layout",
        ),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "pricing.yml"
    path.write_text(content)
    with pytest.raises(PricingDataError, match=message) as info:
        list(gcp_cyclenerd.iter_records(path, tmp_path))
    assert str(path) in str(info.value)


def test_truncated_real_layout(tmp_path: Path) -> None:
    text = SMALL.read_text()
    path = tmp_path / "pricing.yml"
    path.write_text(text[: len(text) // 2] + "    bad: [\n")
    with pytest.raises(PricingDataError, match="pricing.yml: corrupt or truncated YAML"):
        list(gcp_cyclenerd.iter_records(path, tmp_path))


@pytest.mark.parametrize(
    ("name", "date"),
    [("pricing.yml", dt.date(2026, 7, 30)), ("pricing.2025-07-24.yml", dt.date(2025, 7, 24))],
)
def test_real_files(name: str, date: dt.date) -> None:
    root = shared_path("pricing-sources")
    path = root / "cyclenerd-gcp-pricing" / name
    wanted = {
        ("n2-standard-2", "us-central1"): Decimal("0.097118"),
        ("n2-standard-2", "europe-west4"): Decimal("0.106916"),
        ("e2-standard-2", "us-central1"): Decimal("0.06701142"),
    }
    found: dict[tuple[str, str], Decimal] = {}
    count = 0
    for record in gcp_cyclenerd.iter_records(path, root):
        count += 1
        assert record.provenance.price_date == date
        key = (record.attributes.get("machine_type", ""), record.region or "")
        if key in wanted and record.purchase_option is PurchaseOption.ON_DEMAND:
            found[key] = record.price
    assert found == wanted
    assert count > 50_000
