"""Behind the TLS proxy: who the client is, and whether the request came over HTTPS."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import RequestFactory

from servicone.net import client_ip


@pytest.fixture
def rf() -> RequestFactory:
    return RequestFactory()


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert client_ip(request) == "203.0.113.9"


def test_behind_one_proxy_the_client_is_the_address_that_proxy_appended(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client sent its own X-Forwarded-For; our proxy appended the real address.
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.1.1.1, 198.51.100.7"
    )

    assert client_ip(request) == "198.51.100.7"


def test_behind_two_proxies_the_client_is_the_second_address_from_the_right(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.2"
    )

    assert client_ip(request) == "198.51.100.7"


def test_a_garbled_forwarded_address_falls_back_to_the_peer(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")

    assert client_ip(request) == "10.0.0.2"


def test_the_token_endpoint_throttle_is_not_reset_by_a_new_forwarded_header(db, client):
    # 20 tries a minute per client; before, a new X-Forwarded-For made a new client.
    # The clock stands still: the sliding window would let the previous minute's tries
    # weigh less if the 25 requests straddled a minute boundary.
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC), tick=False):
        statuses = _tries(client)

    assert statuses == [401] * 20 + [429] * 5


def _tries(client) -> list[int]:
    return [
        client.post(
            "/api/v1/auth/token/",
            # A new username each time: the login lock-out (per username and IP) stays out of it.
            {"username": f"nobody{n}", "password": "wrong"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(25)
    ]


def test_behind_the_proxy_a_forwarded_https_request_is_secure_and_plain_http_is_redirected(
    db, client, settings
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True

    plain = client.get("/accounts/login/")
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    probe = client.get("/healthz")

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert secure.status_code == 200
    assert probe.status_code == 200  # load balancers probe over HTTP
