"""« Équipements à vérifier »: HP's review page of serial numbers claimed by two partners,
and what the claimant sees of its held asset."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Asset, AssetRegistration
from contracts.services import asset_create
from partners.models import ProductLine
from servicone.models import AuditEvent
from tests.contracts.factories import asset_of
from tests.contracts.views.helpers import html, sell
from tests.partners.factories import PartnerFactory, set_tier

SERIAL = "CZJ0000777"


@pytest.fixture
def holder(other_partner):
    asset = asset_of(set_tier(other_partner, "sell"), serial_number=SERIAL)
    sell(other_partner, asset)
    return asset


def claim_of(site, serial=SERIAL):
    return asset_create(
        customer=site.customer,
        site=site,
        serial_number=serial,
        product_line=ProductLine.objects.get(code="proliant"),
        actor=None,
    )


@pytest.fixture
def claim(site, holder):
    return claim_of(site)


@pytest.fixture
def pm(client, programme_manager):
    client.force_login(programme_manager)
    return client


def test_the_review_page_lists_the_claim_beside_the_holder_and_its_contract(
    pm, claim, holder, partner, other_partner
):
    page = html(pm.get("/hp/asset-claims/"))

    assert page.count('data-testid="claim-row"') == 1
    assert SERIAL in page
    assert partner.name in page  # the claimant
    assert other_partner.name in page  # the holder, for HP's eyes only
    assert holder.contracts.get().number in page
    assert f'action="/hp/asset-claims/{claim.pk}/assign/"' in page


def test_the_review_page_is_for_programme_managers(client, claim, partner_admin, cds_dispatcher):
    for user in (partner_admin, cds_dispatcher):
        client.force_login(user)
        assert client.get("/hp/asset-claims/").status_code == 403
        assert client.post(f"/hp/asset-claims/{claim.pk}/assign/").status_code == 403
    client.logout()
    assert client.get("/hp/asset-claims/").status_code == 302
    claim.refresh_from_db()
    assert claim.registration == AssetRegistration.HELD


def test_assigning_from_the_page_confirms_the_claim_and_says_so(pm, claim, holder, partner):
    response = pm.post(
        f"/hp/asset-claims/{claim.pk}/assign/",
        {f"c{claim.pk}-comment": "Facture d'achat vérifiée"},
        follow=True,
    )

    page = html(response)
    assert f"Équipement {SERIAL} attribué à {partner.name}" in page
    assert "Aucun enregistrement en attente" in page
    claim.refresh_from_db()
    holder.refresh_from_db()
    assert (claim.registration, holder.registration) == ("confirmed", "rejected")
    assert AuditEvent.objects.get(action="asset.claim_assigned").data["comment"] == (
        "Facture d'achat vérifiée"
    )
    assert 'data-testid="decision-row"' in page


def test_rejecting_from_the_page_then_again_says_it_was_decided(pm, claim, holder):
    pm.post(f"/hp/asset-claims/{claim.pk}/reject/")
    response = pm.post(f"/hp/asset-claims/{claim.pk}/assign/", follow=True)

    assert "Cette demande a déjà été tranchée." in html(response)
    claim.refresh_from_db()
    holder.refresh_from_db()
    assert (claim.registration, holder.registration) == ("rejected", "confirmed")


@pytest.mark.parametrize("asset_id", ["999999", str(2**70)])
def test_deciding_an_unknown_asset_is_404(pm, db, asset_id):
    assert pm.post(f"/hp/asset-claims/{asset_id}/assign/").status_code == 404


def test_the_review_page_costs_the_same_queries_for_one_claim_or_many(pm, claim, site):
    with CaptureQueriesContext(connection) as one:
        pm.get("/hp/asset-claims/")
    for n in range(4):
        serial = f"CZJ90000{n}"
        other = asset_of(set_tier(PartnerFactory(), "sell"), serial_number=serial)
        sell(other.customer.partner, other)
        claim_of(site, serial)

    with CaptureQueriesContext(connection) as five:
        page = html(pm.get("/hp/asset-claims/"))

    assert page.count('data-testid="claim-row"') == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_the_claimant_sees_its_asset_held_and_cannot_sell_it(sales, customer, claim):
    customer_page = html(sales.get(f"/customers/{customer.pk}/"))
    asset_page = html(sales.get(f"/assets/{claim.pk}/"))
    sell_page = html(sales.get("/contracts/sell/assets/", {"customer": customer.pk}))

    assert "En attente de vérification HP" in customer_page
    assert "HP vérifie l'enregistrement de cet équipement" in asset_page
    assert "Vendre une couverture" not in asset_page
    assert SERIAL not in sell_page


def test_an_asset_added_at_the_sell_step_and_held_is_not_chosen(sales, customer, site, holder):
    response = sales.post(
        f"/contracts/sell/assets/?customer={customer.pk}",
        {
            "asset-serial_number": SERIAL,
            "asset-vendor": "hp",
            "asset-product_line": ProductLine.objects.get(code="proliant").pk,
            "asset-site": site.pk,
        },
    )

    assert response.status_code == 302
    assert "assets=" not in response["Location"]
    assert Asset.objects.get(customer=customer).registration == AssetRegistration.HELD


def test_the_review_page_and_the_claimants_banner_read_in_english(
    client, programme_manager, partner_sales, claim
):
    client.force_login(programme_manager)
    review = html(client.get("/hp/asset-claims/", HTTP_ACCEPT_LANGUAGE="en"))
    client.force_login(partner_sales)
    banner = html(client.get(f"/assets/{claim.pk}/", HTTP_ACCEPT_LANGUAGE="en"))

    assert "Assets to check" in review
    assert "Assign to the claimant" in review
    assert "HP is checking the registration of this asset" in banner
