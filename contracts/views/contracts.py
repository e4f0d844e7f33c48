"""Contracts: the list with its filters, a contract's page, and cancel / renew / activate."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from contracts import presenters, selectors, services
from contracts.forms import CancelForm, ContractFilterForm
from contracts.models import Contract, OfferingKind
from contracts.views.shared import found, page_of, query_id
from partners.selectors import today as local_today
from servicone.access import Viewer, seller_required, with_viewer
from servicone.errors import DomainError
from servicone.forms import add_domain_error

FILTERS = ("status", "customer", "kind", "q", "ending")


@require_GET
@with_viewer
def contract_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    today = local_today()
    # A customer "id" that cannot be one is not found, as on the sell pages (the HP form
    # would otherwise pass 2**70 on to the database).
    query_id(request.GET, "customer")
    form = ContractFilterForm(request.GET or None, customers=selectors.customer_choices(viewer))
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = form.cleaned_data
    rows = selectors.contracts_listed(
        viewer,
        on=today,
        status=filters.get("status") or "",
        customer_id=filters.get("customer") or None,
        kind=filters.get("kind") or "",
        search=filters.get("q") or "",
        ending=bool(filters.get("ending")),
    )
    page = page_of(rows, request)
    return render(
        request,
        "contracts/contract_list.html",
        {
            "viewer": viewer,
            "form": form,
            "page": page,
            "contracts": presenters.with_days_left(page.object_list, today),
            "filtered": any(filters.get(k) for k in FILTERS),
            "ending_days": selectors.ENDING_SOON_DAYS,
        },
    )


def _contract_detail(
    request: HttpRequest,
    viewer: Viewer,
    contract: Contract,
    *,
    cancel_form: CancelForm | None = None,
    action_errors: Iterable[str] = (),
    status: int = 200,
) -> HttpResponse:
    today = local_today()
    coverages = selectors.contract_coverages(contract)
    chain = selectors.renewal_chain(contract)
    # One renewal per contract (a one-to-one link), even when that renewal was cancelled.
    renewed = any(c.renewed_from_id == contract.pk for c in chain)
    actions = presenters.contract_actions(viewer, contract, renewed=renewed)
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "viewer": viewer,
            "contract": contract,
            "delivery_reason": presenters.delivery_reason(contract),
            "offering": contract.offering,
            "coverages": coverages,
            "chain": chain,
            "ledger": selectors.credit_ledger(contract),
            "days_left": (contract.ends_on - today).days,
            "per_asset": contract.offering.kind == OfferingKind.CARE_PACK,
            "can_cancel": actions.can_cancel,
            "can_activate": actions.can_activate,
            "can_renew": actions.can_renew,
            "cancel_form": cancel_form or CancelForm(),
            "action_errors": list(action_errors),
        },
        status=status,
    )


@require_GET
@with_viewer
def contract_detail(request: HttpRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    contract = found(selectors.contract_of(viewer, contract_id))
    return _contract_detail(request, viewer, contract)


@require_POST
@seller_required
def contract_cancel(request: HttpRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    contract = found(selectors.contract_of(viewer, contract_id))
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.contract_cancel(
                contract=contract, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            if error.field != "reason":
                # A state conflict (already cancelled, expired): the form may be gone.
                contract.refresh_from_db()
                return _contract_detail(
                    request, viewer, contract, action_errors=[str(error.message)], status=400
                )
            add_domain_error(form, error)
        else:
            messages.success(request, _("Contrat %(n)s annulé.") % {"n": contract.number})
            return redirect("contracts:detail", contract_id=contract.pk)
    return _contract_detail(request, viewer, contract, cancel_form=form, status=400)


@require_POST
@seller_required
def contract_renew(request: HttpRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    contract = found(selectors.contract_of(viewer, contract_id))
    try:
        renewal = services.contract_renew(contract=contract, actor=request.user)
    except DomainError as error:
        return _contract_detail(
            request, viewer, contract, action_errors=[str(error.message)], status=400
        )
    messages.success(
        request,
        _("Contrat %(old)s renouvelé : %(new)s, du %(start)s au %(end)s.")
        % {
            "old": contract.number,
            "new": renewal.number,
            "start": presenters.short_date(renewal.starts_on),
            "end": presenters.short_date(renewal.ends_on),
        },
    )
    return redirect("contracts:detail", contract_id=renewal.pk)


@require_POST
@seller_required
def contract_activate(request: HttpRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    contract = found(selectors.contract_of(viewer, contract_id))
    try:
        services.contract_activate(contract=contract, actor=request.user)
    except DomainError as error:
        return _contract_detail(
            request, viewer, contract, action_errors=[str(error.message)], status=400
        )
    messages.success(
        request, _("Devis %(n)s activé : la vente est enregistrée.") % {"n": contract.number}
    )
    return redirect("contracts:detail", contract_id=contract.pk)
