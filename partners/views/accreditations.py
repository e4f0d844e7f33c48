"""The partner's accreditation applications: the list, « Demander l'accréditation », withdrawal."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from partners import presenters, selectors, services
from partners.models import Membership
from servicone.access import PartnerRole, partner_admin_required, partner_member_required
from servicone.errors import DomainError


@require_GET
@partner_member_required
def accreditation_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    return render(
        request,
        "partners/accreditations.html",
        {
            "partner": membership.partner,
            "applications": selectors.partner_accreditations(membership.partner_id),
            "is_admin": membership.role == PartnerRole.ADMIN,
            "open_statuses": presenters.OPEN_STATUSES,
        },
    )


@require_POST
@partner_admin_required
def accreditation_apply(request: HttpRequest, membership: Membership) -> HttpResponse:
    """« Demander l'accréditation » : create and submit, or nothing at all."""
    tier = selectors.tier_by_code(request.POST.get("tier", ""))
    if tier is None:
        return HttpResponseBadRequest(_("Niveau inconnu."))
    try:
        services.accreditation_apply(partner=membership.partner, tier=tier, actor=request.user)
    except DomainError as error:
        if error.code == "unknown_tier":
            return HttpResponseBadRequest(str(error.message))
        messages.error(request, str(error.message))
        return redirect("partners:programme")
    messages.success(
        request,
        _(
            "Votre demande d'accréditation au niveau %(tier)s est soumise à HP. "
            "Vous serez notifié de la décision."
        )
        % {"tier": tier.display_name},
    )
    return redirect("partners:programme")


@require_POST
@partner_admin_required
def accreditation_withdraw(
    request: HttpRequest, membership: Membership, accreditation_id: int
) -> HttpResponse:
    application = get_object_or_404(
        selectors.partner_accreditations(membership.partner_id), pk=accreditation_id
    )
    try:
        services.accreditation_withdraw(accreditation=application, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("La demande d'accréditation a été retirée."))
    return redirect("partners:accreditations")
