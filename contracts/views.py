"""Catalogue, sell flow, contracts, customers, assets and the installed-base import.

Tenancy first: every queryset starts from what the viewer may see — its own
partner's rows for a partner user, everything for HP staff — so another
partner's customer, asset or contract is a 404, including as an id in a URL
parameter of the sell flow. Views read through selectors, write only through
services, and show a service's refusal (``DomainError``) in the user's language,
nothing changed. List pages run a fixed number of queries whatever their size.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contracts import services
from contracts.forms import (
    AssetForm,
    CancelForm,
    ConfirmSaleForm,
    ContractFilterForm,
    CustomerForm,
    ImportForm,
    SiteForm,
    add_domain_error,
)
from contracts.importers import MAX_BYTES, assets_import_csv
from contracts.models import (
    Asset,
    Contract,
    ContractAsset,
    CreditEntry,
    Customer,
    Offering,
    OfferingKind,
    Site,
)
from contracts.selectors import (
    CatalogueLine,
    catalogue_for,
    coverage_for_asset,
    coverages_in_force,
    entitlements_for_serial,
)
from contracts.templatetags.money import format_eur
from partners.models import Partner, ProductLine
from partners.selectors import today as local_today
from servicone.access import PartnerRole, is_hp_staff, membership_of
from servicone.errors import DomainError

PAGE_SIZE = 25
ASSET_PAGE_SIZE = 50
# How many assets the sell flow lists at once (a search narrows a large installed base).
SELL_ASSET_LIMIT = 200
# "Ending soon": the first renewal reminder goes out this many days before the end.
ENDING_SOON_DAYS = max(services.RENEWAL_REMINDER_DAYS)
SELLING_ROLES = (PartnerRole.ADMIN, PartnerRole.SALES)
KIND_ORDER = [OfferingKind.CARE_PACK, OfferingKind.CONTRACT, OfferingKind.PROACTIVE_CREDITS]


# --- Who is looking ------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """A partner member (its partner and role) or HP staff (every partner, read only)."""

    partner: Partner | None
    role: str | None

    @property
    def is_hp(self) -> bool:
        return self.partner is None

    @property
    def may_sell(self) -> bool:
        return self.role in SELLING_ROLES

    def customers(self) -> QuerySet[Customer]:
        rows = Customer.objects.all()
        return rows if self.partner is None else rows.filter(partner=self.partner)

    def assets(self) -> QuerySet[Asset]:
        rows = Asset.objects.all()
        return rows if self.partner is None else rows.filter(customer__partner=self.partner)

    def contracts(self) -> QuerySet[Contract]:
        rows = Contract.objects.all()
        return rows if self.partner is None else rows.filter(partner=self.partner)


def viewer_of(request: HttpRequest) -> Viewer:
    membership = membership_of(request.user)
    if membership is not None:
        return Viewer(partner=membership.partner, role=membership.role)
    if is_hp_staff(request.user):
        return Viewer(partner=None, role=None)
    raise PermissionDenied


def with_viewer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Partner members and HP staff; anyone else (no role) gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, viewer_of(request), *args, **kwargs)

    return wrapped


def seller_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Writes of the sales side: the partner's admins and sales people only.

    Engineers read; HP staff read everything but sell nothing on a partner's behalf.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        viewer = viewer_of(request)
        if not viewer.may_sell:
            raise PermissionDenied
        return view(request, viewer, *args, **kwargs)

    return wrapped


def _int_or_404(raw: str | None) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        raise Http404 from None
    if value <= 0:
        raise Http404
    return value


def _partner_with_tier(partner: Partner) -> Partner:
    # The tier decides what may be sold: read it fresh, never from a cached membership.
    return Partner.objects.select_related("tier").get(pk=partner.pk)


# --- Catalogue -------------------------------------------------------------------------------


def _group_by_kind(items: Iterable[Any], kind_of: Callable[[Any], str]) -> list[dict[str, Any]]:
    groups: dict[str, list[Any]] = {kind: [] for kind in KIND_ORDER}
    for item in items:
        groups.setdefault(kind_of(item), []).append(item)
    return [
        {"kind": kind, "label": OfferingKind(kind).label, "items": rows}
        for kind, rows in groups.items()
        if rows
    ]


@require_GET
@with_viewer
def catalogue(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    partner = _partner_with_tier(viewer.partner) if viewer.partner else None
    lines = catalogue_for(partner)
    product_lines = list(ProductLine.objects.order_by("name"))
    kind = request.GET.get("kind", "")
    line_code = request.GET.get("line", "")
    if kind:
        lines = [c for c in lines if c.offering.kind == kind]
    if line_code:
        lines = [
            c for c in lines if any(p.code == line_code for p in c.offering.product_lines.all())
        ]
    return render(
        request,
        "contracts/catalogue.html",
        {
            "viewer": viewer,
            "partner": partner,
            "groups": _group_by_kind(lines, lambda c: c.offering.kind),
            "count": len(lines),
            "kinds": OfferingKind.choices,
            "product_lines": product_lines,
            "kind_filter": kind,
            "line_filter": line_code,
        },
    )


# --- Sell flow: customer → assets → offering → confirmation --------------------------------------


@dataclass
class SaleDraft:
    """The sale being prepared, read from the URL and re-checked against the viewer's scope."""

    customer: Customer | None = None
    assets: list[Asset] = field(default_factory=list)
    offering: Offering | None = None
    starts_on: date | None = None
    starts_on_invalid: bool = False

    def query(self, **override: Any) -> str:
        values = {
            "customer": self.customer.pk if self.customer else None,
            "assets": [a.pk for a in self.assets],
            "offering": self.offering.code if self.offering else None,
            "starts_on": self.starts_on.isoformat() if self.starts_on else None,
        }
        values.update(override)
        pairs: list[tuple[str, Any]] = []
        for key, value in values.items():
            if isinstance(value, list):
                pairs.extend((key, v) for v in value)
            elif value not in (None, ""):
                pairs.append((key, value))
        return urlencode(pairs)


