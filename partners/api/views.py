"""Programme endpoints of the v1 API: thin views over ``partners.selectors`` / ``partners.services``.

Order of checks on every object: the tenant lookup first (another partner's object is a
404, whatever the method), then the role (403 for someone who may see it but not act).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from partners import eligibility as engine
from partners import selectors, services
from partners.api import filters
from partners.api import serializers as s
from partners.models import (
    Accreditation,
    Certification,
    Course,
    Engineer,
    Partner,
    Tier,
    TierRequirement,
)
from servicone.access import is_hp_staff, is_partner_admin, is_programme_manager, partner_of
from servicone.api.idempotency import IdempotentCreateMixin
from servicone.api.ids import parse_id
from servicone.api.permissions import WritesAfterTenantLookup
from servicone.api.tenancy import TenantScopedMixin, scope_queryset
from servicone.api.viewsets import TenantScopedCreateViewSet
from servicone.apikeys import Area
from servicone.presenters import active_language

User = get_user_model()


# --- Permissions ---------------------------------------------------------------------------


class ProgrammeManagerWrites(WritesAfterTenantLookup):
    """Writes for HP programme managers."""

    message = _("Seul un responsable programme HP peut faire cela.")

    def allowed(self, user: Any) -> bool:
        return is_programme_manager(user)


class PartnerAdminOrProgrammeManagerCreates(WritesAfterTenantLookup):
    """Creation by the partner's admin or a programme manager (detail actions decide on the object)."""

    message = _(
        "Seul l'administrateur du partenaire ou un responsable programme HP peut faire cela."
    )
    check_objects = False

    def allowed(self, user: Any) -> bool:
        return is_programme_manager(user) or is_partner_admin(user)


def _partner_for_creation(request: Request, given: Partner | None) -> Partner:
    """The partner a new row belongs to: the caller's own, or the one HP staff named."""
    if is_programme_manager(request.user):
        if given is None:
            raise exceptions.ValidationError(
                {
                    "partner": [
                        exceptions.ErrorDetail(str(_("This field is required.")), code="required")
                    ]
                }
            )
        return given
    # ScopedPrimaryKeyRelatedField already answered 404 for another partner's id.
    own = partner_of(request.user)
    if own is None:  # pragma: no cover - the permission class requires a partner admin
        raise exceptions.PermissionDenied()
    return own


# --- Programme -----------------------------------------------------------------------------


class TierViewSet(viewsets.ReadOnlyModelViewSet):
    """The programme's tiers, lowest first, with their requirements."""

    api_area = Area.PROGRAMME
    serializer_class = s.TierSerializer
    queryset = Tier.objects.order_by("rank").prefetch_related(
        Prefetch(
            "requirements",
            queryset=TierRequirement.objects.select_related(
                "course__product_line", "previous_tier"
            ).order_by("kind", "id"),
        )
    )


class CourseViewSet(viewsets.ReadOnlyModelViewSet):
    """Training courses; passing one certifies an engineer for ``validity_months``."""

    api_area = Area.PROGRAMME
    serializer_class = s.CourseSerializer
    queryset = Course.objects.select_related("product_line").order_by("code")
    filterset_class = filters.CourseFilter


# --- Partners ----------------------------------------------------------------------------------

PARTNER_ID = OpenApiParameter("partner_pk", OpenApiTypes.INT, OpenApiParameter.PATH)


def _at_risk(
    partner: Partner,
    snapshot: engine.PartnerSnapshot,
    tiers: tuple[engine.Tier, ...],
    on: date,
    lang: str,
) -> dict[str, Any] | None:
    tier = partner.tier
    if tier is None:
        return None
    try:
        risk = engine.tier_at_risk(snapshot, tiers, on, tier.code)
    except KeyError:  # pragma: no cover - the partner's tier is one of the programme's
        return None
    if risk is None:
        return None
    return {
        "tier": risk.tier_code,
        "date": risk.at_risk_on.isoformat(),
        "reason": risk.reason,
        "message": risk.message(lang),
        "criterion": risk.criterion.code,
    }


def _eligibility_body(
    partner: Partner, snapshot: engine.PartnerSnapshot, tiers: tuple[engine.Tier, ...], on: date
) -> tuple[engine.Evaluation, dict[str, Any]]:
    lang = active_language()
    evaluation = engine.evaluate(snapshot, tiers, on)
    body = selectors.evaluation_as_dict(evaluation, partner=partner, lang=lang)
    next_tier = evaluation.next_tier
    body.update(
        {
            "partner_name": partner.name,
            "grace_until": partner.grace_until.isoformat() if partner.grace_until else None,
            "pending_tier": partner.pending_tier.code if partner.pending_tier is not None else None,
            "next_tier": next_tier.code if next_tier else None,
            "at_risk": _at_risk(partner, snapshot, tiers, on, lang),
        }
    )
    return evaluation, body


