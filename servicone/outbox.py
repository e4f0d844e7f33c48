"""The e-mail outbox: every notification e-mailed once, each one in isolation.

Notifications are written with the business change; this sends their e-mails, called by
the ``send_notification_emails`` task (on commit, and every 5 minutes by beat). A person
gets one e-mail per page a run finds notifications about (a ticket's SLA alerts and its
fall-back to CDS travel together); those who chose a digest (``NotificationPreference``)
get theirs from ``send_digests`` instead, hourly or daily.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from servicone.models import DIGEST_FREQUENCIES, Notification
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
                _sendable(now)
                .exclude(recipient__notification_preference__email_frequency__in=DIGEST_FREQUENCIES)
                .exclude(pk__in=tried)
                .select_related("recipient")
                .order_by("created_at", "id")
                .first()
            )
            if notification is None:
                return sent, False
            tried.append(notification.pk)
            # The person's other notifications about the same page leave in the same
            # e-mail (one per ticket, however many of its alerts a sweep wrote).
            companions = (
                list(
                    _sendable(now)
                    .filter(recipient_id=notification.recipient_id, link=notification.link)
                    .exclude(pk__in=tried)
                    .order_by("created_at", "id")
                )
                if notification.link
                else []
            )
            tried += [c.pk for c in companions]
            notification.email_attempts += 1
            try:
                # A savepoint: whatever fails in here, the row's lock and the attempt
                # counter below are still ours to commit.
                with transaction.atomic():
                    _send(notification, companions)
            except Exception as error:  # any failure is this message's, not the queue's
                _failed(notification, error, now)
                continue
            notification.email_sent_at = timezone.now()
            notification.save(update_fields=["email_sent_at", "email_attempts"])
            if companions:
                Notification.objects.filter(pk__in=[c.pk for c in companions]).update(
                    email_sent_at=notification.email_sent_at
                )
            sent += 1
    return sent, True  # more may be waiting


def _due(now: datetime) -> QuerySet[Notification]:
    """Rows whose e-mail is due: not sent, not given up, past any backoff, not portal-only."""
    return (
        Notification.objects.filter(
            email_sent_at__isnull=True, email_attempts__lt=EMAIL_MAX_ATTEMPTS
        )
        .filter(Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now))
        .exclude(kind__in=PORTAL_ONLY_KINDS)
    )


def _sendable(now: datetime) -> QuerySet[Notification]:
    """Due rows, each claimed (``SKIP LOCKED``) by the one run that reads it."""
    return _due(now).select_for_update(skip_locked=True, of=("self",))


def _send(notification: Notification, companions: Sequence[Notification] = ()) -> None:
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.utils.translation import ngettext, override

    email = single_line(notification.recipient.email)
    if not email:
        return
    # Rows written before subjects were made single-line at the source are cleaned here.
    subject = single_line(notification.subject)
    body = email_body(notification)
    if companions:
        with override(settings.LANGUAGE_CODE):
            more = ngettext(
                "%(subject)s (et %(count)s autre notification)",
                "%(subject)s (et %(count)s autres notifications)",
                len(companions),
            )
        subject = single_line(more % {"subject": subject, "count": len(companions)}, limit=250)
        body = _several([notification, *companions], link=notification.link)
    EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [email],
        headers={"Message-ID": message_id(notification)},
    ).send(fail_silently=False)


def _several(notifications: Sequence[Notification], *, link: str = "") -> str:
    """Several notifications in one e-mail: each subject over its text, then the link."""
    from django.conf import settings

    parts = [f"{single_line(n.subject)}\n{n.body.rstrip()}" for n in notifications]
    text = "\n\n".join(parts)
    return f"{text}\n\n{settings.PORTAL_URL}{link}\n" if link else f"{text}\n"


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


# Each digest run e-mails at most this many people, then re-queues itself.
DIGEST_BATCH = 50


def send_digests(frequency: str) -> tuple[int, bool]:
    """E-mail each person who chose ``frequency`` one digest of what waits: ``(sent, more)``.

    Run by beat (hourly, and daily at 7:00). A person's waiting notifications are claimed
    with ``SKIP LOCKED`` and marked sent in the transaction that holds them, so two runs
    never send the same one; a digest that cannot be sent is counted on its rows and
    retried with the outbox's backoff, and given up like any e-mail after
    ``EMAIL_MAX_ATTEMPTS``.
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    now = timezone.now()
    waiting = _due(now).filter(recipient__notification_preference__email_frequency=frequency)
    user_ids = list(
        get_user_model()
        .objects.filter(pk__in=waiting.values("recipient_id"))
        .order_by("pk")
        .values_list("pk", flat=True)[: DIGEST_BATCH + 1]
    )
    sent = 0
    for user_id in user_ids[:DIGEST_BATCH]:
        with transaction.atomic():
            rows = list(
                _sendable(now)
                .filter(recipient_id=user_id)
                .select_related("recipient")
                .order_by("created_at", "id")
            )
            if not rows:
                continue  # another run took them
            try:
                with transaction.atomic():
                    _send_digest(rows)
            except Exception as error:  # this person's digest, not the others'
                _digest_failed(rows, error, now)
                continue
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
                email_sent_at=timezone.now()
            )
            sent += 1
    return sent, len(user_ids) > DIGEST_BATCH


def _send_digest(rows: list[Notification]) -> None:
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.utils.translation import ngettext, override

    email = single_line(rows[0].recipient.email)
    if not email:
        return
    with override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "Résumé ServiceOne : %(count)s notification",
            "Résumé ServiceOne : %(count)s notifications",
            len(rows),
        ) % {"count": len(rows)}
    # Grouped by the page they are about, in the order the first of each arrived.
    by_link: dict[str, list[Notification]] = {}
    for row in rows:
        by_link.setdefault(row.link or f"#{row.pk}", []).append(row)
    body = "\n\n".join(_several(group, link=group[0].link).rstrip() for group in by_link.values())
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">") or "servicone.local"
    EmailMessage(
        subject,
        body + "\n",
        settings.DEFAULT_FROM_EMAIL,
        [email],
        headers={"Message-ID": f"<digest-{rows[0].pk}-{len(rows)}@{domain}>"},
    ).send(fail_silently=False)


def _digest_failed(rows: list[Notification], error: Exception, now: datetime) -> None:
    """Count the failed attempt on every row of the digest; give it up after the last."""
    reason = single_line(f"{type(error).__name__}: {error}", limit=300)
    attempts = max(n.email_attempts for n in rows) + 1
    given_up = attempts >= EMAIL_MAX_ATTEMPTS
    Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
        email_attempts=attempts,
        email_next_attempt_at=None if given_up else now + EMAIL_RETRY_DELAYS[attempts - 1],
    )
    log.warning(
        "e-mail digest of user %s failed (attempt %s): %s", rows[0].recipient_id, attempts, reason
    )
    if given_up:
        rows[0].email_attempts = attempts
        _alert_operations(rows[0], reason)
