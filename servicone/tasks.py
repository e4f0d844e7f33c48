"""Infrastructure tasks."""

from __future__ import annotations

from celery import shared_task
from django.db import connection

from servicone.jobs import requeue
from servicone.observability import current_request_id


@shared_task(name="servicone.tasks.ping")
def ping() -> dict[str, str]:
    """Answer with the database the worker is connected to (read by CI's log)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {
        "pong": "ok",
        "database": connection.vendor,
        "name": str(connection.settings_dict["NAME"]),
        # The id of the request that queued it (servicone.observability), for the logs.
        "request_id": current_request_id() or "",
    }


@shared_task(name="servicone.tasks.send_notification_emails")
def send_notification_emails(invocation: int = 1) -> int:
    """Send the e-mails of unsent notifications (``servicone.outbox``); re-queue while more
    are waiting."""
    from servicone.outbox import send_batch

    sent, more = send_batch()
    if more:
        requeue(send_notification_emails, invocation=invocation)
    return sent


@shared_task(name="servicone.tasks.send_email_digests")
def send_email_digests(frequency: str, invocation: int = 1) -> int:
    """E-mail the digests of everyone who chose ``frequency`` (hourly, daily); re-queue
    while more people are waiting."""
    from servicone.outbox import send_digests

    sent, more = send_digests(frequency)
    if more:
        requeue(send_email_digests, invocation=invocation, frequency=frequency)
    return sent


@shared_task(name="servicone.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Forget POST responses older than the 24 h replay window."""
    from datetime import timedelta

    from django.utils import timezone

    from servicone.models import IdempotencyKey

    deleted, _ = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=24)
    ).delete()
    return deleted
