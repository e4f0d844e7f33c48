"""Catalogue-side endpoints of the v1 API: thin views over ``contracts.selectors`` / ``services``.

Order of checks on every object: the tenant lookup first (another partner's object is a
404, whatever the method), then the role (403 for someone who may see it but not act).

Who may write:

* customers, their sites and assets: the partner's admin and sales people, and HP staff
  (who name the partner, or the customer, it belongs to);
* sales (``contracts/`` POST, ``activate``, ``renew``, ``cancel``): the partner's admin and
  sales people only — sales are the partner's, HP staff read them;
* consuming Proactive Select credits: HP staff (CDS delivers preventive services) and the
  partner's admin;
* deciding a serial number claimed by two partners (``asset-claims/``): HP programme
  managers only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts import selectors, services
from contracts.api import filters
from contracts.api import serializers as s
from contracts.models import Asset, Contract, Customer, Offering
from contracts.serials import normalise_serial, serial_problem
from partners.models import Partner
from partners.selectors import today
from servicone.access import (
    SELLING_ROLES,
    PartnerRole,
    is_hp_staff,
    is_programme_manager,
    partner_of,
    partner_role,
    tenant_scope,
)
from servicone.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from servicone.api.parsers import refuse_control_characters
from servicone.api.permissions import WritesAfterTenantLookup
from servicone.api.tenancy import TenantScopedMixin
from servicone.api.viewsets import TenantScopedCreateViewSet
from servicone.apikeys import Area
from servicone.errors import DomainError


def sells(user: Any) -> bool:
    """Sales are the partner's: its admin and sales people (never HP staff)."""
    return partner_role(user) in SELLING_ROLES


def manages_customers(user: Any) -> bool:
    return is_hp_staff(user) or sells(user)


class CustomerDataWrites(WritesAfterTenantLookup):
    """Writes for the partner's sellers and HP staff."""

    message = _("Seuls l'administrateur, les commerciaux du partenaire ou HP peuvent faire cela.")

    def allowed(self, user: Any) -> bool:
        return manages_customers(user)


class PartnerSells(WritesAfterTenantLookup):
    """Creating a sale: the partner's admin or sales people (detail actions check themselves)."""

    message = _(
        "Seuls l'administrateur et les commerciaux du partenaire vendent : "
        "HP consulte les ventes mais n'en fait pas."
    )
    check_objects = False

    def allowed(self, user: Any) -> bool:
        return sells(user)


def _required(field: str) -> exceptions.ValidationError:
    return exceptions.ValidationError(
        {field: [exceptions.ErrorDetail(str(_("Ce champ est obligatoire.")), code="required")]}
    )


# --- Catalogue -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The catalogue, with what the calling partner's tier may sell and deliver"
    ),
)
class OfferingViewSet(viewsets.ReadOnlyModelViewSet):
    """Offerings on the catalogue (HP programme managers edit them in the admin).

    For a partner user ``may_sell`` / ``may_deliver`` answer for its current tier, and
    ``tier_to_sell_name`` says which tier unlocks the rest.
    """

    api_area = Area.CONTRACTS
    serializer_class = s.OfferingSerializer
    queryset = (
        Offering.objects.active()
        .select_related("tier_to_sell", "tier_to_deliver")
        .prefetch_related("product_lines")
    )
    filterset_class = filters.OfferingFilter

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["partner_rank"] = filters.caller_tier_rank(self.request.user)
        return context


# --- Customers and their sites ------------------------------------------------------------------


def _owner_partner(request: Request, given: Partner | None) -> Partner:
    """Whose customer a new one is: the caller's partner, or the one HP staff named."""
    if is_hp_staff(request.user):
        if given is None:
            raise _required("partner")
        return given
    # ScopedPrimaryKeyRelatedField already answered 404 for another partner's id.
    own = partner_of(request.user)
    if own is None:  # pragma: no cover - the permission requires a partner seller
        raise exceptions.PermissionDenied()
    return own


