"""This week's demo tickets, in every state, opened and worked through the services.

Their timers are live: each is opened at a time chosen so that what it waits for is
still ahead of it most of the time (as in a service that keeps its commitments), so
the first sweep after ``make run`` has a few real warnings and breaches to fire, not
weeks of them. A couple are handed over to CDS, one falls back to it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from contracts.models import Asset
from servicone.errors import DomainError
from tickets import sla
from tickets.demo.data import HANDOVER_REASONS, REPORTS, SUMMARIES
from tickets.demo.history import Covered
from tickets.models import Kind, Organisation, PauseReason, SlaTargetKind, Status, Ticket
from tickets.services import ticket_act, ticket_fallback_to_cds, ticket_open

# The status each ticket of the week is driven to, with how many.
PLAN = (
    (Status.OPENED, 9),
    (Status.OWNED, 9),
    (Status.DISPATCHED, 10),
    (Status.ON_SITE, 8),
    (Status.PAUSED, 7),
    (Status.RESOLVED, 10),
    (Status.CLOSED, 8),
)
STEPS = {
    Status.OPENED: (),
    Status.OWNED: ("acknowledge",),
    Status.DISPATCHED: ("acknowledge", "dispatch"),
    Status.ON_SITE: ("acknowledge", "dispatch", "arrive"),
    Status.PAUSED: ("acknowledge", "dispatch", "pause"),
    Status.RESOLVED: ("acknowledge", "dispatch", "arrive", "resolve"),
    Status.CLOSED: ("acknowledge", "dispatch", "arrive", "resolve", "close"),
}
# How long ago each kind of ticket was opened (minutes), and the minutes between steps.
AGE = {
    Status.OPENED: (5, 100),
    Status.OWNED: (30, 300),
    Status.DISPATCHED: (45, 420),
    Status.ON_SITE: (90, 600),
    Status.PAUSED: (180, 1800),
    Status.RESOLVED: (240, 2400),
    Status.CLOSED: (1500, 4000),
}
GAP = {"acknowledge": (5, 35), "dispatch": (10, 50), "arrive": (40, 150), "pause": (20, 90)}
GAP |= {"resolve": (30, 200), "close": (60, 600)}
# What each status still waits for: the deadline that should be ahead of it.
WAITS_FOR: dict[str, str] = {
    Status.OPENED: SlaTargetKind.RESPONSE,
    Status.OWNED: SlaTargetKind.ONSITE,
    Status.DISPATCHED: SlaTargetKind.ONSITE,
    Status.ON_SITE: SlaTargetKind.RESOLUTION,
}


def _in_time(
    covered: Covered, severity: int, opened_at: datetime, status: str, current: datetime
) -> bool:
    """Whether what a ticket in ``status`` waits for is still due ahead of now."""
    waits = WAITS_FOR.get(status)
    if waits is None:
        return True
    probe = Ticket(
        offering=covered.offering, site=covered.site, severity=severity, opened_at=opened_at
    )
    for spec, due, _warn in sla.planned_targets(probe):
        if spec.target == waits:
            return not spec.enforced or due is None or due > current
    return True


def seed_week(
    assets: list[Covered],
    *,
    actors: dict[int, Any],
    engineers: dict[tuple[int, str], list[Any]],
    cds_users: tuple[Any, Any],
    ovesys_id: int | None,
    seed: int,
) -> int:
    """Open and work this week's tickets; returns how many were opened.

    ``actors`` are the partners' admins (by partner id), ``engineers`` their engineers
    certified on each product line (by partner id and line code), ``cds_users`` the CDS
    dispatcher and engineer.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    current = timezone.now()
    delivering = [a for a in assets if a.partner_delivers]
    selling = [a for a in assets if not a.partner_delivers] or delivering
    ovesys = [a for a in delivering if a.partner_id == ovesys_id]
    statuses = [status for status, count in PLAN for _ in range(count)]
    made = 0
    for index, status in enumerate(statuses):
        # Ovesys's users log in: a quarter of the week is theirs; customers of partners
        # that only sell call too (HP delivers those).
        pool = ovesys if ovesys and index % 4 == 0 else selling if index % 6 == 1 else delivering
        covered = rng.choice(pool)
        severity = rng.choice((1, 2, 2, 3, 3, 4))
        low, high = AGE[status]
        opened_at = current - timedelta(minutes=rng.randint(low, high))
        # Nine in ten keep ahead of their deadline; the tenth may be late already.
        for _ in range(12):
            if _in_time(covered, severity, opened_at, status, current) or rng.random() < 0.1:
                break
            opened_at = current - timedelta(minutes=rng.randint(low, max(low + 1, high // 3)))
        ticket = _open(covered, severity, opened_at, actors, rng)
        if ticket is None:
            continue
        made += 1
        at = opened_at
        if index % 19 == 7 and ticket.delivered_by == Organisation.PARTNER:
            # Nobody took the call within the ownership window: CDS takes it.
            due = ticket.ownership_due_at
            if due is not None and due < current:
                ticket_fallback_to_cds(ticket=ticket, at=due)
                ticket.refresh_from_db()
                at = due
        for action in STEPS[status]:
            low, high = GAP[action]
            step = at + timedelta(minutes=rng.randint(low, high))
            if step >= current:
                break
            at = step
            if action == "dispatch" and index % 17 == 3 and ticket.delivered_by == "partner":
                ticket = ticket_act(
                    ticket=ticket,
                    action="handover",
                    actor=actors.get(ticket.partner_id),
                    at=at,
                    reason=rng.choice(HANDOVER_REASONS),
                )
                at += timedelta(minutes=5)
            worker = (
                cds_users[0]
                if ticket.delivered_by == Organisation.CDS
                else actors.get(ticket.partner_id)
            )
            params: dict[str, Any] = {}
            if action == "dispatch":
                params["engineer"] = (
                    cds_users[1]
                    if ticket.delivered_by == Organisation.CDS
                    else _engineer(engineers, ticket, covered, rng)
                )
            if action == "pause":
                params["reason"] = rng.choice(PauseReason.values)
            if action == "resolve":
                params["note"] = rng.choice(REPORTS)
            try:
                ticket = ticket_act(ticket=ticket, action=action, actor=worker, at=at, **params)
            except DomainError:
                break
    return made


def _open(
    covered: Covered,
    severity: int,
    opened_at: datetime,
    actors: dict[int, Any],
    rng: random.Random,
) -> Ticket | None:
    try:
        return ticket_open(
            asset=Asset.objects.get(pk=covered.asset_id),
            severity=severity,
            kind=Kind.INCIDENT,
            summary=rng.choice(SUMMARIES[covered.line]),
            actor=actors.get(covered.partner_id),
            at=opened_at,
        )
    except DomainError:
        return None


def _engineer(
    engineers: dict[tuple[int, str], list[Any]],
    ticket: Ticket,
    covered: Covered,
    rng: random.Random,
) -> Any:
    """An engineer of the partner certified on the asset's line (routing found one)."""
    certified = engineers.get((ticket.partner_id, covered.line)) or engineers.get(
        (ticket.partner_id, "*"), []
    )
    return rng.choice(certified) if certified else None
