"""Money and time constants: every monthly figure in costgate goes through here."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

#: Hours in a billing month. Defined once; AWS, Azure and Google calculators use the same figure.
HOURS_PER_MONTH = Decimal(730)
#: Hours in one (non-leap) year, used to turn reservation totals into hourly rates.
HOURS_PER_YEAR = Decimal(8760)

ZERO = Decimal(0)
_CENT = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    """Convert a JSON scalar (str, int, Decimal) to Decimal without going through float."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value.strip())
    raise TypeError(f"not a number: {type(value).__name__}")


def round_money(value: Decimal) -> Decimal:
    """Round to cents for display (banker's rounding); keep full precision everywhere else."""
    return value.quantize(_CENT, rounding=ROUND_HALF_EVEN)


def money_str(value: Decimal | None) -> str | None:
    """Canonical decimal string for JSON output: full precision, no exponent, no trailing zeros."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text
