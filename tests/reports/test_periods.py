from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from reports.periods import (
    BadMonth,
    Month,
    first_working_day,
    paris_today,
    percentile,
    share,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    "text", ["2026-1", "2026-13", "2026-00", "26-10", "", "2026/10", "abcd-ef"]
)
def test_a_month_must_be_written_yyyy_mm(text):
    with pytest.raises(BadMonth):
        Month.parse(text)


def test_month_bounds_are_paris_midnights_and_trailing_twelve_are_oldest_first():
    month = Month.parse("2026-03")
    assert month.start() == datetime(2026, 3, 1, tzinfo=PARIS)
    # The night of 29 March 2026 changes the offset; the bound is still Paris midnight.
    assert month.end() == datetime(2026, 4, 1, tzinfo=PARIS)
    assert month.end().utcoffset().total_seconds() == 7200
    assert (month.first_day, month.last_day) == (date(2026, 3, 1), date(2026, 3, 31))
    assert Month(2027, 1).previous() == Month(2026, 12)
    assert [str(m) for m in Month(2026, 2).trailing(3)] == ["2025-12", "2026-01", "2026-02"]


@given(
    st.integers(min_value=2000, max_value=2998),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=-240, max_value=240),
)
def test_shifting_a_month_moves_by_whole_months_across_years(year, month, offset):
    shifted = Month(year, month).shifted(offset)
    assert shifted.year * 12 + shifted.month == year * 12 + month + offset
    assert 1 <= shifted.month <= 12
    assert shifted.shifted(-offset) == Month(year, month)


def test_today_is_the_date_in_paris_whatever_the_utc_date():
    # 23:30 UTC on 31 December is already New Year's Day in Paris.
    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        assert paris_today() == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        (Month(2027, 1), date(2027, 1, 4)),  # 1 January (holiday, Friday), then a weekend
        (Month(2027, 5), date(2027, 5, 3)),  # 1 May is a Saturday
        (Month(2026, 11), date(2026, 11, 2)),  # 1 November (All Saints) is a Sunday
        (Month(2026, 12), date(2026, 12, 1)),  # a plain Tuesday
        (Month(2026, 8), date(2026, 8, 3)),  # Saturday 1 August
    ],
)
def test_first_working_day_skips_weekends_and_french_public_holidays(month, expected):
    assert first_working_day(month) == expected


def test_percentiles_interpolate_between_ranks():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([10.0, 20.0], 0.5) == 15.0
    assert percentile([10, 20, 30, 45, 60, 90, 300], 0.9) == pytest.approx(174.0)


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=60))
def test_the_median_splits_the_values_in_two(values):
    ordered = sorted(values)
    median = percentile(ordered, 0.5)
    assert sum(v < median for v in ordered) <= len(ordered) / 2
    assert sum(v > median for v in ordered) <= len(ordered) / 2
    assert ordered[0] <= percentile(ordered, 0.9) <= ordered[-1]


def test_share_is_one_decimal_per_cent_and_none_without_a_whole():
    assert share(1, 3) == 33.3
    assert share(0, 0) is None
