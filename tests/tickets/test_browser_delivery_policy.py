"""In Chromium, in French and in English: a partner admin simulates then saves its delivery
policy, and a ticket opened outside the new area goes to CDS with the reason (issue 16)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from partners.models import DeliveryPolicy
from tests.conftest import login
from tests.partners.factories import PASSWORD
from tests.tickets.factories import covered_asset
from tickets.models import Ticket

TEXTS = {
    "fr": {
        "saved": "Politique de délivrance enregistrée.",
        "what_if": "partenaire 0, CDS 0",
        "reason": "est hors de la zone d'intervention du partenaire",
    },
    "en": {
        "saved": "Delivery policy saved.",
        "what_if": "partner 0, CDS 0",
        "reason": "is outside the partner's delivery area",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_admin_edits_the_policy_and_a_ticket_is_routed_by_it(
    page, partner, partner_admin, language
):
    said = TEXTS[language]
    covered_asset(
        partner,
        serial_number="CZJ0000016",
        model="ProLiant DL360 Gen10",
        site_kwargs={"postal_code": "13001", "city": "Marseille"},
    )
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
    login(page, "p.admin", PASSWORD)

    page.goto(f"{page.base_url}/programme/")
    page.click("[data-testid=delivery-policy-link]")
    page.select_option("#id_departments", ["59", "62"])
    page.check("input[name=staffed_coverage][value='24x7']")
    # Simulated first: nothing saved, the last three months said.
    page.click("[data-testid=what-if-button]")
    expect(page.locator("[data-testid=what-if]")).to_contain_text(said["what_if"])
    assert not DeliveryPolicy.objects.exists()
    page.click("button[value=save]")
    expect(page.locator(".messages")).to_contain_text(said["saved"])
    expect(page.locator("[data-testid=policy-in-force]")).to_contain_text("59 — Nord")
    page.screenshot(path=f"/tmp/f-policy/delivery-policy-{language}.png", full_page=True)

    page.goto(f"{page.base_url}/tickets/new/")
    page.fill("#id_serial", "CZJ0000016")
    page.click("[data-testid=lookup]")
    page.fill("#id_summary", "Serveur arrêté à Marseille")
    page.click("[data-testid=submit-ticket]")
    ticket = Ticket.objects.get()
    assert (ticket.delivered_by, ticket.routing_reason) == ("cds", "outside_delivery_area")
    expect(page.locator("body")).to_contain_text(said["reason"])
    page.screenshot(path=f"/tmp/f-policy/ticket-routed-{language}.png", full_page=True)
