"""Reads of the contracts app: tenancy first; both hand-written entitlement look-ups (the
pages' model instances, the API's flat rows) agree with the ORM's query."""

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
    coverages_in_force,
    customer_of,
    customers_for,
    entitlement_rows,
    entitlements_for_serial,
)
from contracts.serials import normalise_serial
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


def orm_look_up(serial: str, partner_id: int | None, on: date) -> list[ContractAsset]:
    """The look-up as the ORM writes it: the reference both hand-written statements answer to."""
    rows = coverages_in_force(on).filter(asset__serial_number=normalise_serial(serial))
    if partner_id is not None:
        rows = rows.filter(contract__partner_id=partner_id)
    return list(
        rows.select_related(
            "contract__offering", "contract__customer", "asset__site", "asset__product_line"
        ).order_by("contract__offering__kind", "ends_on", "contract_id", "asset_id")
    )


def columns(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def as_loaded(row: ContractAsset) -> list[dict]:
    """Every column of a coverage and of the five rows the pages read with it."""
    contract, asset = row.contract, row.asset
    related = (contract.offering, contract.customer, asset.site, asset.product_line)
    return [columns(obj) for obj in (row, contract, asset, *related)]


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
                orm = orm_look_up(serial, partner_id, on)
                flat = entitlement_rows(serial, partner_id=partner_id, on=on)
                assert flat == [as_entitlement(r) for r in orm], (serial, on, partner_id)
                pages = entitlements_for_serial(serial, partner_id=partner_id, on=on)
                assert [as_loaded(r) for r in pages] == [as_loaded(r) for r in orm]
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


def test_the_pages_look_up_reads_its_coverages_and_what_they_show_in_one_query(
    seller, django_assert_num_queries
):
    asset = asset_of(seller, site_kwargs={"city": "Metz"})
    sell(seller, asset)
    sell(seller, asset, code="SC-FOUNDATION-13X5")
    with django_assert_num_queries(1):
        rows = entitlements_for_serial(asset.serial_number, partner_id=seller.pk, on=TODAY)
        shown = [
            (
                r.contract.number,
                r.contract.offering.display_name,
                r.contract.customer.name,
                r.asset.serial_number,
                r.asset.product_line.display_name,
                r.asset.site.city,
            )
            for r in rows
        ]
    assert [r.kind for r in rows] == ["care_pack", "contract"]
    assert {city for *_, city in shown} == {"Metz"}
    assert rows[0].contract.customer_id == asset.customer_id
    assert rows[0].asset == asset


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
