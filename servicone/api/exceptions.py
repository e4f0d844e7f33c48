"""One error format for the whole API (``API.md``):

``{"errors": [{"field": <name or null>, "code": <machine code>, "message": <text>}]}``

used for every 4xx answer, not only 400, so clients parse one shape.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from servicone.errors import DomainError


def _flatten(detail: Any, field: str | None, out: list[dict[str, Any]]) -> None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else key
            if field and name:
                name = f"{field}.{name}"
            elif field:
                name = field
            _flatten(value, name, out)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            # A list of dicts is a nested list serializer: keep the position.
            sub = f"{field}[{index}]" if isinstance(value, dict) and field else field
            _flatten(value, sub, out)
    else:
        code = getattr(detail, "code", None) or "invalid"
        out.append({"field": field, "code": code, "message": str(detail)})


def error_body(detail: Any, default_code: str = "invalid") -> dict[str, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    _flatten(detail, None, errors)
    if not errors:
        errors.append({"field": None, "code": default_code, "message": str(detail)})
    return {"errors": errors}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"errors": [exc.as_dict()]}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        messages = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=messages)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ValidationError):
        body = error_body(exc.detail)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        if isinstance(detail, (dict, list)):
            body = error_body(detail, default_code=code)
        else:
            body = {"errors": [{"field": None, "code": code, "message": str(detail)}]}
    else:  # pragma: no cover - DRF only handles APIException subclasses
        body = {"errors": [{"field": None, "code": "error", "message": str(exc)}]}
    response.data = body
    return response
