"""In Chromium on a phone (390 px): no page is wider than the screen. The wide tables (the
catalogue, contracts, certifications, a ticket's SLA deadlines, the approval queue) scroll
inside their card; the sell flow's two columns stack."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.partners.factories import PASSWORD, certify, submitted_application
from tests.tickets.factories import covered_asset

WIDER_THAN_THE_SCREEN = "document.documentElement.scrollWidth - window.innerWidth"


def overflow_of(page, path: str) -> int:
    page.goto(f"{page.base_url}{path}")
    return page.evaluate(WIDER_THAN_THE_SCREEN)


@pytest.mark.browser
def test_on_a_phone_no_page_scrolls_sideways_in_either_language(
    page, partner, partner_admin, programme_manager
):
    from datetime import date

    from tickets.services import ticket_open

    asset = covered_asset(partner, customer__name="Établissements Schneider et Fils")
    certify(partner, "NET-ATP", 1, passed_on=date(2026, 1, 5))
    ticket = ticket_open(
        asset=asset,
        severity=2,
        kind="incident",
        summary="Contrôleur RAID dégradé sur le serveur de production",
        actor=partner_admin,
    )
    submitted_application(partner, partner_admin)
    page.set_viewport_size({"width": 390, "height": 844})

    partner_pages = [
        "/",
        "/programme/",
        "/programme/team/",
        "/catalogue/",
        "/contracts/",
        "/customers/",
        "/contracts/sell/",
        f"/tickets/{ticket.pk}/",
    ]
    login(page, partner_admin.username, PASSWORD)
    for language in ("fr", "en"):
        if language == "en":
            page.click("button[data-lang=en]")
            page.wait_for_load_state()
        wider = {path: overflow_of(page, path) for path in partner_pages}
        assert wider == dict.fromkeys(partner_pages, 0), (language, wider)

    page.context.clear_cookies()
    login(page, programme_manager.username, PASSWORD)
    hp_pages = ["/hp/accreditations/", "/reports/programme/", f"/tickets/{ticket.pk}/"]
    wider = {path: overflow_of(page, path) for path in hp_pages}
    assert wider == dict.fromkeys(hp_pages, 0), wider
