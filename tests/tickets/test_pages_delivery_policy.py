"""« Politique de délivrance » under « Mon programme »: read, save, simulate."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from partners.models import DeliveryPolicy
from tests.partners.factories import delivery_policy
from tests.partners.pages import PARIS, in_english, text
from tests.tickets.factories import covered_asset
from tickets.services import ticket_open

URL = "/programme/delivery-policy/"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
FORM = {
    "departments": ["59", "62"],
    "staffed_coverage": "9x5",
    "hand_back_at_opening": "on",
    "max_open_tickets_per_engineer": "",
    "effective_from": "2026-11-26",
}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_an_admin_saves_a_version_and_reads_it(client, partner, partner_admin):
    client.force_login(partner_admin)
    response = client.post(URL, {**FORM, "action": "save"})
    assert response.status_code == 302
    policy = DeliveryPolicy.objects.get(partner=partner)
    assert policy.departments == ["59", "62"]
    page = text(client.get(URL))
    assert "59 — Nord, 62 — Pas-de-Calais" in page
    assert "En vigueur depuis le 26/11/2026" in page


def test_the_page_reads_in_english(client, partner, partner_admin):
    delivery_policy(partner, departments=["59"])
    client.force_login(partner_admin)
    in_english(client)
    page = text(client.get(URL))
    assert "Delivery policy" in page
    assert "In force since" in page
    assert "Monday to Friday" in page


def test_bad_input_shows_the_error_and_saves_nothing(client, partner, partner_admin):
    client.force_login(partner_admin)
    response = client.post(URL, {**FORM, "effective_from": "2026-11-01", "action": "save"})
    assert response.status_code == 400
    assert "ne peut pas prendre effet dans le passé" in text(response)
    assert not DeliveryPolicy.objects.exists()


def test_the_partners_other_people_read_only(client, partner, partner_engineer):
    delivery_policy(partner, departments=["59"])
    client.force_login(partner_engineer)
    page = text(client.get(URL))
    assert "59 — Nord" in page
    assert 'data-testid="policy-form"' not in client.get(URL).content.decode()
    assert client.post(URL, {**FORM, "action": "save"}).status_code == 403


def test_hp_reads_a_partners_policy(client, partner, programme_manager):
    delivery_policy(partner, departments=["59"])
    client.force_login(programme_manager)
    response = client.get(f"/hp/partners/{partner.pk}/delivery-policy/")
    assert response.status_code == 200
    assert "59 — Nord" in text(response)
    assert 'data-testid="policy-form"' not in response.content.decode()


def test_another_partners_policy_page_does_not_exist(client, partner, other_admin):
    client.force_login(other_admin)
    assert client.get(f"/hp/partners/{partner.pk}/delivery-policy/").status_code == 404


def _history(partner, actor, count):
    asset = covered_asset(partner, site_kwargs={"postal_code": "13001"})
    lille = covered_asset(partner, site_kwargs={"postal_code": "59000"})
    for i in range(count):
        ticket_open(
            asset=asset if i % 2 else lille,
            severity=2,
            kind="incident",
            summary=f"Panne {i}",
            actor=actor,
            at=NOW - timedelta(minutes=1 + i),
        )


@pytest.mark.parametrize("tickets", [2, 8])
def test_the_what_if_counts_the_last_three_months_in_a_fixed_number_of_queries(
    client, partner, partner_admin, django_assert_num_queries, tickets
):
    _history(partner, partner_admin, tickets)
    client.force_login(partner_admin)
    client.get(URL)  # session, caches
    # Session, the user (with its roles and membership), the versions (2), the scheduled ones, the product lines
    # (validation, then the form's checkboxes), the what-if's tickets: not one per ticket.
    with django_assert_num_queries(7):
        response = client.post(URL, {**FORM, "action": "what_if"})
    page = text(response)
    assert response.status_code == 200
    half = tickets // 2
    assert f"partenaire {half}, CDS {half}" in page
    assert not DeliveryPolicy.objects.exists()  # nothing saved
