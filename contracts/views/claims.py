"""HP's review of serial numbers claimed by two partners: the list, and the decisions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from contracts import selectors, services
from contracts.views.shared import found
from partners.forms import DecisionForm
from partners.selectors import today as local_today
from servicone.access import programme_manager_required, viewer_of
from servicone.errors import DomainError


def _review_page(
    request: HttpRequest, *, forms: dict[int, DecisionForm] | None = None, status: int = 200
) -> HttpResponse:
    claims = selectors.held_claims(on=local_today())
    forms = forms or {}
    return render(
        request,
        "contracts/asset_claims.html",
        {
            "rows": [
                (claim, forms.get(claim.claim.pk) or DecisionForm(prefix=f"c{claim.claim.pk}"))
                for claim in claims
            ],
            "recent": selectors.recent_claim_decisions(),
        },
        status=status,
    )


@require_GET
@programme_manager_required
def asset_claim_list(request: HttpRequest) -> HttpResponse:
    """« Équipements à vérifier »: held registrations, oldest first, beside their holders."""
    return _review_page(request)


@require_POST
@programme_manager_required
def asset_claim_decide(request: HttpRequest, asset_id: int, decision: str) -> HttpResponse:
    # HP staff see every partner's assets; the service checks the registration is held.
    asset = found(selectors.asset_of(viewer_of(request), asset_id))
    form = DecisionForm(request.POST, prefix=f"c{asset.pk}")
    if not form.is_valid():
        return _review_page(request, forms={asset.pk: form}, status=400)
    decide = services.asset_claim_assign if decision == "assign" else services.asset_claim_reject
    try:
        decide(asset=asset, actor=request.user, comment=form.cleaned_data["comment"])
    except DomainError as error:  # decided meanwhile (another manager, a second click)
        messages.error(request, str(error.message))
        return redirect("contracts:asset-claims")
    names = {"serial": asset.serial_number, "partner": asset.customer.partner.name}
    if decision == "assign":
        text = _(
            "Équipement %(serial)s attribué à %(partner)s ; les deux partenaires sont notifiés."
        )
    else:
        text = _(
            "Demande de %(partner)s refusée pour %(serial)s ; les deux partenaires sont notifiés."
        )
    messages.success(request, text % names)
    return redirect("contracts:asset-claims")
