"""The e-mail outbox: every notification e-mailed once, each one in isolation.

Notifications are written with the business change; this sends their e-mails, called by
the ``send_notification_emails`` task (on commit, and every 5 minutes by beat).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import Q

from servicone.models import Notification
from servicone.notify import PORTAL_ONLY_KINDS
from servicone.text import single_line

log = logging.getLogger(__name__)

# Each outbox run sends at most this many e-mails, then re-queues itself.
OUTBOX_BATCH = 100
# After the n-th failed attempt a message waits this long before the next one; after the
# last it is given up (a dead letter) and HP operations are alerted in the portal. The
# first retry is at the next run: most failures are a server restarting.
EMAIL_RETRY_DELAYS = (timedelta(0), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
EMAIL_MAX_ATTEMPTS = len(EMAIL_RETRY_DELAYS) + 1


def send_batch() -> tuple[int, bool]:
    """Send the e-mails of unsent notifications, each one in isolation: ``(sent, more)``.

    Each row is claimed with ``SKIP LOCKED`` (several workers never take the same
    one) and marked sent in the transaction that holds its lock. A crash between
    the SMTP hand-off and the commit can only resend that one message, with the
    same ``Message-ID`` (``<notification-ID@…>``) so that mail systems drop the
    copy; a row is never lost, since it was written with the business change.

    A message that cannot be sent, whatever the reason (SMTP down, a header Django
    refuses, a bug), is counted in its own committed transaction and retried later
    (``EMAIL_RETRY_DELAYS``); the rest of the queue goes on. After
    ``EMAIL_MAX_ATTEMPTS`` it is given up and HP operations are told in the portal.
    """
    from django.db import transaction
    from django.utils import timezone

    sent = 0
    tried: list[int] = []
    for _ in range(OUTBOX_BATCH):
        now = timezone.now()
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(email_sent_at__isnull=True, email_attempts__lt=EMAIL_MAX_ATTEMPTS)
                .filter(Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now))
                .exclude(kind__in=PORTAL_ONLY_KINDS)
                .exclude(pk__in=tried)
                .select_related("recipient")
                .order_by("created_at", "id")
                .first()
            )
            if notification is None:
                return sent, False
            tried.append(notification.pk)
            notification.email_attempts += 1
            try:
                # A savepoint: whatever fails in here, the row's lock and the attempt
                # counter below are still ours to commit.
                with transaction.atomic():
                    _send(notification)
            except Exception as error:  # any failure is this message's, not the queue's
                _failed(notification, error, now)
                continue
            notification.email_sent_at = timezone.now()
            notification.save(update_fields=["email_sent_at", "email_attempts"])
            sent += 1
    return sent, True  # more may be waiting


def _send(notification: Notification) -> None:
    from django.conf import settings
    from django.core.mail import EmailMessage

    email = single_line(notification.recipient.email)
    if not email:
        return
    EmailMessage(
        # Rows written before subjects were made single-line at the source are cleaned here.
        single_line(notification.subject),
        email_body(notification),
        settings.DEFAULT_FROM_EMAIL,
        [email],
        headers={"Message-ID": message_id(notification)},
    ).send(fail_silently=False)


def _failed(notification: Notification, error: Exception, now: datetime) -> None:
    """Count the failed attempt; schedule the next one, or give up and alert HP."""
    reason = single_line(f"{type(error).__name__}: {error}", limit=300)
    if notification.email_attempts >= EMAIL_MAX_ATTEMPTS:
        # Given up (a dead letter): attempts at the maximum, never claimed again.
        notification.email_next_attempt_at = None
        notification.save(update_fields=["email_attempts", "email_next_attempt_at"])
        log.error(
            "e-mail of notification %s given up after %s attempts: %s",
            notification.pk,
            notification.email_attempts,
            reason,
        )
        _alert_operations(notification, reason)
        return
    notification.email_next_attempt_at = now + EMAIL_RETRY_DELAYS[notification.email_attempts - 1]
    notification.save(update_fields=["email_attempts", "email_next_attempt_at"])
    log.warning(
        "e-mail of notification %s failed (attempt %s), retried after %s: %s",
        notification.pk,
        notification.email_attempts,
        notification.email_next_attempt_at,
        reason,
    )


def _alert_operations(notification: Notification, reason: str) -> None:
    from django.conf import settings
    from django.utils.translation import gettext, override

    from servicone.notify import notify, operations_staff

    with override(settings.LANGUAGE_CODE):
        notify(
            recipients=operations_staff(),
            kind="email_dead_letter",
            dedup_key=f"email-dead-letter:{notification.pk}",
            subject=gettext("E-mail non distribué après %(n)s tentatives")
            % {"n": notification.email_attempts},
            body=gettext(
                "La notification n° %(id)s (« %(subject)s ») pour %(user)s n'a pas pu être "
                "envoyée par e-mail : %(error)s. Elle reste visible dans le portail du "
                "destinataire."
            )
            % {
                "id": notification.pk,
                "subject": notification.subject,
                "user": notification.recipient.get_username(),
                "error": reason,
            },
        )


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
