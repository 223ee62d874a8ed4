"""The per-service index files: concurrent builders, replaced files, stale files, chunking."""

from __future__ import annotations

import multiprocessing
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from snapshot_fakes import EC2_SIX, rec, sample_records

from costgate.model.pricing import PriceQuery
from costgate.pricing import store as store_mod
from costgate.pricing.snapshot import build_snapshot
from costgate.pricing.store import PriceStore, index_path
from costgate.pricing.store_index import CHUNK_LINES


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(path))
    return path


def ec2(region: str, instance_type: str) -> PriceQuery:
    return PriceQuery.make("aws", "AmazonEC2", region, product_family="Compute Instance",
                           instance_type=instance_type, **EC2_SIX)


#: 3 regions x 90 sizes: more lines per region than one chunk holds.
SIZES = [f"m{n}.large" for n in range(90)]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]


def _price(region: int, size: int) -> str:
    return f"0.{region + 1}{size:03d}"


@pytest.fixture
def big_snap(tmp_path: Path, cache: Path) -> Path:
    records = [rec(_price(r, s), source="aws-pricing-page", region=region, instance_type=size,
                   **EC2_SIX)
               for r, region in enumerate(REGIONS) for s, size in enumerate(SIZES)]
    out = tmp_path / "big"
    build_snapshot(records, out, sources=[])
    return out


def test_many_queries_and_single_queries_give_the_same_prices(big_snap: Path) -> None:
    assert len(SIZES) > CHUNK_LINES  # lines span several chunks
    queries = [ec2(region, size) for region in REGIONS for size in SIZES]
    expected = {ec2(region, size): Decimal(_price(r, s))
                for r, region in enumerate(REGIONS) for s, size in enumerate(SIZES)}
    bulk = PriceStore.open(big_snap).lookup_many(queries)  # chunks prefetched per partition
    assert {q: m.tiers[0].price for q, m in bulk.items()} == expected
    single = PriceStore.open(big_snap)
    for q in reversed(queries[::7]):  # one chunk at a time, out of order
        assert single.lookup(q).tiers[0].price == expected[q]
    assert not single.lookup(ec2("us-east-1", "m90.large")).found


def _build_at_once(snap: str, cache: str, barrier: Any, out: Any) -> None:
    import os

    os.environ["COSTGATE_CACHE_DIR"] = cache
    barrier.wait()
    try:
        match = PriceStore.open(Path(snap)).lookup(ec2("us-east-1", "m5.large"))
        out.put(str(match.tiers[0].price) if match.found else "not found")
    except BaseException as exc:  # report it to the parent instead of dying silently
        out.put(f"{type(exc).__name__}: {exc}")


def test_two_processes_building_the_same_index_both_succeed(tmp_path: Path, cache: Path) -> None:
    snap = tmp_path / "snap"
    build_snapshot(sample_records(), snap, sources=[])
    ctx = multiprocessing.get_context("fork")
    for _ in range(3):  # a few rounds: the race window is small
        for f in index_path(PriceStore.open(snap).snapshot_id).rglob("*.sqlite"):
            f.unlink()
        barrier, out = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_build_at_once, args=(str(snap), str(cache), barrier, out))
                 for _ in range(2)]
        for p in procs:
            p.start()
        results = sorted(out.get(timeout=60) for _ in procs)
        for p in procs:
            p.join(timeout=60)
        assert results == ["0.096", "0.096"]
        assert [p.exitcode for p in procs] == [0, 0]
    folder = index_path(PriceStore.open(snap).snapshot_id)
    assert not list(folder.rglob("*.tmp"))
    assert [p.name for p in folder.rglob("*.sqlite")] == ["amazonec2.sqlite"]


def test_a_reader_survives_the_index_being_replaced_under_it(big_snap: Path) -> None:
    reader = PriceStore.open(big_snap)
    assert reader.lookup(ec2("us-east-1", "m1.large")).found  # connection open, file mapped
    path = reader.index.service_path("aws", "AmazonEC2")
    path.unlink()  # another process discards it ...
    other = PriceStore.open(big_snap)
    assert other.lookup(ec2("us-west-2", "m2.large")).found  # ... and builds a new one
    # the first store still reads its own (old) file for partitions it had not touched yet
    assert reader.lookup(ec2("eu-west-1", "m3.large")).tiers[0].price == Decimal(_price(2, 3))


