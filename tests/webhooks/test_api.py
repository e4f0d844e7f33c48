"""``webhooks/`` in the v1 API (API.md): endpoints, secret shown once, rotation, ping,
the delivery log and redelivery; tenancy (another partner's endpoint or delivery: 404),
rights (403), the error format, and lists whose queries do not grow with their size."""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicone.models import AuditEvent
from tests.webhooks.factories import NOW, endpoint
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.services import endpoint_ping

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"
EVENTS = ["ticket.opened", "sla.breached"]


def create(client, **body):
    payload = {"url": "https://hooks.example.com/in", "events": EVENTS, **body}
    return client.post(URL, payload, format="json")


def test_a_partner_admin_creates_an_endpoint_and_reads_its_secret_once(admin_api, partner):
    response = create(admin_api, description="GLPI")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["partner"] == partner.pk
    assert created["events"] == EVENTS
    assert created["active"] is True
    hook = Endpoint.objects.get(pk=created["id"])
    assert hook.secret == created["secret"]
    shown = admin_api.get(f"{URL}{hook.pk}/").json()
    assert "secret" not in shown
    assert all("secret" not in row for row in admin_api.get(URL).json()["results"])
    audit = AuditEvent.objects.get(action="webhook.create", object_id=hook.pk)
    assert created["secret"] not in str(audit.data)


def test_hp_staff_create_programme_wide_endpoints(pm_api, cds_api):
    for client in (pm_api, cds_api):
        response = create(client)
        assert response.status_code == 201
        assert response.json()["partner"] is None


