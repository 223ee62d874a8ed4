"""Price store: matching, the deterministic choice, the index, snapshot selection."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from snapshot_fakes import EC2_SIX, rec, sample_records

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceQuery, PriceRecord, PurchaseOption, Trust
from costgate.pricing import store as store_mod
from costgate.pricing.snapshot import build_snapshot, check_files, load_manifest
from costgate.pricing.store import PriceStore, index_path, shipped_snapshot_dir


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(path))
    return path


@pytest.fixture
def snap(tmp_path: Path, cache: Path) -> Path:
    out = tmp_path / "snap"
    build_snapshot(sample_records(), out, sources=[])
    return out


def ec2(region: str, instance_type: str, **extra: str) -> PriceQuery:
    return PriceQuery.make("aws", "AmazonEC2", region, product_family="Compute Instance",
                           instance_type=instance_type, **{**EC2_SIX, **extra})


def test_exact_match_with_provenance(snap: Path) -> None:
    match = PriceStore.open(snap).lookup(ec2("us-east-1", "m5.large"))
    assert match.found and match.candidates == 1 and not match.ambiguous
    (tier,) = match.tiers
    assert tier.price == Decimal("0.096") and tier.unit == "hour" and tier.currency == "USD"
    assert tier.provenance.source == "aws-karpenter"
    assert tier.provenance.source_file == "karpenter-aws/ec2_ondemand_linux.csv"
    assert str(tier.provenance.price_date) == "2026-07-20"
    assert tier.region == "us-east-1" and tier.service == "AmazonEC2"


def test_query_attributes_are_a_subset_of_the_record(snap: Path) -> None:
    store = PriceStore.open(snap)
    q = PriceQuery.make("aws", "AmazonEC2", "eu-west-1", instance_type="m5.large")
    assert store.lookup(q).tiers[0].price == Decimal("0.107")
    wrong = ec2("eu-west-1", "m5.large", operating_system="Windows")
    assert not store.lookup(wrong).found


def test_not_found_is_an_empty_match_never_zero(snap: Path) -> None:
    store = PriceStore.open(snap)
    for q in (ec2("ap-south-2", "m5.large"), ec2("us-east-1", "m99.huge"),
              PriceQuery.make("aws", "AmazonNothing", "us-east-1"),
              PriceQuery.make("aws", "AmazonEC2", "us-east-1", purchase_option=PurchaseOption.SPOT),
              PriceQuery.make("aws", "AmazonEC2", "us-east-1", unit="GB-month")):
        match = store.lookup(q)
        assert not match.found and match.tiers == () and match.candidates == 0


def test_global_prices_need_region_none(snap: Path) -> None:
    store = PriceStore.open(snap)
    q = PriceQuery.make("aws", "AmazonRoute53", None, meter="Hosted Zone")
    assert store.lookup(q).tiers[0].price == Decimal("0.5")
    regional = PriceQuery.make("aws", "AmazonRoute53", "us-east-1", meter="Hosted Zone")
    assert not store.lookup(regional).found


def test_tier_table_sorted_by_tier_start(snap: Path) -> None:
    q = PriceQuery.make("aws", "AmazonEC2", "eu-west-1", product_family="System Operation",
                        volume_api_name="io2", charge="iops")
    match = PriceStore.open(snap).lookup(q)
    assert [(t.tier_start, t.price) for t in match.tiers] == [
        (0, Decimal("0.072")), (32000, Decimal("0.0504")), (64000, Decimal("0.03528"))]
    assert match.candidates == 3 and not match.ambiguous


def s3(price: str, source: str, native_id: str, meter: str, usage: str, date: str = "2024-01-01",
       trust: Trust = Trust.DERIVED) -> PriceRecord:
    """An S3 row: no identity projection for S3, so rows that differ in usage_type all survive
    the snapshot dedupe and reach the store's choice."""
    return rec(price, source=source, native_id=native_id, date=date, trust=trust,
               service="AmazonS3", family="Storage", unit="GB-month", meter=meter, usage_type=usage)


def s3q(meter: str) -> PriceQuery:
    return PriceQuery.make("aws", "AmazonS3", "us-east-1", meter=meter)


def test_choice_trust_then_date_then_source_then_native_id(cache: Path, tmp_path: Path) -> None:
    records = [
        s3("0.30", "z-derived", "Z", "m1", "u1", date="2026-01-01"),
        s3("0.20", "raw", "R2", "m1", "u2", date="2020-01-01", trust=Trust.RAW),
        s3("0.10", "raw", "R1", "m1", "u3", date="2020-01-01", trust=Trust.RAW),
        s3("0.05", "b", "B", "m2", "u4"),
        s3("0.06", "a", "A", "m2", "u5"),
        s3("0.07", "c", "C", "m2", "u6", date="2025-01-01"),
        s3("0.08", "c", "C0", "m3", "u7", date="2023-01-01"),
        s3("0.09", "d", "D", "m3", "u8"),
        s3("0.05", "b", "B4", "m4", "u9"),
        s3("0.06", "a", "A4", "m4", "u10"),
    ]
    out = tmp_path / "s"
    build_snapshot(records, out, sources=[])
    store = PriceStore.open(out)
    m1 = store.lookup(s3q("m1"))
    # RAW beats a newer DERIVED; two RAW rows at one tier: smallest native_id, flagged.
    assert [t.native_id for t in m1.tiers] == ["R1"] and m1.ambiguous and m1.candidates == 3
    m2 = store.lookup(s3q("m2"))
    assert [t.native_id for t in m2.tiers] == ["C"] and not m2.ambiguous  # newest date
    assert [t.native_id for t in store.lookup(s3q("m3")).tiers] == ["D"]
    assert [t.native_id for t in store.lookup(s3q("m4")).tiers] == ["A4"]  # date tie: source id


