"""How tickets read: durations, labels from the models' choices, in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, formats, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.models import Site
from tickets import presenters, time_text
from tickets.models import (
    OwnershipSegment,
    SegmentReason,
    SlaEventKind,
    Ticket,
    TicketEvent,
    TicketEventKind,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0 min 00 s"),
        (-30, "0 min 00 s"),  # a deadline already passed never counts down below zero
        (59.9, "0 min 59 s"),
        (3600, "1 h 00 min 00 s"),
        (2 * 86400 + 3 * 3600 + 5 * 60 + 7, "2 j 03 h 05 min"),
    ],
)
def test_the_time_left_reads_like_the_live_countdown(seconds, shown):
    assert time_text.format_remaining(seconds) == shown


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(45, "45 min"), (900, "15 h 00"), (3005, "2 j 02 h 05 min"), (-5, "0 min")],
)
def test_a_duration_of_window_time_reads_in_days_hours_and_minutes(minutes, shown):
    assert time_text.format_minutes(minutes) == shown


def test_an_english_reader_sees_days_as_d():
    with translation.override("en"):
        assert time_text.format_minutes(3005) == "2 d 02 h 05 min"


def test_a_site_time_is_the_sites_wall_clock_the_readers_way():
    instant = datetime(2026, 11, 26, 9, 5, tzinfo=ZoneInfo("UTC"))
    assert time_text.site_time(instant, "Europe/Paris") == "26/11/2026 10:05"
    assert time_text.site_time(instant, "Indian/Reunion") == "26/11/2026 13:05"
    assert time_text.site_time(None, "Europe/Paris") == "—"


FORMATS = ("SHORT_DATETIME_FORMAT", "DATETIME_FORMAT", "DATE_FORMAT", "TIME_FORMAT")
ZONES = ("Europe/Paris", "Indian/Reunion", "America/Cayenne", "Pacific/Chatham", "UTC")


@settings(max_examples=300, database=None)
@given(
    instant=st.datetimes(datetime(1000, 1, 2), datetime(9998, 12, 31), timezones=st.just(UTC)),
    zone=st.sampled_from(ZONES),
    fmt=st.sampled_from(FORMATS),
    language=st.sampled_from(("fr", "en")),
)
def test_a_site_time_is_written_as_djangos_date_format_writes_it(instant, zone, fmt, language):
    """The strftime shortcut writes what ``dateformat.format`` writes, in both languages."""
    with translation.override(language):
        expected = dateformat.format(instant.astimezone(ZoneInfo(zone)), formats.get_format(fmt))
        assert time_text.site_time(instant, zone, fmt) == expected


@pytest.mark.parametrize(
    ("django_format", "strftime"),
    [
        ("d/m/Y H:i", "%d/%m/%Y %H:%M"),
        ("Y-m-d H:i", "%Y-%m-%d %H:%M"),
        ("d % m", "%d %% %m"),
        ("j N Y", None),  # letters strftime would write otherwise: Django's own formatter
        ("m/d/Y P", None),
        (r"d \\d m", None),
    ],
)
def test_only_formats_strftime_writes_the_same_way_take_the_shortcut(django_format, strftime):
    assert time_text.strftime_of(django_format) == strftime


def test_every_timeline_event_has_its_label_in_french_and_english():
    for kind in TicketEventKind:
        with translation.override("fr"):
            french = presenters.choice_label(TicketEventKind, kind.value)
        with translation.override("en"):
            english = presenters.choice_label(TicketEventKind, kind.value)
        assert french != kind.value, kind
        assert english != french, kind  # translated in the catalogue
    with translation.override("en"):
        assert presenters.choice_label(TicketEventKind, "fell_back") == "Automatic switch to CDS"


def test_an_unknown_code_reads_as_it_is():
    assert presenters.choice_label(TicketEventKind, "something_new") == "something_new"
    assert presenters.choice_label(SlaEventKind, "warned") == "Alerte avant dépassement"


def test_the_timeline_titles_each_line_with_its_event_and_who_acted():
    ticket = Ticket(site=Site(timezone="Europe/Paris"))
    at = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
    events = [
        TicketEvent(event=TicketEventKind.SLA_BREACHED, at=at, organisation="system"),
        TicketEvent(event="handed_over", at=at, organisation="partner", detail={"reason": "x"}),
    ]
    lines = presenters.timeline(ticket, events)
    assert [(line["label"], line["organisation"]) for line in lines] == [
        ("Dépassement du délai", "Système"),
        ("Transfert au CDS", "Partenaire"),
    ]
    assert lines[1]["details"] == ["x"]


def test_a_segment_says_why_the_organisation_took_the_ticket():
    ticket = Ticket(
        site=Site(timezone="Europe/Paris"),
        status="closed",
        resolved_at=datetime(2026, 11, 26, 12, 0, tzinfo=PARIS),
    )
    segment = OwnershipSegment(
        organisation="cds",
        started_at=datetime(2026, 11, 26, 10, 0, tzinfo=PARIS),
        reason=SegmentReason.FALLBACK,
    )
    [row] = presenters.segments(ticket, [segment], now=datetime(2026, 11, 27, tzinfo=PARIS))
    assert row["reason"] == "bascule automatique (prise en charge non faite à temps)"
    assert (row["end"], row["duration"]) == ("26/11/2026 12:00", "2 h 00")
    with translation.override("en"):
        [row] = presenters.segments(ticket, [segment], now=datetime(2026, 11, 27, tzinfo=PARIS))
    assert row["reason"] != "bascule automatique (prise en charge non faite à temps)"
