"""Webhooks in the admin: read-only for HP, secrets never shown; disabling is the one
write, through the audited service."""

from __future__ import annotations

import pytest

from servicone.models import AuditEvent
from tests.partners.factories import UserFactory
from tests.webhooks.factories import endpoint
from webhooks.models import DisabledReason, Endpoint
from webhooks.services import endpoint_ping

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["programme_manager", "superuser"])
def hp_admin(request, client, db):
    if request.param == "superuser":
        user = UserFactory(username="root", is_staff=True, is_superuser=True)
    else:
        user = request.getfixturevalue("programme_manager")
    client.force_login(user)
    return client


def test_endpoints_are_listed_and_shown_without_their_secret(hp_admin, partner, partner_admin):
    hook, secret = endpoint(partner_admin, partner)
    endpoint_ping(endpoint=hook, actor=partner_admin)
    listing = hp_admin.get("/admin/webhooks/endpoint/")
    assert listing.status_code == 200
    assert hook.url in listing.content.decode()
    page = hp_admin.get(f"/admin/webhooks/endpoint/{hook.pk}/change/")
    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert hp_admin.get("/admin/webhooks/delivery/").status_code == 200


def test_nothing_is_added_changed_or_deleted_in_the_admin(hp_admin, partner, partner_admin):
    hook, _ = endpoint(partner_admin, partner)
    assert hp_admin.get("/admin/webhooks/endpoint/add/").status_code == 403
    assert (
        hp_admin.post(
            f"/admin/webhooks/endpoint/{hook.pk}/change/", {"url": "https://evil.example/"}
        ).status_code
        == 403
    )
    assert hp_admin.get(f"/admin/webhooks/endpoint/{hook.pk}/delete/").status_code == 403
    hook.refresh_from_db()
    assert hook.url == "https://hooks.example.com/servicone"


def test_hp_disables_endpoints_from_the_list_audited(hp_admin, partner, partner_admin):
    hook, _ = endpoint(partner_admin, partner)
    response = hp_admin.post(
        "/admin/webhooks/endpoint/",
        {"action": "disable_endpoints", "_selected_action": [hook.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 endpoint désactivé." in response.content.decode()
    hook.refresh_from_db()
    assert (hook.active, hook.disabled_reason) == (False, DisabledReason.MANUAL)
    assert AuditEvent.objects.filter(action="webhook.disable", object_id=hook.pk).exists()
    assert Endpoint.objects.count() == 1
