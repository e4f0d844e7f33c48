"""End to end in Chromium: a ticket from its serial number to the CDS queue; countdowns turning breached.

The browser and the live server share the real clock: nothing here waits for time to pass.
A deadline in the past is made by opening the ticket at a past instant (the service's ``at``),
and the client-side switch to « Dépassé » is driven by calling the countdown's tick function.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from partners.models import Engineer
from tests.conftest import login
from tests.partners.factories import PASSWORD
from tests.tickets.factories import covered_asset
from tickets import sla
from tickets.models import Organisation, SlaState, SlaTarget, Status, Ticket
from tickets.services import ticket_open


@pytest.fixture
def browser(_playwright_browser):
    """The session's Chromium, for a second user's context."""
    return _playwright_browser


@pytest.mark.browser
def test_a_partner_opens_works_and_hands_over_a_ticket_that_cds_then_sees(
    page, browser, partner, partner_engineer, cds_dispatcher
):
    asset = covered_asset(partner)
    engineer = Engineer.objects.get(partner=partner)

    login(page, "p.engineer", PASSWORD)
    page.click("nav.mainnav >> text=Tickets")
    page.click("[data-testid=open-ticket]")

    # 1. The serial number first: the asset, its site and its coverage before submitting.
    page.fill("#id_serial", asset.serial_number)
    page.click("[data-testid=lookup]")
    card = page.locator("[data-testid=asset]")
    expect(card.locator("[data-testid=customer]")).to_have_text(asset.customer.name)
    expect(card.locator("[data-testid=coverage-row]")).to_contain_text(
        "Care Pack ProLiant intervention 4 h 24x7, 3 ans"
    )
    expect(card.locator("[data-testid=applies]")).to_have_text("s'applique au ticket")

    # 2. The call.
    page.select_option("#id_severity", "2")
    page.select_option("#id_kind", "incident")
    page.fill("#id_summary", "Alimentation redondante en panne")
    page.click("[data-testid=submit-ticket]")
    expect(page.locator(".messages")).to_contain_text("ouvert")
    ticket = Ticket.objects.get()
    expect(page.locator("[data-testid=ticket-number]")).to_contain_text(ticket.number)
    expect(page.locator("[data-testid=status]")).to_have_text("Ouvert")
    expect(page.locator("[data-testid=countdown-response]")).to_have_attribute(
        "data-state", "running"
    )

    # Take the call, send the engineer.
    page.click("[data-testid=action-acknowledge]")
    expect(page.locator("[data-testid=status]")).to_have_text("Pris en charge")
    expect(page.locator("[data-testid=countdown-response]")).to_have_text("Respecté")
    page.select_option("#id_dispatch-engineer", str(engineer.pk))
    page.click("[data-testid=action-dispatch]")
    expect(page.locator("[data-testid=status]")).to_have_text("Ingénieur dépêché")
    expect(page.locator("[data-testid=engineer]")).to_have_text(engineer.name)

    # Hand over to CDS, with a reason.
    page.fill("#id_handover-reason", "Pièce introuvable chez notre grossiste")
    page.click("[data-testid=action-handover]")
    expect(page.locator(".messages")).to_contain_text(f"Ticket {ticket.number} transféré au CDS.")
    expect(page.locator("[data-testid=delivered-by]")).to_have_text("CDS")
    expect(page.locator("[data-testid=actions]")).to_have_count(0)
    timeline = page.locator("[data-testid=timeline] [data-testid=event]")
    expect(timeline.last).to_contain_text("Transfert au CDS")
    expect(timeline.last).to_contain_text("Pièce introuvable chez notre grossiste")

    ticket.refresh_from_db()
    assert ticket.delivered_by == Organisation.CDS
    assert ticket.status == Status.OWNED

    # A CDS dispatcher, in a browser of their own, finds it in the CDS queue.
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    try:
        cds_page = context.new_page()
        cds_page.base_url = page.base_url
        login(cds_page, "cds.disp", PASSWORD)
        cds_page.click("nav.mainnav >> text=File CDS")
        row = cds_page.locator(f"[data-testid=ticket-row][data-ticket='{ticket.number}']")
        expect(row).to_be_visible()
        expect(row.locator("[data-testid=delivered-by]")).to_have_text("CDS")
        row.locator("[data-testid=ticket-link]").click()
        expect(cds_page.locator("[data-testid=action-dispatch]")).to_be_visible()
    finally:
        context.close()


@pytest.mark.browser
def test_a_target_whose_deadline_passed_shows_breached(page, partner, partner_engineer):
    # Sold and opened five hours ago on a 24x7 care pack (time moved for the creation only):
    # the 4-hour on-site target has passed.
    with time_machine.travel(timezone.now() - timedelta(hours=5), tick=False):
        asset = covered_asset(partner)
        ticket = ticket_open(
            asset=asset,
            severity=2,
            kind="incident",
            summary="Serveur arrêté",
            actor=partner_engineer,
        )
    sla.sweep()
    assert SlaTarget.objects.get(ticket=ticket, target="onsite").state == SlaState.BREACHED

    login(page, "p.engineer", PASSWORD)
    page.goto(f"{page.base_url}/tickets/{ticket.pk}/")
    onsite = page.locator("[data-testid=countdown-onsite]")
    expect(onsite).to_have_text("Dépassé")
    expect(onsite).to_have_class("badge sla state-breached")
    expect(page.locator("[data-testid=cds-backup]")).to_have_text("renfort CDS")

    # The queue shows the same badge.
    page.goto(f"{page.base_url}/tickets/")
    row = page.locator(f"[data-testid=ticket-row][data-ticket='{ticket.number}']")
    expect(row.locator("[data-target=onsite]")).to_have_text("Dépassé")


@pytest.mark.browser
def test_a_running_countdown_turns_breached_when_its_due_time_passes(
    page, partner, partner_engineer
):
    asset = covered_asset(partner)
    ticket = ticket_open(
        asset=asset, severity=2, kind="incident", summary="Disque en panne", actor=partner_engineer
    )
    login(page, "p.engineer", PASSWORD)
    page.goto(f"{page.base_url}/tickets/{ticket.pk}/")
    onsite = page.locator("[data-testid=countdown-onsite]")
    expect(onsite).to_have_attribute("data-state", "running")
    # The JS counts down (hours, minutes, seconds left).
    expect(onsite).to_have_text(re.compile(r"^3 h \d\d min \d\d s$"))

    # Move the deadline behind the browser's clock and tick: no waiting.
    live = onsite.evaluate(
        """el => {
            el.dataset.due = new Date(Date.now() - 1000).toISOString();
            return window.ServiceOneCountdown.tick();
        }"""
    )
    assert live == 2  # response and resolution still count down
    expect(onsite).to_have_text("Dépassé")
    expect(onsite).to_have_attribute("data-state", "breached")
    expect(onsite).to_have_class("badge sla state-breached")

    # A running target past its warning time turns to the warning colour, still counting down.
    resolution = page.locator("[data-testid=countdown-resolution]")
    resolution.evaluate(
        """el => {
            el.dataset.warn = new Date(Date.now() - 1000).toISOString();
            window.ServiceOneCountdown.tick();
        }"""
    )
    expect(resolution).to_have_attribute("data-state", "warned")
    expect(resolution).not_to_have_text("Dépassé")
