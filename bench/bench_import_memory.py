"""Peak memory and time of the AWS bulk CSV importer on a large regional offer file.

    python bench/bench_import_memory.py            # ~1 GB synthetic CSV (target: RSS < 300 MB)
    python bench/bench_import_memory.py --mb 50    # quicker
    python bench/bench_import_memory.py --csv index.csv   # or a real downloaded offer file

The synthetic file has the real layout: five metadata lines, the 2020 AmazonEC2 header (83
columns) plus ``Region Code``, and OnDemand + Reserved rows for many instance SKUs. Each
measurement runs in a fresh subprocess so ``ru_maxrss`` is that run's own peak. The baseline
is a plain line count of the same file (``wc -l`` style) in the same run.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_META = (
    '"FormatVersion","v1.0"\n'
    '"Disclaimer","This pricing list is for informational purposes only."\n'
    '"Publication Date","2023-02-23T00:00:00Z"\n'
    '"Version","20230223000000"\n'
    '"OfferCode","AmazonEC2"\n'
)
_HEADER = (
    "SKU,OfferTermCode,RateCode,TermType,PriceDescription,EffectiveDate,StartingRange,EndingRange,"
    "Unit,PricePerUnit,Currency,RelatedTo,LeaseContractLength,PurchaseOption,OfferingClass,"
    "Product Family,serviceCode,Location,Location Type,Instance Type,Current Generation,"
    "Instance Family,vCPU,Physical Processor,Clock Speed,Memory,Storage,Network Performance,"
    "Processor Architecture,Storage Media,Volume Type,Max Volume Size,Max IOPS/volume,"
    "Max IOPS Burst Performance,Max throughput/volume,Provisioned,Tenancy,EBS Optimized,"
    "Operating System,License Model,Group,Group Description,Transfer Type,From Location,"
    "From Location Type,To Location,To Location Type,usageType,operation,CapacityStatus,"
    "Dedicated EBS Throughput,ECU,Elastic Graphics Type,Enhanced Networking Supported,GPU,"
    "GPU Memory,Instance,Instance Capacity - 10xlarge,Instance Capacity - 12xlarge,"
    "Instance Capacity - 16xlarge,Instance Capacity - 18xlarge,Instance Capacity - 24xlarge,"
    "Instance Capacity - 2xlarge,Instance Capacity - 32xlarge,Instance Capacity - 4xlarge,"
    "Instance Capacity - 8xlarge,Instance Capacity - 9xlarge,Instance Capacity - large,"
    "Instance Capacity - medium,Instance Capacity - metal,Instance Capacity - xlarge,instanceSKU,"
    "Intel AVX Available,Intel AVX2 Available,Intel Turbo Available,Normalization Size Factor,"
    "Physical Cores,Pre Installed S/W,Processor Features,Product Type,Resource Type,serviceName,"
    "Volume API Name,Region Code"
).split(",")
_OS = ["Linux", "Windows", "RHEL", "SUSE", "Red Hat Enterprise Linux with HA", "Ubuntu Pro"]
_SW = ["NA", "SQL Std", "SQL Web", "SQL Ent"]
_CAP = ["Used", "UnusedCapacityReservation", "AllocatedCapacityReservation"]
_TERMS = [
    ("OnDemand", "JRTCKXETXF", "", "", ""),
    ("Reserved", "HU7G6KETJZ", "1yr", "Partial Upfront", "standard"),
    ("Reserved", "38NPMPTW36", "3yr", "Partial Upfront", "standard"),
]


def generate(path: Path, megabytes: int) -> int:
    """Write a synthetic offer CSV of about ``megabytes`` MB; return its data row count."""
    target = megabytes * 1024 * 1024
    rows = 0
    col = {name: i for i, name in enumerate(_HEADER)}
    with path.open("w", newline="") as fh:
        fh.write(_META)
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(_HEADER)
        n = 0
        while fh.tell() < target:
            n += 1
            sku = f"S{n:015d}"
            size = ["large", "xlarge", "2xlarge", "4xlarge", "metal"][n % 5]
            itype = f"m{n % 97}.{size}"
            base = [""] * len(_HEADER)
            for name, value in (
                ("Product Family", "Compute Instance"), ("serviceCode", "AmazonEC2"),
                ("Location", "EU (Ireland)"), ("Location Type", "AWS Region"),
                ("Instance Type", itype), ("Current Generation", "Yes"),
                ("Instance Family", "General purpose"), ("vCPU", str(2 << (n % 5))),
                ("Physical Processor", "Intel Xeon Platinum 8175"), ("Clock Speed", "3.1 GHz"),
                ("Memory", f"{8 << (n % 5)} GiB"), ("Storage", "EBS only"),
                ("Network Performance", "Up to 10 Gigabit"), ("Processor Architecture", "64-bit"),
                ("Tenancy", ["Shared", "Dedicated", "Host"][n % 3]), ("EBS Optimized", "Yes"),
                ("Operating System", _OS[n % 6]), ("License Model", "No License required"),
                ("usageType", f"EU-BoxUsage:{itype}"), ("operation", f"RunInstances:{n % 9999:04d}"),
                ("CapacityStatus", _CAP[n % 3]), ("Dedicated EBS Throughput", "Up to 2120 Mbps"),
                ("ECU", "10"), ("Enhanced Networking Supported", "Yes"), ("instanceSKU", sku),
                ("Intel AVX Available", "Yes"), ("Intel AVX2 Available", "Yes"),
                ("Intel Turbo Available", "Yes"), ("Normalization Size Factor", "4"),
                ("Physical Cores", "48"), ("Pre Installed S/W", _SW[n % 4]),
                ("Processor Features", "Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo"),
                ("serviceName", "Amazon Elastic Compute Cloud"), ("Region Code", "eu-west-1"),
            ):  # fmt: skip
                base[col[name]] = value
            price = f"{(n % 5000) / 1000 + 0.0123:.10f}"
            for term, code, lease, payment, offering in _TERMS:
                dims = [("6YS6EN2CT7", "Hrs", price, "0", "Inf")]
                if term == "Reserved":
                    dims.append(("2TG2D8R56U", "Quantity", f"{n % 9000 + 100}", "", ""))
                for dim, unit, value, begin, end in dims:
                    row = list(base)
                    row[0:15] = [
                        sku, code, f"{sku}.{code}.{dim}", term, f"${value} per {unit}", "2023-02-01",
                        begin, end, unit, value, "USD", "", lease, payment, offering,
                    ]  # fmt: skip
                    writer.writerow(row)
                    rows += 1
    return rows


_CHILD_IMPORT = """
import json, resource, sys, time
from pathlib import Path
from costgate.pricing.importers import aws_bulk
path = Path(sys.argv[1])
start = time.perf_counter(); rows = 0
for _ in aws_bulk.iter_records(path, path.parent):
    rows += 1
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - start,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_CHILD_BASELINE = """
import json, resource, sys, time
start = time.perf_counter(); rows = 0
with open(sys.argv[1], "rb") as fh:
    for _ in fh:
        rows += 1
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - start,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--mb", type=int, default=1024, help="synthetic file size in MB (default 1024)"
    )
    parser.add_argument("--csv", type=Path, help="import this offer CSV instead of a synthetic one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="costgate-bench-") as tmp:
        path = args.csv
        if path is None:
            path = Path(tmp) / "index.csv"
            generated = generate(path, args.mb)
            print(f"generated {path.stat().st_size / 2**20:.0f} MB, {generated:,} price rows")
        base = _run(_CHILD_BASELINE, path)
        imp = _run(_CHILD_IMPORT, path)
    buf = io.StringIO()
    buf.write(
        f"baseline (line count): {base['rows']:>12,.0f} lines  {base['seconds']:8.1f} s  peak RSS {base['rss_mb']:7.1f} MB\n"
    )
    buf.write(
        f"aws_bulk.iter_records: {imp['rows']:>12,.0f} rows   {imp['seconds']:8.1f} s  peak RSS {imp['rss_mb']:7.1f} MB\n"
    )
    buf.write(
        f"ratio time {imp['seconds'] / base['seconds']:.1f}x, RSS {imp['rss_mb'] / base['rss_mb']:.1f}x; "
    )
    buf.write(f"target RSS < 300 MB: {'PASS' if imp['rss_mb'] < 300 else 'FAIL'}\n")
    print(buf.getvalue(), end="")
    return 0 if imp["rss_mb"] < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
