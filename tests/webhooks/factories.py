"""Webhook endpoints for tests, created through the service (secret returned)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from webhooks.models import SUBSCRIBABLE, Endpoint
from webhooks.services import endpoint_create

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)  # a Thursday morning (the clock fixture)


def endpoint(
    actor: Any,
    partner: Any,
    url: str = "https://hooks.example.com/servicone",
    events: list[str] | None = None,
) -> tuple[Endpoint, str]:
    """An endpoint of ``partner`` (None: programme-wide) subscribed to ``events`` (all)."""
    return endpoint_create(
        actor=actor,
        partner=partner,
        url=url,
        events=events if events is not None else [t.value for t in SUBSCRIBABLE],
    )
