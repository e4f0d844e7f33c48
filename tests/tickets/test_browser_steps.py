"""In Chromium, in French and in English: a ticket opened from a serial typed as on the label,
an engineer chosen from the ranked list, a reason for an uncertified one, a report to resolve
(issue 15, findings 3 and 4)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from partners.models import Engineer
from tests.conftest import login
from tests.partners.factories import PASSWORD
from tests.tickets.factories import certified_engineer, covered_asset
from tickets.models import Status, Ticket

TEXTS = {
    "fr": {
        "unknown_format": "Un numéro de série ne contient que des lettres, des chiffres",
        "needs_reason": "n'est pas certifié sur Serveurs ProLiant : indiquez pourquoi",
        "reason_line": "Motif : Seul disponible ce soir",
        "report_line": "Compte rendu : Alimentation remplacée, redondance rétablie",
        "certified_reason": "Certifié sur Serveurs ProLiant",
        "resolved": "Résolu",
    },
    "en": {
        "unknown_format": "A serial number holds only letters, digits",
        "needs_reason": "is not certified on ProLiant servers: say why",
        "reason_line": "Reason: Seul disponible ce soir",
        "report_line": "Report: Alimentation remplacée, redondance rétablie",
        "certified_reason": "Certified on ProLiant servers",
        "resolved": "Resolved",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_engineer_opens_by_serial_sends_a_ranked_engineer_and_resolves_with_a_report(
    page, partner, partner_engineer, language
):
    said = TEXTS[language]
    asset = covered_asset(partner, serial_number="CZJ0000022", model="ProLiant DL380 Gen10")
    certified = Engineer.objects.get(partner=partner)
    novice = certified_engineer(partner, line="networking", name="Zoé Novice")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
    login(page, "p.engineer", PASSWORD)

    # The serial as people type it: lower case, spaces; markup is refused on the field.
    page.goto(f"{page.base_url}/tickets/new/")
    page.fill("#id_serial", "<b>x</b>")
    page.click("[data-testid=lookup]")
    expect(page.locator("[data-testid=serial-lookup] .error")).to_contain_text(
        said["unknown_format"]
    )
    page.fill("#id_serial", "czj 000 0022")
    page.click("[data-testid=lookup]")
    expect(page.locator("[data-testid=asset]")).to_have_attribute("data-asset", str(asset.pk))
    expect(page.locator("#id_serial")).to_have_value("CZJ0000022")
    page.fill("#id_summary", "Alimentation redondante en panne")
    page.click("[data-testid=submit-ticket]")
    ticket = Ticket.objects.get()
    page.click("[data-testid=action-acknowledge]")

    # The candidates: the certified engineer first, with certification and load.
    rows = page.locator("[data-testid=candidate]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-engineer", str(certified.pk))
    expect(rows.nth(0)).to_contain_text(said["certified_reason"])
    expect(rows.nth(1)).to_have_attribute("data-certified", "no")
    page.screenshot(path=f"/tmp/f-steps/ticket-candidates-{language}.png", full_page=True)

    # An uncertified engineer without a reason: refused, said, nothing changed.
    page.select_option("#id_dispatch-engineer", str(novice.pk))
    page.click("[data-testid=action-dispatch]")
    expect(page.locator(".messages")).to_contain_text(said["needs_reason"])
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OWNED
    page.select_option("#id_dispatch-engineer", str(novice.pk))
    page.fill("#id_dispatch-reason", "Seul disponible ce soir")
    page.click("[data-testid=action-dispatch]")
    expect(page.locator("[data-testid=engineer]")).to_have_text("Zoé Novice")
    expect(page.locator("[data-testid=timeline]")).to_contain_text(said["reason_line"])

    # Resolving needs a report: the browser asks for it before anything is sent.
    page.click("[data-testid=action-resolve]")
    assert page.locator("#id_resolve-note").evaluate("e => !e.validity.valid")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED
    page.fill("#id_resolve-note", "Alimentation remplacée, redondance rétablie")
    page.click("[data-testid=action-resolve]")
    expect(page.locator("[data-testid=status]")).to_have_text(said["resolved"])
    expect(page.locator("[data-testid=timeline]")).to_contain_text(said["report_line"])
    page.screenshot(path=f"/tmp/f-steps/ticket-resolved-{language}.png", full_page=True)
