"""assets/: the installed base, with the coverage in force."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.models import Asset
from tests.contracts.api.helpers import API, codes, new_asset, sell
from tests.contracts.factories import AssetFactory, CustomerFactory, SiteFactory, asset_of


def test_a_seller_registers_an_asset_at_a_customer_site(sales_api, site):
    response = sales_api.post(f"{API}/assets/", new_asset(site), format="json")

    assert response.status_code == 201, response.content
    asset = Asset.objects.get()
    assert response.json() == {
        "id": asset.pk,
        "serial_number": "CZJ1234567",
        "vendor": "hp",
        "product_line": "proliant",
        "model": "DL380 Gen11",
        "customer": site.customer_id,
        "site": site.pk,
        "covered": False,
        "coverage": [],
        "registration": "confirmed",
        "created_at": response.json()["created_at"],
    }


def test_an_engineer_may_not_register_an_asset(engineer_api, site):
    assert engineer_api.post(f"{API}/assets/", new_asset(site), format="json").status_code == 403
    assert not Asset.objects.exists()


def test_hp_staff_register_an_asset_for_any_partners_customer(pm_api, site):
    assert pm_api.post(f"{API}/assets/", new_asset(site), format="json").status_code == 201


@pytest.mark.parametrize("field", ["customer", "site"])
def test_another_partners_customer_or_site_in_an_asset_is_404_and_creates_nothing(
    admin_api, site, other_partner, field
):
    foreign_site = SiteFactory(customer=CustomerFactory(partner=other_partner))
    foreign = {"customer": foreign_site.customer_id, "site": foreign_site.pk}[field]

    response = admin_api.post(f"{API}/assets/", new_asset(site, **{field: foreign}), format="json")

    assert response.status_code == 404
    assert codes(response) == [(field, "not_found")]
    assert not Asset.objects.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"serial_number": "  "}, [("serial_number", "blank")]),
        ({"product_line": "mainframe"}, [("product_line", "does_not_exist")]),
        ({"vendor": "ibm"}, [("vendor", "invalid_choice")]),
        ({"customer": None}, [("customer", "null")]),
    ],
)
def test_bad_asset_input_is_400_naming_the_field_and_creates_nothing(
    admin_api, site, change, expected
):
    response = admin_api.post(f"{API}/assets/", new_asset(site, **change), format="json")

    assert response.status_code == 400
    assert codes(response) == expected
    assert not Asset.objects.exists()


def test_a_site_of_another_customer_is_400(admin_api, site, partner):
    elsewhere = SiteFactory(customer=CustomerFactory(partner=partner))

    response = admin_api.post(f"{API}/assets/", new_asset(site, site=elsewhere.pk), format="json")

    assert response.status_code == 400
    assert codes(response) == [("site", "site_not_of_customer")]


def test_a_serial_number_another_partner_holds_is_held_for_hp_without_saying_whose(
    admin_api, site, other_partner
):
    """Issue 13, finding 6: no longer refused (which told whose it was and let the first
    to register block the other); accepted, held until HP staff arbitrate."""
    theirs = asset_of(other_partner, serial_number="CZJ1234567")

    response = admin_api.post(f"{API}/assets/", new_asset(site), format="json")

    assert response.status_code == 201
    assert response.json()["registration"] == "held"
    assert response.json()["covered"] is False
    assert other_partner.name not in response.content.decode()
    assert theirs.customer.name not in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.registration == "confirmed"


def test_a_serial_number_the_partner_already_has_is_400_serial_taken(admin_api, site, partner):
    asset_of(partner, serial_number="CZJ1234567")

    response = admin_api.post(f"{API}/assets/", new_asset(site), format="json")

    assert response.status_code == 400
    assert codes(response) == [("serial_number", "serial_taken")]


def test_an_asset_shows_the_contracts_covering_it_today(engineer_api, asset):
    contract = sell(asset.customer.partner, [asset])

    body = engineer_api.get(f"{API}/assets/{asset.pk}/").json()

    assert body["covered"] is True
    assert body["coverage"] == [
        {
            "contract": contract.pk,
            "number": contract.number,
            "offering": "CP-PL-4H-24X7",
            "kind": "care_pack",
            "starts_on": "2026-03-02",
            "ends_on": "2029-03-01",
        }
    ]


def test_assets_filter_by_coverage_customer_and_serial(engineer_api, asset, seller):
    bare = asset_of(seller, serial_number="USE9876543")
    future = asset_of(seller)
    sell(seller, [asset])
    sell(seller, [future], starts_on=date(2026, 4, 1))  # not in force yet

    def ids(query: str) -> list[int]:
        return [a["id"] for a in engineer_api.get(f"{API}/assets/?{query}").json()["results"]]

    assert ids("covered=true") == [asset.pk]
    assert set(ids("covered=false")) == {bare.pk, future.pk}
    assert ids(f"customer={bare.customer_id}") == [bare.pk]
    assert ids("serial=use9876543") == [bare.pk]


def test_a_partner_sees_only_its_own_assets(engineer_api, asset, other_asset):
    body = engineer_api.get(f"{API}/assets/").json()

    assert [a["id"] for a in body["results"]] == [asset.pk]
    assert engineer_api.get(f"{API}/assets/{other_asset.pk}/").status_code == 404
    assert (
        engineer_api.get(f"{API}/assets/?serial={other_asset.serial_number}").json()["count"] == 0
    )


def test_asset_list_costs_the_same_queries_for_5_or_40_covered_assets(
    admin_api, seller, django_assert_num_queries
):
    site = SiteFactory(customer=CustomerFactory(partner=seller))

    def cover(n: int) -> None:
        assets = AssetFactory.create_batch(n, site=site)
        sell(seller, assets)
        sell(seller, assets, code="SC-FOUNDATION-13X5")

    url = f"{API}/assets/?page_size=100"
    cover(5)
    # token (it brings the tenant scope), count, assets with lines, coverage with contracts
    with django_assert_num_queries(4):
        assert admin_api.get(url).json()["count"] == 5
    cover(35)
    with django_assert_num_queries(4):
        body = admin_api.get(url).json()
    assert body["count"] == 40
    assert all(len(a["coverage"]) == 2 for a in body["results"])
