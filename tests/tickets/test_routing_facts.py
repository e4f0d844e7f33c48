"""``opening_coverage``, the hand-written read a ticket is opened with, against the ORM.

For each state an asset's coverage can be in (two coverages in force, a future one, an
expired one, a cancelled contract, Proactive Select credits, a partner without a tier, no
certified engineer, no Expert tier), the coverage it chooses is ``coverage_for_asset``'s, its
contract, offering, tier to deliver, partner and tier are the rows the ORM reads, field for
field, and the routing facts it carries are those ``routing_facts`` reads by its own queries.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pytest
import time_machine
from django.db import models
from django.utils import timezone

from contracts.models import Contract
from contracts.selectors import coverage_for_asset
from contracts.services import contract_cancel
from partners.models import Certification, Engineer, Partner, Tier
from partners.services import delivery_policy_set
from tests.contracts import factories
from tests.contracts.factories import asset_of
from tests.partners.factories import certify, set_tier
from tickets.routing_facts import opening_coverage, routing_facts

TODAY = date(2026, 11, 26)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


# A sale from TODAY unless told otherwise, decided on TODAY.
sell = partial(factories.sell, starts_on=TODAY, today=TODAY)


def fields(instance: models.Model | None) -> dict[str, object] | None:
    if instance is None:
        return None
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def assert_same_as_the_orm(asset, on: date) -> None:
    flat = opening_coverage(asset, on=on)
    orm = coverage_for_asset(asset.pk, on=on)
    if orm is None:
        assert flat is None, on
        return
    assert flat is not None, on
    assert fields(flat) == fields(orm), on
    contract, expected = flat.contract, orm.contract
    assert fields(contract) == fields(expected)
    assert fields(contract.offering) == fields(expected.offering)
    assert fields(contract.offering.tier_to_deliver) == fields(expected.offering.tier_to_deliver)
    assert fields(contract.partner) == fields(expected.partner)
    assert fields(contract.partner.tier) == fields(expected.partner.tier)
    # The facts it carries are the ones routing reads by its own queries without them.
    carried = routing_facts(
        asset=asset, contract=contract, offering=contract.offering, on=on, coverage=flat
    )
    queried = routing_facts(asset=asset, contract=expected, offering=expected.offering, on=on)
    assert carried == queried, on


DAYS = (TODAY, TODAY + timedelta(days=10), date(2027, 12, 1), date(2031, 1, 1), date(2040, 1, 1))


def test_a_care_pack_and_a_contract_in_force_give_the_fastest_on_site(partner):
    set_tier(partner, "deliver")
    certify(partner, "PL-ASE", 1, passed_on=date(2026, 1, 5))
    asset = asset_of(partner)
    sell(partner, asset, "CP-PL-NBD-9X5")
    sell(partner, asset, "SC-FOUNDATION-13X5")
    sell(partner, asset, "CP-PL-4H-24X7", starts_on=date(2030, 1, 1))  # after the first
    chosen = opening_coverage(asset, on=TODAY)
    assert chosen is not None
    assert chosen.contract.offering.code == "SC-FOUNDATION-13X5"  # 4 h on site, not NBD
    assert chosen.routing_certified is True
    for on in DAYS:
        assert_same_as_the_orm(asset, on)


def test_no_coverage_when_none_is_in_force(partner):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    assert opening_coverage(asset, on=TODAY) is None
    sell(partner, asset, "CP-PL-4H-24X7", starts_on=TODAY + timedelta(days=30))
    assert opening_coverage(asset, on=TODAY) is None
    for on in DAYS:
        assert_same_as_the_orm(asset, on)


def test_a_cancelled_contract_covers_nothing(partner):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    contract = sell(partner, asset, "CP-PL-4H-24X7")
    contract_cancel(contract=contract, actor=None, reason="Erreur de saisie")
    assert Contract.objects.get(pk=contract.pk).status != Contract.Status.ACTIVE
    assert opening_coverage(asset, on=TODAY) is None
    assert_same_as_the_orm(asset, TODAY)


def test_a_partner_without_tier_and_without_certified_engineer(partner):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    sell(partner, asset, "CP-PL-4H-24X7")
    Partner.objects.filter(pk=partner.pk).update(tier=None)
    chosen = opening_coverage(asset, on=TODAY)
    assert chosen is not None
    assert chosen.contract.partner.tier is None
    assert chosen.routing_certified is False
    assert_same_as_the_orm(asset, TODAY)


def test_an_inactive_engineer_or_an_expired_certification_is_not_certified(partner):
    set_tier(partner, "deliver")
    certify(partner, "PL-ASE", 1, passed_on=date(2026, 1, 5))
    asset = asset_of(partner)
    sell(partner, asset, "CP-PL-4H-24X7")
    assert_same_as_the_orm(asset, TODAY)
    Engineer.objects.filter(partner=partner).update(is_active=False)
    assert opening_coverage(asset, on=TODAY).routing_certified is False
    assert_same_as_the_orm(asset, TODAY)
    Engineer.objects.filter(partner=partner).update(is_active=True)
    Certification.objects.filter(engineer__partner=partner).update(expires_on=TODAY)
    assert opening_coverage(asset, on=TODAY).routing_certified is True  # its last day
    assert opening_coverage(asset, on=TODAY + timedelta(days=1)).routing_certified is False
    for on in DAYS:
        assert_same_as_the_orm(asset, on)


def test_without_an_expert_tier_the_highest_rank_stands_for_it(partner):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    sell(partner, asset, "CP-PL-4H-24X7")
    expert = Tier.objects.get(code="expert")
    assert opening_coverage(asset, on=TODAY).routing_expert_rank == expert.rank
    Tier.objects.filter(pk=expert.pk).update(code="expert-renamed")
    highest = Tier.objects.order_by("-rank").values_list("rank", flat=True)[0]
    assert opening_coverage(asset, on=TODAY).routing_expert_rank == highest
    assert_same_as_the_orm(asset, TODAY)


def test_it_is_one_query(partner, django_assert_num_queries):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    sell(partner, asset, "CP-PL-4H-24X7")
    with django_assert_num_queries(1):
        coverage = opening_coverage(asset, on=TODAY)
        assert coverage is not None
        assert coverage.contract.offering.tier_to_deliver.code
        assert coverage.contract.partner.tier.code == "deliver"


def _policy(partner, lines, *, effective_from=TODAY, departments=("57",), coverage="9x5"):
    return delivery_policy_set(
        partner=partner,
        actor=None,
        departments=departments,
        staffed_coverage=coverage,
        hand_back_at_opening=True,
        product_lines_declined=lines,
        max_open_tickets_per_engineer=None,
        effective_from=effective_from,
        today=TODAY,
    )


def test_the_delivery_policy_in_force_comes_with_the_coverage(partner, django_assert_num_queries):
    """The version in force (not the one scheduled later, nor one saved after the call) and
    whether it declines the asset's line are read in the coverage's statement, and routing
    reads the same facts from them as from its own queries."""
    set_tier(partner, "deliver")
    certify(partner, "PL-ASE", 1, passed_on=date(2026, 1, 5))
    asset = asset_of(partner)
    sell(partner, asset, "CP-PL-4H-24X7")
    opened = timezone.now()
    in_force = _policy(partner, [asset.product_line], departments=("57", "54"))
    _policy(partner, [], effective_from=TODAY + timedelta(days=30), coverage="24x7")
    with django_assert_num_queries(1):
        coverage = opening_coverage(asset, on=TODAY, at=opened + timedelta(minutes=1))
    assert coverage.routing_policy == (in_force, True)
    assert coverage.routing_policy[0].departments == ["54", "57"]
    assert_same_as_the_orm(asset, TODAY)
    # Saved after the call was opened: the call was routed by what was in force then.
    with time_machine.travel(opened + timedelta(hours=1), tick=False):
        _policy(partner, [], coverage="13x5")
    assert opening_coverage(asset, on=TODAY, at=opened + timedelta(minutes=1)).routing_policy == (
        in_force,
        True,
    )
    later = opening_coverage(asset, on=TODAY, at=opened + timedelta(hours=2)).routing_policy
    assert (later[0].staffed_coverage, later[1]) == ("13x5", False)
    # In force 30 days later: the scheduled version, which declines nothing.
    future = opening_coverage(asset, on=TODAY + timedelta(days=30), at=opened + timedelta(days=30))
    assert (future.routing_policy[0].staffed_coverage, future.routing_policy[1]) == ("24x7", False)
    for on in (TODAY, TODAY + timedelta(days=30)):
        assert_same_as_the_orm(asset, on)


def test_no_policy_reads_as_none(partner):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    sell(partner, asset, "CP-PL-4H-24X7")
    assert opening_coverage(asset, on=TODAY).routing_policy == (None, False)
    assert_same_as_the_orm(asset, TODAY)
