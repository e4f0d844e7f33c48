"""Infrastructure tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task
from django.db import connection

from servicone.jobs import requeue
from servicone.observability import current_request_id

if TYPE_CHECKING:
    from servicone.models import Notification


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


# Each outbox run sends at most this many e-mails, then re-queues itself.
OUTBOX_BATCH = 100


@shared_task(name="servicone.tasks.send_notification_emails")
def send_notification_emails(invocation: int = 1) -> int:
    """Send the e-mails of unsent notifications, one row per transaction.

    Each row is claimed with ``SKIP LOCKED`` (several workers never take the same
    one) and marked sent in the transaction that holds its lock. A crash between
    the SMTP hand-off and the commit can only resend that one message, with the
    same ``Message-ID`` (``<notification-ID@…>``) so that mail systems drop the
    copy; a row is never lost, since it was written with the business change.
    """
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.db import transaction
    from django.utils import timezone

    from servicone.models import Notification

    sent = 0
    failed: list[int] = []
    for _ in range(OUTBOX_BATCH):
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(email_sent_at__isnull=True, email_attempts__lt=5)
                .exclude(pk__in=failed)
                .select_related("recipient")
                .order_by("created_at", "id")
                .first()
            )
            if notification is None:
                return sent
            notification.email_attempts += 1
            email = notification.recipient.email
            try:
                if email:
                    EmailMessage(
                        notification.subject,
                        email_body(notification),
                        settings.DEFAULT_FROM_EMAIL,
                        [email],
                        headers={"Message-ID": message_id(notification)},
                    ).send(fail_silently=False)
            except OSError:
                # Transient (SMTP down): counted, retried by the next run.
                notification.save(update_fields=["email_attempts"])
                failed.append(notification.pk)
                continue
            notification.email_sent_at = timezone.now()
            notification.save(update_fields=["email_sent_at", "email_attempts"])
            sent += 1
    requeue(send_notification_emails, invocation=invocation)  # more may be waiting
    return sent


def email_body(notification: Notification) -> str:
    """The notification's text, then the portal page it is about (an absolute link)."""
    from django.conf import settings

    body = notification.body.rstrip()
    link = notification.link
    if not link:
        return body + "\n"
    return f"{body}\n\n{settings.PORTAL_URL}{link}\n"


def message_id(notification: Notification) -> str:
    from django.conf import settings

    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">") or "servicone.local"
    return f"<notification-{notification.pk}@{domain}>"


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
