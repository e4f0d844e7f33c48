"""Sending an endpoint's due deliveries: one at a time, signed, logged, retried on schedule.

A run holds the endpoint (a lease: ``lease_until``, taken with a conditional UPDATE), so
at most one delivery per endpoint is ever in flight, whatever the number of workers; a
run that finds it held does nothing. It sends the due deliveries in chunks — each
attempt logged on its delivery row with a compare-and-set UPDATE, the endpoint's health
written once per chunk — for at most ``RUN_SECONDS``, then gives the worker back (the
task queues the rest behind the other endpoints' runs). Nothing is locked in the
database while a request is on the wire.

A 2xx within ``TIMEOUT_SECONDS`` is a delivery; anything else is retried after about
5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (``webhooks.retries``), then ``failed``. An
endpoint with no success for 5 days is disabled and its owners told
(``services.endpoint_disable_failing``).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone

from webhooks import addresses, retries
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.services import endpoint_disable_failing, secrets_in_force
from webhooks.signing import signed_headers
from webhooks.transport import Outcome, Sender

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
# A run gives the worker back after this long (the rest is queued behind other endpoints).
RUN_SECONDS = 30.0
# Deliveries read per query; the endpoint's health and lease are written once per chunk.
CHUNK = 50
# Longer than a chunk's longest send, so a live run never loses its lease; a crashed
# run's lease lapses after this.
LEASE = timedelta(seconds=60)
DISABLE_AFTER = timedelta(days=5)


def new_sender() -> Sender:
    """A sender under this deployment's rules (``WEBHOOK_*`` settings)."""
    return Sender(
        timeout=TIMEOUT_SECONDS,
        allowed=addresses.parse_networks(settings.WEBHOOK_ALLOWED_NETWORKS),
        https_only=settings.WEBHOOK_HTTPS_ONLY,
    )


@dataclass(frozen=True)
class Run:
    """What a run did: deliveries done, attempts failed, whether more are due now, and when
    the next pending one is (None: nothing pending)."""

    delivered: int = 0
    failed: int = 0
    more: bool = False
    next_due: datetime | None = None

    @property
    def attempted(self) -> int:
        return self.delivered + self.failed


def _spread() -> float:
    """Where in the ±10 % jitter band a retry falls: uniform over [-1, 1]."""
    return secrets.randbelow(2001) / 1000 - 1


def _claim(endpoint_id: int, now: datetime) -> datetime | None:
    """Take the endpoint's lease; its expiry is our token, None when another run has it."""
    until = now + LEASE
    taken = (
        Endpoint.objects.filter(pk=endpoint_id, active=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=until)
    )
    return until if taken else None


class _Health:
    """The endpoint's last success and first failure since, updated in memory per attempt."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.last_success_at = endpoint.last_success_at
        self.failing_since = endpoint.failing_since
        self.changed = False

    def record(self, delivered: bool, at: datetime) -> None:
        if delivered:
            self.last_success_at, self.failing_since = at, None
        elif self.failing_since is None:
            self.failing_since = at
        self.changed = True

    def failing_too_long(self, now: datetime) -> bool:
        return self.failing_since is not None and now - self.failing_since >= DISABLE_AFTER


def _record(delivery: Delivery, outcome: Outcome, now: datetime) -> bool:
    """Log the attempt on the delivery (unless it changed meanwhile); whether it counted."""
    attempt = delivery.attempt + 1
    values: dict[str, Any] = {
        "attempt": attempt,
        "last_attempt_at": now,
        "response_status": outcome.status,
        "latency_ms": outcome.latency_ms,
        "response_excerpt": outcome.excerpt,
        "error": outcome.error,
    }
    if outcome.delivered:
        values |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now, "next_attempt_at": None}
    else:
        delay = retries.retry_delay(attempt, spread=_spread())
        if delay is None:
            values |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
        else:
            values["next_attempt_at"] = now + delay
    # Compare-and-set: a redelivery or a deletion since the read wins.
    return bool(
        Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, attempt=delivery.attempt
        ).update(**values)
    )


def endpoint_deliver_due(
    endpoint_id: int,
    *,
    sender_factory: Callable[[], Sender] = new_sender,
    run_seconds: float = RUN_SECONDS,
) -> Run:
    """Send the endpoint's due deliveries, oldest first, for at most ``run_seconds``."""
    lease = _claim(endpoint_id, timezone.now())
    if lease is None:
        return Run()  # held by another run (or inactive): nothing to do here
    started = time.perf_counter()
    delivered = failed = 0
    out_of_time = False
    try:
        with sender_factory() as sender:
            while not out_of_time:
                now = timezone.now()
                endpoint = Endpoint.objects.filter(pk=endpoint_id, active=True).first()
                if endpoint is None:
                    break  # disabled or deleted meanwhile
                due = list(
                    Delivery.objects.filter(
                        endpoint_id=endpoint_id,
                        status=DeliveryStatus.PENDING,
                        next_attempt_at__lte=now,
                    )
                    .select_related("event", "payload")
                    .order_by("next_attempt_at", "pk")[:CHUNK]
                )
                if not due:
                    break
                health = _Health(endpoint)
                disable = False
                for delivery in due:
                    now = timezone.now()
                    outcome = _send(sender, endpoint, delivery, now)
                    if _record(delivery, outcome, now):
                        health.record(outcome.delivered, now)
                        if outcome.delivered:
                            delivered += 1
                        else:
                            failed += 1
                            if health.failing_too_long(now):
                                disable = True
                                break
                    if time.perf_counter() - started >= run_seconds:
                        out_of_time = True
                        break
                lease = now + LEASE
                values: dict[str, Any] = {"lease_until": lease}
                if health.changed:
                    values |= {
                        "last_success_at": health.last_success_at,
                        "failing_since": health.failing_since,
                    }
                Endpoint.objects.filter(pk=endpoint_id).update(**values)
                if disable:
                    endpoint_disable_failing(endpoint_id=endpoint_id, now=now)
                    break
    finally:
        # Released only if still ours (a run that overstayed its lease leaves the new one).
        Endpoint.objects.filter(pk=endpoint_id, lease_until=lease).update(lease_until=None)
    now = timezone.now()
    next_due = Delivery.objects.filter(
        endpoint_id=endpoint_id, status=DeliveryStatus.PENDING, endpoint__active=True
    ).aggregate(at=Min("next_attempt_at"))["at"]
    more = next_due is not None and next_due <= now
    return Run(delivered=delivered, failed=failed, more=more, next_due=next_due)


def _send(sender: Sender, endpoint: Endpoint, delivery: Delivery, now: datetime) -> Outcome:
    body = delivery.payload.body.encode("utf-8")
    headers = signed_headers(
        message_id=delivery.event.uid,
        timestamp=int(now.timestamp()),
        body=body,
        secrets_in_force=secrets_in_force(endpoint, now),
    )
    outcome = sender.post(endpoint.url, body, headers)
    if not outcome.delivered:
        log.info(
            "webhook %s to endpoint %s: attempt %s failed (%s %s)",
            delivery.event.uid,
            endpoint.pk,
            delivery.attempt + 1,
            outcome.status,
            outcome.error,
        )
    return outcome


def due_endpoint_ids(now: datetime) -> list[int]:
    """Active endpoints with a delivery due and no run holding them (the sweep's)."""
    return list(
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__active=True
        )
        .filter(Q(endpoint__lease_until__isnull=True) | Q(endpoint__lease_until__lt=now))
        .order_by("endpoint_id")
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