def _read_draft(viewer: Viewer, params: QueryDict) -> SaleDraft:
    """Another partner's customer or asset, or an asset of another customer: 404."""
    draft = SaleDraft()
    customer_id = params.get("customer")
    if customer_id:
        draft.customer = get_object_or_404(
            viewer.customers().select_related("partner"), pk=_int_or_404(customer_id)
        )
    asset_ids = {_int_or_404(raw) for raw in params.getlist("assets") if raw}
    if asset_ids:
        if draft.customer is None:
            raise Http404
        draft.assets = list(
            Asset.objects.filter(customer=draft.customer, pk__in=asset_ids)
            .select_related("product_line", "site")
            .order_by("serial_number", "pk")
        )
        if len(draft.assets) != len(asset_ids):
            raise Http404
    code = params.get("offering")
    if code:
        draft.offering = get_object_or_404(
            Offering.objects.active().select_related("tier_to_sell", "tier_to_deliver"), code=code
        )
    raw_start = params.get("starts_on")
    if raw_start:
        try:
            draft.starts_on = date.fromisoformat(raw_start)
        except ValueError:
            draft.starts_on_invalid = True
    return draft


def _sell_url(name: str, draft: SaleDraft, **override: Any) -> str:
    query = draft.query(**override)
    return f"{reverse(name)}?{query}" if query else reverse(name)


@transaction.atomic
def _create_customer_with_site(
    partner: Partner, customer_form: CustomerForm, site_form: SiteForm, actor: Any
) -> Customer:
    # One user action, one transaction: a refused site leaves no customer behind.
    customer = services.customer_create(
        partner=partner,
        name=customer_form.cleaned_data["name"],
        siren=customer_form.cleaned_data["siren"],
        actor=actor,
    )
    services.site_create(customer=customer, actor=actor, **site_form.service_kwargs())
    return customer


def _customer_forms(data: Any = None) -> tuple[CustomerForm, SiteForm]:
    return CustomerForm(data, prefix="customer"), SiteForm(data, prefix="site")


def _save_customer(
    request: HttpRequest, viewer: Viewer, customer_form: CustomerForm, site_form: SiteForm
) -> Customer | None:
    if not (customer_form.is_valid() and site_form.is_valid()):
        return None
    assert viewer.partner is not None
    try:
        return _create_customer_with_site(viewer.partner, customer_form, site_form, request.user)
    except DomainError as error:
        target = site_form if error.field in ("city", "region", "timezone") else customer_form
        add_domain_error(target, error)
        return None


