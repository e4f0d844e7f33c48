"""What the published OpenAPI schema says beyond what drf-spectacular infers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)


class TokenOrApiKeyScheme(OpenApiAuthenticationExtension):
    """``servicone.api.authentication.TokenAuthentication``: a person's token or an API key."""

    target_class = "servicone.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <token>` (a person's token, `POST /api/v1/auth/token/`) or "
                "`Bearer <key>` / `Token <key>` (an API key, `sok_…`, see `api-keys/`)."
            ),
        }


class BlankableTextScheme(OpenApiSerializerFieldExtension):
    """A text field that may be blank (``allow_blank``): "" is one of its values.

    Its validators describe the non-blank values only (DRF does not run them on ""): a SIREN's
    ``pattern``, an e-mail's ``format``, which refused the "" the API takes and answers. The
    field is marked here; ``document_error_responses`` (which runs once the validators are
    in) widens what it says.
    """

    target_class = "rest_framework.fields.CharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(
            self.target, direction, bypass_extensions=True
        )
        if getattr(self.target, "allow_blank", False):
            schema[_BLANK_MARK] = True
        return schema


_BLANK_MARK = "x-servicone-blank"


def _allow_blank(field: dict[str, Any]) -> None:
    if not field.pop(_BLANK_MARK, False):
        return
    if "pattern" in field:
        field["pattern"] = f"(?:{field['pattern']})|^$"
    if "format" in field:
        field["anyOf"] = [{"format": field.pop("format")}, {"maxLength": 0}]


# The answers any operation may give besides its own (``servicone.api.exceptions`` writes them
# all in the error format): a bad parameter or page, no or bad credentials, a role or a key's
# scopes that do not allow it, an object (or a page of a list) the caller cannot see, a
# throttle; and, for writes, a conflict (a state, a reused Idempotency-Key).
_ERRORS_REF = {"$ref": "#/components/schemas/ApiErrors"}
_COMMON_ERRORS = {
    "400": "Invalid request (a parameter or a field: see `field`).",
    "401": "Not authenticated, or the credentials are wrong, revoked or expired.",
    "403": "Not allowed: the caller's role, or an API key's scopes (`scope_missing`).",
    "404": "No such object, or page of a list, for the caller (another partner's objects "
    "included).",
    "429": "Throttled: retry after `Retry-After` seconds.",
}
_WRITE_ERRORS = {
    "409": "Conflict: the object's state, or an `Idempotency-Key` reused for another request.",
}
_ERROR_COMPONENTS = {
    "ApiErrorItem": {
        "type": "object",
        "properties": {
            "field": {"type": "string", "nullable": True},
            "code": {"type": "string"},
            "message": {"type": "string"},
        },
        "required": ["field", "code", "message"],
    },
    "ApiErrors": {
        "type": "object",
        "properties": {
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ApiErrorItem"}}
        },
        "required": ["errors"],
    },
}


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every operation lists the error answers it may
    give, in the one error format (an operation's own descriptions are kept); text fields
    that may be blank say so (``BlankableTextScheme``)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in _ERROR_COMPONENTS.items():
        schemas.setdefault(name, component)
    for component in schemas.values():
        for field in component.get("properties", {}).values():
            _allow_blank(field)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            errors = dict(_COMMON_ERRORS)
            if method != "get":
                errors.update(_WRITE_ERRORS)
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                response = responses.setdefault(status, {"description": description})
                # An operation that described an error answer in its own words without a
                # body still answers in the error format.
                response.setdefault("content", {"application/json": {"schema": _ERRORS_REF}})
    return result
