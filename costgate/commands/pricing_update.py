"""``costgate pricing update``: refresh the user's price cache from the providers' endpoints.

The ``pricing`` group (``costgate/commands/pricing.py``) calls :func:`register`. The work is
in :mod:`costgate.pricing.refresh`; this module turns flags into an :class:`UpdatePlan`, shows
a rich progress bar on stderr (only on a terminal and without ``--quiet``) and prints a
summary. Exit codes: 0 updated; 2 offline, refused, HTTP or verification failure, or a bad
flag (the previous cache is untouched in every failure).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from costgate.errors import ConfigError, InputError

if TYPE_CHECKING:  # requests (through refresh) and rich load only when `update` runs
    from rich.console import Console

    from costgate.pricing.refresh import UpdatePlan

#: The providers ``pricing update`` knows (``costgate.pricing.refresh.PROVIDERS``).
PROVIDERS = ("aws", "azure", "google")
#: Region code shapes: us-east-1 / eastus2 / europe-west4 never collide.
REGION_SHAPES = {
    "aws": re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$"),
    "google": re.compile(r"^[a-z]+-[a-z]+\d+$"),
    "azure": re.compile(r"^[a-z][a-z0-9]*$"),
}
_ALIASES = {"gcp": "google", "gcloud": "google"}


def register(pricing_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``update`` to the ``pricing`` command group."""
    p = pricing_sub.add_parser(
        "update",
        help="download current list prices into the user price cache",
        description="Download current list prices (AWS Bulk API, Azure Retail Prices API, "
        "Google Cloud Billing Catalog) and ECB reference rates into the user cache; the "
        "shipped snapshot is never changed.",
    )
    p.add_argument("--provider", action="append", default=[], metavar="aws|azure|google",
                   help="refresh only this provider (repeatable; default: all, google only "
                   "with GOOGLE_API_KEY)")
    p.add_argument("--region", action="append", default=[], metavar="R",
                   help="region code (repeatable); replaces that provider's default regions")
    p.add_argument("--service", action="append", default=[], metavar="[PROVIDER:]NAME",
                   help="AWS offer code, Azure serviceName or Google service display name "
                   "(repeatable; replaces the defaults)")
    p.add_argument("--currency", default="USD", metavar="CCY",
                   help="currency for Azure and Google prices (default USD; AWS is USD only)")
    p.add_argument("--no-rates", action="store_true",
                   help="do not refresh the ECB reference rates")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no progress bar, notes or summary: errors only")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handler: plan, run with a progress bar, summarise."""
    from rich.console import Console

    from costgate.pricing.refresh import Settings, run_update

    settings = Settings.from_env()
    notes: list[str] = []
    plan = build_plan(args, has_google_key=settings.google_api_key is not None, notes=notes)
    console = Console(stderr=True)

    def note(message: str) -> None:
        if not args.quiet:
            console.print(f"costgate: note: {message}", markup=False, highlight=False,
                          soft_wrap=True)

    for message in notes:
        note(message)
    with _Bar(console, enabled=console.is_terminal and not args.quiet) as bar:
        result = run_update(plan, settings, progress=bar, on_note=note)
    if not args.quiet:
        fresh = ", ".join(f"{p} {n:,}" for p, n in result.records.items())
        rates = f"; ECB rates of {result.rates_date}" if result.rates_date else ""
        print(
            f"prices updated: {fresh} records from {result.downloads} downloads, "
            f"{result.kept:,} kept from the previous snapshot; snapshot {result.snapshot_id} "
            f"in {result.snapshot_dir}{rates}"
        )
    return 0


def build_plan(args: argparse.Namespace, *, has_google_key: bool, notes: list[str]) -> UpdatePlan:
    """Flags → providers, regions and services (see the module docs for the rules)."""
    from costgate.pricing.refresh import UpdatePlan
    from costgate.pricing.refresh.aws import AWS_REGIONS, AWS_SERVICES
    from costgate.pricing.refresh.azure import AZURE_REGIONS, AZURE_SERVICES
    from costgate.pricing.refresh.google import GOOGLE_REGIONS, GOOGLE_SERVICES

    default_regions = {"aws": AWS_REGIONS, "azure": AZURE_REGIONS, "google": GOOGLE_REGIONS}
    default_services = {"aws": AWS_SERVICES, "azure": AZURE_SERVICES, "google": GOOGLE_SERVICES}
    currency = str(args.currency).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise InputError(f"--currency {args.currency!r}: expected a 3-letter ISO code such as USD")
    explicit = [_provider(p) for p in args.provider]
    by_region: dict[str, list[str]] = {p: [] for p in PROVIDERS}
    for region in args.region:
        owner = next((p for p, rx in REGION_SHAPES.items() if rx.match(region)), None)
        if owner is None:
            raise InputError(f"--region {region!r}: not an AWS, Azure or Google region code")
        if region not in by_region[owner]:
            by_region[owner].append(region)
    if explicit:
        providers = [p for p in PROVIDERS if p in explicit]
        stray = [r for p in PROVIDERS if p not in providers for r in by_region[p]]
        if stray:
            raise InputError(
                f"--region {stray[0]!r} is not a region of {', '.join(providers)}"
            )
    elif args.region:
        providers = [p for p in PROVIDERS if by_region[p]]
    else:
        providers = list(PROVIDERS)
    if "google" in providers and not has_google_key:
        if "google" in explicit or by_region["google"]:
            raise ConfigError(
                "GOOGLE_API_KEY is not set: the Cloud Billing Catalog API needs an API key"
            )
        providers.remove("google")
        notes.append("google skipped: set GOOGLE_API_KEY to refresh Google prices")
    if not providers:
        raise ConfigError("nothing to update")
    services = _services(args.service, providers)
    return UpdatePlan(
        providers=tuple(providers),
        regions={p: tuple(by_region[p] or default_regions[p]) for p in providers},
        services={p: tuple(services.get(p) or default_services[p]) for p in providers},
        currency=currency,
        rates=not args.no_rates,
    )


def _provider(name: str) -> str:
    value = _ALIASES.get(name.lower(), name.lower())
    if value not in PROVIDERS:
        raise InputError(f"--provider {name!r}: expected one of {', '.join(PROVIDERS)}")
    return value


def _services(values: Sequence[str], providers: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for value in values:
        head, sep, tail = value.partition(":")
        if sep and _ALIASES.get(head.lower(), head.lower()) in PROVIDERS:
            provider, name = _provider(head), tail.strip()
        elif len(providers) == 1:
            provider, name = providers[0], value.strip()
        else:
            raise InputError(
                f"--service {value!r}: say which provider (e.g. aws:AmazonEC2) when "
                "updating several providers"
            )
        if provider not in providers:
            raise InputError(f"--service {value!r}: {provider} is not being updated")
        if not name:
            raise InputError(f"--service {value!r}: empty service name")
        out.setdefault(provider, []).append(name)
    return out


class _Bar:
    """The refresh's Progress protocol on a rich progress bar (a no-op when disabled)."""

    def __init__(self, console: Console, *, enabled: bool) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as RichProgressBar

        self.console = console
        self._bar = RichProgressBar(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not enabled,
        )

    def __enter__(self) -> _Bar:
        self._bar.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def start(self, description: str, total: int | None) -> int:
        return int(self._bar.add_task(description, total=total))

    def advance(self, task: int, amount: int) -> None:
        from rich.progress import TaskID

        self._bar.advance(TaskID(task), amount)

    def finish(self, task: int) -> None:
        from rich.progress import TaskID

        self._bar.remove_task(TaskID(task))
