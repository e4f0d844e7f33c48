"""Labels and view models of the webhook pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from webhooks.models import DisabledReason, Endpoint, EventType


@dataclass(frozen=True)
class EndpointState:
    label: str | Promise
    badge: str


def endpoint_state(endpoint: Endpoint) -> EndpointState:
    """« Actif », « En échec depuis … », or why it is off."""
    if endpoint.active:
        if endpoint.failing_since is not None:
            return EndpointState(_("Actif — en échec"), "warn")
        return EndpointState(_("Actif"), "ok")
    if endpoint.disabled_reason == DisabledReason.FAILING:
        return EndpointState(_("Désactivé : aucun succès depuis 5 jours"), "bad")
    return EndpointState(_("Désactivé"), "")


def event_label(event_type: str) -> str | Promise:
    try:
        return EventType(event_type).label
    except ValueError:
        return event_type


def event_labels(events: list[str]) -> list[tuple[str, str | Promise]]:
    """``(type, label)`` of each subscribed event, for the pages."""
    return [(event_type, event_label(event_type)) for event_type in events]


def rotation_until(endpoint: Endpoint, now: datetime | None = None) -> datetime | None:
    """Until when the previous secret still signs, while it does."""
    now = now or timezone.now()
    until = endpoint.previous_secret_until
    return until if until is not None and until > now and endpoint.previous_secret else None
