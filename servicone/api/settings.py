"""The REST API's settings (DRF, drf-spectacular, the apps' API URLconfs), imported by
``servicone.settings``: static, except the throttle rates read from the environment."""

from __future__ import annotations

import os

REST_FRAMEWORK = {
    # Token first, so that an unauthenticated call gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's TokenAuthentication with its query written out (the serial look-up's hot path).
        "servicone.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "servicone.api.pagination.PageNumberPagination",
    # JSON refusing control characters in text (one rule with the CSV imports), forms.
    "DEFAULT_PARSER_CLASSES": [
        "servicone.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["servicone.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "servicone.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "servicone.api.throttling.AnonRateThrottle",
        "servicone.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "6000/minute"),
        "token": os.environ.get("API_THROTTLE_TOKEN", "20/minute"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}
# The apps' API modules, each registering its viewsets on the v1 router (servicone.api.urls).
SERVICONE_API_URLCONFS = [
    "partners.api.urls",
    "contracts.api.urls",
    "tickets.api.urls",
    "reports.api.urls",
    "webhooks.api.urls",
]
SPECTACULAR_SETTINGS = {
    # Swagger UI assets come from the drf-spectacular-sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "ServiceOne partner portal API",
    "DESCRIPTION": (
        "Public REST API (v1) of the ServiceOne partner portal: programme, "
        "catalogue, contracts, on-site tickets and SLA. Authenticate with "
        "`Authorization: Token <token>` (a person's, see `POST /api/v1/auth/token/`) or, "
        "for an integration, `Authorization: Bearer <key>` (an API key, see `api-keys/`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents its error answers too (the one error format).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "servicone.api.schema.document_error_responses",
    ],
    # Several models have a "status" or "kind": give each enum its own name.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Status",
        "SlaTargetKindEnum": "tickets.models.SlaTargetKind",
        "TicketKindEnum": "tickets.models.Kind",
        "PauseReasonEnum": "tickets.models.PauseReason",
        "OfferingKindEnum": "contracts.models.OfferingKind",
        "ContractStatusEnum": "contracts.models.Contract.Status",
        "AccreditationStatusEnum": "partners.models.Accreditation.Status",
        "RequirementKindEnum": "partners.models.TierRequirement.Kind",
        "CreditEntryKindEnum": "contracts.models.CreditEntry.Kind",
        "WebhookDeliveryStatusEnum": "webhooks.models.DeliveryStatus",
        "WebhookEventTypeEnum": "webhooks.models.EventType",
        "WebhookSubscribableEventEnum": "webhooks.models.SUBSCRIBABLE_CHOICES",
        "WebhookDisabledReasonEnum": "webhooks.models.DisabledReason",
    },
}
