"""Muting a ticket: whoever muted it hears no more about it (SLA alerts, moves to CDS).

Anyone who sees a ticket may mute it for themself, on the ticket page or the API, and
unmute it again (a personal preference: not audited). The notifying code drops who muted a ticket from its recipients
(``tickets.selectors.muted_pairs``); the timeline and the SLA events are kept as ever.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tickets.models import Ticket, TicketMute


@transaction.atomic
def ticket_mute(*, ticket: Ticket, user: Any) -> bool:
    """Mute ``ticket`` for ``user`` (who must see it); returns whether it was not muted yet."""
    _mute, created = TicketMute.objects.get_or_create(ticket=ticket, user=user)
    return created


@transaction.atomic
def ticket_unmute(*, ticket: Ticket, user: Any) -> bool:
    """Let ``user`` hear about ``ticket`` again; returns whether it was muted."""
    deleted, _ = TicketMute.objects.filter(ticket=ticket, user=user).delete()
    return bool(deleted)
