"""``costgate pricing build|info|lookup`` (and ``update``, from ``pricing_update``).

``lookup`` takes short service names (``ec2``, ``rds``, ``vm``, ``gce``, ...): ``ec2`` also fills
in the EC2-instance attributes a plain on-demand Linux price needs (``LOOKUP_DEFAULTS``), so
``aws ec2 us-east-1 instance_type=m5.large`` resolves to one price; anything given on the
command line overrides them. Not found prints "not in price snapshot" and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from costgate.errors import ExitCode, InputError
from costgate.model.money import money_str
from costgate.model.pricing import PriceQuery, PurchaseOption

if TYPE_CHECKING:  # rich, the importers and the store load in the handlers that use them
    from costgate.model.pricing import PriceMatch

NOT_FOUND = "not in price snapshot — run `costgate pricing update`"

#: (provider, alias) → service name.
SERVICE_ALIASES: dict[tuple[str, str], str] = {
    ("aws", "ec2"): "AmazonEC2", ("aws", "ebs"): "AmazonEC2", ("aws", "nat"): "AmazonEC2",
    ("aws", "rds"): "AmazonRDS", ("aws", "elb"): "AWSELB", ("aws", "alb"): "AWSELB",
    ("aws", "nlb"): "AWSELB", ("aws", "elasticache"): "AmazonElastiCache",
    ("aws", "lambda"): "AWSLambda", ("aws", "s3"): "AmazonS3", ("aws", "eks"): "AmazonEKS",
    ("aws", "dynamodb"): "AmazonDynamoDB", ("aws", "cloudwatch"): "AmazonCloudWatch",
    ("aws", "route53"): "AmazonRoute53", ("aws", "vpc"): "AmazonVPC",
    ("aws", "efs"): "AmazonEFS", ("aws", "sqs"): "AWSQueueService", ("aws", "sns"): "AmazonSNS",
    ("aws", "kms"): "awskms", ("aws", "ecr"): "AmazonECR", ("aws", "ecs"): "AmazonECS",
    ("aws", "secretsmanager"): "AWSSecretsManager", ("aws", "cloudfront"): "AmazonCloudFront",
    ("azure", "vm"): "Virtual Machines", ("azure", "virtual-machines"): "Virtual Machines",
    ("azure", "storage"): "Storage", ("azure", "disk"): "Storage",
    ("azure", "sql"): "SQL Database", ("azure", "postgresql"): "Azure Database for PostgreSQL",
    ("azure", "mysql"): "Azure Database for MySQL", ("azure", "redis"): "Redis Cache",
    ("azure", "aks"): "Azure Kubernetes Service", ("azure", "app-service"): "Azure App Service",
    ("azure", "vnet"): "Virtual Network", ("azure", "monitor"): "Azure Monitor",
    ("azure", "key-vault"): "Key Vault", ("azure", "functions"): "Functions",
    ("azure", "acr"): "Container Registry", ("azure", "firewall"): "Azure Firewall",
    ("azure", "app-gateway"): "Application Gateway", ("azure", "vpn"): "VPN Gateway",
    ("azure", "cosmos"): "Azure Cosmos DB",
    ("google", "gce"): "Compute Engine", ("google", "compute"): "Compute Engine",
    ("google", "gcs"): "Cloud Storage", ("google", "storage"): "Cloud Storage",
}

#: (provider, alias) → (product family, attribute defaults) filled in unless given.
LOOKUP_DEFAULTS: dict[tuple[str, str], tuple[str | None, dict[str, str]]] = {
    ("aws", "ec2"): ("Compute Instance", {
        "operating_system": "Linux", "tenancy": "Shared", "pre_installed_sw": "NA",
        "capacity_status": "Used", "license_model": "No License required",
    }),
    ("aws", "nat"): ("NAT Gateway", {}),
    ("aws", "rds"): ("Database Instance", {}),
    ("aws", "elasticache"): ("Cache Instance", {}),
    ("google", "gce"): ("Compute Instance", {}),
}
_PROVIDERS = {"aws": "aws", "azure": "azure", "google": "google", "gcp": "google"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``pricing`` and its subcommands."""
    group = sub.add_parser("pricing", help="the local price snapshot: build, info, lookup, update")
    psub = group.add_subparsers(dest="pricing_command", metavar="SUBCOMMAND")
    group.set_defaults(handler=lambda _a: _help(group))

    b = psub.add_parser("build", help="build a price snapshot from staged source files")
    b.add_argument("--from", dest="source_root", required=True, type=Path, metavar="DIR",
                   help="the price sources folder (e.g. ../shared/pricing-sources)")
    b.add_argument("--out", required=True, type=Path, metavar="DIR",
                   help="snapshot folder to write (replaced atomically)")
    b.add_argument("--source", action="append", default=[], metavar="ID",
                   help="only this source id (repeatable); default: every registered source")
    b.set_defaults(handler=_build)

    i = psub.add_parser("info", help="show the price snapshot in use")
    i.add_argument("--json", action="store_true", help="machine-readable output")
    i.add_argument("--snapshot", type=Path, metavar="DIR", help="a snapshot folder to inspect")
    i.set_defaults(handler=_info)

    lk = psub.add_parser("lookup", help="look one price up in the snapshot")
    lk.add_argument("provider", help="aws, azure or google")
    lk.add_argument("service", help="service name or alias (ec2, rds, elb, ebs, vm, gce, ...)")
    lk.add_argument("region", help="region code, or 'global'")
    lk.add_argument("attributes", nargs="*", metavar="key=value",
                    help="attribute constraints (vocabulary names, e.g. instance_type=m5.large)")
    lk.add_argument("--purchase-option", default="on_demand",
                    choices=[p.value for p in PurchaseOption])
    lk.add_argument("--family", help="product family (e.g. 'Compute Instance')")
    lk.add_argument("--unit", help="price unit (hour, GB-month, ...)")
    lk.add_argument("--term", help="1y, 3y or 5y")
    lk.add_argument("--payment", help="no_upfront, partial_upfront or all_upfront")
    lk.add_argument("--json", action="store_true", help="machine-readable output")
    lk.add_argument("--snapshot", type=Path, metavar="DIR", help="use this snapshot folder")
    lk.set_defaults(handler=_lookup)

    try:  # `pricing update` lives in its own module
        from costgate.commands import pricing_update
    except ImportError:  # pragma: no cover - only while that module is missing
        return
    pricing_update.register(psub)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return int(ExitCode.INPUT_ERROR)


