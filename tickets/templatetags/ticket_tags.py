"""Ticket badges and the home panels of the people who work tickets."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from servicone.access import is_cds, partner_of
from servicone.widgets import quick_html, quick_join
from tickets import presenters, selectors

register = template.Library()

PANEL_ROWS = 10  # each list of the engineer's panel
URGENT_ROWS = 5  # the CDS panel's most urgent tickets


# The badges below are written in Python rather than included templates: a queue page
# draws four per row, 200 a page, and an included template cost each ten times as much.
# ``quick_html`` is ``format_html`` without its overhead (0.4 -> 0.2 ms a row).


@register.simple_tag
def sla_countdown(countdown: presenters.Countdown | None, testid: str = "") -> SafeString:
    """A target's live badge (``presenters.countdown``); ``—`` when the ticket has no such target."""
    if countdown is None:
        return mark_safe('<span class="muted">—</span>')
    c = countdown
    return quick_html(
        '<span class="badge sla state-{}" data-countdown data-target="{}" data-state="{}" '
        'data-due="{}" data-warn="{}" data-enforced="{}"{} title="{}">'
        '<span class="sla-value">{}</span></span>',
        c.state,
        c.kind,
        c.state,
        c.due_iso,
        c.warn_iso,
        "1" if c.enforced else "0",
        quick_html(' data-testid="{}"', testid) if testid else "",
        c.title,
        c.text,
    )


@register.simple_tag
def delivered_by(ticket: Any, routing: str = "") -> SafeString:
    """Who delivers the ticket, why on hover, and the CDS backup flag when it is set."""
    badge = quick_html(
        '<span class="badge org org-{}" data-testid="delivered-by" title="{}">{}</span>',
        ticket.delivered_by,
        routing,
        _("CDS") if ticket.delivered_by == "cds" else _("Partenaire"),
    )
    if not ticket.cds_backup:
        return badge
    return quick_html(
        '{} <span class="badge bad" data-testid="cds-backup" title="{}">{}</span>',
        badge,
        _("Délai dépassé : le CDS épaule le partenaire (HP garantit le service)."),
        _("renfort CDS"),
    )


@register.simple_tag
def ticket_row(row: Any, show_partner: bool = False, show_lateness: bool = False) -> SafeString:
    """One row of a ticket table (``_table.html``): a page draws 50, and the template's
    two dozen look-ups per row were most of the queue pages' time."""
    t = row.ticket
    status: Any = t.get_status_display()
    if t.pause_reason:
        status = quick_html(
            '{}<br><span class="muted small">{}</span>', status, t.get_pause_reason_display()
        )
    cells = [
        quick_html(
            '<td><a href="{}" data-testid="ticket-link">{}</a><br>'
            '<span class="muted small">{}</span></td>',
            reverse("tickets:detail", args=[t.pk]),
            t.number,
            Truncator(t.summary).chars(60),
        ),
        quick_html(
            '<td class="num"><span class="sev sev-{}">{}</span></td>', t.severity, t.severity
        ),
        quick_html(
            '<td><span class="code">{}</span><br><span class="small">{} · {} ({})</span></td>',
            t.asset.serial_number,
            t.customer.name,
            t.site.name,
            t.site.city,
        ),
    ]
    if show_partner:
        cells.append(quick_html("<td>{}</td>", t.partner.name))
    cells += [
        quick_html("<td>{}</td>", status),
        quick_html("<td>{}</td>", delivered_by(t, row.routing)),
        quick_html(
            '<td><span class="badge{}">{}</span></td>',
            " warn" if t.escalation_level > 1 else "",
            _("N%(level)s") % {"level": t.escalation_level},
        ),
    ]
    if show_lateness:
        late = getattr(row, "lateness", None)
        cells.append(
            quick_html(
                '<td data-testid="lateness"><span class="{}">{}</span></td>',
                "late" if late.overdue else "muted small",
                late.label,
            )
            if late
            else mark_safe('<td data-testid="lateness">—</td>')
        )
    cells.append(quick_join(quick_html("<td>{}</td>", sla_countdown(c)) for c in row.targets))
    return quick_html(
        '<tr data-testid="ticket-row" data-ticket="{}" class="{}">{}</tr>',
        t.number,
        "" if t.is_open else "closed",
        quick_join(cells),
    )


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
