"""Password guessing: a username is locked out from an address after a few wrong
passwords, on the login page, the admin's login and the API token endpoint alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone

from tests.partners.factories import UserFactory

PASSWORD = "Correct-Horse-2026"


@pytest.fixture
def user(db):
    person = UserFactory(username="victim")
    person.set_password(PASSWORD)
    person.save()
    return person


def login(client, password, **extra):
    return client.post("/accounts/login/", {"username": "victim", "password": password}, **extra)


def token(client, password, **extra):
    return client.post(
        "/api/v1/auth/token/",
        {"username": "victim", "password": password},
        content_type="application/json",
        **extra,
    )


def test_the_fifth_wrong_password_locks_out_and_then_even_the_right_one_is_refused(
    client, user, settings
):
    statuses = [login(client, "wrong").status_code for _ in range(5)]
    locked = login(client, PASSWORD)

    assert statuses == [200] * 4 + [429]  # the form again with its error, then the lockout
    assert locked.status_code == 429
    assert "Connexion temporairement bloquée" in locked.content.decode()
    assert "Réessayez dans 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_ends_after_the_cool_off(client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            login(client, "wrong")
        assert login(client, PASSWORD).status_code == 429

        clock.move_to(start + timedelta(minutes=16))
        response = login(client, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_lockout_is_per_username_and_address(client, user):
    for _ in range(5):
        login(client, "wrong", REMOTE_ADDR="198.51.100.7")

    assert login(client, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429
    # The same person from the office's address is not blocked by the attacker's tries.
    assert login(client, PASSWORD, REMOTE_ADDR="203.0.113.20").status_code == 302


def test_a_forged_forwarded_header_does_not_reset_the_count(client, user, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        login(client, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    assert login(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_behind_the_proxy_the_address_is_the_one_it_forwarded(client, user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        login(client, "wrong", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert login(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert login(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.20").status_code == 302


def test_the_api_token_endpoint_locks_out_in_the_error_format(client, user):
    statuses = [token(client, "wrong").status_code for _ in range(5)]
    locked = token(client, PASSWORD)

    assert statuses == [401] * 4 + [429]
    assert locked.status_code == 429
    assert locked.json()["errors"][0]["code"] == "locked_out"
    assert locked["Retry-After"] == "900"


def test_the_admin_login_is_protected_too(client, user):
    for _ in range(5):
        client.post("/admin/login/", {"username": "victim", "password": "wrong"})

    locked = client.post("/admin/login/", {"username": "victim", "password": PASSWORD})

    assert locked.status_code == 429


def test_a_successful_login_forgets_the_earlier_failures(client, user):
    for _ in range(4):
        login(client, "wrong")
    assert login(client, PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        login(client, "wrong")

    assert login(client, PASSWORD).status_code == 302


def test_attempts_are_recorded_for_hp_staff_to_see_and_reset(client, user):
    for _ in range(5):
        login(client, "wrong")
    attempt = AccessAttempt.objects.get(username="victim")
    assert attempt.failures_since_start == 5

    attempt.delete()  # what "reset" does in the admin

    assert login(client, PASSWORD).status_code == 302


def test_changing_the_password_revokes_the_api_token_and_ends_other_sessions(client, user):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    key = token(client, PASSWORD).json()["token"]
    other_browser = Client()
    other_browser.force_login(user)
    client.force_login(user)

    changed = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Long-Pass-2027",
            "new_password2": "Another-Long-Pass-2027",
        },
    )

    assert changed.status_code == 302
    assert not Token.objects.filter(key=key).exists()
    api = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 401
    assert other_browser.get("/").status_code == 302  # back to the login page
    assert client.get("/").status_code == 200  # this browser stays logged in


def test_an_administrator_setting_a_password_revokes_the_token_too(user):
    from rest_framework.authtoken.models import Token

    Token.objects.create(user=user)
    user.set_password("Reset-By-Admin-2027")
    user.save()

    assert not Token.objects.filter(user=user).exists()


def test_a_programme_manager_sees_the_lockouts_in_the_admin_and_resets_one(
    client, user, programme_manager
):
    for _ in range(5):
        login(client, "wrong")
    attempt = AccessAttempt.objects.get(username="victim")
    client.force_login(programme_manager)

    listing = client.get("/admin/axes/accessattempt/")
    deleted = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    client.logout()

    assert listing.status_code == 200
    assert "victim" in listing.content.decode()
    assert deleted.status_code == 302
    assert login(client, PASSWORD).status_code == 302
