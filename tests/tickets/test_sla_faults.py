"""SLA timers under faults, with a real worker on PostgreSQL + Redis.

The database is the source of truth: whatever happens to workers, the broker
or beat, every warning and breach fires once, and each notification once.
Timers are armed by on-commit tasks in production; here the tickets are made
with their timers "lost" (as in a broker outage) so that only what the tests
send reaches the worker.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.selectors import today
from servicone.models import Notification
from tests.partners.factories import staff_user
from tests.tickets.factories import covered_asset
from tickets import services as ticket_services
from tickets.models import SlaEvent, SlaTarget
from tickets.services import ticket_open
from tickets.tasks import fire_sla_target, sla_sweep

pytestmark = [pytest.mark.postgres, pytest.mark.worker]

EVENTS_PER_TICKET = 6  # three targets, a warning and a breach each (severity 1)


@pytest.fixture
def overdue(partner, partner_admin, monkeypatch):
    """Make ``n`` tickets opened ``hours_ago`` with their timers lost."""
    monkeypatch.setattr(ticket_services, "_after_commit", lambda ticket: None)
    staff_user("cds_dispatcher", username="cds.watch")

    def make(n: int, hours_ago: float = 1) -> list:
        # The contract started two days ago, so a ticket opened hours ago is covered.
        asset = covered_asset(partner, today=today() - timedelta(days=2))
        opened = timezone.now() - timedelta(hours=hours_ago)
        return [
            ticket_open(
                asset=asset,
                severity=1,
                kind="incident",
                summary=f"Panne {i}",
                actor=partner_admin,
                at=opened,
            )
            for i in range(n)
        ]

    return make


def drain(worker, rounds: int = 500) -> int:
    """Run sweeps on the worker until nothing is due (each call waits for its result).

    A sweep may fire nothing while another worker still holds the due rows
    (SKIP LOCKED), so the loop ends on "nothing due", bounded in rounds.
    """
    total = 0
    for _ in range(rounds):
        total += worker.result(sla_sweep.delay(), timeout=120)
        if not SlaTarget.objects.filter(next_event_at__lte=timezone.now()).exists():
            return total
    pytest.fail(f"SLA events still due after {rounds} sweeps")


def assert_each_event_once(tickets) -> None:
    keys = list(SlaEvent.objects.values_list("ticket_id", "target", "event"))
    assert len(keys) == len(set(keys)) == len(tickets) * EVENTS_PER_TICKET
    assert not SlaTarget.objects.filter(next_event_at__lte=timezone.now()).exists()
    per_notification = Counter(Notification.objects.values_list("recipient_id", "dedup_key"))
    assert per_notification
    assert max(per_notification.values()) == 1


def test_beat_stopped_for_an_hour_then_every_overdue_event_fires_once_in_deadline_order(
    celery_worker, overdue
):
    tickets = overdue(3, hours_ago=9)  # 24x7 4-hour care pack: every target overdue

    fired = drain(celery_worker)

    # Each ticket: six SLA events, and the fall-back to CDS (nobody took the call).
    assert fired == 3 * EVENTS_PER_TICKET + 3
    assert all(
        t.delivered_by == "cds"
        for t in type(tickets[0]).objects.filter(pk__in=[t.pk for t in tickets])
    )
    assert_each_event_once(tickets)
    # In deadline order: the moment each event was due, in the order they were recorded.
    due_of = {}
    for target in SlaTarget.objects.all():
        due_of[(target.ticket_id, target.target, "warned")] = target.warn_at
        due_of[(target.ticket_id, target.target, "breached")] = target.due_at
    recorded = [
        due_of[k]
        for k in SlaEvent.objects.order_by("id").values_list("ticket_id", "target", "event")
    ]
    assert recorded == sorted(recorded)
    celery_worker.evidence.append(
        f"beat outage: {fired - 3} overdue SLA events and 3 ownership fall-backs fired once each, "
        f"in deadline order, through {celery_worker.broker}"
    )


def test_the_same_timer_delivered_twice_fires_once(celery_worker, overdue):
    (ticket,) = overdue(1, hours_ago=1.7)  # response warning due (at 1 h 36), breach not yet
    target = SlaTarget.objects.get(ticket=ticket, target="response")

    results = [
        celery_worker.result(fire_sla_target.delay(target.pk, target.version)) for _ in range(2)
    ]

    assert results.count("warned") == 1
    assert results.count(None) == 1
    assert SlaEvent.objects.filter(ticket=ticket, target="response").count() == 1
    assert (
        Notification.objects.filter(kind="sla_warning").values("recipient").distinct().count()
        == Notification.objects.filter(kind="sla_warning").count()
    )


def test_two_sweeps_running_at_once_fire_each_event_once(celery_worker, overdue):
    celery_worker.first.stop()
    celery_worker.start(concurrency=2, SLA_SWEEP_BATCH="4")
    tickets = overdue(4, hours_ago=9)

    first, second = sla_sweep.delay(), sla_sweep.delay()
    celery_worker.result(first, timeout=120)
    celery_worker.result(second, timeout=120)
    drain(celery_worker)

    assert_each_event_once(tickets)


def test_a_worker_killed_in_the_middle_of_the_sweep_loses_and_doubles_nothing(
    celery_worker, overdue
):
    celery_worker.first.stop()
    worker = celery_worker.start(SLA_SWEEP_BATCH="2", CELERY_VISIBILITY_TIMEOUT="2")
    tickets = overdue(6, hours_ago=9)
    total = 6 * EVENTS_PER_TICKET

    # The first batch is awaited; the worker is killed while it works through the
    # batches the sweep re-queued for the rest.
    celery_worker.result(sla_sweep.delay(), timeout=120)
    worker.kill()
    done_at_kill = SlaEvent.objects.count()
    assert 0 < done_at_kill < total

    replacement = celery_worker.start(SLA_SWEEP_BATCH="50", CELERY_VISIBILITY_TIMEOUT="2")
    drain(celery_worker)

    assert_each_event_once(tickets)
    replacement.stop()
    celery_worker.evidence.append(
        f"worker killed after {done_at_kill}/{total} SLA events; a new worker finished the rest, none doubled"
    )
