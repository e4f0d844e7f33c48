"""Ids that cannot be ids (2**70, negative, zero, decimals, words) are a 400 naming the
parameter, never a 500: one rule (``servicone.api.ids``) for every app's filters."""

from __future__ import annotations

import pytest

from servicone.api.ids import MAX_ID, parse_id
from tests.contracts.factories import asset_of
from tests.partners.factories import set_tier

HUGE = str(2**70)  # 1180591620717411303424: more than any 64-bit id column holds
MESSAGE = "Identifiant invalide : un nombre entier positif est attendu."

# Every id filter of the API: (list endpoint, parameter).
ID_FILTERS = [
    ("tickets", "partner"),
    ("contracts", "partner"),
    ("customers", "partner"),
    ("certifications", "partner"),
    ("engineers", "partner"),
    ("accreditations", "partner"),
    ("contracts", "customer"),
    ("assets", "customer"),
    ("assets", "site"),
    ("contracts", "asset"),
    ("tickets", "asset"),
    ("certifications", "engineer"),
    ("reports/scorecard", "partner"),
]
# Parameters that take an id or a code: digits must make an id, other text is a code.
ID_OR_CODE_FILTERS = [
    ("certifications", "course"),
    ("accreditations", "tier"),
    ("contracts", "offering"),
]
NOT_IDS = [HUGE, str(MAX_ID + 1), "-1", "0", "1.5", "1e3", "abc", "²", " 12 34 "]


@pytest.mark.parametrize(("resource", "param"), ID_FILTERS)
@pytest.mark.parametrize("value", NOT_IDS)
def test_a_filter_id_that_cannot_be_an_id_is_a_400_naming_the_parameter(
    pm_api, resource, param, value
):
    response = pm_api.get(f"/api/v1/{resource}/", {param: value})

    assert response.status_code == 400
    assert response.json() == {"errors": [{"field": param, "code": "invalid", "message": MESSAGE}]}


@pytest.mark.parametrize(("resource", "param"), ID_FILTERS + ID_OR_CODE_FILTERS)
def test_an_id_beyond_64_bits_is_a_400_for_a_partner_user_too(admin_api, resource, param):
    response = admin_api.get(f"/api/v1/{resource}/", {param: HUGE})

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(param, "invalid")]


@pytest.mark.parametrize(("resource", "param"), ID_OR_CODE_FILTERS)
def test_an_id_or_code_filter_refuses_a_huge_id_and_still_reads_codes(pm_api, resource, param):
    refused = pm_api.get(f"/api/v1/{resource}/", {param: HUGE})
    assert refused.status_code == 400
    assert refused.json()["errors"][0] == {"field": param, "code": "invalid", "message": MESSAGE}

    assert pm_api.get(f"/api/v1/{resource}/", {param: "no-such-code"}).status_code == 200
    assert pm_api.get(f"/api/v1/{resource}/", {param: str(MAX_ID)}).json()["count"] == 0


@pytest.mark.parametrize(("resource", "param"), ID_FILTERS[:-1])
def test_the_largest_id_is_a_valid_filter_that_finds_nothing(pm_api, resource, param):
    response = pm_api.get(f"/api/v1/{resource}/", {param: str(MAX_ID)})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_valid_id_filter_still_filters(pm_api, partner, other_partner):
    mine = asset_of(set_tier(partner, "sell"))
    asset_of(set_tier(other_partner, "sell"))

    body = pm_api.get("/api/v1/assets/", {"customer": f" {mine.customer_id} "}).json()

    assert [row["id"] for row in body["results"]] == [mine.pk]


def test_an_asset_id_beyond_64_bits_in_a_sale_is_a_400_naming_assets(sales_api, partner):
    customer = asset_of(set_tier(partner, "sell")).customer
    response = sales_api.post(
        "/api/v1/contracts/",
        {"offering": "CP-PL-4H-24X7", "customer": customer.pk, "assets": [int(HUGE)]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "assets", "code": "invalid", "message": MESSAGE}]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (12, 12),
        (str(MAX_ID + 1), None),
        (HUGE, None),
        ("9" * 5000, None),
        ("0", None),
        ("-3", None),
        ("+3", None),
        ("3.0", None),
        ("٣", None),
        ("", None),
        (None, None),
        (True, None),
        (2.0, None),
    ],
)
def test_parse_id_accepts_positive_64_bit_integers_only(value, expected):
    assert parse_id(value) == expected


API_DETAILS = [
    "tickets/{id}/",
    "contracts/{id}/",
    "customers/{id}/",
    "assets/{id}/",
    "engineers/{id}/",
    "certifications/{id}/",
    "accreditations/{id}/",
    "partners/{id}/",
    "partners/{id}/eligibility/",
    "partners/{id}/users/",
]
PAGES = [
    "/contracts/{id}/",
    "/customers/{id}/",
    "/assets/{id}/",
    "/tickets/{id}/",
    "/hp/partners/{id}/",
    "/hp/accreditations/{id}/",
]


@pytest.mark.parametrize("path", API_DETAILS)
@pytest.mark.parametrize("value", [HUGE, "-1", "0", "abc"])
def test_an_api_path_id_that_cannot_be_an_id_is_a_404_in_the_error_format(pm_api, path, value):
    response = pm_api.get(f"/api/v1/{path.format(id=value)}")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("path", PAGES)
def test_a_page_path_id_beyond_64_bits_is_not_found(client, programme_manager, path):
    client.force_login(programme_manager)

    assert client.get(path.format(id=HUGE)).status_code == 404
