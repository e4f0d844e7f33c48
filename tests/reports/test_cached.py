"""The heavy report figures shared through the cache for a few minutes (production profile).

With ``REPORT_CACHE_SECONDS`` set (300 by default with ``DEBUG=0``), a partner's scorecard,
HP's ranking and dashboard are computed once per partner, month, day and language, then
served from the shared cache until they are that many seconds old; the pages say when
they were computed. 0 (the development default, and the rest of the suite) computes them
on every request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from reports.periods import Month
from reports.selectors import cached
from tests.conftest import token_client
from tests.reports.test_pages import make_tickets, text

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
MONTH = Month(2026, 11)


@pytest.fixture(autouse=True)
def _five_minutes(settings):
    settings.REPORT_CACHE_SECONDS = 300
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_scorecard_is_computed_once_then_read_from_the_cache(
    partner, partner_engineer, django_assert_num_queries
):
    make_tickets(partner, partner_engineer, 3)
    first = cached.scorecard(partner, MONTH, today=NOW.date())
    assert first.figures.month_figures.delivery.total == 3
    with django_assert_num_queries(0):
        again = cached.scorecard(partner, MONTH, today=NOW.date())
    assert again == first
    assert again.at == NOW


def test_new_tickets_show_once_the_figures_are_older_than_the_setting(partner, partner_engineer):
    make_tickets(partner, partner_engineer, 2)
    assert (
        cached.scorecard(partner, MONTH, today=NOW.date()).figures.month_figures.delivery.total == 2
    )
    make_tickets(partner, partner_engineer, 1, start=datetime(2026, 11, 20, 9, tzinfo=PARIS))

    with time_machine.travel(NOW + timedelta(seconds=299), tick=False):
        still = cached.scorecard(partner, MONTH, today=NOW.date())
    assert still.figures.month_figures.delivery.total == 2
    assert still.at == NOW

    with time_machine.travel(NOW + timedelta(seconds=301), tick=False):
        fresh = cached.scorecard(partner, MONTH, today=NOW.date())
    assert fresh.figures.month_figures.delivery.total == 3
    assert fresh.at == NOW + timedelta(seconds=301)


def test_each_partner_has_its_own_figures(partner, other_partner, partner_engineer):
    make_tickets(partner, partner_engineer, 2)
    mine = cached.scorecard(partner, MONTH, today=NOW.date())
    theirs = cached.scorecard(other_partner, MONTH, today=NOW.date())
    assert (mine.figures.partner_id, mine.figures.month_figures.delivery.total) == (partner.pk, 2)
    assert (theirs.figures.partner_id, theirs.figures.month_figures.delivery.total) == (
        other_partner.pk,
        0,
    )


def test_a_partner_admin_never_gets_another_partners_cached_scorecard(
    client, partner_admin, programme_manager, other_partner, partner_engineer, partner
):
    make_tickets(partner, partner_engineer, 2)
    client.force_login(programme_manager)
    assert "Concurrent SA" in text(client.get(f"/reports/scorecard/?partner={other_partner.pk}"))
    client.force_login(partner_admin)
    page = text(client.get("/reports/scorecard/"))
    assert "Fiche de performance — Ovesys Test" in page
    assert "Concurrent SA" not in page


def test_the_dashboard_and_the_ranking_are_shared_for_the_same_month(
    programme_manager, django_assert_num_queries
):
    board = cached.dashboard(MONTH, today=NOW.date())
    ranks = cached.ranking(MONTH, sort="compliance")
    with django_assert_num_queries(0):
        assert cached.dashboard(MONTH, today=NOW.date()) == board
        assert cached.ranking(MONTH, sort="compliance") == ranks
    assert cached.dashboard(MONTH.previous(), today=NOW.date()).figures.month == MONTH.previous()


def test_the_pages_say_when_their_figures_were_computed(client, partner_admin, programme_manager):
    client.force_login(partner_admin)
    page = text(client.get("/reports/scorecard/"))
    assert (
        "Chiffres calculés le 26/11/2026 à 10:00. Ils sont recalculés au plus toutes les 5 minutes."
        in page
    )
    client.force_login(programme_manager)
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        for path in ("/reports/programme/", "/reports/scorecard/"):
            assert "Chiffres calculés le 26/11/2026 à 10:02." in text(client.get(path)), path
    client.cookies["django_language"] = "en"
    page = text(client.get("/reports/programme/"))
    assert (
        "Figures computed on 26/11/2026 at 10:00. They are computed again at most every 5 minutes."
        in page
    )


def test_without_the_setting_figures_are_computed_on_every_request(settings, client, partner_admin):
    settings.REPORT_CACHE_SECONDS = 0
    client.force_login(partner_admin)
    client.get("/reports/scorecard/")
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        page = text(client.get("/reports/scorecard/"))
    assert "Chiffres calculés le 26/11/2026 à 10:00." in page
    assert "recalculés" not in page


def test_a_failing_cache_costs_the_computation_not_the_page(client, partner_admin, caplog):
    client.force_login(partner_admin)
    with (
        mock.patch.object(cache, "get", side_effect=ConnectionError("redis away")),
        mock.patch.object(cache, "set", side_effect=ConnectionError("redis away")),
    ):
        response = client.get("/reports/scorecard/")
    assert response.status_code == 200
    assert "report cache unavailable for scorecard" in caplog.text


def test_the_api_reads_the_same_cached_figures(partner, partner_admin, partner_engineer):
    make_tickets(partner, partner_engineer, 2)
    api = token_client(partner_admin)
    first = api.get("/api/v1/reports/scorecard/?month=2026-11")
    assert first.status_code == 200
    make_tickets(partner, partner_engineer, 1, start=datetime(2026, 11, 20, 9, tzinfo=PARIS))
    assert api.get("/api/v1/reports/scorecard/?month=2026-11").json() == first.json()
    with time_machine.travel(NOW + timedelta(seconds=301), tick=False):
        later = api.get("/api/v1/reports/scorecard/?month=2026-11").json()
    assert later != first.json()
