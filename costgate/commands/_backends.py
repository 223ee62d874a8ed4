"""The few calls the estimate commands make into other layers, in one replaceable place.

The plan loader, the price store and the exchange-rate tables are separate modules; the
commands reach them only through these functions (tests replace them with fakes). They are
imported when first used, which keeps ``costgate --help`` fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: importing these here would load pydantic at startup
    from costgate.model.estimate import PriceSnapshot
    from costgate.model.resource import Diagnostic, ParsedInput
    from costgate.parse.usage import UsageFile
    from costgate.pricing.engine import Conversion, PriceLookup
    from costgate.pricing.registry import Registry


def registry() -> Registry:
    """The built-in pricing rules and free-type list."""
    from costgate.pricing.rules import default_registry

    return default_registry()


def load_input(
    path: str, *, default_regions: dict[str, str], region_override: dict[str, str]
) -> ParsedInput:
    """Plan, state or redacted plan (``-`` is stdin) → ParsedInput."""
    from costgate.parse.loader import load_input as load

    return load(Path(path), default_regions=default_regions, region_override=region_override)


def open_store() -> tuple[PriceLookup, PriceSnapshot]:
    """The local price snapshot and its id/date for the report."""
    from costgate.model.estimate import PriceSnapshot
    from costgate.pricing.store import PriceStore

    store = PriceStore.open()
    return store, PriceSnapshot(id=store.snapshot_id, date=store.info().manifest.published)


def conversion(currency: str) -> Conversion:
    """USD → ``currency`` with the newest ECB table, keeping the rate date."""
    from costgate.pricing import currency as rates
    from costgate.pricing.engine import Conversion

    table = rates.load_rates()
    table.rate(currency)  # unknown code → one-line InputError now, not mid-run

    def convert(amount: Decimal, src: str, dst: str) -> Decimal:
        return rates.convert(amount, src, dst, table)

    return Conversion(currency, convert, table.date)


def usage_diagnostics(warnings: Iterable[str]) -> Iterator[Diagnostic]:
    """Usage-file warnings (e.g. types with no rule) as report diagnostics."""
    from costgate.model.resource import Diagnostic

    for text in warnings:
        yield Diagnostic(code="usage_ignored", message=text, level="warning")


def load_usage(
    path: str | None, registry: Registry, parsed: ParsedInput
) -> tuple[UsageFile | None, ParsedInput]:
    """The usage file (None without ``--usage-file``), its warnings added to ``parsed``."""
    if not path:
        return None, parsed
    from costgate.parse.usage import load_usage_file

    usage = load_usage_file(path, registry)
    if usage.warnings:
        extra = tuple(usage_diagnostics(usage.warnings))
        parsed = parsed.model_copy(update={"diagnostics": parsed.diagnostics + extra})
    return usage, parsed
