"""Deliveries to a real receiver on loopback: signed as Standard Webhooks says (each one
verified with the ``standardwebhooks`` package, as a receiver would), retried on schedule
with the same id and bytes, one at a time per endpoint, an endpoint failing for 5 days
disabled and its owners told."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from servicone.models import AuditEvent, Notification
from tests.tickets.factories import covered_asset
from tests.webhooks.factories import NOW, endpoint
from tests.webhooks.receiver import Receiver, running
from tickets.services import ticket_open
from webhooks import delivery, fanout
from webhooks.models import Delivery, DeliveryStatus, DisabledReason, Endpoint
from webhooks.retries import MAX_ATTEMPTS, RETRY_DELAYS
from webhooks.services import endpoint_rotate_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(partner, clock):
    return covered_asset(partner)


def open_ticket(asset, actor):
    return ticket_open(asset=asset, severity=2, kind="incident", summary="Disque HS", actor=actor)


def deliver(hook):
    """The fan-out, then one run of the endpoint's due deliveries (what the tasks do)."""
    fanout.dispatch_batch()
    return delivery.endpoint_deliver_due(hook.pk)


def test_a_ticket_opened_reaches_the_receiver_signed_and_verifiable(
    loopback, partner, partner_admin, asset, clock
):
    with running() as receiver:
        hook, secret = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        ticket = open_ticket(asset, partner_admin)
        run = deliver(hook)

    assert (run.delivered, run.failed) == (1, 0)
    [received] = receiver.received
    body = received.verified(secret)  # raises unless the signature holds
    assert body["type"] == "ticket.opened"
    assert body["data"]["id"] == ticket.pk
    assert body["data"]["number"] == ticket.number
    assert received.headers["webhook-timestamp"] == str(int(clock.time()))
    row = Delivery.objects.get(endpoint=hook)
    assert received.headers["webhook-id"] == row.event.uid
    assert row.status == DeliveryStatus.DELIVERED
    assert (row.attempt, row.response_status, row.next_attempt_at) == (1, 200, None)
    assert row.response_excerpt == '{"ok": true}'
    assert Endpoint.objects.get(pk=hook.pk).last_success_at is not None


def test_another_secret_does_not_verify_the_delivery(loopback, partner, partner_admin, asset):
    with running() as receiver:
        hook, _secret = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        open_ticket(asset, partner_admin)
        deliver(hook)
    other, _ = endpoint(partner_admin, partner, "https://other.example.com/")
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(other.secret).verify(receiver.received[0].body, receiver.received[0].headers)


