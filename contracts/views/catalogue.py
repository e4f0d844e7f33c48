"""The catalogue: every offering, grouped by kind, with what the viewer's tier allows."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from contracts import presenters, selectors
from contracts.models import OfferingKind
from servicone.access import Viewer, with_viewer


@require_GET
@with_viewer
def catalogue(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    partner = selectors.partner_with_tier(viewer.partner_id) if viewer.partner_id else None
    kind = request.GET.get("kind", "")
    line_code = request.GET.get("line", "")
    lines = selectors.catalogue_lines(partner, kind=kind, line_code=line_code)
    product_lines = selectors.product_lines()
    return render(
        request,
        "contracts/catalogue.html",
        {
            "viewer": viewer,
            "partner": partner,
            "groups": presenters.group_by_kind(lines, lambda c: c.offering.kind),
            "kinds": OfferingKind.choices,
            "product_lines": product_lines,
            "kind_filter": kind,
            "line_filter": line_code,
        },
    )
