"""« Tickets » (the partner's queue, every partner's for HP staff) and « File CDS ».

A queue runs a fixed number of queries whatever the page size (pinned by tests):
tickets come with their asset, site, customer and contract joined and their SLA
targets prefetched in one query.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from servicone.access import Viewer, cds_required, is_hp_staff, with_viewer
from servicone.paging import EstimatedCountPaginator
from tickets import lateness, presenters, selectors
from tickets.forms import QueueFilterForm

PAGE_SIZE = 25


@require_GET
@with_viewer
def queue(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """« Tickets » : the partner's tickets (HP staff: every partner's, with a partner filter).

    ``with_viewer`` lets in a partner's members and HP staff only (403 otherwise); what
    the queue lists is the tenant scope of ``selectors.visible_tickets``.
    """
    hp = is_hp_staff(request.user)
    partners = selectors.filter_partners() if hp else None
    data = request.GET.copy()
    # The list opens on the open tickets; « Ouverts et clos » (state=) shows them all.
    data.setdefault("state", "open")
    filters = QueueFilterForm(data, partners=partners)
    values = filters.values()
    tickets = selectors.partner_queue(request.user, values)
    page = EstimatedCountPaginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/queue.html",
        {
            "page": page,
            **presenters.queue_context(page.object_list, timezone.now()),
            "filters": filters,
            "filtered": values != {"state": "open"},
            "hp_view": hp,
            "may_open": True,
        },
    )


@require_GET
@cds_required
def cds_queue(request: HttpRequest) -> HttpResponse:
    """« File CDS » : tickets CDS delivers plus partner tickets flagged for backup."""
    filters = QueueFilterForm(request.GET or None)
    del filters.fields["state"]  # the CDS queue holds open tickets only
    values = filters.values() if request.GET else {}
    tickets = selectors.with_queue_data(selectors.filtered(selectors.cds_queue_tickets(), values))
    summary = selectors.cds_summary()
    # Unfiltered, the queue holds what the summary counted: no second count.
    known = None if values else summary["total"]
    page = EstimatedCountPaginator(tickets, PAGE_SIZE, known_count=known).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tickets/cds_queue.html",
        {
            "page": page,
            **lateness.cds_queue_context(page.object_list, timezone.now()),
            "filters": filters,
            "filtered": bool(values),
            "summary": summary,
        },
    )
