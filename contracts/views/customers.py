"""End customers: the list (and creation), a customer's page with its sites and assets."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contracts import selectors, services
from contracts.forms import AssetForm, SiteForm
from contracts.models import Customer
from contracts.views.shared import (
    customer_forms,
    found,
    page_of,
    save_asset,
    save_customer,
    search_term,
)
from partners.selectors import today as local_today
from servicone.access import Viewer, seller_required, with_viewer
from servicone.errors import DomainError
from servicone.forms import add_domain_error

ASSET_PAGE_SIZE = 50
RECENT_CONTRACTS = 10


@require_http_methods(["GET", "POST"])
@with_viewer
def customer_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    customer_form, site_form = customer_forms(request)
    status = 200
    if request.method == "POST":
        if not viewer.may_sell:
            raise PermissionDenied
        customer = save_customer(request, viewer, customer_form, site_form)
        if customer is not None:
            return redirect("contracts:customer", customer_id=customer.pk)
        status = 400
    search = search_term(request)
    rows = selectors.customers_with_counts(
        viewer, search=search, on=local_today(), with_partner=True
    )
    page = page_of(rows, request)
    return render(
        request,
        "contracts/customer_list.html",
        {
            "viewer": viewer,
            "page": page,
            "customers": list(page.object_list),
            "search": search,
            "customer_form": customer_form,
            "site_form": site_form,
            "open_form": status == 400,
        },
        status=status,
    )


def _customer_detail(
    request: HttpRequest,
    viewer: Viewer,
    customer: Customer,
    *,
    site_form: SiteForm | None = None,
    asset_form: AssetForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = local_today()
    sites = selectors.sites_with_asset_counts(customer)
    search = search_term(request)
    page = page_of(
        selectors.customer_assets(customer, search=search, on=today), request, ASSET_PAGE_SIZE
    )
    contracts = selectors.recent_contracts(customer, limit=RECENT_CONTRACTS)
    return render(
        request,
        "contracts/customer_detail.html",
        {
            "viewer": viewer,
            "customer": customer,
            "sites": sites,
            "page": page,
            "assets": list(page.object_list),
            "search": search,
            "contracts": contracts,
            "site_form": site_form or SiteForm(prefix="site"),
            "asset_form": asset_form
            or AssetForm(sites=selectors.customer_sites(customer), prefix="asset"),
            "open_site_form": site_form is not None,
            "open_asset_form": asset_form is not None,
        },
        status=status,
    )


@require_GET
@with_viewer
def customer_detail(request: HttpRequest, viewer: Viewer, customer_id: int) -> HttpResponse:
    customer = found(selectors.customer_of(viewer, customer_id))
    return _customer_detail(request, viewer, customer)


@require_POST
@seller_required
def customer_site_add(request: HttpRequest, viewer: Viewer, customer_id: int) -> HttpResponse:
    customer = found(selectors.customer_of(viewer, customer_id))
    form = SiteForm(request.POST, prefix="site")
    if form.is_valid():
        try:
            site = services.site_create(
                customer=customer, actor=request.user, **form.service_kwargs()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Site « %(name)s » ajouté.") % {"name": site.name})
            return redirect("contracts:customer", customer_id=customer.pk)
    return _customer_detail(request, viewer, customer, site_form=form, status=400)


@require_POST
@seller_required
def customer_asset_add(request: HttpRequest, viewer: Viewer, customer_id: int) -> HttpResponse:
    customer = found(selectors.customer_of(viewer, customer_id))
    form = AssetForm(request.POST, sites=selectors.customer_sites(customer), prefix="asset")
    if save_asset(request, customer, form) is not None:
        return redirect("contracts:customer", customer_id=customer.pk)
    return _customer_detail(request, viewer, customer, asset_form=form, status=400)
