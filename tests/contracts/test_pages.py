"""Pages of the sales side: catalogue, sell flow, contracts, customers, assets, import."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.contrib.messages import get_messages

from contracts.models import Asset, Contract, Customer, Site
from contracts.services import contract_sell, credits_consume
from servicone.access import PartnerRole
from tests.contracts.factories import (
    AssetFactory,
    CustomerFactory,
    SiteFactory,
    asset_of,
    offering,
)
from tests.partners.factories import UserFactory, partner_user, set_tier

TODAY = date(2026, 11, 26)
NNBSP = "\u202f"
NBSP = "\u00a0"


def eur_fr(text: str) -> str:
    """``"2 900,00 €"`` written with plain spaces -> the page's narrow no-break spaces."""
    amount, _, _sign = text.rpartition(" ")
    return amount.replace(" ", NNBSP) + NBSP + "€"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def seller(partner):
    return set_tier(partner, "sell")


@pytest.fixture
def sales(client, seller, partner_sales):
    client.force_login(partner_sales)
    return client


@pytest.fixture
def customer(seller):
    return CustomerFactory(partner=seller, name="Hôpital Saint-Louis")


@pytest.fixture
def site(customer):
    return SiteFactory(customer=customer, name="Siège", city="Metz", region="57")


@pytest.fixture
def proliant(site):
    return AssetFactory(site=site, serial_number="CZJ0000001", model="DL380 Gen10")


def sell(partner, assets, code="CP-PL-4H-24X7", starts_on=TODAY, **kwargs):
    assets = assets if isinstance(assets, list) else [assets]
    return contract_sell(
        partner=partner,
        customer=assets[0].customer if assets else kwargs.pop("customer"),
        offering=offering(code),
        assets=assets,
        starts_on=starts_on,
        actor=None,
        **kwargs,
    )


def html(response) -> str:
    """The page's text with entities decoded (« l'équipement », not « l&#x27;équipement »)."""
    return unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Access per role ---------------------------------------------------------------------


READ_PAGES = ["/catalogue/", "/contracts/", "/customers/", "/assets/lookup/?serial=X"]


@pytest.mark.parametrize("role", [PartnerRole.ADMIN, PartnerRole.SALES, PartnerRole.ENGINEER])
@pytest.mark.parametrize("url", READ_PAGES)
def test_every_partner_role_reads_the_sales_pages(client, seller, role, url):
    client.force_login(partner_user(seller, role))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", READ_PAGES)
def test_hp_staff_read_the_sales_pages(client, programme_manager, cds_dispatcher, url):
    for user in (programme_manager, cds_dispatcher):
        client.force_login(user)
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [*READ_PAGES, "/contracts/sell/"])
def test_a_user_without_any_role_is_refused(client, db, url):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/contracts/sell/",
        "/contracts/sell/assets/",
        "/contracts/sell/offering/",
        "/contracts/sell/confirm/",
    ],
)
def test_engineers_and_hp_staff_may_not_sell(
    client, partner_engineer, programme_manager, cds_dispatcher, url
):
    for user in (partner_engineer, programme_manager, cds_dispatcher):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_engineers_and_hp_staff_may_not_create_customers(
    client, partner_engineer, programme_manager
):
    for user in (partner_engineer, programme_manager):
        client.force_login(user)
        response = client.post(
            "/customers/", {"customer-name": "Intrus", "site-name": "A", "site-city": "Lyon"}
        )
        assert response.status_code == 403
    assert not Customer.objects.exists()


def test_engineers_see_customers_read_only(client, partner_engineer, customer, proliant):
    client.force_login(partner_engineer)
    page = html(client.get(f"/customers/{customer.pk}/"))
    assert "CZJ0000001" in page
    assert "new-asset-form" not in page
    assert "Vendre à ce client" not in page
    assert client.post(f"/customers/{customer.pk}/sites/add/", {}).status_code == 403