def test_loopback_is_refused_without_the_operators_setting(partner, partner_admin, asset, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # only to create it
    with running() as receiver:
        hook, _ = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        settings.WEBHOOK_ALLOWED_NETWORKS = []
        open_ticket(asset, partner_admin)
        run = deliver(hook)

    assert receiver.received == []
    assert (run.delivered, run.failed) == (0, 1)
    row = Delivery.objects.get(endpoint=hook)
    assert row.status == DeliveryStatus.PENDING
    assert row.response_status is None
    assert row.error.startswith("refused (loopback)")


def test_a_failed_delivery_is_retried_on_schedule_with_the_same_id_and_bytes(
    loopback, partner, partner_admin, asset, clock, monkeypatch
):
    monkeypatch.setattr(delivery, "_spread", lambda: 0.0)  # no jitter: the exact schedule
    receiver = Receiver(statuses=[500] * (MAX_ATTEMPTS - 1) + [204])
    with running(receiver):
        hook, secret = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        open_ticket(asset, partner_admin)
        deliver(hook)
        row = Delivery.objects.get(endpoint=hook)
        waits = []
        for _delay in RETRY_DELAYS:
            assert row.status == DeliveryStatus.PENDING
            waits.append(row.next_attempt_at - row.last_attempt_at)
            # Not a second early…
            clock.move_to(row.next_attempt_at - timedelta(seconds=1))
            assert delivery.endpoint_deliver_due(hook.pk).attempted == 0
            # …then on time.
            clock.move_to(row.next_attempt_at)
            assert delivery.endpoint_deliver_due(hook.pk).attempted == 1
            row.refresh_from_db()

    assert waits == list(RETRY_DELAYS)
    assert row.status == DeliveryStatus.DELIVERED
    assert row.attempt == MAX_ATTEMPTS
    assert len(receiver.received) == MAX_ATTEMPTS
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1
    for received in receiver.received:  # each attempt signed anew, at its own time
        clock.move_to(int(received.headers["webhook-timestamp"]))
        received.verified(secret)


def test_after_the_last_retry_the_delivery_is_failed(
    loopback, partner, partner_admin, asset, clock
):
    with running(Receiver(status=503)) as receiver:
        hook, _ = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        open_ticket(asset, partner_admin)
        deliver(hook)
        row = Delivery.objects.get(endpoint=hook)
        while row.next_attempt_at is not None:
            clock.move_to(row.next_attempt_at + timedelta(hours=1))
            delivery.endpoint_deliver_due(hook.pk)
            row.refresh_from_db()

    assert row.status == DeliveryStatus.FAILED
    assert row.attempt == MAX_ATTEMPTS == len(receiver.received) == 8
    assert row.response_status == 503


def test_retries_are_spread_by_up_to_ten_percent(
    loopback, partner, partner_admin, asset, monkeypatch
):
    with running(Receiver(status=500)) as receiver:
        hook, _ = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        for _ in range(20):
            open_ticket(asset, partner_admin)
        deliver(hook)
    waits = {
        (d.next_attempt_at - d.last_attempt_at).total_seconds()
        for d in Delivery.objects.filter(endpoint=hook)
    }
    assert all(4.5 <= wait <= 5.5 for wait in waits)
    assert len(waits) > 1  # spread, not all back at the same instant


def test_a_redirect_is_an_answer_never_followed(loopback, partner, partner_admin, asset):
    with running() as elsewhere, running(Receiver(status=302)) as receiver:
        receiver.location = elsewhere.url
        hook, _ = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        open_ticket(asset, partner_admin)
        deliver(hook)

    assert elsewhere.received == []
    row = Delivery.objects.get(endpoint=hook)
    assert (row.status, row.response_status) == (DeliveryStatus.PENDING, 302)


def test_the_answer_is_read_up_to_a_cap_and_the_log_keeps_an_excerpt(
    loopback, partner, partner_admin, asset
):
    receiver = Receiver(reply=b"x" * (1024 * 1024))
    with running(receiver):
        hook, _ = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        open_ticket(asset, partner_admin)
        deliver(hook)
    row = Delivery.objects.get(endpoint=hook)
    assert row.status == DeliveryStatus.DELIVERED
    assert row.response_excerpt == "x" * 500


def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(
    loopback, partner, partner_admin, asset, monkeypatch
):
    monkeypatch.setattr(delivery, "TIMEOUT_SECONDS", 0.3)
    with running(Receiver(hold=threading.Event())) as receiver:
        hook, _ = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        open_ticket(asset, partner_admin)
        run = deliver(hook)
    assert run.failed == 1
    row = Delivery.objects.get(endpoint=hook)
    assert (row.status, row.error, row.response_status) == (DeliveryStatus.PENDING, "timeout", None)
    assert row.latency_ms >= 300


def test_one_delivery_in_flight_per_endpoint_a_second_run_does_nothing(
    loopback, partner, partner_admin, asset
):
    with running() as receiver:
        hook, _ = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        open_ticket(asset, partner_admin)
        fanout.dispatch_batch()
        held = delivery._claim(hook.pk, delivery.timezone.now())  # a run is sending
        assert held is not None
        assert delivery.endpoint_deliver_due(hook.pk).attempted == 0
        Endpoint.objects.filter(pk=hook.pk).update(lease_until=None)  # that run ended
        assert delivery.endpoint_deliver_due(hook.pk).attempted == 1
    assert len(receiver.received) == 1


def test_a_failing_endpoint_holds_up_no_other(loopback, partner, partner_admin, asset):
    with running(Receiver(status=500)) as failing, running() as healthy:
        bad, _ = endpoint(partner_admin, partner, failing.url, ["ticket.opened"])
        good, secret = endpoint(partner_admin, partner, healthy.url, ["ticket.opened"])
        for _ in range(3):
            open_ticket(asset, partner_admin)
        fanout.dispatch_batch()
        assert delivery.endpoint_deliver_due(good.pk).delivered == 3
        assert delivery.endpoint_deliver_due(bad.pk).failed == 3
    assert len(healthy.received) == 3
    for received in healthy.received:
        received.verified(secret)


def test_a_run_gives_the_worker_back_after_its_time(loopback, partner, partner_admin, asset):
    with running() as receiver:
        hook, _ = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        for _ in range(3):
            open_ticket(asset, partner_admin)
        fanout.dispatch_batch()
        run = delivery.endpoint_deliver_due(hook.pk, run_seconds=0)
    assert run.attempted == 1
    assert run.more  # the task queues the rest behind the other endpoints
    assert Endpoint.objects.get(pk=hook.pk).lease_until is None


def test_during_a_rotation_both_secrets_verify_each_delivery(
    loopback, partner, partner_admin, asset, clock
):
    with running() as receiver:
        hook, old = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        hook, new = endpoint_rotate_secret(endpoint=hook, actor=partner_admin)
        open_ticket(asset, partner_admin)
        deliver(hook)
        clock.shift(timedelta(hours=24, seconds=1))
        open_ticket(asset, partner_admin)
        deliver(hook)

    during, after = receiver.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    clock.move_to(int(during.headers["webhook-timestamp"]))
    assert during.verified(old) == during.verified(new)
    clock.move_to(int(after.headers["webhook-timestamp"]))
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    after.verified(new)
    with pytest.raises(Exception, match="No matching signature"):
        after.verified(old)


def test_an_endpoint_without_success_for_5_days_is_disabled_and_its_admins_told(
    loopback, partner, partner_admin, asset, clock, mailoutbox
):
    with running(Receiver(status=500)) as receiver:
        hook, _ = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        open_ticket(asset, partner_admin)
        deliver(hook)  # the first failure
        clock.shift(timedelta(days=4, hours=23))
        open_ticket(asset, partner_admin)
        deliver(hook)
        assert Endpoint.objects.get(pk=hook.pk).active
        clock.shift(timedelta(hours=1))
        open_ticket(asset, partner_admin)
        deliver(hook)

    hook.refresh_from_db()
    assert not hook.active
    assert hook.disabled_reason == DisabledReason.FAILING
    notice = Notification.objects.get(recipient=partner_admin, kind="webhook_disabled")
    assert receiver.url in notice.body
    assert notice.link == f"/webhooks/{hook.pk}/"
    assert AuditEvent.objects.filter(action="webhook.disable_failing", object_id=hook.pk).exists()
    # Nothing more is sent to it.
    open_ticket(asset, partner_admin)
    assert deliver(hook).attempted == 0


def test_a_success_starts_the_five_days_again(loopback, partner, partner_admin, asset, clock):
    with running(Receiver(statuses=[500, 200], status=500)) as receiver:
        hook, _ = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        open_ticket(asset, partner_admin)
        deliver(hook)  # fails: failing since day 0
        clock.shift(timedelta(days=4))
        open_ticket(asset, partner_admin)
        deliver(hook)  # the retry succeeds, the new one fails: failing since day 4
        clock.shift(timedelta(days=2))
        open_ticket(asset, partner_admin)
        deliver(hook)  # day 6: 2 days without success, not 6

    hook.refresh_from_db()
    assert hook.active
    assert hook.failing_since == NOW + timedelta(days=4)
    assert hook.last_success_at == NOW + timedelta(days=4)
    assert len(receiver.received) == 5
