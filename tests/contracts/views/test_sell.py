"""The sell flow: customer, assets, offering, confirmation; tenancy in its URLs."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from contracts.models import Asset, Contract, Customer, Site
from tests.contracts.factories import AssetFactory, asset_of
from tests.contracts.views.helpers import TODAY, eur_fr, html, messages_of, product_line, sell
from tests.partners.factories import set_tier


def test_selling_a_care_pack_through_the_four_steps_creates_exactly_one_contract(
    sales, customer, proliant
):
    second = AssetFactory(site=proliant.site, serial_number="CZJ0000002")

    step1 = html(sales.get("/contracts/sell/"))
    assert "Hôpital Saint-Louis" in step1
    assert f"/contracts/sell/assets/?customer={customer.pk}" in step1

    step2 = html(sales.get(f"/contracts/sell/assets/?customer={customer.pk}"))
    assert "CZJ0000001" in step2
    assert "Non couvert" in step2

    query = f"customer={customer.pk}&assets={proliant.pk}&assets={second.pk}"
    step3 = html(sales.get(f"/contracts/sell/offering/?{query}"))
    assert 'value="CP-PL-4H-24X7"' in step3
    assert 'value="2026-11-26"' in step3

    confirm_url = f"/contracts/sell/confirm/?{query}&offering=CP-PL-4H-24X7&starts_on=2026-11-26"
    step4 = html(sales.get(confirm_url))
    assert eur_fr("2 900,00 €") in step4
    assert "× 2 équipements" in step4
    assert "26/11/2026" in step4
    assert "25/11/2029" in step4
    assert "Confié au CDS" in step4
    assert "Le niveau Deliver est requis pour délivrer cette offre" in step4
    assert 'name="delivery_mode"' not in step4
    assert not Contract.objects.exists()

    response = sales.post(confirm_url, {"action": "sell"})
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contracts/{contract.pk}/"
    assert contract.status == "active"
    assert contract.price_eur == Decimal("2900.00")
    assert contract.starts_on == TODAY
    assert contract.ends_on == date(2029, 11, 25)
    assert contract.delivery_mode == "cds"
    assert set(contract.assets.all()) == {proliant, second}
    assert messages_of(response) == [
        f"Vente enregistrée : contrat {contract.number} pour Hôpital Saint-Louis ({eur_fr('2 900,00 €')})."
    ]
    detail = html(sales.get(response["Location"]))
    assert contract.number in detail
    assert eur_fr("2 900,00 €") in detail


def test_the_catalogues_sell_button_carries_the_offering_through_the_steps(
    sales, customer, proliant
):
    page = html(sales.get("/contracts/sell/?offering=CP-PL-4H-24X7"))
    assert f"customer={customer.pk}&offering=CP-PL-4H-24X7" in page
    step3 = html(
        sales.get(
            f"/contracts/sell/offering/?customer={customer.pk}&assets={proliant.pk}&offering=CP-PL-4H-24X7"
        )
    )
    assert 'value="CP-PL-4H-24X7" checked' in step3


def test_a_quote_is_saved_without_booking_revenue(sales, customer, proliant):
    url = (
        f"/contracts/sell/confirm/?customer={customer.pk}&assets={proliant.pk}"
        "&offering=CP-PL-4H-24X7&starts_on=2026-12-01"
    )
    response = sales.post(url, {"action": "quote"})
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert contract.status == "quote"
    assert contract.booked_on is None


def test_a_deliver_partner_chooses_the_delivery_mode(client, partner, partner_sales, proliant):
    set_tier(partner, "deliver")
    client.force_login(partner_sales)
    url = (
        f"/contracts/sell/confirm/?customer={proliant.customer_id}&assets={proliant.pk}"
        "&offering=CP-PL-4H-24X7&starts_on=2026-11-26"
    )
    page = html(client.get(url))
    assert 'name="delivery_mode"' in page
    assert "Co-délivré avec HP" in page
    client.post(url, {"action": "sell", "delivery_mode": "co_delivery"})
    contract = Contract.objects.get()
    assert contract.delivery_mode == "co_delivery"
    assert contract.delivery_reason == "Choix du partenaire : co-délivré avec HP."


def test_selling_an_offering_above_the_tier_shows_the_french_refusal_and_creates_nothing(
    sales, customer, proliant
):
    url = (
        f"/contracts/sell/confirm/?customer={customer.pk}&assets={proliant.pk}"
        "&offering=PS-CREDITS-10&starts_on=2026-11-26"
    )
    response = sales.post(url, {"action": "sell"})
    assert response.status_code == 400
    page = html(response)
    assert "Le niveau Deliver est requis pour vendre « Proactive Select, 10 crédits" in page
    assert "(votre niveau : Sell)" in page
    assert "Rien n'a été enregistré." in page
    assert not Contract.objects.exists()


def test_step_three_disables_offerings_above_the_tier_and_says_which_tier_unlocks_them(
    sales, customer, proliant
):
    page = html(sales.get(f"/contracts/sell/offering/?customer={customer.pk}&assets={proliant.pk}"))
    credits = re.search(r'data-code="PS-CREDITS-10".*?</label>', page, re.S).group(0)
    assert "disabled" in credits
    assert "Débloqué au niveau Deliver." in credits


def test_step_three_says_why_an_offering_does_not_fit_the_chosen_assets(sales, customer, proliant):
    switch = AssetFactory(
        site=proliant.site,
        serial_number="SG0000001",
        product_line=proliant.product_line.__class__.objects.get(code="networking"),
    )
    page = html(
        sales.get(
            f"/contracts/sell/offering/?customer={customer.pk}&assets={proliant.pk}&assets={switch.pk}"
        )
    )
    care_pack = re.search(r'data-code="CP-PL-4H-24X7".*?</label>', page, re.S).group(0)
    assert "disabled" in care_pack
    assert "Ne couvre pas la gamme Réseaux (SG0000001)." in care_pack
    foundation = re.search(r'data-code="SC-FOUNDATION-13X5".*?</label>', page, re.S).group(0)
    assert "disabled" not in foundation


def test_overlapping_coverage_is_shown_on_the_confirmation_page(sales, seller, customer, proliant):
    first = sell(seller, proliant)
    url = (
        f"/contracts/sell/confirm/?customer={customer.pk}&assets={proliant.pk}"
        "&offering=CP-PL-4H-13X5&starts_on=2027-01-01"
    )
    response = sales.post(url, {"action": "sell"})
    assert response.status_code == 400
    assert (
        f"L'équipement CZJ0000001 est déjà couvert par le contrat {first.number} jusqu'au 25/11/2029."
        in html(response)
    )
    assert Contract.objects.count() == 1


def test_step_two_shows_the_current_coverage_of_each_asset(sales, seller, customer, proliant):
    contract = sell(seller, proliant)
    page = html(sales.get(f"/contracts/sell/assets/?customer={customer.pk}"))
    assert contract.number in page
    assert "jusqu'au 25/11/2029" in page


def test_a_start_in_the_past_is_refused(sales, customer, proliant):
    url = (
        f"/contracts/sell/confirm/?customer={customer.pk}&assets={proliant.pk}"
        "&offering=CP-PL-4H-24X7&starts_on=2026-11-01"
    )
    response = sales.post(url, {"action": "sell"})
    assert response.status_code == 400
    assert "Le contrat ne peut pas commencer dans le passé." in html(response)
    assert not Contract.objects.exists()


def test_step_one_creates_the_customer_with_its_first_site(sales, seller):
    response = sales.post(
        "/contracts/sell/",
        {
            "customer-name": "Clinique du Parc",
            "customer-siren": "552100554",
            "site-name": "Bâtiment A",
            "site-city": "Saint-Denis",
            "site-postal_code": "97400",
            "site-region": "974",
            "site-timezone": "Indian/Reunion",
        },
    )
    customer = Customer.objects.get(name="Clinique du Parc")
    assert customer.partner == seller
    site = customer.sites.get()
    assert (site.region, site.timezone, site.city) == ("974", "Indian/Reunion", "Saint-Denis")
    assert response["Location"] == f"/contracts/sell/assets/?customer={customer.pk}"


def test_a_refused_customer_creation_leaves_nothing_behind(sales, customer):
    response = sales.post(
        "/contracts/sell/",
        {
            "customer-name": "hôpital saint-louis",
            "site-name": "Annexe",
            "site-city": "Metz",
            "site-timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 400
    assert "Vous avez déjà un client de ce nom." in html(response)
    assert Customer.objects.count() == 1
    assert not Site.objects.filter(name="Annexe").exists()


def test_an_asset_added_in_step_two_is_preselected(sales, customer, site):
    response = sales.post(
        f"/contracts/sell/assets/?customer={customer.pk}",
        {
            "asset-serial_number": "czj9999999",
            "asset-vendor": "hp",
            "asset-product_line": product_line("proliant").pk,
            "asset-model": "DL360",
            "asset-site": site.pk,
        },
    )
    asset = Asset.objects.get(serial_number="CZJ9999999")
    assert response.status_code == 302
    assert (
        response["Location"] == f"/contracts/sell/assets/?customer={customer.pk}&assets={asset.pk}"
    )


# --- Tenancy in the sell flow ---------------------------------------------------------------------


def test_the_sell_flow_refuses_another_partners_customer(sales, other_partner):
    foreign = asset_of(other_partner)
    for url in (
        f"/contracts/sell/assets/?customer={foreign.customer_id}",
        f"/contracts/sell/offering/?customer={foreign.customer_id}&assets={foreign.pk}",
        f"/contracts/sell/confirm/?customer={foreign.customer_id}&assets={foreign.pk}"
        "&offering=CP-PL-4H-24X7&starts_on=2026-11-26",
    ):
        assert sales.get(url).status_code == 404
    response = sales.post(
        f"/contracts/sell/confirm/?customer={foreign.customer_id}&assets={foreign.pk}"
        "&offering=CP-PL-4H-24X7&starts_on=2026-11-26",
        {"action": "sell"},
    )
    assert response.status_code == 404
    assert not Contract.objects.exists()


def test_the_sell_flow_refuses_another_partners_asset_with_an_own_customer(
    sales, customer, proliant, other_partner
):
    foreign = asset_of(other_partner)
    url = (
        f"/contracts/sell/confirm/?customer={customer.pk}&assets={proliant.pk}&assets={foreign.pk}"
        "&offering=CP-PL-4H-24X7&starts_on=2026-11-26"
    )
    assert sales.get(url).status_code == 404
    assert sales.post(url, {"action": "sell"}).status_code == 404
    assert not Contract.objects.exists()


def test_the_sell_flow_refuses_an_asset_of_another_own_customer(sales, seller, customer, proliant):
    elsewhere = asset_of(seller)
    url = f"/contracts/sell/offering/?customer={customer.pk}&assets={elsewhere.pk}"
    assert sales.get(url).status_code == 404


@pytest.mark.parametrize("bad", ["abc", "-1", "0"])
def test_garbage_ids_in_the_sell_flow_are_not_found(sales, customer, bad):
    assert sales.get(f"/contracts/sell/assets/?customer={bad}").status_code == 404
    assert (
        sales.get(f"/contracts/sell/offering/?customer={customer.pk}&assets={bad}").status_code
        == 404
    )
