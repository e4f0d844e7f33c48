"""``tickets.selectors.lookup_serial``: the assets a serial names, whether a ticket may be opened
on each, and their coverages, read in as few queries as the page needs."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest
import time_machine

from tests.contracts import factories
from tests.contracts.factories import asset_of
from tests.partners.factories import PartnerFactory, set_tier
from tickets.selectors import lookup_serial

TODAY = date(2026, 11, 26)
SERIAL = "CZJ7777777"

pytestmark = pytest.mark.django_db

sell = partial(factories.sell, starts_on=TODAY, today=TODAY)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def found(partner):
    """One serial on three assets: the partner's HP server under a care pack, the partner's
    other-vendor box under Proactive credits only, another partner's claim on the HP server
    (held for HP's check, uncovered)."""
    set_tier(partner, "deliver")
    covered = asset_of(partner, serial_number=SERIAL)
    sell(partner, covered, "CP-PL-4H-24X7")
    credits_only = asset_of(partner, serial_number=SERIAL, vendor="other")
    sell(partner, credits_only, "PS-CREDITS-10")
    other = PartnerFactory()
    set_tier(other, "deliver")
    asset_of(other, serial_number=SERIAL, registration="held")
    return covered, credits_only


def test_a_partner_finds_its_assets_with_whether_a_ticket_may_be_opened(
    partner, found, django_assert_num_queries
):
    covered, credits_only = found
    with django_assert_num_queries(1):
        results = lookup_serial(" czj 777 7777 ", partner.pk)
    assert [f.asset for f in results] == [covered, credits_only]
    assert [f.openable for f in results] == [True, False]
    with django_assert_num_queries(1):  # both assets' coverages, in one query
        kinds = [[c.kind for c in f.coverages] for f in results]
    assert kinds == [["care_pack"], ["proactive_credits"]]
    # openable is the coverages' own rule, read with the asset
    assert [f.openable for f in results] == [
        any(c.kind != "proactive_credits" for c in f.coverages) for f in results
    ]


def test_what_a_ticket_would_be_opened_under_is_read_only_for_an_openable_asset(
    partner, found, django_assert_num_queries
):
    covered_result, credits_result = lookup_serial(SERIAL, partner.pk)
    with django_assert_num_queries(0):
        assert credits_result.applies is None
    with django_assert_num_queries(1):
        assert covered_result.applies.contract.offering.code == "CP-PL-4H-24X7"


def test_hp_staff_find_every_partners_asset(found):
    results = lookup_serial(SERIAL, None)
    assert len(results) == 3
    assert [f.openable for f in results].count(True) == 1
