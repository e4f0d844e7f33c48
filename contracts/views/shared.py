"""HTTP helpers the sales pages share: ids from query strings, search, pages, the forms that
create a customer (with its first site) or an asset.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, QueryDict
from django.utils.translation import gettext as _

from contracts import services
from contracts.forms import AssetForm, CustomerForm, SiteForm
from contracts.models import Asset, Customer
from servicone.access import Viewer
from servicone.api.ids import parse_id
from servicone.errors import DomainError
from servicone.forms import add_domain_error

M = TypeVar("M", bound=Model)

PAGE_SIZE = 25


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST; ``None`` (an unbound form) otherwise."""
    return request.POST if request.method == "POST" else None


def id_or_404(raw: str | None) -> int:
    """An id from a URL's query string (``servicone.api.ids``' rule); anything else: 404.

    A number too large for an id column is as absent as a negative one: it used to reach
    the database and crash the page (SQLite's integers are 64-bit).
    """
    value = parse_id(raw)
    if value is None:
        raise Http404
    return value


def query_id(params: QueryDict, name: str) -> int | None:
    """``?<name>=<id>``: ``None`` when absent or blank, 404 when it is not an id."""
    raw = params.get(name, "")
    return id_or_404(raw) if raw.strip() else None


def query_ids(params: QueryDict, name: str) -> set[int]:
    """Every ``?<name>=<id>`` of the query string (blanks skipped); 404 if one is not an id."""
    return {id_or_404(raw) for raw in params.getlist(name) if raw.strip()}


def found(obj: M | None) -> M:
    if obj is None:
        raise Http404
    return obj


def search_term(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()


def page_of(rows: QuerySet[M], request: HttpRequest, size: int = PAGE_SIZE) -> Page[M]:
    return Paginator(rows, size).get_page(request.GET.get("page"))


def customer_forms(request: HttpRequest) -> tuple[CustomerForm, SiteForm]:
    data = posted(request)
    return CustomerForm(data, prefix="customer"), SiteForm(data, prefix="site")


def save_customer(
    request: HttpRequest, viewer: Viewer, customer_form: CustomerForm, site_form: SiteForm
) -> Customer | None:
    """Create the customer with its first site (one service, all or nothing)."""
    if not (customer_form.is_valid() and site_form.is_valid()):
        return None
    assert viewer.partner is not None  # only a partner's sellers create customers
    try:
        customer = services.customer_create_with_sites(
            partner=viewer.partner,
            name=customer_form.cleaned_data["name"],
            siren=customer_form.cleaned_data["siren"],
            sites=[services.SiteSpec(**site_form.service_kwargs())],
            actor=request.user,
        )
    except DomainError as error:
        # The site's refusals come back as "sites[0].<field>": shown on the site form.
        site, _dot, field = (error.field or "").partition(".")
        if site == "sites[0]":
            error = DomainError(error.code, error.message, field=field or None)
            add_domain_error(site_form, error)
        else:
            add_domain_error(customer_form, error)
        return None
    messages.success(
        request, _("Client « %(name)s » créé avec son site.") % {"name": customer.name}
    )
    return customer


def save_asset(request: HttpRequest, customer: Customer, form: AssetForm) -> Asset | None:
    """Register the form's asset at one of ``customer``'s sites; ``None`` when refused."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        asset = services.asset_create(
            customer=customer,
            site=data["site"],
            serial_number=data["serial_number"],
            product_line=data["product_line"],
            vendor=data["vendor"],
            model=data["model"],
            actor=request.user,
        )
    except DomainError as error:
        add_domain_error(form, error)
        return None
    if asset.is_confirmed:
        messages.success(
            request, _("Équipement %(serial)s ajouté.") % {"serial": asset.serial_number}
        )
    else:
        # Held for HP's arbitration: said without a word about who else has the serial.
        messages.warning(
            request,
            _(
                "Équipement %(serial)s enregistré : HP le vérifie avant qu'il puisse être "
                "couvert. Vos administrateurs seront notifiés de la décision."
            )
            % {"serial": asset.serial_number},
        )
    return asset
