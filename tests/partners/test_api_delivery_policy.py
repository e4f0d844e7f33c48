"""``partners/{id}/delivery-policy/``: its admins write versions, its people and HP read."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from partners.models import DeliveryPolicy
from servicone.models import AuditEvent
from tests.partners.factories import delivery_policy

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
BODY = {
    "departments": ["62", "59", "2A"],
    "staffed_coverage": "9x5",
    "hand_back_at_opening": True,
    "product_lines_declined": ["3par"],
    "max_open_tickets_per_engineer": 3,
}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def url(partner):
    return f"/api/v1/partners/{partner.pk}/delivery-policy/"


def test_an_admin_saves_a_version_in_force_today_and_it_is_audited(admin_api, partner):
    response = admin_api.put(url(partner), BODY, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["departments"] == ["2A", "59", "62"]  # the table's order
    assert body["effective_from"] == "2026-11-26"
    assert body["in_force"] is True
    assert body["product_lines_declined"] == ["3par"]
    assert (body["staffed_coverage"], body["hand_back_at_opening"]) == ("9x5", True)
    assert body["max_open_tickets_per_engineer"] == 3
    audit = AuditEvent.objects.get(action="delivery_policy.set")
    assert audit.partner_id == partner.pk
    assert audit.data["departments"] == ["2A", "59", "62"]


def test_a_new_version_never_rewrites_the_old_one(admin_api, partner):
    old = delivery_policy(partner, departments=["59"])
    response = admin_api.put(url(partner), {**BODY, "effective_from": "2026-12-01"}, format="json")
    assert response.status_code == 200
    old.refresh_from_db()
    assert old.departments == ["59"]
    assert DeliveryPolicy.objects.filter(partner=partner).count() == 2
    # Today the old one is still in force.
    assert admin_api.get(url(partner)).json()["departments"] == ["59"]


def test_hp_reads_and_the_partners_people_read(pm_api, cds_api, sales_api, partner):
    delivery_policy(partner, departments=["59"])
    for client in (pm_api, cds_api, sales_api):
        response = client.get(url(partner))
        assert response.status_code == 200
        assert response.json()["departments"] == ["59"]


def test_hp_may_not_write_a_partners_policy(pm_api, partner):
    response = pm_api.put(url(partner), BODY, format="json")
    assert response.status_code == 403
    assert not DeliveryPolicy.objects.exists()


def test_a_sales_user_may_not_write_it(sales_api, partner):
    assert sales_api.put(url(partner), BODY, format="json").status_code == 403


def test_another_partners_policy_does_not_exist(other_api, partner):
    delivery_policy(partner)
    assert other_api.get(url(partner)).status_code == 404
    assert other_api.put(url(partner), BODY, format="json").status_code == 404


def test_without_a_policy_get_answers_empty_values(admin_api, partner):
    body = admin_api.get(url(partner)).json()
    assert body["departments"] == []
    assert body["effective_from"] is None
    assert body["in_force"] is False


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"departments": ["99"]}, "departments", "invalid_department"),
        ({"departments": []}, "departments", None),
        ({"staffed_coverage": "7x7"}, "staffed_coverage", None),
        ({"effective_from": "2026-11-25"}, "effective_from", "effective_from_past"),
        ({"max_open_tickets_per_engineer": 0}, "max_open_tickets_per_engineer", None),
        ({"product_lines_declined": ["nope"]}, "product_lines_declined", None),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(admin_api, partner, change, field, code):
    response = admin_api.put(url(partner), {**BODY, **change}, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == field
    if code:
        assert error["code"] == code
    assert not DeliveryPolicy.objects.exists()


def test_the_schema_describes_the_endpoint(admin_api):
    schema = admin_api.get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/partners/{id}/delivery-policy/"]
    assert set(operations) >= {"get", "put"}
    assert "patch" in schema["paths"]["/api/v1/partners/{id}/"]
    assert "put" not in schema["paths"]["/api/v1/partners/{id}/"]


def test_routing_reads_a_version_saved_through_the_api(admin_api, partner, partner_admin):
    from tests.tickets.factories import covered_asset
    from tickets.services import ticket_open

    asset = covered_asset(partner, site_kwargs={"postal_code": "13001"})
    admin_api.put(url(partner), {**BODY, "effective_from": date(2026, 11, 26)}, format="json")
    ticket = ticket_open(
        asset=asset, severity=2, kind="incident", summary="Panne", actor=partner_admin
    )
    assert ticket.routing_reason == "outside_delivery_area"
