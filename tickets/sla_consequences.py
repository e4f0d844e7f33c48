"""What SLA warnings and breaches entail once they fired: escalation, backup, notifications.

Called by ``tickets.sla`` with the events its batch just recorded (new to the
``SlaEvent`` table, so each has its consequences once), inside the batch's
transaction, with their tickets locked. Set-wise: a fixed number of queries
however many events. It imports no service, so ``tickets.services`` (which
uses ``tickets.sla``) and ``tickets.sla`` form no cycle.

Notifications do not flood after an outage: a warning whose breach time has passed
is recorded (timeline, ``SlaEvent``) but not sent, what a batch holds about a ticket
reaches each person in one message, and who muted the ticket hears nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext, override

from servicone.inserts import insert_rows
from servicone.jobs import enqueue
from servicone.notify import Message, notify_many, partner_admin_ids
from tickets.models import (
    Organisation,
    SlaEventKind,
    SlaTarget,
    SlaTargetKind,
    Ticket,
    TicketEvent,
    TicketEventKind,
)
from tickets.selectors import cds_dispatcher_ids, muted_pairs
from tickets.webhook_events import emit_sla_events

# (event, target, ticket, audience): "partner" admins, "cds" dispatch or both.
Pending = tuple[str, SlaTarget, Ticket, tuple[str, ...]]


# A timeline line of the sweep, as ``insert_rows`` writes it: the timers act, no user.
_TIMELINE_FIELDS = ("ticket", "at", "event", "actor", "organisation", "detail")
TimelineRow = tuple[int, datetime, str, None, str, dict[str, Any]]


def _system_event(ticket: Ticket, event: str, at: datetime, **detail: Any) -> TimelineRow:
    return (ticket.pk, at, event, None, "system", detail)


def on_sla_events(
    *, fired: list[tuple[SlaTarget, str]], tickets: dict[int, Ticket], at: datetime
) -> None:
    """Consequences of SLA events that just fired, in the order they fired, set-wise.

    Warning → notify who delivers (partner admins or CDS dispatch, and the
    assigned engineer). Breach → escalate one level (L3 at most), flag CDS to
    back up a partner's ticket, notify partner admins and CDS dispatch, and
    queue the ownership fall-back of an unowned partner ticket. Each event, and each
    escalation, is a webhook event too (one INSERT for the batch). ``tickets`` are
    the events' tickets, locked by the caller. A fixed number of queries,
    however many events.
    """
    timeline: list[TimelineRow] = []
    touched: dict[int, Ticket] = {}
    fallbacks: list[int] = []
    pending: list[Pending] = []
    for target, event in fired:
        ticket = tickets[target.ticket_id]
        partner_delivers = ticket.delivered_by == Organisation.PARTNER
        if event == SlaEventKind.WARNED:
            timeline.append(
                _system_event(
                    ticket,
                    TicketEventKind.SLA_WARNED,
                    at,
                    target=target.target,
                    due_at=target.due_at.isoformat() if target.due_at else None,
                )
            )
            pending.append((event, target, ticket, ("partner",) if partner_delivers else ("cds",)))
            continue
        timeline.append(
            _system_event(ticket, TicketEventKind.SLA_BREACHED, at, target=target.target)
        )
        if ticket.escalation_level < 3:
            ticket.escalation_level += 1
            timeline.append(
                _system_event(
                    ticket,
                    TicketEventKind.ESCALATED,
                    at,
                    level=ticket.escalation_level,
                    cause=f"sla_breach:{target.target}",
                )
            )
        if partner_delivers and not ticket.cds_backup:
            # HP guarantees the service: CDS is flagged to back the partner up.
            ticket.cds_backup = True
            timeline.append(
                _system_event(ticket, TicketEventKind.CDS_BACKUP_FLAGGED, at, target=target.target)
            )
        touched[ticket.pk] = ticket
        pending.append((event, target, ticket, ("partner", "cds")))
        if target.target == SlaTargetKind.RESPONSE and partner_delivers:
            # The ownership window may equal the response target: the fallback is due too.
            fallbacks.append(ticket.pk)
    if touched:
        # One UPDATE per new escalation level (2 or 3); the backup flag as above:
        # set on every partner-delivered ticket that breached.
        by_level: dict[int, list[int]] = defaultdict(list)
        for ticket in touched.values():
            by_level[ticket.escalation_level].append(ticket.pk)
        backup = ExpressionWrapper(
            Q(cds_backup=True) | Q(delivered_by=Organisation.PARTNER), output_field=BooleanField()
        )
        stamp = timezone.now()
        for level, ids in by_level.items():
            Ticket.objects.filter(pk__in=ids).update(
                escalation_level=level, cds_backup=backup, updated_at=stamp
            )
    insert_rows(TicketEvent, _TIMELINE_FIELDS, timeline)
    emit_sla_events(
        [(ticket, event) for event, _target, ticket, _audience in pending], touched.values(), at
    )
    notify_many(_sla_messages(pending, at))
    if fallbacks:
        transaction.on_commit(lambda: _queue_fallbacks(fallbacks))


def _stale(event: str, target: SlaTarget, at: datetime) -> bool:
    """A warning whose breach time has passed (a catch-up): recorded, but not worth sending."""
    return event == SlaEventKind.WARNED and target.due_at is not None and target.due_at <= at


def _sla_messages(pending: list[Pending], at: datetime) -> list[Message]:
    """The notifications of fired SLA events: one per person and ticket, set-wise.

    A warning whose breach time has passed by ``at`` is not sent: its breach is. What a
    batch holds about a ticket reaches each person in one message, the event itself when
    there is one, the list of the ticket's late events after an outage. Who muted the
    ticket hears nothing. Written in the portal's language, as every notification
    (``settings.LANGUAGE_CODE``); recipients resolved in three queries at most.
    """
    live = [p for p in pending if not _stale(p[0], p[1], at)]
    if not live:
        return []
    partner_ids = {t.partner_id for _e, _t, t, audience in live if "partner" in audience}
    admins = partner_admin_ids(partner_ids) if partner_ids else {}
    cds = cds_dispatcher_ids() if any("cds" in audience for *_rest, audience in live) else []
    muted = muted_pairs(t.pk for _e, _t, t, _a in live)
    # ticket id -> (ticket, recipient -> the events they hear of, in the order they fired)
    heard: dict[int, tuple[Ticket, dict[int, list[tuple[str, SlaTarget]]]]] = {}
    for event, target, ticket, audience in live:
        recipients = list(admins.get(ticket.partner_id, [])) if "partner" in audience else []
        if "cds" in audience:
            recipients += cds
        engineer = ticket.assigned_engineer
        if event == SlaEventKind.WARNED and engineer and engineer.user_id:
            recipients.append(engineer.user_id)
        _ticket, by_recipient = heard.setdefault(ticket.pk, (ticket, {}))
        for recipient in dict.fromkeys(recipients):
            if (ticket.pk, recipient) not in muted:
                by_recipient.setdefault(recipient, []).append((event, target))
    messages = []
    with override(settings.LANGUAGE_CODE):
        for ticket, by_recipient in heard.values():
            # Those who hear of the same events share one message (one row each).
            shared: dict[tuple[tuple[str, str], ...], list[int]] = defaultdict(list)
            events_of: dict[tuple[tuple[str, str], ...], list[tuple[str, SlaTarget]]] = {}
            for recipient, events in by_recipient.items():
                key = tuple((target.target, event) for event, target in events)
                shared[key].append(recipient)
                events_of[key] = events
            for key, recipients in shared.items():
                messages.append(_sla_message(ticket, events_of[key], recipients))
    return messages


def _due_text(target: SlaTarget) -> str:
    return f"{timezone.localtime(target.due_at):%d/%m/%Y %H:%M}" if target.due_at else "—"


def _sla_message(
    ticket: Ticket, events: list[tuple[str, SlaTarget]], recipients: list[int]
) -> Message:
    """One ticket's events for these recipients: the event, or the list of late events."""
    values = {"number": ticket.number, "summary": ticket.summary}
    kind = (
        "sla_breach"
        if any(event == SlaEventKind.BREACHED for event, _t in events)
        else "sla_warning"
    )
    if len(events) == 1:
        ((event, target),) = events
        values |= {"target": str(SlaTargetKind(target.target).label), "due": _due_text(target)}
        if event == SlaEventKind.WARNED:
            subject = gettext("ServiceOne : %(number)s — délai « %(target)s » bientôt dépassé")
            body = gettext("%(number)s — %(summary)s\nÉchéance : %(due)s")
        else:
            subject = gettext("ServiceOne : %(number)s — délai « %(target)s » dépassé")
            body = gettext("%(number)s — %(summary)s\nÉchéance dépassée : %(due)s")
        dedup_key = f"sla:{ticket.pk}:{target.target}:{event}:{target.version}"
        subject, body = subject % values, body % values
    else:
        # A catch-up (after an outage): the ticket once, with every late event listed.
        subject = ngettext(
            "ServiceOne : %(number)s — %(count)s alerte de délai",
            "ServiceOne : %(number)s — %(count)s alertes de délai",
            len(events),
        ) % (values | {"count": len(events)})
        lines = []
        for event, target in events:
            line = (
                gettext("%(target)s : bientôt dépassé (échéance %(due)s)")
                if event == SlaEventKind.WARNED
                else gettext("%(target)s : dépassé (échéance %(due)s)")
            )
            lines.append(
                "- "
                + line % {"target": SlaTargetKind(target.target).label, "due": _due_text(target)}
            )
        body = "\n".join(
            [gettext("%(number)s — %(summary)s") % values, gettext("Délais en retard :"), *lines]
        )
        dedup_key = f"sla:{ticket.pk}:" + "+".join(
            f"{target.target}.{event}.{target.version}" for event, target in events
        )
    return Message(
        recipient_ids=recipients,
        partner_id=ticket.partner_id,
        kind=kind,
        dedup_key=dedup_key,
        subject=subject,
        body=body,
        link=f"/tickets/{ticket.pk}/",
    )


def _queue_fallbacks(ticket_ids: list[int]) -> None:
    for ticket_id in ticket_ids:
        enqueue("tickets.tasks.fallback_ticket", ticket_id)
