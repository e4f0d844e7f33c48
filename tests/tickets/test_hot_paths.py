"""The hot paths of issue 14: what opening, listing and queueing cost, and what they show.

Opening answers with what it wrote, without reloading it: the answer is the ticket as
its own URL shows it. The queue of open and closed tickets reads each through its own
index and pages across the two as one list.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import token_client
from tests.tickets.factories import covered_asset
from tests.tickets.pages import NOW, covered_assets, open_ticket
from tickets.services import ticket_act, ticket_open

API = "/api/v1"


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _open_by_api(client, asset, **extra):
    body = {"asset": asset.pk, "severity": 2, "kind": "incident", "summary": "Disque", **extra}
    response = client.post(f"{API}/tickets/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize("delivery_mode", [None, "cds"])
def test_an_opened_ticket_is_answered_exactly_as_its_own_url_shows_it(
    partner, partner_admin, delivery_mode
):
    client = token_client(partner_admin)
    asset = covered_asset(partner, delivery_mode=delivery_mode)
    opened = _open_by_api(client, asset)
    shown = client.get(f"{API}/tickets/{opened['id']}/").json()
    assert opened == shown
    assert [t["target"] for t in opened["sla"]] == ["response", "onsite", "resolution"]
    assert [e["event"] for e in opened["timeline"]] == ["opened", "routed"]
    assert all(isinstance(e["id"], int) for e in opened["timeline"])


def test_opening_a_ticket_through_the_api_costs_a_fixed_number_of_queries(
    partner, partner_admin, django_assert_num_queries
):
    client = token_client(partner_admin)
    asset = covered_asset(partner)
    _open_by_api(client, asset)  # the token's first use
    # token (with the tenant scope and the caller's membership, which its allowed actions
    # need), the asset (joined), savepoint, coverage (with tiers, a certified engineer, the
    # Expert rank and the partner's delivery policy in force, issue 16), ticket, targets,
    # number, segment, timeline, webhook event, release: no reload
    with django_assert_num_queries(11):
        _open_by_api(client, asset)


def test_opening_a_ticket_by_serial_costs_no_more_than_by_id(
    partner, partner_admin, django_assert_num_queries
):
    client = token_client(partner_admin)
    asset = covered_asset(partner)
    _open_by_api(client, asset)
    with CaptureQueriesContext(connection) as by_id:
        _open_by_api(client, asset)
    with CaptureQueriesContext(connection) as by_serial:
        body = {"serial": asset.serial_number, "severity": 2, "kind": "incident", "summary": "x"}
        assert client.post(f"{API}/tickets/", body, format="json").status_code == 201
    # the serial look-up: the assets (with whether one is openable) and the coverage it would
    # be opened under, instead of the asset by id
    assert len(by_serial) <= len(by_id) + 1


def test_opening_a_ticket_from_the_page_costs_a_fixed_number_of_queries(
    client, partner, partner_admin, django_assert_num_queries
):
    asset = covered_asset(partner)
    client.force_login(partner_admin)
    form = {
        "serial": asset.serial_number,
        "asset": asset.pk,
        "severity": 2,
        "kind": "incident",
        "summary": "Disque",
        "description": "",
    }
    assert client.post("/tickets/new/", form).status_code == 302
    # session, the user with its roles and membership; the serial's assets, each with whether
    # a coverage allows opening (the form checks the choice against the assets in hand; the
    # opening reads the coverage); savepoint, coverage (with a certified engineer, the Expert
    # rank and the delivery policy in force), ticket, targets, number, segment, timeline,
    # webhook event, release
    with django_assert_num_queries(12):
        assert client.post("/tickets/new/", form).status_code == 302


def _close(ticket, actor):
    for action, params in (("acknowledge", {}), ("resolve", {"note": "Fait"}), ("close", {})):
        ticket_act(ticket=ticket, action=action, actor=actor, **params)


def test_the_open_and_closed_queue_pages_across_open_then_closed_tickets(
    client, partner, partner_engineer
):
    assets = covered_assets(partner, 30)
    closed, still_open = [], []
    for index, asset in enumerate(assets):
        at = timezone.now() - timedelta(minutes=index)
        ticket = ticket_open(
            asset=asset, severity=2, kind="incident", summary="x", actor=partner_engineer, at=at
        )
        (closed if index % 3 == 0 else still_open).append(ticket)
    for ticket in closed:
        _close(ticket, partner_engineer)
    client.force_login(partner_engineer)
    shown = []
    for page in (1, 2):
        body = client.get(f"/tickets/?state=&page={page}").content.decode()
        shown += re.findall(r'data-ticket="([^"]+)"', body)
    # newest first within each part: the tickets were opened a minute apart, newest first
    assert shown == [t.number for t in still_open] + [t.number for t in closed]


def test_the_open_and_closed_queue_runs_the_same_queries_for_5_or_30_tickets(
    client, partner, partner_engineer
):
    client.force_login(partner_engineer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/tickets/?state=").status_code == 200
        return len(captured)

    for ticket in [open_ticket(partner, partner_engineer) for _ in range(5)][:2]:
        _close(ticket, partner_engineer)
    few = queries()
    for ticket in [open_ticket(partner, partner_engineer) for _ in range(25)][:10]:
        _close(ticket, partner_engineer)
    # the open part and the closed part of the page: each its rows and their targets
    assert queries() == few


def test_the_closed_queue_lists_only_closed_tickets_newest_first(client, partner, partner_engineer):
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        older = open_ticket(partner, partner_engineer)
    newer = open_ticket(partner, partner_engineer)
    open_ticket(partner, partner_engineer)
    _close(older, partner_engineer)
    _close(newer, partner_engineer)
    client.force_login(partner_engineer)
    body = client.get("/tickets/?state=closed").content.decode()
    assert re.findall(r'data-ticket="([^"]+)"', body) == [newer.number, older.number]