def _build(args: argparse.Namespace) -> int:
    from rich.console import Console

    from costgate.pricing.snapshot import build_snapshot
    from costgate.pricing.sources import discover, iter_source_records

    err = Console(stderr=True)
    started = time.monotonic()
    infos = discover(args.source_root, only=args.source)
    total = len(infos)
    seen = [0]

    def on_file(info: Any) -> None:
        seen[0] += 1
        if err.is_terminal:
            err.print(f"[{seen[0]}/{total}] {info.path}", highlight=False)

    manifest = build_snapshot(iter_source_records(args.source_root, infos, on_file=on_file),
                              args.out, sources=infos)
    size = sum(f.size for f in manifest.files)
    d = manifest.dedupe
    print(f"snapshot {manifest.snapshot_id}: {manifest.rows:,} prices in {len(manifest.files)} "
          f"files ({size / 1e6:.1f} MB) from {total} source files -> {args.out}")
    print(f"dedupe: {d.rows_dropped:,} rows dropped in {d.groups_resolved:,} products priced by "
          f"several sources ({d.prices_differed:,} with a different price); "
          f"{d.exact_duplicates:,} exact duplicates; {time.monotonic() - started:.1f}s")
    return int(ExitCode.OK)


def _info(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from costgate.pricing.store import PriceStore

    store = PriceStore.open(args.snapshot)
    info = store.info()
    m = info.manifest
    if args.json:
        out = {"snapshot_id": m.snapshot_id, "path": str(info.path), "origin": info.origin,
               "skipped": list(info.skipped), **m.model_dump(mode="json", exclude={"snapshot_id"})}
        print(json.dumps(out, indent=2))
        return int(ExitCode.OK)
    con = Console()
    con.print(f"price snapshot [bold]{m.snapshot_id}[/bold] ({info.origin}: {info.path})",
              highlight=False)
    con.print(f"{m.rows:,} prices, newest price date {m.published}", highlight=False)
    for note in info.skipped:
        con.print(f"[yellow]skipped[/yellow] {note}", highlight=False)
    prov = Table(title="providers")
    for col in ("provider", "rows", "services", "regions", "price dates"):
        prov.add_column(col)
    for name, p in m.providers.items():
        prov.add_row(name, f"{p.rows:,}", str(len(p.services)), _regions(p.regions),
                     f"{p.price_date_min} … {p.price_date_max}")
    con.print(prov)
    src = Table(title="sources")
    for col in ("source", "trust", "files", "rows kept/read", "price dates", "licence"):
        src.add_column(col)
    grouped: dict[str, list[Any]] = {}
    for entry in m.sources:
        grouped.setdefault(entry.source_id, []).append(entry)
    for sid, entries in grouped.items():
        lo = min((e.price_date_min for e in entries if e.price_date_min), default=None)
        hi = max((e.price_date_max for e in entries if e.price_date_max), default=None)
        src.add_row(sid, ", ".join(sorted({e.trust.value for e in entries})), str(len(entries)),
                    f"{sum(e.rows_kept for e in entries):,}/{sum(e.rows_read for e in entries):,}",
                    f"{lo} … {hi}", ", ".join(sorted({e.licence for e in entries})))
    con.print(src)
    d = m.dedupe
    con.print(f"dedupe: {d.rows_dropped:,} rows dropped, {d.groups_resolved:,} products with "
              f"several sources, {d.prices_differed:,} price differences ({m.choices_file})",
              highlight=False)
    return int(ExitCode.OK)


def _regions(regions: list[str]) -> str:
    return f"{len(regions)}: " + (", ".join(regions) if len(regions) <= 6 else
                                  ", ".join(regions[:5]) + ", …")


def lookup_query(args: argparse.Namespace) -> PriceQuery:
    """Turn ``lookup`` arguments into a PriceQuery (aliases and defaults applied)."""
    provider = _PROVIDERS.get(args.provider.lower())
    if provider is None:
        raise InputError(f"unknown provider {args.provider!r}: use aws, azure or google")
    alias = args.service.lower()
    service = SERVICE_ALIASES.get((provider, alias), args.service)
    family, defaults = LOOKUP_DEFAULTS.get((provider, alias), (None, {}))
    attrs = dict(defaults)
    for item in args.attributes:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"bad attribute {item!r}: expected key=value")
        attrs[key.strip()] = value
    region = None if args.region.lower() == "global" else args.region
    return PriceQuery.make(
        provider, service, region, product_family=args.family or family,
        purchase_option=PurchaseOption(args.purchase_option), unit=args.unit,
        term=args.term, payment=args.payment, **attrs,
    )