@extend_schema_view(
    list=extend_schema(summary="Partners (a partner user sees only its own)"),
    create=extend_schema(summary="Create a partner (HP programme manager)"),
    partial_update=extend_schema(
        summary="Edit a partner (HP programme manager; declared revenue changes are audited)"
    ),
)
class PartnerViewSet(
    IdempotentCreateMixin,
    TenantScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Partners of the programme: a partner user sees only its own, HP staff all of them.

    ``services_revenue_12m_eur`` is computed for a whole page at once.
    """

    api_area = Area.PROGRAMME
    serializer_class = s.PartnerSerializer
    queryset = Partner.objects.select_related("tier", "pending_tier")
    tenant_field = "pk"
    filterset_class = filters.PartnerFilter
    permission_classes = [IsAuthenticated, ProgrammeManagerWrites]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        partners = list(page if page is not None else queryset)
        context = {
            **self.get_serializer_context(),
            "services_revenue": self._services_revenue(partners),
        }
        data = s.PartnerSerializer(partners, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @staticmethod
    def _services_revenue(partners: Sequence[Partner]) -> dict[int, Decimal]:
        """Services revenue of a whole page in a fixed number of queries."""
        if not partners:
            return {}
        on = selectors.today()
        snapshots = selectors.snapshots_for(
            Partner.objects.filter(pk__in=[p.pk for p in partners]), on=on
        )
        return {pk: engine.services_revenue_12m_eur(snap, on) for pk, snap in snapshots.items()}

    @extend_schema(
        summary="The partner's evaluation against every tier, criterion by criterion",
        responses=s.EligibilitySerializer,
    )
    @action(detail=True, methods=["get"], permission_classes=[IsAuthenticated])
    def eligibility(self, request: Request, pk: str | None = None) -> Response:
        partner = self.get_object()
        on = selectors.today()
        snapshot = selectors.snapshot_for(partner, on=on)
        _evaluation, body = _eligibility_body(partner, snapshot, selectors.tier_specs(), on)
        return Response(body)

    @extend_schema(
        summary="Which tier with more revenue and certifications? (creates nothing)",
        request=s.WhatIfRequestSerializer,
        responses=s.WhatIfSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="what-if",
        url_name="what-if",
        permission_classes=[IsAuthenticated],
    )
    def what_if(self, request: Request, pk: str | None = None) -> Response:
        partner = self.get_object()
        form = s.WhatIfRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        extra_revenue: Decimal = form.validated_data["extra_revenue_eur"]
        extra = [
            (row["course"].code, row["count"])
            for row in form.validated_data.get("extra_certifications", [])
        ]
        on = selectors.today()
        scenario = engine.WhatIf(extra_revenue_eur=extra_revenue, extra_certifications=tuple(extra))
        snapshot = engine.what_if_snapshot(selectors.snapshot_for(partner, on=on), on, scenario)
        evaluation, body = _eligibility_body(partner, snapshot, selectors.tier_specs(), on)
        reachable = next(
            (t for t in reversed(evaluation.tiers) if t.eligible or t.eligible_but_approval), None
        )
        body["highest_tier"] = reachable.code if reachable else None
        body["highest_tier_status"] = (
            None
            if reachable is None
            else ("eligible" if reachable.eligible else "eligible_but_approval")
        )
        body["scenario"] = {
            "extra_revenue_eur": f"{extra_revenue:.2f}",
            "extra_certifications": [{"course": code, "count": n} for code, n in extra],
        }
        return Response(body)

    @extend_schema(
        summary="The partner's delivery policy: the version in force (GET), a new version (PUT)",
        description=(
            "A new version never rewrites an old one: routing reads the version in force at "
            "a ticket's opening. The partner's administrators write; its people and HP staff "
            "read (403 for HP writes); another partner's is a 404. Without any version, "
            "GET answers empty values, `id` and `effective_from` null."
        ),
        request=s.DeliveryPolicySerializer,
        responses=s.DeliveryPolicyAnswerSerializer,
    )
    @action(
        detail=True,
        methods=["get", "put"],
        url_path="delivery-policy",
        url_name="delivery-policy",
        permission_classes=[IsAuthenticated],
        # PUT on this route only: the partner itself is still only PATCHed.
        http_method_names=["get", "put", "head", "options"],
    )
    def delivery_policy(self, request: Request, pk: str | None = None) -> Response:
        partner = self.get_object()  # another partner's: 404 first
        if request.method == "GET":
            policy = selectors.policy_for_display(partner)
            if policy is None:  # none yet: the programme's rules alone route its tickets
                return Response(s.NO_DELIVERY_POLICY)
            return Response(s.DeliveryPolicySerializer(policy).data)
        if not is_partner_admin(request.user, partner):
            raise exceptions.PermissionDenied(
                _("Seul l'administrateur du partenaire modifie sa politique de délivrance.")
            )
        form = s.DeliveryPolicySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        policy = services.delivery_policy_set(
            partner=partner,
            actor=request.user,
            departments=data["departments"],
            staffed_coverage=data["staffed_coverage"],
            hand_back_at_opening=data["hand_back_at_opening"],
            product_lines_declined=data.get("product_lines_declined", []),
            max_open_tickets_per_engineer=data.get("max_open_tickets_per_engineer"),
            effective_from=data.get("effective_from"),
        )
        return Response(s.DeliveryPolicySerializer(policy).data)


@extend_schema_view(
    list=extend_schema(summary="The partner's portal users", parameters=[PARTNER_ID]),
    create=extend_schema(
        summary="Create a portal user of the partner (user and membership at once)",
        parameters=[PARTNER_ID],
    ),
)
class PartnerUserViewSet(
    IdempotentCreateMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """``partners/{id}/users/``: HP staff or that partner's admin.

    Another partner → 404; a user of the same partner who is not its admin → 403.
    Creating is for the partner's admin or an HP programme manager.
    """

    api_area = Area.PROGRAMME
    serializer_class = s.PartnerUserSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        partner = self.partner  # 404 first
        user = request.user
        if request.method in SAFE_METHODS:
            allowed = is_hp_staff(user) or is_partner_admin(user, partner)
        else:
            allowed = is_programme_manager(user) or is_partner_admin(user, partner)
        if not allowed:
            raise exceptions.PermissionDenied(
                _("Seul l'administrateur du partenaire ou HP peut gérer ses utilisateurs.")
            )

    @cached_property
    def partner(self) -> Partner:
        visible = scope_queryset(Partner.objects.all(), self.request.user, "pk")
        # Any path segment reaches here (a 404 in the API's format): only ids are looked up.
        partner_id = parse_id(self.kwargs["partner_pk"])
        if partner_id is None:
            raise Http404
        return get_object_or_404(visible, pk=partner_id)

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        return (
            User.objects.filter(membership__partner=self.partner)
            .select_related("membership")
            .order_by("username")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["partner"] = self.partner
        return context


# --- Engineers and certifications -----------------------------------------------------------------


class EngineerViewSet(TenantScopedCreateViewSet):
    """A partner's engineers; created by its admin or an HP programme manager."""

    api_area = Area.PROGRAMME
    serializer_class = s.EngineerSerializer
    queryset = Engineer.objects.all()
    filterset_class = filters.EngineerFilter
    permission_classes = [IsAuthenticated, PartnerAdminOrProgrammeManagerCreates]

    def get_queryset(self) -> QuerySet[Engineer]:
        today = selectors.today()
        return (
            super()
            .get_queryset()
            .annotate(
                valid_certification_count=Count(
                    "certifications",
                    filter=Q(
                        certifications__passed_on__lte=today,
                        certifications__expires_on__gte=today,
                    ),
                )
            )
            .order_by("partner_id", "name", "id")
        )

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        engineer = services.engineer_create(
            partner=_partner_for_creation(self.request, data.get("partner")),
            name=data["name"],
            email=data.get("email", ""),
            actor=self.request.user,
        )
        if data.get("home_department"):
            services.engineer_set_home_department(
                engineer=engineer, department=data["home_department"], actor=self.request.user
            )
        serializer.instance = engineer

    def _writable(self, engineer: Engineer) -> None:
        """The engineer's partner's admin or a programme manager (after the tenant 404)."""
        user = self.request.user
        if not (is_programme_manager(user) or is_partner_admin(user, engineer.partner)):
            raise exceptions.PermissionDenied(PartnerAdminOrProgrammeManagerCreates.message)

    @extend_schema(
        methods=["GET"],
        summary="The engineer's absences and on-call periods not over yet, soonest first",
        responses=s.EngineerAvailabilitySerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Record an absence or an on-call period (dispatch reads them)",
        request=s.EngineerAvailabilitySerializer,
        responses={201: s.EngineerAvailabilitySerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def availability(self, request: Request, pk: str | None = None) -> Response:
        engineer = self.get_object()  # another partner's: 404
        if request.method == "GET":
            periods = engineer.availability.filter(ends_at__gt=timezone.now()).order_by(
                "starts_at", "id"
            )
            return Response(s.EngineerAvailabilitySerializer(periods, many=True).data)
        self._writable(engineer)
        form = s.EngineerAvailabilitySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        period = services.engineer_availability_add(
            engineer=engineer,
            kind=data["kind"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            note=data.get("note", ""),
            actor=request.user,
        )
        return Response(s.EngineerAvailabilitySerializer(period).data, status=201)

    @extend_schema(
        summary="Set the engineer's home département (dispatch prefers the site's and its "
        "neighbours)",
        request=s.HomeDepartmentSerializer,
        responses=s.EngineerSerializer,
    )
    @action(
        detail=True,
        methods=["put"],
        url_path="home-department",
        url_name="home-department",
        http_method_names=["put", "options"],
    )
    def home_department(self, request: Request, pk: str | None = None) -> Response:
        engineer = self.get_object()
        self._writable(engineer)
        form = s.HomeDepartmentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.engineer_set_home_department(
            engineer=engineer,
            department=form.validated_data["home_department"],
            actor=request.user,
        )
        return Response(s.EngineerSerializer(self.get_object()).data)


class CertificationViewSet(TenantScopedCreateViewSet):
    """Certifications of the partner's engineers; ``valid`` means valid today."""

    api_area = Area.PROGRAMME
    serializer_class = s.CertificationSerializer
    queryset = Certification.objects.select_related("engineer", "course")
    tenant_field = "engineer__partner"
    filterset_class = filters.CertificationFilter
    permission_classes = [IsAuthenticated, PartnerAdminOrProgrammeManagerCreates]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": selectors.today()}

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.certification_create(
            engineer=data["engineer"],
            course=data["course"],
            passed_on=data["passed_on"],
            actor=self.request.user,
        )


# --- Accreditations -----------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary="Open a draft application (the partner's admin)",
        request=s.AccreditationCreateSerializer,
        responses={201: s.AccreditationSerializer},
    ),
)
class AccreditationViewSet(TenantScopedCreateViewSet):
    """Applications for tiers that need HP approval: draft → submitted → approved/rejected.

    The services check who may do what (403) and the status (409); every move is audited.
    """

    api_area = Area.PROGRAMME
    queryset = Accreditation.objects.select_related("partner", "tier", "decided_by", "submitted_by")
    filterset_class = filters.AccreditationFilter
    permission_classes = [IsAuthenticated, PartnerAdminOrProgrammeManagerCreates]

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return s.AccreditationCreateSerializer
        if self.action in ("approve", "reject"):
            return s.DecisionSerializer
        return s.AccreditationSerializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.accreditation_create(
            partner=_partner_for_creation(self.request, data.get("partner")),
            tier=data["tier"],
            actor=self.request.user,
        )

    def _answer(self, application: Accreditation) -> Response:
        return Response(
            s.AccreditationSerializer(application, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="Submit a draft (the partner's admin)",
        request=None,
        responses=s.AccreditationSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        application = services.accreditation_submit(
            accreditation=self.get_object(), actor=request.user
        )
        return self._answer(application)

    @extend_schema(
        summary="Withdraw a draft or submitted application (the partner's admin)",
        request=None,
        responses=s.AccreditationSerializer,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        application = services.accreditation_withdraw(
            accreditation=self.get_object(), actor=request.user
        )
        return self._answer(application)

    def _decision(self, request: Request, *, approve: bool) -> Response:
        application = self.get_object()  # another partner's: 404
        if not is_programme_manager(request.user):
            raise exceptions.PermissionDenied(
                _("Seul un responsable programme HP peut décider d'une accréditation.")
            )
        form = s.DecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        comment = form.validated_data.get("comment", "")
        decide = services.accreditation_approve if approve else services.accreditation_reject
        return self._answer(decide(accreditation=application, actor=request.user, comment=comment))

    @extend_schema(
        summary="Approve (HP programme manager); 400 prerequisites_unmet while a criterion is unmet",
        request=s.DecisionSerializer,
        responses=s.AccreditationSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decision(request, approve=True)

    @extend_schema(
        summary="Reject with a comment (HP programme manager)",
        request=s.DecisionSerializer,
        responses=s.AccreditationSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decision(request, approve=False)
