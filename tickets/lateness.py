"""How late a ticket is: its most pressing commitment, late by how long or due in how long.

The CDS queue shows it on every row and lists the most overdue first (the order of
``selectors.cds_queue_tickets``: the earliest deadline still pending).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from tickets.models import SlaState, SlaTarget, SlaTargetKind, Ticket
from tickets.presenters import Row, countdown_labels, rows, target_headers
from tickets.time_text import format_minutes

PENDING_STATES = (SlaState.RUNNING, SlaState.WARNED, SlaState.BREACHED)


@dataclass(frozen=True)
class Lateness:
    target: str
    overdue: bool
    minutes: int  # late by (overdue) or left before the deadline, in wall-clock minutes
    label: str


def lateness(targets: Iterable[SlaTarget], now: datetime) -> Lateness | None:
    """The earliest enforced deadline not met yet, as "late by" or "due in"; None if none."""
    pending = [
        t
        for t in targets
        if t.enforced and t.met_at is None and t.state in PENDING_STATES and t.due_at is not None
    ]
    if not pending:
        return None
    first = min(pending, key=lambda t: (t.due_at, t.pk))
    assert first.due_at is not None  # filtered above
    seconds = (now - first.due_at).total_seconds()
    overdue = seconds > 0
    minutes = int(abs(seconds) // 60)
    values = {"target": SlaTargetKind(first.target).label, "duration": format_minutes(minutes)}
    label = (
        _("%(target)s : en retard de %(duration)s")
        if overdue
        else _("%(target)s : dans %(duration)s")
    ) % values
    return Lateness(first.target, overdue, minutes, label)


@dataclass
class CdsRow(Row):
    lateness: Lateness | None = None


def cds_queue_context(tickets: Iterable[Ticket], now: datetime) -> dict[str, Any]:
    """The CDS queue's table: every row with how late it is (targets prefetched)."""
    listed = list(tickets)
    return {
        "rows": [
            CdsRow(
                ticket=row.ticket,
                targets=row.targets,
                routing=row.routing,
                lateness=lateness(ticket.sla_targets.all(), now),
            )
            for row, ticket in zip(rows(listed, now), listed, strict=True)
        ],
        "target_headers": target_headers(),
        "labels": countdown_labels(),
    }
