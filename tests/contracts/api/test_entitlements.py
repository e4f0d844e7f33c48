"""entitlements/: serial number to the coverage in force."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from contracts.api.serializers import EntitlementSerializer
from contracts.selectors import entitlements_for_serial
from contracts.services import contract_cancel
from tests.contracts.api.helpers import API, TODAY, codes, sell
from tests.contracts.factories import asset_of, offering


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


def test_a_serial_with_a_control_character_is_a_400_naming_it(sales_api, asset):
    # Found by the schema fuzzing: a NUL reached PostgreSQL, which refuses it (a 500).
    response = sales_api.get(f"{API}/entitlements/?serial=CZJ%00123")
    assert response.status_code == 400
    assert codes(response) == [("serial", "control_character")]
