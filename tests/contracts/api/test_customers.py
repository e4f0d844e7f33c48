"""customers/ and their sites/: a partner's end customers."""

from __future__ import annotations

import pytest

from contracts.models import Customer, Site
from servicone.models import AuditEvent
from tests.contracts.api.helpers import API, NEW_CUSTOMER, codes
from tests.contracts.factories import AssetFactory, CustomerFactory, SiteFactory


def test_a_partner_admin_creates_a_customer_with_its_sites_in_one_call(
    admin_api, partner, partner_admin
):
    response = admin_api.post(f"{API}/customers/", NEW_CUSTOMER, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get()
    assert body["id"] == customer.pk
    assert (body["partner"], body["name"], body["siren"]) == (
        partner.pk,
        "Clinique du Parc",
        "552100554",
    )
    assert body["assets_count"] == 0
    sites = {site["name"]: site for site in body["sites"]}
    assert {k: sites["Siège"][k] for k in ("city", "region", "timezone", "address")} == {
        "city": "Metz",
        "region": "57",
        "timezone": "Europe/Paris",
        "address": "1 rue Serpenoise",
    }
    assert (sites["Saint-Denis"]["region"], sites["Saint-Denis"]["timezone"]) == (
        "974",
        "Indian/Reunion",
    )
    assert customer.partner == partner
    assert AuditEvent.objects.filter(action="site.create", actor=partner_admin).count() == 2


def test_a_sales_user_creates_a_customer_without_sites(sales_api, partner):
    response = sales_api.post(f"{API}/customers/", {"name": "Mairie de Lyon"}, format="json")

    assert response.status_code == 201
    assert response.json()["sites"] == []
    assert Customer.objects.get().partner == partner


def test_an_engineer_may_not_create_a_customer(engineer_api, partner):
    response = engineer_api.post(f"{API}/customers/", NEW_CUSTOMER, format="json")

    assert response.status_code == 403
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": ""}, [("name", "blank")]),
        ({"siren": "12AB"}, [("siren", "invalid")]),
        (
            {
                "sites": [
                    NEW_CUSTOMER["sites"][0],
                    {"name": "Colmar", "city": "Colmar", "region": "68"},
                ]
            },
            [("sites[1].region", "invalid_region")],
        ),
        (
            {"sites": [{"name": "Base", "city": "Kourou", "timezone": "Mars/Olympus"}]},
            [("sites[0].timezone", "invalid_timezone")],
        ),
        ({"sites": [{"name": "Sans ville"}]}, [("sites[0].city", "required")]),
        ({"sites": [{"name": "Vide", "city": "   "}]}, [("sites[0].city", "blank")]),
    ],
)
def test_bad_customer_input_is_400_naming_the_field_and_creates_nothing(
    admin_api, partner, change, expected
):
    response = admin_api.post(f"{API}/customers/", {**NEW_CUSTOMER, **change}, format="json")

    assert response.status_code == 400
    assert codes(response) == expected
    assert not Customer.objects.exists()
    assert not Site.objects.exists()


def test_a_customer_name_already_used_by_the_partner_is_400(admin_api, partner):
    CustomerFactory(partner=partner, name="Clinique du Parc")

    response = admin_api.post(f"{API}/customers/", {"name": "clinique du parc"}, format="json")

    assert response.status_code == 400
    assert codes(response) == [("name", "duplicate_customer")]


def test_another_partner_may_use_the_same_customer_name(admin_api, partner, other_partner):
    CustomerFactory(partner=other_partner, name="Clinique du Parc")

    response = admin_api.post(f"{API}/customers/", {"name": "Clinique du Parc"}, format="json")

    assert response.status_code == 201


def test_hp_staff_must_name_the_partner_of_a_new_customer(pm_api, partner):
    missing = pm_api.post(f"{API}/customers/", {"name": "Clinique"}, format="json")
    named = pm_api.post(
        f"{API}/customers/", {"name": "Clinique", "partner": partner.pk}, format="json"
    )

    assert missing.status_code == 400
    assert codes(missing) == [("partner", "required")]
    assert named.status_code == 201
    assert Customer.objects.get().partner == partner


def test_a_customer_for_another_partner_is_404_and_not_created(admin_api, partner, other_partner):
    response = admin_api.post(
        f"{API}/customers/", {"name": "Clinique", "partner": other_partner.pk}, format="json"
    )

    assert response.status_code == 404
    assert codes(response) == [("partner", "not_found")]
    assert not Customer.objects.exists()