def test_the_navigation_links_the_sales_pages_for_sales_and_hp(
    client, partner_sales, partner_engineer, programme_manager
):
    client.force_login(partner_sales)
    page = html(client.get("/"))
    for url in ('href="/catalogue/"', 'href="/customers/"', 'href="/contracts/"'):
        assert url in page
    client.force_login(programme_manager)
    assert 'href="/contracts/"' in html(client.get("/"))


# --- Catalogue ---------------------------------------------------------------------------------


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


# --- Sell flow ---------------------------------------------------------------------------------


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
            "asset-product_line": _line("proliant").pk,
            "asset-model": "DL360",
            "asset-site": site.pk,
        },
    )
    asset = Asset.objects.get(serial_number="CZJ9999999")
    assert response.status_code == 302
    assert (
        response["Location"] == f"/contracts/sell/assets/?customer={customer.pk}&assets={asset.pk}"
    )


def _line(code):
    from partners.models import ProductLine

    return ProductLine.objects.get(code=code)


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


# --- Contracts -------------------------------------------------------------------------------------


def test_the_contract_list_filters_by_status_customer_and_ending_soon(sales, seller, proliant):
    soon = sell(seller, proliant, code="CP-PL-NBD-9X5", starts_on=date(2026, 12, 1))
    other = asset_of(seller)
    later = sell(seller, other, code="SC-FOUNDATION-13X5")
    cancelled = sell(seller, AssetFactory(site=proliant.site), code="CP-PL-4H-24X7")
    Contract.objects.filter(pk=soon.pk).update(ends_on=TODAY + timedelta(days=40))
    Contract.objects.filter(pk=cancelled.pk).update(status="cancelled")

    page = html(sales.get("/contracts/"))
    assert all(c.number in page for c in (soon, later, cancelled))
    page = html(sales.get("/contracts/?ending=on"))
    assert soon.number in page
    assert later.number not in page
    assert "dans 40 jours" in page
    page = html(sales.get("/contracts/?status=cancelled"))
    assert cancelled.number in page
    assert soon.number not in page
    page = html(sales.get(f"/contracts/?customer={other.customer_id}"))
    assert later.number in page
    assert soon.number not in page


def test_the_contract_list_shows_only_the_partners_own_contracts(
    sales, seller, proliant, other_partner
):
    mine = sell(seller, proliant)
    theirs = sell(set_tier(other_partner, "sell"), asset_of(other_partner))
    page = html(sales.get("/contracts/"))
    assert mine.number in page
    assert theirs.number not in page


def test_hp_sees_every_partners_contracts(
    client, programme_manager, seller, proliant, other_partner
):
    mine = sell(seller, proliant)
    theirs = sell(set_tier(other_partner, "sell"), asset_of(other_partner))
    client.force_login(programme_manager)
    page = html(client.get("/contracts/"))
    assert mine.number in page
    assert theirs.number in page
    assert "Concurrent SA" in page
    assert client.get(f"/contracts/{theirs.pk}/").status_code == 200


def _many_contracts(partner, count):
    customer = CustomerFactory(partner=partner)
    site = SiteFactory(customer=customer)
    for _ in range(count):
        sell(partner, AssetFactory(site=site))


def test_the_contract_list_query_count_does_not_grow_with_the_page(
    sales, seller, django_assert_num_queries
):
    _many_contracts(seller, 2)
    with django_assert_num_queries(8):
        assert sales.get("/contracts/").status_code == 200
    _many_contracts(seller, 23)
    with django_assert_num_queries(8):
        page = html(sales.get("/contracts/"))
    assert page.count('data-testid="contract-row"') == 25


def test_the_contract_list_paginates(sales, seller):
    _many_contracts(seller, 27)
    page = html(sales.get("/contracts/?page=2"))
    assert page.count('data-testid="contract-row"') == 2
    assert "Page 2 sur 2" in page