def _lookup(args: argparse.Namespace) -> int:
    from costgate.pricing.store import PriceStore

    query = lookup_query(args)
    store = PriceStore.open(args.snapshot)
    match = store.lookup(query)
    if args.json:
        print(json.dumps(_match_json(match, store.snapshot_id), indent=2))
        return int(ExitCode.OK if match.found else ExitCode.INPUT_ERROR)
    print(query.describe())
    if not match.found:
        print(NOT_FOUND, file=sys.stderr)
        return int(ExitCode.INPUT_ERROR)
    for rec in match.tiers:
        tier = ""
        if len(match.tiers) > 1:
            tier = f"  (from {money_str(rec.tier_start)}" + (
                f" to {money_str(rec.tier_end)})" if rec.tier_end is not None else " up)")
        print(f"price      {money_str(rec.price)} {rec.currency} per {rec.unit}{tier}")
    rec = match.tiers[0]
    p = rec.provenance
    print(f"source     {p.source} ({p.trust.value}), {p.source_file}, price date {p.price_date}")
    print(f"native id  {rec.native_id}")
    print(f"candidates {match.candidates}" + (" (ambiguous: several at one tier)"
                                              if match.ambiguous else ""))
    print(f"snapshot   {store.snapshot_id}")
    return int(ExitCode.OK)


def _match_json(match: PriceMatch, snapshot_id: str) -> dict[str, Any]:
    return {
        "query": match.query.model_dump(mode="json"),
        "found": match.found,
        "message": None if match.found else NOT_FOUND,
        "candidates": match.candidates,
        "ambiguous": match.ambiguous,
        "snapshot_id": snapshot_id,
        "tiers": [rec.model_dump(mode="json") for rec in match.tiers],
    }

