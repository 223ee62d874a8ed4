"""Time ``costgate diff --path REPO --base-ref main`` on a generated 50-project monorepo.

    python bench/bench_gitdiff.py [--snapshot DIR] [--keep DIR] [--rounds N]

Generates the repository with ``gen_repo.py`` (500 ``.tf`` files, two commits), then runs
the CLI in a fresh subprocess, as a user would, ``--rounds`` times (default 3) each:

1. cold: empty parse and project caches (target < 15 s on a 2-core machine);
2. warm: the caches filled by the cold run (target: at least 3x faster than cold).

The baseline, measured in every round, is the raw ``hcl2.loads`` time of the same files
(every ``.tf`` of both revisions, one process, no evaluation, no pricing). Best and median
of the rounds are printed; the speed-up target must hold for both. The price snapshot
comes from ``--snapshot``, else the one costgate would use, else one is built from
``../shared/pricing-sources`` (AWS sources; not timed). The price index is built by an
untimed warm-up run on a different small repository, so neither timed run pays for it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_repo import generate, repo_files  # noqa: E402

SHARED_SOURCES = ROOT.parent / "shared" / "pricing-sources"
AWS_SOURCES = ("aws-curated", "aws-karpenter", "aws-pricing-page", "aws-vantage")


def costgate(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh interpreter (imports and process start included in timings)."""
    return subprocess.run([sys.executable, "-m", "costgate", *args], env=env, text=True,
                          capture_output=True, cwd=ROOT)


def find_snapshot(arg: Path | None, cache: Path, env: dict[str, str]) -> None:
    """Make ``cache/prices`` the snapshot to use (a symlink, or a fresh build)."""
    target = cache / "prices"
    if arg is None:
        from costgate.errors import PricingDataError
        from costgate.pricing.store import PriceStore

        try:
            arg = PriceStore.open().info().path  # the user's environment, before isolation
        except PricingDataError:
            arg = None
    if arg is not None:
        target.symlink_to(arg.resolve())
        return
    if not SHARED_SOURCES.is_dir():
        sys.exit("no price snapshot: pass --snapshot DIR or run `costgate pricing update`")
    print(f"building a price snapshot from {SHARED_SOURCES} (untimed) ...", flush=True)
    sources = [a for s in AWS_SOURCES for a in ("--source", s)]
    done = costgate("pricing", "build", "--from", str(SHARED_SOURCES), "--out", str(target),
                    *sources, env=env)
    if done.returncode:
        sys.exit(done.stderr)


def hcl2_baseline(repo: Path) -> tuple[int, float]:
    """Raw python-hcl2 parse time of every .tf file of both revisions (same options)."""
    import hcl2
    from hcl2 import SerializationOptions

    opts = SerializationOptions(explicit_blocks=False, with_comments=False,
                                preserve_heredocs=False)
    texts = [t for changed in (False, True) for p, t in repo_files(changed).items()
             if p.endswith(".tf")]
    start = time.perf_counter()
    for text in texts:
        hcl2.loads(text, serialization_options=opts)
    return len(texts), time.perf_counter() - start


def timed_diff(repo: Path, out: Path, env: dict[str, str]) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    done = costgate("diff", "--path", str(repo), "--base-ref", "main", "--format", "json",
                    "--out", str(out), env=env)
    elapsed = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"costgate diff failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, json.loads(out.read_text(), parse_float=Decimal)


def stats(values: list[float]) -> tuple[float, float]:
    """(best, median) of some timings."""
    return min(values), statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--snapshot", type=Path, help="price snapshot directory")
    parser.add_argument("--keep", type=Path, help="also copy the generated repo here")
    parser.add_argument("--rounds", type=int, default=3, help="cold/warm/baseline rounds (3)")
    args = parser.parse_args()
    colds: list[float] = []
    warms: list[float] = []
    bases: list[float] = []
    docs: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="costgate-bench-") as tmp_name:
        tmp = Path(tmp_name)
        cache = tmp / "cache"
        cache.mkdir()
        env = {**os.environ, "COSTGATE_CACHE_DIR": str(cache)}
        env.pop("COSTGATE_PARALLELISM", None)
        find_snapshot(args.snapshot, cache, env)
        counts = generate(tmp / "repo")
        if args.keep:
            shutil.copytree(tmp / "repo", args.keep, symlinks=True)
        warmup = tmp / "warmup"  # builds the price index (its parse cache is dropped below)
        shutil.copytree(tmp / "repo" / "live" / "prod" / "api", warmup / "live" / "prod" / "api")
        shutil.copytree(tmp / "repo" / "modules", warmup / "modules")
        done = costgate("breakdown", "--path", str(warmup), "--format", "json", env=env)
        if done.returncode:
            sys.exit(f"warm-up failed: {done.stderr[-2000:]}")
        for i in range(max(1, args.rounds)):
            for kind in ("hcl", "projects"):  # every cold run starts with empty caches
                shutil.rmtree(cache / kind, ignore_errors=True)
            cold, doc = timed_diff(tmp / "repo", tmp / f"cold{i}.json", env)
            warm, doc2 = timed_diff(tmp / "repo", tmp / f"warm{i}.json", env)
            n_files, base_time = hcl2_baseline(tmp / "repo")
            colds.append(cold)
            warms.append(warm)
            bases.append(base_time)
            docs += [doc, doc2]
            print(f"round {i + 1}: cold {cold:.2f} s, warm {warm:.2f} s, "
                  f"baseline {base_time:.2f} s, speed-up {cold / warm:.1f}x", flush=True)

    doc = docs[0]
    projects = doc["projects"]
    assert isinstance(projects, list)
    failed = [p["name"] for p in projects if p["error"]]
    resources = doc["resources"]
    assert isinstance(resources, list)
    same = all(d == doc for d in docs)
    (cold_best, cold_med), (warm_best, warm_med) = stats(colds), stats(warms)
    base_best, base_med = stats(bases)
    print(f"repo: {counts['projects']} projects, {counts['tf_files']} .tf files, "
          f"{counts['changed_files']} files changed between the two commits")
    print(f"diff result: {len(projects)} projects ({len(failed)} failed), "
          f"{len(resources)} resources, monthly {doc['total_monthly_cost_before']} -> "
          f"{doc['total_monthly_cost_after']} (delta {doc['total_monthly_delta']}); "
          f"every run identical: {same}")
    print(f"{len(colds)} rounds; best / median")
    print(f"baseline: hcl2.loads of {n_files} files (both revisions): "
          f"{base_best:.2f} / {base_med:.2f} s")
    print(f"cold diff (empty caches): {cold_best:.2f} / {cold_med:.2f} s  "
          f"[{cold_med / base_med:.2f}x baseline; target < 15 s: "
          f"{'OK' if cold_med < 15 else 'MISSED'}]")
    print(f"warm diff (caches full):  {warm_best:.2f} / {warm_med:.2f} s  "
          f"[{warm_med / base_med:.2f}x baseline]")
    ratio_best, ratio_med = cold_best / warm_best, cold_med / warm_med
    print(f"speed-up cold/warm: best {ratio_best:.1f}x, median {ratio_med:.1f}x  "
          f"[target >= 3x: {'OK' if min(ratio_best, ratio_med) >= 3 else 'MISSED'}]")
    return 0 if not failed and same else 1


if __name__ == "__main__":
    raise SystemExit(main())
