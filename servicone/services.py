"""Writes of the core: a user marking their notifications read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from servicone.models import Notification

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
