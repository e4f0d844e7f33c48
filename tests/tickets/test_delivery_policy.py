"""The partner's delivery policy in the routing: each rule, its version, and the hand-back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.partners.factories import delivery_policy
from tests.tickets.factories import certified_engineer, covered_asset
from tickets.hand_back import ticket_hand_back
from tickets.models import OwnershipSegment, SlaTarget, Status, Ticket, TicketEvent
from tickets.services import ticket_act, ticket_open
from tickets.tasks import arm_ticket_timers, sla_sweep

PARIS = ZoneInfo("Europe/Paris")
THURSDAY_10 = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
THURSDAY_22 = datetime(2026, 11, 26, 22, 0, tzinfo=PARIS)
FRIDAY_8 = datetime(2026, 11, 27, 8, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(THURSDAY_10, tick=False) as traveller:
        yield traveller


def lille_asset(partner, postal_code="59000", **kwargs):
    return covered_asset(partner, site_kwargs={"postal_code": postal_code}, **kwargs)


def open_ticket(asset, actor, at=None):
    return ticket_open(
        asset=asset, severity=2, kind="incident", summary="Serveur arrêté", actor=actor, at=at
    )


def test_without_a_policy_routing_is_as_before(partner, partner_admin):
    ticket = open_ticket(lille_asset(partner, postal_code="13001"), partner_admin)
    assert (ticket.delivered_by, ticket.routing_reason) == ("partner", "partner_authorised")


def test_a_site_outside_the_partners_area_goes_to_cds(partner, partner_admin):
    delivery_policy(partner, departments=["59", "62"])
    ticket = open_ticket(lille_asset(partner, postal_code="13001"), partner_admin)
    assert (ticket.delivered_by, ticket.routing_reason) == ("cds", "outside_delivery_area")
    assert "13 Bouches-du-Rhône" in ticket.routing_messages["fr"]
    assert ticket.ownership_due_at is None


def test_a_site_inside_the_area_stays_with_the_partner(partner, partner_admin):
    delivery_policy(partner, departments=["59", "62"])
    ticket = open_ticket(lille_asset(partner, postal_code="62000"), partner_admin)
    assert (ticket.delivered_by, ticket.routing_reason) == ("partner", "partner_authorised")


def test_corsica_is_judged_by_its_two_departements(partner, partner_admin):
    delivery_policy(partner, departments=["2A"])
    ajaccio = open_ticket(lille_asset(partner, postal_code="20000"), partner_admin)
    bastia = open_ticket(lille_asset(partner, postal_code="20200"), partner_admin)
    assert ajaccio.delivered_by == "partner"
    assert bastia.routing_reason == "outside_delivery_area"


def test_a_site_without_a_postal_code_is_not_judged_outside_the_area(partner, partner_admin):
    delivery_policy(partner, departments=["59"])
    ticket = open_ticket(lille_asset(partner, postal_code=""), partner_admin)
    assert ticket.delivered_by == "partner"


def test_a_night_call_on_a_24x7_contract_of_a_9x5_partner_goes_to_cds(partner, partner_admin):
    delivery_policy(partner, staffed_coverage="9x5")
    ticket = open_ticket(lille_asset(partner), partner_admin, at=THURSDAY_22)
    assert (ticket.delivered_by, ticket.routing_reason) == ("cds", "outside_staffed_hours")
    assert ticket.hand_back_at is None  # the policy does not ask for it
    assert "9x5" in ticket.routing_messages["fr"]


def test_a_night_call_on_a_contract_within_the_staffed_hours_stays_with_the_partner(
    partner, partner_admin
):
    delivery_policy(partner, staffed_coverage="9x5")
    asset = lille_asset(partner, code="CP-PL-NBD-9X5")
    ticket = open_ticket(asset, partner_admin, at=THURSDAY_22)
    assert ticket.delivered_by == "partner"


def test_staffed_hours_follow_the_sites_holidays(partner, partner_admin):
    delivery_policy(partner, staffed_coverage="9x5")
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=PARIS)  # a Friday, a holiday
    ticket = open_ticket(lille_asset(partner), partner_admin, at=christmas)
    assert ticket.routing_reason == "outside_staffed_hours"


def test_a_declined_product_line_goes_to_cds_even_when_certified(partner, partner_admin):
    delivery_policy(partner, declined=["proliant"])
    ticket = open_ticket(lille_asset(partner), partner_admin)
    assert (ticket.delivered_by, ticket.routing_reason) == ("cds", "product_line_declined")


def test_the_partners_capacity_sends_the_next_ticket_to_cds(partner, partner_admin):
    # One certified engineer (covered_asset's), two open tickets at most each.
    delivery_policy(partner, max_open_tickets_per_engineer=2)
    asset = lille_asset(partner)
    first, second = open_ticket(asset, partner_admin), open_ticket(asset, partner_admin)
    third = open_ticket(asset, partner_admin)
    assert [first.delivered_by, second.delivered_by] == ["partner", "partner"]
    assert (third.delivered_by, third.routing_reason) == ("cds", "capacity_reached")
    certified_engineer(partner)  # a second engineer doubles the capacity
    assert open_ticket(asset, partner_admin).delivered_by == "partner"


def test_the_programmes_rules_come_first(partner, partner_admin):
    delivery_policy(partner, departments=["59"])
    asset = lille_asset(partner, postal_code="13001", certified=False)
    ticket = open_ticket(asset, partner_admin)
    assert ticket.routing_reason == "no_certified_engineer"


def test_routing_reads_the_version_in_force_at_the_opening(partner, partner_admin, clock):
    delivery_policy(partner, departments=["59"])
    asset = lille_asset(partner, postal_code="13001")
    # A later version (created after this opening) widens the area from next Monday.
    delivery_policy(
        partner,
        departments=["13", "59"],
        effective_from=date(2026, 11, 30),
        created_at=THURSDAY_10 + timedelta(minutes=5),
    )
    assert open_ticket(asset, partner_admin).routing_reason == "outside_delivery_area"
    clock.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=PARIS))
    assert open_ticket(asset, partner_admin).delivered_by == "partner"
    # A ticket opened (recorded) for an earlier instant reads the version of that instant.
    assert open_ticket(asset, partner_admin, at=THURSDAY_10).routing_reason == (
        "outside_delivery_area"
    )


# --- The hand-back ------------------------------------------------------------------------


@pytest.fixture
def night_ticket(partner, partner_admin):
    delivery_policy(partner, staffed_coverage="9x5", hand_back_at_opening=True)
    return open_ticket(lille_asset(partner), partner_admin, at=THURSDAY_22)


def test_with_hand_back_the_ticket_is_due_back_at_the_partners_next_opening(night_ticket):
    assert night_ticket.routing_reason == "outside_staffed_hours"
    assert night_ticket.hand_back_at == FRIDAY_8
    routed = TicketEvent.objects.get(ticket=night_ticket, event="routed")
    assert datetime.fromisoformat(routed.detail["hand_back_at"]) == FRIDAY_8
    assert "revient au partenaire" in night_ticket.routing_messages["fr"]


def test_the_hand_back_keeps_one_customer_clock_and_a_segment_per_organisation(
    night_ticket, cds_dispatcher, partner_admin, clock
):
    due_before = dict(SlaTarget.objects.filter(ticket=night_ticket).values_list("target", "due_at"))
    clock.move_to(THURSDAY_22 + timedelta(minutes=20))
    ticket_act(ticket=night_ticket, action="acknowledge", actor=cds_dispatcher)
    clock.move_to(FRIDAY_8 - timedelta(minutes=1))
    assert ticket_hand_back(ticket=night_ticket) is False  # not yet
    clock.move_to(FRIDAY_8)
    assert ticket_hand_back(ticket=night_ticket) is True
    assert ticket_hand_back(ticket=night_ticket) is False  # exactly once

    ticket = Ticket.objects.get(pk=night_ticket.pk)
    assert (ticket.delivered_by, ticket.status, ticket.handed_back_at) == (
        "partner",
        Status.OWNED,
        FRIDAY_8,
    )
    # The customer's clock never restarts: the deadlines are those of the opening.
    after = dict(SlaTarget.objects.filter(ticket=ticket).values_list("target", "due_at"))
    assert after == due_before
    response = SlaTarget.objects.get(ticket=ticket, target="response")
    assert response.met_at == THURSDAY_22 + timedelta(minutes=20)  # CDS answered it
    segments = list(
        OwnershipSegment.objects.filter(ticket=ticket).values_list(
            "organisation", "partner_id", "reason", "started_at", "ended_at"
        )
    )
    assert segments == [
        ("cds", None, "opened", THURSDAY_22, FRIDAY_8),
        ("partner", ticket.partner_id, "hand_back", FRIDAY_8, None),
    ]
    engineer = certified_engineer(ticket.partner)
    ticket = ticket_act(ticket=ticket, action="dispatch", actor=partner_admin, engineer=engineer)
    assert ticket.status == Status.DISPATCHED


def test_an_untaken_call_handed_back_gets_the_partners_ownership_window(night_ticket):
    assert ticket_hand_back(ticket=night_ticket, at=FRIDAY_8) is True
    ticket = Ticket.objects.get(pk=night_ticket.pk)
    assert ticket.status == Status.OPENED
    assert ticket.ownership_due_at is not None
    assert ticket.ownership_due_at > FRIDAY_8


def test_a_ticket_cds_already_sent_an_engineer_to_stays_with_cds(
    night_ticket, cds_dispatcher, cds_engineer
):
    ticket = ticket_act(
        ticket=night_ticket, action="acknowledge", actor=cds_dispatcher, at=THURSDAY_22
    )
    ticket_act(ticket=ticket, action="dispatch", actor=cds_dispatcher, engineer=cds_engineer)
    assert ticket_hand_back(ticket=ticket, at=FRIDAY_8) is False
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.delivered_by, ticket.hand_back_at, ticket.handed_back_at) == ("cds", None, None)
    assert TicketEvent.objects.filter(ticket=ticket, event="hand_back_cancelled").exists()
    assert OwnershipSegment.objects.filter(ticket=ticket).count() == 1


def test_the_sweep_catches_up_hand_backs_once(night_ticket, clock):
    clock.move_to(FRIDAY_8 + timedelta(minutes=3))
    sla_sweep()
    sla_sweep()
    assert Ticket.objects.get(pk=night_ticket.pk).delivered_by == "partner"
    assert TicketEvent.objects.filter(ticket=night_ticket, event="handed_back").count() == 1
    assert OwnershipSegment.objects.filter(ticket=night_ticket, reason="hand_back").count() == 1


def test_a_hand_back_within_the_eta_horizon_gets_its_own_timer(
    night_ticket, clock, settings, monkeypatch
):
    from tickets import tasks

    armed = []
    monkeypatch.setattr(
        tasks.hand_back_ticket, "apply_async", lambda args, eta: armed.append((args, eta))
    )
    settings.SLA_ETA_HORIZON_SECONDS = 3600
    clock.move_to(FRIDAY_8 - timedelta(minutes=30))
    arm_ticket_timers(night_ticket.pk)
    assert armed == [((night_ticket.pk,), FRIDAY_8)]


def test_the_ticket_page_says_when_the_ticket_comes_back(client, night_ticket, partner_admin):
    client.force_login(partner_admin)
    page = client.get(f"/tickets/{night_ticket.pk}/").content.decode()
    assert "Retour au partenaire prévu le 27/11/2026 08:00" in page
    assert "hors des heures ouvrées du partenaire (9x5)" in page
