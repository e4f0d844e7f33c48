"""Writes of the core: a user marking their notifications read, choosing how they are e-mailed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicone.access import may_choose_email_digest
from servicone.errors import NotAllowed
from servicone.models import EmailFrequency, Notification, NotificationPreference

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def notification_mark_read(*, notification: Notification) -> None:
    """Mark ``notification`` read now, unless it was read already.

    A conditional update: a double click never rewrites the first read time.
    """
    if notification.read_at is not None:
        return
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_all_read(*, recipient: AbstractBaseUser) -> int:
    """Mark every unread notification of ``recipient`` read now; returns how many."""
    return Notification.objects.filter(recipient_id=recipient.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def notification_preference_set(*, user: Any, email_frequency: str) -> str:
    """Set how ``user``'s notifications are e-mailed: one by one, or an hourly or daily digest.

    Digests are for managers (``may_choose_email_digest``); anyone may go back to
    immediate e-mails. What waits unsent leaves with the next outbox run or digest.
    """
    frequency = EmailFrequency(email_frequency)  # ValueError on an unknown value
    if frequency != EmailFrequency.IMMEDIATE and not may_choose_email_digest(user):
        raise NotAllowed(
            "digest_not_allowed",
            _(
                "Les résumés par e-mail sont réservés aux responsables (administrateurs, répartiteurs, HP)."
            ),
            field="email_frequency",
        )
    NotificationPreference.objects.update_or_create(
        user_id=user.pk, defaults={"email_frequency": frequency.value}
    )
    return frequency.value
