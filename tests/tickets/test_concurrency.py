"""Races on tickets and SLA timers, on real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from servicone.errors import StateConflict
from tests.partners.concurrency import race
from tests.partners.factories import partner_user
from tests.tickets.factories import covered_asset
from tickets import sla
from tickets.models import SlaEvent, SlaTarget, Ticket, TicketEvent
from tickets.services import ticket_acknowledge, ticket_open

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _ticket(partner, actor):
    asset = covered_asset(partner)
    return ticket_open(asset=asset, severity=1, kind="incident", summary="Panne", actor=actor)


def test_two_engineers_acknowledging_at_once_one_wins_the_other_gets_a_conflict(partner):
    assert connection.vendor == "postgresql"
    first = partner_user(partner, "engineer", username="eng.a")
    second = partner_user(partner, "engineer", username="eng.b")
    ticket = _ticket(partner, first)

    results = race(
        lambda: ticket_acknowledge(ticket=Ticket.objects.get(pk=ticket.pk), actor=first),
        lambda: ticket_acknowledge(ticket=Ticket.objects.get(pk=ticket.pk), actor=second),
    )

    assert sorted(type(r).__name__ for r in results) == ["StateConflict", "Ticket"]
    assert sum(isinstance(r, StateConflict) for r in results) == 1
    assert TicketEvent.objects.filter(ticket=ticket, event="acknowledged").count() == 1


def test_two_sweeps_at_once_fire_each_event_once(partner, partner_admin):
    tickets = [_ticket(partner, partner_admin) for _ in range(6)]
    later = timezone.now() + timedelta(days=2)  # every target overdue: warning and breach each

    results = race(
        lambda: sla.sweep(now=later, batch_size=4), lambda: sla.sweep(now=later, batch_size=4)
    )

    # Whatever each sweep claimed, the two together leave nothing due and nothing doubled.
    while sla.sweep(now=later)[0]:
        pass
    fired = sum(r[0] for r in results if isinstance(r, tuple))
    assert all(isinstance(r, tuple) for r in results), results
    expected = 6 * 3 * 2
    assert SlaEvent.objects.count() == expected
    assert fired <= expected
    assert SlaTarget.objects.filter(next_event_at__isnull=False).count() == 0
    for ticket in tickets:
        assert TicketEvent.objects.filter(ticket=ticket, event="sla_breached").count() == 3


def test_the_same_timer_fired_twice_at_once_fires_once(partner, partner_admin):
    ticket = _ticket(partner, partner_admin)
    target = SlaTarget.objects.get(ticket=ticket, target="response")
    at = target.warn_at + timedelta(seconds=1)

    results = race(
        lambda: sla.sla_fire_due(target.pk, now=at, version=target.version),
        lambda: sla.sla_fire_due(target.pk, now=at, version=target.version),
    )

    assert sum(r is not None for r in results) == 1
    assert SlaEvent.objects.filter(ticket=ticket, event="warned").count() == 1


def test_a_sweep_leaves_a_ticket_a_user_action_holds_for_later_and_fires_the_rest(
    partner, partner_admin
):
    busy, free = _ticket(partner, partner_admin), _ticket(partner, partner_admin)
    later = timezone.now() + timedelta(days=2)  # every target overdue: warning and breach each
    locked, release = threading.Event(), threading.Event()

    def user_action() -> None:  # holds the ticket row, as a service does
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=user_action)
    holder.start()
    assert locked.wait(timeout=10)
    try:
        # Not waiting for the lock (no deadlock with an action that then locks a target).
        first = sla.sweep(now=later)
    finally:
        release.set()
        holder.join(timeout=30)

    assert first == (6, True)  # the busy ticket's events are still due: "more"
    assert SlaEvent.objects.filter(ticket=free).count() == 6
    assert not SlaEvent.objects.filter(ticket=busy).exists()
    assert sla.sweep(now=later) == (6, False)
    assert SlaEvent.objects.filter(ticket=busy).count() == 6
