"""HP's pages: the approval queue, reviewing and deciding an application, the overview."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from partners import presenters, selectors, services
from partners.forms import DecisionForm
from partners.models import Accreditation
from servicone.access import hp_staff_required, programme_manager_required
from servicone.errors import DomainError, StateConflict
from servicone.forms import add_domain_error

OVERVIEW_PAGE_SIZE = 25


@require_GET
@programme_manager_required
def hp_accreditation_queue(request: HttpRequest) -> HttpResponse:
    on = selectors.today()
    return render(
        request,
        "partners/hp_queue.html",
        {
            "queue": presenters.approval_queue(selectors.submitted_accreditations(), on),
            "recent": selectors.recent_decisions(),
            "today": on,
        },
    )


def _review_page(
    request: HttpRequest,
    application: Accreditation,
    *,
    approve_form: DecisionForm | None = None,
    reject_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "partners/hp_accreditation.html",
        {
            **presenters.accreditation_review(application),
            "approve_form": approve_form or DecisionForm(prefix="approve"),
            "reject_form": reject_form or DecisionForm(prefix="reject"),
        },
        status=status,
    )


def _application_for_hp(accreditation_id: int) -> Accreditation:
    return get_object_or_404(selectors.accreditations_for_review(), pk=accreditation_id)


@require_GET
@programme_manager_required
def hp_accreditation_detail(request: HttpRequest, accreditation_id: int) -> HttpResponse:
    return _review_page(request, _application_for_hp(accreditation_id))


@require_POST
@programme_manager_required
def hp_accreditation_decide(
    request: HttpRequest, accreditation_id: int, decision: str
) -> HttpResponse:
    application = _application_for_hp(accreditation_id)
    approve = decision == "approve"
    form = DecisionForm(request.POST, prefix="approve" if approve else "reject")
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if approve:
                services.accreditation_approve(
                    accreditation=application, actor=request.user, comment=comment
                )
            else:
                services.accreditation_reject(
                    accreditation=application, actor=request.user, comment=comment
                )
        except StateConflict as error:
            # Decided meanwhile (another manager, a second click): say so on the detail page.
            messages.error(request, str(error.message))
            return redirect("partners:hp-accreditation", accreditation_id=application.pk)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if approve:
                text = _("Accréditation validée : %(partner)s passe au niveau %(tier)s.")
            else:
                text = _("Demande refusée : %(partner)s a été notifié avec votre commentaire.")
            messages.success(
                request,
                text % {"partner": application.partner.name, "tier": application.tier.display_name},
            )
            return redirect("partners:hp-queue")
        application.refresh_from_db()
    if approve:
        return _review_page(request, application, approve_form=form, status=400)
    return _review_page(request, application, reject_form=form, status=400)


@require_GET
@hp_staff_required
def hp_overview(request: HttpRequest) -> HttpResponse:
    on = selectors.today()
    summary = presenters.programme_overview(on)
    tier_filter = request.GET.get("tier", "")
    search = request.GET.get("q", "").strip()
    listed = selectors.partner_listing(tier_filter=tier_filter, search=search)
    page = Paginator(listed, OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/hp_overview.html",
        {
            **summary,
            "page": page,
            "rows": presenters.partner_rows(list(page.object_list), on),
            "tier_filter": tier_filter,
            "search": search,
        },
    )