def _with_counts(customers: QuerySet[Customer], on: date) -> QuerySet[Customer]:
    """Sites, assets and contracts in force per customer, as subqueries (no row explosion)."""

    def count(rows: QuerySet[Any]) -> Coalesce:
        return Coalesce(
            Subquery(
                rows.filter(customer=OuterRef("pk"))
                .order_by()
                .values("customer")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        )

    return customers.annotate(
        site_count=count(Site.objects.all()),
        asset_count=count(Asset.objects.all()),
        contract_count=count(Contract.objects.in_force_on(on)),
    )


@require_http_methods(["GET", "POST"])
@seller_required
def sell_customer(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    # An offering chosen in the catalogue ("Vendre") is carried through the steps.
    draft = _read_draft(viewer, request.GET)
    customer_form, site_form = _customer_forms(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        customer = _save_customer(request, viewer, customer_form, site_form)
        if customer is not None:
            messages.success(
                request, _("Client « %(name)s » créé avec son site.") % {"name": customer.name}
            )
            chosen = SaleDraft(customer=customer, offering=draft.offering)
            return redirect(_sell_url("contracts:sell-assets", chosen))
        status = 400
    search = request.GET.get("q", "").strip()
    customers = viewer.customers()
    if search:
        customers = customers.filter(Q(name__icontains=search) | Q(siren=search))
    page = Paginator(
        _with_counts(customers, local_today()).order_by("name", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "contracts/sell_customer.html",
        {
            "step": 1,
            "page": page,
            "search": search,
            "customer_form": customer_form,
            "site_form": site_form,
            "selected": draft.customer.pk if draft.customer else None,
            "offering": draft.offering,
            "carry": draft.query(customer=None, assets=[]),
        },
        status=status,
    )


def _in_force_prefetch(on: date) -> Prefetch:
    return Prefetch(
        "coverages",
        queryset=coverages_in_force(on)
        .select_related("contract__offering")
        .order_by("ends_on", "pk"),
        to_attr="in_force",
    )


@require_http_methods(["GET", "POST"])
@seller_required
def sell_assets(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    draft = _read_draft(viewer, request.GET)
    if draft.customer is None:
        return redirect("contracts:sell")
    customer = draft.customer
    sites = Site.objects.filter(customer=customer).order_by("name", "pk")
    asset_form = AssetForm(
        request.POST if request.method == "POST" else None, sites=sites, prefix="asset"
    )
    status = 200
    if request.method == "POST":
        if asset_form.is_valid():
            data = asset_form.cleaned_data
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
                add_domain_error(asset_form, error)
            else:
                messages.success(
                    request, _("Équipement %(serial)s ajouté.") % {"serial": asset.serial_number}
                )
                selected = [a.pk for a in draft.assets] + [asset.pk]
                return redirect(_sell_url("contracts:sell-assets", draft, assets=selected))
        status = 400

    today = local_today()
    search = request.GET.get("q", "").strip()
    listed = Asset.objects.filter(customer=customer)
    if search:
        listed = listed.filter(
            Q(serial_number__icontains=search)
            | Q(model__icontains=search)
            | Q(site__name__icontains=search)
        )
    selected_ids = {a.pk for a in draft.assets}
    base = listed.select_related("site", "product_line").prefetch_related(_in_force_prefetch(today))
    shown = list(
        base.exclude(pk__in=selected_ids).order_by("serial_number", "pk")[:SELL_ASSET_LIMIT]
    )
    # The chosen assets stay on the page (first) whatever the search shows.
    chosen = list(
        Asset.objects.filter(pk__in=selected_ids)
        .select_related("site", "product_line")
        .prefetch_related(_in_force_prefetch(today))
        .order_by("serial_number", "pk")
    )
    total = listed.count()
    return render(
        request,
        "contracts/sell_assets.html",
        {
            "step": 2,
            "draft": draft,
            "customer": customer,
            "chosen": chosen,
            "assets": shown,
            "total": total,
            "truncated": len(shown) >= SELL_ASSET_LIMIT,
            "search": search,
            "asset_form": asset_form,
            "has_sites": bool(asset_form.fields["site"].queryset.exists()),
            "back_url": reverse("contracts:sell") + f"?customer={customer.pk}",
        },
        status=status,
    )


@dataclass
class OfferingChoice:
    line: CatalogueLine
    reason: str = ""  # why it cannot be chosen for this sale ("" = it can)
    unlock_tier: str = ""

    @property
    def available(self) -> bool:
        return not self.reason


def _offering_choices(partner: Partner, assets: list[Asset]) -> list[OfferingChoice]:
    """Every offering with, for this sale, why it does or does not fit."""
    choices = []
    for line in catalogue_for(partner):
        offering = line.offering
        choice = OfferingChoice(line=line)
        covered = {p.pk for p in offering.product_lines.all()}
        if not line.may_sell:
            choice.reason = _("Débloqué au niveau %(tier)s.") % {"tier": line.tier_to_sell_name}
            choice.unlock_tier = line.tier_to_sell_name
        elif offering.covers_assets and not assets:
            choice.reason = _("Choisissez au moins un équipement à couvrir.")
        else:
            misfits = [a for a in assets if a.product_line_id not in covered]
            if misfits:
                names = sorted({a.product_line.display_name for a in misfits})
                choice.reason = _("Ne couvre pas la gamme %(lines)s (%(serials)s).") % {
                    "lines": ", ".join(names),
                    "serials": ", ".join(a.serial_number for a in misfits[:5])
                    + ("…" if len(misfits) > 5 else ""),
                }
        choices.append(choice)
    return choices


@require_GET
@seller_required
def sell_offering(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    draft = _read_draft(viewer, request.GET)
    if draft.customer is None:
        return redirect("contracts:sell")
    assert viewer.partner is not None
    partner = _partner_with_tier(viewer.partner)
    today = local_today()
    choices = _offering_choices(partner, draft.assets)
    return render(
        request,
        "contracts/sell_offering.html",
        {
            "step": 3,
            "draft": draft,
            "customer": draft.customer,
            "partner": partner,
            "groups": _group_by_kind(choices, lambda c: c.line.offering.kind),
            "starts_on": (draft.starts_on or today).isoformat(),
            "starts_on_invalid": draft.starts_on_invalid,
            "today": today,
            "back_url": _sell_url("contracts:sell-assets", draft, offering=None, starts_on=None),
        },
    )


@require_http_methods(["GET", "POST"])
@seller_required
def sell_confirm(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    draft = _read_draft(viewer, request.GET)
    if draft.customer is None:
        return redirect("contracts:sell")
    if draft.offering is None or draft.starts_on is None:
        if draft.starts_on_invalid:
            messages.error(request, _("Date de début invalide."))
        return redirect(_sell_url("contracts:sell-offering", draft))
    assert viewer.partner is not None
    partner = _partner_with_tier(viewer.partner)
    offering = draft.offering
    may_deliver = services.may_deliver(partner, offering)
    form = ConfirmSaleForm(
        request.POST if request.method == "POST" else None, may_deliver=may_deliver
    )
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
                if contract.status == Contract.Status.QUOTE:
                    text = _("Devis %(number)s enregistré pour %(customer)s (%(price)s).")
                else:
                    text = _(
                        "Vente enregistrée : contrat %(number)s pour %(customer)s (%(price)s)."
                    )
                messages.success(
                    request,
                    text
                    % {
                        "number": contract.number,
                        "customer": draft.customer.name,
                        "price": format_eur(contract.price_eur),
                    },
                )
                return redirect("contracts:detail", contract_id=contract.pk)
        status = 400
        # The tier may have changed since the page was shown: read it again for the display.
        partner = _partner_with_tier(partner)

    cds_reason = "" if may_deliver else services.delivery_for(partner, offering, None)[1]
    unit = offering.list_price_eur
    price = services.contract_price(offering, len(draft.assets))
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
            "unit_price": unit,
            "price": price,
            "per_asset": offering.kind == OfferingKind.CARE_PACK,
            "ends_on": services.contract_end(offering, draft.starts_on),
            "may_deliver": may_deliver,
            "cds_reason": cds_reason,
            "form": form,
            "errors": errors,
            "back_url": _sell_url("contracts:sell-offering", draft),
        },
        status=status,
    )


# --- Contracts -------------------------------------------------------------------------------


@require_GET
@with_viewer
def contract_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    today = local_today()
    customers = None
    if viewer.partner is not None:
        customers = list(viewer.customers().order_by("name", "pk").values_list("pk", "name"))
    form = ContractFilterForm(request.GET or None, customers=customers)
    rows = viewer.contracts().select_related("customer", "offering", "partner")
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = form.cleaned_data
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("customer"):
        rows = rows.filter(customer_id=filters["customer"])
    if filters.get("kind"):
        rows = rows.filter(offering__kind=filters["kind"])
    if filters.get("q"):
        q = filters["q"]
        rows = rows.filter(Q(number__icontains=q) | Q(customer__name__icontains=q))
    ending = bool(filters.get("ending"))
    if ending:
        rows = rows.filter(
            status=Contract.Status.ACTIVE,
            ends_on__gte=today,
            ends_on__lte=today + timedelta(days=ENDING_SOON_DAYS),
        ).order_by("ends_on", "pk")
    if not ending:
        rows = rows.order_by("-created_at", "-pk")
    rows = rows.annotate(asset_count=Count("coverages"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    contracts = list(page.object_list)
    for contract in contracts:
        contract.days_left = (contract.ends_on - today).days  # type: ignore[attr-defined]
    return render(
        request,
        "contracts/contract_list.html",
        {
            "viewer": viewer,
            "form": form,
            "page": page,
            "contracts": contracts,
            "filtered": any(filters.get(k) for k in ("status", "customer", "kind", "q", "ending")),
            "today": today,
            "ending_days": ENDING_SOON_DAYS,
        },
    )


def _contract_for(viewer: Viewer, contract_id: int) -> Contract:
    return get_object_or_404(
        viewer.contracts().select_related(
            "customer",
            "partner__tier",
            "offering__tier_to_sell",
            "offering__tier_to_deliver",
            "sold_by",
        ),
        pk=contract_id,
    )


def _renewal_chain(contract: Contract) -> list[Contract]:
    """The contracts this one renews and those renewing it, oldest first (bounded walk)."""
    before: list[Contract] = []
    current = contract
    for _step in range(50):
        if current.renewed_from_id is None:
            break
        current = Contract.objects.only(
            "pk", "number", "status", "starts_on", "ends_on", "renewed_from_id"
        ).get(pk=current.renewed_from_id)
        before.append(current)
    after: list[Contract] = []
    current = contract
    for _step in range(50):
        following = (
            Contract.objects.filter(renewed_from=current)
            .only("pk", "number", "status", "starts_on", "ends_on", "renewed_from_id")
            .first()
        )
        if following is None:
            break
        after.append(following)
        current = following
    return [*reversed(before), contract, *after] if (before or after) else []


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
    coverages = list(
        ContractAsset.objects.filter(contract=contract)
        .select_related("asset__site", "asset__product_line")
        .order_by("asset__serial_number", "pk")
    )
    chain = _renewal_chain(contract)
    # One renewal per contract (a one-to-one link), even when that renewal was cancelled.
    renewed_by = next((c for c in chain if c.renewed_from_id == contract.pk), None)
    ledger = []
    if contract.offering.kind == OfferingKind.PROACTIVE_CREDITS:
        ledger = list(
            CreditEntry.objects.filter(contract=contract)
            .select_related("actor")
            .order_by("at", "pk")
        )
    may_act = viewer.may_sell and viewer.partner is not None
    is_open = contract.status in (Contract.Status.QUOTE, Contract.Status.ACTIVE)
    in_force = (
        contract.status == Contract.Status.ACTIVE
        and contract.starts_on <= today <= contract.ends_on
    )
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "viewer": viewer,
            "contract": contract,
            "offering": contract.offering,
            "coverages": coverages,
            "chain": chain,
            "ledger": ledger,
            "in_force": in_force,
            "days_left": (contract.ends_on - today).days,
            "per_asset": contract.offering.kind == OfferingKind.CARE_PACK,
            "can_cancel": may_act and is_open,
            "can_activate": may_act and contract.status == Contract.Status.QUOTE,
            "can_renew": may_act
            and contract.status in (Contract.Status.ACTIVE, Contract.Status.EXPIRED)
            and renewed_by is None,
            "cancel_form": cancel_form or CancelForm(),
            "action_errors": list(action_errors),
            "today": today,
        },
        status=status,
    )


@require_GET
@with_viewer
def contract_detail(request: HttpRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    return _contract_detail(request, viewer, _contract_for(viewer, contract_id))


@require_POST
@seller_required
def contract_cancel(request: HttpRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    contract = _contract_for(viewer, contract_id)
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
    contract = _contract_for(viewer, contract_id)
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
            "start": _date(renewal.starts_on),
            "end": _date(renewal.ends_on),
        },
    )
    return redirect("contracts:detail", contract_id=renewal.pk)


@require_POST
@seller_required
def contract_activate(request: HttpRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    contract = _contract_for(viewer, contract_id)
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


def _date(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


# --- Customers ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@with_viewer
def customer_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    customer_form, site_form = _customer_forms(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not viewer.may_sell:
            raise PermissionDenied
        customer = _save_customer(request, viewer, customer_form, site_form)
        if customer is not None:
            messages.success(
                request, _("Client « %(name)s » créé avec son site.") % {"name": customer.name}
            )
            return redirect("contracts:customer", customer_id=customer.pk)
        status = 400
    search = request.GET.get("q", "").strip()
    rows = viewer.customers().select_related("partner")
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(siren=search))
    page = Paginator(_with_counts(rows, local_today()).order_by("name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
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


def _customer_for(viewer: Viewer, customer_id: int) -> Customer:
    return get_object_or_404(viewer.customers().select_related("partner"), pk=customer_id)


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
    sites_qs = Site.objects.filter(customer=customer).order_by("name", "pk")
    sites = list(sites_qs.annotate(asset_count=Count("assets")))
    search = request.GET.get("q", "").strip()
    assets = Asset.objects.filter(customer=customer)
    if search:
        assets = assets.filter(Q(serial_number__icontains=search) | Q(model__icontains=search))
    page = Paginator(
        assets.select_related("site", "product_line")
        .prefetch_related(_in_force_prefetch(today))
        .order_by("serial_number", "pk"),
        ASSET_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    contracts = list(
        Contract.objects.filter(customer=customer)
        .select_related("offering")
        .order_by("-created_at", "-pk")[:10]
    )
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
            "asset_form": asset_form or AssetForm(sites=sites_qs, prefix="asset"),
            "open_site_form": site_form is not None,
            "open_asset_form": asset_form is not None,
            "today": today,
        },
        status=status,
    )


@require_GET
@with_viewer
def customer_detail(request: HttpRequest, viewer: Viewer, customer_id: int) -> HttpResponse:
    return _customer_detail(request, viewer, _customer_for(viewer, customer_id))


@require_POST
@seller_required
def customer_site_add(request: HttpRequest, viewer: Viewer, customer_id: int) -> HttpResponse:
    customer = _customer_for(viewer, customer_id)
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
    customer = _customer_for(viewer, customer_id)
    form = AssetForm(
        request.POST, sites=Site.objects.filter(customer=customer).order_by("name"), prefix="asset"
    )
    if form.is_valid():
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
        else:
            messages.success(
                request, _("Équipement %(serial)s ajouté.") % {"serial": asset.serial_number}
            )
            return redirect("contracts:customer", customer_id=customer.pk)
    return _customer_detail(request, viewer, customer, asset_form=form, status=400)


# --- Installed-base import --------------------------------------------------------------------


def _import_session_key(customer: Customer) -> str:
    return f"contracts:import:{customer.pk}"


@require_http_methods(["GET", "POST"])
@seller_required
def customer_import(request: HttpRequest, viewer: Viewer, customer_id: int) -> HttpResponse:
    """Upload → dry-run preview with the row error report → confirm → all or nothing.

    The uploaded bytes wait in the session between preview and confirmation, with a
    digest the confirm button carries, so what is imported is what was previewed.
    """
    customer = _customer_for(viewer, customer_id)
    key = _import_session_key(customer)
    form = ImportForm()
    report = None
    token = ""
    status = 200
    if request.method == "POST" and request.POST.get("action") == "confirm":
        stored = request.session.get(key) or {}
        if not stored or stored.get("token") != request.POST.get("token"):
            messages.error(request, _("Le fichier à importer a expiré : déposez-le à nouveau."))
            return redirect("contracts:customer-import", customer_id=customer.pk)
        data = base64.b64decode(stored["data"])
        report = assets_import_csv(customer=customer, data=data, actor=request.user)
        if report.ok:
            del request.session[key]
            messages.success(
                request,
                _("Import terminé : %(assets)s équipement(s) et %(sites)s site(s) créés.")
                % {"assets": report.created, "sites": report.sites_created},
            )
            return redirect("contracts:customer", customer_id=customer.pk)
        status = 400
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                form.add_error(
                    "file",
                    _("Le fichier dépasse %(mb)s Mo.") % {"mb": MAX_BYTES // (1024 * 1024)},
                )
                status = 400
            else:
                data = upload.read()
                report = assets_import_csv(
                    customer=customer, data=data, actor=request.user, dry_run=True
                )
                if report.ok:
                    token = hashlib.sha256(data).hexdigest()
                    request.session[key] = {
                        "token": token,
                        "data": base64.b64encode(data).decode("ascii"),
                        "name": upload.name,
                    }
                else:
                    request.session.pop(key, None)
                    status = 400
        else:
            status = 400
    return render(
        request,
        "contracts/customer_import.html",
        {"customer": customer, "form": form, "report": report, "token": token},
        status=status,
    )


# --- Assets and entitlement ----------------------------------------------------------------------


def _coverage_state(row: ContractAsset, today: date) -> str:
    status = row.contract.status
    if status in (Contract.Status.CANCELLED, Contract.Status.QUOTE):
        return status
    if status == Contract.Status.EXPIRED or row.ends_on < today:
        return "past"
    if row.starts_on > today:
        return "upcoming"
    return "in_force"


@require_GET
@with_viewer
def asset_detail(request: HttpRequest, viewer: Viewer, asset_id: int) -> HttpResponse:
    today = local_today()
    asset = get_object_or_404(
        viewer.assets().select_related("customer__partner", "site", "product_line"), pk=asset_id
    )
    rows = list(
        ContractAsset.objects.filter(asset=asset)
        .select_related("contract__offering")
        .order_by("-starts_on", "-pk")
    )
    for row in rows:
        row.state = _coverage_state(row, today)  # type: ignore[attr-defined]
    order = {"in_force": 0, "upcoming": 1, "quote": 2, "past": 3, "cancelled": 4}
    rows.sort(key=lambda r: order[r.state])  # type: ignore[attr-defined]
    applicable = coverage_for_asset(asset.pk, on=today)
    return render(
        request,
        "contracts/asset_detail.html",
        {
            "viewer": viewer,
            "asset": asset,
            "coverages": rows,
            "current": [r for r in rows if r.state == "in_force"],  # type: ignore[attr-defined]
            "others": [r for r in rows if r.state != "in_force"],  # type: ignore[attr-defined]
            "applicable": applicable,
            "today": today,
        },
    )


@require_GET
@with_viewer
def asset_lookup(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """Serial number → coverage in force and service level, within the viewer's scope."""
    today = local_today()
    serial = request.GET.get("serial", "").strip().upper()[:64]
    results: list[ContractAsset] = []
    assets: list[Asset] = []
    if serial:
        partner_id = viewer.partner.pk if viewer.partner else None
        results = entitlements_for_serial(serial, partner_id=partner_id, on=today)
        assets = list(
            viewer.assets()
            .filter(serial_number=serial)
            .select_related("customer", "site", "product_line")
        )
    covered_ids = {r.asset_id for r in results}
    return render(
        request,
        "contracts/asset_lookup.html",
        {
            "viewer": viewer,
            "serial": serial,
            "results": results,
            "assets": assets,
            "uncovered": [a for a in assets if a.pk not in covered_ids],
            "searched": bool(serial),
            "today": today,
        },
    )


# --- Home panel ------------------------------------------------------------------------------


def ending_soon(partner: Partner, *, on: date, limit: int = 5) -> tuple[list[Contract], int]:
    """Active contracts of ``partner`` ending within the reminder horizon, not yet renewed."""
    rows = Contract.objects.filter(
        partner=partner,
        status=Contract.Status.ACTIVE,
        ends_on__gte=on,
        ends_on__lte=on + timedelta(days=ENDING_SOON_DAYS),
        renewal__isnull=True,
    )
    contracts = list(rows.select_related("customer", "offering").order_by("ends_on", "pk")[:limit])
    for contract in contracts:
        contract.days_left = (contract.ends_on - on).days  # type: ignore[attr-defined]
    total = len(contracts) if len(contracts) < limit else rows.count()
    return contracts, total