def test_a_stale_index_file_is_rebuilt(big_snap: Path) -> None:
    store = PriceStore.open(big_snap)
    path = index_path(store.snapshot_id) / "aws" / "amazonec2.sqlite"
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("INSERT INTO meta VALUES ('format', '4')")  # an older layout
    db.commit()
    db.close()
    assert store.lookup(ec2("us-east-1", "m7.large")).tiers[0].price == Decimal(_price(0, 7))
    check = sqlite3.connect(path)
    assert dict(check.execute("SELECT key, value FROM meta"))["format"] == "5"
    check.close()


def test_the_index_lives_in_the_user_cache(big_snap: Path, cache: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_mod, "shipped_snapshot_dir", lambda: big_snap)
    store = PriceStore.open()
    assert store.lookup(ec2("us-east-1", "m0.large")).found
    assert store.index.service_path("aws", "AmazonEC2").is_relative_to(cache / "index")


def test_query_hash_is_cached_but_never_shared_or_stale() -> None:
    import pickle

    a, b = ec2("us-east-1", "m5.large"), ec2("us-east-1", "m5.large")
    assert hash(a) == hash(b) and a == b and {a: 1}[b] == 1
    assert a.model_dump() == b.model_dump() and "costgate" not in a.model_dump_json()
    moved = a.model_copy(update={"region": "eu-west-1"})
    assert moved != a and moved == ec2("eu-west-1", "m5.large")
    assert hash(moved) == hash(ec2("eu-west-1", "m5.large"))
    # another process hashes strings with another seed: the cache must not travel
    assert "_costgate_hash" not in pickle.loads(pickle.dumps(a)).__dict__
    assert pickle.loads(pickle.dumps(a)) == a


def test_query_lookup_key_is_cached_but_never_shared_or_stale() -> None:
    import pickle

    from costgate.pricing.store_index import query_keys, query_plan

    a = ec2("us-east-1", "m5.large")
    key, names, values = query_plan(a)
    assert key == ("aws", "AmazonEC2", "us-east-1")
    assert list(zip(names, values, strict=True)) == query_keys(a)
    assert query_plan(a) is query_plan(a)  # kept on the query
    assert "costgate" not in a.model_dump_json() and a == ec2("us-east-1", "m5.large")
    moved = a.model_copy(update={"region": None})
    assert query_plan(moved)[0] == ("aws", "AmazonEC2", "")
    assert query_plan(pickle.loads(pickle.dumps(a))) == query_plan(a)
    assert "_costgate_plan" not in pickle.loads(pickle.dumps(a)).__dict__


def test_projection_and_posting_intersection_agree(tmp_path: Path, cache: Path) -> None:
    """Both matchers on the same partition: full-attribute queries, attribute subsets (which
    also match records carrying more attributes), and misses."""
    from costgate.pricing.store_index import query_keys

    snap = tmp_path / "snap"
    build_snapshot(sample_records(), snap, sources=[])
    store = PriceStore.open(snap)
    part = store.index.partition("aws", "AmazonEC2", "eu-west-1")
    assert part is not None
    queries = [
        ec2("eu-west-1", "m5.large"), ec2("eu-west-1", "t3.medium"), ec2("eu-west-1", "x9.huge"),
        PriceQuery.make("aws", "AmazonEC2", "eu-west-1", instance_type="m5.large"),
        PriceQuery.make("aws", "AmazonEC2", "eu-west-1", product_family="System Operation"),
        PriceQuery.make("aws", "AmazonEC2", "eu-west-1", usage_type="EU-BoxUsage:m5.large"),
    ]
    answers = []
    for q in queries:
        keys = query_keys(q)
        proj = part.projection(tuple(k for k, _ in keys), batch=10_000)
        assert proj is not None
        by_projection = proj.get(tuple(v for _, v in keys), [])
        assert part.match(keys) == by_projection
        answers.append(len(by_projection))
    # the snapshot kept one row per product (the terracost rows lost the dedupe); io2: 3 tiers
    assert answers == [1, 1, 0, 1, 3, 0]


def test_query_equality_is_field_equality() -> None:
    base = ec2("us-east-1", "m5.large")
    hash(base)  # one side carries the cached hash, the other not
    assert base == ec2("us-east-1", "m5.large")
    assert base != ec2("us-east-1", "m5.xlarge") and base != ec2("eu-west-1", "m5.large")
    assert base != PriceQuery.make("aws", "AmazonEC2", "us-east-1", instance_type="m5.large")
    assert base != "not a query"
