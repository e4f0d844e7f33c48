"""Fixtures of the catalogue-side API tests: time frozen, a Sell partner and assets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from contracts.models import Asset, Contract, Site
from partners.models import Partner
from tests.contracts.api.helpers import sell
from tests.contracts.factories import CustomerFactory, SiteFactory, asset_of
from tests.partners.factories import make_deliver_ready, set_tier


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def seller(partner: Partner) -> Partner:
    return set_tier(partner, "sell")


@pytest.fixture
def asset(seller: Partner) -> Asset:
    return asset_of(seller)


@pytest.fixture
def other_asset(other_partner: Partner) -> Asset:
    return asset_of(set_tier(other_partner, "sell"))


@pytest.fixture
def other_contract(other_asset: Asset) -> Contract:
    return sell(other_asset.customer.partner, [other_asset])


@pytest.fixture
def site(partner: Partner) -> Site:
    return SiteFactory(customer=CustomerFactory(partner=partner))


@pytest.fixture
def credits_contract(partner: Partner) -> Contract:
    make_deliver_ready(partner, on=date(2026, 1, 5))
    set_tier(partner, "deliver")
    customer = CustomerFactory(partner=partner)
    return sell(partner, [], customer=customer, code="PS-CREDITS-10")
