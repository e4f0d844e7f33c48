"""Which resource an event carries, and who renders it: each app registers its own.

The webhooks app sits below the apps whose events it carries (import-linter layers), so
it cannot import their serializers. Each app registers a renderer per resource type in
its ``AppConfig.ready()`` (``partners.payloads``, ``contracts.payloads``,
``tickets.payloads``): given ids and an audience, the resources as the API returns
them to that audience, rendered with the app's own API serializers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from webhooks.models import Audience as AudienceCode
from webhooks.models import EventType

# The resource type each event's ``data`` is (``resource_id`` is its id).
RESOURCE_OF: dict[str, str] = {
    EventType.TICKET_OPENED: "ticket",
    EventType.TICKET_UPDATED: "ticket",
    EventType.TICKET_HANDED_OVER: "ticket",
    EventType.SLA_WARNING: "ticket",
    EventType.SLA_BREACHED: "ticket",
    EventType.CONTRACT_SOLD: "contract",
    EventType.CONTRACT_CANCELLED: "contract",
    EventType.CONTRACT_EXPIRING: "contract",
    EventType.ACCREDITATION_SUBMITTED: "accreditation",
    EventType.ACCREDITATION_DECIDED: "accreditation",
    EventType.TIER_CHANGED: "partner",
    EventType.CERTIFICATION_EXPIRING: "certification",
    EventType.PING: "webhook",
}


@dataclass(frozen=True)
class Audience:
    """Who reads a body: a partner's administrators (``partner_id``) or HP staff (None)."""

    partner_id: int | None

    @property
    def code(self) -> str:
        return AudienceCode.HP if self.partner_id is None else AudienceCode.PARTNER


# ids, audience -> {id: the resource as the API returns it to that audience}; ids that no
# longer exist are left out.
Renderer = Callable[[Sequence[int], Audience], dict[int, Any]]

_RENDERERS: dict[str, Renderer] = {}


def register(resource: str, renderer: Renderer) -> None:
    """Say how ``resource`` is rendered (called from an app's ``ready()``)."""
    _RENDERERS[resource] = renderer


def renderer_for(resource: str) -> Renderer:
    try:
        return _RENDERERS[resource]
    except KeyError:
        raise LookupError(f"no webhook renderer registered for {resource!r}") from None


def registered() -> frozenset[str]:
    return frozenset(_RENDERERS)
