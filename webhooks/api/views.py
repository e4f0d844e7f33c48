"""Webhook endpoints of the v1 API: thin views over ``webhooks.services``.

Order of checks on every endpoint route: the tenant lookup first (another partner's
endpoint or delivery is a 404), then the caller's rights (403: HP staff read every
endpoint and manage the programme-wide ones; a partner's administrators manage its own;
other partner roles have no access), then the body (400), then the state (409).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from servicone.access import AnyUser, is_hp_staff, is_partner_admin, partner_of
from servicone.api.filters import IdFilter
from servicone.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from servicone.api.ids import parse_id
from servicone.api.tenancy import TenantScopedMixin
from servicone.apikeys import Area
from webhooks import selectors, services
from webhooks.api import serializers as s
from webhooks.models import Delivery, DeliveryStatus, Endpoint


def may_use_webhooks(user: AnyUser) -> bool:
    """HP staff and partners' administrators have webhooks; other roles do not."""
    return is_hp_staff(user) or is_partner_admin(user)


class WebhookPermission(BasePermission):
    """List and create: partner administrators and HP staff. An endpoint's routes decide on
    the endpoint, after the tenant lookup: another partner's stays a 404, never a 403."""

    message = (
        "Only the partner's administrators (or HP staff, for programme-wide endpoints) may do this."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "detail", False):
            return True
        return may_use_webhooks(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return services.may_read(request.user, obj.partner_id)
        return services.may_manage(request.user, obj.partner_id)


class EndpointFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", help_text="HP staff: one partner's endpoints.")
    programme_wide = django_filters.BooleanFilter(
        field_name="partner", lookup_expr="isnull", help_text="true: HP's endpoints only."
    )
    active = django_filters.BooleanFilter()

    class Meta:
        model = Endpoint
        fields = ["partner", "programme_wide", "active"]


_ERRORS = OpenApiResponse(description='The error format: `{"errors": [...]}`.')
_NOT_FOUND = OpenApiResponse(description="No such endpoint for the caller (another partner's).")
_FORBIDDEN = OpenApiResponse(description="The caller may read this endpoint but not change it.")
_CONFLICT = OpenApiResponse(description="`endpoint_inactive`: turn the endpoint back on first.")
_STATUS_PARAMETER = OpenApiParameter(
    "status",
    OpenApiTypes.STR,
    enum=list(DeliveryStatus.values),
    required=False,
    description="Only the deliveries with this status.",
)


@extend_schema_view(
    list=extend_schema(
        summary="Webhook endpoints the caller sees",
        description="A partner's administrators: the partner's endpoints. HP staff: every "
        "endpoint (programme-wide ones have `partner: null`).",
    ),
    retrieve=extend_schema(
        summary="A webhook endpoint", responses={200: s.WebhookEndpointSerializer, 404: _NOT_FOUND}
    ),
    destroy=extend_schema(
        summary="Delete an endpoint and its delivery log",
        responses={204: None, 403: _FORBIDDEN, 404: _NOT_FOUND},
    ),
)
class EndpointViewSet(
    TenantScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Signed webhooks (Standard Webhooks): where events are sent, and what became of them."""

    queryset = Endpoint.objects.order_by("created_at", "pk")
    serializer_class = s.WebhookEndpointSerializer
    permission_classes = [IsAuthenticated, WebhookPermission]
    filterset_class = EndpointFilter
    tenant_field = "partner"
    api_area = Area.WEBHOOKS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Query-string filters apply to the list only, never to an endpoint's own URL.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(
        summary="Create an endpoint (its secret is in this answer only)",
        description="A partner's administrator creates the partner's endpoints; HP staff "
        "programme-wide ones (`partner: null`), which receive every partner's events.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=s.WebhookEndpointCreateSerializer,
        responses={201: s.WebhookEndpointWithSecretSerializer, 400: _ERRORS, 403: _ERRORS},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        form = s.WebhookEndpointCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        endpoint, secret = services.endpoint_create(
            actor=request.user,
            partner=None if is_hp_staff(request.user) else partner_of(request.user),
            url=form.validated_data["url"],
            events=form.validated_data["events"],
            description=form.validated_data.get("description", ""),
        )
        return Response(
            s.WebhookEndpointWithSecretSerializer((endpoint, secret)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Change the URL, the events, the description or `active`",
        request=s.WebhookEndpointUpdateSerializer,
        responses={
            200: s.WebhookEndpointSerializer,
            400: _ERRORS,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
        },
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        form = s.WebhookEndpointUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(
            endpoint=endpoint, actor=request.user, **form.validated_data
        )
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    def perform_destroy(self, instance: Endpoint) -> None:
        services.endpoint_delete(endpoint=instance, actor=self.request.user)

    @extend_schema(
        summary="Rotate the signing secret (the new one is in this answer only)",
        description="The old secret keeps signing for 24 h: meanwhile each delivery carries "
        "two signatures, space separated, so the receiver can switch at its pace.",
        request=None,
        responses={200: s.WebhookEndpointWithSecretSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        endpoint, secret = services.endpoint_rotate_secret(
            endpoint=self.get_object(), actor=request.user
        )
        return Response(s.WebhookEndpointWithSecretSerializer((endpoint, secret)).data)

    @extend_schema(
        summary="Send a `ping` event to this endpoint",
        description="Its `data` is the endpoint. Delivered like any event (signed, logged, "
        "retried); see `deliveries/`.",
        request=None,
        responses={
            202: s.WebhookDeliverySerializer,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def ping(self, request: Request, pk: str | None = None) -> Response:
        delivery = services.endpoint_ping(endpoint=self.get_object(), actor=request.user)
        delivery = selectors.deliveries_of(delivery.endpoint_id).get(pk=delivery.pk)
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The endpoint's delivery log, newest first",
        description="One row per event sent to it: the latest attempt's outcome and, while "
        "`pending`, when the next attempt leaves.",
        parameters=[_STATUS_PARAMETER],
        responses={200: s.WebhookDeliverySerializer(many=True), 400: _ERRORS, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        rows = selectors.deliveries_of(endpoint.pk)
        wanted = request.query_params.get("status")
        if wanted is not None:
            if wanted not in DeliveryStatus.values:
                raise exceptions.ValidationError(
                    {
                        "status": [
                            ErrorDetail(f"Unknown status: {wanted[:40]}", code="invalid_choice")
                        ]
                    }
                )
            rows = rows.filter(status=wanted)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a delivery again now (same event id, same body)",
        parameters=[
            OpenApiParameter("delivery_id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        request=None,
        responses={
            202: s.WebhookDeliverySerializer,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[^/.]+)/redeliver",
        url_name="redeliver",
    )
    def redeliver(self, request: Request, pk: str | None = None, delivery_id: str = "") -> Response:
        endpoint = self.get_object()
        number = parse_id(delivery_id)
        found = Delivery.objects.filter(pk=number, endpoint=endpoint).first() if number else None
        if found is None:
            raise exceptions.NotFound()
        delivery = services.delivery_redeliver(delivery=found, actor=request.user)
        delivery = selectors.deliveries_of(endpoint.pk).get(pk=delivery.pk)
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
