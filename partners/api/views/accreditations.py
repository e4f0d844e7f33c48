"""Applications for the tiers that need HP's approval, and HP's decisions on them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from partners import services
from partners.api import filters
from partners.api import serializers as s
from partners.api.views.common import (
    PartnerAdminOrProgrammeManagerCreates,
    _partner_for_creation,
)
from partners.models import Accreditation
from servicone.access import is_programme_manager
from servicone.api.viewsets import TenantScopedCreateViewSet
from servicone.apikeys import Area


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
