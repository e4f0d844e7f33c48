"""Catalogue-side endpoints of the v1 API (API.md): what an integration client observes."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from contracts.api.serializers import EntitlementSerializer
from contracts.models import Asset, Contract, ContractAsset, CreditEntry, Customer, Offering, Site
from contracts.selectors import entitlements_for_serial
from contracts.services import contract_cancel, contract_sell
from partners.models import Partner, ProductLine, Tier
from servicone.models import AuditEvent
from tests.contracts.factories import AssetFactory, CustomerFactory, SiteFactory, asset_of, offering
from tests.partners.factories import make_deliver_ready, set_tier

TODAY = date(2026, 3, 2)
API = "/api/v1"


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        yield


def errors(response: Any) -> list[dict[str, Any]]:
    return response.json()["errors"]


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in errors(response)]


def sell(partner: Partner, assets: list[Asset], code: str = "CP-PL-4H-24X7", **kwargs: Any):
    return contract_sell(
        partner=partner,
        customer=kwargs.pop("customer", None) or assets[0].customer,
        offering=offering(code),
        assets=assets,
        starts_on=kwargs.pop("starts_on", TODAY),
        actor=None,
        **kwargs,
    )


@pytest.fixture
def seller(partner: Partner) -> Partner:
    return set_tier(partner, "sell")


@pytest.fixture
def asset(seller: Partner) -> Asset:
    return asset_of(seller)


@pytest.fixture
def other_asset(other_partner: Partner) -> Asset:
    return asset_of(set_tier(other_partner, "sell"))


@pytest.fixture
def other_contract(other_asset: Asset) -> Contract:
    return sell(other_asset.customer.partner, [other_asset])


def nothing_sold() -> bool:
    return not Contract.objects.exists() and not ContractAsset.objects.exists()


# --- offerings/ ------------------------------------------------------------------------------------


def test_offerings_show_the_service_level_of_each_catalogue_line(sales_api, seller):
    response = sales_api.get(f"{API}/offerings/")

    assert response.status_code == 200
    lines = {o["code"]: o for o in response.json()["results"]}
    assert set(lines) >= {"CP-PL-4H-24X7", "CP-3PAR-4H-24X7", "PS-CREDITS-10"}
    care_pack = lines["CP-PL-4H-24X7"]
    assert care_pack == {
        "id": offering("CP-PL-4H-24X7").pk,
        "code": "CP-PL-4H-24X7",
        "name": "Care Pack ProLiant intervention 4 h 24x7, 3 ans",
        "kind": "care_pack",
        "product_lines": ["proliant"],
        "coverage": "24x7",
        "response_hours": 2,
        "onsite_hours": 4,
        "onsite_next_business_day": False,
        "resolution_hours": 8,
        "duration_months": 36,
        "list_price_eur": "1450.00",
        "credits": 0,
        "description": care_pack["description"],
        "tier_to_sell": "sell",
        "tier_to_sell_name": "Sell",
        "tier_to_deliver": "deliver",
        "tier_to_deliver_name": "Deliver",
        "may_sell": True,
        "may_deliver": False,
    }
    nbd = lines["CP-PL-NBD-9X5"]
    assert (nbd["onsite_hours"], nbd["onsite_next_business_day"]) == (None, True)
    assert lines["CP-3PAR-4H-24X7"]["tier_to_deliver"] == "expert"


def test_a_sell_partner_sees_which_tier_unlocks_what_it_may_not_sell(sales_api, seller):
    lines = {o["code"]: o for o in sales_api.get(f"{API}/offerings/").json()["results"]}

    credits = lines["PS-CREDITS-10"]
    assert credits["may_sell"] is False
    assert (credits["tier_to_sell"], credits["tier_to_sell_name"]) == ("deliver", "Deliver")
    assert credits["tier_to_deliver"] == "expert"


def test_may_sell_filter_answers_for_the_callers_tier(sales_api, seller):
    sellable = sales_api.get(f"{API}/offerings/?may_sell=true").json()["results"]
    not_sellable = sales_api.get(f"{API}/offerings/?may_sell=false").json()["results"]

    assert "CP-PL-4H-24X7" in {o["code"] for o in sellable}
    assert all(o["may_sell"] for o in sellable)
    assert [o["code"] for o in not_sellable] == ["PS-CREDITS-10"]


def test_a_partner_without_a_tier_may_sell_nothing(sales_api, partner):
    assert sales_api.get(f"{API}/offerings/?may_sell=true").json()["count"] == 0


def test_hp_staff_see_the_catalogue_without_a_tier_verdict(pm_api, db):
    body = pm_api.get(f"{API}/offerings/").json()

    assert body["count"] == Offering.objects.active().count()
    assert {o["may_sell"] for o in body["results"]} == {None}
    response = pm_api.get(f"{API}/offerings/?may_sell=true")
    assert response.status_code == 400
    assert codes(response) == [("may_sell", "partner_only")]


def test_offerings_filter_by_kind_and_product_line(engineer_api, partner):
    credits = engineer_api.get(f"{API}/offerings/?kind=proactive_credits").json()["results"]
    storage = engineer_api.get(f"{API}/offerings/?product_line=3par").json()["results"]

    assert [o["code"] for o in credits] == ["PS-CREDITS-10"]
    assert {o["code"] for o in storage} == {
        "CP-3PAR-4H-24X7",
        "SC-DATACENTER-24X7",
        "PS-CREDITS-10",
    }


def test_offering_names_follow_the_request_language(sales_api, partner):
    line = sales_api.get(
        f"{API}/offerings/{offering('CP-PL-4H-24X7').pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert line["name"] == "ProLiant Care Pack 4-hour 24x7 on-site, 3 years"


def test_the_catalogue_is_read_only_in_the_api(pm_api, db):
    assert pm_api.post(f"{API}/offerings/", {"code": "X"}, format="json").status_code == 405


def test_offerings_need_authentication(anon_api, db):
    assert anon_api.get(f"{API}/offerings/").status_code == 401


def test_offering_list_costs_the_same_queries_for_9_or_40_offerings(
    sales_api, seller, django_assert_num_queries
):
    url = f"{API}/offerings/?page_size=200"
    # token, staff groups, membership, partner's tier, count, offerings, product lines
    with django_assert_num_queries(7):
        assert sales_api.get(url).status_code == 200
    template = offering("CP-PL-4H-24X7")
    lines = list(ProductLine.objects.all())
    for n in range(31):
        extra = Offering.objects.create(
            code=f"CP-X-{n}",
            name=f"Extra {n}",
            kind="care_pack",
            coverage="24x7",
            response_hours=2,
            onsite_hours=4,
            duration_months=12,
            list_price_eur=Decimal("100.00"),
            tier_to_sell=template.tier_to_sell,
            tier_to_deliver=template.tier_to_deliver,
        )
        extra.product_lines.set(lines)
    with django_assert_num_queries(7):
        body = sales_api.get(url).json()
    assert body["count"] == 40


# --- customers/ ------------------------------------------------------------------------------------

NEW_CUSTOMER = {
    "name": "Clinique du Parc",
    "siren": "552100554",
    "sites": [
        {"name": "Siège", "city": "Metz", "address": "1 rue Serpenoise", "region": "57"},
        {
            "name": "Saint-Denis",
            "city": "Saint-Denis",
            "region": "974",
            "timezone": "Indian/Reunion",
        },
    ],
}


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
    # token, staff groups, membership, count, customers with asset counts, sites
    with django_assert_num_queries(6):
        assert admin_api.get(url).json()["count"] == 3
    make(27)
    with django_assert_num_queries(6):
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


# --- customers/{id}/sites/ --------------------------------------------------------------------------


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


# --- assets/ ---------------------------------------------------------------------------------------


@pytest.fixture
def site(partner: Partner) -> Site:
    return SiteFactory(customer=CustomerFactory(partner=partner))


def new_asset(at: Site, **change: Any) -> dict[str, Any]:
    return {
        "serial_number": " czj1234567 ",
        "product_line": "proliant",
        "vendor": "hp",
        "model": "DL380 Gen11",
        "customer": at.customer_id,
        "site": at.pk,
        **change,
    }


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


def test_a_serial_number_taken_elsewhere_is_400_without_saying_whose(
    admin_api, site, other_partner
):
    asset_of(other_partner, serial_number="CZJ1234567")

    response = admin_api.post(f"{API}/assets/", new_asset(site), format="json")

    assert response.status_code == 400
    assert codes(response) == [("serial_number", "serial_taken")]
    assert other_partner.name not in response.content.decode()


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
    # token, staff groups, membership, count, assets with lines, coverage with contracts
    with django_assert_num_queries(6):
        assert admin_api.get(url).json()["count"] == 5
    cover(35)
    with django_assert_num_queries(6):
        body = admin_api.get(url).json()
    assert body["count"] == 40
    assert all(len(a["coverage"]) == 2 for a in body["results"])


# --- entitlements/ -------------------------------------------------------------------------------


def test_entitlement_by_serial_gives_the_service_level_in_force(sales_api, asset):
    contract = sell(asset.customer.partner, [asset], code="CP-PL-NBD-9X5")

    response = sales_api.get(f"{API}/entitlements/?serial={asset.serial_number}")

    assert response.status_code == 200
    assert response.json() == [
        {
            "contract": contract.pk,
            "contract_number": contract.number,
            "offering": offering("CP-PL-NBD-9X5").pk,
            "offering_code": "CP-PL-NBD-9X5",
            "offering_name": "Care Pack ProLiant J+1 ouvré 9x5, 3 ans",
            "kind": "care_pack",
            "coverage": "9x5",
            "response_hours": 4,
            "onsite_hours": None,
            "onsite_next_business_day": True,
            "resolution_hours": None,
            "delivery_mode": "cds",
            "starts_on": "2026-03-02",
            "ends_on": "2029-03-01",
            "asset": asset.pk,
            "serial_number": asset.serial_number,
            "vendor": "hp",
            "product_line": "proliant",
            "customer": {"id": asset.customer_id, "name": asset.customer.name},
            "site": {
                "id": asset.site_id,
                "name": asset.site.name,
                "address": "",
                "postal_code": "",
                "city": "Lyon",
                "region": "",
                "timezone": "Europe/Paris",
            },
        }
    ]


def test_entitlement_serial_is_case_insensitive(sales_api, asset):
    sell(asset.customer.partner, [asset])

    body = sales_api.get(f"{API}/entitlements/?serial= {asset.serial_number.lower()} ").json()

    assert len(body) == 1


def test_another_partners_asset_has_no_entitlement_for_a_partner(sales_api, other_contract):
    serial = other_contract.assets.get().serial_number

    response = sales_api.get(f"{API}/entitlements/?serial={serial}")

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("client_name", ["cds_api", "pm_api"])
def test_hp_and_cds_staff_see_every_partners_entitlements(client_name, request, other_contract):
    api = request.getfixturevalue(client_name)
    serial = other_contract.assets.get().serial_number

    body = api.get(f"{API}/entitlements/?serial={serial}").json()

    assert [e["contract"] for e in body] == [other_contract.pk]


def test_cancelled_or_future_coverage_is_no_entitlement(sales_api, seller):
    cancelled, future = asset_of(seller), asset_of(seller)
    contract_cancel(contract=sell(seller, [cancelled]), actor=None, reason="Erreur de saisie")
    sell(seller, [future], starts_on=date(2026, 3, 3))

    for asset in (cancelled, future):
        assert sales_api.get(f"{API}/entitlements/?serial={asset.serial_number}").json() == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_entitlements_answer_what_the_documented_serializer_gives(sales_api, seller, language):
    asset = asset_of(seller, site_kwargs={"address": "2 av. Y", "postal_code": "57000"})
    sell(seller, [asset], code="CP-PL-NBD-9X5")
    sell(seller, [asset], code="SC-FOUNDATION-13X5")
    twin = asset_of(seller, line="non_hp", vendor="other", serial_number=asset.serial_number)
    sell(seller, [twin], code="SC-MULTIVENDOR-9X5")

    response = sales_api.get(
        f"{API}/entitlements/?serial={asset.serial_number}", HTTP_ACCEPT_LANGUAGE=language
    )

    with translation.override(language):
        rows = entitlements_for_serial(asset.serial_number, partner_id=seller.pk, on=TODAY)
        documented = EntitlementSerializer(rows, many=True).data
    assert len(documented) == 3
    assert response.json() == json.loads(JSONRenderer().render(documented))


@pytest.mark.parametrize("query", ["", "?serial=", "?serial=%20%20"])
def test_entitlement_without_a_serial_is_400_naming_it(sales_api, partner, query):
    response = sales_api.get(f"{API}/entitlements/{query}")

    assert response.status_code == 400
    assert codes(response) == [("serial", "required")]


def test_entitlements_need_authentication(anon_api, db):
    assert anon_api.get(f"{API}/entitlements/?serial=X").status_code == 401


@pytest.mark.parametrize("client_name", ["sales_api", "cds_api"])
def test_entitlement_look_up_is_2_queries_however_much_coverage(
    client_name, request, seller, django_assert_num_queries
):
    api = request.getfixturevalue(client_name)
    asset = asset_of(seller)
    url = f"{API}/entitlements/?serial={asset.serial_number}"
    sell(seller, [asset])
    # the token with the caller's scope (partner or HP staff), the coverage with everything shown
    with django_assert_num_queries(2):
        assert len(api.get(url).json()) == 1
    sell(seller, [asset], code="SC-FOUNDATION-13X5")
    # The same serial number from another vendor is another asset (another customer's too).
    twin = asset_of(seller, line="non_hp", vendor="other", serial_number=asset.serial_number)
    sell(seller, [twin], code="SC-MULTIVENDOR-9X5")
    with django_assert_num_queries(2):
        assert len(api.get(url).json()) == 3


# --- contracts/ (selling) ----------------------------------------------------------------------


def sale(asset: Asset, code: str = "CP-PL-4H-24X7", **change: Any) -> dict[str, Any]:
    return {
        "offering": offering(code).pk,
        "customer": asset.customer_id,
        "assets": [asset.pk],
        "starts_on": "2026-03-02",
        **change,
    }


def test_a_seller_sells_a_care_pack(sales_api, asset, partner_sales):
    response = sales_api.post(f"{API}/contracts/", sale(asset), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    contract = Contract.objects.get()
    assert {k: body[k] for k in ("id", "number", "partner", "status", "ends_on", "price_eur")} == {
        "id": contract.pk,
        "number": f"SO-2026-{contract.pk:06d}",
        "partner": asset.customer.partner_id,
        "status": "active",
        "ends_on": "2029-03-01",
        "price_eur": "1450.00",
    }
    # A Sell partner may not deliver: CDS does, and the contract says why.
    assert body["delivery_mode"] == "cds"
    assert "Deliver" in body["delivery_reason"]
    assert (body["customer"], body["assets"], body["offering_code"]) == (
        asset.customer_id,
        [asset.pk],
        "CP-PL-4H-24X7",
    )
    assert (body["starts_on"], body["booked_on"]) == ("2026-03-02", "2026-03-02")
    assert contract.sold_by == partner_sales


def test_the_offering_may_be_given_by_code_and_the_start_defaults_to_today(admin_api, asset):
    payload = {"offering": "CP-PL-4H-13X5", "customer": asset.customer_id, "assets": [asset.pk]}

    response = admin_api.post(f"{API}/contracts/", payload, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["offering_code"], response.json()["starts_on"]) == (
        "CP-PL-4H-13X5",
        "2026-03-02",
    )


def test_selling_a_deliver_only_offering_as_a_sell_partner_is_refused_and_creates_nothing(
    sales_api, asset
):
    response = sales_api.post(
        f"{API}/contracts/", sale(asset, "PS-CREDITS-10", assets=[]), format="json"
    )

    assert response.status_code == 400
    assert codes(response) == [("offering", "tier_not_allowed")]
    message = errors(response)[0]["message"]
    assert "Deliver" in message  # the tier needed
    assert "Sell" in message  # the partner's own
    assert nothing_sold()
    assert not CreditEntry.objects.exists()


def test_a_registered_partner_may_not_sell_even_a_care_pack(sales_api, partner):
    set_tier(partner, "registered")
    asset = asset_of(partner)

    response = sales_api.post(f"{API}/contracts/", sale(asset), format="json")

    assert codes(response) == [("offering", "tier_not_allowed")]
    assert nothing_sold()


def test_overlapping_coverage_is_refused(sales_api, asset):
    first = sell(asset.customer.partner, [asset])

    response = sales_api.post(
        f"{API}/contracts/", sale(asset, starts_on="2027-01-01"), format="json"
    )

    assert response.status_code == 400
    assert codes(response) == [("assets", "coverage_overlap")]
    assert first.number in errors(response)[0]["message"]
    assert list(Contract.objects.all()) == [first]


def test_a_sale_moves_a_partner_from_9000_eur_to_eligible_for_sell_in_the_same_cycle(
    admin_api, seller, asset
):
    seller.declared_revenue_12m_eur = Decimal("9000.00")
    seller.save(update_fields=["declared_revenue_12m_eur"])
    eligibility = f"{API}/partners/{seller.pk}/eligibility/"

    def sell_tier(body: dict[str, Any]) -> dict[str, Any]:
        return next(t for t in body["tiers"] if t["code"] == "sell")

    before = sell_tier(admin_api.get(eligibility).json())
    assert before["eligible"] is False
    response = admin_api.post(f"{API}/contracts/", sale(asset), format="json")
    assert response.status_code == 201, response.content
    after = admin_api.get(eligibility).json()

    assert sell_tier(after)["eligible"] is True
    assert after["current_tier"] == "sell"
    partner_body = admin_api.get(f"{API}/partners/{seller.pk}/").json()
    assert partner_body["services_revenue_12m_eur"] == "10450.00"
    assert partner_body["grace_until"] is None


@pytest.mark.parametrize("field", ["customer", "assets"])
def test_another_partners_customer_or_asset_in_a_sale_is_404_and_creates_nothing(
    sales_api, asset, other_asset, field
):
    foreign = {"customer": other_asset.customer_id, "assets": [asset.pk, other_asset.pk]}[field]

    response = sales_api.post(f"{API}/contracts/", sale(asset, **{field: foreign}), format="json")

    assert response.status_code == 404
    assert codes(response) == [(field, "not_found")]
    assert str(other_asset.customer.partner.name) not in response.content.decode()
    assert nothing_sold()


@pytest.mark.parametrize("client_name", ["engineer_api", "pm_api", "cds_api"])
def test_only_the_partners_admin_and_sales_may_sell(client_name, request, asset):
    api = request.getfixturevalue(client_name)

    response = api.post(f"{API}/contracts/", sale(asset), format="json")

    assert response.status_code == 403
    assert nothing_sold()


def test_selling_needs_authentication(anon_api, asset):
    assert anon_api.post(f"{API}/contracts/", sale(asset), format="json").status_code == 401
    assert nothing_sold()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"offering": None}, [("offering", "null")]),
        ({"offering": "NO-SUCH-SKU"}, [("offering", "does_not_exist")]),
        ({"starts_on": "02/03/2026"}, [("starts_on", "invalid")]),
        ({"starts_on": "2026-03-01"}, [("starts_on", "start_in_past")]),
        ({"assets": "12"}, [("assets", "not_a_list")]),
        ({"assets": []}, [("assets", "required")]),
        ({"delivery_mode": "drone"}, [("delivery_mode", "invalid_choice")]),
        ({"delivery_mode": "partner"}, [("delivery_mode", "delivery_mode_not_allowed")]),
        ({"quote": "maybe"}, [("quote", "invalid")]),
    ],
)
def test_bad_sale_input_is_400_naming_the_field_and_creates_nothing(
    sales_api, asset, change, expected
):
    response = sales_api.post(f"{API}/contracts/", sale(asset, **change), format="json")

    assert response.status_code == 400
    assert codes(response) == expected
    assert nothing_sold()


def test_a_missing_field_is_named(sales_api, asset):
    response = sales_api.post(f"{API}/contracts/", {"assets": [asset.pk]}, format="json")

    assert response.status_code == 400
    assert set(codes(response)) == {("offering", "required"), ("customer", "required")}


def test_an_asset_line_the_offering_does_not_cover_is_400(sales_api, seller):
    switch = asset_of(seller, line="networking")

    response = sales_api.post(f"{API}/contracts/", sale(switch), format="json")

    assert codes(response) == [("assets", "product_line_not_covered")]
    assert nothing_sold()


def test_an_asset_of_another_customer_of_the_partner_is_400(sales_api, asset, seller):
    elsewhere = asset_of(seller)

    response = sales_api.post(
        f"{API}/contracts/", sale(asset, assets=[asset.pk, elsewhere.pk]), format="json"
    )

    assert codes(response) == [("assets", "asset_not_of_customer")]
    assert nothing_sold()


def test_selling_twice_with_one_idempotency_key_creates_one_contract(sales_api, asset):
    url = f"{API}/contracts/"

    first = sales_api.post(url, sale(asset), format="json", HTTP_IDEMPOTENCY_KEY="sale-42")
    again = sales_api.post(url, sale(asset), format="json", HTTP_IDEMPOTENCY_KEY="sale-42")
    other = sales_api.post(
        url, sale(asset, starts_on="2030-01-01"), format="json", HTTP_IDEMPOTENCY_KEY="sale-42"
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Contract.objects.count() == 1
    assert other.status_code == 409
    assert codes(other) == [("Idempotency-Key", "idempotency_key_reused")]


def test_a_refused_sale_does_not_burn_its_idempotency_key(sales_api, asset, seller):
    url = f"{API}/contracts/"
    set_tier(seller, "registered")
    refused = sales_api.post(url, sale(asset), format="json", HTTP_IDEMPOTENCY_KEY="k")
    set_tier(seller, "sell")

    retried = sales_api.post(url, sale(asset), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert refused.status_code == 400
    assert retried.status_code == 201


# --- contracts/ (reading) -----------------------------------------------------------------------


def test_a_partner_lists_only_its_own_contracts(engineer_api, asset, other_contract):
    own = sell(asset.customer.partner, [asset])

    body = engineer_api.get(f"{API}/contracts/").json()

    assert [c["id"] for c in body["results"]] == [own.pk]


def test_hp_staff_list_every_partners_contracts(cds_api, asset, other_contract):
    own = sell(asset.customer.partner, [asset])

    body = cds_api.get(f"{API}/contracts/").json()

    assert {c["id"] for c in body["results"]} == {own.pk, other_contract.pk}


def test_contracts_filter_by_status_customer_offering_and_end(engineer_api, seller):
    first, second, third = asset_of(seller), asset_of(seller), asset_of(seller)
    care_pack = sell(seller, [first])
    formula = sell(seller, [second], code="SC-FOUNDATION-13X5")
    cancelled = sell(seller, [third], code="CP-PL-NBD-9X5")
    contract_cancel(contract=cancelled, actor=None, reason="Doublon")

    def ids(query: str) -> set[int]:
        return {c["id"] for c in engineer_api.get(f"{API}/contracts/?{query}").json()["results"]}

    assert ids("status=active") == {care_pack.pk, formula.pk}
    assert ids("status=cancelled") == {cancelled.pk}
    assert ids(f"customer={second.customer_id}") == {formula.pk}
    assert ids("offering=CP-PL-4H-24X7") == {care_pack.pk}
    assert ids(f"offering={formula.offering_id}") == {formula.pk}
    assert ids(f"asset={first.pk}") == {care_pack.pk}
    # SC-FOUNDATION is one year: its last covered day is 2027-03-01.
    assert ids("ends_before=2027-03-01") == {formula.pk}
    assert ids("ends_before=2027-02-28") == set()
    bad = engineer_api.get(f"{API}/contracts/?ends_before=soon")
    assert bad.status_code == 400
    assert codes(bad) == [("ends_before", "invalid")]


def test_contract_list_costs_the_same_queries_for_5_or_40_contracts(
    admin_api, seller, django_assert_num_queries
):
    def make(n: int) -> None:
        for _ in range(n):
            sell(seller, [asset_of(seller)])

    url = f"{API}/contracts/?page_size=100"
    make(5)
    # token, staff groups, membership, count, contracts with offering and customer, assets
    with django_assert_num_queries(6):
        assert admin_api.get(url).json()["count"] == 5
    make(35)
    with django_assert_num_queries(6):
        assert admin_api.get(url).json()["count"] == 40


def test_contract_list_is_paginated_with_page_size_capped_at_200(admin_api, seller):
    for _ in range(3):
        sell(seller, [asset_of(seller)])

    page = admin_api.get(f"{API}/contracts/?page_size=2").json()
    capped = admin_api.get(f"{API}/contracts/?page_size=500").json()

    assert (page["count"], len(page["results"])) == (3, 2)
    assert page["next"].endswith("page=2&page_size=2")
    assert len(capped["results"]) == 3


# --- contracts/{id}/<action>/ ------------------------------------------------------------------------


def test_another_partners_contract_is_404(admin_api, other_contract):
    response = admin_api.get(f"{API}/contracts/{other_contract.pk}/")

    assert response.status_code == 404
    assert codes(response) == [(None, "not_found")]


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("post", "cancel", {"reason": "Essai"}),
        ("post", "activate", {}),
        ("post", "renew", {}),
        ("get", "credits", None),
        ("post", "credits/consume", {"credits": 1}),
    ],
)
def test_every_action_on_another_partners_contract_is_404_and_changes_nothing(
    admin_api, other_contract, method, path, payload
):
    url = f"{API}/contracts/{other_contract.pk}/{path}/"

    response = getattr(admin_api, method)(url, payload, format="json")

    assert response.status_code == 404
    other_contract.refresh_from_db()
    assert other_contract.status == "active"
    assert Contract.objects.count() == 1


def test_a_quote_is_created_then_activated(sales_api, asset, seller):
    quoted = sales_api.post(f"{API}/contracts/", sale(asset, quote=True), format="json").json()
    assert (quoted["status"], quoted["booked_on"]) == ("quote", None)
    assert sales_api.get(f"{API}/entitlements/?serial={asset.serial_number}").json() == []

    response = sales_api.post(f"{API}/contracts/{quoted['id']}/activate/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["booked_on"]) == ("active", "2026-03-02")
    assert len(sales_api.get(f"{API}/entitlements/?serial={asset.serial_number}").json()) == 1
    again = sales_api.post(f"{API}/contracts/{quoted['id']}/activate/")
    assert again.status_code == 409
    assert codes(again) == [(None, "invalid_status")]


def test_a_seller_cancels_a_contract_and_coverage_ends(sales_api, asset):
    contract = sell(asset.customer.partner, [asset])
    url = f"{API}/contracts/{contract.pk}/cancel/"

    response = sales_api.post(url, {"reason": "Client parti"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert sales_api.get(f"{API}/assets/{asset.pk}/").json()["covered"] is False
    again = sales_api.post(url, {"reason": "Encore"}, format="json")
    assert again.status_code == 409
    assert codes(again) == [(None, "invalid_status")]


def test_cancelling_without_a_reason_is_400(sales_api, asset):
    contract = sell(asset.customer.partner, [asset])

    response = sales_api.post(f"{API}/contracts/{contract.pk}/cancel/", {}, format="json")

    assert response.status_code == 400
    assert codes(response) == [("reason", "required")]
    contract.refresh_from_db()
    assert contract.status == "active"


def test_renewing_creates_the_follow_on_contract_once(admin_api, asset):
    contract = sell(asset.customer.partner, [asset])
    url = f"{API}/contracts/{contract.pk}/renew/"

    response = admin_api.post(url)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["renewed_from"], body["starts_on"], body["ends_on"]) == (
        contract.pk,
        "2029-03-02",
        "2032-03-01",
    )
    assert body["assets"] == [asset.pk]
    again = admin_api.post(url)
    assert again.status_code == 409
    assert codes(again) == [(None, "already_renewed")]


def test_renewing_twice_with_one_idempotency_key_answers_the_same(admin_api, asset):
    contract = sell(asset.customer.partner, [asset])
    url = f"{API}/contracts/{contract.pk}/renew/"

    first = admin_api.post(url, HTTP_IDEMPOTENCY_KEY="renew-1")
    again = admin_api.post(url, HTTP_IDEMPOTENCY_KEY="renew-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Contract.objects.count() == 2


@pytest.mark.parametrize("path", ["cancel", "activate", "renew"])
@pytest.mark.parametrize("client_name", ["engineer_api", "pm_api", "cds_api"])
def test_only_the_partners_sellers_act_on_its_contracts(client_name, request, asset, path):
    contract = sell(asset.customer.partner, [asset])
    api = request.getfixturevalue(client_name)

    response = api.post(f"{API}/contracts/{contract.pk}/{path}/", {"reason": "x"}, format="json")

    assert response.status_code == 403
    contract.refresh_from_db()
    assert contract.status == "active"
    assert Contract.objects.count() == 1


# --- contracts/{id}/credits/ ---------------------------------------------------------------------


@pytest.fixture
def credits_contract(partner: Partner) -> Contract:
    make_deliver_ready(partner, on=date(2026, 1, 5))
    set_tier(partner, "deliver")
    customer = CustomerFactory(partner=partner)
    return sell(partner, [], customer=customer, code="PS-CREDITS-10")


def test_a_deliver_partner_buys_credits_and_both_sides_see_the_ledger(
    admin_api, pm_api, credits_contract
):
    url = f"{API}/contracts/{credits_contract.pk}/credits/"

    ours, hp = admin_api.get(url), pm_api.get(url)

    assert ours.status_code == hp.status_code == 200
    assert ours.json() == hp.json()
    [purchase] = ours.json()["results"]
    assert {k: purchase[k] for k in ("kind", "credits", "balance_after", "reference")} == {
        "kind": "purchased",
        "credits": 10,
        "balance_after": 10,
        "reference": credits_contract.number,
    }
    assert purchase["at"] == "2026-03-02T10:00:00+01:00"


@pytest.mark.parametrize("client_name", ["admin_api", "cds_api", "pm_api"])
def test_hp_staff_and_the_partner_admin_consume_credits(client_name, request, credits_contract):
    api = request.getfixturevalue(client_name)

    response = api.post(
        f"{API}/contracts/{credits_contract.pk}/credits/consume/",
        {"credits": 3, "reference": "Visite préventive T-17"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert {k: response.json()[k] for k in ("kind", "credits", "balance_after", "reference")} == {
        "kind": "consumed",
        "credits": -3,
        "balance_after": 7,
        "reference": "Visite préventive T-17",
    }
    credits_contract.refresh_from_db()
    assert credits_contract.credits_balance == 7


@pytest.mark.parametrize("client_name", ["sales_api", "engineer_api"])
def test_other_partner_users_may_read_but_not_consume_credits(
    client_name, request, credits_contract
):
    api = request.getfixturevalue(client_name)
    base = f"{API}/contracts/{credits_contract.pk}/credits/"

    assert api.get(base).status_code == 200
    assert api.post(f"{base}consume/", {"credits": 1}, format="json").status_code == 403
    assert CreditEntry.objects.count() == 1


def test_consuming_more_than_the_balance_is_400_and_consumes_nothing(admin_api, credits_contract):
    response = admin_api.post(
        f"{API}/contracts/{credits_contract.pk}/credits/consume/", {"credits": 11}, format="json"
    )

    assert response.status_code == 400
    assert codes(response) == [("credits", "insufficient_credits")]
    assert CreditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "expected"),
    [({}, [("credits", "required")]), ({"credits": 0}, [("credits", "min_value")])],
)
def test_bad_consumption_input_is_400_naming_the_field(
    admin_api, credits_contract, payload, expected
):
    response = admin_api.post(
        f"{API}/contracts/{credits_contract.pk}/credits/consume/", payload, format="json"
    )

    assert codes(response) == expected


def test_consuming_credits_of_a_care_pack_is_409(admin_api, asset):
    contract = sell(asset.customer.partner, [asset])

    response = admin_api.post(
        f"{API}/contracts/{contract.pk}/credits/consume/", {"credits": 1}, format="json"
    )

    assert response.status_code == 409
    assert codes(response) == [(None, "no_credits")]


def test_a_retried_consumption_with_one_idempotency_key_consumes_once(admin_api, credits_contract):
    url = f"{API}/contracts/{credits_contract.pk}/credits/consume/"

    first = admin_api.post(url, {"credits": 2}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    again = admin_api.post(url, {"credits": 2}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    credits_contract.refresh_from_db()
    assert credits_contract.credits_balance == 8


def test_the_ledger_costs_the_same_queries_for_2_or_9_entries(
    admin_api, credits_contract, django_assert_num_queries
):
    from contracts.services import credits_consume

    url = f"{API}/contracts/{credits_contract.pk}/credits/"
    credits_consume(contract=credits_contract, credits=1, actor=None)
    # token, staff groups, membership, the contract, count, entries
    with django_assert_num_queries(6):
        assert admin_api.get(url).json()["count"] == 2
    for _ in range(7):
        credits_consume(contract=credits_contract, credits=1, actor=None)
    with django_assert_num_queries(6):
        body = admin_api.get(url).json()
    assert body["count"] == 9
    assert body["results"][-1]["balance_after"] == 2


# --- schema ----------------------------------------------------------------------------------------


def test_the_openapi_schema_describes_the_catalogue_endpoints(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    paths = schema["paths"]
    for path in [
        "/api/v1/offerings/",
        "/api/v1/offerings/{id}/",
        "/api/v1/customers/",
        "/api/v1/customers/{id}/",
        "/api/v1/customers/{id}/sites/",
        "/api/v1/assets/",
        "/api/v1/assets/{id}/",
        "/api/v1/entitlements/",
        "/api/v1/contracts/",
        "/api/v1/contracts/{id}/",
        "/api/v1/contracts/{id}/cancel/",
        "/api/v1/contracts/{id}/activate/",
        "/api/v1/contracts/{id}/renew/",
        "/api/v1/contracts/{id}/credits/",
        "/api/v1/contracts/{id}/credits/consume/",
    ]:
        assert path in paths, path
    entitlements = paths["/api/v1/entitlements/"]["get"]
    serial = next(p for p in entitlements["parameters"] if p["name"] == "serial")
    assert serial["required"] is True
    ok = entitlements["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["type"] == "array"
    sell_op = paths["/api/v1/contracts/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in sell_op["parameters"])
    components = schema["components"]["schemas"]
    assert {"offering", "customer", "assets", "starts_on"} <= set(
        components["ContractSellRequest"]["properties"]
    )
    assert {"id", "number", "partner", "status", "ends_on", "price_eur", "delivery_mode"} <= set(
        components["Contract"]["properties"]
    )
    assert {"may_sell", "may_deliver", "tier_to_sell", "onsite_hours"} <= set(
        components["Offering"]["properties"]
    )


def test_tiers_used_by_the_catalogue_exist(db):
    # The catalogue's tier codes are the programme's (a guard for the assertions above).
    assert set(Tier.objects.values_list("code", flat=True)) >= {"sell", "deliver", "expert"}
