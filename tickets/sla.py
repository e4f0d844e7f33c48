"""SLA targets of a ticket: deadlines from the pure clock, states, exactly-once events.

The database is the source of truth. Each target row carries ``next_event_at``
(the warning, then the breach); the beat sweep claims a batch of due rows
(``sweep``), a Celery ETA task one row (``sla_fire_due``). Either way the rows
are locked and re-checked, moved with a compare-and-set and their events
written as ``SlaEvent`` rows whose unique key (ticket, target, event, version)
makes a second attempt a no-op: only events new to the table have
consequences (``tickets.sla_consequences``: escalation, CDS backup,
notifications). A batch costs a fixed number of queries, whatever its size.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field, QuerySet
from django.utils import timezone

from tickets import sla_clock, sla_consequences
from tickets.models import SlaEvent, SlaEventKind, SlaState, SlaTarget, SlaTargetKind, Ticket
from tickets.selectors import pauses_of
from tickets.webhook_events import emit
from webhooks.models import EventType

log = logging.getLogger(__name__)

ACTIVE_STATES = (SlaState.RUNNING, SlaState.WARNED, SlaState.PAUSED)


def calendar_for(ticket: Ticket) -> sla_clock.Calendar:
    return sla_clock.Calendar(
        coverage=ticket.offering.coverage, timezone=ticket.site.timezone, region=ticket.site.region
    )


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
                None
                if offering.onsite_next_business_day or offering.onsite_hours is None
                else Decimal(offering.onsite_hours),
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


def planned_targets(
    ticket: Ticket,
) -> list[tuple[TargetSpec, datetime | None, datetime | None]]:
    """The targets of a ticket opened at ``ticket.opened_at``: (spec, deadline, warning).

    Reads only the in-memory ticket (its offering, site and severity): what
    ``targets_create`` stores, and what the demo's year of tickets is computed with.
    """
    cal = calendar_for(ticket)
    ratio = ticket.offering.warning_ratio
    return [
        (spec, *_deadlines(cal, ticket.opened_at, spec, ratio, [])) for spec in specs_for(ticket)
    ]


def targets_create(ticket: Ticket) -> list[SlaTarget]:
    """Create the ticket's targets at opening (inside the opening transaction)."""
    rows = []
    for spec, due, warn in planned_targets(ticket):
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
            if _record_event(target, SlaEventKind.BREACHED, at):
                emit(ticket, EventType.SLA_BREACHED, at)
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


EventKey = tuple[int, str, str, int]  # ticket, target, event, version: SlaEvent's unique key


def _record_events(occurred: list[tuple[SlaTarget, str]], at: datetime) -> set[EventKey]:
    """Insert the events in order (ids follow the deadline order); returns the keys new here.

    ``ON CONFLICT DO NOTHING ... RETURNING`` (PostgreSQL, SQLite ≥ 3.35): an event
    recorded before keeps its row and is left out of the answer, so its
    consequences are not repeated.
    """
    meta = SlaEvent._meta
    fields = [
        cast("Field[Any, Any]", meta.get_field(name))  # concrete columns, not relations
        for name in ("ticket", "target", "event", "version", "due_at", "at")
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    key = ", ".join(quote(f.column) for f in fields[:4])
    # Ids and strings go to the driver as they are; instants as the backend stores them.
    instant = meta.get_field("at")
    at_value = instant.get_db_prep_save(at, connection)
    rows = [
        (
            target.ticket_id,
            target.target,
            event,
            target.version,
            instant.get_db_prep_save(target.due_at, connection),
            at_value,
        )
        for target, event in occurred
    ]
    new: set[EventKey] = set()
    chunk = max(1, connection.ops.bulk_batch_size(fields, rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(part))
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values} "  # noqa: S608 (names from the model)
                f"ON CONFLICT ({key}) DO NOTHING RETURNING {key}",
                [value for row in part for value in row],
            )
            new.update(
                (ticket_id, target, event, int(version))
                for ticket_id, target, event, version in cursor.fetchall()
            )
    return new


@dataclass(frozen=True)
class Fired:
    ticket_id: int
    target: str
    event: str
    next_event_at: datetime | None = None


