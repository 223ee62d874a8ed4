"""Time ``costgate diff --path REPO --base-ref main`` on a generated 50-project monorepo.

    python bench/bench_gitdiff.py [--snapshot DIR] [--keep DIR]

Generates the repository with ``gen_repo.py`` (500 ``.tf`` files, two commits), then runs
the installed CLI in a fresh subprocess, as a user would, twice:

1. cold: an empty HCL parse cache (target < 15 s on a 2-core machine);
2. warm: the parse cache filled by run 1 (target: at least 3x faster than run 1).

The baseline, measured in the same run, is the raw ``hcl2.loads`` time of the same files
(every ``.tf`` of both revisions, one process, no evaluation, no pricing). The price snapshot
comes from ``--snapshot``, else the one costgate would use, else one is built from
``../shared/pricing-sources`` (AWS sources; not timed). The price index is built by an
untimed warm-up run on a different small repository, so neither timed run pays for it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--snapshot", type=Path, help="price snapshot directory")
    parser.add_argument("--keep", type=Path, help="also copy the generated repo here")
    args = parser.parse_args()
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
        for kind in ("hcl", "projects"):  # the timed runs start cold
            shutil.rmtree(cache / kind, ignore_errors=True)

        cold, doc = timed_diff(tmp / "repo", tmp / "cold.json", env)
        warm, doc2 = timed_diff(tmp / "repo", tmp / "warm.json", env)
        n_files, base_time = hcl2_baseline(tmp / "repo")

    projects = doc["projects"]
    assert isinstance(projects, list)
    failed = [p["name"] for p in projects if p["error"]]
    resources = doc["resources"]
    assert isinstance(resources, list)
    same = doc == doc2
    print(f"repo: {counts['projects']} projects, {counts['tf_files']} .tf files, "
          f"{counts['changed_files']} files changed between the two commits")
    print(f"diff result: {len(projects)} projects ({len(failed)} failed), "
          f"{len(resources)} resources, monthly {doc['total_monthly_cost_before']} -> "
          f"{doc['total_monthly_cost_after']} (delta {doc['total_monthly_delta']}); "
          f"warm run identical: {same}")
    print(f"baseline: hcl2.loads of {n_files} files (both revisions): {base_time:.2f} s")
    print(f"cold diff (empty parse cache): {cold:.2f} s  "
          f"[{cold / base_time:.2f}x baseline; target < 15 s: "
          f"{'OK' if cold < 15 else 'MISSED'}]")
    print(f"warm diff (parse cache):       {warm:.2f} s  "
          f"[{warm / base_time:.2f}x baseline; speed-up {cold / warm:.1f}x, target >= 3x: "
          f"{'OK' if cold / warm >= 3 else 'MISSED'}]")
    return 0 if not failed and same else 1


if __name__ == "__main__":
    raise SystemExit(main())
