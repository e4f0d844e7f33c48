"""Base endpoints: token, ``me/``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servicone import twofactor
from servicone.access import is_hp_staff, partner_of, roles_of
from servicone.api.throttling import ScopedRateThrottle


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
    """Exchange a username and password for the user's API token (401 when wrong)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
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
