"""Sessions end after a time without activity (shorter for HP staff) and some hours after
the login whatever the activity."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

START = datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_an_hp_session_ends_after_30_idle_minutes(client, programme_manager, clock):
    client.force_login(programme_manager)
    assert client.get("/hp/accreditations/").status_code == 200

    clock.shift(timedelta(minutes=29))
    assert client.get("/hp/accreditations/").status_code == 200  # activity keeps it alive
    clock.shift(timedelta(minutes=29))
    assert client.get("/hp/accreditations/").status_code == 200
    clock.shift(timedelta(minutes=31))
    expired = client.get("/hp/accreditations/")

    assert expired.status_code == 302
    assert expired["Location"] == "/accounts/login/?next=/hp/accreditations/"
    assert "_auth_user_id" not in client.session


def test_a_partner_session_survives_a_long_lunch_but_not_a_night(client, partner_admin, clock):
    client.force_login(partner_admin)
    clock.shift(timedelta(hours=2))
    assert client.get("/programme/").status_code == 200

    clock.shift(timedelta(hours=8, minutes=1))
    assert client.get("/programme/").status_code == 302


def test_a_session_ends_twelve_hours_after_the_login_however_active(client, partner_admin, clock):
    client.force_login(partner_admin)
    for _ in range(11):
        clock.shift(timedelta(hours=1))
        assert client.get("/programme/").status_code == 200

    clock.shift(timedelta(hours=1, minutes=1))

    assert client.get("/programme/").status_code == 302


def test_an_expired_session_gets_401_from_the_api_not_a_redirect(client, partner_admin, clock):
    client.force_login(partner_admin)
    clock.shift(timedelta(hours=9))

    response = client.get("/api/v1/me/")

    assert response.status_code in (401, 403)
    assert response.json()["errors"][0]["code"] in ("not_authenticated", "authentication_failed")


def test_the_limits_are_settings(client, partner_admin, clock, settings):
    settings.SESSION_IDLE_SECONDS_PARTNER = 60
    client.force_login(partner_admin)
    clock.shift(timedelta(seconds=61))

    assert client.get("/programme/").status_code == 302
