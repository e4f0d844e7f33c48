"""The catalogue side's admin: offerings edited and audited; sales data read-only, except
HP's arbitration of a serial number claimed by two partners, through its services."""

from __future__ import annotations

import pytest
import time_machine

from contracts.models import Asset, AssetRegistration, Customer, Offering
from contracts.services import asset_create
from partners.models import ProductLine
from servicone.models import AuditEvent
from tests.contracts.factories import CustomerFactory, SiteFactory, asset_of
from tests.partners.admin_client import admin_post
from tests.partners.factories import UserFactory


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


@pytest.fixture(params=["programme_manager", "superuser"])
def hp_admin(request, client, db):
    if request.param == "superuser":
        user = UserFactory(username="root", is_staff=True, is_superuser=True)
    else:
        user = request.getfixturevalue("programme_manager")
    client.force_login(user)
    client.user = user
    return client


def test_an_offering_changed_in_the_admin_is_audited(hp_admin):
    offering = Offering.objects.get(code="CP-PL-4H-24X7")

    response = admin_post(
        hp_admin, f"/admin/contracts/offering/{offering.pk}/change/", {"list_price_eur": "999.00"}
    )

    assert response.status_code == 302, response.content.decode()[:500]
    event = AuditEvent.objects.get(action="admin.change", object_type="contracts.offering")
    assert (event.object_id, event.actor) == (offering.pk, hp_admin.user)
    assert event.data["changes"] == {"list_price_eur": "999.00"}


@pytest.mark.parametrize("model", ["customer", "asset", "contract"])
def test_sales_data_is_read_only_in_the_admin(hp_admin, partner, model):
    asset = asset_of(partner)
    obj = {"customer": asset.customer, "asset": asset, "contract": None}[model]

    assert hp_admin.get(f"/admin/contracts/{model}/add/").status_code == 403
    if obj is not None:
        url = f"/admin/contracts/{model}/{obj.pk}/"
        assert hp_admin.get(f"{url}change/").status_code == 200  # to read
        assert hp_admin.post(f"{url}change/", {"name": "Renommé"}).status_code == 403
        assert hp_admin.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    assert Customer.objects.filter(pk=asset.customer_id, name=asset.customer.name).exists()


@pytest.mark.parametrize(
    ("action", "claimant_after", "holder_after"),
    [("assign_claims", "confirmed", "rejected"), ("reject_claims", "rejected", "confirmed")],
)
def test_held_registrations_are_decided_from_the_admin_through_the_services(
    hp_admin, partner, other_partner, action, claimant_after, holder_after
):
    holder = asset_of(other_partner, serial_number="CZJ0000777")
    site = SiteFactory(customer=CustomerFactory(partner=partner))
    claim = asset_create(
        customer=site.customer,
        site=site,
        serial_number="CZJ0000777",
        product_line=ProductLine.objects.get(code="proliant"),
        actor=None,
    )
    assert claim.registration == AssetRegistration.HELD

    response = hp_admin.post(
        "/admin/contracts/asset/",
        {"action": action, "_selected_action": [claim.pk, holder.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 enregistrement tranché" in response.content.decode()
    claim.refresh_from_db()
    holder.refresh_from_db()
    assert (claim.registration, holder.registration) == (claimant_after, holder_after)
    assert claim.registration_decided_by == hp_admin.user
    assert AuditEvent.objects.filter(
        action__in=["asset.claim_assigned", "asset.claim_rejected"], object_id=claim.pk
    ).exists()


def test_the_asset_list_filters_held_registrations(hp_admin, partner):
    asset_of(partner)
    response = hp_admin.get("/admin/contracts/asset/?registration__exact=held")

    assert response.status_code == 200
    assert Asset.objects.count() == 1
