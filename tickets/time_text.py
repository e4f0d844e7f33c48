"""Instants and durations as a ticket's reader sees them, in the reader's language.

Deadlines show on the site's wall clock (``site_time``); live countdowns print their
instants in UTC (``iso_utc``) and ``countdown.js`` writes the time left the way
``format_remaining`` does. Nothing here queries the database.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.utils import dateformat, formats
from django.utils.translation import pgettext


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo("Europe/Paris")


# Django's date format letters that strftime writes the same way (zero-padded numbers).
_STRFTIME_OF = {"d": "%d", "m": "%m", "Y": "%Y", "H": "%H", "i": "%M"}


@functools.lru_cache(maxsize=16)
def strftime_of(django_format: str) -> str | None:
    """``django_format`` as a strftime format if it is made of ``d m Y H i`` and punctuation
    (both languages' date-time formats are), else None. ``dateformat.format`` took 23 µs a
    date, and a ticket queue writes 75 deadlines a page; strftime takes 2."""
    parts = []
    for char in django_format:
        if char in _STRFTIME_OF:
            parts.append(_STRFTIME_OF[char])
        elif char.isalpha() or char == "\\":
            return None
        else:
            parts.append("%%" if char == "%" else char)
    return "".join(parts)


def site_time(value: datetime | None, tz_name: str, fmt: str = "SHORT_DATETIME_FORMAT") -> str:
    """An instant on the site's wall clock, the reader's way (``26/11/2026 14:05`` in French)."""
    if value is None:
        return "—"
    local = value.astimezone(zone(tz_name))
    django_format = formats.get_format(fmt)
    quick = strftime_of(django_format)
    if quick is not None and local.year >= 1000:
        return local.strftime(quick)
    return dateformat.format(local, django_format)


def iso_utc(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_remaining(seconds: float) -> str:
    """Time left before a deadline, as the countdown shows it (same format as countdown.js)."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    day = pgettext("unité de durée : jour", "j")
    if days:
        return f"{days} {day} {hours:02d} h {minutes:02d} min"
    if hours:
        return f"{hours} h {minutes:02d} min {secs:02d} s"
    return f"{minutes} min {secs:02d} s"


def format_minutes(minutes: int) -> str:
    """A duration of window time: ``2 j 03 h 05 min``, ``15 h 00``, ``45 min``."""
    days, rest = divmod(max(0, minutes), 1440)
    hours, mins = divmod(rest, 60)
    day = pgettext("unité de durée : jour", "j")
    if days:
        return f"{days} {day} {hours:02d} h {mins:02d} min"
    if hours:
        return f"{hours} h {mins:02d}"
    return f"{mins} min"