def _site_spec(data: dict[str, Any]) -> services.SiteSpec:
    return services.SiteSpec(
        name=data["name"],
        city=data["city"],
        address=data.get("address", ""),
        postal_code=data.get("postal_code", ""),
        region=data.get("region", ""),
        timezone_name=data.get("timezone", services.DEFAULT_TIMEZONE),
    )


@extend_schema_view(
    create=extend_schema(summary="Create a customer, with its sites in the same call"),
)
class CustomerViewSet(TenantScopedCreateViewSet):
    """The partner's end customers with their sites; HP staff see every partner's."""

    api_area = Area.CONTRACTS
    serializer_class = s.CustomerSerializer
    queryset = Customer.objects.all()
    filterset_class = filters.CustomerFilter
    permission_classes = [IsAuthenticated, CustomerDataWrites]

    def get_queryset(self) -> QuerySet[Customer]:
        return (
            super()
            .get_queryset()
            .annotate(assets_count=Count("assets"))
            .prefetch_related("sites")
            .order_by("name", "id")
        )

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        # All or nothing: a bad site leaves no customer behind.
        customer = services.customer_create_with_sites(
            partner=_owner_partner(self.request, data.get("partner")),
            name=data["name"],
            siren=data.get("siren", ""),
            sites=[_site_spec(site) for site in data.get("sites", [])],
            actor=self.request.user,
        )
        serializer.instance = self.get_queryset().get(pk=customer.pk)

    @extend_schema(
        summary="Add a site to the customer",
        request=s.SiteSerializer,
        responses={201: s.SiteSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def sites(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()  # another partner's: 404; an engineer: 403
        form = s.SiteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        spec = _site_spec(form.validated_data)
        site = services.site_create(
            customer=customer,
            name=spec.name,
            city=spec.city,
            address=spec.address,
            postal_code=spec.postal_code,
            region=spec.region,
            timezone_name=spec.timezone_name,
            actor=request.user,
        )
        return Response(s.SiteSerializer(site).data, status=status.HTTP_201_CREATED)


# --- Assets ----------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary="Register an asset at a customer site",
        description=(
            "A serial number (per vendor) the partner already registered is 400 "
            "`serial_taken`. One another partner holds is accepted but `registration: held`: "
            "it cannot be covered (400 `asset_not_confirmed` on a sale) until HP decides "
            "(`asset-claims/`); nothing says who holds it."
        ),
    ),
)
class AssetViewSet(TenantScopedCreateViewSet):
    """The installed base of the partner's customers, with the coverage in force today."""

    api_area = Area.CONTRACTS
    serializer_class = s.AssetSerializer
    queryset = Asset.objects.all()
    tenant_field = "customer__partner"
    filterset_class = filters.AssetFilter
    permission_classes = [IsAuthenticated, CustomerDataWrites]

    def get_queryset(self) -> QuerySet[Asset]:
        in_force = selectors.in_force_prefetch(today(), to_attr="coverage_in_force")
        return (
            super()
            .get_queryset()
            .select_related("product_line")
            .prefetch_related(in_force)
            .order_by("serial_number", "id")
        )

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        asset = services.asset_create(
            customer=data["customer"],
            site=data["site"],
            serial_number=data["serial_number"],
            product_line=data["product_line"],
            vendor=data.get("vendor", "hp"),
            model=data.get("model", ""),
            actor=self.request.user,
        )
        serializer.instance = self.get_queryset().get(pk=asset.pk)


# --- Serial numbers claimed by two partners ------------------------------------------------------


class ProgrammeManagerAfterTenantLookup(BasePermission):
    """Programme managers only; on a detail route the refusal waits for the tenant look-up,
    so another partner's asset answers 404 like a missing one (API.md), never 403."""

    message = _("Seul un responsable programme HP peut faire cela.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(getattr(view, "detail", False)) or is_programme_manager(request.user)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return is_programme_manager(request.user)


@extend_schema_view(
    list=extend_schema(
        summary="Registrations held for HP's arbitration (programme managers)",
        description=(
            "A partner that registers a serial number another partner already holds gets "
            "its registration accepted but held (`registration: held`): it cannot be "
            "covered until a programme manager assigns the asset to it (the holder's "
            "registration is then rejected and its coverage ends) or rejects the claim. "
            "Oldest first, each with the confirmed registration(s) it competes with."
        ),
    ),
)
class AssetClaimViewSet(TenantScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """HP's review list of serial numbers claimed by two partners, and the decisions."""

    api_area = Area.CONTRACTS
    serializer_class = s.AssetClaimSerializer
    permission_classes = [IsAuthenticated, ProgrammeManagerAfterTenantLookup]
    pagination_class = None  # the review list is short; it is read whole
    queryset = Asset.objects.all()
    tenant_field = "customer__partner"

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claims = selectors.held_claims(on=today())
        context = {
            **self.get_serializer_context(),
            "holders": {c.claim.pk: c.holders for c in claims},
        }
        data = s.AssetClaimSerializer([c.claim for c in claims], many=True, context=context).data
        return Response(data)

    def _decide(self, request: Request, decide: Any) -> Response:
        asset = self.get_object()
        form = s.ClaimDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        decided = decide(
            asset=asset, actor=request.user, comment=form.validated_data.get("comment", "")
        )
        return Response(s.AssetClaimSerializer(decided, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Assign the asset to the claimant: its registration is confirmed, the "
        "holder's rejected (409 claim_decided once decided)",
        request=s.ClaimDecisionSerializer,
        responses=s.AssetClaimSerializer,
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, services.asset_claim_assign)

    @extend_schema(
        summary="Reject the claim: the holder keeps the asset (409 claim_decided once decided)",
        request=s.ClaimDecisionSerializer,
        responses=s.AssetClaimSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, services.asset_claim_reject)


# --- Entitlements ---------------------------------------------------------------------------------


class EntitlementViewSet(viewsets.ViewSet):
    """Serial number → the coverage in force today and the service level it gives."""

    api_area = Area.CONTRACTS

    @extend_schema(
        summary="Active coverage of an asset by serial number (a plain list, not paginated)",
        description=(
            "The coverage in force today of the asset(s) with this serial number, for the "
            "caller's own customers (HP and CDS staff see every partner's). An unknown serial, "
            "another partner's asset or an asset without coverage all give `[]`. The serial "
            "is read as stored: spaces dropped, case ignored (`czj 000 0022` is "
            "`CZJ0000022`). Missing `serial`: 400 `required`; not a serial number (3 to 40 "
            "letters, digits and `-` `/` `.` between them): 400 `invalid_serial`, both naming "
            "the field."
        ),
        parameters=[
            OpenApiParameter(
                "serial",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                description="The serial number (case and spaces do not matter).",
            )
        ],
        responses=s.EntitlementSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        # Normalised as stored (contracts.serials): "czj 000 0022" is CZJ0000022.
        serial = normalise_serial(request.query_params.get("serial"))
        if not serial:
            raise _required("serial")
        refuse_control_characters("serial", serial)  # a NUL was a 500 on PostgreSQL
        problem = serial_problem(serial)
        if problem is not None:
            raise DomainError("invalid_serial", problem, field="serial")
        # token, this, the coverage: three queries
        sees_all, partner_id = tenant_scope(request.user)
        if not sees_all and partner_id is None:
            return Response([])
        rows = selectors.entitlement_rows(
            serial, partner_id=None if sees_all else partner_id, on=today()
        )
        return Response([s.entitlement_data(row) for row in rows])


# --- Contracts ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Contracts and care packs sold (a partner sees its own)"),
    create=extend_schema(
        summary="Sell (or quote) an offering to a customer, covering its assets",
        description=(
            "Checked at this moment: the partner's tier may sell the offering (else 400 "
            "`tier_not_allowed`, naming the tier needed), the assets are the customer's and "
            "their product lines are covered, no active coverage of the same kind overlaps "
            "(400 `coverage_overlap`). A sale counts at once in the partner's revenue and "
            "tier. Nothing is created when refused."
        ),
        request=s.ContractSellSerializer,
        responses={201: s.ContractSerializer},
    ),
)
class ContractViewSet(TenantScopedCreateViewSet):
    """Sales of the partner: quote → active → expired or cancelled; renewals; credits."""

    api_area = Area.CONTRACTS
    queryset = Contract.objects.all()
    filterset_class = filters.ContractFilter
    permission_classes = [IsAuthenticated, PartnerSells]

    # Actions that load the contract only to act on it (they answer with ``_answer``).
    _ACTIONS_WITHOUT_ASSETS = frozenset(
        {"cancel", "activate", "renew", "credits", "consume_credits"}
    )

    def get_queryset(self) -> QuerySet[Contract]:
        queryset = (
            super()
            .get_queryset()
            .select_related("offering", "customer")
            .order_by("-created_at", "-id")
        )
        if self.action in self._ACTIONS_WITHOUT_ASSETS:
            return queryset
        return queryset.prefetch_related("assets")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        classes: dict[str, type[serializers.BaseSerializer]] = {
            "create": s.ContractSellSerializer,
            "cancel": s.CancelSerializer,
            "credits": s.CreditEntrySerializer,
            "consume_credits": s.ConsumeSerializer,
        }
        return classes.get(self.action, s.ContractSerializer)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        contract = services.contract_sell(
            partner=self.tenant,
            customer=data["customer"],
            offering=data["offering"],
            assets=data["assets"],
            starts_on=data.get("starts_on") or today(),
            actor=self.request.user,
            delivery_mode=data.get("delivery_mode"),
            quote=data["quote"],
        )
        serializer.instance = self.get_queryset().get(pk=contract.pk)

    def _seller_object(self) -> Contract:
        contract = self.get_object()  # another partner's: 404
        if not sells(self.request.user):
            raise exceptions.PermissionDenied(PartnerSells.message)
        return contract

    def _answer(self, contract: Contract, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().prefetch_related("assets").get(pk=contract.pk)
        return Response(
            s.ContractSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(
        summary="Cancel a quote or an active contract (coverage ends, revenue stops counting)",
        request=s.CancelSerializer,
        responses=s.ContractSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        contract = self._seller_object()
        form = s.CancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.contract_cancel(
            contract=contract, actor=request.user, reason=form.validated_data["reason"]
        )
        return self._answer(contract)

    @extend_schema(
        summary="Turn a quote into a sale (the same checks as selling, today)",
        request=None,
        responses=s.ContractSerializer,
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        contract = self._seller_object()
        return self._answer(services.contract_activate(contract=contract, actor=request.user))

    @extend_schema(
        summary="Renew: the follow-on contract, starting the day after the end",
        request=None,
        responses={201: s.ContractSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def renew(self, request: Request, pk: str | None = None) -> Response:
        contract = self._seller_object()
        renewal = services.contract_renew(contract=contract, actor=request.user)
        return self._answer(renewal, status.HTTP_201_CREATED)

    @extend_schema(
        summary="The Proactive Select credit ledger of the contract (oldest first)",
        responses=s.CreditEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def credits(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        entries = contract.credit_entries.order_by("at", "id")
        page = self.paginate_queryset(entries)
        data = s.CreditEntrySerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Consume credits for a delivered preventive service (HP staff, partner admin)",
        request=s.ConsumeSerializer,
        responses={201: s.CreditEntrySerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="credits/consume", url_name="credits-consume")
    @idempotent
    def consume_credits(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()  # another partner's: 404
        user = request.user
        if not (is_hp_staff(user) or partner_role(user) == PartnerRole.ADMIN):
            raise exceptions.PermissionDenied(
                _("Seuls HP et l'administrateur du partenaire consomment des crédits.")
            )
        form = s.ConsumeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        entry = services.credits_consume(
            contract=contract,
            credits=form.validated_data["credits"],
            reference=form.validated_data["reference"],
            actor=user,
        )
        return Response(s.CreditEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