@pytest.mark.parametrize("client", ["sales_api", "engineer_api"])
def test_other_partner_roles_have_no_webhooks(client, request, admin_api):
    api = request.getfixturevalue(client)
    assert create(api).status_code == 403
    assert api.get(URL).status_code == 403
    hook_id = create(admin_api).json()["id"]
    assert api.get(f"{URL}{hook_id}/").status_code == 403


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"url": "ftp://hooks.example.com/"}, "url", "invalid_url"),
        ({"url": "https://user:pw@hooks.example.com/"}, "url", "invalid_url"),
        ({"url": "https://127.0.0.1/in"}, "url", "unsafe_url"),
        ({"url": "https://[::1]/in"}, "url", "unsafe_url"),
        ({"url": "https://169.254.169.254/latest"}, "url", "unsafe_url"),
        ({"events": []}, "events", "min_length"),
        ({"events": ["ticket.deleted"]}, "events", "invalid_choice"),
    ],
)
def test_a_bad_endpoint_is_refused_naming_the_field(admin_api, body, field, code):
    response = create(admin_api, **body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
    assert not Endpoint.objects.exists()


def test_http_is_refused_in_production(admin_api, settings):
    settings.WEBHOOK_HTTPS_ONLY = True
    response = create(admin_api, url="http://hooks.example.com/in")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "https_required"
    settings.WEBHOOK_HTTPS_ONLY = False
    assert create(admin_api, url="http://hooks.example.com/in").status_code == 201


def test_patch_changes_url_events_and_active(admin_api):
    hook_id = create(admin_api).json()["id"]
    response = admin_api.patch(
        f"{URL}{hook_id}/",
        {"url": "https://new.example.com/", "events": ["contract.sold"], "active": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["url"], data["events"], data["active"]) == (
        "https://new.example.com/",
        ["contract.sold"],
        False,
    )
    assert data["disabled_reason"] == "manual"
    assert (
        admin_api.patch(f"{URL}{hook_id}/", {"active": True}, format="json").json()[
            "disabled_reason"
        ]
        == ""
    )
    assert AuditEvent.objects.filter(action="webhook.update", object_id=hook_id).count() == 2


def test_put_is_not_offered(admin_api):
    hook_id = create(admin_api).json()["id"]
    assert admin_api.put(f"{URL}{hook_id}/", {}, format="json").status_code == 405


def test_delete_removes_the_endpoint_and_is_audited(admin_api):
    hook_id = create(admin_api).json()["id"]
    assert admin_api.delete(f"{URL}{hook_id}/").status_code == 204
    assert not Endpoint.objects.filter(pk=hook_id).exists()
    assert AuditEvent.objects.filter(action="webhook.delete", object_id=hook_id).exists()


def test_rotating_the_secret_shows_the_new_one_and_keeps_the_old_24_hours(admin_api, clock):
    created = create(admin_api).json()
    response = admin_api.post(f"{URL}{created['id']}/rotate-secret/")
    assert response.status_code == 200
    rotated = response.json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    assert rotated["previous_secret_expires_at"] == (NOW + timedelta(hours=24)).isoformat()
    hook = Endpoint.objects.get(pk=created["id"])
    assert (hook.secret, hook.previous_secret) == (rotated["secret"], created["secret"])


def test_ping_queues_a_delivery_seen_in_the_log(admin_api):
    hook_id = create(admin_api).json()["id"]
    response = admin_api.post(f"{URL}{hook_id}/ping/")
    assert response.status_code == 202
    sent = response.json()
    assert sent["type"] == "ping"
    assert sent["status"] == "pending"
    assert sent["event_id"].startswith("evt_")
    log = admin_api.get(f"{URL}{hook_id}/deliveries/").json()
    assert [row["id"] for row in log["results"]] == [sent["id"]]
    assert set(log["results"][0]) >= {
        "id",
        "event_id",
        "type",
        "attempt",
        "status",
        "response_status",
        "latency_ms",
        "response_excerpt",
        "next_attempt_at",
    }


def test_an_inactive_endpoint_is_not_pinged(admin_api):
    hook_id = create(admin_api).json()["id"]
    admin_api.patch(f"{URL}{hook_id}/", {"active": False}, format="json")
    response = admin_api.post(f"{URL}{hook_id}/ping/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "endpoint_inactive"


def test_a_failed_delivery_is_redelivered_on_request(admin_api, partner_admin):
    hook = Endpoint.objects.get(pk=create(admin_api).json()["id"])
    delivery = endpoint_ping(endpoint=hook, actor=partner_admin)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempt=8, next_attempt_at=None
    )
    response = admin_api.post(f"{URL}{hook.pk}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at is not None
    assert AuditEvent.objects.filter(action="webhook.redeliver").exists()


def test_the_log_filters_by_status_and_refuses_an_unknown_one(admin_api, partner_admin):
    hook = Endpoint.objects.get(pk=create(admin_api).json()["id"])
    endpoint_ping(endpoint=hook, actor=partner_admin)
    assert admin_api.get(f"{URL}{hook.pk}/deliveries/?status=failed").json()["count"] == 0
    assert admin_api.get(f"{URL}{hook.pk}/deliveries/?status=pending").json()["count"] == 1
    response = admin_api.get(f"{URL}{hook.pk}/deliveries/?status=lost")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"


# --- Tenancy and rights ------------------------------------------------------------------------


def test_another_partners_endpoint_and_delivery_are_404(admin_api, other_api, other_admin):
    theirs = Endpoint.objects.get(pk=create(other_api).json()["id"])
    delivery = endpoint_ping(endpoint=theirs, actor=other_admin)
    mine = create(admin_api).json()["id"]
    for method, path in [
        ("get", f"{URL}{theirs.pk}/"),
        ("patch", f"{URL}{theirs.pk}/"),
        ("delete", f"{URL}{theirs.pk}/"),
        ("post", f"{URL}{theirs.pk}/rotate-secret/"),
        ("post", f"{URL}{theirs.pk}/ping/"),
        ("get", f"{URL}{theirs.pk}/deliveries/"),
        ("post", f"{URL}{theirs.pk}/deliveries/{delivery.pk}/redeliver/"),
        # Their delivery through my endpoint: no such delivery of mine.
        ("post", f"{URL}{mine}/deliveries/{delivery.pk}/redeliver/"),
    ]:
        response = getattr(admin_api, method)(path, {}, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json()["errors"][0]["code"] == "not_found"
    assert [row["id"] for row in admin_api.get(URL).json()["results"]] == [mine]
    assert Endpoint.objects.get(pk=theirs.pk).secret == theirs.secret


def test_hp_staff_read_every_endpoint_and_change_only_the_programmes(pm_api, admin_api, partner):
    partners = create(admin_api).json()["id"]
    programme = create(pm_api).json()["id"]
    listed = pm_api.get(URL).json()["results"]
    assert {row["id"] for row in listed} == {partners, programme}
    assert pm_api.get(f"{URL}?programme_wide=true").json()["count"] == 1
    assert pm_api.get(f"{URL}?partner={partner.pk}").json()["count"] == 1
    assert pm_api.get(f"{URL}{partners}/deliveries/").status_code == 200
    assert pm_api.patch(f"{URL}{partners}/", {"active": False}, format="json").status_code == 403
    assert pm_api.post(f"{URL}{partners}/rotate-secret/").status_code == 403
    assert pm_api.patch(f"{URL}{programme}/", {"active": False}, format="json").status_code == 200


def test_a_partner_admin_never_sees_programme_wide_endpoints(admin_api, pm_api):
    programme = create(pm_api).json()["id"]
    assert admin_api.get(URL).json()["count"] == 0
    assert admin_api.get(f"{URL}{programme}/").status_code == 404


def test_an_id_beyond_64_bits_in_a_filter_is_a_400(pm_api):
    response = pm_api.get(f"{URL}?partner={2**70}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "partner"


# --- Queries -----------------------------------------------------------------------------------


def test_the_list_costs_the_same_queries_for_1_or_30_endpoints(
    admin_api, partner, partner_admin, django_assert_num_queries
):
    endpoint(partner_admin, partner)
    # token (with the tenant scope and the membership), staff roles (the rights), count, page
    with django_assert_num_queries(4):
        assert admin_api.get(URL).json()["count"] == 1
    for i in range(29):
        endpoint(partner_admin, partner, f"https://h{i}.example.com/")
    with django_assert_num_queries(4):
        assert len(admin_api.get(URL).json()["results"]) == 30


def test_the_delivery_log_costs_the_same_queries_for_1_or_30_deliveries(
    admin_api, partner, partner_admin, django_assert_num_queries
):
    hook, _ = endpoint(partner_admin, partner)
    endpoint_ping(endpoint=hook, actor=partner_admin)
    path = f"{URL}{hook.pk}/deliveries/"
    # token (with the membership), staff roles, the endpoint, count, page (events joined)
    with django_assert_num_queries(5):
        assert admin_api.get(path).json()["count"] == 1
    for _ in range(29):
        endpoint_ping(endpoint=hook, actor=partner_admin)
    with django_assert_num_queries(5):
        assert len(admin_api.get(path).json()["results"]) == 30


def test_the_openapi_schema_describes_the_webhook_endpoints(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/webhooks/"]) >= {"get", "post"}
    assert set(paths["/api/v1/webhooks/{id}/"]) >= {"get", "patch", "delete"}
    assert "put" not in paths["/api/v1/webhooks/{id}/"]
    assert "post" in paths["/api/v1/webhooks/{id}/rotate-secret/"]
    assert "post" in paths["/api/v1/webhooks/{id}/ping/"]
    assert "get" in paths["/api/v1/webhooks/{id}/deliveries/"]
    assert "post" in paths["/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver/"]
    components = schema["components"]["schemas"]
    assert "secret" in components["WebhookEndpointWithSecret"]["properties"]
    assert "secret" not in components["WebhookEndpoint"]["properties"]
    statuses = components["WebhookDeliveryStatusEnum"]["enum"]
    assert set(statuses) == {"pending", "delivered", "failed"}
    assert "ping" in components["WebhookEventTypeEnum"]["enum"]
    assert "ping" not in components["WebhookSubscribableEventEnum"]["enum"]


def test_a_retried_creation_with_the_same_idempotency_key_creates_one_endpoint(admin_api):
    body = {"url": "https://hooks.example.com/in", "events": EVENTS}
    first = admin_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    again = admin_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()  # the secret too: the client may have lost it
    assert Endpoint.objects.count() == 1
