"""Display-currency conversion with European Central Bank euro reference rates.

Prices are stored in USD (the providers' pricing currency); an estimate can be shown in EUR,
GBP, JPY, … by converting through the ECB's EUR cross rates. A dated table ships in
``costgate/data/ecb_rates.json``; ``pricing update`` may write a newer one to the user cache,
which :func:`load_rates` then prefers. Conversion is exact Decimal arithmetic with no rounding
(display code rounds); rates are "units of currency per 1 EUR", as the ECB quotes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import zipfile
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from pydantic import Field, ValidationError, field_validator

from costgate.errors import InputError, PricingDataError
from costgate.fileutil import cache_root, write_text_atomic
from costgate.model.base import Frozen

CACHE_FILE = "ecb_rates.json"
BASE = "EUR"


class RateTable(Frozen):
    """One day's euro reference rates: ``rates[code]`` units of ``code`` per 1 EUR."""

    date: dt.date
    base: str = BASE
    rates: dict[str, Decimal] = Field(default_factory=dict)
    source: str = ""

    @field_validator("rates")
    @classmethod
    def _check_rates(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, rate in value.items():
            if len(code) != 3 or not code.isalpha() or not code.isupper():
                raise ValueError(f"bad currency code {code!r}")
            if not rate.is_finite() or rate <= 0:
                raise ValueError(f"rate for {code} must be a positive number")
        return value

    @property
    def codes(self) -> list[str]:
        """Every currency this table converts between, sorted (the base included)."""
        return sorted({self.base, *self.rates})

    def rate(self, code: str) -> Decimal:
        """Units of ``code`` per one unit of the base; unknown codes → InputError."""
        key = code.strip().upper()
        if key == self.base:
            return Decimal(1)
        if key not in self.rates:
            raise InputError(
                f"unknown currency {code!r}: supported codes are {', '.join(self.codes)}"
            )
        return self.rates[key]


def convert(amount: Decimal, from_ccy: str, to_ccy: str, table: RateTable) -> Decimal:
    """``amount`` in ``from_ccy`` expressed in ``to_ccy`` via the EUR cross rate, unrounded."""
    to_rate = table.rate(to_ccy)
    from_rate = table.rate(from_ccy)
    if from_ccy.strip().upper() == to_ccy.strip().upper():
        return amount
    return amount * to_rate / from_rate


# --- ECB formats --------------------------------------------------------------------------


def parse_ecb_xml(data: bytes, label: str = "ECB rate file") -> RateTable:
    """``eurofxref-daily.xml`` (or a ``-hist`` file: the newest day is taken)."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise PricingDataError(f"{label}: not valid XML ({exc})") from exc
    days: dict[dt.date, dict[str, Decimal]] = {}
    for cube in root.iter():
        if _local(cube.tag) != "Cube" or "time" not in cube.attrib:
            continue
        day = _parse_date(cube.attrib["time"], label)
        rates: dict[str, Decimal] = {}
        for child in cube:
            code, rate = child.attrib.get("currency"), child.attrib.get("rate")
            if code and rate:
                rates[code.strip().upper()] = _decimal(rate, label, code)
        days[day] = rates
    if not days:
        raise PricingDataError(f"{label}: no dated <Cube time=...> in ECB XML")
    newest = max(days)
    return _table(newest, days[newest], "ECB eurofxref XML", label)


def parse_ecb_csv(text: str, label: str = "ECB rate file") -> RateTable:
    """``eurofxref.csv`` (``Date, USD, …`` / ``28 June 2024, 1.0705, …``) or ``-hist.csv``."""
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text)) if row]
    if len(rows) < 2 or not rows[0] or rows[0][0] != "Date":
        raise PricingDataError(f"{label}: not an ECB eurofxref CSV (no 'Date' header)")
    header = rows[0]
    best: tuple[dt.date, list[str]] | None = None
    for row in rows[1:]:
        day = _parse_date(row[0], label)
        if best is None or day > best[0]:
            best = (day, row)
    assert best is not None
    rates = {
        code.upper(): _decimal(value, label, code)
        for code, value in zip(header[1:], best[1][1:], strict=False)
        if code and value and value != "N/A"
    }
    return _table(best[0], rates, "ECB eurofxref CSV", label)


def parse_ecb(data: bytes, label: str = "ECB rate file") -> RateTable:
    """Any ECB download: the zip (holding the CSV), the CSV, or the XML."""
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
                if not names:
                    raise PricingDataError(f"{label}: zip holds no eurofxref CSV")
                data = archive.read(names[0])
        except zipfile.BadZipFile as exc:
            raise PricingDataError(f"{label}: corrupt zip file") from exc
        return parse_ecb_csv(_text(data, label), label)
    if data.lstrip()[:1] == b"<":
        return parse_ecb_xml(data, label)
    return parse_ecb_csv(_text(data, label), label)


def read_ecb_file(path: Path) -> RateTable:
    """Read an ECB file from disk (xml, csv or zip); errors name the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PricingDataError(f"{path}: cannot read ECB rate file ({exc.strerror})") from exc
    return parse_ecb(data, str(path))


# --- storage ------------------------------------------------------------------------------


def table_to_json(table: RateTable) -> dict[str, Any]:
    """JSON form with rates as strings, so no float ever touches them."""
    return {
        "date": table.date.isoformat(),
        "base": table.base,
        "source": table.source,
        "rates": {code: format(rate, "f") for code, rate in sorted(table.rates.items())},
    }


def table_from_json(text: str, label: str) -> RateTable:
    """Parse the JSON written by :func:`save_rates` (or the shipped table)."""
    try:
        data = json.loads(text, parse_float=Decimal)
        if not isinstance(data, dict) or not isinstance(data.get("rates"), dict):
            raise ValueError("no 'rates' object")
        rates = {str(k): Decimal(str(v)) for k, v in data["rates"].items()}
        return RateTable(
            date=dt.date.fromisoformat(str(data["date"])),
            base=str(data.get("base", BASE)),
            rates=rates,
            source=str(data.get("source", "")),
        )
    except (ValueError, KeyError, TypeError, InvalidOperation, ValidationError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PricingDataError(f"{label}: bad exchange-rate table ({problem})") from exc


def save_rates(table: RateTable, cache_dir: Path) -> Path:
    """Write the table to ``cache_dir/ecb_rates.json`` atomically (temp file + replace)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / CACHE_FILE
    write_text_atomic(target, json.dumps(table_to_json(table), indent=2) + "\n")
    return target


def shipped_rates() -> RateTable:
    """The dated default table shipped in the package."""
    resource = resources.files("costgate") / "data" / CACHE_FILE
    return table_from_json(resource.read_text(encoding="utf-8"), f"costgate/data/{CACHE_FILE}")


def load_rates(cache_dir: Path | None = None, env: Mapping[str, str] = os.environ) -> RateTable:
    """The newest of the cached table (from ``pricing update``) and the shipped one.

    ``cache_dir`` defaults to the user cache (:func:`costgate.fileutil.cache_root`). An unreadable
    cache file is ignored (the shipped table is used; its date shows in the estimate).
    """
    shipped = shipped_rates()
    if cache_dir is None:
        cache_dir = cache_root(env)
    path = cache_dir / CACHE_FILE
    try:
        cached = table_from_json(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, PricingDataError):
        return shipped
    return cached if cached.date >= shipped.date else shipped


# --- helpers ------------------------------------------------------------------------------


def _table(day: dt.date, rates: dict[str, Decimal], kind: str, label: str) -> RateTable:
    if not rates:
        raise PricingDataError(f"{label}: no currency rates for {day}")
    try:
        return RateTable(date=day, rates=rates, source=f"{kind}, reference date {day}")
    except ValidationError as exc:
        raise PricingDataError(f"{label}: bad rate ({exc.errors()[0]['msg']})") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_date(text: str, label: str) -> dt.date:
    value = text.strip()
    fmt = "%Y-%m-%d" if value[:4].isdigit() else "%d %B %Y"  # XML/hist CSV vs daily CSV
    try:
        return dt.datetime.strptime(value, fmt).date()
    except ValueError:
        raise PricingDataError(f"{label}: bad date {value!r}") from None


def _decimal(text: str, label: str, code: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise PricingDataError(f"{label}: rate for {code} is not a number ({text!r})") from exc
    if not value.is_finite() or value <= 0:
        raise PricingDataError(f"{label}: rate for {code} must be positive ({text!r})")
    return value


def _text(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PricingDataError(f"{label}: not a text file") from exc
