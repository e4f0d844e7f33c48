"""Who hears of SLA events, and how often: no stale warnings, one message per ticket, mutes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from servicone.models import Notification
from servicone.tasks import send_notification_emails
from tests.tickets.factories import certified_engineer, covered_asset
from tickets import sla
from tickets.models import SlaEvent, TicketEvent
from tickets.mutes import ticket_mute, ticket_unmute
from tickets.services import ticket_act, ticket_fallback_to_cds, ticket_open
from tickets.tasks import sla_sweep

PARIS = ZoneInfo("Europe/Paris")
OPENED = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)  # a Thursday; 24x7 4-hour care pack


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(OPENED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def asset(partner):
    return covered_asset(partner)


def open_ticket(asset, actor, summary="Serveur arrêté"):
    return ticket_open(asset=asset, severity=2, kind="incident", summary=summary, actor=actor)


def test_a_warning_whose_breach_time_passed_is_recorded_but_only_the_breach_is_sent(
    asset, partner_admin, cds_dispatcher, clock
):
    ticket = open_ticket(asset, partner_admin)
    clock.move_to(datetime(2026, 11, 26, 12, 5, tzinfo=PARIS))  # response due at 12:00

    sla.sweep()

    events = SlaEvent.objects.filter(ticket=ticket, target="response")
    assert sorted(events.values_list("event", flat=True)) == ["breached", "warned"]
    assert TicketEvent.objects.filter(ticket=ticket, event="sla_warned").count() == 1
    assert not Notification.objects.filter(kind="sla_warning").exists()
    breach = Notification.objects.get(recipient=partner_admin)
    assert breach.subject == f"ServiceOne : {ticket.number} — délai « Prise en charge » dépassé"
    assert Notification.objects.filter(recipient=cds_dispatcher, kind="sla_breach").count() == 1


def test_a_warning_still_due_before_its_breach_is_sent_to_the_engineer_on_the_call(
    asset, partner, partner_admin, partner_engineer, clock
):
    # Certified on the line: sent without a reason (issue 15).
    engineer = certified_engineer(partner, user=partner_engineer)
    ticket = open_ticket(asset, partner_admin)
    ticket = ticket_act(ticket=ticket, action="acknowledge", actor=partner_admin)
    ticket_act(ticket=ticket, action="dispatch", actor=partner_admin, engineer=engineer)
    clock.move_to(datetime(2026, 11, 26, 13, 15, tzinfo=PARIS))  # on-site: warn 13:12, due 14:00

    sla.sweep()

    warning = Notification.objects.get(recipient=partner_engineer)
    assert warning.kind == "sla_warning"
    assert "bientôt dépassé" in warning.subject


def test_a_catch_up_after_an_outage_tells_each_person_once_per_ticket_with_its_late_events(
    asset, partner_admin, cds_dispatcher, clock
):
    first = open_ticket(asset, partner_admin, summary="Panne A")
    second = open_ticket(asset, partner_admin, summary="Panne B")
    clock.move_to(datetime(2026, 11, 26, 20, 0, tzinfo=PARIS))  # every target overdue

    assert sla.sweep() == (12, False)  # each event recorded, once

    for person in (partner_admin, cds_dispatcher):
        got = Notification.objects.filter(recipient=person).order_by("id")
        assert [n.link for n in got] == [f"/tickets/{first.pk}/", f"/tickets/{second.pk}/"]
    catch_up = Notification.objects.get(recipient=partner_admin, link=f"/tickets/{first.pk}/")
    assert catch_up.kind == "sla_breach"
    assert catch_up.subject == f"ServiceOne : {first.number} — 3 alertes de délai"
    assert catch_up.body == (
        f"{first.number} — Panne A\n"
        "Délais en retard :\n"
        "- Prise en charge : dépassé (échéance 26/11/2026 12:00)\n"
        "- Intervention sur site : dépassé (échéance 26/11/2026 14:00)\n"
        "- Remise en service : dépassé (échéance 26/11/2026 18:00)"
    )
    assert sla.sweep() == (0, False)
    assert Notification.objects.count() == 4


def test_the_catch_up_and_the_fall_back_to_cds_reach_the_dispatcher_in_one_email(
    asset, partner_admin, cds_dispatcher, clock
):
    ticket = open_ticket(asset, partner_admin)
    clock.move_to(datetime(2026, 11, 26, 20, 0, tzinfo=PARIS))
    mail.outbox = []

    sla_sweep()  # the SLA events, then the ownership fall-back (nobody took the call)
    ticket.refresh_from_db()
    assert ticket.delivered_by == "cds"
    assert Notification.objects.filter(recipient=cds_dispatcher).count() == 2

    assert send_notification_emails() == 2  # the outbox run the sweep's commit queues
    to_dispatcher = [m for m in mail.outbox if m.to == [cds_dispatcher.email]]
    assert len(to_dispatcher) == 1
    assert "(et 1 autre notification)" in to_dispatcher[0].subject
    assert "Délais en retard" in to_dispatcher[0].body
    assert "le CDS le reprend" in to_dispatcher[0].body
    assert not Notification.objects.filter(email_sent_at__isnull=True).exists()
    assert send_notification_emails() == 0


def test_who_muted_a_ticket_hears_nothing_more_of_it_and_the_others_still_do(
    asset, partner_admin, cds_dispatcher, clock
):
    ticket = open_ticket(asset, partner_admin)
    assert ticket_mute(ticket=ticket, user=cds_dispatcher) is True
    assert ticket_mute(ticket=ticket, user=cds_dispatcher) is False  # once is enough
    clock.move_to(datetime(2026, 11, 26, 20, 0, tzinfo=PARIS))

    sla.sweep()
    assert ticket_fallback_to_cds(ticket=ticket) is True

    assert not Notification.objects.filter(recipient=cds_dispatcher).exists()
    assert Notification.objects.filter(recipient=partner_admin).count() == 1
    assert SlaEvent.objects.filter(ticket=ticket).count() == 6  # the ticket's story is whole


def test_unmuting_a_ticket_lets_its_next_events_through(
    asset, partner_admin, cds_dispatcher, clock
):
    ticket = open_ticket(asset, partner_admin)
    ticket_mute(ticket=ticket, user=partner_admin)
    clock.move_to(datetime(2026, 11, 26, 11, 40, tzinfo=PARIS))  # response warning
    sla.sweep()
    assert not Notification.objects.filter(recipient=partner_admin).exists()

    assert ticket_unmute(ticket=ticket, user=partner_admin) is True
    clock.move_to(datetime(2026, 11, 26, 12, 1, tzinfo=PARIS))  # response breach
    sla.sweep()

    assert Notification.objects.get(recipient=partner_admin).kind == "sla_breach"
