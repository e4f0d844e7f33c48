"""Infrastructure tasks."""

from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task(name="servicone.tasks.ping")
def ping() -> dict[str, str]:
    """Answer with the database the worker is connected to (read by CI's log)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {
        "pong": "ok",
        "database": connection.vendor,
        "name": str(connection.settings_dict["NAME"]),
    }


# Each outbox run sends at most this many e-mails, then re-queues itself.
OUTBOX_BATCH = 100


@shared_task(name="servicone.tasks.send_notification_emails")
def send_notification_emails() -> int:
    """Send the e-mails of unsent notifications, each claimed under a row lock.

    ``skip_locked`` lets several workers drain the outbox without sending the same
    row twice; a row is marked sent in the same transaction that holds its lock.
    """
    from django.conf import settings
    from django.core.mail import send_mail
    from django.db import transaction
    from django.utils import timezone

    from servicone.models import Notification

    sent = 0
    with transaction.atomic():
        batch = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_sent_at__isnull=True, email_attempts__lt=5)
            .select_related("recipient")
            .order_by("created_at", "id")[:OUTBOX_BATCH]
        )
        for notification in batch:
            email = notification.recipient.email
            if email:
                send_mail(
                    notification.subject,
                    notification.body,
                    settings.DEFAULT_FROM_EMAIL,
                    [email],
                    fail_silently=False,
                )
            notification.email_sent_at = timezone.now()
            notification.email_attempts += 1
            notification.save(update_fields=["email_sent_at", "email_attempts"])
            sent += 1
    if len(batch) == OUTBOX_BATCH:
        send_notification_emails.delay()
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
