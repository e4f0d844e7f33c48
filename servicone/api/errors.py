"""The error format in the published schema (``servicone.api.exceptions`` writes it).

``{"errors": [{"field", "code", "message"}]}`` for every 4xx; ``ERROR_RESPONSES`` lists the
answers any authenticated operation may give, for a view's ``extend_schema``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The parameter or field, or null.")
    code = serializers.CharField(help_text="A machine code (`not_entitled`, `scope_missing`…).")
    message = serializers.CharField(help_text="A sentence in the caller's language.")


class ApiErrorsSerializer(serializers.Serializer):
    # The error format's key is "errors" (a schema-only field over DRF's property).
    errors = ApiErrorItemSerializer(many=True)  # type: ignore[assignment]


ERROR_RESPONSES = {
    400: OpenApiResponse(ApiErrorsSerializer, description="Invalid request."),
    401: OpenApiResponse(ApiErrorsSerializer, description="Not authenticated."),
    403: OpenApiResponse(
        ApiErrorsSerializer, description="Not allowed (`scope_missing`: an API key's scopes)."
    ),
    404: OpenApiResponse(ApiErrorsSerializer, description="No such object for the caller."),
}
