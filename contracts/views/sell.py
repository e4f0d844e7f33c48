"""The sell flow: customer → assets → offering → confirmation.

The sale being prepared travels in the URL (``SaleDraft``) and is read again at each
step within the viewer's scope: another partner's customer or asset, or an asset of
another customer, is a 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from contracts import presenters, selectors, services
from contracts.forms import AssetForm, ConfirmSaleForm
from contracts.models import Contract, Customer, OfferingKind
from contracts.presenters import SaleDraft
from contracts.views.shared import (
    customer_forms,
    found,
    page_of,
    posted,
    query_id,
    query_ids,
    save_asset,
    save_customer,
    search_term,
)
from partners.models import Partner
from partners.selectors import today as local_today
from servicone.access import Viewer, seller_required
from servicone.errors import DomainError
from servicone.presenters import format_eur

# How many assets step 2 lists at once (a search narrows a large installed base).
SELL_ASSET_LIMIT = 200


def _read_draft(viewer: Viewer, params: QueryDict) -> SaleDraft:
    """Another partner's customer or asset, or an asset of another customer: 404."""
    draft = SaleDraft()
    customer_id = query_id(params, "customer")
    if customer_id is not None:
        draft.customer = found(selectors.customer_of(viewer, customer_id))
    asset_ids = query_ids(params, "assets")
    if asset_ids:
        if draft.customer is None:
            raise Http404
        draft.assets = selectors.customer_assets_by_id(draft.customer, asset_ids)
        if len(draft.assets) != len(asset_ids):
            raise Http404
    code = params.get("offering")
    if code:
        draft.offering = found(selectors.offering_on_catalogue(code))
    raw_start = params.get("starts_on")
    if raw_start:
        try:
            draft.starts_on = date.fromisoformat(raw_start)
        except ValueError:
            draft.starts_on_invalid = True
    return draft


