"""The customer list, a customer's page, its sites and assets."""

from __future__ import annotations

import re

from contracts.models import Asset, Customer, Site
from tests.contracts.factories import AssetFactory, CustomerFactory, SiteFactory, asset_of
from tests.contracts.views.helpers import html, product_line, sell


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
    with django_assert_num_queries(5):
        sales.get("/customers/")
    _many_customers(seller, 20)
    with django_assert_num_queries(5):
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
    with django_assert_num_queries(11):
        sales.get(f"/customers/{customer.pk}/")
    for _ in range(20):
        sell(seller, AssetFactory(site=site))
    SiteFactory(customer=customer)
    with django_assert_num_queries(11):
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


def test_adding_an_asset_another_partner_holds_is_held_for_hp_without_naming_the_owner(
    sales, customer, site, other_partner
):
    """Issue 13, finding 6: accepted and held for HP's check, the owner never named."""
    asset_of(other_partner, serial_number="CZJTAKEN01")
    response = sales.post(
        f"/customers/{customer.pk}/assets/add/",
        {
            "asset-serial_number": "czjtaken01",
            "asset-vendor": "hp",
            "asset-product_line": product_line("proliant").pk,
            "asset-site": site.pk,
        },
        follow=True,
    )
    assert response.status_code == 200
    page = html(response)
    assert (
        "Équipement CZJTAKEN01 enregistré : HP le vérifie avant qu'il puisse être couvert." in page
    )
    assert "En attente de vérification HP" in page
    assert "Concurrent SA" not in page
    assert Asset.objects.get(customer=customer).registration == "held"


def test_adding_an_asset_the_partner_already_has_says_so(sales, customer, site, seller):
    asset_of(seller, serial_number="CZJTAKEN01")
    response = sales.post(
        f"/customers/{customer.pk}/assets/add/",
        {
            "asset-serial_number": "czjtaken01",
            "asset-vendor": "hp",
            "asset-product_line": product_line("proliant").pk,
            "asset-site": site.pk,
        },
    )
    assert response.status_code == 400
    assert "Ce numéro de série est déjà enregistré pour ce constructeur." in html(response)


def test_an_asset_cannot_be_added_on_another_customers_site(sales, customer, seller):
    other_site = SiteFactory(customer=CustomerFactory(partner=seller))
    response = sales.post(
        f"/customers/{customer.pk}/assets/add/",
        {
            "asset-serial_number": "CZJNEW0001",
            "asset-vendor": "hp",
            "asset-product_line": product_line("proliant").pk,
            "asset-site": other_site.pk,
        },
    )
    assert response.status_code == 400
    assert not Asset.objects.filter(serial_number="CZJNEW0001").exists()
