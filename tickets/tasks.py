"""SLA timers and ownership fallback on Celery.

The database is the source of truth: ``sla_sweep`` (beat, every 30 s) fires
whatever is due; ETA tasks only add precision for events due soon. Every task
reloads rows and re-checks them, so a duplicate delivery does nothing.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from servicone.jobs import requeue


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
    return armed


@shared_task(name="tickets.tasks.sla_sweep")
def sla_sweep(invocation: int = 1) -> int:
    """Fire every due SLA event and ownership fallback; re-queue while work remains."""
    from tickets.models import Ticket
    from tickets.selectors import ownership_overdue
    from tickets.services import ticket_fallback_to_cds
    from tickets.sla import sweep

    now = timezone.now()
    fired, more = sweep(now=now)
    overdue = ownership_overdue(now, settings.SLA_SWEEP_BATCH)
    for ticket in Ticket.objects.filter(pk__in=overdue):
        fired += int(ticket_fallback_to_cds(ticket=ticket, at=now))
    if more or len(overdue) == settings.SLA_SWEEP_BATCH:
        requeue(sla_sweep, invocation=invocation)
    return fired
