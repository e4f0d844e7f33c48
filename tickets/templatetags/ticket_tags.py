"""Ticket badges and the home panels of the people who work tickets."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from servicone.access import is_cds, partner_of
from tickets import presenters, selectors

register = template.Library()

PANEL_ROWS = 10  # each list of the engineer's panel
URGENT_ROWS = 5  # the CDS panel's most urgent tickets


@register.inclusion_tag("tickets/_countdown.html")
def sla_countdown(countdown: presenters.Countdown | None, testid: str = "") -> dict[str, Any]:
    """A target's live badge (``presenters.countdown``); ``—`` when the ticket has no such target."""
    return {"c": countdown, "testid": testid}


@register.inclusion_tag("tickets/_home_engineer.html", takes_context=True)
def my_tickets_panel(context: Any) -> dict[str, Any]:
    """Partner engineer's home: open tickets assigned to them, calls waiting to be taken."""
    request = context.get("request")
    partner = partner_of(request.user) if request is not None else None
    if partner is None:
        return {"show": False}
    now = timezone.now()
    mine = selectors.assigned_to(request.user, partner)[:PANEL_ROWS]
    to_take = selectors.calls_to_take(partner)[:PANEL_ROWS]
    return {
        "show": True,
        "mine": presenters.rows(mine, now),
        "to_take": presenters.rows(to_take, now),
        "target_headers": presenters.target_headers(),
        "labels": presenters.countdown_labels(),
    }


@register.inclusion_tag("tickets/_home_cds.html", takes_context=True)
def cds_queue_panel(context: Any) -> dict[str, Any]:
    """CDS home: queue counts, breaches, and the most urgent tickets."""
    request = context.get("request")
    if request is None or not is_cds(request.user):
        return {"show": False}
    urgent = selectors.with_queue_data(selectors.cds_queue_tickets())[:URGENT_ROWS]
    return {
        "show": True,
        "summary": selectors.cds_summary(),
        "urgent": presenters.rows(urgent, timezone.now()),
        "target_headers": presenters.target_headers(),
        "labels": presenters.countdown_labels(),
    }
