"""Ticket lifecycle: opening and routing, the transition matrix, handover, fallback, SLA."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from contracts.models import Contract
from contracts.services import contract_sell
from servicone.errors import DomainError, NotAllowed, StateConflict
from servicone.models import Notification
from tests.contracts.factories import asset_of, offering
from tests.partners.factories import EngineerFactory, certify, delivery_policy, set_tier
from tests.tickets.factories import certified_engineer, covered_asset
from tickets import sla
from tickets.hand_back import ticket_hand_back
from tickets.models import (
    OwnershipSegment,
    SegmentReason,
    SlaEvent,
    SlaEventKind,
    SlaTarget,
    Status,
    Ticket,
    TicketEvent,
    TicketEventKind,
)
from tickets.services import (
    ticket_acknowledge,
    ticket_act,
    ticket_fallback_to_cds,
    ticket_open,
)
from tickets.transitions import ACTIONS, allowed_actions

PARIS = ZoneInfo("Europe/Paris")
OPENED = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)  # a Thursday


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(OPENED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def asset(partner):
    return covered_asset(partner)


def open_ticket(asset, actor, **kwargs):
    return ticket_open(
        asset=asset,
        severity=kwargs.pop("severity", 2),
        kind=kwargs.pop("kind", "incident"),
        summary=kwargs.pop("summary", "Serveur arrêté"),
        actor=actor,
        **kwargs,
    )


def params_for(action, ticket):
    if action == "dispatch":
        return {"engineer": certified_engineer(ticket.partner)}
    if action == "pause":
        return {"reason": "awaiting_parts"}
    if action == "handover":
        return {"reason": "Pas de pièce en stock"}
    if action == "resolve":
        return {"note": "Disque remplacé, RAID reconstruit."}
    return {}


PATHS = {
    Status.OPENED: [],
    Status.OWNED: ["acknowledge"],
    Status.DISPATCHED: ["acknowledge", "dispatch"],
    Status.ON_SITE: ["acknowledge", "dispatch", "arrive"],
    Status.PAUSED: ["acknowledge", "pause"],
    Status.RESOLVED: ["acknowledge", "resolve"],
    Status.CLOSED: ["acknowledge", "resolve", "close"],
}


def ticket_in(status, asset, actor):
    ticket = open_ticket(asset, actor)
    for action in PATHS[status]:
        ticket = ticket_act(ticket=ticket, action=action, actor=actor, **params_for(action, ticket))
    assert ticket.status == status
    return ticket


# --- Opening and routing --------------------------------------------------------------


def test_opening_on_a_covered_asset_routes_to_the_authorised_partner(asset, partner_admin):
    ticket = open_ticket(asset, partner_admin)
    assert ticket.number == f"TK-2026-{ticket.pk:06d}"
    assert ticket.delivered_by == "partner"
    assert ticket.routing_reason == "partner_authorised"
    assert ticket.contract.offering.code == "CP-PL-4H-24X7"
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("event", flat=True)) == [
        "opened",
        "routed",
    ]
    assert OwnershipSegment.objects.get(ticket=ticket).organisation == "partner"


def test_opening_without_coverage_is_refused_and_creates_nothing(partner, partner_admin):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    with pytest.raises(DomainError) as error:
        open_ticket(asset, partner_admin)
    assert error.value.code == "not_entitled"
    assert not Ticket.objects.exists()


def test_a_cancelled_contract_gives_no_entitlement(asset, partner_admin):
    Contract.objects.update(status="cancelled")
    with pytest.raises(DomainError):
        open_ticket(asset, partner_admin)


def test_a_3par_care_pack_sold_by_a_deliver_partner_is_delivered_by_cds(partner, partner_admin):
    asset = covered_asset(partner, code="CP-3PAR-4H-24X7", line="3par", tier="deliver")
    ticket = open_ticket(asset, partner_admin)
    assert ticket.delivered_by == "cds"
    assert ticket.routing_reason == "contract_delivery_cds"
    assert "Expert" in ticket.contract.delivery_reason
    assert ticket.ownership_due_at is None


def test_a_partner_that_lost_the_tier_to_deliver_sees_its_ticket_go_to_cds(partner, partner_admin):
    asset = covered_asset(partner, code="CP-3PAR-4H-24X7", line="3par", tier="expert")
    set_tier(partner, "deliver")
    ticket = open_ticket(asset, partner_admin)
    assert (ticket.delivered_by, ticket.routing_reason) == ("cds", "tier_not_authorised")
    assert "Expert" in ticket.routing_messages["fr"]


def test_a_contract_the_partner_entrusted_to_cds_routes_to_cds(partner, partner_admin):
    asset = covered_asset(partner, delivery_mode="cds")
    assert open_ticket(asset, partner_admin).routing_reason == "contract_delivery_cds"


def test_no_certified_engineer_routes_to_cds(partner, partner_admin):
    asset = covered_asset(partner, certified=False)
    assert open_ticket(asset, partner_admin).routing_reason == "no_certified_engineer"


def test_severity_and_kind_are_validated(asset, partner_admin):
    with pytest.raises(DomainError):
        open_ticket(asset, partner_admin, severity=5)
    with pytest.raises(DomainError):
        open_ticket(asset, partner_admin, kind="miracle")
    assert not Ticket.objects.exists()


# --- SLA targets at opening -----------------------------------------------------------------


def test_targets_come_from_the_service_level_in_the_sites_time(asset, partner_admin):
    ticket = open_ticket(asset, partner_admin)
    targets = {t.target: t for t in SlaTarget.objects.filter(ticket=ticket)}
    # CP-PL-4H-24X7: response 2 h, on-site 4 h, resolution 8 h, 24x7.
    assert targets["response"].due_at == datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)
    assert targets["onsite"].due_at == datetime(2026, 11, 26, 14, 0, tzinfo=PARIS)
    assert targets["resolution"].due_at == datetime(2026, 11, 26, 18, 0, tzinfo=PARIS)
    assert targets["response"].warn_at == datetime(2026, 11, 26, 11, 36, tzinfo=PARIS)
    assert ticket.ownership_due_at == targets["response"].due_at


def test_resolution_is_shown_but_not_enforced_for_severity_3(asset, partner_admin):
    ticket = open_ticket(asset, partner_admin, severity=3)
    resolution = SlaTarget.objects.get(ticket=ticket, target="resolution")
    assert resolution.enforced is False
    assert resolution.next_event_at is None
    assert resolution.due_at is not None


def test_nbd_on_site_target_of_a_friday_evening_call_is_tuesday_closing(
    partner, partner_admin, clock
):
    clock.move_to(datetime(2026, 11, 27, 18, 0, tzinfo=PARIS))
    asset = covered_asset(partner, code="CP-PL-NBD-9X5")
    ticket = open_ticket(asset, partner_admin)
    onsite = SlaTarget.objects.get(ticket=ticket, target="onsite")
    assert onsite.next_business_day
    assert onsite.due_at == datetime(2026, 12, 1, 17, 0, tzinfo=PARIS)


# --- The transition matrix ----------------------------------------------------------------------


# The lifecycle as PRODUCT.md tells it (capability 3), written out by hand rather than
# read from TRANSITIONS, so that a wrong entry there fails here: from each status, where
# each action leads. An action a status does not list is refused (409), nothing changes.
EVERY_ACTION = (
    "acknowledge",
    "dispatch",
    "arrive",
    "resolve",
    "close",
    "pause",
    "resume",
    "escalate",
    "handover",
)
LIFECYCLE: dict[str, dict[str, str]] = {
    # The call waits to be taken (ownership); meanwhile it may be escalated or handed over.
    "opened": {"acknowledge": "owned", "escalate": "opened", "handover": "opened"},
    # Taken: send an engineer, or fix it remotely; a pause waits for the customer or parts.
    # Handed over, the ticket stays owned: CDS now holds the call.
    "owned": {
        "dispatch": "dispatched",
        "resolve": "resolved",
        "pause": "paused",
        "escalate": "owned",
        "handover": "owned",
    },
    # Dispatching again changes who goes. CDS owns the call it takes over and sends its
    # own engineer, so a handover brings the ticket back to owned.
    "dispatched": {
        "dispatch": "dispatched",
        "arrive": "on_site",
        "resolve": "resolved",
        "pause": "paused",
        "escalate": "dispatched",
        "handover": "owned",
    },
    "on_site": {
        "resolve": "resolved",
        "pause": "paused",
        "escalate": "on_site",
        "handover": "owned",
    },
    # Only resuming ends a pause, back to where the ticket was (here: owned); it may still
    # be escalated or handed over while paused.
    "paused": {"resume": "owned", "escalate": "paused", "handover": "paused"},
    # Done: only closing is left; a closed ticket takes no action at all.
    "resolved": {"close": "closed"},
    "closed": {},
}


def test_the_lifecycle_table_names_every_action_and_status_of_the_code():
    assert set(ACTIONS) == set(EVERY_ACTION)
    assert set(LIFECYCLE) == set(Status.values) == set(PATHS)


@pytest.mark.parametrize("status", list(LIFECYCLE))
@pytest.mark.parametrize("action", EVERY_ACTION)
def test_every_action_from_every_status_leads_where_the_lifecycle_says_or_conflicts(
    status, action, asset, partner_admin
):
    ticket = ticket_in(status, asset, partner_admin)
    before = TicketEvent.objects.filter(ticket=ticket).count()
    leads_to = LIFECYCLE[status].get(action)
    if leads_to is not None:
        result = ticket_act(
            ticket=ticket, action=action, actor=partner_admin, **params_for(action, ticket)
        )
        assert TicketEvent.objects.filter(ticket=ticket).count() > before
        assert result.pk == ticket.pk
        assert result.status == leads_to
        assert Ticket.objects.get(pk=ticket.pk).status == leads_to
    else:
        with pytest.raises(StateConflict):
            ticket_act(
                ticket=ticket, action=action, actor=partner_admin, **params_for(action, ticket)
            )
        assert TicketEvent.objects.filter(ticket=ticket).count() == before
        assert Ticket.objects.get(pk=ticket.pk).status == status


def test_escalation_goes_l1_l2_l3_then_conflicts(asset, partner_admin):
    ticket = open_ticket(asset, partner_admin)
    for level in (2, 3):
        ticket = ticket_act(ticket=ticket, action="escalate", actor=partner_admin)
        assert ticket.escalation_level == level
    with pytest.raises(StateConflict):
        ticket_act(ticket=ticket, action="escalate", actor=partner_admin)


def test_a_sales_user_may_open_but_not_work_tickets(asset, partner_sales):
    ticket = open_ticket(asset, partner_sales)
    with pytest.raises(NotAllowed):
        ticket_acknowledge(ticket=ticket, actor=partner_sales)
    assert allowed_actions(partner_sales, ticket) == []


def test_another_partner_cannot_act(asset, partner_admin, other_admin):
    ticket = open_ticket(asset, partner_admin)
    with pytest.raises(NotAllowed):
        ticket_acknowledge(ticket=ticket, actor=other_admin)


def test_dispatching_another_partners_engineer_is_refused(asset, partner_admin, other_partner):
    ticket = ticket_in(Status.OWNED, asset, partner_admin)
    with pytest.raises(DomainError):
        ticket_act(
            ticket=ticket,
            action="dispatch",
            actor=partner_admin,
            engineer=EngineerFactory(partner=other_partner),
        )
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OWNED


# --- Handover and fallback -------------------------------------------------------------------------


def test_handover_moves_the_ticket_to_cds_and_keeps_the_customers_clock(
    asset, partner_admin, cds_dispatcher, clock
):
    ticket = ticket_in(Status.DISPATCHED, asset, partner_admin)
    due_before = dict(SlaTarget.objects.filter(ticket=ticket).values_list("target", "due_at"))
    clock.shift(timedelta(minutes=30))
    ticket = ticket_act(
        ticket=ticket, action="handover", actor=partner_admin, reason="Pièce indisponible"
    )
    assert ticket.delivered_by == "cds"
    assert ticket.status == Status.OWNED
    assert (
        dict(SlaTarget.objects.filter(ticket=ticket).values_list("target", "due_at")) == due_before
    )
    segments = list(
        OwnershipSegment.objects.filter(ticket=ticket).values_list("organisation", "reason")
    )
    assert segments == [("partner", "opened"), ("cds", "handover")]
    assert Notification.objects.filter(recipient=cds_dispatcher, kind="ticket_cds").exists()
    # Never back silently: the partner can no longer act, CDS can.
    assert allowed_actions(partner_admin, ticket) == []
    assert "dispatch" in allowed_actions(cds_dispatcher, ticket)


def test_an_unowned_partner_ticket_falls_back_to_cds_when_the_window_ends(
    asset, partner_admin, clock
):
    ticket = open_ticket(asset, partner_admin)
    clock.move_to(datetime(2026, 11, 26, 11, 59, tzinfo=PARIS))
    assert ticket_fallback_to_cds(ticket=ticket) is False
    clock.move_to(datetime(2026, 11, 26, 12, 0, tzinfo=PARIS))
    assert ticket_fallback_to_cds(ticket=ticket) is True
    assert ticket_fallback_to_cds(ticket=ticket) is False
    ticket.refresh_from_db()
    assert (ticket.delivered_by, ticket.status) == ("cds", Status.OPENED)
    assert ticket.fell_back_at == datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)
    segments = list(
        OwnershipSegment.objects.filter(ticket=ticket).values_list(
            "organisation", "started_at", "ended_at"
        )
    )
    assert segments[0][2] == segments[1][1]  # one continuous customer clock
    assert TicketEvent.objects.filter(ticket=ticket, event="fell_back").count() == 1


def test_an_acknowledged_ticket_never_falls_back(asset, partner_admin, clock):
    ticket = open_ticket(asset, partner_admin)
    ticket_acknowledge(ticket=ticket, actor=partner_admin)
    clock.move_to(datetime(2026, 11, 26, 13, 0, tzinfo=PARIS))
    assert ticket_fallback_to_cds(ticket=ticket) is False


# --- SLA events ----------------------------------------------------------------------------------------


def test_the_sweep_fires_warning_then_breach_exactly_once(
    asset, partner_admin, cds_dispatcher, clock
):
    ticket = open_ticket(asset, partner_admin)
    clock.move_to(datetime(2026, 11, 26, 11, 36, tzinfo=PARIS))
    assert sla.sweep()[0] == 1
    assert sla.sweep()[0] == 0
    response = SlaTarget.objects.get(ticket=ticket, target="response")
    assert response.state == "warned"
    clock.move_to(datetime(2026, 11, 26, 12, 0, tzinfo=PARIS))
    sla.sweep()
    sla.sweep()
    response.refresh_from_db()
    assert response.state == "breached"
    assert list(
        SlaEvent.objects.filter(ticket=ticket, target="response").values_list("event", flat=True)
    ) == ["warned", "breached"]
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
    assert ticket.cds_backup is True
    assert Notification.objects.filter(recipient=cds_dispatcher, kind="sla_breach").count() == 1
    assert Notification.objects.filter(recipient=partner_admin, kind="sla_warning").count() == 1


def test_sla_notifications_are_written_in_the_portals_french_whoever_runs_the_sweep(
    asset, partner_admin, cds_dispatcher, clock
):
    ticket = open_ticket(asset, partner_admin)
    clock.move_to(datetime(2026, 11, 26, 11, 36, tzinfo=PARIS))
    with translation.override("en"):
        sla.sweep()
    warning = Notification.objects.get(recipient=partner_admin, kind="sla_warning")
    assert warning.subject == (
        f"ServiceOne : {ticket.number} — délai « Prise en charge » bientôt dépassé"
    )
    assert warning.body == f"{ticket.number} — Serveur arrêté\nÉchéance : 26/11/2026 12:00"
    clock.move_to(datetime(2026, 11, 26, 12, 0, tzinfo=PARIS))
    sla.sweep()
    breach = Notification.objects.get(recipient=cds_dispatcher, kind="sla_breach")
    assert breach.subject == f"ServiceOne : {ticket.number} — délai « Prise en charge » dépassé"
    assert breach.body == (
        f"{ticket.number} — Serveur arrêté\nÉchéance dépassée : 26/11/2026 12:00"
    )


def test_every_event_and_reason_the_lifecycle_writes_is_one_of_the_model_choices(
    asset, partner_admin, clock, cds_dispatcher, cds_engineer
):
    engineer = certified_engineer(asset.customer.partner)
    ticket_in(Status.CLOSED, asset, partner_admin)
    ticket = ticket_in(Status.PAUSED, asset, partner_admin)
    for action, params in [
        ("resume", {}),
        ("escalate", {"reason": "Client VIP"}),
        ("dispatch", {"engineer": engineer}),
        ("arrive", {}),
    ]:
        ticket = ticket_act(ticket=ticket, action=action, actor=partner_admin, **params)
    handed = open_ticket(asset, partner_admin)
    ticket_act(ticket=handed, action="handover", actor=partner_admin, reason="Pièces")
    late = open_ticket(asset, partner_admin)
    clock.move_to(datetime(2026, 11, 26, 20, 0, tzinfo=PARIS))
    sla.sweep()
    assert ticket_fallback_to_cds(ticket=late) is True
    # Issue 16: outside the partner's staffed hours CDS takes the call, then hands it back
    # at the partner's opening, unless it has sent its own engineer by then.
    delivery_policy(asset.customer.partner, hand_back_at_opening=True)
    night = datetime(2026, 11, 26, 22, 0, tzinfo=PARIS)
    back = open_ticket(asset, partner_admin, at=night)
    stays = open_ticket(asset, partner_admin, at=night)
    stays = ticket_act(ticket=stays, action="acknowledge", actor=cds_dispatcher, at=night)
    ticket_act(ticket=stays, action="dispatch", actor=cds_dispatcher, engineer=cds_engineer)
    opening = datetime(2026, 11, 27, 8, 0, tzinfo=PARIS)
    assert ticket_hand_back(ticket=back, at=opening) is True
    assert ticket_hand_back(ticket=stays, at=opening) is False

    events = set(TicketEvent.objects.values_list("event", flat=True))
    # Every kind but the consumption of Proactive Select credits (a preventive visit).
    assert events == set(TicketEventKind.values) - {"credits_consumed"}
    assert set(SlaEvent.objects.values_list("event", flat=True)) == set(SlaEventKind.values)
    reasons = set(OwnershipSegment.objects.values_list("reason", flat=True))
    assert reasons == set(SegmentReason.values)


def test_after_an_outage_every_overdue_event_fires_once_in_deadline_order(
    asset, partner_admin, clock
):
    ticket = open_ticket(asset, partner_admin)
    clock.move_to(datetime(2026, 11, 26, 20, 0, tzinfo=PARIS))  # every target overdue
    fired, more = sla.sweep()
    assert (fired, more) == (6, False)
    events = list(
        SlaEvent.objects.filter(ticket=ticket).order_by("id").values_list("target", "event")
    )
    assert events == [
        ("response", "warned"),
        ("response", "breached"),
        ("onsite", "warned"),
        ("onsite", "breached"),
        ("resolution", "warned"),
        ("resolution", "breached"),
    ]
    assert sla.sweep() == (0, False)


# 13, plus 1 since issue 17 (the batch's webhook events, one INSERT) and 1 since
# issue 15 (who muted the batch's tickets, one SELECT): see the test below.
SWEEP_QUERIES = 15


# 9 then 48 due targets. (On SQLite Django splits a bulk write into 999-parameter
# chunks, about 90 notifications: the larger size stays under that.)
@pytest.mark.parametrize("tickets", [3, 16])
def test_the_sweep_fires_a_batch_in_a_fixed_number_of_queries_however_many_are_due(
    tickets, asset, partner, partner_admin, partner_engineer, clock, django_assert_num_queries
):
    engineer = certified_engineer(partner, user=partner_engineer)
    for i in range(tickets):
        ticket = open_ticket(asset, partner_admin, summary=f"Panne {i}")
        if i % 3 == 1:  # owned and dispatched: the engineer hears of the warnings too
            ticket = ticket_act(ticket=ticket, action="acknowledge", actor=partner_admin)
            ticket_act(ticket=ticket, action="dispatch", actor=partner_admin, engineer=engineer)
        elif i % 3 == 2:  # CDS delivers: CDS dispatch hears of the warnings
            ticket_act(ticket=ticket, action="handover", actor=partner_admin, reason="Pièces")
    clock.move_to(datetime(2026, 11, 26, 20, 0, tzinfo=PARIS))  # every target overdue
    owned = len(range(1, tickets, 3))
    events = 6 * tickets - 2 * owned  # an owned ticket met its response target

    # SAVEPOINT, claim the due targets, SAVEPOINT, lock their tickets, insert the
    # SLA events, update the targets (one UPDATE per kind of move: here all go
    # running → breached), update the tickets (one per new escalation level: here
    # all reach L3), insert the timeline rows, insert the webhook events (SLA events
    # and escalations), partner admins, CDS dispatchers, who muted these tickets,
    # insert the notifications, RELEASE, RELEASE.
    with django_assert_num_queries(SWEEP_QUERIES):
        assert sla.sweep() == (events, False)

    assert SlaEvent.objects.count() == events
    # Every warning was overdue (its breach came with it): recorded, not sent. The
    # partner's admin hears once per ticket, of all its late events.
    engineer_warnings = Notification.objects.filter(recipient=partner_engineer, kind="sla_warning")
    assert engineer_warnings.count() == 0
    admin_breaches = Notification.objects.filter(recipient=partner_admin, kind="sla_breach")
    assert admin_breaches.count() == tickets
    assert set(Ticket.objects.values_list("escalation_level", flat=True)) == {3}
    flagged = TicketEvent.objects.filter(event="cds_backup_flagged").count()
    assert flagged == Ticket.objects.filter(delivered_by="partner", cds_backup=True).count()
    assert flagged == tickets - len(range(2, tickets, 3))


def test_a_target_whose_event_fails_holds_up_no_other_and_stays_due(
    asset, partner_admin, clock, monkeypatch
):
    from tickets import sla_consequences

    good, bad = open_ticket(asset, partner_admin), open_ticket(asset, partner_admin)
    consequences = sla_consequences.on_sla_events

    def failing(*, fired, tickets, at):
        if any(target.ticket_id == bad.pk for target, _event in fired):
            raise RuntimeError("broken ticket")
        consequences(fired=fired, tickets=tickets, at=at)

    monkeypatch.setattr(sla_consequences, "on_sla_events", failing)
    clock.move_to(datetime(2026, 11, 26, 20, 0, tzinfo=PARIS))

    assert sla.sweep() == (6, False)

    assert SlaEvent.objects.filter(ticket=good).count() == 6
    assert not SlaEvent.objects.filter(ticket=bad).exists()
    assert SlaTarget.objects.filter(ticket=bad, state="running").count() == 3
    monkeypatch.setattr(sla_consequences, "on_sla_events", consequences)
    assert sla.sweep() == (6, False)  # the next sweep retries it


def test_an_outdated_timer_does_nothing(asset, partner_admin, clock):
    ticket = open_ticket(asset, partner_admin)
    target = SlaTarget.objects.get(ticket=ticket, target="response")
    clock.move_to(datetime(2026, 11, 26, 11, 40, tzinfo=PARIS))
    assert sla.sla_fire_due(target.pk, version=target.version + 1) is None
    assert sla.sla_fire_due(target.pk, version=target.version).event == "warned"


def test_a_pause_stops_the_clock_and_resume_moves_the_deadlines(asset, partner_admin, clock):
    ticket = ticket_in(Status.OWNED, asset, partner_admin)  # response met at 10:00
    clock.move_to(datetime(2026, 11, 26, 10, 30, tzinfo=PARIS))
    ticket = ticket_act(
        ticket=ticket, action="pause", actor=partner_admin, reason="awaiting_customer"
    )
    onsite = SlaTarget.objects.get(ticket=ticket, target="onsite")
    assert (onsite.state, onsite.next_event_at) == ("paused", None)
    clock.move_to(datetime(2026, 11, 26, 12, 30, tzinfo=PARIS))  # two hours paused
    assert sla.sweep() == (0, False)
    ticket = ticket_act(ticket=ticket, action="resume", actor=partner_admin)
    onsite.refresh_from_db()
    assert onsite.state == "running"
    assert onsite.due_at == datetime(2026, 11, 26, 16, 0, tzinfo=PARIS)
    assert onsite.version == ticket.sla_version
    response = SlaTarget.objects.get(ticket=ticket, target="response")
    assert response.state == "met"


def test_arriving_late_without_a_timer_records_the_breach_once(asset, partner_admin, clock):
    ticket = ticket_in(Status.DISPATCHED, asset, partner_admin)
    clock.move_to(datetime(2026, 11, 26, 14, 1, tzinfo=PARIS))
    ticket_act(ticket=ticket, action="arrive", actor=partner_admin)
    onsite = SlaTarget.objects.get(ticket=ticket, target="onsite")
    assert onsite.state == "breached"
    assert onsite.met_at == datetime(2026, 11, 26, 14, 1, tzinfo=PARIS)
    assert SlaEvent.objects.filter(ticket=ticket, target="onsite", event="breached").count() == 1


def test_arriving_exactly_at_the_deadline_meets_it(asset, partner_admin, clock):
    ticket = ticket_in(Status.DISPATCHED, asset, partner_admin)
    clock.move_to(datetime(2026, 11, 26, 14, 0, tzinfo=PARIS))
    ticket_act(ticket=ticket, action="arrive", actor=partner_admin)
    assert SlaTarget.objects.get(ticket=ticket, target="onsite").state == "met"


# --- Preventive visits and Proactive Select credits ---------------------------------------------------


def test_resolving_a_preventive_visit_consumes_one_credit(partner, partner_admin):
    set_tier(partner, "expert")
    certify(partner, "PL-ASE", 1, passed_on=OPENED.date() - timedelta(days=30))
    asset = covered_asset(partner, tier="expert")
    credits = contract_sell(
        partner=partner,
        customer=asset.customer,
        offering=offering("PS-CREDITS-10"),
        assets=[],
        starts_on=OPENED.date(),
        actor=None,
    )
    ticket = open_ticket(asset, partner_admin, kind="preventive", severity=4)
    assert ticket.credits_contract == credits
    ticket = ticket_act(ticket=ticket, action="acknowledge", actor=partner_admin)
    ticket_act(ticket=ticket, action="resolve", actor=partner_admin, note="Visite faite.")
    credits.refresh_from_db()
    assert credits.credits_balance == 9
    assert TicketEvent.objects.filter(ticket=ticket, event="credits_consumed").exists()


def test_a_preventive_visit_without_credits_is_refused(asset, partner_admin):
    with pytest.raises(DomainError) as error:
        open_ticket(asset, partner_admin, kind="preventive")
    assert error.value.code == "no_credits"
