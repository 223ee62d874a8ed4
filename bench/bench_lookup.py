"""Price store speed: index build (first use) and 10,000 distinct lookups (warm).

Usage: ``python bench/bench_lookup.py [--snapshot DIR] [-n 10000]`` (default: the snapshot
``PriceStore.open()`` picks). Runs in a temporary cache dir, so the user's index is untouched.

Queries are real: each is built from one record of the snapshot (its product family,
purchase option, unit and every attribute), spread over all services, then deduplicated.
Baseline, measured in the same run: the same number of plain ``dict`` lookups keyed by the
query plus ``json.loads`` of the record line - the floor for "find a stored row and parse it".
Targets: first use < 10 s, 10,000 warm lookups < 0.2 s. "Warm" means the partitions are
loaded and their posting sets and records built (a previous batch); nothing maps a query to
its answer across calls, so a repeated batch is matched again. The warm run is also timed
with new query objects, which have not yet cached their hash and lookup key.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import pickle
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from costgate.model.pricing import PriceQuery, PurchaseOption  # noqa: E402
from costgate.pricing.snapshot import load_manifest  # noqa: E402
from costgate.pricing.store import PriceStore  # noqa: E402


def sample_queries(snapshot: Path, n: int) -> list[tuple[PriceQuery, str]]:
    """``n`` distinct queries drawn (seeded) from every data file, with their record line."""
    manifest = load_manifest(snapshot)
    pool: dict[PriceQuery, str] = {}
    for f in manifest.files:
        lines = gzip.decompress((snapshot / f.path).read_bytes()).decode().splitlines()
        for line in lines:
            d = json.loads(line)
            q = PriceQuery(
                provider=f.provider, service=f.service, region=d.get("region"),
                product_family=d.get("product_family", ""),
                purchase_option=PurchaseOption(d.get("purchase_option", "on_demand")),
                unit=d["unit"], term=d.get("term"), payment=d.get("payment"),
                attributes=tuple(sorted(d.get("attributes", {}).items())),
            )
            pool.setdefault(q, line)
    keys = sorted(pool, key=lambda q: q.model_dump_json())
    random.Random(42).shuffle(keys)
    return [(q, pool[q]) for q in keys[:n]]


def timed(fn: Callable[[], object], repeat: int = 7) -> tuple[float, float, float, float]:
    """``repeat`` runs: best and median wall seconds, best and median CPU seconds (CPU time is
    less noisy on a busy box)."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), statistics.median(walls), min(cpus), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path)
    parser.add_argument("-n", type=int, default=10_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        os.environ["COSTGATE_CACHE_DIR"] = cache
        store = PriceStore.open(args.snapshot)
        snapshot = store.info().path
        rows = store.info().manifest.rows
        print(f"snapshot {store.snapshot_id} ({rows:,} rows) at {snapshot}")
        sample = sample_queries(snapshot, args.n)
        queries = [q for q, _ in sample]

        t0 = time.perf_counter()
        PriceStore.open(args.snapshot).index.build_all()
        full_build = time.perf_counter() - t0
        shutil.rmtree(Path(cache, "index"))

        # First use after install: one EC2 price (the largest service) with an empty cache.
        t0 = time.perf_counter()
        PriceStore.open(args.snapshot).lookup(PriceQuery.make(
            "aws", "AmazonEC2", "us-east-1", product_family="Compute Instance",
            instance_type="m5.large", operating_system="Linux", tenancy="Shared",
            pre_installed_sw="NA", capacity_status="Used", license_model="No License required"))
        first_use = time.perf_counter() - t0
        PriceStore.open(args.snapshot).index.build_all()

        fresh = PriceStore.open(args.snapshot)
        t0 = time.perf_counter()
        result = fresh.lookup_many(queries)
        warm_fresh = time.perf_counter() - t0
        warm, warm_med, warm_cpu, warm_cpu_med = timed(lambda: fresh.lookup_many(queries))
        # The same questions as new objects (a pickle round trip drops each query's cached
        # hash and lookup key), as a new batch of rules would build them.
        copies = iter([pickle.loads(pickle.dumps(queries)) for _ in range(7)])
        new_q, new_q_med, new_q_cpu, _ = timed(lambda: fresh.lookup_many(next(copies)))

        table = dict(sample)
        baseline, base_med, baseline_cpu, base_cpu_med = timed(
            lambda: [json.loads(table[q]) for q in queries])

    found = sum(m.found for m in result.values())
    n = len(queries)
    lines = [
        f"first use (index AmazonEC2 + one lookup): {first_use:.2f} s  (target < 10 s)",
        f"full index build (every service):         {full_build:.2f} s  (target < 10 s)",
        f"{n:,} distinct lookups, warm store: best {warm:.3f} s wall, {warm_cpu:.3f} s CPU;"
        f" median {warm_med:.3f} s wall, {warm_cpu_med:.3f} s CPU (target < 0.2 s)",
        f"{n:,} distinct lookups, warm store, new query objects: best {new_q:.3f} s wall,"
        f" {new_q_cpu:.3f} s CPU; median {new_q_med:.3f} s wall",
        f"{n:,} distinct lookups, new store over a built index: {warm_fresh:.3f} s"
        " (loads every partition the sample touches)",
        f"baseline ({n:,} dict lookups + json.loads): best {baseline:.3f} s wall,"
        f" {baseline_cpu:.3f} s CPU; median {base_med:.3f} s wall, {base_cpu_med:.3f} s CPU",
        f"ratio warm/baseline: {warm / baseline:.1f}x wall, {warm_cpu / baseline_cpu:.1f}x CPU;"
        f" new-store/baseline {warm_fresh / baseline:.1f}x; found {found:,}/{n:,}",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
