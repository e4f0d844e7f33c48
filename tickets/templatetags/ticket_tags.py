"""Ticket badges and the home panels of the people who work tickets."""

from __future__ import annotations

from typing import Any

from django import template

from servicone.access import is_cds, partner_of

register = template.Library()


@register.inclusion_tag("tickets/_countdown.html")
def sla_countdown(countdown: Any, testid: str = "") -> dict[str, Any]:
    """A target's live badge (``views.countdown``); ``—`` when the ticket has no such target."""
    return {"c": countdown, "testid": testid}


@register.inclusion_tag("tickets/_home_engineer.html", takes_context=True)
def my_tickets_panel(context: Any) -> dict[str, Any]:
    """Partner engineer's home: open tickets assigned to them, calls waiting to be taken."""
    from tickets.views import my_tickets

    request = context.get("request")
    if request is None or partner_of(request.user) is None:
        return {"show": False}
    return {"show": True, **my_tickets(request.user)}


@register.inclusion_tag("tickets/_home_cds.html", takes_context=True)
def cds_queue_panel(context: Any) -> dict[str, Any]:
    """CDS home: queue counts, breaches, and the most urgent tickets."""
    from tickets.views import cds_panel

    request = context.get("request")
    if request is None or not is_cds(request.user):
        return {"show": False}
    return {"show": True, **cds_panel()}
