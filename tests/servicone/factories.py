"""API keys for tests, made through the service as a partner admin or a programme manager."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rest_framework.test import APIClient

from servicone.access import PartnerRole, StaffRole
from servicone.apikeys import SCOPES, api_key_create
from servicone.models import ApiKey
from tests.partners.factories import partner_user, staff_user


def make_api_key(
    partner: Any = None,
    *,
    scopes: Iterable[str] = SCOPES,
    name: str = "Intégration",
    expires_at: datetime | None = None,
    by: Any = None,
) -> tuple[ApiKey, str]:
    """A key of ``partner`` (``None``: HP) and the key itself; ``by`` creates it (an admin
    of the partner, or a programme manager, made for the occasion when not given)."""
    if by is None:
        by = (
            partner_user(partner, PartnerRole.ADMIN)
            if partner is not None
            else staff_user(StaffRole.PROGRAMME_MANAGER)
        )
    return api_key_create(
        name=name, partner=partner, scopes=list(scopes), expires_at=expires_at, actor=by
    )


def key_client(key: str, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client
