"""Fixtures of the sales pages' tests: time frozen, a Sell partner, its customer and asset."""

from __future__ import annotations

import pytest
import time_machine

from tests.contracts.factories import AssetFactory, CustomerFactory, SiteFactory
from tests.partners.factories import set_tier


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def seller(partner):
    return set_tier(partner, "sell")


@pytest.fixture
def sales(client, seller, partner_sales):
    client.force_login(partner_sales)
    return client


@pytest.fixture
def customer(seller):
    return CustomerFactory(partner=seller, name="Hôpital Saint-Louis")


@pytest.fixture
def site(customer):
    return SiteFactory(customer=customer, name="Siège", city="Metz", region="57")


@pytest.fixture
def proliant(site):
    return AssetFactory(site=site, serial_number="CZJ0000001", model="DL380 Gen10")
