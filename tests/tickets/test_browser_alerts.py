"""In Chromium: a manager chooses a digest, a person mutes a ticket (French, then English).

The flood itself (overdue warnings not sent, one message per ticket after an outage) is
the sweep's, tested in ``test_sla_notifications``; here is what people do about it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from servicone.models import NotificationPreference
from tests.conftest import login
from tests.partners.factories import PASSWORD
from tests.tickets.factories import covered_asset
from tickets.models import TicketMute
from tickets.services import ticket_open


def in_english(page):
    page.click("button[data-lang=en]")
    page.wait_for_load_state()


@pytest.mark.browser
def test_a_dispatcher_chooses_a_daily_digest_then_hourly_in_english(page, cds_dispatcher):
    login(page, "cds.disp", PASSWORD)
    page.click("[data-testid=account-menu] summary")
    page.click("[data-testid=account-menu] >> text=Envoi des notifications")
    expect(page.locator("h1")).to_have_text("Envoi des notifications")

    page.check("input[name=email_frequency][value=daily]")
    page.click("[data-testid=save-preferences]")
    expect(page.locator(".messages")).to_contain_text("Vos préférences d'envoi sont enregistrées.")
    expect(page.locator("input[name=email_frequency][value=daily]")).to_be_checked()
    assert NotificationPreference.objects.get(user=cds_dispatcher).email_frequency == "daily"

    in_english(page)
    expect(page.locator("h1")).to_have_text("E-mailing of notifications")
    page.get_by_label("One digest an hour").check()
    page.click("[data-testid=save-preferences]")
    expect(page.locator(".messages")).to_contain_text("Your e-mail preferences are saved.")
    assert NotificationPreference.objects.get(user=cds_dispatcher).email_frequency == "hourly"


@pytest.mark.browser
def test_an_engineer_mutes_a_ticket_then_hears_of_it_again_in_english(
    page, partner, partner_admin, partner_engineer
):
    ticket = ticket_open(
        asset=covered_asset(partner),
        severity=2,
        kind="incident",
        summary="Alimentation en panne",
        actor=partner_admin,
    )
    login(page, "p.engineer", PASSWORD)
    page.goto(f"{page.base_url}/tickets/{ticket.pk}/")

    page.click("[data-testid=mute]")
    expect(page.locator(".messages")).to_contain_text("Ticket en sourdine")
    expect(page.locator("[data-testid=muted]")).to_have_text("En sourdine")
    assert TicketMute.objects.filter(ticket=ticket, user=partner_engineer).exists()

    in_english(page)
    expect(page.locator("[data-testid=muted]")).to_have_text("Muted")
    page.click("[data-testid=unmute]")
    expect(page.locator(".messages")).to_contain_text(
        "You will be notified about this ticket again."
    )
    expect(page.locator("[data-testid=mute]")).to_have_text("Mute")
    assert not TicketMute.objects.exists()