def _advance(target: SlaTarget, now: datetime) -> str | None:
    """Move a due target to its next state in memory; returns the event, or None if none is due."""
    # An overdue warning first, then the breach (after an outage both are due;
    # each still happens, once).
    event: str | None
    if target.state == SlaState.RUNNING and target.warn_at is not None and target.warn_at <= now:
        event = SlaEventKind.WARNED
        target.state = SlaState.WARNED
        target.warned_at = now
    elif (
        target.state in (SlaState.RUNNING, SlaState.WARNED)
        and target.due_at is not None
        and target.due_at <= now
    ):
        event = SlaEventKind.BREACHED
        target.state = SlaState.BREACHED
        target.breached_at = now
    else:
        event = None  # a stale next_event_at: only the schedule is corrected
    target.next_event_at = _next_event(target)
    return event


def _save_moves(moved: list[tuple[SlaTarget, str]], now: datetime) -> None:
    """Write the targets' moves back: one compare-and-set UPDATE per kind of move.

    Targets making the same move (e.g. running → warned, next event at the
    deadline) share one ``UPDATE … WHERE pk IN (…) AND state = <before>``; a
    batch holds a handful of kinds of move whatever its size. The rows are
    locked since the claim, so a short count means the lock was not held: the
    batch is rolled back.
    """
    moves: dict[tuple[str, str, bool, bool, str | None], list[int]] = defaultdict(list)
    for target, state_before in moved:
        # next_event_at is always the warning or the deadline (or nothing): written as
        # that column, the same expression serves every target of the move.
        if target.next_event_at is None:
            next_column = None
        elif target.next_event_at == target.warn_at:
            next_column = "warn_at"
        else:
            next_column = "due_at"
        move = (
            state_before,
            target.state,
            target.warned_at == now,
            target.breached_at == now,
            next_column,
        )
        moves[move].append(target.pk)
    for (state_before, state, warned, breached, next_column), ids in moves.items():
        values: dict[str, Any] = {
            "state": state,
            "next_event_at": F(next_column) if next_column else None,
        }
        if warned:
            values["warned_at"] = now
        if breached:
            values["breached_at"] = now
        updated = SlaTarget.objects.filter(pk__in=ids, state=state_before).update(**values)
        if updated != len(ids):
            raise RuntimeError(f"SLA targets moved under the sweep: {updated} of {len(ids)}")


def _fire(
    targets: list[SlaTarget], *, now: datetime, boundary: datetime | None = None
) -> tuple[list[Fired], bool]:
    """Fire the due events of these targets (locked by the caller) as one set.

    Returns the events that fired, in deadline order, and whether some due work
    was left for the next batch (past ``boundary``, or its ticket busy). A fixed
    number of queries, however many targets.
    """
    # The tickets are locked too (their escalation level changes); one that a user
    # action holds is skipped, not waited for: its targets stay due for the next
    # sweep, and a sweep never deadlocks with an action (ticket, then targets).
    tickets = {
        ticket.pk: ticket
        for ticket in Ticket.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("assigned_engineer")
        .filter(pk__in={t.ticket_id for t in targets})
        .order_by("pk")
    }
    ready = {t.pk: t for t in targets if t.ticket_id in tickets}
    left = len(ready) < len(targets)
    # A heap keeps the global deadline order: after a target's warning fires, its
    # breach goes back in line by its own deadline.
    # (Claimed targets are due: their next_event_at is set.)
    heap = [(cast(datetime, t.next_event_at), t.pk) for t in ready.values()]
    heapq.heapify(heap)
    occurred: list[tuple[SlaTarget, str]] = []
    before: dict[int, str] = {}  # the state each moved target had when claimed
    while heap:
        at, target_id = heapq.heappop(heap)
        if boundary is not None and at > boundary:
            left = True  # unclaimed rows may be due before it: next batch
            break
        target = ready[target_id]
        before.setdefault(target_id, target.state)
        event = _advance(target, now)
        if event is None:
            continue
        occurred.append((target, event))
        if target.next_event_at is not None and target.next_event_at <= now:
            heapq.heappush(heap, (target.next_event_at, target_id))
    if not before:
        return [], left
    new = _record_events(occurred, now) if occurred else set()
    _save_moves([(ready[pk], state) for pk, state in before.items()], now)
    fired = [
        (target, event)
        for target, event in occurred
        if (target.ticket_id, target.target, event, target.version) in new
    ]
    if fired:
        sla_consequences.on_sla_events(fired=fired, tickets=tickets, at=now)
    return [Fired(t.ticket_id, t.target, event, t.next_event_at) for t, event in fired], left


