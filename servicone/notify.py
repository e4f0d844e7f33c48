"""Notifications: in the portal at once, by e-mail through the outbox task.

``notify`` writes one row per recipient keyed by ``dedup_key``; the unique
constraint makes a repeated call a no-op, so "sent once" holds even when the
job that calls it runs twice. E-mails leave on commit, by Celery.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model

from servicone.jobs import enqueue
from servicone.models import Notification
from servicone.text import single_line

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


# Shown in the portal only, never e-mailed: alerts about the e-mail itself failing.
PORTAL_ONLY_KINDS = frozenset({"email_dead_letter"})


@dataclass(frozen=True)
class Message:
    """One notification for several recipients (user ids), for ``notify_many``."""

    recipient_ids: Sequence[int]
    kind: str
    dedup_key: str
    subject: str
    body: str
    partner_id: int | None = None
    link: str = ""

    def rows(self) -> list[Notification]:
        return [
            Notification(
                recipient_id=recipient_id,
                partner_id=self.partner_id,
                kind=self.kind,
                dedup_key=self.dedup_key,
                # A subject becomes an e-mail header: one line, whatever user text it holds.
                subject=single_line(self.subject, limit=200),
                body=str(self.body),
                link=self.link,
            )
            for recipient_id in dict.fromkeys(self.recipient_ids)  # each recipient once
        ]


def notify(
    *,
    recipients: Iterable[AbstractBaseUser],
    kind: str,
    dedup_key: str,
    subject: str,
    body: str,
    partner: Model | None = None,
    link: str = "",
) -> int:
    """Create the notification for each recipient that does not have it yet; returns how many.

    Kinds in ``PORTAL_ONLY_KINDS`` are shown in the portal and never e-mailed."""
    message = Message(
        recipient_ids=[user.pk for user in recipients],
        kind=kind,
        dedup_key=dedup_key,
        subject=subject,
        body=body,
        partner_id=partner.pk if partner is not None else None,
        link=link,
    )
    rows = message.rows()
    if not rows:
        return 0
    existing = set(
        Notification.objects.filter(
            dedup_key=dedup_key, recipient_id__in=[r.recipient_id for r in rows]
        ).values_list("recipient_id", flat=True)
    )
    fresh = [r for r in rows if r.recipient_id not in existing]
    # ignore_conflicts: a concurrent run that created the same row wins quietly.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    if fresh and kind not in PORTAL_ONLY_KINDS:
        _kick_outbox_on_commit()
    return len(fresh)


def notify_many(messages: Iterable[Message]) -> None:
    """``notify`` set-wise: one INSERT for many messages (a batch job's), one outbox run.

    Rows that exist already (same recipient and ``dedup_key``) are skipped by
    the unique constraint, so a repeated batch creates nothing twice.
    """
    rows = [row for message in messages for row in message.rows()]
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # Kicked even if every row existed: the outbox run then finds nothing to send.
    _kick_outbox_on_commit()


def _send_outbox() -> None:
    enqueue("servicone.tasks.send_notification_emails")


def _kick_outbox_on_commit() -> None:
    """One outbox run per transaction, however many notifications it created."""
    connection = transaction.get_connection()
    if not any(entry[1] is _send_outbox for entry in connection.run_on_commit):
        transaction.on_commit(_send_outbox)


def partner_admins(partner: Model) -> list[AbstractBaseUser]:
    """The partner's active administrators (the partner is a ``partners.Partner``)."""
    from servicone.access import PartnerRole

    return list(
        get_user_model().objects.filter(
            membership__partner=partner.pk, membership__role=PartnerRole.ADMIN, is_active=True
        )
    )


def partner_admin_ids(partner_ids: Iterable[int]) -> dict[int, list[int]]:
    """The active admins' user ids of each of these partners, in one query."""
    from servicone.access import PartnerRole

    admins: dict[int, list[int]] = defaultdict(list)
    rows = (
        get_user_model()
        .objects.filter(
            membership__partner__in=set(partner_ids),
            membership__role=PartnerRole.ADMIN,
            is_active=True,
        )
        .order_by("pk")
        .values_list("membership__partner", "pk")
    )
    for partner_id, user_id in rows:
        admins[partner_id].append(user_id)
    return admins


def programme_managers() -> list[AbstractBaseUser]:
    from servicone.access import StaffRole

    return list(
        get_user_model().objects.filter(groups__name=StaffRole.PROGRAMME_MANAGER, is_active=True)
    )


def operations_staff() -> list[AbstractBaseUser]:
    """Who hears about the portal's own failures (e-mails given up…): programme managers
    and technical administrators (superusers)."""
    from django.db.models import Q

    from servicone.access import StaffRole

    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name=StaffRole.PROGRAMME_MANAGER) | Q(is_superuser=True))
        .distinct()
    )
