"""``Idempotency-Key`` on creating POSTs (API.md), observed through ``engineers/``."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection

from partners.models import Engineer
from servicone.access import PartnerRole
from servicone.api import idempotency
from servicone.models import IdempotencyKey
from tests.conftest import token_client
from tests.partners.factories import partner_user

URL = "/api/v1/engineers/"
BODY = {"name": "Léa Petit", "email": "lea@ovesys.test"}


def post(client: Any, body: Any = BODY, key: str | None = "retry-1", **extra: Any) -> Any:
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(URL, body, format="json", **extra)


def test_the_same_key_and_body_twice_creates_once_and_replays_the_first_response(admin_api):
    first = post(admin_api)
    second = post(admin_api)

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Engineer.objects.count() == 1
    stored = IdempotencyKey.objects.get()
    assert (stored.key, stored.path, stored.status_code) == ("retry-1", URL, 201)


def test_key_order_and_json_whitespace_do_not_make_another_body(admin_api):
    first = admin_api.post(
        URL,
        '{"name": "Léa Petit", "email": "lea@ovesys.test"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    second = admin_api.post(
        URL,
        '{"email":"lea@ovesys.test","name":"Léa Petit"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert second.status_code == 201
    assert second.json() == first.json()
    assert Engineer.objects.count() == 1


def test_the_same_key_with_another_body_is_409_and_creates_nothing(admin_api):
    post(admin_api)

    response = post(admin_api, {**BODY, "name": "Quelqu'un d'autre"})

    assert response.status_code == 409
    assert response.json()["errors"] == [
        {
            "field": "Idempotency-Key",
            "code": "idempotency_key_reused",
            "message": response.json()["errors"][0]["message"],
        }
    ]
    assert list(Engineer.objects.values_list("name", flat=True)) == ["Léa Petit"]


def test_the_same_key_on_another_endpoint_is_409(admin_api, partner):
    post(admin_api)

    response = admin_api.post(
        "/api/v1/accreditations/", {"tier": "expert"}, format="json", HTTP_IDEMPOTENCY_KEY="retry-1"
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"


def test_two_users_may_use_the_same_key_independently(admin_api, partner):
    colleague = token_client(partner_user(partner, PartnerRole.ADMIN, username="p.admin2"))

    assert post(admin_api).status_code == 201
    assert post(colleague, {"name": "Autre"}).status_code == 201

    assert Engineer.objects.count() == 2


def test_without_a_key_every_post_creates(admin_api):
    assert post(admin_api, key=None).status_code == 201
    assert post(admin_api, {"name": "Léa Petit"}, key=None).status_code == 201
    assert Engineer.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_a_key_is_remembered_for_24_hours_then_forgotten(admin_api):
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False) as clock:
        first = post(admin_api, {"name": "Léa"})
        clock.move_to("2026-03-03 09:59 +01:00")
        within = post(admin_api, {"name": "Léa"})
        clock.move_to("2026-03-03 10:00:01 +01:00")
        after = post(admin_api, {"name": "Léa"})

    assert within.json() == first.json()
    assert after.status_code == 201
    assert after.json()["id"] != first.json()["id"]
    assert Engineer.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1  # the expired record made way for the new one


def test_a_refused_request_is_not_remembered_so_a_corrected_retry_succeeds(admin_api):
    refused = post(admin_api, {"name": ""})
    corrected = post(admin_api, {"name": "Léa"})

    assert refused.status_code == 400
    assert corrected.status_code == 201
    assert Engineer.objects.count() == 1
    assert IdempotencyKey.objects.get().status_code == 201


def test_a_business_rule_refusal_stores_nothing(admin_api, partner):
    Engineer.objects.create(partner=partner, name="Déjà là", email="lea@ovesys.test")

    response = post(admin_api)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "duplicate_email"
    assert not IdempotencyKey.objects.exists()


def test_a_request_refused_for_its_role_leaves_the_key_unused(sales_api):
    assert post(sales_api).status_code == 403
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["   ", "x" * 201])
def test_an_empty_or_overlong_key_is_400(admin_api, key):
    response = post(admin_api, key=key)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert response.json()["errors"][0]["code"] == "invalid"
    assert not Engineer.objects.exists()


def test_a_request_that_loses_the_race_answers_with_the_winners_response(admin_api, monkeypatch):
    winner = post(admin_api)
    real_lookup = idempotency._stored
    lookups = []

    def lookup_before_the_winner_committed(user: Any, key: str) -> Any:
        # The loser's first look finds nothing (the winner had not committed yet), so it
        # tries to claim the key and hits the unique constraint.
        lookups.append(key)
        return None if len(lookups) == 1 else real_lookup(user, key)

    monkeypatch.setattr(idempotency, "_stored", lookup_before_the_winner_committed)

    loser = post(admin_api)

    assert len(lookups) == 2
    assert loser.status_code == 201
    assert loser.json() == winner.json()
    assert Engineer.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_the_stored_body_is_plain_json_as_the_client_saw_it(admin_api):
    first = post(admin_api)
    stored = IdempotencyKey.objects.get().response_body
    assert json.dumps(stored, sort_keys=True) == json.dumps(first.json(), sort_keys=True)


def test_the_body_hash_ignores_key_order():
    assert idempotency.body_hash({"a": 1, "b": [1, 2]}) == idempotency.body_hash(
        {"b": [1, 2], "a": 1}
    )
    assert idempotency.body_hash({"a": 1}) != idempotency.body_hash({"a": 2})


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_create_one_object(partner_admin):
    """Real concurrency, each request on its own connection: a claim made while another is
    in flight waits for it (PostgreSQL: the unique index; SQLite: the write lock), then
    answers with the stored response."""
    clients = [token_client(partner_admin) for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    responses: list[Any] = [None] * len(clients)

    def send(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            responses[index] = post(clients[index], key="race")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [r.status_code for r in responses] == [201] * len(clients)
    assert len({json.dumps(r.json(), sort_keys=True) for r in responses}) == 1
    assert Engineer.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
