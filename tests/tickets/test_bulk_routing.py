"""Routing many calls at once decides as routing each does, in a fixed number of queries."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from contracts.models import ContractAsset
from tests.partners.factories import delivery_policy
from tests.tickets.factories import covered_asset
from tickets import routing
from tickets.bulk_routing import Call, routing_inputs
from tickets.routing_facts import routing_facts

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def calls_for(partner, postal_codes, hours):
    calls = []
    for postal_code in postal_codes:
        asset = covered_asset(partner, site_kwargs={"postal_code": postal_code})
        link = ContractAsset.objects.select_related(
            "asset__site", "asset__product_line", "contract__partner__tier",
            "contract__offering__tier_to_deliver",
        ).get(asset=asset)  # fmt: skip
        for hour in hours:
            calls.append(
                Call(link.asset, link.contract, link.contract.offering, NOW + timedelta(hours=hour))
            )
    return calls


def test_bulk_routing_decides_as_routing_each_call(partner):
    delivery_policy(partner, departments=["59"], staffed_coverage="9x5", hand_back_at_opening=True)
    calls = calls_for(partner, ["59000", "13001", ""], hours=[0, 12])
    bulk = [routing.route(facts) for facts in routing_inputs(calls)]
    one_by_one = [
        routing.route(
            routing_facts(
                asset=c.asset,
                contract=c.contract,
                offering=c.offering,
                on=c.at.astimezone(PARIS).date(),
                at=c.at,
            )
        )
        for c in calls
    ]
    assert bulk == one_by_one
    assert {d.reason for d in bulk} == {
        "partner_authorised",
        "outside_delivery_area",
        "outside_staffed_hours",
    }


@pytest.mark.parametrize("sites", [1, 4])
def test_bulk_routing_costs_the_same_queries_for_any_number_of_calls(
    partner, sites, django_assert_num_queries
):
    delivery_policy(partner, departments=["59"], max_open_tickets_per_engineer=3)
    calls = calls_for(partner, ["59000"] * sites, hours=[0, 1, 14])
    with django_assert_num_queries(5):
        assert len(routing_inputs(calls)) == 3 * sites
