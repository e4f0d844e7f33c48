"""The API keys pages: one row per key, its state and scopes in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from servicone.apikeys import scope_label
from servicone.models import ApiKey


@dataclass(frozen=True)
class ApiKeyRow:
    key: ApiKey
    owner: str
    scopes: list[str]
    state: str
    state_class: str  # the badge's colour: ok, warn, bad
    may_revoke: bool


def _state(key: ApiKey, now: datetime) -> tuple[str, str]:
    if key.revoked_at is not None:
        return _("Révoquée"), "bad"
    if key.is_expired(now):
        return _("Expirée"), "warn"
    return _("Active"), "ok"


def api_key_rows(keys: Iterable[ApiKey], *, may_revoke: bool) -> list[ApiKeyRow]:
    """Rows of the keys table; ``may_revoke``: the reader may revoke these keys."""
    now = timezone.now()
    rows = []
    for key in keys:
        state, state_class = _state(key, now)
        rows.append(
            ApiKeyRow(
                key=key,
                owner=key.partner.name if key.partner is not None else _("HP"),
                scopes=[scope_label(scope) for scope in key.scope_list],
                state=state,
                state_class=state_class,
                may_revoke=may_revoke and state_class != "bad",
            )
        )
    return rows
