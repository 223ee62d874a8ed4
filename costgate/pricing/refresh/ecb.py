"""European Central Bank euro reference rates (``eurofxref-daily.xml``) for display currencies.

Parsing and storage belong to ``costgate.pricing.currency`` (``parse_ecb_xml``,
``save_rates``); this module only downloads, checks the document is the ECB envelope, and
saves after the price snapshot is installed, so a failed update changes neither.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from costgate.errors import PricingDataError
from costgate.pricing import currency
from costgate.pricing.currency import RateTable
from costgate.pricing.refresh import FetchContext

DAILY_PATH = "/stats/eurofxref/eurofxref-daily.xml"
_ENVELOPE = b"gesmes:Envelope"  # the ECB file's root element


def fetch_rates(ctx: FetchContext) -> RateTable:
    """Download and parse today's reference rates (a bad document → PricingDataError)."""
    url = ctx.settings.ecb_url + DAILY_PATH
    body = ctx.http.get_bytes(url, what="ECB reference rates")
    if _ENVELOPE not in body[:2000] or b"Cube" not in body:
        raise PricingDataError(f"{url}: not an ECB eurofxref XML document")
    return currency.parse_ecb_xml(body, url)


def save(table: RateTable, cache_dir: Path) -> None:
    """Write the table to the user cache (atomically, by ``currency.save_rates``)."""
    currency.save_rates(table, cache_dir)


def rates_date(table: RateTable) -> dt.date:
    """The reference date of a rate table."""
    return table.date
