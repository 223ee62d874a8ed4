"""Time the plan reader against plain ``json.load`` of the same file, in the same run.

    python bench/bench_parse.py                 # generates a 10,000-resource plan
    python bench/bench_parse.py --plan my.json  # or times an existing file

Prints the best-of-N times, the ratio ``load_input / json.load`` (target: well under 2, so
that the whole ``costgate breakdown`` stays within 4× ``json.load``) and peak RSS.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_plan import generate_plan  # noqa: E402

from costgate.parse.loader import load_input  # noqa: E402


def _best(fn: object, repeat: int) -> tuple[float, float]:
    """Best (wall, CPU) seconds over ``repeat`` runs; CPU time is steadier on a busy machine."""
    walls, cpus = [], []
    for _ in range(repeat):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, help="existing plan JSON (default: generate one)")
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.plan
        if path is None:
            path = Path(tmp) / "plan.json"
            text = json.dumps(generate_plan(args.resources), separators=(",", ":"))
            path.write_text(text, encoding="utf-8")

        def baseline() -> None:
            with open(path, encoding="utf-8") as fh:
                json.load(fh)

        def baseline_no_gc() -> None:
            gc.disable()
            try:
                baseline()
            finally:
                gc.enable()

        parsed = load_input(path)
        t_json = _best(baseline, args.repeat)
        t_json_nogc = _best(baseline_no_gc, args.repeat)
        t_parse = _best(lambda: load_input(path), args.repeat)
        size = path.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"plan: {size / 1e6:.1f} MB, {len(parsed.changes)} managed changes, best of {args.repeat}"
    )
    for label, (wall, cpu) in (
        ("json.load", t_json),
        ("json.load, GC off", t_json_nogc),
        ("load_input", t_parse),
    ):
        print(f"{label:18} wall {wall * 1000:8.1f} ms   cpu {cpu * 1000:8.1f} ms")
    print(f"ratio load_input/json.load (cpu): {t_parse[1] / t_json[1]:.2f}")
    print(f"ratio load_input/json.load with GC off (cpu): {t_parse[1] / t_json_nogc[1]:.2f}")
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
