"""The API keys pages: a partner's admins manage its keys under « Mon programme », HP staff see
every key and programme managers manage HP's. A new key is shown once."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine

from servicone.access import PartnerRole, StaffRole
from servicone.models import ApiKey, AuditEvent
from tests.partners.factories import partner_user, staff_user
from tests.partners.pages import PARIS, in_english, text
from tests.servicone.factories import key_client, make_api_key

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
KEY = re.compile(r"sok_[a-z0-9]{10}_[\w-]+")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def new_key(client, url="/programme/api-keys/", **data):
    return client.post(
        url,
        {"name": "ServiceNow", "scopes": ["tickets:write", "contracts:read"], "validity_days": 90}
        | data,
    )


def test_a_partner_admin_creates_a_key_and_sees_it_once(client, partner, partner_admin):
    client.force_login(partner_admin)

    response = new_key(client)

    assert response.status_code == 200
    shown = KEY.findall(text(response))
    assert len(shown) == 1
    key = ApiKey.objects.get()
    assert (key.partner, key.name, key.created_by) == (partner, "ServiceNow", partner_admin)
    assert key.scope_list == ["contracts:read", "tickets:write"]
    assert key.expires_at == NOW + timedelta(days=90)
    assert "Copiez-la maintenant" in text(response)
    # The key works, and is never shown again.
    assert key_client(shown[0]).get("/api/v1/me/").status_code == 200
    again = client.get("/programme/api-keys/")
    assert KEY.findall(text(again)) == []
    assert f"sok_{key.prefix}…" in text(again)


def test_a_key_without_scopes_is_refused_on_the_form(client, partner_admin):
    client.force_login(partner_admin)
    response = new_key(client, scopes=[])
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_revoking_from_the_page(client, partner, partner_admin):
    key, secret = make_api_key(partner, by=partner_admin)
    client.force_login(partner_admin)

    response = client.post(f"/programme/api-keys/{key.pk}/revoke/")

    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at == NOW
    assert key_client(secret).get("/api/v1/me/").status_code == 401
    assert "Révoquée" in text(client.get("/programme/api-keys/"))
    assert AuditEvent.objects.filter(action="api_key.revoke", actor=partner_admin).exists()


def test_another_partners_key_cannot_be_revoked_from_the_page(client, partner_admin, other_partner):
    theirs, _ = make_api_key(other_partner)
    client.force_login(partner_admin)
    assert client.post(f"/programme/api-keys/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


@pytest.mark.parametrize("role", [PartnerRole.SALES, PartnerRole.ENGINEER])
def test_only_the_partners_admins_manage_its_keys(client, partner, role):
    client.force_login(partner_user(partner, role))
    assert client.get("/programme/api-keys/").status_code == 403
    assert new_key(client).status_code == 403


def test_hp_staff_see_every_key_and_programme_managers_make_hp_keys(client, partner, other_partner):
    make_api_key(partner, name="Clé Ovesys")
    make_api_key(other_partner, name="Clé Concurrent")
    cds = staff_user(StaffRole.CDS_DISPATCHER)
    client.force_login(cds)
    page = text(client.get("/hp/api-keys/"))
    assert "Clé Ovesys" in page
    assert "Clé Concurrent" in page
    assert "Créer une clé HP" not in page
    assert new_key(client, "/hp/api-keys/").status_code == 403

    client.force_login(staff_user(StaffRole.PROGRAMME_MANAGER))
    response = new_key(client, "/hp/api-keys/", name="Supervision HP")
    assert response.status_code == 200
    assert ApiKey.objects.get(name="Supervision HP").partner is None
    assert len(KEY.findall(text(response))) == 1
    ours = ApiKey.objects.get(name="Clé Ovesys")
    assert client.post(f"/hp/api-keys/{ours.pk}/revoke/").status_code == 302
    ours.refresh_from_db()
    assert ours.revoked_at is not None


def test_the_keys_page_reads_in_english(client, partner_admin):
    make_api_key(partner_admin.membership.partner, scopes=["reports:read"])
    client.force_login(partner_admin)
    in_english(client)
    page = text(client.get("/programme/api-keys/"))
    assert "API keys" in page
    assert "Reports — read" in page
    assert "Create the key" in page


def test_the_keys_page_costs_the_same_whatever_the_number_of_keys(
    client, partner, partner_admin, django_assert_num_queries
):
    make_api_key(partner, by=partner_admin)
    client.force_login(partner_admin)
    client.get("/programme/api-keys/")
    with django_assert_num_queries(4) as captured:
        client.get("/programme/api-keys/")
    for n in range(5):
        make_api_key(partner, by=partner_admin, name=f"Clé {n}")
    with django_assert_num_queries(len(captured)):
        assert text(client.get("/programme/api-keys/")).count("sok_") == 6


def test_hps_keys_page_costs_the_same_whatever_the_number_of_keys(
    client, partner, other_partner, django_assert_num_queries
):
    make_api_key(partner)
    client.force_login(staff_user(StaffRole.PROGRAMME_MANAGER))
    client.get("/hp/api-keys/")
    with django_assert_num_queries(4) as captured:
        client.get("/hp/api-keys/")
    for n in range(3):
        make_api_key(other_partner, name=f"Clé {n}")
        make_api_key(None, name=f"Clé HP {n}")
    with django_assert_num_queries(len(captured)):
        assert text(client.get("/hp/api-keys/")).count("sok_") == 7