def test_contract_detail_shows_offering_service_level_assets_price_dates_and_delivery(
    sales, seller, proliant
):
    contract = sell(seller, proliant)
    page = html(sales.get(f"/contracts/{contract.pk}/"))
    assert contract.number in page
    assert "Care Pack ProLiant intervention 4 h 24x7, 3 ans" in page
    assert "CZJ0000001" in page
    assert eur_fr("1 450,00 €") in page
    assert "26/11/2026" in page
    assert "25/11/2029" in page
    assert "Confié au CDS (HP)" in page
    assert "Le niveau Deliver est requis pour délivrer cette offre" in page
    assert 'data-testid="contract-actions"' in page


def test_another_partners_contract_is_not_found(sales, other_partner):
    theirs = sell(set_tier(other_partner, "sell"), asset_of(other_partner))
    assert sales.get(f"/contracts/{theirs.pk}/").status_code == 404
    for action in ("cancel", "renew", "activate"):
        assert sales.post(f"/contracts/{theirs.pk}/{action}/", {"reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "active"


def test_cancelling_needs_a_reason_then_cancels(sales, seller, proliant):
    contract = sell(seller, proliant)
    response = sales.post(f"/contracts/{contract.pk}/cancel/", {"reason": "  "})
    assert response.status_code == 400
    assert "Indiquez le motif de l'annulation." in html(response)
    contract.refresh_from_db()
    assert contract.status == "active"
    response = sales.post(f"/contracts/{contract.pk}/cancel/", {"reason": "Client perdu"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == "cancelled"


def test_cancelling_twice_shows_the_conflict(sales, seller, proliant):
    contract = sell(seller, proliant)
    sales.post(f"/contracts/{contract.pk}/cancel/", {"reason": "Erreur de saisie"})
    response = sales.post(f"/contracts/{contract.pk}/cancel/", {"reason": "Encore"})
    assert response.status_code == 400
    assert "Ce contrat ne peut plus être annulé (statut : Annulé)." in html(response)


def test_renewing_creates_the_follow_on_contract_and_shows_the_chain(sales, seller, proliant):
    contract = sell(seller, proliant)
    response = sales.post(f"/contracts/{contract.pk}/renew/")
    renewal = Contract.objects.get(renewed_from=contract)
    assert response["Location"] == f"/contracts/{renewal.pk}/"
    assert renewal.starts_on == date(2029, 11, 26)
    page = html(sales.get(f"/contracts/{contract.pk}/"))
    assert renewal.number in page
    assert 'data-testid="renew"' not in page
    again = sales.post(f"/contracts/{contract.pk}/renew/")
    assert again.status_code == 400
    assert Contract.objects.count() == 2


def test_activating_a_quote_books_the_sale(sales, seller, proliant):
    quote = sell(seller, proliant, quote=True)
    page = html(sales.get(f"/contracts/{quote.pk}/"))
    assert 'data-testid="activate"' in page
    response = sales.post(f"/contracts/{quote.pk}/activate/")
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "active"
    assert quote.booked_on == TODAY


def test_engineers_and_hp_see_no_contract_actions(
    client, seller, proliant, partner_engineer, programme_manager
):
    contract = sell(seller, proliant)
    for user in (partner_engineer, programme_manager):
        client.force_login(user)
        assert 'data-testid="contract-actions"' not in html(
            client.get(f"/contracts/{contract.pk}/")
        )
        assert client.post(f"/contracts/{contract.pk}/cancel/", {"reason": "x"}).status_code == 403


def test_proactive_select_contract_shows_its_credit_ledger_and_balance(
    client, partner, partner_sales, proliant
):
    set_tier(partner, "deliver")
    contract = sell(partner, proliant, code="PS-CREDITS-10")
    credits_consume(contract=contract, credits=3, actor=None, reference="Bilan préventif")
    client.force_login(partner_sales)
    page = html(client.get(f"/contracts/{contract.pk}/"))
    assert 'data-testid="credit-balance">7<' in page
    assert page.count('data-testid="credit-entry"') == 2
    assert "Bilan préventif" in page
    assert "+10" in page
    assert "-3" in page


# --- Customers -----------------------------------------------------------------------------------


def test_the_customer_list_shows_own_customers_with_counts(sales, seller, proliant, other_partner):
    sell(seller, proliant)
    CustomerFactory(partner=other_partner, name="Client d'un autre")
    page = html(sales.get("/customers/"))
    row = re.search(r'<tr data-testid="customer-row">.*?</tr>', page, re.S).group(0)
    assert "Hôpital Saint-Louis" in row
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["1", "1", "1"]
    assert "Client d'un autre" not in page


def test_creating_a_customer_from_the_list_opens_its_page(sales, seller):
    response = sales.post(
        "/customers/",
        {
            "customer-name": "Mairie de Strasbourg",
            "site-name": "Hôtel de ville",
            "site-city": "Strasbourg",
            "site-region": "6AE",
            "site-timezone": "Europe/Paris",
        },
    )
    customer = Customer.objects.get(name="Mairie de Strasbourg")
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.sites.get().region == "6AE"


def test_a_customer_without_a_city_is_refused_on_the_form(sales):
    response = sales.post(
        "/customers/",
        {"customer-name": "Sans ville", "site-name": "A", "site-timezone": "Europe/Paris"},
    )
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in html(response)
    assert not Customer.objects.exists()


def _many_customers(partner, count):
    for _ in range(count):
        asset = asset_of(partner)
        sell(partner, asset)


def test_the_customer_list_query_count_does_not_grow_with_the_page(
    sales, seller, django_assert_num_queries
):
    _many_customers(seller, 2)
    with django_assert_num_queries(7):
        sales.get("/customers/")
    _many_customers(seller, 20)
    with django_assert_num_queries(7):
        page = html(sales.get("/customers/"))
    assert page.count('data-testid="customer-row"') == 22


def test_the_customer_page_lists_sites_and_assets_with_their_coverage(
    sales, seller, customer, proliant
):
    contract = sell(seller, proliant)
    bare = AssetFactory(site=proliant.site, serial_number="CZJ0000009")
    page = html(sales.get(f"/customers/{customer.pk}/"))
    assert "Siège" in page
    assert "Metz" in page
    assert contract.number in page
    assert "jusqu'au 25/11/2029" in page
    row = re.search(
        rf'<tr data-testid="asset-row">\s*<td><a href="/assets/{bare.pk}/".*?</tr>', page, re.S
    )
    assert "Non couvert" in row.group(0)


def test_the_customer_page_query_count_does_not_grow_with_assets(
    sales, seller, customer, site, django_assert_num_queries
):
    for _ in range(2):
        sell(seller, AssetFactory(site=site))
    with django_assert_num_queries(13):
        sales.get(f"/customers/{customer.pk}/")
    for _ in range(20):
        sell(seller, AssetFactory(site=site))
    SiteFactory(customer=customer)
    with django_assert_num_queries(13):
        page = html(sales.get(f"/customers/{customer.pk}/"))
    assert page.count('data-testid="asset-row"') == 22


def test_another_partners_customer_is_not_found(sales, other_partner):
    foreign = asset_of(other_partner)
    customer_id = foreign.customer_id
    assert sales.get(f"/customers/{customer_id}/").status_code == 404
    assert sales.get(f"/customers/{customer_id}/import/").status_code == 404
    assert sales.get(f"/assets/{foreign.pk}/").status_code == 404
    response = sales.post(
        f"/customers/{customer_id}/sites/add/",
        {"site-name": "Intrus", "site-city": "Paris", "site-timezone": "Europe/Paris"},
    )
    assert response.status_code == 404
    assert not Site.objects.filter(name="Intrus").exists()


def test_adding_a_site_offers_holiday_regions_and_time_zones(sales, customer):
    page = html(sales.get(f"/customers/{customer.pk}/"))
    assert '<option value="" selected>Métropole (jours fériés nationaux)</option>' in page
    assert '<option value="57">57 — Moselle</option>' in page
    assert '<option value="974">974 — La Réunion</option>' in page
    assert '<option value="Europe/Paris" selected>' in page
    response = sales.post(
        f"/customers/{customer.pk}/sites/add/",
        {
            "site-name": "Agence Colmar",
            "site-city": "Colmar",
            "site-region": "6AE",
            "site-timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 302
    assert Site.objects.get(name="Agence Colmar").region == "6AE"


def test_an_unknown_region_is_refused(sales, customer):
    response = sales.post(
        f"/customers/{customer.pk}/sites/add/",
        {"site-name": "X", "site-city": "Y", "site-region": "99", "site-timezone": "Europe/Paris"},
    )
    assert response.status_code == 400
    assert not Site.objects.filter(name="X").exists()


def test_adding_an_asset_with_a_serial_already_registered_says_so_without_the_owner(
    sales, customer, site, other_partner
):
    asset_of(other_partner, serial_number="CZJTAKEN01")
    response = sales.post(
        f"/customers/{customer.pk}/assets/add/",
        {
            "asset-serial_number": "czjtaken01",
            "asset-vendor": "hp",
            "asset-product_line": _line("proliant").pk,
            "asset-site": site.pk,
        },
    )
    assert response.status_code == 400
    page = html(response)
    assert "Ce numéro de série est déjà enregistré pour ce constructeur." in page
    assert "Concurrent SA" not in page


def test_an_asset_cannot_be_added_on_another_customers_site(sales, customer, seller):
    other_site = SiteFactory(customer=CustomerFactory(partner=seller))
    response = sales.post(
        f"/customers/{customer.pk}/assets/add/",
        {
            "asset-serial_number": "CZJNEW0001",
            "asset-vendor": "hp",
            "asset-product_line": _line("proliant").pk,
            "asset-site": other_site.pk,
        },
    )
    assert response.status_code == 400
    assert not Asset.objects.filter(serial_number="CZJNEW0001").exists()


# --- Assets and entitlement ----------------------------------------------------------------------


def test_the_asset_page_shows_coverage_in_force_and_past(sales, seller, proliant):
    with time_machine.travel("2023-01-10 10:00 +01:00", tick=False):
        past = sell(seller, proliant, code="CP-PL-NBD-9X5", starts_on=date(2023, 1, 10))
    Contract.objects.filter(pk=past.pk).update(status="expired")
    current = sell(seller, proliant)
    page = html(sales.get(f"/assets/{proliant.pk}/"))
    in_force = re.search(r'data-testid="coverage-row" data-state="in_force".*?</tr>', page, re.S)
    assert current.number in in_force.group(0)
    done = re.search(r'data-testid="coverage-row" data-state="past".*?</tr>', page, re.S)
    assert past.number in done.group(0)
    applicable = re.search(r'data-testid="applicable-coverage".*?</section>', page, re.S).group(0)
    assert current.number in applicable
    assert "4 h" in applicable


def test_lookup_by_serial_shows_coverage_and_service_level(sales, seller, proliant):
    contract = sell(seller, proliant)
    page = html(sales.get("/assets/lookup/?serial=czj0000001"))
    assert contract.number in page
    assert "24x7 · prise en charge 2 h · sur site 4 h · remise en service 8 h" in page
    assert "25/11/2029" in page


def test_lookup_of_an_uncovered_asset_says_so(sales, proliant):
    page = html(sales.get("/assets/lookup/?serial=CZJ0000001"))
    assert 'data-testid="uncovered"' in page


def test_lookup_never_reveals_another_partners_asset(sales, other_partner):
    foreign = asset_of(other_partner, serial_number="CZJFOREIGN")
    sell(set_tier(other_partner, "sell"), foreign)
    page = html(sales.get("/assets/lookup/?serial=CZJFOREIGN"))
    assert "Aucun équipement de vos clients avec le numéro de série CZJFOREIGN." in page
    assert "Concurrent SA" not in page
    assert f"/assets/{foreign.pk}/" not in page


def test_hp_lookup_sees_every_partner(client, cds_dispatcher, other_partner):
    foreign = asset_of(other_partner, serial_number="CZJFOREIGN")
    contract = sell(set_tier(other_partner, "sell"), foreign)
    client.force_login(cds_dispatcher)
    assert contract.number in html(client.get("/assets/lookup/?serial=CZJFOREIGN"))


# --- Import page -------------------------------------------------------------------------------------


def upload(content: str, name: str = "parc.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


CSV_OK = (
    "serial_number;vendor;product_line;model;site;city;postal_code;region;timezone\n"
    "CZJIMP0001;hp;proliant;DL380;Siège;;;;\n"
    "CZJIMP0002;hp;networking;Aruba 6300;Entrepôt;Thionville;57100;57;Europe/Paris\n"
)


def test_import_previews_then_imports_on_confirmation(sales, customer, site):
    url = f"/customers/{customer.pk}/import/"
    response = sales.post(url, {"action": "preview", "file": upload(CSV_OK)})
    page = html(response)
    assert response.status_code == 200
    assert page.count('data-testid="preview-row"') == 2
    assert "1 site sera créé : Entrepôt." in page
    assert not Asset.objects.filter(serial_number__startswith="CZJIMP").exists()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    response = sales.post(url, {"action": "confirm", "token": token})
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert Asset.objects.filter(customer=customer, serial_number__startswith="CZJIMP").count() == 2
    assert Site.objects.get(customer=customer, name="Entrepôt").region == "57"
    assert messages_of(response) == ["Import terminé : 2 équipement(s) et 1 site(s) créés."]


def test_import_errors_are_listed_by_line_and_nothing_is_imported(sales, customer, site):
    content = CSV_OK + "CZJIMP0001;hp;proliant;;Siège;;;;\nCZJIMP0003;hp;gizmo;;Siège;;;;\n"
    response = sales.post(
        f"/customers/{customer.pk}/import/", {"action": "preview", "file": upload(content)}
    )
    assert response.status_code == 400
    page = html(response)
    assert 'data-line="4" data-code="duplicate_in_file"' in page
    assert 'data-line="5" data-code="unknown_product_line"' in page
    assert "Confirmer l'import" not in page
    assert not Asset.objects.filter(serial_number__startswith="CZJIMP").exists()


def test_confirming_an_import_without_a_preview_imports_nothing(sales, customer):
    response = sales.post(
        f"/customers/{customer.pk}/import/", {"action": "confirm", "token": "forged"}
    )
    assert response.status_code == 302
    assert not Asset.objects.exists()


def test_engineers_may_not_import(client, partner_engineer, customer):
    client.force_login(partner_engineer)
    assert client.get(f"/customers/{customer.pk}/import/").status_code == 403


# --- Home panel -----------------------------------------------------------------------------------


def test_the_sales_home_lists_contracts_ending_soon_and_links_to_sell(sales, seller, proliant):
    contract = sell(seller, proliant)
    Contract.objects.filter(pk=contract.pk).update(ends_on=TODAY + timedelta(days=30))
    later = sell(seller, asset_of(seller))
    page = html(sales.get("/"))
    panel = re.search(r'data-testid="ending-soon-panel".*?</section>', page, re.S).group(0)
    assert contract.number in panel
    assert later.number not in panel
    assert 'href="/contracts/sell/"' in panel
    assert "Programme ServiceOne" in page  # the programme panel stays


def test_money_follows_the_readers_language(sales, settings):
    french = html(sales.get("/catalogue/"))
    assert eur_fr("1 450,00 €") in offering_row(french, "CP-PL-4H-24X7")
    sales.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = html(sales.get("/catalogue/"))
    assert "1,450.00 EUR" in offering_row(english, "CP-PL-4H-24X7")
    assert "ProLiant Care Pack 4-hour 24x7 on-site, 3 years" in english