def test_lookup_many_answers_every_query(snap: Path) -> None:
    qs = [ec2("us-east-1", "m5.large"), ec2("us-east-1", "t3.medium"), ec2("mars-1", "m5.large")]
    result = PriceStore.open(snap).lookup_many([*qs, qs[0]])
    assert list(result) == qs
    assert [m.tiers[0].price if m.found else None for m in result.values()] == [
        Decimal("0.096"), Decimal("0.0416"), None]


def _ec2_index(store: PriceStore) -> Path:
    return store.index.service_path("aws", "AmazonEC2")


def test_index_is_built_in_the_cache_and_rebuilt_when_damaged(snap: Path, cache: Path) -> None:
    store = PriceStore.open(snap)
    folder = index_path(store.snapshot_id)
    assert folder == cache / "index" / store.snapshot_id
    path = _ec2_index(store)
    assert path == folder / "aws" / "amazonec2.sqlite"
    assert store.lookup(ec2("us-east-1", "m5.large")).found and path.is_file()
    assert not list(folder.rglob("*.tmp"))  # the temp file was renamed into place
    path.write_bytes(b"this is not sqlite" * 100)
    again = PriceStore.open(snap)
    assert again.lookup(ec2("us-east-1", "m5.large")).tiers[0].price == Decimal("0.096")
    assert path.read_bytes()[:15] == b"SQLite format 3"


def test_only_the_services_a_query_needs_are_indexed(snap: Path) -> None:
    store = PriceStore.open(snap)
    assert store.lookup(PriceQuery.make("aws", "AmazonRoute53", None, meter="Hosted Zone")).found
    built = sorted(p.relative_to(index_path(store.snapshot_id)).as_posix()
                   for p in index_path(store.snapshot_id).rglob("*.sqlite"))
    assert built == ["aws/amazonroute53.sqlite"]


def test_corrupt_data_file_is_one_clear_error_and_other_caches_survive(
    snap: Path, tmp_path: Path
) -> None:
    good = PriceStore.open(snap)
    assert good.lookup(ec2("us-east-1", "m5.large")).found
    good_index = _ec2_index(good).read_bytes()

    bad = tmp_path / "bad"
    shutil.copytree(snap, bad)
    data = bad / "aws/amazonec2.jsonl.gz"
    raw = bytearray(data.read_bytes())
    raw[40] ^= 0xFF  # same size, different bytes
    data.write_bytes(bytes(raw))
    manifest = load_manifest(bad)
    manifest_path = bad / "manifest.json"
    manifest_path.write_text(manifest_path.read_text().replace(manifest.snapshot_id, "feedfacefeedface"))
    with pytest.raises(PricingDataError, match=r"bad/aws/amazonec2\.jsonl\.gz: corrupt"):
        PriceStore.open(bad).lookup(ec2("us-east-1", "m5.large"))
    assert _ec2_index(good).read_bytes() == good_index
    assert not list(index_path("feedfacefeedface").rglob("*"))  # no half-built index left
    assert PriceStore.open(snap).lookup(ec2("us-east-1", "m5.large")).found


def test_open_prefers_the_newest_valid_snapshot(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "shipped"
    build_snapshot(sample_records()[:4], shipped, sources=[])  # newest price 2026-07-20
    monkeypatch.setattr(store_mod, "shipped_snapshot_dir", lambda: shipped)
    assert PriceStore.open().info().origin == "shipped"

    user = cache / "prices"
    build_snapshot(sample_records(), user, sources=[])  # newest price 2026-08-15
    info = PriceStore.open().info()
    assert (info.origin, info.path) == ("user cache", user)

    (user / "azure/storage.jsonl.gz").unlink()  # a broken user cache falls back, with a note
    info = PriceStore.open().info()
    assert info.origin == "shipped" and "storage.jsonl.gz" in info.skipped[0]


def test_no_snapshot_at_all_says_what_to_do(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_mod, "shipped_snapshot_dir", lambda: None)
    with pytest.raises(PricingDataError, match="costgate pricing update"):
        PriceStore.open()


def test_the_shipped_snapshot_is_found_and_intact() -> None:
    found = shipped_snapshot_dir()
    if found is None:
        pytest.skip("pricing_cache/ not generated in this checkout")
    manifest = load_manifest(found)
    check_files(found, manifest, hashes=True)
    assert {"aws", "azure", "google"} <= manifest.providers.keys()
    total = sum(p.stat().st_size for p in found.rglob("*") if p.is_file())
    assert total < 40_000_000


def test_shipped_snapshot_prices_m5_large() -> None:
    found = shipped_snapshot_dir()
    if found is None:
        pytest.skip("pricing_cache/ not generated in this checkout")
    match = PriceStore.open(found).lookup(ec2("us-east-1", "m5.large"))
    assert match.tiers[0].price == Decimal("0.096") and match.tiers[0].unit == "hour"
