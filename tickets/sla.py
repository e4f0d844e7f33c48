"""SLA targets of a ticket: deadlines from the pure clock, states, exactly-once events.

The database is the source of truth. Each target row carries ``next_event_at``
(the warning, then the breach); a timer (Celery ETA task or the beat sweep)
calls ``sla_fire_due`` which locks the row, re-checks it and moves it with a
compare-and-set, writing an ``SlaEvent`` whose unique key (ticket, target,
event, version) makes a second attempt a no-op.
"""

from __future__ import annotations

import heapq
import logging
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tickets import sla_clock
from tickets.models import SlaEvent, SlaState, SlaTarget, SlaTargetKind, Ticket, TicketPause

log = logging.getLogger(__name__)

ACTIVE_STATES = (SlaState.RUNNING, SlaState.WARNED, SlaState.PAUSED)


def calendar_for(ticket: Ticket) -> sla_clock.Calendar:
    return sla_clock.Calendar(
        coverage=ticket.offering.coverage, timezone=ticket.site.timezone, region=ticket.site.region
    )


def pauses_of(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    return [
        (p.started_at, p.ended_at)
        for p in TicketPause.objects.filter(ticket=ticket).order_by("started_at")
    ]


@dataclass(frozen=True)
class TargetSpec:
    target: str
    hours: Decimal | None
    next_business_day: bool
    enforced: bool


def specs_for(ticket: Ticket) -> list[TargetSpec]:
    """The ticket's commitments, from its contract's service level."""
    offering = ticket.offering
    specs = [TargetSpec(SlaTargetKind.RESPONSE, Decimal(offering.response_hours), False, True)]
    if offering.onsite_next_business_day or offering.onsite_hours is not None:
        specs.append(
            TargetSpec(
                SlaTargetKind.ONSITE,
                None if offering.onsite_next_business_day else Decimal(offering.onsite_hours),
                offering.onsite_next_business_day,
                True,
            )
        )
    if offering.resolution_hours is not None:
        # Call-to-repair binds severity 1 and 2; 3 and 4 see it without warning or breach.
        enforced = ticket.severity <= 2 or offering.resolution_binds_all_severities
        specs.append(
            TargetSpec(
                SlaTargetKind.RESOLUTION, Decimal(offering.resolution_hours), False, enforced
            )
        )
    return specs


def _deadlines(
    cal: sla_clock.Calendar, start: datetime, spec: TargetSpec, ratio: Decimal, pauses: list[Any]
) -> tuple[datetime | None, datetime | None]:
    if spec.next_business_day:
        due = sla_clock.nbd_deadline(cal, start, pauses)
        warn = sla_clock.warning_time(cal, start, nbd=True, ratio=ratio, pauses=pauses)
    else:
        due = sla_clock.deadline(cal, start, spec.hours or 0, pauses)
        warn = sla_clock.warning_time(cal, start, hours=spec.hours or 0, ratio=ratio, pauses=pauses)
    return due, warn


def _next_event(target: SlaTarget) -> datetime | None:
    if not target.enforced or target.state not in (SlaState.RUNNING, SlaState.WARNED):
        return None
    if target.state == SlaState.RUNNING and target.warn_at is not None:
        return target.warn_at
    return target.due_at


def targets_create(ticket: Ticket) -> list[SlaTarget]:
    """Create the ticket's targets at opening (inside the opening transaction)."""
    cal = calendar_for(ticket)
    ratio = ticket.offering.warning_ratio
    rows = []
    for spec in specs_for(ticket):
        due, warn = _deadlines(cal, ticket.opened_at, spec, ratio, [])
        target = SlaTarget(
            ticket=ticket,
            target=spec.target,
            hours=spec.hours,
            next_business_day=spec.next_business_day,
            enforced=spec.enforced,
            due_at=due,
            warn_at=warn,
            version=ticket.sla_version,
        )
        target.next_event_at = _next_event(target)
        rows.append(target)
    return SlaTarget.objects.bulk_create(rows)


def targets_recompute(ticket: Ticket, *, paused: bool) -> list[SlaTarget]:
    """After a pause or resume: new deadlines (pauses skipped) under a new version.

    Met and breached targets keep their outcome; running ones move to ``paused``
    while the ticket is paused (no deadline until it resumes).
    """
    ticket.sla_version += 1
    Ticket.objects.filter(pk=ticket.pk).update(sla_version=ticket.sla_version)
    cal = calendar_for(ticket)
    pauses = pauses_of(ticket)
    ratio = ticket.offering.warning_ratio
    changed = []
    for target in SlaTarget.objects.select_for_update().filter(
        ticket=ticket, state__in=ACTIVE_STATES
    ):
        spec = TargetSpec(target.target, target.hours, target.next_business_day, target.enforced)
        target.version = ticket.sla_version
        if paused:
            target.state = SlaState.PAUSED
            target.next_event_at = None
        else:
            target.due_at, target.warn_at = _deadlines(cal, ticket.opened_at, spec, ratio, pauses)
            target.state = SlaState.WARNED if target.warned_at else SlaState.RUNNING
            target.next_event_at = _next_event(target)
        target.save(update_fields=["version", "state", "due_at", "warn_at", "next_event_at"])
        changed.append(target)
    return changed


def target_mark_met(ticket: Ticket, kind: str, at: datetime) -> SlaTarget | None:
    """The target's event happened (ownership, arrival, resolution)."""
    target = SlaTarget.objects.select_for_update().filter(ticket=ticket, target=kind).first()
    if target is None or target.met_at is not None:
        return target
    target.met_at = at
    if target.state in ACTIVE_STATES:
        if target.enforced and target.due_at is not None and at > target.due_at:
            # Late and no timer fired yet (an outage): the breach is recorded now, once.
            _record_event(target, "breached", at)
            target.state = SlaState.BREACHED
            target.breached_at = at
        else:
            target.state = SlaState.MET
    target.next_event_at = None
    target.save(update_fields=["met_at", "state", "breached_at", "next_event_at"])
    return target


def _record_event(target: SlaTarget, event: str, at: datetime) -> bool:
    try:
        with transaction.atomic():
            SlaEvent.objects.create(
                ticket_id=target.ticket_id,
                target=target.target,
                event=event,
                version=target.version,
                due_at=target.due_at,
                at=at,
            )
    except IntegrityError:
        return False  # another worker got there first
    return True


@dataclass(frozen=True)
class Fired:
    ticket_id: int
    target: str
    event: str
    next_event_at: datetime | None = None


def sla_fire_due(
    target_id: int, *, now: datetime | None = None, version: int | None = None
) -> Fired | None:
    """Fire the target's pending event if it is due: exactly once, whoever calls.

    A timer carrying an outdated ``version`` does nothing (deadlines moved since).
    """
    now = now or timezone.now()
    with transaction.atomic():
        target = (
            SlaTarget.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .filter(pk=target_id)
            .first()
        )
        if target is None or target.next_event_at is None or target.next_event_at > now:
            return None
        if version is not None and version != target.version:
            return None
        # Events fire in deadline order: an overdue warning first, then the breach
        # (after an outage both are due; each still happens, once).
        if (
            target.state == SlaState.RUNNING
            and target.warn_at is not None
            and target.warn_at <= now
        ):
            event = "warned"
            target.state = SlaState.WARNED
            target.warned_at = now
        elif (
            target.state in (SlaState.RUNNING, SlaState.WARNED)
            and target.due_at is not None
            and target.due_at <= now
        ):
            event = "breached"
            target.state = SlaState.BREACHED
            target.breached_at = now
        else:
            target.next_event_at = _next_event(target)
            target.save(update_fields=["next_event_at"])
            return None
        if not _record_event(target, event, now):
            return None
        target.next_event_at = _next_event(target)
        target.save(update_fields=["state", "warned_at", "breached_at", "next_event_at"])
        fired = Fired(target.ticket_id, target.target, event, target.next_event_at)
        from tickets.services import on_sla_event

        on_sla_event(ticket=target.ticket, target=target, event=event, at=now)
    return fired


def due_target_ids(now: datetime, limit: int) -> list[int]:
    """Targets whose event is due, oldest deadline first (uses the partial index)."""
    return list(
        SlaTarget.objects.filter(next_event_at__isnull=False, next_event_at__lte=now)
        .order_by("next_event_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(*, now: datetime | None = None, batch_size: int | None = None) -> tuple[int, bool]:
    """Fire due events in deadline order, one bounded batch; returns (fired, more_left).

    Rows are claimed with ``SKIP LOCKED`` on PostgreSQL and stay locked until
    the batch commits, so two sweeps share the work instead of doubling it.
    Within the batch a heap keeps the global deadline order: after a target's
    warning fires, its breach goes back in line by its own deadline.
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.SLA_SWEEP_BATCH
    fired = 0
    with transaction.atomic():
        claimed = list(
            SlaTarget.objects.select_for_update(skip_locked=True)
            .filter(next_event_at__isnull=False, next_event_at__lte=now)
            .order_by("next_event_at", "pk")
            .values_list("next_event_at", "pk")[:batch_size]
        )
        full = len(claimed) == batch_size
        # Unclaimed rows are due no earlier than the last claimed one: events later
        # than that wait for the next batch, so that order holds across batches.
        boundary = claimed[-1][0] if full else None
        heap = list(claimed)
        heapq.heapify(heap)
        deferred = False
        while heap:
            at, target_id = heapq.heappop(heap)
            if boundary is not None and at > boundary:
                deferred = True
                break
            try:
                result = sla_fire_due(target_id, now=now)
            except Exception:  # logged and left due: the next sweep retries it
                log.exception("SLA event of target %s failed", target_id)
                continue
            if result is None:
                continue
            fired += 1
            if result.next_event_at is not None and result.next_event_at <= now:
                heapq.heappush(heap, (result.next_event_at, target_id))
    return fired, full or deferred


def progress(target: SlaTarget, now: datetime) -> float:
    """Share of the target's window time used (for countdowns); 1.0 once due."""
    if target.due_at is None:
        return 0.0
    cal = calendar_for(target.ticket)
    total = sla_clock.business_minutes_between(cal, target.ticket.opened_at, target.due_at)
    if total == 0:
        return 1.0
    used = sla_clock.business_minutes_between(cal, target.ticket.opened_at, min(now, target.due_at))
    return min(1.0, used / total)


def warning_minutes(hours: Decimal, ratio: Decimal) -> int:
    return math.ceil(ratio * hours * 60)
