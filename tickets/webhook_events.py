"""Which ticket changes emit which webhook event (written by ``webhooks.events``).

``ticket.opened`` at opening; ``ticket.updated`` whenever the status, the delivering
organisation or the escalation level changes (an action, the ownership fall-back, an
SLA breach's escalation); ``ticket.handed_over`` with the partner's handover;
``sla.warning`` and ``sla.breached`` as the SLA events fire. Each is one row written in
the change's transaction; the SLA sweep writes its batch's in one INSERT.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tickets.models import SlaEventKind, Ticket
from webhooks.events import EventSpec, event_emit, events_emit
from webhooks.models import EventType

Watched = tuple[str, str, int]

SLA_EVENT_TYPES = {
    SlaEventKind.WARNED: EventType.SLA_WARNING,
    SlaEventKind.BREACHED: EventType.SLA_BREACHED,
}


def watched(ticket: Ticket) -> Watched:
    """What ``ticket.updated`` reports a change of: status, who delivers, escalation level."""
    return (ticket.status, ticket.delivered_by, ticket.escalation_level)


def emit(ticket: Ticket, event_type: str, at: datetime) -> None:
    event_emit(type=event_type, partner_id=ticket.partner_id, resource_id=ticket.pk, at=at)


def emit_if_updated(ticket: Ticket, before: Watched, at: datetime) -> None:
    if watched(ticket) != before:
        emit(ticket, EventType.TICKET_UPDATED, at)


def emit_sla_events(
    fired: Iterable[tuple[Ticket, str]], escalated: Iterable[Ticket], at: datetime
) -> None:
    """A sweep batch's webhook events, set-wise: one INSERT for all of them. ``fired``:
    each SLA event with its ticket; ``escalated``: tickets whose escalation level rose."""
    specs = [
        EventSpec(SLA_EVENT_TYPES[SlaEventKind(event)], ticket.partner_id, ticket.pk)
        for ticket, event in fired
    ]
    specs += [EventSpec(EventType.TICKET_UPDATED, t.partner_id, t.pk) for t in escalated]
    events_emit(specs, at=at)
