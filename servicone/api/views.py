"""Base endpoints: a person's token (obtain, revoke), ``me/``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servicone import twofactor
from servicone.access import is_hp_staff, partner_of, roles_of
from servicone.api.errors import ERROR_RESPONSES
from servicone.api.scopes import EVERY_KEY, PEOPLE_ONLY
from servicone.api.throttling import ScopedRateThrottle
from servicone.audit import audit


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The code of the user's authenticator app (or a recovery code), for users "
        "with two-factor authentication.",
    )


class ObtainTokenView(APIView):
    """A person's API token: exchange a username and password for it (401 when wrong), or
    revoke it (``DELETE``, authenticated by the token itself or a session; never a key)."""

    api_area = PEOPLE_ONLY
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def _revoking(self) -> bool:
        # ``request`` is None while the schema generator builds its mock request.
        return getattr(self.request, "method", None) == "DELETE"

    def get_authenticators(self) -> list[Any]:
        # The password is the credential of POST: whatever else comes along is ignored.
        return super().get_authenticators() if self._revoking() else []

    def get_permissions(self) -> list[BasePermission]:
        return [IsAuthenticated()] if self._revoking() else [AllowAny()]

    @extend_schema(
        summary="Exchange a username and password for the person's token",
        description="401 `invalid_credentials` when wrong; `otp` for a user with two-factor "
        "authentication. The same token until it is revoked (`DELETE`, or a password change).",
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            return _unauthorized("invalid_credentials", _("Identifiant ou mot de passe incorrect."))
        if twofactor.has_two_factor(user):
            # A password alone does not open an account that has a second factor.
            code = serializer.validated_data.get("otp", "")
            if not code:
                return _unauthorized(
                    "otp_required", _("Code de double authentification requis."), "otp"
                )
            if twofactor.two_factor_check(user=user, token=code) is None:
                return _unauthorized("invalid_otp", _("Code incorrect ou déjà utilisé."), "otp")
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="The token is revoked."), **ERROR_RESPONSES},
        summary="Revoke the caller's own token",
        description=(
            "The token stops working at once; `POST auth/token/` gives a new one. A password "
            "change revokes it too. An API key cannot call this (403 `scope_missing`): keys "
            "are revoked through `api-keys/`."
        ),
    )
    def delete(self, request: Request) -> Response:
        user_id = request.user.pk
        assert user_id is not None  # IsAuthenticated, for DELETE
        revoked, _by_model = Token.objects.filter(user_id=user_id).delete()
        if revoked:
            audit(action="api_token.revoke", actor=request.user, partner=partner_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _unauthorized(code: str, message: object, field: str | None = None) -> Response:
    return Response(
        {"errors": [{"field": field, "code": code, "message": str(message)}]},
        status=status.HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": "Token"},
    )


class PartnerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    partner = PartnerRefSerializer(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """Who the caller is: partner (tenant) and roles."""

    api_area = EVERY_KEY

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        partner = partner_of(user)
        data = {
            "username": user.get_username(),
            # "staff" in the API's sense: HP staff, whatever Django's admin flag says.
            "is_staff": is_hp_staff(user),
            "partner": {"id": partner.pk, "name": partner.name} if partner else None,
            "roles": roles_of(user),
        }
        return Response(MeSerializer(data).data)


class SchemaView(SpectacularAPIView):
    """The published OpenAPI schema: public, any key sent along may read it."""

    api_area = EVERY_KEY


class DocsView(SpectacularSwaggerSplitView):
    """The schema's interactive documentation."""

    api_area = EVERY_KEY
