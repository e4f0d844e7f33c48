"""« Webhooks » pages: a partner administrator's endpoints, HP's programme-wide ones; the
secret shown once, edit, rotate, ping, disable, delete, the delivery log and redelivery."""

from __future__ import annotations

import pytest

from servicone.models import AuditEvent
from tests.partners.pages import in_english, text
from tests.webhooks.factories import endpoint
from webhooks.models import Delivery, DeliveryStatus, DisabledReason, Endpoint
from webhooks.services import endpoint_ping

pytestmark = pytest.mark.django_db

NEW = {
    "url": "https://glpi.ovesys.example/hooks",
    "description": "GLPI",
    "events": ["ticket.opened", "sla.breached"],
}


def test_a_partner_admin_creates_an_endpoint_and_sees_its_secret_once(client, partner_admin):
    client.force_login(partner_admin)
    response = client.post("/webhooks/new/", NEW, follow=True)
    hook = Endpoint.objects.get()
    assert response.redirect_chain[-1][0] == f"/webhooks/{hook.pk}/"
    page = text(response)
    assert "Endpoint créé." in page
    assert hook.secret in page
    assert "il ne sera plus jamais affiché" in page
    assert hook.events == ["ticket.opened", "sla.breached"]
    # Shown once: the next visit does not show it.
    again = text(client.get(f"/webhooks/{hook.pk}/"))
    assert hook.secret not in again
    assert "ticket.opened" in again


def test_a_bad_url_is_shown_on_the_form(client, partner_admin):
    client.force_login(partner_admin)
    response = client.post("/webhooks/new/", {**NEW, "url": "https://10.0.0.8/in"})
    assert response.status_code == 400
    assert "Cette adresse est privée ou réservée" in text(response)
    assert not Endpoint.objects.exists()


def test_the_list_shows_the_partners_endpoints_and_their_state(client, partner, partner_admin):
    endpoint(partner_admin, partner, "https://a.example.com/")
    off, _ = endpoint(partner_admin, partner, "https://b.example.com/")
    Endpoint.objects.filter(pk=off.pk).update(active=False, disabled_reason=DisabledReason.FAILING)
    client.force_login(partner_admin)
    page = text(client.get("/webhooks/"))
    assert "https://a.example.com/" in page
    assert "Désactivé : aucun succès depuis 5 jours" in page
    assert "Ajouter un endpoint" in page


def test_edit_rotate_ping_disable_and_delete(client, partner, partner_admin):
    hook, old = endpoint(partner_admin, partner)
    client.force_login(partner_admin)
    detail = f"/webhooks/{hook.pk}/"

    response = client.post(
        detail, {"url": "https://new.example.com/", "events": ["contract.sold"], "active": "on"}
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.url, hook.events) == ("https://new.example.com/", ["contract.sold"])

    page = text(client.post(f"{detail}rotate-secret/", follow=True))
    hook.refresh_from_db()
    assert hook.secret != old
    assert hook.secret in page
    assert "l'ancien reste valable 24 h" in page

    page = text(client.post(f"{detail}ping/", follow=True))
    assert "Ping envoyé" in page
    assert Delivery.objects.get(endpoint=hook).event.type == "ping"

    client.post(f"{detail}disable/")
    hook.refresh_from_db()
    assert (hook.active, hook.disabled_reason) == (False, DisabledReason.MANUAL)

    response = client.post(f"{detail}delete/", follow=True)
    assert "Endpoint supprimé" in text(response)
    assert not Endpoint.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "webhook.create",
        "webhook.update",
        "webhook.rotate_secret",
        "webhook.disable",
        "webhook.delete",
    } <= actions


