"""Webhook tasks: their own queue, on-commit queueing, the beat sweep as a safety net,
retries brought back by timers, the retention purge."""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicone.beat import BEAT_SCHEDULE
from servicone.celery import app as celery_app
from tests.tickets.factories import covered_asset
from tests.webhooks.factories import NOW, endpoint
from tests.webhooks.receiver import Receiver, running
from tickets.services import ticket_open
from webhooks import delivery, tasks
from webhooks.delivery import Run
from webhooks.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(partner, clock):
    return covered_asset(partner)


def open_ticket(asset, actor):
    return ticket_open(asset=asset, severity=2, kind="incident", summary="Disque HS", actor=actor)


@pytest.mark.parametrize(
    "name",
    [
        "webhooks.tasks.dispatch_events",
        "webhooks.tasks.deliver_endpoint",
        "webhooks.tasks.sweep",
        "webhooks.tasks.purge",
    ],
)
def test_every_webhook_task_goes_to_the_webhooks_queue(name):
    assert celery_app.amqp.router.route({}, name)["queue"].name == "webhooks"


def test_the_sla_sweep_stays_on_the_default_queue():
    route = celery_app.amqp.router.route({}, "tickets.tasks.sla_sweep")
    assert route["queue"].name == celery_app.conf.task_default_queue == "celery"


def test_beat_runs_the_webhook_sweep_every_minute_and_the_purge_daily():
    assert BEAT_SCHEDULE["webhooks-sweep"]["task"] == "webhooks.tasks.sweep"
    assert BEAT_SCHEDULE["webhooks-sweep"]["schedule"] == 60.0
    assert BEAT_SCHEDULE["webhooks-purge"]["task"] == "webhooks.tasks.purge"
    cert = BEAT_SCHEDULE["partners-certifications-expiring"]["task"]
    assert cert == "partners.tasks.announce_expiring_certifications"


def test_once_committed_a_ticket_reaches_the_receiver_through_the_tasks(
    loopback, partner, partner_admin, clock, django_capture_on_commit_callbacks
):
    with running() as receiver:
        _hook, secret = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            ticket = open_ticket(covered_asset(partner), partner_admin)
    assert callbacks  # the fan-out queued on commit (run inline: tests are eager)
    [received] = receiver.received
    assert received.verified(secret)["data"]["id"] == ticket.pk


def test_what_follows_a_run():
    now = NOW
    soon, later = now + timedelta(seconds=5), now + timedelta(hours=2)
    assert tasks.follow_up(Run(delivered=50, more=True, next_due=now), now) == 0
    assert tasks.follow_up(Run(failed=1, next_due=soon), now) == 6  # a second late
    assert tasks.follow_up(Run(failed=1, next_due=later), now) is None  # the sweep's
    assert tasks.follow_up(Run(delivered=1), now) is None  # nothing pending
    # Woken early (nothing attempted): no new timer, so timers never chain idly.
    assert tasks.follow_up(Run(next_due=soon), now) is None


def test_a_failure_sets_a_timer_whose_early_run_does_nothing(
    loopback, partner, partner_admin, asset, monkeypatch
):
    runs = []
    real = delivery.endpoint_deliver_due

    def counted(endpoint_id):
        runs.append(real(endpoint_id))
        return runs[-1]

    monkeypatch.setattr(delivery, "endpoint_deliver_due", counted)
    hook, _ = endpoint(partner_admin, partner, "http://127.0.0.1:9/", ["ticket.opened"])
    open_ticket(asset, partner_admin)
    tasks.dispatch_events()
    tasks.deliver_endpoint(hook.pk)  # eager: the timer's run follows at once
    assert [run.attempted for run in runs] == [1, 0]


def test_the_sweep_fans_out_lost_events_and_queues_endpoints_with_due_deliveries(
    loopback, partner, partner_admin, asset, clock
):
    with running(Receiver(statuses=[500, 200])) as receiver:
        hook, _ = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        open_ticket(asset, partner_admin)  # its on-commit queueing never ran
        tasks.sweep()
        delivery = Delivery.objects.get(endpoint=hook)
        assert delivery.status == DeliveryStatus.PENDING  # failed once
        clock.shift(timedelta(minutes=1))
        tasks.sweep()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 2


def test_a_full_fan_out_batch_queues_the_next(partner, partner_admin, asset, monkeypatch):
    from webhooks import fanout

    monkeypatch.setattr(fanout, "FANOUT_BATCH", 2)
    for _ in range(4):
        open_ticket(asset, partner_admin)
    tasks.dispatch_events()  # eager: the re-queued runs follow inline
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_events_older_than_30_days_are_purged_with_their_log(partner, partner_admin, asset, clock):
    hook, _ = endpoint(partner_admin, partner, events=["ticket.opened"])
    open_ticket(asset, partner_admin)
    tasks.dispatch_events()
    clock.shift(timedelta(days=30, minutes=1))
    recent = open_ticket(asset, partner_admin)
    assert tasks.purge() > 0
    assert list(Event.objects.values_list("resource_id", flat=True)) == [recent.pk]
    assert not Delivery.objects.filter(endpoint=hook).exclude(event__resource_id=recent.pk).exists()
