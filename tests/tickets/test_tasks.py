"""The SLA sweep task: one bad ticket or target never holds back the others."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.tickets.factories import covered_asset
from tickets import services as ticket_services
from tickets import sla, sla_consequences
from tickets.models import SlaEvent, SlaTarget, Ticket
from tickets.services import ticket_open
from tickets.tasks import sla_sweep

PARIS = ZoneInfo("Europe/Paris")
OPENED = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)  # a Thursday
OWNERSHIP_OVER = datetime(2026, 11, 26, 12, 0, 30, tzinfo=PARIS)
ALL_OVERDUE = datetime(2026, 11, 26, 20, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(OPENED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def open_tickets(partner, partner_admin):
    asset = covered_asset(partner)

    def make(n: int) -> list[Ticket]:
        return [
            ticket_open(
                asset=asset,
                severity=2,
                kind="incident",
                summary=f"Panne {i}",
                actor=partner_admin,
            )
            for i in range(n)
        ]

    return make


def errors_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]


def delivered_by(tickets) -> list[str]:
    by_id = dict(Ticket.objects.values_list("pk", "delivered_by"))
    return [by_id[t.pk] for t in tickets]


# --- The ownership fall-back ---------------------------------------------------------------------


@pytest.fixture
def poisoned_fallback(monkeypatch):
    """Make the CDS fall-back of the tickets in the returned set raise."""
    poisoned: set[int] = set()
    fallback = ticket_services.ticket_fallback_to_cds

    def failing(*, ticket, **kwargs):
        if ticket.pk in poisoned:
            raise RuntimeError("broken ticket")
        return fallback(ticket=ticket, **kwargs)

    monkeypatch.setattr(ticket_services, "ticket_fallback_to_cds", failing)
    return poisoned


def test_a_ticket_whose_fall_back_fails_holds_back_no_other_and_falls_back_next_sweep(
    open_tickets, poisoned_fallback, clock, caplog
):
    first, bad, last = open_tickets(3)
    poisoned_fallback.add(bad.pk)
    clock.move_to(OWNERSHIP_OVER)

    sla_sweep()

    assert delivered_by([first, bad, last]) == ["cds", "partner", "cds"]
    assert errors_of(caplog) == [
        f"ownership fall-back of ticket {bad.number} failed; retried at the next sweep: "
        "RuntimeError: broken ticket"
    ]
    poisoned_fallback.clear()
    sla_sweep()
    assert delivered_by([first, bad, last]) == ["cds", "cds", "cds"]


# --- SLA targets ----------------------------------------------------------------------------------


@pytest.fixture
def poisoned_consequences(monkeypatch):
    """Make the consequences of SLA events of the tickets in the returned set raise."""
    poisoned: set[int] = set()
    consequences = sla_consequences.on_sla_events

    def failing(*, fired, tickets, at):
        if any(target.ticket_id in poisoned for target, _event in fired):
            raise RuntimeError("broken ticket")
        consequences(fired=fired, tickets=tickets, at=at)

    monkeypatch.setattr(sla_consequences, "on_sla_events", failing)
    return poisoned


def test_targets_that_keep_failing_go_to_the_back_of_the_line_and_block_no_batch(
    open_tickets, poisoned_consequences, clock
):
    # The failing ticket's target is due first and fills the batch: unless it is set
    # behind the others, every sweep would claim it again, and nothing else would fire.
    (bad,) = open_tickets(1)
    clock.move_to(datetime(2026, 11, 26, 10, 30, tzinfo=PARIS))
    (good,) = open_tickets(1)
    poisoned_consequences.add(bad.pk)
    clock.move_to(ALL_OVERDUE)

    assert sla.sweep(batch_size=1) == (0, True)
    for _ in range(12):
        sla.sweep(batch_size=1)

    assert SlaEvent.objects.filter(ticket=good).count() == 6
    assert not SlaEvent.objects.filter(ticket=bad).exists()
    assert sla.due_targets(ALL_OVERDUE).filter(ticket=bad).count() == 3  # still due
    poisoned_consequences.clear()
    assert sla.sweep() == (6, False)  # the next sweep fires them
    assert SlaTarget.objects.filter(ticket=bad, state="breached").count() == 3
