"""The catalogue page."""

from __future__ import annotations

import re

from tests.contracts.views.helpers import eur_fr, html
from tests.partners.factories import set_tier


def offering_row(page: str, code: str) -> str:
    match = re.search(rf'<tr data-testid="offering" data-code="{code}".*?</tr>', page, re.S)
    assert match, code
    return match.group(0)


def test_catalogue_groups_offerings_by_kind_with_targets_and_prices(sales):
    page = html(sales.get("/catalogue/"))
    assert page.index('data-testid="kind-care_pack"') < page.index('data-testid="kind-contract"')
    assert page.index('data-testid="kind-contract"') < page.index(
        'data-testid="kind-proactive_credits"'
    )
    row = offering_row(page, "CP-PL-4H-24X7")
    assert "24x7" in row
    assert "4 h" in row
    assert eur_fr("1 450,00 €") in row
    assert "par équipement" in row
    assert "3 ans" in row
    nbd = offering_row(page, "CP-PL-NBD-9X5")
    assert "J+1 ouvré" in nbd


def test_catalogue_says_what_the_tier_may_sell_and_who_delivers(sales):
    page = html(sales.get("/catalogue/"))
    care_pack = offering_row(page, "CP-PL-4H-24X7")
    assert "Vous pouvez vendre" in care_pack
    assert 'href="/contracts/sell/?offering=CP-PL-4H-24X7"' in care_pack
    assert "Confié au CDS — niveau Deliver requis pour délivrer" in care_pack
    credits = offering_row(page, "PS-CREDITS-10")
    assert "Débloqué au niveau Deliver" in credits
    assert "Vendre</a>" not in credits


def test_a_deliver_partner_reads_delivered_by_you(client, partner, partner_sales):
    set_tier(partner, "deliver")
    client.force_login(partner_sales)
    page = html(client.get("/catalogue/"))
    assert "Délivré par vous" in offering_row(page, "CP-PL-4H-24X7")
    assert "niveau Expert requis pour délivrer" in offering_row(page, "CP-3PAR-4H-24X7")


def test_catalogue_filters_by_kind_and_product_line(sales):
    page = html(sales.get("/catalogue/?kind=contract"))
    assert "SC-FOUNDATION-13X5" in page
    assert "CP-PL-4H-24X7" not in page
    page = html(sales.get("/catalogue/?line=3par"))
    assert "CP-3PAR-4H-24X7" in page
    assert "SC-DATACENTER-24X7" in page
    assert "CP-PL-4H-24X7" not in page


def test_engineers_see_the_catalogue_without_sell_buttons(client, seller, partner_engineer):
    client.force_login(partner_engineer)
    page = html(client.get("/catalogue/"))
    assert "Vous pouvez vendre" in page
    assert "/contracts/sell/?offering=" not in page


def test_money_follows_the_readers_language(sales, settings):
    french = html(sales.get("/catalogue/"))
    assert eur_fr("1 450,00 €") in offering_row(french, "CP-PL-4H-24X7")
    sales.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = html(sales.get("/catalogue/"))
    assert "1,450.00 EUR" in offering_row(english, "CP-PL-4H-24X7")
    assert "ProLiant Care Pack 4-hour 24x7 on-site, 3 years" in english
