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
from datetime import datetime, timedelta

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


def follow_up(run: delivery.Run, now: datetime) -> float | None:
    """When the endpoint's next run should be, in seconds from now; None: the sweep's.

    More due now: at once (behind the other endpoints' runs, queued after them). A retry
    due soon: a timer, a second late rather than early (an early run finds nothing due).
    A run that attempted nothing (woken early, or the endpoint held) sets no timer, so
    timers never chain without sending anything."""
    if run.more:
        return 0.0
    if run.attempted and run.next_due is not None and run.next_due - now <= ETA_HORIZON:
        return max(0.0, (run.next_due - now).total_seconds()) + 1
    return None


@shared_task(name="webhooks.tasks.deliver_endpoint")
def deliver_endpoint(endpoint_id: int, invocation: int = 1) -> int:
    """One run of an endpoint's due deliveries, then what comes next for it."""
    run = delivery.endpoint_deliver_due(endpoint_id)
    countdown = follow_up(run, timezone.now())
    if countdown == 0 and invocation < settings.TASK_REQUEUE_LIMIT:
        # At most TASK_REQUEUE_LIMIT runs in a row; the sweep picks up what is left.
        deliver_endpoint.apply_async((endpoint_id,), {"invocation": invocation + 1})
    elif countdown:
        deliver_endpoint.apply_async((endpoint_id,), countdown=countdown)
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
