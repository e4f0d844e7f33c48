"""Small text helpers of the engine's messages, French and English.

Money, number and date formatting live in the core (``servicone.money``, one definition
for every app); they are imported from here by the engine's modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from servicone.money import CENT, NBSP
from servicone.money import NNBSP as NNBSP
from servicone.money import format_date_en as format_date_en
from servicone.money import format_date_fr as format_date_fr
from servicone.money import format_eur_en as format_eur_en
from servicone.money import format_eur_fr as format_eur_fr
from servicone.money import format_number_en as format_number_en
from servicone.money import format_number_fr as format_number_fr
from servicone.money import french_digits as french_digits

__all__ = [
    "CENT",
    "NBSP",
    "NNBSP",
    "cents",
    "colon_fr",
    "format_date_en",
    "format_date_fr",
    "format_eur_en",
    "format_eur_fr",
    "format_number_en",
    "format_number_fr",
    "french_digits",
    "join_en",
    "join_fr",
    "plural_en",
    "plural_fr",
]


def cents(amount: Decimal, rounding: str) -> Decimal:
    return amount.quantize(CENT, rounding=rounding)


def plural_fr(count: int, singular: str, plural: str) -> str:
    # French takes the singular for 0 and 1.
    return singular if abs(count) < 2 else plural


def plural_en(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


def join_fr(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} et {names[-1]}"


def join_en(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def colon_fr(left: str, right: str) -> str:
    # French typography: a (no-break) space before the colon.
    return f"{left}{NBSP}: {right}"