def test_a_partner_lists_only_its_own_customers(engineer_api, partner, other_partner):
    own = CustomerFactory(partner=partner)
    SiteFactory(customer=own)
    CustomerFactory(partner=other_partner)

    body = engineer_api.get(f"{API}/customers/").json()

    assert [c["id"] for c in body["results"]] == [own.pk]
    assert len(body["results"][0]["sites"]) == 1


def test_hp_staff_list_every_partners_customers_and_filter_by_partner(
    cds_api, partner, other_partner
):
    own = CustomerFactory(partner=partner)
    CustomerFactory(partner=other_partner)

    assert cds_api.get(f"{API}/customers/").json()["count"] == 2
    filtered = cds_api.get(f"{API}/customers/?partner={partner.pk}").json()["results"]
    assert [c["id"] for c in filtered] == [own.pk]


def test_another_partners_customer_is_404(admin_api, other_partner):
    customer = CustomerFactory(partner=other_partner)

    response = admin_api.get(f"{API}/customers/{customer.pk}/")

    assert response.status_code == 404
    assert codes(response) == [(None, "not_found")]


def test_a_customer_counts_its_assets(admin_api, partner):
    site = SiteFactory(customer=CustomerFactory(partner=partner))
    AssetFactory.create_batch(3, site=site)

    body = admin_api.get(f"{API}/customers/{site.customer_id}/").json()

    assert body["assets_count"] == 3


def test_customer_list_costs_the_same_queries_for_3_or_30_customers(
    admin_api, partner, django_assert_num_queries
):
    def make(n: int) -> None:
        for _ in range(n):
            site = SiteFactory(customer=CustomerFactory(partner=partner))
            SiteFactory(customer=site.customer)
            AssetFactory(site=site)

    url = f"{API}/customers/?page_size=100"
    make(3)
    # token (it brings the tenant scope), count, customers with asset counts, sites
    with django_assert_num_queries(4):
        assert admin_api.get(url).json()["count"] == 3
    make(27)
    with django_assert_num_queries(4):
        assert admin_api.get(url).json()["count"] == 30


def test_customer_list_is_paginated(admin_api, partner):
    CustomerFactory.create_batch(3, partner=partner)

    first = admin_api.get(f"{API}/customers/?page_size=2").json()
    second = admin_api.get(first["next"]).json()

    assert first["count"] == 3
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert len(second["results"]) == 1
    assert second["next"] is None


def test_a_seller_adds_a_site_to_a_customer(sales_api, partner):
    customer = CustomerFactory(partner=partner)

    response = sales_api.post(
        f"{API}/customers/{customer.pk}/sites/",
        {"name": "Entrepôt", "city": "Strasbourg", "region": "6AE"},
        format="json",
    )

    assert response.status_code == 201, response.content
    site = Site.objects.get(customer=customer)
    assert response.json() == {
        "id": site.pk,
        "name": "Entrepôt",
        "address": "",
        "postal_code": "",
        "city": "Strasbourg",
        "region": "6AE",
        "timezone": "Europe/Paris",
    }


def test_a_site_with_an_unknown_region_is_400_and_not_created(admin_api, partner):
    customer = CustomerFactory(partner=partner)

    response = admin_api.post(
        f"{API}/customers/{customer.pk}/sites/",
        {"name": "Entrepôt", "city": "Nice", "region": "06"},
        format="json",
    )

    assert response.status_code == 400
    assert codes(response) == [("region", "invalid_region")]
    assert not Site.objects.exists()


def test_a_site_for_another_partners_customer_is_404(admin_api, other_partner):
    customer = CustomerFactory(partner=other_partner)

    response = admin_api.post(
        f"{API}/customers/{customer.pk}/sites/", {"name": "X", "city": "Y"}, format="json"
    )

    assert response.status_code == 404
    assert not Site.objects.exists()


def test_an_engineer_may_not_add_a_site(engineer_api, partner):
    customer = CustomerFactory(partner=partner)

    response = engineer_api.post(
        f"{API}/customers/{customer.pk}/sites/", {"name": "X", "city": "Y"}, format="json"
    )

    assert response.status_code == 403
    assert not Site.objects.exists()


def test_adding_a_site_twice_with_one_idempotency_key_creates_one(admin_api, partner):
    customer = CustomerFactory(partner=partner)
    url = f"{API}/customers/{customer.pk}/sites/"
    payload = {"name": "Entrepôt", "city": "Lille"}

    first = admin_api.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="site-1")
    again = admin_api.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="site-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Site.objects.count() == 1
