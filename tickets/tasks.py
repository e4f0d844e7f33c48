"""SLA timers and ownership fallback on Celery.

The database is the source of truth: ``sla_sweep`` (beat, every 30 s) fires
whatever is due; ETA tasks only add precision for events due soon. Every task
reloads rows and re-checks them, so a duplicate delivery does nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from servicone.jobs import requeue
from servicone.text import single_line

log = logging.getLogger(__name__)


@shared_task(name="tickets.tasks.fire_sla_target")
def fire_sla_target(target_id: int, version: int) -> str | None:
    from tickets.sla import sla_fire_due

    fired = sla_fire_due(target_id, version=version)
    return fired.event if fired else None


@shared_task(name="tickets.tasks.fallback_ticket")
def fallback_ticket(ticket_id: int) -> bool:
    from tickets.models import Ticket
    from tickets.services import ticket_fallback_to_cds

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    return bool(ticket and ticket_fallback_to_cds(ticket=ticket))


@shared_task(name="tickets.tasks.hand_back_ticket")
def hand_back_ticket(ticket_id: int) -> bool:
    from tickets.hand_back import ticket_hand_back
    from tickets.models import Ticket

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    return bool(ticket and ticket_hand_back(ticket=ticket))


@shared_task(name="tickets.tasks.arm_ticket_timers")
def arm_ticket_timers(ticket_id: int) -> int:
    """Schedule ETA tasks for this ticket's events due within the ETA horizon."""
    from tickets.models import SlaTarget, Ticket

    now = timezone.now()
    horizon = now + timedelta(seconds=settings.SLA_ETA_HORIZON_SECONDS)
    armed = 0
    # (The filters exclude empty instants: ``or now`` only tells the type checker.)
    for target in SlaTarget.objects.filter(
        ticket_id=ticket_id, next_event_at__isnull=False, next_event_at__lte=horizon
    ):
        eta = max(target.next_event_at or now, now)
        fire_sla_target.apply_async((target.pk, target.version), eta=eta)
        armed += 1
    ticket = Ticket.objects.filter(
        pk=ticket_id, ownership_due_at__isnull=False, ownership_due_at__lte=horizon
    ).first()
    if ticket is not None:
        fallback_ticket.apply_async((ticket.pk,), eta=max(ticket.ownership_due_at or now, now))
        armed += 1
    handed_back = Ticket.objects.filter(
        pk=ticket_id,
        handed_back_at__isnull=True,
        hand_back_at__isnull=False,
        hand_back_at__lte=horizon,
    ).first()
    if handed_back is not None:
        hand_back_ticket.apply_async(
            (handed_back.pk,), eta=max(handed_back.hand_back_at or now, now)
        )
        armed += 1
    return armed


@shared_task(name="tickets.tasks.sla_sweep")
def sla_sweep(invocation: int = 1) -> int:
    """Fire every due SLA event and ownership fallback; re-queue while work remains.

    Each ownership fall-back is its own transaction: a ticket that fails is logged and
    left overdue for the next sweep; the others go on.
    """
    from tickets.sla import sweep

    now = timezone.now()
    fired, more = sweep(now=now)
    fell_back, overdue_left = _fall_back_overdue(now)
    handed_back, hand_backs_left = _hand_back_due(now)
    if more or overdue_left or hand_backs_left:
        requeue(sla_sweep, invocation=invocation)
    return fired + fell_back + handed_back


def _hand_back_due(now: datetime) -> tuple[int, bool]:
    """Hand-backs to partners whose staffed hours opened, one batch: ``(done, more left)``.

    The catch-up of ``hand_back_ticket``'s timers: each in its own transaction, a failure
    logged and left due for the next sweep.
    """
    from tickets.hand_back import hand_backs_due, ticket_hand_back
    from tickets.models import Ticket

    batch = settings.SLA_SWEEP_BATCH
    due = hand_backs_due(now, batch)
    done = failed = 0
    for ticket in Ticket.objects.filter(pk__in=due).order_by("hand_back_at", "pk"):
        try:
            done += int(ticket_hand_back(ticket=ticket, at=now))
        except Exception as error:  # this ticket's failure, not the sweep's
            failed += 1
            log.error(
                "hand-back of ticket %s failed; retried at the next sweep: %s",
                ticket.number,
                single_line(f"{type(error).__name__}: {error}", limit=300),
                exc_info=error,
            )
    return done, len(due) == batch and failed < batch


def _fall_back_overdue(now: datetime) -> tuple[int, bool]:
    """Ownership fall-backs of one batch: ``(done, more left)``."""
    from tickets.models import Ticket
    from tickets.selectors import ownership_overdue
    from tickets.services import ticket_fallback_to_cds

    batch = settings.SLA_SWEEP_BATCH
    overdue = ownership_overdue(now, batch)
    done = failed = 0
    for ticket in Ticket.objects.filter(pk__in=overdue).order_by("ownership_due_at", "pk"):
        try:
            done += int(ticket_fallback_to_cds(ticket=ticket, at=now))
        except Exception as error:  # this ticket's failure, not the sweep's
            failed += 1
            log.error(
                "ownership fall-back of ticket %s failed; retried at the next sweep: %s",
                ticket.number,
                single_line(f"{type(error).__name__}: {error}", limit=300),
                exc_info=error,
            )
    # A full batch may hide more overdue tickets, unless all of it failed: those would
    # only be claimed again (the next scheduled sweep retries them).
    return done, len(overdue) == batch and failed < batch
