"""SLA business-time calculator: the one definition of the SLA clock.

Implements PRODUCT.md, "The SLA clock, defined". Pure rules: no Django, no ORM,
only plain values in and aware UTC datetimes out, so the API, the pages, the
Celery timers and the benchmark all share it (STYLE.md, "Pure rules stay pure").

The definition, as implemented
------------------------------
* A :class:`Calendar` is a coverage window (``24x7``, ``13x5`` Mon-Fri
  08:00-21:00, ``9x5`` Mon-Fri 08:00-17:00) read on the **site's wall clock**
  (an IANA time zone), minus the French public holidays of the site's region
  for 13x5 and 9x5 (national ones plus those of the ``holidays.France``
  subdivision; ``""`` means metropolitan France without a subdivision).
* The window is the set of instants at which the site's wall clock reads a time
  inside the day's window, on a covered day. Each day's window is its local
  opening and closing wall-clock time converted to UTC, and every duration is
  a real (UTC) duration: an hour is a real hour across a daylight-saving
  change. Where a change lands inside or at the edge of a window (no European
  zone does that, some zones have), the real instants are used: a window cut
  by a clock jump forward is shorter, a repeated wall-clock stretch counts
  twice, a local day that never happened has no window.
* The clock counts whole minutes. The start is truncated to the minute
  (seconds and microseconds dropped) before anything else; pause boundaries
  and the ``end`` of :func:`business_minutes_between` are truncated the same
  way, so deadlines always fall on whole UTC minutes.
* A target of N minutes is due at the **earliest** instant at which N minutes
  of window time, not paused, have elapsed since the start: a 9x5 9-hour
  target started Monday 08:00 is due Monday 17:00, not Tuesday 08:00. A start
  outside the window counts from the next opening.
* A target of **0 minutes** is due when the clock starts: at the (truncated)
  start if the window is open then, otherwise at the next opening.
* **Next business day** (9x5 and 13x5 only): a call is logged at its start if
  the window is open, otherwise at the next opening; it is due when the window
  closes on the next coverage day after the logging day. Paused window time
  pushes that deadline by as much window time, counted after it with the same
  rule (and pauses there keep stopping the clock).
* **Pauses** are ``(start, end)`` pairs; only their overlap with the window
  (after the start) stops the clock. Overlapping pauses are merged. An open
  pause (``end is None``) stops the clock for good: if the clock reaches the
  target before the open pause begins the deadline stands, otherwise the
  deadline is unknown and the functions return ``None``.
* **Warning**: at ``ceil(ratio x target minutes)`` minutes of window time
  (default ratio 0.8). For NBD the target is the window time between logging
  and the NBD deadline (pauses excluded), so the warning falls at 80% of the
  business time the engineer had.

Speed: the windows of each calendar are built once per local year (an
lru_cache per calendar, zone-year and region-year) as sorted lists of UTC
minutes with running totals of window time, so a deadline is two binary
searches, whatever the target; 24x7 without pauses is plain arithmetic.

Why one module (about 800 lines)
--------------------------------
It is a pure engine with one definition to keep consistent: the public
functions (a quarter of the file) are thin wrappers over one private
minute-based model — the minute truncation, the pause normalisation, the
zone offsets and holiday caches, and the ``_Windows`` year spans that every
function walks. Split into modules, those private pieces would have to become
an internal API shared across files, and the invariants they rely on (whole
UTC minutes, spans that only grow, totals from a fixed origin) would no longer
sit beside the code that relies on them. Its tests (``tests/tickets/
test_sla_clock.py``) exercise it as this one unit.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final, NamedTuple, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from holidays.countries.france import France

__all__ = [
    "COVERAGES",
    "REGIONS",
    "Calendar",
    "Pause",
    "add_business_minutes",
    "business_minutes_between",
    "deadline",
    "explain",
    "is_open",
    "nbd_deadline",
    "next_opening",
    "warning_time",
]

COVERAGES: Final = ("24x7", "13x5", "9x5")
#: Valid ``Calendar.region`` values: "" (metropolitan, no subdivision) or a
#: subdivision code of ``holidays.France`` (aliases such as "Moselle" are refused
#: so that one region has one spelling in the database).
REGIONS: Final[tuple[str, ...]] = ("", *France.subdivisions)
DEFAULT_WARNING_RATIO: Final = Decimal("0.8")

Pause = tuple[datetime, datetime | None]

# Local wall-clock window of a covered day, in minutes after midnight: [open, close).
_DAY_WINDOWS: Final[dict[str, tuple[int, int]]] = {
    "13x5": (8 * 60, 21 * 60),
    "9x5": (8 * 60, 17 * 60),
}
_DAY: Final = 24 * 60
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
# Widest UTC offset that ever existed (local mean time of Manila was +15:56), used
# to bound where a given wall-clock time can occur; plus one hour of slack.
_MAX_OFFSET: Final = 17 * 60
# Years the calculator accepts (datetime and zoneinfo arithmetic stays safe inside).
_FIRST_YEAR: Final = 1900
_LAST_YEAR: Final = 9000
# Holiday names are translated by the holidays package following the process
# locale unless a language is given; pin it so results never depend on $LANG.
_DEFAULT_LANGUAGE: Final = "en_US"


@dataclass(frozen=True)
class Calendar:
    """Coverage window of a site: ``coverage`` in ``COVERAGES``, an IANA time
    zone, and a ``holidays.France`` subdivision code ("" for metropolitan)."""

    coverage: str
    timezone: str = "Europe/Paris"
    region: str = ""

    def __post_init__(self) -> None:
        if self.coverage not in COVERAGES:
            raise ValueError(
                f"Unknown coverage {self.coverage!r}; expected one of {', '.join(COVERAGES)}."
            )
        if not isinstance(self.region, str) or self.region not in REGIONS:
            raise ValueError(
                f"Unknown region {self.region!r}; expected '' (metropolitan France) or one of "
                f"{', '.join(REGIONS[1:])}."
            )
        if not isinstance(self.timezone, str):
            raise ValueError(f"Unknown time zone {self.timezone!r}.")
        _zone(self.timezone)  # raises ValueError for an unknown zone


# --------------------------------------------------------------------------- public API


def add_business_minutes(
    cal: Calendar, start: datetime, minutes: int, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """Return the UTC instant at which ``minutes`` of window time, not paused,
    have elapsed since ``start`` (truncated to the minute).

    ``0`` returns the clock start (``start`` if the window is open, else the next
    opening). Returns ``None`` when an open pause stops the clock first.
    """
    _check_minutes(minutes)
    t = _minute(start, "start")
    clock = _clock(cal)
    if minutes == 0:
        return _to_datetime(clock.next_opening(t))
    if not pauses:
        return _to_datetime(clock.add(t, minutes))
    due = _walk(clock, t, minutes, _normalise_pauses(pauses))
    return None if due is None else _to_datetime(due)


def deadline(
    cal: Calendar, start: datetime, hours: int | float | Decimal, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """Deadline of an ``hours`` target (a whole number of minutes, e.g. 1.5),
    see :func:`add_business_minutes`."""
    return add_business_minutes(cal, start, _hours_to_minutes(hours), pauses)


def nbd_deadline(cal: Calendar, start: datetime, pauses: Sequence[Pause] = ()) -> datetime | None:
    """Next-business-day deadline: the window's closing time on the next
    coverage day after the day the call is logged (a call outside the window
    is logged at the next opening), pushed by paused window time.

    Only for 9x5 and 13x5 (``ValueError`` for 24x7). ``None`` under an open pause.
    """
    t = _minute(start, "start")
    clock = _nbd_clock(cal)
    logged, due = clock.nbd(t)
    if not pauses:
        return _to_datetime(due)
    # Paused window time extends the deadline by as much window time: count the
    # window minutes the engineer had, then walk them again skipping the pauses.
    walked = _walk(clock, logged, clock.between(logged, due), _normalise_pauses(pauses))
    return None if walked is None else _to_datetime(walked)


def warning_time(
    cal: Calendar,
    start: datetime,
    *,
    hours: int | float | Decimal | None = None,
    nbd: bool = False,
    ratio: Decimal | float | int = DEFAULT_WARNING_RATIO,
    pauses: Sequence[Pause] = (),
) -> datetime | None:
    """When to warn before a breach: once ``ceil(ratio x target)`` minutes of
    window time have elapsed. Give either ``hours`` or ``nbd=True``; for NBD
    the target is the window time between logging and the NBD deadline."""
    if nbd == (hours is not None):
        raise ValueError("Give either hours or nbd=True for a warning time, not both or neither.")
    fraction = _ratio(ratio)
    if nbd:
        t = _minute(start, "start")
        clock = _nbd_clock(cal)
        logged, due = clock.nbd(t)
        target = clock.between(logged, due)
    else:
        assert hours is not None
        target = _hours_to_minutes(hours)
    return add_business_minutes(cal, start, math.ceil(fraction * target), pauses)


def business_minutes_between(
    cal: Calendar, start: datetime, end: datetime, pauses: Sequence[Pause] = ()
) -> int:
    """Minutes of window time, not paused, between ``start`` and ``end`` (both
    truncated to the minute). ``0`` when ``end`` is not after ``start``."""
    a = _minute(start, "start")
    b = _minute(end, "end")
    if b <= a:
        return 0
    clock = _clock(cal)
    total = clock.between(a, b)
    for pause_start, pause_end in _normalise_pauses(pauses):
        lo = max(pause_start, a)
        hi = b if pause_end is None else min(pause_end, b)
        if lo < hi:
            total -= clock.between(lo, hi)
    return total


def is_open(cal: Calendar, at: datetime) -> bool:
    """Whether the window is open during the minute containing ``at``."""
    return _clock(cal).is_open(_minute(at, "at"))


def next_opening(cal: Calendar, at: datetime) -> datetime:
    """When the clock starts for a call at ``at``: ``at`` truncated to the
    minute if the window is open then, otherwise the next opening (UTC)."""
    return _to_datetime(_clock(cal).next_opening(_minute(at, "at")))


def explain(
    cal: Calendar,
    start: datetime,
    due: datetime,
    pauses: Sequence[Pause] = (),
    *,
    language: str = _DEFAULT_LANGUAGE,
) -> list[dict[str, Any]]:
    """What did not count between ``start`` and ``due`` ("why is it due then"),
    in chronological order. Instants are UTC datetimes; entries are:

    * ``{"kind": "closed", "start", "end", "minutes", "reason"}``: the window is
      shut; ``reason`` is ``"outside_hours"`` (evening, night, early morning),
      ``"weekend"``, ``"holiday"`` or ``"weekend_and_holiday"``;
    * ``{"kind": "holiday", "date", "name"}``: a weekday public holiday skipped
      (name in ``language``, a language of ``holidays.France``: "en_US", "fr"…);
    * ``{"kind": "pause", "start", "end", "minutes"}``: a pause overlapping the
      period; ``minutes`` is the window time it stopped (0 if none);
    * ``{"kind": "clock_change", "at", "shift_minutes"}``: a daylight-saving
      change (+60 when the clocks go forward), so real hours differ from
      wall-clock hours.
    """
    if language not in France.supported_languages:
        raise ValueError(f"Unknown language {language!r} for holiday names.")
    a = _minute(start, "start")
    b = _minute(due, "due")
    _normalise_pauses(pauses)  # validates them
    if b <= a:
        return []
    clock = _clock(cal)
    zone = _zone(cal.timezone)
    entries: list[tuple[tuple[int, int], dict[str, Any]]] = []

    for gap_start, gap_end in clock.gaps(a, b):
        first_day = _to_datetime(gap_start).astimezone(zone).date()
        last_day = _to_datetime(gap_end - 1).astimezone(zone).date()
        weekends: list[date] = []
        days_off: list[date] = []
        for ordinal in range(first_day.toordinal(), last_day.toordinal() + 1):
            day = date.fromordinal(ordinal)
            if day.weekday() >= 5:
                weekends.append(day)
            elif day in _holiday_dates(cal.region, day.year):
                days_off.append(day)
        if days_off and weekends:
            reason = "weekend_and_holiday"
        elif days_off:
            reason = "holiday"
        elif weekends:
            reason = "weekend"
        else:
            reason = "outside_hours"
        entries.append(
            (
                (gap_start, 0),
                {
                    "kind": "closed",
                    "start": _to_datetime(gap_start),
                    "end": _to_datetime(gap_end),
                    "minutes": gap_end - gap_start,
                    "reason": reason,
                },
            )
        )
        for day in days_off:
            name = _holiday_names(cal.region, day.year, language)[day]
            entries.append(((gap_start, 1), {"kind": "holiday", "date": day, "name": name}))

    for at, shift in _clock_changes(cal.timezone, a, b):
        entries.append(
            ((at, 2), {"kind": "clock_change", "at": _to_datetime(at), "shift_minutes": shift})
        )

    for pause_start, pause_end in pauses:
        lo = max(_minute(pause_start, "pause start"), a)
        hi = b if pause_end is None else min(_minute(pause_end, "pause end"), b)
        if lo < hi:
            entries.append(
                (
                    (lo, 3),
                    {
                        "kind": "pause",
                        "start": pause_start.astimezone(UTC),
                        "end": None if pause_end is None else pause_end.astimezone(UTC),
                        "minutes": clock.between(lo, hi),
                    },
                )
            )
    entries.sort(key=lambda entry: entry[0])
    return [entry for _, entry in entries]


# --------------------------------------------------------------------------- input checks


def _minute(value: datetime, what: str) -> int:
    """UTC minutes since the epoch, seconds dropped; refuses naive datetimes."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(value).__name__}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} must be a timezone-aware datetime, got naive {value.isoformat()}."
        )
    # Floor (not int()) so that instants before 1970 truncate the same way.
    return int(value.timestamp() // 60)


def _to_datetime(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def _check_minutes(minutes: int) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"minutes must be an int, not {type(minutes).__name__}.")
    if minutes < 0:
        raise ValueError(f"A target cannot be negative ({minutes} minutes).")


def _hours_to_minutes(hours: int | float | Decimal) -> int:
    if isinstance(hours, bool):
        raise TypeError("hours must be a number, not a bool.")
    if isinstance(hours, int):
        minutes = hours * 60
    elif isinstance(hours, float | Decimal):
        # repr() of a float is its shortest exact decimal (0.1 -> "0.1"), so 0.1 h is
        # 6 minutes and not the 6.000000000000001 that float arithmetic would give.
        exact = Decimal(repr(hours)) if isinstance(hours, float) else hours
        if not exact.is_finite():
            raise ValueError(f"A target must be a finite number of hours, got {hours!r}.")
        scaled = exact * 60
        if scaled != scaled.to_integral_value():
            raise ValueError(f"A target must be a whole number of minutes, got {hours!r} hours.")
        minutes = int(scaled)
    else:
        raise TypeError(f"hours must be an int, float or Decimal, not {type(hours).__name__}.")
    if minutes < 0:
        raise ValueError(f"A target cannot be negative ({hours!r} hours).")
    return minutes


def _ratio(ratio: Decimal | float | int) -> Decimal:
    if isinstance(ratio, bool) or not isinstance(ratio, Decimal | float | int):
        raise TypeError(f"ratio must be a Decimal, float or int, not {type(ratio).__name__}.")
    exact = Decimal(repr(ratio)) if isinstance(ratio, float) else Decimal(ratio)
    if not exact.is_finite() or not 0 <= exact <= 1:
        raise ValueError(f"A warning ratio must lie between 0 and 1, got {ratio!r}.")
    return exact


def _normalise_pauses(pauses: Sequence[Pause]) -> list[tuple[int, int | None]]:
    """Pauses as sorted, merged, non-empty [start, end) minute intervals (end None = open)."""
    intervals: list[tuple[int, int | None]] = []
    for pause in pauses:
        try:
            pause_start, pause_end = pause
        except (TypeError, ValueError):
            raise ValueError(f"A pause is a (start, end) pair, got {pause!r}.") from None
        lo = _minute(pause_start, "pause start")
        if pause_end is None:
            intervals.append((lo, None))
            continue
        hi = _minute(pause_end, "pause end")
        if pause_end < pause_start:
            raise ValueError(f"A pause cannot end ({pause_end}) before it starts ({pause_start}).")
        if hi > lo:
            intervals.append((lo, hi))
    intervals.sort(key=lambda interval: interval[0])
    merged: list[tuple[int, int | None]] = []
    for start, end in intervals:
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None:
                break  # an open pause swallows everything after it
            if start <= last_end:
                merged[-1] = (last_start, None if end is None else max(last_end, end))
                continue
        merged.append((start, end))
    return merged


# --------------------------------------------------------------------------- time zones, holidays


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"Unknown time zone {name!r}; expected an IANA name such as 'Europe/Paris'."
        ) from None


