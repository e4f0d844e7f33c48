"""API keys (API.md, "API keys"): what an integration and the people managing its keys observe."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from servicone.access import PartnerRole, StaffRole
from servicone.apikeys import SCOPES
from servicone.models import ApiKey, AuditEvent, IdempotencyKey
from tests.conftest import token_client
from tests.partners.factories import PASSWORD, partner_user, staff_user
from tests.servicone.factories import key_client, make_api_key
from tests.tickets.factories import covered_asset
from tickets.models import Ticket

API = "/api/v1"
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as clock:
        yield clock


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


def create(client: Any, **body: Any) -> Any:
    return client.post(
        f"{API}/api-keys/",
        {"name": "ServiceNow", "scopes": ["tickets:write"], **body},
        format="json",
    )


# --- Creating, listing, revoking ---------------------------------------------------------------


def test_a_partner_admin_creates_a_key_shown_once_and_stored_hashed(admin_api, partner):
    response = create(admin_api, scopes=["tickets:write", "contracts:read"])

    assert response.status_code == 201, response.json()
    body = response.json()
    key = body["key"]
    assert key.startswith(f"sok_{body['prefix']}_")
    assert body["partner"] == partner.pk
    assert body["scopes"] == ["contracts:read", "tickets:write"]
    assert body["created_by"]["username"] == "p.admin"
    assert (body["last_used_at"], body["revoked_at"], body["expires_at"]) == (None, None, None)
    row = ApiKey.objects.get()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(list(ApiKey.objects.values()))
    # Never shown again: the list and the key's own URL leave it out.
    assert "key" not in admin_api.get(f"{API}/api-keys/").json()["results"][0]
    assert "key" not in admin_api.get(f"{API}/api-keys/{row.pk}/").json()
    event = AuditEvent.objects.get(action="api_key.create")
    assert (event.partner, event.actor.username, event.object_id) == (partner, "p.admin", row.pk)
    assert key not in str(event.data)


def test_a_retried_creation_creates_one_key_and_never_stores_it(admin_api):
    first = admin_api.post(
        f"{API}/api-keys/",
        {"name": "GLPI", "scopes": ["tickets:read"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    again = admin_api.post(
        f"{API}/api-keys/",
        {"name": "GLPI", "scopes": ["tickets:read"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert first.status_code == again.status_code == 201
    assert ApiKey.objects.count() == 1
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["key"] is None
    assert first.json()["key"] not in str(IdempotencyKey.objects.get().response_body)


def test_a_programme_manager_creates_hp_keys(pm_api):
    response = create(pm_api, scopes=["reports:read"])
    assert response.status_code == 201
    assert response.json()["partner"] is None
    assert ApiKey.objects.get().partner is None


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"scopes": []}, "scopes", "empty"),
        ({"scopes": ["tickets:admin"]}, "scopes", "invalid_choice"),
        ({"name": ""}, "name", "blank"),
        ({"expires_at": "2026-11-25T10:00:00+01:00"}, "expires_at", "invalid"),
    ],
)
def test_a_bad_key_request_names_the_field_and_creates_nothing(admin_api, body, field, code):
    response = create(admin_api, **body)
    assert response.status_code == 400
    assert codes(response) == [(field, code)]
    assert not ApiKey.objects.exists()


def test_who_may_manage_keys(partner, sales_api, engineer_api, cds_api, pm_api, admin_api):
    make_api_key(partner)
    make_api_key(None)
    for client in (sales_api, engineer_api):
        assert client.get(f"{API}/api-keys/").status_code == 403
        assert create(client).status_code == 403
    # CDS staff see every key but create none (an HP key acts as a programme manager).
    assert cds_api.get(f"{API}/api-keys/").json()["count"] == 2
    assert create(cds_api).status_code == 403
    assert pm_api.get(f"{API}/api-keys/").json()["count"] == 2
    assert admin_api.get(f"{API}/api-keys/").json()["count"] == 1


def test_a_partner_sees_and_revokes_only_its_own_keys(admin_api, partner, other_partner):
    ours, _ = make_api_key(partner)
    theirs, _ = make_api_key(other_partner)
    listed = admin_api.get(f"{API}/api-keys/").json()["results"]
    assert [k["id"] for k in listed] == [ours.pk]
    missing = admin_api.delete(f"{API}/api-keys/999999/")
    for method in ("get", "delete"):
        response = getattr(admin_api, method)(f"{API}/api-keys/{theirs.pk}/")
        assert response.status_code == 404
        assert response.json() == missing.json()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoking_a_key_makes_it_answer_401_and_is_audited(admin_api, partner, partner_admin):
    row, key = make_api_key(partner, by=partner_admin)
    assert key_client(key).get(f"{API}/me/").status_code == 200

    response = admin_api.delete(f"{API}/api-keys/{row.pk}/")

    assert response.status_code == 204
    row.refresh_from_db()
    assert row.revoked_at == NOW
    assert row.revoked_by == partner_admin
    refused = key_client(key).get(f"{API}/me/")
    assert refused.status_code == 401
    assert codes(refused) == [(None, "key_revoked")]
    assert AuditEvent.objects.filter(action="api_key.revoke", object_id=row.pk).count() == 1
    # Revoked already: nothing more happens.
    assert admin_api.delete(f"{API}/api-keys/{row.pk}/").status_code == 204
    assert AuditEvent.objects.filter(action="api_key.revoke").count() == 1
    assert admin_api.get(f"{API}/api-keys/{row.pk}/").json()["active"] is False


def test_a_programme_manager_may_revoke_a_partners_key(pm_api, partner, cds_api):
    row, _ = make_api_key(partner)
    assert cds_api.delete(f"{API}/api-keys/{row.pk}/").status_code == 403
    assert pm_api.delete(f"{API}/api-keys/{row.pk}/").status_code == 204


def test_the_key_list_costs_the_same_whatever_its_length(
    admin_api, partner, django_assert_num_queries
):
    make_api_key(partner)
    admin_api.get(f"{API}/api-keys/")  # the token's first use
    with django_assert_num_queries(3):  # token with scope and membership, count, page
        assert admin_api.get(f"{API}/api-keys/").json()["count"] == 1
    for n in range(5):
        make_api_key(partner, name=f"Clé {n}")
    with django_assert_num_queries(3):
        assert admin_api.get(f"{API}/api-keys/").json()["count"] == 6


# --- Calling the API with a key ----------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["Bearer", "Token"])
def test_a_partner_key_acts_as_the_partners_admin(partner, keyword):
    _row, key = make_api_key(partner)
    body = key_client(key, keyword).get(f"{API}/me/").json()
    assert body["partner"] == {"id": partner.pk, "name": partner.name}
    assert body["roles"] == ["admin"]
    assert body["is_staff"] is False


def test_an_hp_key_acts_as_a_programme_manager(partner, other_partner):
    _row, key = make_api_key(None)
    client = key_client(key)
    body = client.get(f"{API}/me/").json()
    assert (body["partner"], body["roles"], body["is_staff"]) == (
        None,
        ["programme_manager"],
        True,
    )
    assert client.get(f"{API}/partners/").json()["count"] == 2


def test_a_call_outside_the_keys_scopes_is_403_scope_missing(partner):
    covered_asset(partner)
    _row, key = make_api_key(partner, scopes=["tickets:read"])
    client = key_client(key)

    assert client.get(f"{API}/tickets/").status_code == 200
    refused_write = client.post(f"{API}/tickets/", {}, format="json")
    refused_area = client.get(f"{API}/contracts/")

    for response in (refused_write, refused_area):
        assert response.status_code == 403
        assert codes(response) == [(None, "scope_missing")]
    assert "tickets:write" in refused_write.json()["errors"][0]["message"]
    assert "contracts:read" in refused_area.json()["errors"][0]["message"]


def test_a_write_scope_includes_reading(partner):
    _row, key = make_api_key(partner, scopes=["contracts:write"])
    assert key_client(key).get(f"{API}/customers/").status_code == 200


def test_a_key_opens_a_ticket_as_its_service_identity(partner):
    asset = covered_asset(partner)
    row, key = make_api_key(partner, scopes=["tickets:write"], name="Zammad")
    response = key_client(key).post(
        f"{API}/tickets/",
        {"asset": asset.pk, "severity": 2, "kind": "incident", "summary": "Panne"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get()
    assert ticket.opened_by == row.user
    assert ticket.partner == partner


def test_a_partner_key_sees_only_its_partners_data(partner, other_partner):
    ours, theirs = covered_asset(partner), covered_asset(other_partner)
    _row, key = make_api_key(partner)
    client = key_client(key)
    assert [a["id"] for a in client.get(f"{API}/assets/").json()["results"]] == [ours.pk]
    assert client.get(f"{API}/assets/{theirs.pk}/").status_code == 404
    assert client.get(f"{API}/partners/{other_partner.pk}/").status_code == 404
    assert client.get(f"{API}/entitlements/?serial={theirs.serial_number}").json() == []


@pytest.mark.parametrize("case", ["unknown prefix", "wrong secret", "expired", "inactive"])
def test_a_key_that_does_not_open_is_401(partner, clock, case):
    row, key = make_api_key(partner, expires_at=NOW + timedelta(days=30))
    expected = "authentication_failed"
    if case == "unknown prefix":
        key = "sok_" + "z" * 10 + key[14:]
    elif case == "wrong secret":
        key = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    elif case == "expired":
        clock.move_to(NOW + timedelta(days=30))
        expected = "key_expired"
    else:
        get_user_model().objects.filter(pk=row.user_id).update(is_active=False)

    response = key_client(key).get(f"{API}/me/")

    assert response.status_code == 401
    assert codes(response) == [(None, expected)]
    assert response.has_header("WWW-Authenticate")


def test_a_key_cannot_manage_keys_nor_revoke_a_token(partner):
    row, key = make_api_key(partner)
    client = key_client(key)
    for response in (
        client.get(f"{API}/api-keys/"),
        client.post(f"{API}/api-keys/", {"name": "x", "scopes": SCOPES}, format="json"),
        client.delete(f"{API}/api-keys/{row.pk}/"),
        client.delete(f"{API}/auth/token/"),
    ):
        assert response.status_code == 403
        assert codes(response) == [(None, "scope_missing")]
    assert ApiKey.objects.count() == 1
    row.refresh_from_db()
    assert row.revoked_at is None


def test_a_key_never_opens_the_pages_nor_the_admin(client, partner):
    _row, key = make_api_key(None)
    for path in ("/programme/", "/hp/programme/", "/admin/", "/tickets/"):
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 302, path
        assert "login" in response["Location"]


def test_the_service_identity_cannot_log_in_and_is_in_no_users_list(admin_api, partner):
    row, _key = make_api_key(partner)
    assert not row.user.has_usable_password()
    users = admin_api.get(f"{API}/partners/{partner.pk}/users/").json()["results"]
    assert row.user.username not in [u["username"] for u in users]


def test_last_used_is_written_at_most_once_a_minute(partner, clock):
    row, key = make_api_key(partner)
    client = key_client(key)
    client.get(f"{API}/me/")
    row.refresh_from_db()
    assert row.last_used_at == NOW

    clock.move_to(NOW + timedelta(seconds=50))
    client.get(f"{API}/me/")
    row.refresh_from_db()
    assert row.last_used_at == NOW

    clock.move_to(NOW + timedelta(seconds=61))
    client.get(f"{API}/me/")
    row.refresh_from_db()
    assert row.last_used_at == NOW + timedelta(seconds=61)


def test_a_key_call_costs_the_queries_of_a_token_call(partner, django_assert_num_queries):
    asset = covered_asset(partner)
    person = token_client(partner_user(partner, PartnerRole.SALES))
    _row, key = make_api_key(partner, scopes=["contracts:read"])
    integration = key_client(key)
    url = f"{API}/entitlements/?serial={asset.serial_number}"
    assert person.get(url).json() == integration.get(url).json() != []  # first use: last used

    with django_assert_num_queries(2):  # the credentials with the tenant scope, the look-up
        person.get(url)
    with django_assert_num_queries(2):
        integration.get(url)


# --- A person's token --------------------------------------------------------------------------


def test_a_person_revokes_their_own_token(admin_api, partner_admin):
    assert admin_api.get(f"{API}/me/").status_code == 200

    response = admin_api.delete(f"{API}/auth/token/")

    assert response.status_code == 204
    refused = admin_api.get(f"{API}/me/")
    assert refused.status_code == 401
    assert codes(refused) == [(None, "authentication_failed")]
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=partner_admin).exists()
    assert token_client(partner_admin).get(f"{API}/me/").status_code == 200  # a new one


def test_revoking_a_token_needs_the_caller(anon_api, db):
    response = anon_api.delete(f"{API}/auth/token/")
    assert response.status_code == 401
    assert codes(response) == [(None, "not_authenticated")]


def test_hp_staff_revoke_their_token_the_same_way(db):
    client = token_client(staff_user(StaffRole.PROGRAMME_MANAGER))
    assert client.delete(f"{API}/auth/token/").status_code == 204
    assert client.get(f"{API}/me/").status_code == 401


def test_changing_ones_password_revokes_ones_token(admin_api, client, partner_admin):
    assert admin_api.get(f"{API}/me/").status_code == 200
    client.force_login(partner_admin)
    new = "Un-nouveau-mot-de-passe-2026"
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert admin_api.get(f"{API}/me/").status_code == 401


@pytest.mark.parametrize("credentials", ["sok_abc\x00defghi_xyz", "abc\x00def", "clé-à-moi"])
def test_credentials_no_key_or_token_can_hold_are_refused_before_the_database(
    db, credentials, django_assert_num_queries
):
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework.test import APIRequestFactory

    from servicone.api.authentication import TokenAuthentication

    request = APIRequestFactory().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {credentials}")
    with django_assert_num_queries(0), pytest.raises(AuthenticationFailed):
        TokenAuthentication().authenticate(request)
