"""The error format of ``servicone.api.exceptions``, for the schema only."""

from __future__ import annotations

from rest_framework import serializers


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class TicketErrorsSerializer(serializers.Serializer):
    # The error format's key is "errors" (a schema-only field over DRF's property).
    errors = ErrorItemSerializer(many=True)  # type: ignore[assignment]
