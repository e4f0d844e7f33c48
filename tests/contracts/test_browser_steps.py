"""In Chromium, in French and in English: serial numbers as typed, and a sell flow that checks
each step (issue 15, findings 3 and 5)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import Asset, Contract
from tests.conftest import login
from tests.contracts.factories import AssetFactory, CustomerFactory, SiteFactory
from tests.partners.factories import PASSWORD, set_tier

TEXTS = {
    "fr": {
        "choose": "Choisissez une offre.",
        "past": "Le contrat ne peut pas commencer dans le passé.",
        "line": "L'offre ne couvre pas la gamme Serveurs ProLiant de l'équipement CZJ4242424.",
        "covered": "CZJ4242424 : couvert",
        "hp_serial": "Un numéro de série HP ne contient que des lettres et des chiffres",
        "postal": "Code postal invalide : « ABCDE ».",
    },
    "en": {
        "choose": "Choose an offering.",
        "past": "The contract cannot start in the past.",
        "line": "The offering does not cover the ProLiant servers product line of asset CZJ4242424.",
        "covered": "CZJ4242424: covered",
        "hp_serial": "An HP serial number holds only letters and digits",
        "postal": "Invalid postal code: “ABCDE”.",
    },
}


def in_language(page, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])


@pytest.mark.browser
@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_seller_is_stopped_on_the_step_that_went_wrong_and_serials_read_as_typed(
    page, partner, partner_sales, language
):
    said = TEXTS[language]
    set_tier(partner, "sell")
    customer = CustomerFactory(partner=partner, name="Hôpital Saint-Louis")
    site = SiteFactory(customer=customer, name="Siège", city="Metz", region="57")
    asset = AssetFactory(site=site, serial_number="CZJ4242424", model="DL380 Gen10")
    in_language(page, language)
    login(page, "p.sales", PASSWORD)

    # Step 2: markup is no serial number, an HP serial keeps its digits; a spaced one is fine.
    page.goto(f"{page.base_url}/contracts/sell/assets/?customer={customer.pk}")
    page.fill("#id_asset-serial_number", "<b>x</b>")
    page.click("[data-testid=new-asset-form] button[type=submit]")
    expect(page.locator("[data-testid=new-asset-form] .error")).to_contain_text(said["hp_serial"])
    page.fill("#id_asset-serial_number", " czj 999 0001 ")
    page.click("[data-testid=new-asset-form] button[type=submit]")
    expect(page.locator("[data-testid=asset-choice][data-serial=CZJ9990001]")).to_have_count(1)
    assert Asset.objects.filter(serial_number="CZJ9990001").exists()

    # Step 3 without an offer: said on the step, not a silent reload.
    page.goto(f"{page.base_url}/contracts/sell/offering/?customer={customer.pk}&assets={asset.pk}")
    page.click("[data-testid=to-confirm]")
    expect(page.locator("[data-testid=offering-error]")).to_have_text(said["choose"])
    expect(page.locator("[data-testid=confirm-form]")).to_have_count(0)

    # A 1999 start and a 3PAR pack on a ProLiant, put in the URL: refused on step 3 too.
    page.goto(
        f"{page.base_url}/contracts/sell/confirm/?customer={customer.pk}&assets={asset.pk}"
        "&offering=CP-3PAR-4H-24X7&starts_on=1999-01-01"
    )
    expect(page.locator("[data-testid=starts-on-error]")).to_have_text(said["past"])
    expect(page.locator("[data-testid=step-error]")).to_have_text(said["line"])
    page.screenshot(path=f"/tmp/f-steps/sell-step3-errors-{language}.png", full_page=True)

    # Corrected on the step, the sale goes through.
    page.locator("[data-testid=offering-choice][data-code=CP-PL-4H-24X7] input").check()
    page.fill("#id_starts_on", timezone.localdate().isoformat())
    page.click("[data-testid=to-confirm]")
    expect(page.locator("[data-testid=confirm-form]")).to_have_count(1)
    page.click("[data-testid=confirm-sale]")
    page.wait_for_url(re.compile(r"/contracts/\d+/$"))
    assert Contract.objects.get().offering.code == "CP-PL-4H-24X7"

    # The coverage look-up finds the serial however it is typed, and shows it as stored.
    page.goto(f"{page.base_url}/assets/lookup/")
    page.fill("#id_serial", "czj 424 2424")
    page.press("#id_serial", "Enter")
    expect(page.locator("[data-testid=lookup-result] h2")).to_have_text(said["covered"])
    expect(page.locator("#id_serial")).to_have_value("CZJ4242424")

    # A site's postal code must be French.
    page.goto(f"{page.base_url}/contracts/sell/")
    page.fill("#id_customer-name", "Clinique du Parc")
    page.fill("#id_site-name", "Bâtiment A")
    page.fill("#id_site-city", "Metz")
    page.fill("#id_site-postal_code", "ABCDE")
    page.click("[data-testid=new-customer-form] button[type=submit]")
    expect(page.locator("[data-testid=new-customer-form] .has-error .error")).to_contain_text(
        said["postal"]
    )
    page.screenshot(path=f"/tmp/f-steps/sell-step1-postal-{language}.png", full_page=True)
