"""Serial numbers in the API: stored normalised, refused when they are not one, found however typed."""

from __future__ import annotations

from urllib.parse import quote

from contracts.models import Asset
from tests.contracts.api.helpers import API, codes, errors, new_asset, sell
from tests.contracts.factories import asset_of


def test_a_serial_typed_with_spaces_is_registered_as_printed_on_the_label(sales_api, site):
    response = sales_api.post(
        f"{API}/assets/", new_asset(site, serial_number=" czj 999 0001 "), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["serial_number"] == "CZJ9990001"
    assert Asset.objects.get().serial_number == "CZJ9990001"


def test_markup_as_a_serial_number_is_400_invalid_serial_and_creates_nothing(sales_api, site):
    response = sales_api.post(
        f"{API}/assets/", new_asset(site, serial_number="<b>x</b>"), format="json"
    )

    assert response.status_code == 400
    assert codes(response) == [("serial_number", "invalid_serial")]
    assert not Asset.objects.exists()


def test_an_hp_serial_with_a_dash_is_refused_in_english_for_an_english_caller(sales_api, site):
    response = sales_api.post(
        f"{API}/assets/",
        new_asset(site, serial_number="CZJ-999-0001"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert errors(response)[0]["message"] == (
        "An HP serial number holds only letters and digits (“CZJ-999-0001”)."
    )


def test_another_vendors_serial_keeps_its_dashes(sales_api, site):
    response = sales_api.post(
        f"{API}/assets/",
        new_asset(site, serial_number="fox-1234 ab", vendor="other", product_line="non_hp"),
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["serial_number"] == "FOX-1234AB"


def test_the_entitlement_look_up_ignores_case_and_spaces(sales_api, seller):
    asset = asset_of(seller, serial_number="CZJ0000022")
    sell(seller, [asset])

    body = sales_api.get(f"{API}/entitlements/?serial={quote(' czj 000 0022 ')}").json()

    assert [row["serial_number"] for row in body] == ["CZJ0000022"]


def test_an_entitlement_look_up_of_something_that_is_no_serial_is_400_naming_it(sales_api, seller):
    response = sales_api.get(f"{API}/entitlements/?serial={quote('<b>x</b>')}")

    assert response.status_code == 400
    assert codes(response) == [("serial", "invalid_serial")]


def test_the_entitlement_look_up_still_costs_its_queries(
    sales_api, seller, django_assert_num_queries
):
    asset = asset_of(seller, serial_number="CZJ0000022")
    sell(seller, [asset])
    # token (with the tenant scope), the coverage: the fast path is unchanged
    with django_assert_num_queries(2):
        assert len(sales_api.get(f"{API}/entitlements/?serial=czj%200000022").json()) == 1


def test_the_assets_filter_reads_the_serial_as_stored(engineer_api, seller):
    asset = asset_of(seller, serial_number="CZJ0000022")

    body = engineer_api.get(f"{API}/assets/?serial={quote('czj 000 0022')}").json()

    assert [row["id"] for row in body["results"]] == [asset.pk]
