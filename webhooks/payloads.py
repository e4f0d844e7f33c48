"""How a ``ping`` carries its endpoint: as the API returns it (never its secret)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webhooks.api.serializers import WebhookEndpointSerializer
from webhooks.models import Endpoint
from webhooks.registry import Audience, register


def render_endpoints(ids: Sequence[int], audience: Audience) -> dict[int, Any]:
    endpoints = Endpoint.objects.filter(pk__in=ids)
    if audience.partner_id is not None:
        endpoints = endpoints.filter(partner_id=audience.partner_id)
    return {e.pk: WebhookEndpointSerializer(e).data for e in endpoints}


def register_renderers() -> None:
    register("webhook", render_endpoints)
