"""Two-factor authentication: set up with an app, a code after the password, recovery codes,
required for HP staff in production, and asked by the API token endpoint too."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from servicone.access import PartnerRole, StaffRole
from tests.partners.factories import partner_user, staff_user

PASSWORD = "Correct-Horse-2026"
START = datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def person(partner, username="p.admin2fa"):
    user = partner_user(partner, PartnerRole.ADMIN, username=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, user):
    return client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})


def turn_on(client, user, clock) -> list[str]:
    """Set up two-factor through the page; returns the recovery codes it shows."""
    client.get("/accounts/2fa/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/2fa/", {"action": "confirm", "code": code_of(device)})
    clock.shift(timedelta(seconds=31))  # the next code is a new one
    # In no language (translate="no"): neither a browser's translator nor a reader's
    # language check may read a code as a word.
    return re.findall(
        r'<li><code translate="no">([a-z0-9]+)</code></li>', response.content.decode()
    )


def test_the_key_to_type_is_in_no_language(client, partner, clock):
    """A base32 key read as text could hold an English word ("WHAT"): it is marked
    ``translate="no"``, as the recovery codes are (``turn_on``)."""
    user = person(partner)
    log_in(client, user)
    page = client.get("/accounts/2fa/").content.decode()
    assert re.search(r'<code translate="no" data-testid="totp-secret">[A-Z2-7 ]+</code>', page)


def test_a_partner_admin_turns_two_factor_on_with_an_app_and_gets_ten_recovery_codes(
    client, partner, clock
):
    user = person(partner)
    log_in(client, user)

    page = client.get("/accounts/2fa/").content.decode()
    assert "<svg" in page  # the QR code to scan
    wrong = client.post("/accounts/2fa/", {"action": "confirm", "code": "000000"})
    assert "Code incorrect" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    clock.shift(timedelta(seconds=2))  # after a wrong code, the next try waits a moment

    codes = turn_on(client, user, clock)

    assert len(codes) == len(set(codes)) == 10
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert "activée" in client.get("/accounts/2fa/").content.decode()


def test_with_two_factor_the_password_alone_opens_nothing_until_the_code(client, partner, clock):
    user = person(partner)
    log_in(client, user)
    turn_on(client, user, clock)
    client.logout()

    assert log_in(client, user).status_code == 302
    page = client.get("/programme/")
    api = client.get("/api/v1/me/")
    assert page.status_code == 302
    assert page["Location"] == "/accounts/2fa/verify/?next=%2Fprogramme%2F"
    assert api.status_code == 403
    assert api.json()["errors"][0]["code"] == "two_factor_required"

    device = TOTPDevice.objects.get(user=user)
    wrong = client.post("/accounts/2fa/verify/", {"code": "123456", "next": "/programme/"})
    clock.shift(timedelta(seconds=2))  # after a wrong code, the next try waits a moment
    right = client.post("/accounts/2fa/verify/", {"code": code_of(device), "next": "/programme/"})

    assert "Code incorrect" in wrong.content.decode()
    assert right.status_code == 302
    assert right["Location"] == "/programme/"
    assert client.get("/programme/").status_code == 200


def test_a_recovery_code_works_once(client, partner, clock):
    user = person(partner)
    log_in(client, user)
    codes = turn_on(client, user, clock)

    for expected in (302, 200):
        client.logout()
        log_in(client, user)
        response = client.post("/accounts/2fa/verify/", {"code": codes[0]})
        assert response.status_code == expected  # the second time: the form, "déjà utilisé"
    assert "déjà utilisé" in response.content.decode()


def test_a_code_from_another_site_never_leads_elsewhere(client, partner, clock):
    user = person(partner)
    log_in(client, user)
    turn_on(client, user, clock)
    client.logout()
    log_in(client, user)

    device = TOTPDevice.objects.get(user=user)
    response = client.post(
        "/accounts/2fa/verify/", {"code": code_of(device), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_hp_staff_must_set_up_two_factor_before_anything_else_when_required(
    client, db, settings, clock
):
    settings.TWO_FACTOR_REQUIRED_FOR_HP = True
    manager = staff_user(StaffRole.PROGRAMME_MANAGER, username="hp.2fa")
    manager.set_password(PASSWORD)
    manager.save()
    log_in(client, manager)

    blocked = client.get("/hp/accreditations/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith("/accounts/2fa/?next=")
    assert "doit activer" in client.get("/accounts/2fa/").content.decode()

    turn_on(client, manager, clock)
    assert client.get("/hp/accreditations/").status_code == 200
    page = client.get("/accounts/2fa/").content.decode()
    assert 'value="disable"' not in page
    client.post("/accounts/2fa/", {"action": "disable"})
    assert TOTPDevice.objects.filter(user=manager, confirmed=True).exists()


def test_a_partner_admin_may_turn_two_factor_off(client, partner, clock):
    user = person(partner)
    log_in(client, user)
    turn_on(client, user, clock)

    client.post("/accounts/2fa/", {"action": "disable"})

    assert not TOTPDevice.objects.filter(user=user).exists()
    client.logout()
    log_in(client, user)
    assert client.get("/programme/").status_code == 200


def test_the_token_endpoint_asks_for_the_code_of_a_two_factor_account(client, partner, clock):
    user = person(partner)
    log_in(client, user)
    turn_on(client, user, clock)
    device = TOTPDevice.objects.get(user=user)

    def token(**extra):
        return client.post(
            "/api/v1/auth/token/",
            {"username": user.username, "password": PASSWORD, **extra},
            content_type="application/json",
        )

    missing, wrong = token(), token(otp="000000")
    clock.shift(timedelta(seconds=2))  # after a wrong code, the next try waits a moment
    right = token(otp=code_of(device))

    assert (missing.status_code, missing.json()["errors"][0]["code"]) == (401, "otp_required")
    assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (401, "invalid_otp")
    assert right.status_code == 200
    assert right.json()["token"]


def test_without_two_factor_nothing_changes_for_a_partner_user(client, partner):
    user = person(partner)
    log_in(client, user)

    assert client.get("/programme/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
