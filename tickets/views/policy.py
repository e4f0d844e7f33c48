"""The partner's delivery policy page, under « Mon programme ».

The page lives with the tickets because its what-if replays the partner's past tickets
(``tickets.what_if``); the policy itself is the programme's (``partners.services``).
The partner's admins edit it; its other people read it; HP staff read any partner's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from partners import selectors as partner_selectors
from partners.forms import DeliveryPolicyForm
from partners.models import Membership, Partner
from partners.presenters import delivery as presenters
from partners.services import delivery_policy_set
from servicone.access import PartnerRole, is_hp_staff, membership_of, partner_member_required
from servicone.errors import DomainError
from servicone.forms import add_domain_error
from tickets import what_if


def _context(partner: Partner, *, hp_view: bool) -> dict[str, Any]:
    today = partner_selectors.today()
    current = partner_selectors.policy_for_display(partner)
    return {
        "partner": partner,
        "hp_view": hp_view,
        "policy": presenters.policy_view(current, today=today) if current else None,
        "effective": presenters.effective_text(current, today=today) if current else "",
        "scheduled": [
            presenters.policy_view(v, today=today)
            for v in partner_selectors.scheduled_policies(partner)
            if current is None or v.pk != current.pk
        ],
        "current": current,
    }


@require_http_methods(["GET", "POST"])
@partner_member_required
def delivery_policy(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Read the policy; its admins save a new version, or first see what it would change."""
    partner = membership.partner
    is_admin = membership.role == PartnerRole.ADMIN
    context = _context(partner, hp_view=False)
    today = partner_selectors.today()
    form = DeliveryPolicyForm(initial=presenters.form_initial(context["current"], today=today))
    outcome = None
    status = 200
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied
        form = DeliveryPolicyForm(request.POST)
        if form.is_valid():
            values = form.cleaned_data
            if request.POST.get("action") == "what_if":
                outcome = what_if.policy_what_if(
                    partner.pk,
                    departments=values["departments"],
                    staffed_coverage=values["staffed_coverage"],
                    declined_line_ids=[line.pk for line in values["product_lines_declined"]],
                    now=timezone.now(),
                )
            else:
                try:
                    delivery_policy_set(
                        partner=partner,
                        actor=request.user,
                        departments=values["departments"],
                        staffed_coverage=values["staffed_coverage"],
                        hand_back_at_opening=values["hand_back_at_opening"],
                        product_lines_declined=values["product_lines_declined"],
                        max_open_tickets_per_engineer=values["max_open_tickets_per_engineer"],
                        effective_from=values["effective_from"],
                    )
                except DomainError as error:
                    add_domain_error(form, error)
                    status = 400
                else:
                    messages.success(request, _("Politique de délivrance enregistrée."))
                    return redirect("tickets:delivery-policy")
        else:
            status = 400
    return render(
        request,
        "tickets/delivery_policy.html",
        {
            **context,
            "is_admin": is_admin,
            "form": form,
            "what_if": outcome,
            "what_if_months": what_if.MONTHS,
        },
        status=status,
    )


@require_GET
def hp_delivery_policy(request: HttpRequest, partner_id: int) -> HttpResponse:
    """HP's read of a partner's policy; a partner user is sent to its own page."""
    if not is_hp_staff(request.user):
        membership = membership_of(request.user)
        if membership is not None and membership.partner_id == partner_id:
            return redirect("tickets:delivery-policy")
        raise Http404
    partner = get_object_or_404(Partner.objects.all(), pk=partner_id)
    return render(
        request,
        "tickets/delivery_policy.html",
        {**_context(partner, hp_view=True), "is_admin": False, "form": None, "what_if": None},
    )
