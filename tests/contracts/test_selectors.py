"""Reads of the contracts app: tenancy first; the flat entitlement look-up agrees with the ORM one."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest
import time_machine
from django.utils import translation

from contracts.models import Contract, ContractAsset
from contracts.selectors import (
    Entitlement,
    assets_for,
    contracts_ending_soon,
    contracts_for,
    customer_of,
    customers_for,
    entitlement_rows,
    entitlements_for_serial,
)
from contracts.services import contract_cancel
from servicone.access import Viewer
from tests.contracts import factories
from tests.contracts.factories import asset_of, offering
from tests.partners.factories import set_tier

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def seller(partner):
    return set_tier(partner, "sell")


# A sale from TODAY unless told otherwise.
sell = partial(factories.sell, starts_on=TODAY)


def as_entitlement(row: ContractAsset) -> Entitlement:
    """What ``entitlement_rows`` should say about a row of ``entitlements_for_serial``."""
    contract, asset = row.contract, row.asset
    o, site = contract.offering, asset.site
    return Entitlement(
        contract_id=contract.pk,
        contract_number=contract.number,
        delivery_mode=contract.delivery_mode,
        offering_id=o.pk,
        offering_code=o.code,
        offering_name_fr=o.name,
        offering_name_en=o.name_en,
        coverage=o.coverage,
        response_hours=o.response_hours,
        onsite_hours=o.onsite_hours,
        onsite_next_business_day=o.onsite_next_business_day,
        resolution_hours=o.resolution_hours,
        kind=row.kind,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        asset_id=asset.pk,
        serial_number=asset.serial_number,
        vendor=asset.vendor,
        product_line=asset.product_line.code,
        customer_id=contract.customer_id,
        customer_name=contract.customer.name,
        site_id=site.pk,
        site_name=site.name,
        site_address=site.address,
        site_postal_code=site.postal_code,
        site_city=site.city,
        site_region=site.region,
        site_timezone=site.timezone,
    )


def test_flat_entitlements_are_the_orm_look_up_row_for_row_in_every_state(seller, other_partner):
    covered = asset_of(seller, site_kwargs={"address": "1 rue X", "region": "57"})
    sell(seller, covered, code="CP-PL-NBD-9X5")
    sell(seller, covered, code="SC-FOUNDATION-13X5")
    # The same serial number from another vendor is another asset, covered too.
    twin = asset_of(seller, line="non_hp", vendor="other", serial_number=covered.serial_number)
    sell(seller, twin, code="SC-MULTIVENDOR-9X5")
    cancelled, future, quoted, bare = (asset_of(seller) for _ in range(4))
    contract_cancel(contract=sell(seller, cancelled), actor=None, reason="Erreur de saisie")
    sell(seller, future, starts_on=date(2026, 12, 1))
    sell(seller, quoted, quote=True, starts_on=date(2026, 12, 1))
    elsewhere = asset_of(set_tier(other_partner, "sell"))
    sell(other_partner, elsewhere)
    serials = [a.serial_number for a in (covered, cancelled, future, quoted, bare, elsewhere)]

    checked = 0
    for serial in [*serials, "UNKNOWN-1", f"  {covered.serial_number.lower()} "]:
        # Before, during and after the future contract; then after everything ended.
        for on in (TODAY, date(2026, 12, 1), date(2040, 1, 1)):
            for partner_id in (seller.pk, other_partner.pk, None):
                flat = entitlement_rows(serial, partner_id=partner_id, on=on)
                orm = entitlements_for_serial(serial, partner_id=partner_id, on=on)
                assert flat == [as_entitlement(r) for r in orm], (serial, on, partner_id)
                checked += len(flat)
    assert checked > 10
    # The ORM orders by offering kind only: the care pack comes first.
    first, second, third = entitlement_rows(covered.serial_number, partner_id=None, on=TODAY)
    assert first.kind == "care_pack"
    assert {second.kind, third.kind} == {"contract"}
    assert isinstance(first.starts_on, date)
    assert first.onsite_next_business_day is True
    assert first.site_region == "57"


def test_flat_entitlements_name_the_offering_in_the_request_language(seller):
    asset = asset_of(seller)
    sell(seller, asset)
    (row,) = entitlement_rows(asset.serial_number, partner_id=seller.pk, on=TODAY)

    with translation.override("en"):
        assert row.offering_name == offering("CP-PL-4H-24X7").display_name
        assert row.offering_name == row.offering_name_en
    with translation.override("fr"):
        assert row.offering_name == offering("CP-PL-4H-24X7").name


def test_flat_entitlements_are_one_query(seller, django_assert_num_queries):
    asset = asset_of(seller)
    sell(seller, asset)
    with django_assert_num_queries(1):
        assert len(entitlement_rows(asset.serial_number, partner_id=seller.pk, on=TODAY)) == 1


def test_a_partners_member_sees_its_own_customers_assets_and_contracts_hp_sees_all(
    seller, other_partner
):
    own = asset_of(seller)
    other = asset_of(set_tier(other_partner, "sell"))
    sell(seller, own)
    sell(other_partner, other)
    member = Viewer(partner=seller, role="sales")
    hp = Viewer(partner=None, role=None)
    assert list(customers_for(member)) == [own.customer]
    assert list(assets_for(member)) == [own]
    assert [c.partner_id for c in contracts_for(member)] == [seller.pk]
    assert customers_for(hp).count() == 2
    assert assets_for(hp).count() == 2
    assert contracts_for(hp).count() == 2
    assert customer_of(member, other.customer_id) is None
    assert customer_of(hp, other.customer_id) == other.customer


def test_contracts_ending_soon_are_the_partners_active_unrenewed_ones_soonest_first(seller):
    soon = sell(seller, asset_of(seller))
    later = sell(seller, asset_of(seller))
    far = sell(seller, asset_of(seller))
    Contract.objects.filter(pk=soon.pk).update(ends_on=date(2026, 12, 10))
    Contract.objects.filter(pk=later.pk).update(ends_on=date(2027, 2, 1))
    contracts, total = contracts_ending_soon(seller.pk, on=TODAY, limit=1)
    assert ([c.pk for c in contracts], total) == ([soon.pk], 2)
    assert far.ends_on > date(2027, 2, 24)  # beyond the 90-day horizon
