"""The hand-back: a ticket CDS took outside the partner's staffed hours returns to the
partner at its next opening (``Ticket.hand_back_at``), when its policy asks for it.

The database is the source of truth, as for the SLA timers: ``hand_back_at`` says when,
``handed_back_at`` that it happened. An ETA task (``tickets.tasks.hand_back_ticket``)
brings precision, the beat sweep (``tickets.tasks.sla_sweep``) catches up; either way
``ticket_hand_back`` locks the row and re-checks it, so it happens exactly once. The
customer's clock runs on across the hand-back (the SLA targets are not touched); each
organisation's time is an ``OwnershipSegment``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tickets.models import (
    Organisation,
    OwnershipSegment,
    SegmentReason,
    SlaTarget,
    SlaTargetKind,
    Status,
    Ticket,
    TicketEventKind,
)
from tickets.services import _after_commit, _close_segment, _event, _lock, _ownership_due
from tickets.webhook_events import emit_if_updated, watched

# While CDS has only taken the call (no engineer sent), the partner can take over.
HANDED_BACK_FROM = (Status.OPENED, Status.OWNED)


def hand_backs_due(now: datetime, limit: int) -> list[int]:
    """Tickets whose hand-back time has come (``ticket_hand_back_due_idx``)."""
    return list(
        Ticket.objects.filter(
            hand_back_at__isnull=False, handed_back_at__isnull=True, hand_back_at__lte=now
        )
        .order_by("hand_back_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def ticket_hand_back(*, ticket: Ticket, at: datetime | None = None) -> bool:
    """Return the CDS-held ticket to its partner at the partner's opening.

    Idempotent: does nothing unless the hand-back is due and has not happened. When CDS
    has already sent an engineer (or the ticket is resolved), the ticket stays with CDS
    and the timeline says the hand-back was cancelled. Returns whether it was handed back.
    """
    at = at or timezone.now()
    locked = _lock(ticket)
    if locked.hand_back_at is None or locked.handed_back_at is not None or locked.hand_back_at > at:
        return False
    status = locked.status_before_pause if locked.status == Status.PAUSED else locked.status
    if locked.delivered_by != Organisation.CDS or status not in HANDED_BACK_FROM:
        due = locked.hand_back_at
        locked.hand_back_at = None
        locked.save(update_fields=["hand_back_at", "updated_at"])
        _event(
            locked,
            TicketEventKind.HAND_BACK_CANCELLED,
            None,
            at,
            hand_back_at=due.isoformat(),
            status=locked.status,
        )
        return False
    before = watched(locked)
    locked.delivered_by = Organisation.PARTNER
    locked.handed_back_at = at
    locked.assigned_cds_user = None
    if locked.status == Status.OPENED:
        # Nobody took the call yet: the partner's ownership window starts now.
        response = SlaTarget.objects.get(ticket=locked, target=SlaTargetKind.RESPONSE)
        locked.ownership_due_at = _ownership_due(locked, response, start=at)
    locked.save(
        update_fields=[
            "delivered_by",
            "handed_back_at",
            "assigned_cds_user",
            "ownership_due_at",
            "updated_at",
        ]
    )
    _close_segment(locked, at)
    OwnershipSegment.objects.create(
        ticket=locked,
        organisation=Organisation.PARTNER,
        partner=locked.partner,
        started_at=at,
        reason=SegmentReason.HAND_BACK,
    )
    _event(
        locked,
        TicketEventKind.HANDED_BACK,
        None,
        at,
        hand_back_at=locked.hand_back_at.isoformat(),
    )
    emit_if_updated(locked, before, at)
    if locked.ownership_due_at is not None:
        _after_commit(locked)  # the fall-back timer of the partner's ownership window
    return True