def sla_fire_due(
    target_id: int, *, now: datetime | None = None, version: int | None = None
) -> Fired | None:
    """Fire the target's pending event(s) if due: exactly once, whoever calls.

    The per-target timer (ETA task): the batch code with one row. A timer
    carrying an outdated ``version`` does nothing (deadlines moved since).
    Returns the first event that fired.
    """
    now = now or timezone.now()
    with transaction.atomic():
        target = SlaTarget.objects.select_for_update().filter(pk=target_id).first()
        if target is None or target.next_event_at is None or target.next_event_at > now:
            return None
        if version is not None and version != target.version:
            return None
        fired, _left = _fire([target], now=now)
    return fired[0] if fired else None


def due_targets(now: datetime) -> QuerySet[SlaTarget]:
    """Targets whose event is due, oldest deadline first (the partial index
    ``sla_target_next_event_idx``)."""
    return SlaTarget.objects.filter(next_event_at__isnull=False, next_event_at__lte=now).order_by(
        "next_event_at", "pk"
    )


def sweep(*, now: datetime | None = None, batch_size: int | None = None) -> tuple[int, bool]:
    """Fire due events in deadline order, one bounded batch; returns (fired, more_left).

    Rows are claimed with ``SKIP LOCKED`` on PostgreSQL and stay locked until
    the batch commits, so two sweeps share the work instead of doubling it.
    The batch is fired as a set (a fixed number of queries); should it fail,
    its targets are fired one by one so that one bad row holds up no other; a
    target that fails again stays due, behind the others (``_to_the_back_of_the_line``).
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.SLA_SWEEP_BATCH
    with transaction.atomic():
        claimed = list(due_targets(now).select_for_update(skip_locked=True)[:batch_size])
        if not claimed:
            return 0, False
        full = len(claimed) == batch_size
        # Unclaimed rows are due no earlier than the last claimed one: events later
        # than that wait for the next batch, so that order holds across batches.
        boundary = claimed[-1].next_event_at if full else None
        try:
            with transaction.atomic():
                fired, left = _fire(claimed, now=now, boundary=boundary)
        except Exception:
            log.exception("SLA batch of %s targets failed: firing them one by one", len(claimed))
            fired, left = _fire_one_by_one([t.pk for t in claimed], now=now, boundary=boundary)
    return len(fired), full or left


def _fire_one_by_one(
    target_ids: list[int], *, now: datetime, boundary: datetime | None
) -> tuple[list[Fired], bool]:
    fired: list[Fired] = []
    left = False
    for target_id in target_ids:
        try:
            with transaction.atomic():
                # Still locked by the sweep; reloaded as the failed batch left it.
                target = SlaTarget.objects.get(pk=target_id)
                if target.next_event_at is None or target.next_event_at > now:
                    continue
                some, rest = _fire([target], now=now, boundary=boundary)
        except Exception:  # logged and left due: a later sweep retries it
            log.exception("SLA event of target %s failed; retried at a later sweep", target_id)
            _to_the_back_of_the_line(target_id, now)
            continue
        fired += some
        left = left or rest
    return fired, left


def _to_the_back_of_the_line(target_id: int, now: datetime) -> None:
    """Keep a target that failed due, behind every target due before ``now``.

    Claims take the oldest ``next_event_at`` first: left as it was, a target that
    keeps failing would be claimed again by every sweep, and enough of them would
    fill every batch. Only the retry moves: its deadlines (``warn_at``, ``due_at``)
    and the events they give stay as they were.
    """
    SlaTarget.objects.filter(pk=target_id, next_event_at__lt=now).update(next_event_at=now)


def warning_minutes(hours: Decimal, ratio: Decimal) -> int:
    return math.ceil(ratio * hours * 60)
