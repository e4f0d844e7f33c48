"""Signatures as the Standard Webhooks specification defines them, checked against the
``standardwebhooks`` package (what receivers use)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from webhooks import retries
from webhooks.signing import new_secret, secret_key, sign, signed_headers


def test_a_secret_is_whsec_and_base64_of_32_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(secret_key(secret)) == 32
    assert new_secret() != secret


def test_the_signature_is_the_hmac_of_id_timestamp_and_body_keyed_with_the_decoded_secret():
    secret = new_secret()
    body = b'{"type":"ping"}'
    expected = hmac.new(secret_key(secret), b"evt_1.1700000000." + body, hashlib.sha256).digest()
    assert sign(secret, "evt_1", 1700000000, body) == "v1," + base64.b64encode(expected).decode()


def test_the_standardwebhooks_package_verifies_what_is_signed():
    secret = new_secret()
    body = '{"type":"ping","timestamp":"2026-11-26T09:00:00+00:00","data":{"é":1}}'.encode()
    headers = signed_headers(
        message_id="evt_abc", timestamp=int(time.time()), body=body, secrets_in_force=[secret]
    )
    assert Webhook(secret).verify(body, headers)["data"] == {"é": 1}


def test_two_secrets_give_two_signatures_each_verifying():
    old, new = new_secret(), new_secret()
    body = b"{}"
    headers = signed_headers(
        message_id="evt_abc", timestamp=int(time.time()), body=body, secrets_in_force=[new, old]
    )
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(body, headers)
    Webhook(old).verify(body, headers)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(new_secret()).verify(body, headers)


def test_a_secret_that_is_not_whsec_base64_is_refused():
    with pytest.raises(ValueError, match="whsec_"):
        secret_key("not-a-secret")
    with pytest.raises(ValueError, match="base64"):
        secret_key("whsec_***")


def test_retries_follow_the_schedule_within_ten_percent_then_stop():
    expected = [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=10),
    ]
    assert [retries.retry_delay(n, spread=0) for n in range(1, 8)] == expected
    assert retries.retry_delay(1, spread=1) == timedelta(seconds=5.5)
    assert retries.retry_delay(1, spread=-1) == timedelta(seconds=4.5)
    assert retries.retry_delay(8, spread=0) is None
    assert retries.MAX_ATTEMPTS == 8
