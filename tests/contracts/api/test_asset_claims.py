"""asset-claims/: HP programme managers arbitrate a serial number claimed by two partners;
the claimant's API shows its asset held, and held assets are neither sold nor ticketed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Asset, AssetRegistration
from servicone.models import AuditEvent
from tests.contracts.api.helpers import API, codes, new_asset, sell
from tests.contracts.factories import asset_of
from tests.partners.factories import PartnerFactory, set_tier

SERIAL = "CZJ1234567"  # new_asset's serial number


@pytest.fixture
def holder(other_partner, other_admin):
    asset = asset_of(set_tier(other_partner, "sell"), serial_number=SERIAL)
    sell(other_partner, [asset])
    return asset


@pytest.fixture
def claim(admin_api, seller, site, holder):
    response = admin_api.post(f"{API}/assets/", new_asset(site), format="json")
    assert response.status_code == 201
    return Asset.objects.get(pk=response.json()["id"])


def test_the_claimants_asset_list_shows_it_held_and_filters_on_it(admin_api, claim, seller):
    mine = asset_of(seller, serial_number="CZJ0000001")

    listed = admin_api.get(f"{API}/assets/").json()["results"]
    held = admin_api.get(f"{API}/assets/?registration=held").json()["results"]

    assert {(a["id"], a["registration"]) for a in listed} == {
        (claim.pk, "held"),
        (mine.pk, "confirmed"),
    }
    assert [a["id"] for a in held] == [claim.pk]


def test_a_held_asset_cannot_be_sold(admin_api, claim):
    response = admin_api.post(
        f"{API}/contracts/",
        {"offering": "CP-PL-4H-24X7", "customer": claim.customer_id, "assets": [claim.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert codes(response) == [("assets", "asset_not_confirmed")]


def test_no_ticket_opens_on_a_held_asset(admin_api, claim):
    response = admin_api.post(
        f"{API}/tickets/",
        {"asset": claim.pk, "severity": 2, "kind": "incident", "summary": "Disque HS"},
        format="json",
    )

    assert response.status_code == 400
    assert codes(response) == [("asset", "not_entitled")]


def test_the_review_list_shows_each_claim_beside_its_holder(
    pm_api, claim, holder, partner, other_partner
):
    response = pm_api.get(f"{API}/asset-claims/")

    assert response.status_code == 200
    (row,) = response.json()
    assert row["id"] == claim.pk
    assert (row["serial_number"], row["registration"]) == (SERIAL, "held")
    assert row["partner"] == {"id": partner.pk, "name": partner.name}
    (held_by,) = row["holders"]
    assert held_by["id"] == holder.pk
    assert held_by["partner"] == {"id": other_partner.pk, "name": other_partner.name}
    assert len(held_by["contracts_in_force"]) == 1


@pytest.mark.parametrize(
    ("client_name", "deciding"),
    # The claimant's own admin is refused; for the other partner the asset is not one of
    # its own, so it does not exist (API.md: another partner's object is a 404).
    [("admin_api", 403), ("other_api", 404), ("cds_api", 403)],
)
def test_only_programme_managers_see_and_decide_claims(request, claim, client_name, deciding):
    api = request.getfixturevalue(client_name)

    assert api.get(f"{API}/asset-claims/").status_code == 403
    response = api.post(f"{API}/asset-claims/{claim.pk}/assign/", {}, format="json")
    assert response.status_code == deciding
    claim.refresh_from_db()
    assert claim.registration == AssetRegistration.HELD


def test_assigning_through_the_api_then_deciding_again_is_409(pm_api, claim, holder):
    response = pm_api.post(
        f"{API}/asset-claims/{claim.pk}/assign/", {"comment": "Bon de livraison"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["registration"] == "confirmed"
    holder.refresh_from_db()
    assert holder.registration == AssetRegistration.REJECTED
    assert AuditEvent.objects.get(action="asset.claim_assigned").data["comment"] == (
        "Bon de livraison"
    )
    again = pm_api.post(f"{API}/asset-claims/{claim.pk}/reject/", {}, format="json")
    assert again.status_code == 409
    assert codes(again) == [(None, "claim_decided")]


def test_rejecting_through_the_api(pm_api, claim, holder):
    response = pm_api.post(f"{API}/asset-claims/{claim.pk}/reject/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["registration"] == "rejected"
    holder.refresh_from_db()
    assert holder.registration == AssetRegistration.CONFIRMED


@pytest.mark.parametrize("asset_id", ["999999", str(2**70)])
def test_deciding_an_unknown_asset_is_404(pm_api, db, asset_id):
    response = pm_api.post(f"{API}/asset-claims/{asset_id}/assign/", {}, format="json")

    assert response.status_code == 404


def test_the_review_list_costs_the_same_queries_for_one_claim_or_many(
    pm_api, claim, admin_api, site
):
    url = f"{API}/asset-claims/"
    with CaptureQueriesContext(connection) as one:
        assert len(pm_api.get(url).json()) == 1
    for n in range(4):
        serial = f"CZJ90000{n}"
        other = asset_of(set_tier(PartnerFactory(), "sell"), serial_number=serial)
        sell(other.customer.partner, [other])
        body = {**new_asset(site), "serial_number": serial}
        assert admin_api.post(f"{API}/assets/", body, format="json").status_code == 201

    with CaptureQueriesContext(connection) as five:
        assert len(pm_api.get(url).json()) == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_the_refusal_to_cover_a_held_asset_reads_in_english_too(admin_api, claim):
    response = admin_api.post(
        f"{API}/contracts/",
        {"offering": "CP-PL-4H-24X7", "customer": claim.customer_id, "assets": [claim.pk]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.json()["errors"][0]["message"] == (
        f"Asset {SERIAL} is being checked by HP: it cannot be covered yet."
    )