def test_the_log_shows_each_delivery_and_redelivers_on_request(client, partner, partner_admin):
    hook, _ = endpoint(partner_admin, partner)
    delivery = endpoint_ping(endpoint=hook, actor=partner_admin)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED,
        attempt=8,
        response_status=500,
        latency_ms=42,
        response_excerpt="Internal Server Error",
        next_attempt_at=None,
    )
    client.force_login(partner_admin)
    page = text(client.get(f"/webhooks/{hook.pk}/"))
    assert delivery.event.uid in page
    assert "Échec" in page
    assert "42 ms" in page
    assert "Internal Server Error" in page

    page = text(
        client.post(f"/webhooks/{hook.pk}/deliveries/{delivery.pk}/redeliver/", follow=True)
    )
    assert "Livraison relancée." in page
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING


def test_hp_staff_manage_programme_endpoints_and_read_partners(
    client, partner, partner_admin, cds_dispatcher
):
    theirs, _ = endpoint(partner_admin, partner, "https://partner.example.com/")
    client.force_login(cds_dispatcher)
    client.post("/webhooks/new/", {**NEW, "url": "https://hp.example.com/in"})
    ours = Endpoint.objects.get(partner__isnull=True)
    page = text(client.get("/webhooks/"))
    assert "Endpoints du programme" in page
    assert "https://hp.example.com/in" in page
    assert "Endpoints des partenaires" in page
    assert "https://partner.example.com/" in page
    # A partner's endpoint: read-only.
    detail = text(client.get(f"/webhooks/{theirs.pk}/"))
    assert "Changer le secret" not in detail
    assert client.post(f"/webhooks/{theirs.pk}/rotate-secret/").status_code == 403
    assert client.post(f"/webhooks/{theirs.pk}/disable/").status_code == 403
    assert "Changer le secret" in text(client.get(f"/webhooks/{ours.pk}/"))


def test_a_programme_manager_may_switch_a_partners_endpoint_off(
    client, partner, partner_admin, programme_manager
):
    theirs, _ = endpoint(partner_admin, partner)
    client.force_login(programme_manager)
    assert client.post(f"/webhooks/{theirs.pk}/disable/").status_code == 302
    theirs.refresh_from_db()
    assert not theirs.active


def test_another_partners_endpoint_is_404_and_other_roles_403(
    client, partner, partner_admin, partner_sales, other_partner, other_admin
):
    theirs, _ = endpoint(other_admin, other_partner)
    client.force_login(partner_admin)
    assert client.get(f"/webhooks/{theirs.pk}/").status_code == 404
    assert client.post(f"/webhooks/{theirs.pk}/delete/").status_code == 404
    assert Endpoint.objects.filter(pk=theirs.pk).exists()
    client.force_login(partner_sales)
    assert client.get("/webhooks/").status_code == 403


def test_the_pages_speak_english(client, partner, partner_admin):
    hook, _ = endpoint(partner_admin, partner)
    endpoint_ping(endpoint=hook, actor=partner_admin)
    client.force_login(partner_admin)
    in_english(client)
    listing = text(client.get("/webhooks/"))
    assert "Add an endpoint" in listing
    detail = text(client.get(f"/webhooks/{hook.pk}/"))
    assert "Delivery log" in detail
    assert "Send a ping" in detail
    assert "Pending" in detail


def test_the_pages_cost_the_same_queries_for_1_or_30_rows(
    client, partner, partner_admin, django_assert_num_queries
):
    hook, _ = endpoint(partner_admin, partner)
    endpoint_ping(endpoint=hook, actor=partner_admin)
    client.force_login(partner_admin)
    client.get("/webhooks/")  # the session is warm
    # session, the user (with its roles and membership), the endpoints (counts joined), unread bell
    with django_assert_num_queries(4) as listing:
        client.get("/webhooks/")
    # session, the user (with its roles and membership), the endpoint, the log's count, unread bell,
    # the log's page (events joined)
    with django_assert_num_queries(6) as detail:
        client.get(f"/webhooks/{hook.pk}/")
    for i in range(29):
        endpoint(partner_admin, partner, f"https://h{i}.example.com/")
        endpoint_ping(endpoint=hook, actor=partner_admin)
    with django_assert_num_queries(len(listing)):
        client.get("/webhooks/")
    with django_assert_num_queries(len(detail)):
        client.get(f"/webhooks/{hook.pk}/")