@require_http_methods(["GET", "POST"])
@seller_required
def sell_customer(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    # An offering chosen in the catalogue ("Vendre") is carried through the steps.
    draft = _read_draft(viewer, request.GET)
    customer_form, site_form = customer_forms(request)
    status = 200
    if request.method == "POST":
        customer = save_customer(request, viewer, customer_form, site_form)
        if customer is not None:
            chosen = SaleDraft(customer=customer, offering=draft.offering)
            return redirect(chosen.url("contracts:sell-assets"))
        status = 400
    search = search_term(request)
    customers = selectors.customers_with_counts(viewer, search=search, on=local_today())
    return render(
        request,
        "contracts/sell_customer.html",
        {
            "step": 1,
            "page": page_of(customers, request),
            "search": search,
            "customer_form": customer_form,
            "site_form": site_form,
            "selected": draft.customer.pk if draft.customer else None,
            "offering": draft.offering,
            "carry": draft.query(customer=None, assets=[]),
        },
        status=status,
    )


def _asset_form(request: HttpRequest, customer: Customer) -> AssetForm:
    return AssetForm(posted(request), sites=selectors.customer_sites(customer), prefix="asset")


def _assets_step(
    request: HttpRequest,
    draft: SaleDraft,
    asset_form: AssetForm,
    *,
    errors: Sequence[DomainError] = (),
    status: int = 200,
) -> HttpResponse:
    """Step 2 as the page shows it, with the refusals of its submit if any."""
    customer = draft.customer
    assert customer is not None  # each step sends back to step 1 without one
    search = search_term(request)
    choices = selectors.sell_asset_choices(
        customer,
        search=search,
        chosen_ids={a.pk for a in draft.assets},
        on=local_today(),
        limit=SELL_ASSET_LIMIT,
    )
    return render(
        request,
        "contracts/sell_assets.html",
        {
            "step": 2,
            "draft": draft,
            "customer": customer,
            "chosen": choices.chosen,
            "assets": choices.others,
            "total": choices.total,
            "truncated": choices.truncated,
            "search": search,
            "asset_form": asset_form,
            # The form read the sites once for its choices: no second query.
            "has_sites": bool(asset_form.fields["site"].widget.choices),
            "errors": [str(e.message) for e in errors],
            "back_url": reverse("contracts:sell") + f"?customer={customer.pk}",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@seller_required
def sell_assets(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    draft = _read_draft(viewer, request.GET)
    if draft.customer is None:
        return redirect("contracts:sell")
    asset_form = _asset_form(request, draft.customer)
    if request.method == "POST":
        asset = save_asset(request, draft.customer, asset_form)
        if asset is not None:
            # One held for HP's arbitration cannot be covered yet: not chosen.
            added = [asset.pk] if asset.is_confirmed else []
            selected = [a.pk for a in draft.assets] + added
            return redirect(draft.url("contracts:sell-assets", assets=selected))
        return _assets_step(request, draft, asset_form, status=400)
    return _assets_step(request, draft, asset_form)


def _offering_step(
    request: HttpRequest,
    draft: SaleDraft,
    partner: Partner,
    *,
    errors: Sequence[DomainError] = (),
    status: int = 200,
) -> HttpResponse:
    """Step 3 as the page shows it, with the refusals of its submit if any."""
    today = local_today()
    choices = presenters.offering_choices(selectors.catalogue_for(partner), draft.assets)
    return render(
        request,
        "contracts/sell_offering.html",
        {
            "step": 3,
            "draft": draft,
            "customer": draft.customer,
            "partner": partner,
            "groups": presenters.group_by_kind(choices, lambda c: c.line.offering.kind),
            "starts_on": (draft.starts_on or today).isoformat(),
            "today": today,
            "errors": presenters.step_errors(errors),
            "back_url": draft.url("contracts:sell-assets", offering=None, starts_on=None),
        },
        status=status,
    )


@require_GET
@seller_required
def sell_offering(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """Step 3; reached by step 2's submit, whose assets are checked first (an asset held for
    HP's arbitration, put in the URL, is refused there, on step 2)."""
    draft = _read_draft(viewer, request.GET)
    if draft.customer is None:
        return redirect("contracts:sell")
    refusal = services.registration_refusal(draft.assets)
    if refusal is not None:
        form = _asset_form(request, draft.customer)
        return _assets_step(request, draft, form, errors=[refusal], status=400)
    assert viewer.partner_id is not None  # sellers are a partner's members
    return _offering_step(request, draft, selectors.partner_with_tier(viewer.partner_id))


def _offering_refusals(draft: SaleDraft, partner: Partner) -> list[DomainError]:
    """What the final submit would refuse in this draft: the rules of ``contract_sell``."""
    assert draft.customer is not None
    refusals = services.sale_refusals(
        partner=partner,
        customer=draft.customer,
        offering=draft.offering,
        assets=draft.assets,
        starts_on=draft.starts_on,
        today=local_today(),
    )
    if draft.starts_on_invalid:
        # Said for what it is, rather than as a missing date.
        refusals = [r for r in refusals if r.field != "starts_on"]
        refusals.append(DomainError("invalid", _("Date de début invalide."), field="starts_on"))
    return refusals


def _sold_message(contract: Contract, customer_name: str) -> str:
    if contract.status == Contract.Status.QUOTE:
        text = _("Devis %(number)s enregistré pour %(customer)s (%(price)s).")
    else:
        text = _("Vente enregistrée : contrat %(number)s pour %(customer)s (%(price)s).")
    return text % {
        "number": contract.number,
        "customer": customer_name,
        "price": format_eur(contract.price_eur),
    }


@require_http_methods(["GET", "POST"])
@seller_required
def sell_confirm(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    draft = _read_draft(viewer, request.GET)
    if draft.customer is None:
        return redirect("contracts:sell")
    assert viewer.partner_id is not None  # sellers are a partner's members
    partner = selectors.partner_with_tier(viewer.partner_id)
    if request.method == "GET" or draft.offering is None or draft.starts_on is None:
        # Step 3's submit ("Vérifier la vente"): the sale is checked with the rules of the
        # final submit; what they refuse is said on step 3, beside what to change.
        refusals = _offering_refusals(draft, partner)
        if refusals:
            return _offering_step(request, draft, partner, errors=refusals, status=400)
    offering = draft.offering
    assert offering is not None  # checked above
    assert draft.starts_on is not None
    may_deliver = services.may_deliver(partner, offering)
    form = ConfirmSaleForm(posted(request), may_deliver=may_deliver)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                contract = services.contract_sell(
                    partner=partner,
                    customer=draft.customer,
                    offering=offering,
                    assets=draft.assets,
                    starts_on=draft.starts_on,
                    actor=request.user,
                    delivery_mode=form.chosen_mode,
                    quote=request.POST.get("action") == "quote",
                )
            except DomainError as error:
                errors.append(str(error.message))
            else:
                messages.success(request, _sold_message(contract, draft.customer.name))
                return redirect("contracts:detail", contract_id=contract.pk)
        status = 400
        # The tier may have changed since the page was shown: read it again for the display.
        partner = selectors.partner_with_tier(partner.pk)

    cds_reason = "" if may_deliver else services.delivery_for(partner, offering, None)[1]
    return render(
        request,
        "contracts/sell_confirm.html",
        {
            "step": 4,
            "draft": draft,
            "customer": draft.customer,
            "offering": offering,
            "partner": partner,
            "assets": draft.assets,
            "unit_price": offering.list_price_eur,
            "price": services.contract_price(offering, len(draft.assets)),
            "per_asset": offering.kind == OfferingKind.CARE_PACK,
            "ends_on": services.contract_end(offering, draft.starts_on),
            "may_deliver": may_deliver,
            "cds_reason": cds_reason,
            "form": form,
            "errors": errors,
            "back_url": draft.url("contracts:sell-offering"),
        },
        status=status,
    )
