"""Webhook deliveries through a real Celery worker consuming the ``webhooks`` queue (the
fan-out and the deliveries travel on it; the default worker is not needed)."""

from __future__ import annotations

import pytest

from tests.tickets.factories import covered_asset
from tests.webhooks.factories import endpoint
from tests.webhooks.receiver import running
from tickets.services import ticket_open


@pytest.mark.worker
def test_a_committed_ticket_reaches_the_receiver_through_the_webhooks_worker(
    celery_worker, partner, partner_admin, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    celery_worker.start(queues="webhooks", WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8")
    with running() as receiver:
        _hook, secret = endpoint(partner_admin, partner, receiver.url, ["ticket.opened"])
        ticket = ticket_open(
            asset=covered_asset(partner),
            severity=2,
            kind="incident",
            summary="Disque HS",
            actor=partner_admin,
        )
        assert receiver.arrived.wait(timeout=60), celery_worker.log.read_text()[-2000:]
    assert receiver.received[0].verified(secret)["data"]["id"] == ticket.pk
    celery_worker.evidence.append(
        "a separate webhooks worker (--queues=webhooks) fanned out and delivered a "
        f"ticket.opened webhook through {celery_worker.broker}, verified with standardwebhooks"
    )
