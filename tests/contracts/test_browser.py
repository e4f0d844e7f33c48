"""End to end in Chromium: a sales user sells a care pack and sees it on the asset's coverage."""

from __future__ import annotations

import re

import pytest

from contracts.models import Contract
from tests.conftest import login
from tests.contracts.factories import AssetFactory, CustomerFactory, SiteFactory
from tests.partners.factories import PASSWORD, set_tier


@pytest.mark.browser
def test_a_sales_user_sells_a_care_pack_and_sees_it_on_the_assets_coverage(
    page, partner, partner_sales
):
    set_tier(partner, "sell")
    customer = CustomerFactory(partner=partner, name="Hôpital Saint-Louis")
    site = SiteFactory(customer=customer, name="Siège", city="Metz", region="57")
    asset = AssetFactory(site=site, serial_number="CZJ4242424", model="DL380 Gen10")

    login(page, "p.sales", PASSWORD)
    page.click("nav.mainnav >> text=Contrats")
    page.click(".page-head a:has-text('Vendre')")
    page.wait_for_url(re.compile(r"/contracts/sell/$"))

    # 1. Client
    page.locator("[data-testid=customer-choice]", has_text="Hôpital Saint-Louis").locator(
        "[data-testid=choose-customer]"
    ).click()
    # 2. Équipements: the asset is shown uncovered, tick it
    row = page.locator("[data-testid=asset-choice][data-serial=CZJ4242424]")
    assert "Non couvert" in row.inner_text()
    row.locator("input[type=checkbox]").check()
    page.click("[data-testid=to-offering]")
    # 3. Offre: the 3PAR care pack does not fit a ProLiant, Proactive Select needs Deliver
    credits = page.locator("[data-testid=offering-choice][data-code=PS-CREDITS-10]")
    assert "Débloqué au niveau Deliver." in credits.inner_text()
    assert credits.locator("input").is_disabled()
    page.locator("[data-testid=offering-choice][data-code=CP-PL-4H-24X7] input").check()
    page.click("[data-testid=to-confirm]")
    # 4. Confirmation: price, dates, delivery by CDS with the reason
    assert page.locator("[data-testid=price]").inner_text() == "1\u202f450,00\u00a0€"
    assert (
        "Le niveau Deliver est requis pour délivrer cette offre"
        in page.locator("[data-testid=cds-reason]").inner_text()
    )
    page.click("[data-testid=confirm-sale]")
    page.wait_for_url(re.compile(r"/contracts/\d+/$"))

    contract = Contract.objects.get()
    assert (
        page.locator(".messages")
        .inner_text()
        .startswith(f"Vente enregistrée : contrat {contract.number}")
    )
    assert page.locator("h1").inner_text().startswith(f"Contrat {contract.number}")

    # The asset's coverage page shows the new care pack in force.
    page.click("[data-testid=covered-asset] >> text=CZJ4242424")
    page.wait_for_url(re.compile(rf"/assets/{asset.pk}/$"))
    in_force = page.locator("[data-testid=coverage-row][data-state=in_force]")
    assert in_force.count() == 1
    assert contract.number in in_force.inner_text()
    assert "Care Pack ProLiant intervention 4 h 24x7, 3 ans" in in_force.inner_text()
    assert contract.number in page.locator("[data-testid=applicable-coverage]").inner_text()
