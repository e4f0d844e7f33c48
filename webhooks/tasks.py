"""Celery tasks of webhooks, all on their own queue (``webhooks``, see CELERY_TASK_ROUTES).

A dedicated worker consumes that queue, so a slow or failing receiver never holds up the
SLA sweep or the e-mails; inside it, one run per endpoint at a time (``webhooks.delivery``)
and runs that give the worker back after ``RUN_SECONDS`` keep one receiver from holding
up the others. The database is the source of truth: the beat sweep (every minute) fans
out any event and queues any endpoint whose on-commit queueing was lost; ETA tasks only
bring retries due soon back on time.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from webhooks import delivery, fanout
from webhooks.models import Event

log = logging.getLogger(__name__)

# A retry due within this long gets a timer (ETA task); later ones are the sweep's.
ETA_HORIZON = timedelta(minutes=15)
# Events are kept this long after they happened, with their deliveries (the log).
RETENTION = timedelta(days=30)


@shared_task(name="webhooks.tasks.dispatch_events")
def dispatch_events(invocation: int = 1) -> int:
    """Fan new events out to their endpoints; re-queued while a batch comes back full."""
    result = fanout.dispatch_batch()
    if result.more and invocation < settings.TASK_REQUEUE_LIMIT:
        dispatch_events.apply_async(kwargs={"invocation": invocation + 1})
    return result.events


@shared_task(name="webhooks.tasks.deliver_endpoint")
def deliver_endpoint(endpoint_id: int, invocation: int = 1) -> int:
    """One run of an endpoint's due deliveries, then what comes next for it."""
    run = delivery.endpoint_deliver_due(endpoint_id)
    if run.more:
        # Behind the other endpoints' runs, at most TASK_REQUEUE_LIMIT times in a row.
        if invocation < settings.TASK_REQUEUE_LIMIT:
            deliver_endpoint.apply_async((endpoint_id,), {"invocation": invocation + 1})
    elif run.attempted and run.next_due is not None:
        wait = run.next_due - timezone.now()
        if wait <= ETA_HORIZON:
            # A second late rather than early: an early run finds nothing due.
            deliver_endpoint.apply_async(
                (endpoint_id,), countdown=max(0.0, wait.total_seconds()) + 1
            )
    return run.attempted


@shared_task(name="webhooks.tasks.sweep")
def sweep() -> int:
    """The safety net: fan out waiting events and queue every endpoint with a due delivery."""
    dispatch_events.apply_async()
    due = delivery.due_endpoint_ids(timezone.now())
    for endpoint_id in due:
        deliver_endpoint.apply_async((endpoint_id,))
    return len(due)


@shared_task(name="webhooks.tasks.purge")
def purge() -> int:
    """Forget events (their bodies and delivery log) older than the retention period."""
    deleted, _ = Event.objects.filter(occurred_at__lt=timezone.now() - RETENTION).delete()
    return deleted
