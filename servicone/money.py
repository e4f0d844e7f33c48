"""Money and dates written the way each language reads them. Pure: no Django.

One definition for the pages, the API's messages, the CSV exports and the
notifications: French ``10 000,00 €`` (narrow no-break space between thousands,
no-break space before the euro sign) and ``31/01/2027``; English ``10,000.00 EUR``
and ISO dates. The eligibility engine's messages use these too.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

NNBSP: Final = "\u202f"  # narrow no-break space: French thousands separator
NBSP: Final = "\u00a0"  # no-break space: before "€" and before French ":"
CENT: Final = Decimal("0.01")


def french_digits(english: str) -> str:
    """``"10,000.00"`` -> ``"10 000,00"``: the thousands commas first, then the decimal point."""
    return english.replace(",", NNBSP).replace(".", ",")


def format_number_en(amount: Decimal) -> str:
    """``Decimal("10000")`` -> ``"10,000.00"`` (rounded half-up to the cent)."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def format_number_fr(amount: Decimal) -> str:
    """``Decimal("10000")`` -> ``"10 000,00"`` (narrow no-break space, decimal comma)."""
    return french_digits(format_number_en(amount))


def format_eur_fr(amount: Decimal) -> str:
    """French money: ``Decimal("3200")`` -> ``"3 200,00 €"``.

    The euro sign follows a no-break space (U+00A0), so an amount never wraps
    across lines. Rounded half-up to the cent.
    """
    return f"{format_number_fr(amount)}{NBSP}€"


def format_eur_en(amount: Decimal) -> str:
    """English money: ``Decimal("3200")`` -> ``"3,200.00 EUR"``."""
    return f"{format_number_en(amount)} EUR"


def format_eur_in(amount: Decimal, lang: str) -> str:
    """Money in ``lang`` ("en" or anything else, read as French)."""
    return format_eur_en(amount) if lang == "en" else format_eur_fr(amount)


def format_date_fr(day: date) -> str:
    """French date: ``date(2027, 1, 31)`` -> ``"31/01/2027"``."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def format_date_en(day: date) -> str:
    """English (ISO 8601) date: ``date(2027, 1, 31)`` -> ``"2027-01-31"``."""
    return day.isoformat()
