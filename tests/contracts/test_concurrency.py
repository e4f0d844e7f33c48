"""Races on contracts, on real PostgreSQL: credits never negative, one sale per coverage,
one confirmed registration per serial number."""

from __future__ import annotations

import pytest
from django.db import connection

from contracts.models import Asset, AssetRegistration, Contract, CreditEntry
from contracts.services import asset_create, contract_sell, credits_consume
from partners.models import ProductLine
from partners.selectors import today
from servicone.errors import DomainError
from tests.contracts.factories import CustomerFactory, SiteFactory, asset_of, offering
from tests.partners.concurrency import race
from tests.partners.factories import set_tier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_consumptions_racing_for_the_last_credits_leave_the_balance_at_zero_or_more(partner):
    assert connection.vendor == "postgresql"
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    contract = contract_sell(
        partner=partner,
        customer=asset.customer,
        offering=offering("PS-CREDITS-10"),
        assets=[],
        starts_on=today(),
        actor=None,
    )

    results = race(
        lambda: credits_consume(
            contract=Contract.objects.get(pk=contract.pk), credits=6, actor=None, reference="A"
        ),
        lambda: credits_consume(
            contract=Contract.objects.get(pk=contract.pk), credits=6, actor=None, reference="B"
        ),
    )

    assert sum(isinstance(r, CreditEntry) for r in results) == 1
    assert (
        sum(isinstance(r, DomainError) and r.code == "insufficient_credits" for r in results) == 1
    )
    contract.refresh_from_db()
    assert contract.credits_balance == 4
    assert CreditEntry.objects.filter(contract=contract, kind="consumed").count() == 1


def test_two_sales_covering_the_same_asset_at_once_make_one_contract(partner):
    set_tier(partner, "sell")
    asset = asset_of(partner)

    def sell():
        return contract_sell(
            partner=partner,
            customer=asset.customer,
            offering=offering("CP-PL-4H-24X7"),
            assets=[asset],
            starts_on=today(),
            actor=None,
        )

    results = race(sell, sell)

    assert sum(isinstance(r, Contract) for r in results) == 1, results
    assert sum(isinstance(r, DomainError) and r.code == "coverage_overlap" for r in results) == 1
    assert Contract.objects.count() == 1


def test_two_partners_registering_one_serial_at_once_make_one_confirmed_and_one_held(
    partner, other_partner
):
    sites = [SiteFactory(customer=CustomerFactory(partner=p)) for p in (partner, other_partner)]
    line = ProductLine.objects.get(code="proliant")

    def register(site):
        return lambda: asset_create(
            customer=site.customer,
            site=site,
            serial_number="CZJRACE001",
            product_line=line,
            actor=None,
        )

    results = race(register(sites[0]), register(sites[1]))

    assert all(isinstance(r, Asset) for r in results), results
    assert sorted(r.registration for r in results) == [
        AssetRegistration.CONFIRMED,
        AssetRegistration.HELD,
    ]
