"""Time ``costgate breakdown --format json`` against ``json.load`` of the same plan, same run.

    python bench/bench_breakdown.py                  # a generated 10,000-resource plan
    python bench/bench_breakdown.py --resources 2000 --repeat 3

Runs the real CLI entry point in-process (``costgate.cli.main``) after one warm-up run (imports,
price index), prints best-of-N and median wall times, the ratio breakdown / json.load (target
<= 4), peak RSS, and the wall time of a 10-resource plan through the CLI in a fresh subprocess,
as JSON and as the default table (target < 0.5 s). Needs a price snapshot.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_plan import generate_plan  # noqa: E402

from costgate.cli import main as costgate_main  # noqa: E402


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(best, median) wall time of ``repeat`` runs: the best is least disturbed by other load."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def write_plan(path: Path, resources: int) -> None:
    path.write_text(json.dumps(generate_plan(resources), separators=(",", ":")), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plan, out = Path(tmp) / "plan.json", Path(tmp) / "estimate.json"
        write_plan(plan, args.resources)

        def breakdown() -> None:
            code = costgate_main(
                ["breakdown", "--plan", str(plan), "--format", "json", "--out", str(out)]
            )
            if code != 0:
                raise SystemExit(f"costgate breakdown exited {code}")

        def load() -> None:
            with open(plan, encoding="utf-8") as fh:
                json.load(fh)

        breakdown()  # warm-up: imports, price index, rule tables
        t_cli, m_cli = timed(breakdown, args.repeat)
        t_json, m_json = timed(load, args.repeat)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        est = json.loads(out.read_text(encoding="utf-8"))
        size_mb = plan.stat().st_size / 1e6

        small = Path(tmp) / "plan10.json"
        write_plan(small, 10)
        cmd = [sys.executable, "-m", "costgate", "breakdown", "--plan", str(small)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        small_json = timed(lambda: subprocess.run([*cmd, "--format", "json"], check=True,
                                                  env=env, capture_output=True), 5)
        small_table = timed(lambda: subprocess.run(cmd, check=True, env=env,
                                                   capture_output=True), 5)

    print(
        f"plan: {args.resources} resources ({size_mb:.1f} MB), "
        f"counts {est['counts']}, total after {est['total_monthly_cost_after']}"
    )
    print(f"costgate breakdown --format json: best {t_cli:.3f} s, median {m_cli:.3f} s "
          f"({args.repeat} runs)")
    print(f"json.load of the same file:       best {t_json:.3f} s, median {m_json:.3f} s")
    print(f"ratio: {t_cli / t_json:.2f} best/best, {m_cli / m_json:.2f} median/median "
          "(target <= 4)")
    print(f"peak RSS: {peak_mb:.0f} MB")
    for label, (b, m) in (("--format json", small_json), ("table (default)", small_table)):
        print(f"10-resource plan, fresh CLI subprocess, {label}: best {b:.3f} s, "
              f"median {m:.3f} s of 5 (target < 0.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
