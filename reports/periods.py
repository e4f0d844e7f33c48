"""Reporting calendar and statistics: pure functions, no ORM.

A report month is a calendar month in Europe/Paris: a ticket belongs to the
month its customer opened it in, French time. "Trailing 12 months" is the month
and the eleven before it. Percentiles interpolate linearly between the two
nearest ranks (PostgreSQL's ``percentile_cont``), so the median of 10 and 20 is 15.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class BadMonth(ValueError):
    """The text is not a month written ``YYYY-MM``."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH_RE.match((text or "").strip())
        if not found:
            raise BadMonth(text)
        year, month = int(found[1]), int(found[2])
        if not (1 <= month <= 12 and 2000 <= year <= 2999):
            raise BadMonth(text)
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Month:
        return self.shifted(1)

    def previous(self) -> Month:
        return self.shifted(-1)

    def shifted(self, months: int) -> Month:
        year, index = divmod(self.year * 12 + self.month - 1 + months, 12)
        return Month(year, index + 1)

    def start(self) -> datetime:
        """Midnight on the first, Paris time (an aware instant)."""
        return datetime(self.year, self.month, 1, tzinfo=PARIS)

    def end(self) -> datetime:
        """Midnight on the first of the next month, Paris time (exclusive)."""
        return self.next().start()

    def trailing(self, count: int = 12) -> tuple[Month, ...]:
        """This month and the ``count - 1`` before it, oldest first."""
        return tuple(self.shifted(-offset) for offset in range(count - 1, -1, -1))


@cache
def _french_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", years=year)


def paris_today() -> date:
    """Today's date in Paris, whatever the server's time zone."""
    return datetime.now(PARIS).date()


def first_working_day(month: Month) -> date:
    """The first Monday-to-Friday of the month that is not a French public holiday."""
    day = month.first_day
    while day.weekday() >= 5 or day in _french_holidays(day.year):
        day += timedelta(days=1)
    return day


def percentile_position(count: int, fraction: float) -> tuple[int, float]:
    """Zero-based rank below the percentile and the weight of the next rank.

    The value is ``sorted[rank] + weight * (sorted[rank + 1] - sorted[rank])``.
    """
    if count <= 0:
        raise ValueError("no values")
    position = (count - 1) * fraction
    rank = math.floor(position)
    return rank, position - rank


def interpolate(values: list[float], weight: float) -> float:
    """The percentile from the one or two neighbouring sorted values."""
    if len(values) == 1 or weight == 0:
        return values[0]
    return values[0] + weight * (values[1] - values[0])


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Reference implementation over a whole sorted list (tests, small inputs)."""
    if not sorted_values:
        return None
    rank, weight = percentile_position(len(sorted_values), fraction)
    return interpolate(sorted_values[rank : rank + 2], weight)


def share(part: int, whole: int) -> float | None:
    """Per cent with one decimal; None when there is nothing to divide."""
    if whole <= 0:
        return None
    return round(100 * part / whole, 1)
