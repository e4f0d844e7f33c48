"""Tickets in webhook bodies (``ticket.*``, ``sla.*``), as the API returns them at
``tickets/{id}/`` (registered by ``TicketsConfig.ready``).

The detail representation: SLA targets with their explanation, the timeline, segments
and pauses — an ``sla.warning`` or ``sla.breached`` shows which target in its ``sla``
list (``state``, ``warned_at``, ``breached_at``) and in its timeline. No person reads a
webhook, so ``allowed_actions`` is empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tickets.api.serializers import TicketDetailSerializer
from tickets.api.views import with_detail_data
from tickets.models import Ticket
from webhooks.registry import Audience, register


def render_tickets(ids: Sequence[int], audience: Audience) -> dict[int, Any]:
    rows = with_detail_data(Ticket.objects.filter(pk__in=ids))
    if audience.partner_id is not None:
        rows = rows.filter(partner_id=audience.partner_id)
    tickets = list(rows)
    data = TicketDetailSerializer(tickets, many=True).data
    return {ticket.pk: item for ticket, item in zip(tickets, data, strict=True)}


def register_renderers() -> None:
    register("ticket", render_tickets)
