"""``api-keys/``: a partner's admins manage its keys, programme managers HP's (API.md).

Listed for the partner's admins (its keys) and HP staff (every key); created by a partner
admin (a key of its partner) or a programme manager (an HP key); revoked (``DELETE``, the
row stays with its ``revoked_at``) by the owner's admins or a programme manager. A key
cannot manage keys (``PEOPLE_ONLY``): a person does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from servicone import apikeys
from servicone.access import is_partner_admin, is_programme_manager, membership_of
from servicone.api.errors import ERROR_RESPONSES
from servicone.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from servicone.api.scopes import PEOPLE_ONLY
from servicone.models import ApiKey


class ApiKeyUserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class ApiKeySerializer(serializers.ModelSerializer):
    partner: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The partner that owns the key; null: HP's."
    )
    partner_name = serializers.CharField(source="partner.name", read_only=True, allow_null=True)
    scopes = serializers.ListField(
        source="scope_list",
        child=serializers.ChoiceField(choices=apikeys.SCOPES),
        read_only=True,
    )
    created_by = ApiKeyUserSerializer(read_only=True, allow_null=True)
    revoked_by = ApiKeyUserSerializer(read_only=True, allow_null=True)
    active = serializers.SerializerMethodField(
        help_text="Neither revoked nor expired: the key authenticates."
    )

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "partner",
            "partner_name",
            "scopes",
            "prefix",
            "created_by",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "revoked_by",
            "active",
        ]
        read_only_fields = fields

    def get_active(self, key: ApiKey) -> bool:
        return key.is_active()


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="What the key is for (e.g. ServiceNow).")
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=apikeys.SCOPES),
        allow_empty=False,
        help_text="`<area>:read` or `<area>:write` (write includes read), area in "
        + ", ".join(f"`{area}`" for area in apikeys.Area.values)
        + ".",
    )
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="After this the key answers 401; null: never."
    )


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.SerializerMethodField(
        help_text="The key itself: shown this once, stored only as a hash. Null in an "
        "idempotent replay (`Idempotency-Key`), which never stores it."
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields

    def get_key(self, key: ApiKey) -> str | None:
        secret: str | None = self.context.get("key")
        return secret


class ManagesKeys(BasePermission):
    """Lists for a partner's admins and HP staff; creation for partner admins and programme
    managers; on one key, after the tenant lookup (another partner's key is a 404)."""

    message = _(
        "Seuls l'administrateur du partenaire et les responsables programme HP gèrent les clés d'API."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "detail", False):
            return True
        if request.method in SAFE_METHODS:
            return apikeys.may_see_keys(request.user)
        return is_partner_admin(request.user) or is_programme_manager(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return apikeys.may_see_keys(request.user)
        return apikeys.may_revoke_key(request.user, obj)


@extend_schema_view(
    list=extend_schema(
        summary="API keys: the partner's (its admins) or every key (HP staff)",
        responses={200: ApiKeySerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="One API key (never the key itself)",
        responses={200: ApiKeySerializer, **ERROR_RESPONSES},
    ),
    destroy=extend_schema(
        summary="Revoke an API key (it answers 401 from then on; the row stays)",
        responses={204: OpenApiResponse(description="Revoked."), **ERROR_RESPONSES},
    ),
)
class ApiKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    api_area = PEOPLE_ONLY
    permission_classes = [IsAuthenticated, ManagesKeys]
    serializer_class = ApiKeySerializer
    queryset = ApiKey.objects.none()  # the real one is per caller: get_queryset
    # A replayed creation (Idempotency-Key) never stores the key itself.
    idempotency_secret_fields = ("key",)

    def get_queryset(self) -> QuerySet[ApiKey]:
        return apikeys.api_keys_visible_to(self.request.user)

    @extend_schema(
        summary="Create an API key: the partner's (its admin) or HP's (a programme manager)",
        description=(
            "The answer carries `key`, shown this once: store it in the integration's secret "
            "store. Send it as `Authorization: Bearer <key>` (or `Token <key>`). A partner key "
            "may do what the partner's admin may, an HP key what a programme manager may, "
            "each limited to its scopes (403 `scope_missing` otherwise). A key cannot manage "
            "keys."
        ),
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer, **ERROR_RESPONSES},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = ApiKeyCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        membership = membership_of(request.user)
        # A partner admin creates its partner's keys; a programme manager HP's.
        partner = membership.partner if membership is not None else None
        key, secret = apikeys.api_key_create(
            name=data["name"],
            partner=partner,
            scopes=data["scopes"],
            expires_at=data.get("expires_at"),
            actor=request.user,
        )
        fresh = self.get_queryset().get(pk=key.pk)
        body = ApiKeyCreatedSerializer(
            fresh, context={**self.get_serializer_context(), "key": secret}
        )
        return Response(body.data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiKey) -> None:
        apikeys.api_key_revoke(key=instance, actor=self.request.user)
