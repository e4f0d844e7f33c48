"""Which API views an API key may call: each view declares its area, each key its scopes.

Every API view sets ``api_area``: one of ``servicone.apikeys.Area`` (``programme``,
``contracts``, ``tickets``, ``reports``, ``webhooks``), or ``EVERY_KEY`` (``me/``, the API
root, the schema: any key may read them) or ``PEOPLE_ONLY`` (the management of keys and of
one's own token: never a key). A ``@action`` may declare its own (``api_area=`` in the
decorator). A call with a key needs ``<area>:read`` for a safe method (GET, HEAD, OPTIONS)
and ``<area>:write`` for any other (write includes read); else 403 ``scope_missing``.

The check runs in the authentication (``servicone.api.authentication``), not in a
permission class: views set their own ``permission_classes``, while every key call passes
through the authentication, the view at hand in ``request.parser_context``. A view that
declares no area refuses every key (and ``tests/servicone/test_api_scopes.py`` names it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS

from servicone.apikeys import WRITE, Area, grants

EVERY_KEY = "any-key"
PEOPLE_ONLY = "people-only"
DECLARABLE = frozenset({*Area.values, EVERY_KEY, PEOPLE_ONLY})


@dataclass(frozen=True)
class KeyCredentials:
    """``request.auth`` of a call made with an API key."""

    id: int
    partner_id: int | None
    scopes: frozenset[str]


class ScopeMissing(exceptions.PermissionDenied):
    default_code = "scope_missing"
    default_detail = _("Cette clé d'API n'a pas la portée nécessaire.")


def view_area(view: Any) -> str | None:
    """What ``view`` (an instance, its ``@action`` applied) declares, or ``None``."""
    area = getattr(view, "api_area", None)
    return area if area in DECLARABLE else None


def needed_scope(area: str, method: str) -> str:
    return f"{area}:{'read' if method.upper() in SAFE_METHODS else WRITE}"


def check_key_scope(view: Any, method: str, credentials: KeyCredentials) -> None:
    """Let the call through, or raise 403 ``scope_missing`` saying which scope it needs."""
    area = view_area(view)
    if area == EVERY_KEY:
        return
    if area is None or area == PEOPLE_ONLY:
        raise ScopeMissing(
            _(
                "Une clé d'API ne peut pas faire cet appel : il est réservé aux personnes "
                "connectées (jeton personnel ou session)."
            )
        )
    if not grants(credentials.scopes, area=area, write=method.upper() not in SAFE_METHODS):
        raise ScopeMissing(
            _("Cette clé d'API n'a pas la portée %(scope)s nécessaire à cet appel.")
            % {"scope": needed_scope(area, method)}
        )
