"""What the published OpenAPI schema says beyond what drf-spectacular infers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenOrApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
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
