"""The ticket page: header, routing, SLA panel, timeline, segments, and its actions.

Deadlines are shown in the site's time zone; live countdowns are ticked by
``countdown.js`` from the ISO instants the page prints.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicone.errors import DomainError
from tickets import dispatch_presenters, presenters, selectors, time_text
from tickets.forms import ACTION_FORMS, action_form
from tickets.models import Ticket
from tickets.mutes import ticket_mute, ticket_unmute
from tickets.services import ticket_act
from tickets.transitions import allowed_actions


def _visible_ticket(request: HttpRequest, ticket_id: int, *related: str) -> Ticket:
    """The ticket if the user may see it; another partner's ticket does not exist (404)."""
    ticket = selectors.visible_ticket(request.user, ticket_id, *related)
    if ticket is None:
        raise Http404
    return ticket


@require_GET
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _visible_ticket(
        request, ticket_id, "assigned_engineer", "assigned_cds_user", "opened_by"
    )
    now = timezone.now()
    pauses = selectors.pauses_of(ticket)
    allowed = allowed_actions(request.user, ticket)
    line = ticket.asset.product_line.display_name
    candidates = None
    if "dispatch" in allowed:
        # Ranked once: the select and the table beside it show the same list.
        day = now.astimezone(time_text.zone(ticket.site.timezone)).date()
        candidates = selectors.dispatch_candidates(ticket, on=day)
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "routing": presenters.routing_message(ticket),
            "moved_to_cds": presenters.moved_to_cds(ticket),
            "site_tz": ticket.site.timezone,
            "milestones": presenters.milestones(ticket),
            "ownership_due": presenters.ownership_due(ticket),
            "sla_rows": presenters.sla_panel(ticket, pauses, now),
            "timeline": presenters.timeline(ticket, selectors.timeline_of(ticket)),
            "segments": presenters.segments(ticket, selectors.segments_of(ticket), now),
            "actions": [
                {
                    "name": action,
                    "label": presenters.action_label(action, ticket),
                    "form": action_form(action, ticket, candidates=candidates, line=line),
                }
                for action in allowed
            ],
            "candidates": dispatch_presenters.candidate_rows(candidates or [], line),
            "product_line": line,
            "engineer": dispatch_presenters.engineer_name(ticket),
            "labels": presenters.countdown_labels(),
            "muted": selectors.is_muted(ticket, request.user),
        },
    )


def _params(action: str, data: dict[str, Any]) -> dict[str, Any]:
    if action == "dispatch":
        return {"engineer": data.get("engineer"), "reason": data.get("reason", "")}
    if action in ("pause", "handover", "escalate"):
        return {"reason": data.get("reason", "")}
    if action == "resolve":
        return {"note": data.get("note", "")}
    return {}


@require_POST
def ticket_action(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    """One action from the ticket page; a refusal is a message and changes nothing."""
    if action not in ACTION_FORMS:
        raise Http404
    ticket = _visible_ticket(request, ticket_id)
    form = action_form(action, ticket, request.POST)
    valid = form.is_valid()
    if not valid and action in allowed_actions(request.user, ticket):
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("tickets:detail", ticket_id=ticket.pk)
    # An action that does not fit the status or the role is refused by the service itself
    # (403/409) before it reads any parameter, so its own message is what the user sees.
    try:
        done = ticket_act(
            ticket=ticket,
            action=action,
            actor=request.user,
            **_params(action, form.cleaned_data if valid else {}),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, presenters.action_done(action, done))
    return redirect("tickets:detail", ticket_id=ticket.pk)


@require_POST
def ticket_mute_toggle(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Mute the ticket for oneself (``mute=1``) or hear about it again (``mute=0``)."""
    ticket = _visible_ticket(request, ticket_id)
    if request.POST.get("mute") == "0":
        ticket_unmute(ticket=ticket, user=request.user)
        messages.success(request, _("Vous serez de nouveau notifié pour ce ticket."))
    else:
        ticket_mute(ticket=ticket, user=request.user)
        messages.success(
            request, _("Ticket en sourdine : vous ne recevrez plus de notification à son sujet.")
        )
    return redirect("tickets:detail", ticket_id=ticket.pk)