@lru_cache(maxsize=512)
def _holiday_names(region: str, year: int, language: str) -> dict[date, str]:
    # (The holidays package leaves its constructors untyped.)
    calendar = France(subdiv=region or None, years=year, language=language)  # type: ignore[no-untyped-call]
    return dict(calendar.items())


@lru_cache(maxsize=512)
def _holiday_dates(region: str, year: int) -> frozenset[date]:
    return frozenset(_holiday_names(region, year, _DEFAULT_LANGUAGE))


def _offset_at(zone: ZoneInfo, minute: int) -> int:
    offset = datetime.fromtimestamp(minute * 60, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds() // 60)


class _Offsets(NamedTuple):
    """UTC offset of a zone as pieces: ``offsets[i]`` applies from instant
    ``starts[i]`` (UTC minutes) until ``starts[i + 1]``; ``starts[0]`` is only
    the beginning of the table, the other starts are real clock changes."""

    starts: tuple[int, ...]
    offsets: tuple[int, ...]


@lru_cache(maxsize=512)
def _offsets(tz_name: str, year: int) -> _Offsets:
    """The zone's clock changes from three days before UTC year ``year`` to three
    days after it (enough for every window of local year ``year``).

    zoneinfo does not expose its transitions, so sample the offset every hour
    and bisect each change down to the minute (one-off cost, cached).
    """
    zone = _zone(tz_name)
    lo = _day_minute(date(year, 1, 1)) - 3 * _DAY
    hi = _day_minute(date(year + 1, 1, 1)) + 3 * _DAY
    starts = [lo]
    offsets = [_offset_at(zone, lo)]
    current, t = offsets[0], lo
    while t < hi:
        probe = t + 60
        if _offset_at(zone, probe) == current:
            t = probe
            continue
        before, after = t, probe  # offset is `current` at `before`, not at `after`
        while after - before > 1:
            middle = (before + after) // 2
            if _offset_at(zone, middle) == current:
                before = middle
            else:
                after = middle
        current = _offset_at(zone, after)
        starts.append(after)
        offsets.append(current)
        t = after
    return _Offsets(tuple(starts), tuple(offsets))


def _clock_changes(tz_name: str, a: int, b: int) -> list[tuple[int, int]]:
    """(instant, shift in minutes) of the zone's clock changes in [a, b)."""
    changes: dict[int, int] = {}
    for year in range(_to_datetime(a).year, _to_datetime(b).year + 1):
        table = _offsets(tz_name, year)
        for i in range(1, len(table.starts)):
            if a <= table.starts[i] < b:
                changes[table.starts[i]] = table.offsets[i] - table.offsets[i - 1]
    return sorted(changes.items())


def _year_of(t: int) -> int:
    """UTC year of instant t, refusing years the calculator does not handle."""
    if not _FIRST_YEAR < 1970 + t // 525_949 < _LAST_YEAR:  # 525,949 = minutes in a mean year
        raise ValueError(f"SLA dates must lie between {_FIRST_YEAR} and {_LAST_YEAR}.")
    return _to_datetime(t).year


def _day_minute(day: date) -> int:
    """Midnight of ``day`` as minutes since the epoch, read as if it were UTC."""
    return (day.toordinal() - _EPOCH_ORDINAL) * _DAY


@lru_cache(maxsize=1024)
def _year_windows(
    coverage: str, tz_name: str, region: str, year: int
) -> tuple[tuple[int, int, int], ...]:
    """Windows of the covered days of local year ``year``: (open, close, day
    ordinal), open/close in UTC minutes, sorted, non-empty and disjoint."""
    open_at, close_at = _DAY_WINDOWS[coverage]
    table = _offsets(tz_name, year)
    starts, offsets = table.starts, table.offsets
    pieces = len(starts)
    days_off = _holiday_dates(region, year)
    windows: list[tuple[int, int, int]] = []
    for ordinal in range(date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal()):
        day = date.fromordinal(ordinal)
        if day.weekday() >= 5 or day in days_off:
            continue
        # Wall-clock opening and closing, as minutes "since the epoch" if the wall
        # clock were UTC. An instant u is inside the window when its wall-clock
        # reading u + offset(u) lies in [local_open, local_close).
        local_open = _day_minute(day) + open_at
        local_close = _day_minute(day) + close_at
        # Within one offset piece that is u in [local_open - offset, local_close -
        # offset). Usually a single piece covers the whole day and this is the
        # plain "08:00 local in UTC"; around a clock change the day is split
        # between pieces: a jump forward inside the window shortens it, a jump
        # back repeats part of it, and a wall-clock opening that falls in a gap
        # starts at the change itself.
        first = bisect_right(starts, local_open - _MAX_OFFSET) - 1
        for i in range(first, pieces):
            piece_start = starts[i]
            if piece_start >= local_close + _MAX_OFFSET:
                break
            piece_end = starts[i + 1] if i + 1 < pieces else local_close + _MAX_OFFSET
            opens = max(piece_start, local_open - offsets[i])
            closes = min(piece_end, local_close - offsets[i])
            if opens >= closes:
                continue
            if windows and windows[-1][1] == opens and windows[-1][2] == ordinal:
                # A clock change inside the window: one window, of real length.
                windows[-1] = (windows[-1][0], closes, ordinal)
            else:
                windows.append((opens, closes, ordinal))
    return tuple(windows)


# --------------------------------------------------------------------------- clocks


class _Clock(Protocol):
    def add(self, t: int, minutes: int) -> int: ...
    def between(self, a: int, b: int) -> int: ...
    def next_opening(self, t: int) -> int: ...
    def is_open(self, t: int) -> bool: ...
    def gaps(self, a: int, b: int) -> list[tuple[int, int]]: ...


class _AlwaysOpen:
    """24x7: every minute counts, so business time is real time."""

    def add(self, t: int, minutes: int) -> int:
        return t + minutes

    def between(self, a: int, b: int) -> int:
        return max(0, b - a)

    def next_opening(self, t: int) -> int:
        return t

    def is_open(self, t: int) -> bool:
        return True

    def gaps(self, a: int, b: int) -> list[tuple[int, int]]:
        return []


class _Span(NamedTuple):
    """Windows of local years first_year..last_year, in time order.

    ``cum_open[i]``/``cum_close[i]`` are the window minutes elapsed at the
    opening/closing of window i, from an origin that never moves when the span
    grows (earlier years get negative totals), so totals read from an older
    span remain valid in a newer one.
    """

    first_year: int
    last_year: int
    lo: int  # instants in [lo, hi) have a local date inside the span's years
    hi: int
    opens: list[int]
    closes: list[int]
    days: list[int]
    cum_open: list[int]
    cum_close: list[int]


class _Windows:
    """9x5 / 13x5 windows of one calendar, grown by whole local years on demand.

    The span is rebuilt into new lists and swapped in one assignment, so
    threads reading an older span are never disturbed.
    """

    def __init__(self, coverage: str, tz_name: str, region: str) -> None:
        self._key = (coverage, tz_name, region)
        self._lock = threading.Lock()
        self._span: _Span | None = None

    # -- span management

    def _covering(self, t: int) -> _Span:
        span = self._span
        if span is not None and span.lo <= t < span.hi:
            return span
        return self._grow(_year_of(t) - 1, _year_of(t) + 1)

    def _covering_both(self, a: int, b: int) -> _Span:
        span = self._covering(a)
        if b < span.hi:
            return span
        return self._grow(span.first_year, _year_of(b) + 1)

    def _grow_forward(self, span: _Span) -> _Span:
        # A year holds at least ~200 covered days; grow in steps that double.
        years = span.last_year - span.first_year + 1
        return self._grow(span.first_year, span.last_year + max(1, years))

    def _grow(self, first_year: int, last_year: int) -> _Span:
        if first_year < _FIRST_YEAR or last_year > _LAST_YEAR:
            raise ValueError(f"SLA dates must lie between {_FIRST_YEAR} and {_LAST_YEAR}.")
        with self._lock:
            span = self._span
            if span is not None and span.first_year <= first_year and last_year <= span.last_year:
                return span
            if span is None:
                opens: list[int] = []
                closes: list[int] = []
                days: list[int] = []
                cum_open: list[int] = []
                cum_close: list[int] = []
                old_first, old_last = first_year, first_year - 1
            else:
                opens, closes, days = list(span.opens), list(span.closes), list(span.days)
                cum_open, cum_close = list(span.cum_open), list(span.cum_close)
                old_first, old_last = span.first_year, span.last_year
                first_year = min(first_year, old_first)
                last_year = max(last_year, old_last)
            total = cum_close[-1] if cum_close else 0
            for year in range(old_last + 1, last_year + 1):
                for w_open, w_close, ordinal in _year_windows(*self._key, year):
                    opens.append(w_open)
                    closes.append(w_close)
                    days.append(ordinal)
                    cum_open.append(total)
                    total += w_close - w_open
                    cum_close.append(total)
            if first_year < old_first:
                earlier = [
                    w
                    for year in range(first_year, old_first)
                    for w in _year_windows(*self._key, year)
                ]
                total = cum_open[0] if cum_open else 0
                before_open, before_close = [0] * len(earlier), [0] * len(earlier)
                for i in range(len(earlier) - 1, -1, -1):
                    before_close[i] = total
                    total -= earlier[i][1] - earlier[i][0]
                    before_open[i] = total
                opens = [w[0] for w in earlier] + opens
                closes = [w[1] for w in earlier] + closes
                days = [w[2] for w in earlier] + days
                cum_open = before_open + cum_open
                cum_close = before_close + cum_close
            span = _Span(
                first_year=first_year,
                last_year=last_year,
                lo=_day_minute(date(first_year, 1, 1)) + _MAX_OFFSET,
                hi=_day_minute(date(last_year + 1, 1, 1)) - _MAX_OFFSET,
                opens=opens,
                closes=closes,
                days=days,
                cum_open=cum_open,
                cum_close=cum_close,
            )
            self._span = span
            return span

    # -- queries (t, a, b are UTC minutes)

    @staticmethod
    def _elapsed(span: _Span, t: int) -> int:
        """Window minutes elapsed at instant t (from the span's origin)."""
        i = bisect_right(span.opens, t) - 1
        if i < 0:
            return span.cum_open[0]
        close = span.closes[i]
        return span.cum_open[i] + (t if t < close else close) - span.opens[i]

    def add(self, t: int, minutes: int) -> int:
        span = self._covering(t)
        target = self._elapsed(span, t) + minutes
        while True:
            # First window whose closing total reaches the target: the target is
            # met inside it (or exactly at its closing, the earliest instant).
            i = bisect_left(span.cum_close, target)
            if i < len(span.cum_close):
                return span.opens[i] + target - span.cum_open[i]
            span = self._grow_forward(span)

    def between(self, a: int, b: int) -> int:
        if b <= a:
            return 0
        span = self._covering_both(a, b)
        return self._elapsed(span, b) - self._elapsed(span, a)

    def is_open(self, t: int) -> bool:
        span = self._covering(t)
        i = bisect_right(span.opens, t) - 1
        return i >= 0 and t < span.closes[i]

    def next_opening(self, t: int) -> int:
        span = self._covering(t)
        while True:
            i = bisect_right(span.opens, t) - 1
            if i >= 0 and t < span.closes[i]:
                return t
            if i + 1 < len(span.opens):
                return span.opens[i + 1]
            span = self._grow_forward(span)

    def nbd(self, t: int) -> tuple[int, int]:
        """(logged, due): when the call is logged, and the closing of the next
        coverage day's window after the logging day."""
        span = self._covering(t)
        while True:
            opens, closes, days = span.opens, span.closes, span.days
            count = len(opens)
            i = bisect_right(opens, t) - 1
            if i < 0 or t >= closes[i]:
                i += 1  # outside the window: logged at the next opening
            if i >= count:
                span = self._grow_forward(span)
                continue
            logged = max(t, opens[i])
            # The next coverage day is the first later window on a later local day;
            # its window closes at the end of its last piece (usually the same one;
            # several only where a clock change splits the day).
            j = i + 1
            while j < count and days[j] <= days[i]:
                j += 1
            k = j
            while k + 1 < count and days[k + 1] <= days[j]:
                k += 1
            if k + 1 < count:  # window k + 1 proves day j is complete
                due = max(closes[m] for m in range(j, k + 1) if days[m] == days[j])
                return logged, due
            span = self._grow_forward(span)

    def gaps(self, a: int, b: int) -> list[tuple[int, int]]:
        span = self._covering_both(a, b)
        found: list[tuple[int, int]] = []
        cursor = a
        for i in range(max(0, bisect_right(span.opens, a) - 1), len(span.opens)):
            w_open, w_close = span.opens[i], span.closes[i]
            if w_close <= cursor:
                continue
            if w_open >= b:
                break
            if w_open > cursor:
                found.append((cursor, w_open))
            cursor = w_close
        if cursor < b:
            found.append((cursor, b))
        return found


_ALWAYS_OPEN: Final = _AlwaysOpen()


@lru_cache(maxsize=256)
def _windows(coverage: str, tz_name: str, region: str) -> _Windows:
    return _Windows(coverage, tz_name, region)


def _clock(cal: Calendar) -> _Clock:
    if cal.coverage == "24x7":
        return _ALWAYS_OPEN
    return _windows(cal.coverage, cal.timezone, cal.region)


def _nbd_clock(cal: Calendar) -> _Windows:
    if cal.coverage == "24x7":
        raise ValueError("A next-business-day target needs a 9x5 or 13x5 coverage, not 24x7.")
    return _windows(cal.coverage, cal.timezone, cal.region)


def _walk(clock: _Clock, t: int, minutes: int, pauses: list[tuple[int, int | None]]) -> int | None:
    """Instant at which ``minutes`` (> 0) unpaused window minutes have elapsed
    from t; ``None`` if an open pause stops the clock first."""
    cursor, remaining = t, minutes
    for pause_start, pause_end in pauses:
        if pause_end is not None and pause_end <= cursor:
            continue
        if pause_start > cursor:
            available = clock.between(cursor, pause_start)
            if available >= remaining:
                return clock.add(cursor, remaining)
            remaining -= available
        if pause_end is None:
            return None
        cursor = pause_end
    return clock.add(cursor, remaining)
