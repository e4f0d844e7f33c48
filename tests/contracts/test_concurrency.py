"""Races on contracts, on real PostgreSQL: credits never negative, one sale per coverage."""

from __future__ import annotations

import pytest
from django.db import connection

from contracts.models import Contract, CreditEntry
from contracts.services import contract_sell, credits_consume
from partners.selectors import today
from servicone.errors import DomainError
from tests.contracts.factories import asset_of, offering
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
