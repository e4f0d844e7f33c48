"""A partner's people: its portal users, its engineers (availability, home département) and
their certifications.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
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

from partners import selectors, services
from partners.api import filters
from partners.api import serializers as s
from partners.api.views.common import (
    PartnerAdminOrProgrammeManagerCreates,
    _partner_for_creation,
)
from partners.models import Certification, Engineer, Partner
from servicone.access import is_hp_staff, is_partner_admin, is_programme_manager
from servicone.api.idempotency import IdempotentCreateMixin
from servicone.api.ids import parse_id
from servicone.api.tenancy import scope_queryset
from servicone.api.viewsets import TenantScopedCreateViewSet
from servicone.apikeys import Area

User = get_user_model()

PARTNER_ID = OpenApiParameter("partner_pk", OpenApiTypes.INT, OpenApiParameter.PATH)


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
