"""Reads of the core: the notifications a user sees in the portal, how they are e-mailed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from servicone.models import EmailFrequency, Notification, NotificationPreference

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


def unread_count(user: AbstractBaseUser | AnonymousUser) -> int:
    """Unread notifications of ``user`` (one query on the partial unread index)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def user_notifications(
    user: AbstractBaseUser | AnonymousUser, *, only_unread: bool = False
) -> QuerySet[Notification]:
    """``user``'s own notifications, newest first; only the unread ones if asked."""
    notifications = Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")
    if only_unread:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def email_frequency_of(user: AbstractBaseUser | AnonymousUser) -> str:
    """How ``user``'s notifications are e-mailed (immediately when never chosen)."""
    if not user.is_authenticated:
        return EmailFrequency.IMMEDIATE.value
    chosen = (
        NotificationPreference.objects.filter(user_id=user.pk)
        .values_list("email_frequency", flat=True)
        .first()
    )
    return chosen or EmailFrequency.IMMEDIATE.value
