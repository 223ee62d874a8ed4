"""Currency conversion with ECB reference rates: parsing, conversion, storage, shipped table."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from costgate.errors import InputError, PricingDataError
from costgate.pricing import currency
from costgate.pricing.currency import RateTable, convert

ECB = Path(__file__).resolve().parent.parent / "fixtures" / "ecb"
DAY = dt.date(2024, 6, 28)


@pytest.fixture
def table() -> RateTable:
    return currency.read_ecb_file(ECB / "eurofxref-daily.xml")


def test_parse_daily_xml(table: RateTable) -> None:
    assert table.date == DAY
    assert table.base == "EUR"
    assert len(table.rates) == 30
    assert table.rates["USD"] == Decimal("1.0705")
    assert table.rates["HUF"] == Decimal("395.10")  # the text is kept, not a float
    assert "EUR" in table.codes and "JPY" in table.codes


def test_csv_and_zip_give_the_same_table(table: RateTable) -> None:
    from_csv = currency.read_ecb_file(ECB / "eurofxref.csv")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(ECB / "eurofxref.csv", "eurofxref.csv")
    from_zip = currency.parse_ecb(buffer.getvalue(), "eurofxref.zip")
    assert from_csv.rates == table.rates == from_zip.rates
    assert from_csv.date == from_zip.date == DAY


def test_history_csv_takes_the_newest_day_and_skips_na() -> None:
    hist = currency.read_ecb_file(ECB / "eurofxref-hist.csv")
    assert hist.date == dt.date(2025, 2, 28)
    assert hist.rates["USD"] == Decimal("1.0411")
    assert "HRK" not in hist.rates and "RUB" not in hist.rates


def test_convert_via_eur_cross_rates(table: RateTable) -> None:
    assert convert(Decimal("100"), "EUR", "USD", table) == Decimal("107.05")
    assert convert(Decimal("107.05"), "USD", "EUR", table) == Decimal("100")
    # USD → GBP goes through EUR: 100 / 1.0705 × 0.84638, unrounded.
    gbp = convert(Decimal("100"), "USD", "GBP", table)
    assert gbp == Decimal("100") * Decimal("0.84638") / Decimal("1.0705")
    assert gbp.quantize(Decimal("0.01")) == Decimal("79.06")
    assert convert(Decimal("12.5"), "usd", "USD", table) == Decimal("12.5")
    jpy = convert(Decimal(1), "USD", "JPY", table)
    assert jpy.quantize(Decimal("0.01")) == Decimal("160.62")


def test_unknown_currency_lists_supported_codes(table: RateTable) -> None:
    with pytest.raises(InputError, match=r"unknown currency 'XYZ'.*AUD, BGN.*USD, ZAR"):
        convert(Decimal(1), "USD", "XYZ", table)
    with pytest.raises(InputError, match="unknown currency 'RUB'"):
        convert(Decimal(1), "RUB", "EUR", table)


def test_save_and_load_prefers_newer_cache(tmp_path: Path) -> None:
    shipped = currency.shipped_rates()
    assert currency.load_rates(tmp_path) == shipped  # empty cache → shipped table
    newer = RateTable(
        date=shipped.date + dt.timedelta(days=1), rates=dict(shipped.rates), source="test copy"
    )
    written = currency.save_rates(newer, tmp_path / "cache")
    assert written == tmp_path / "cache" / "ecb_rates.json"
    assert json.loads(written.read_text())["rates"]["USD"] == "1.0705"  # a string, not a float
    assert [p.name for p in written.parent.iterdir()] == ["ecb_rates.json"]  # no temp left
    assert currency.load_rates(tmp_path / "cache") == newer
    older = newer.model_copy(update={"date": dt.date(2020, 1, 2)})
    currency.save_rates(older, tmp_path / "cache")
    assert currency.load_rates(tmp_path / "cache") == shipped


def test_load_rates_uses_cache_dir_from_env(tmp_path: Path) -> None:
    newer = currency.shipped_rates().model_copy(update={"date": dt.date(2030, 1, 2)})
    currency.save_rates(newer, tmp_path)
    loaded = currency.load_rates(env={"COSTGATE_CACHE_DIR": str(tmp_path)})
    assert loaded.date == dt.date(2030, 1, 2)


def test_corrupt_cache_falls_back_to_shipped(tmp_path: Path) -> None:
    (tmp_path / "ecb_rates.json").write_text('{"date": "2031-01-01", "rates": {"USD": -1}}')
    assert currency.load_rates(tmp_path) == currency.shipped_rates()


def test_shipped_table_is_the_cited_ecb_day(table: RateTable) -> None:
    shipped = currency.shipped_rates()
    assert shipped.date == DAY
    assert shipped.rates == table.rates  # identical to the real eurofxref-daily.xml fixture
    assert "ecb.europa.eu" in shipped.source and "dialogplay/tool-directory" in shipped.source


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<gesmes:Envelope", "not valid XML"),
        (b"<Envelope><Cube><Cube/></Cube></Envelope>", "no dated"),
        (
            b"<Cube><Cube time='2024-06-28'><Cube currency='USD' rate='abc'/></Cube></Cube>",
            "not a number",
        ),
        (
            b"<Cube><Cube time='2024-06-28'><Cube currency='USD' rate='0'/></Cube></Cube>",
            "positive",
        ),
        (b"<Cube><Cube time='yesterday'><Cube currency='USD' rate='1'/></Cube></Cube>", "bad date"),
        (b"Currency,Rate\nUSD,1.07\n", "not an ECB eurofxref CSV"),
        (b"PK\x03\x04broken", "corrupt zip"),
    ],
)
def test_bad_ecb_files(data: bytes, message: str) -> None:
    with pytest.raises(PricingDataError, match=f"rates.xml: .*{message}"):
        currency.parse_ecb(data, "rates.xml")


def test_parse_ecb_xml_for_the_refresh() -> None:
    data = (ECB / "eurofxref-daily.xml").read_bytes()
    assert currency.parse_ecb_xml(data).rates["GBP"] == Decimal("0.84638")
