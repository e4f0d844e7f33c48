"""``me/notification-preferences/``: how the caller's notifications are e-mailed."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servicone import selectors, services
from servicone.access import may_choose_email_digest
from servicone.api.scopes import PEOPLE_ONLY
from servicone.models import EmailFrequency


class NotificationPreferencesSerializer(serializers.Serializer):
    email_frequency = serializers.ChoiceField(
        choices=EmailFrequency.choices,
        help_text="`immediate`: each notification e-mailed as it comes; `hourly`, `daily`: "
        "one digest an hour, or every morning at 7:00 (managers only: partner admins, CDS "
        "dispatchers, HP programme managers).",
    )
    may_choose_digest = serializers.BooleanField(read_only=True)


class NotificationPreferencesView(APIView):
    """The caller's own e-mail frequency (a person's: an API key has none)."""

    api_area = PEOPLE_ONLY

    def _answer(self, request: Request) -> Response:
        user = request.user
        return Response(
            NotificationPreferencesSerializer(
                {
                    "email_frequency": selectors.email_frequency_of(user),
                    "may_choose_digest": may_choose_email_digest(user),
                }
            ).data
        )

    @extend_schema(
        summary="How the caller's notifications are e-mailed",
        responses=NotificationPreferencesSerializer,
    )
    def get(self, request: Request) -> Response:
        return self._answer(request)

    @extend_schema(
        summary="Choose how the caller's notifications are e-mailed",
        description="A digest (`hourly`, `daily`) by anyone but a manager: 403 "
        "`digest_not_allowed`. Anyone may choose `immediate`.",
        request=NotificationPreferencesSerializer,
        responses=NotificationPreferencesSerializer,
    )
    def put(self, request: Request) -> Response:
        form = NotificationPreferencesSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.notification_preference_set(
            user=request.user, email_frequency=form.validated_data["email_frequency"]
        )
        return self._answer(request)
