"""« Mon programme »: the partner's tier, what is missing for the next ones, what-if."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from partners import presenters, selectors
from partners.forms import WHAT_IF_KEYS, WhatIfForm
from partners.models import Partner
from servicone.access import Viewer, is_hp_staff, is_partner_admin, membership_of, with_viewer


def _programme_page(request: HttpRequest, partner: Partner, *, hp_view: bool) -> HttpResponse:
    labels = presenters.Labels.load(hp_reader=hp_view)
    bound = any(request.GET.get(key) for key in WHAT_IF_KEYS)
    what_if_form = WhatIfForm(request.GET if bound else None, courses=list(labels.courses.values()))
    scenario = None
    if bound and what_if_form.is_valid() and what_if_form.has_scenario:
        scenario = what_if_form.scenario()
    context = presenters.programme_page(
        partner,
        labels=labels,
        may_apply=is_partner_admin(request.user, partner),
        scenario=scenario,
    )
    return render(
        request,
        "partners/programme.html",
        {**context, "hp_view": hp_view, "what_if_form": what_if_form},
    )


@require_GET
@with_viewer
def programme(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The partner's own page; HP staff, who have no programme, go to the overview."""
    if viewer.partner_id is None:  # HP staff
        return redirect("partners:hp-overview")
    partner = selectors.programme_partners().get(pk=viewer.partner_id)
    return _programme_page(request, partner, hp_view=False)


@require_GET
def hp_partner_programme(request: HttpRequest, partner_id: int) -> HttpResponse:
    """HP's view of a partner's programme; a partner user is sent to its own page."""
    if not is_hp_staff(request.user):
        membership = membership_of(request.user)
        if membership is not None and membership.partner_id == partner_id:
            return redirect("partners:programme")
        # Another partner's page does not exist for a partner user.
        raise Http404
    partner = get_object_or_404(selectors.programme_partners(), pk=partner_id)
    return _programme_page(request, partner, hp_view=True)
