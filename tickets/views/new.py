"""« Ouvrir un ticket » : a serial number first, its coverage, then the call itself."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from servicone.access import Viewer, with_viewer
from servicone.errors import DomainError
from tickets import presenters, selectors
from tickets.forms import SerialLookupForm, TicketOpenForm, add_domain_error
from tickets.selectors import AssetCoverage
from tickets.services import ticket_open


@require_http_methods(["GET", "POST"])
@with_viewer
def ticket_new(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The serial look-up (GET), then the opening form once an asset is covered (POST)."""
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    lookup_form = SerialLookupForm(data if data.get("serial") else None)
    serial = ""
    found: list[AssetCoverage] = []
    if lookup_form.is_bound and lookup_form.is_valid():
        serial = lookup_form.cleaned_data["serial"]
        found = selectors.lookup_serial(serial, viewer.partner_id)
    # The choices: the assets a ticket would be opened on. A posted choice is checked by the
    # opening itself, which reads the coverage again: reading it here too cost the posted call
    # a query. Refused for want of coverage, the page is then the look-up's (no form).
    covered = [f.asset for f in found if (f.openable if posted else f.applies is not None)]

    open_form = None
    status = 200
    if covered:
        open_form = TicketOpenForm(
            request.POST if posted else None,
            assets=covered,
        )
    if posted:
        status = 400
        if open_form is not None and open_form.is_valid():
            values = open_form.cleaned_data
            try:
                ticket = ticket_open(
                    asset=values["asset"],
                    severity=values["severity"],
                    kind=values["kind"],
                    summary=values["summary"],
                    description=values["description"],
                    actor=request.user,
                )
            except DomainError as error:
                add_domain_error(open_form, error)
            else:
                messages.success(request, presenters.opened_message(ticket))
                return redirect("tickets:detail", ticket_id=ticket.pk)
    if open_form is not None and not any(f.applies is not None for f in found):
        open_form = None  # refused for want of coverage: the page says so, as before a post
    refusal = presenters.opening_refusal(serial, found)
    if posted and open_form is None and not refusal:
        refusal = _("Saisissez le numéro de série de l'équipement.")
    return render(
        request,
        "tickets/new.html",
        {
            # A refused serial stays as typed, beside its error; a valid one reads as stored.
            "lookup_form": lookup_form
            if lookup_form.errors
            else SerialLookupForm(initial={"serial": serial}),
            "serial": serial,
            "found": presenters.asset_cards(found),
            "refusal": refusal,
            "open_form": open_form,
        },
        status=status,
    )
