"""Helpers shared by the AWS importers: units, terms, dates, file opening and error wrapping.

Kept in one place so every AWS source normalises units and terms the same way (the
vocabulary in ``docs/pricing-vocabulary.md`` is the contract with the pricing rules).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
import zlib
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, TypeVar, cast

from pydantic import ValidationError

from costgate.errors import CostgateError, PricingDataError
from costgate.pricing.importers.files import source_file as source_file

T = TypeVar("T")

#: The six attributes that pin one EC2 Linux on-demand price (vocabulary, "EC2 instance").
EC2_LINUX_SHARED: dict[str, str] = {
    "operating_system": "Linux",
    "tenancy": "Shared",
    "pre_installed_sw": "NA",
    "license_model": "No License required",
    "capacity_status": "Used",
}

#: Bulk product families renamed to the vocabulary's single spelling.
FAMILY_ALIASES: dict[str, str] = {"Compute Instance (bare metal)": "Compute Instance"}

# Raw unit (lower-cased) → (canonical unit, divisor applied to the price).
_UNITS: dict[str, tuple[str, Decimal]] = {
    "hrs": ("hour", Decimal(1)),
    "hr": ("hour", Decimal(1)),
    "hour": ("hour", Decimal(1)),
    "hours": ("hour", Decimal(1)),
    "hourly": ("hour", Decimal(1)),
    "gb-mo": ("GB-month", Decimal(1)),
    "gb-month": ("GB-month", Decimal(1)),
    "gb-months": ("GB-month", Decimal(1)),
    "gb-hours": ("GB-hour", Decimal(1)),
    "gb-hour": ("GB-hour", Decimal(1)),
    "gb-hrs": ("GB-hour", Decimal(1)),
    "gb-second": ("GB-second", Decimal(1)),
    "gb-seconds": ("GB-second", Decimal(1)),
    "lambda-gb-second": ("GB-second", Decimal(1)),
    "gb": ("GB", Decimal(1)),
    "gigabytes": ("GB", Decimal(1)),
    "iops-mo": ("IOPS-month", Decimal(1)),
    "iops-month": ("IOPS-month", Decimal(1)),
    "gibps-mo": ("MiBps-month", Decimal(1024)),
    "mibps-mo": ("MiBps-month", Decimal(1)),
    "mbps-mo": ("MiBps-month", Decimal(1)),
    "requests": ("request", Decimal(1)),
    "request": ("request", Decimal(1)),
    "ios": ("request", Decimal(1)),
    "api calls": ("request", Decimal(1)),
    "queries": ("query", Decimal(1)),
    "lcu-hrs": ("LCU-hour", Decimal(1)),
    "nlcu-hrs": ("LCU-hour", Decimal(1)),
    "glcu-hrs": ("LCU-hour", Decimal(1)),
    "vcpu-hours": ("vCPU-hour", Decimal(1)),
    "vcpu-hour": ("vCPU-hour", Decimal(1)),
    "mo": ("month", Decimal(1)),
    "month": ("month", Decimal(1)),
    "months": ("month", Decimal(1)),
}

_TERMS = {"1yr": "1y", "3yr": "3y", "1 yr": "1y", "3 yr": "3y", "1y": "1y", "3y": "3y"}
_PAYMENTS = {
    "no upfront": "no_upfront",
    "partial upfront": "partial_upfront",
    "all upfront": "all_upfront",
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")


def normalise_unit(raw: str, price: Decimal) -> tuple[str, Decimal, Decimal]:
    """Map a raw AWS unit to ``(canonical unit, price per canonical unit, divisor)``.

    Unknown units keep their own (lower-cased) spelling rather than a guess; ``unit`` is used
    only when the source gives none.
    """
    key = raw.strip().lower()
    if not key:
        return "unit", price, Decimal(1)
    unit, divisor = _UNITS.get(key, (key, Decimal(1)))
    return unit, (price / divisor if divisor != 1 else price), divisor


def term_code(raw: str) -> str | None:
    """``1yr`` → ``1y``; ``None`` when not a known lease length."""
    return _TERMS.get(raw.strip().lower())


def payment_code(raw: str) -> str | None:
    """``Partial Upfront`` → ``partial_upfront``; ``None`` when unknown."""
    return _PAYMENTS.get(raw.strip().lower())


def snake_case(name: str) -> str:
    """``volumeApiName``/``Volume API Name`` → ``volume_api_name``."""
    spaced = _CAMEL.sub("_", name.strip())
    return _NON_WORD.sub("_", spaced).strip("_").lower()


def decimal_of(text: object, what: str) -> Decimal:
    """A Decimal from a JSON/CSV scalar; raises ValueError naming ``what`` when it is not one."""
    if isinstance(text, Decimal):
        return text
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ValueError(f"{what} is not a number: {text!r}")
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"{what} is not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"{what} is not a finite number: {text!r}")
    return value


def range_bound(text: object) -> Decimal | None:
    """A tier bound: ``""``/``Inf`` → ``None`` (open-ended), else a Decimal."""
    if text is None:
        return None
    raw = str(text).strip()
    if raw == "" or raw.lower() in ("inf", "infinity"):
        return None
    return decimal_of(raw, "range bound")


def parse_date(text: str) -> dt.date:
    """The date part of an ISO date or timestamp (``2025-06-05T17:55:45Z``)."""
    return dt.date.fromisoformat(text.strip()[:10])


def open_text(path: Path) -> IO[str]:
    """Open a text file, transparently gunzipping ``*.gz``; newline='' suits the csv module."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")  # noqa: SIM115 - caller closes


def open_binary(path: Path) -> IO[bytes]:
    """Open a file as bytes (for incremental JSON parsing), gunzipping ``*.gz``."""
    if path.name.lower().endswith(".gz"):
        return cast("IO[bytes]", gzip.open(path, "rb"))
    return open(path, "rb")  # noqa: SIM115 - caller closes


def load_json(path: Path) -> object:
    """Parse a whole (small) JSON file with Decimal numbers; errors become PricingDataError."""
    try:
        with open_text(path) as handle:
            return json.load(handle, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise PricingDataError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise PricingDataError(f"{path}: cannot read ({exc})") from exc


#: Exceptions that mean "this file is bad", turned into PricingDataError by :func:`guarded`.
DATA_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    zlib.error,
    UnicodeDecodeError,
    csv.Error,
    json.JSONDecodeError,
    ValueError,
    KeyError,
    TypeError,
    InvalidOperation,
    ValidationError,
)


def guarded(path: Path, records: Iterator[T], extra: tuple[type[BaseException], ...] = ()) -> Iterator[T]:
    """Re-raise any parsing failure while iterating as one PricingDataError naming the file."""
    try:
        yield from records
    except CostgateError:
        raise
    except DATA_ERRORS + extra as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PricingDataError(f"{path}: corrupt or unexpected price data ({detail})") from exc


def require(condition: bool, path: Path, message: str) -> None:
    """Raise PricingDataError ``<path>: <message>`` unless ``condition``."""
    if not condition:
        raise PricingDataError(f"{path}: {message}")


def bump(stats: dict[str, int] | None, key: str, n: int = 1) -> None:
    """Count a skipped/joined row in the caller's optional stats dict."""
    if stats is not None:
        stats[key] = stats.get(key, 0) + n

