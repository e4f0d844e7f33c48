"""Reads about contracts used elsewhere (revenue feeding eligibility)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal


def revenue_entries_by_partner(
    partner_ids: Iterable[int] | None, *, since: date, until: date
) -> dict[int, list[tuple[Decimal, date]]]:
    """Contract sales booked in ``[since, until]`` per partner: ``(amount, booked_on)``.

    Contracts arrive with the catalogue capability; until then there are none.
    """
    return {}
