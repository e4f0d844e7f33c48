from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from partners import presenters
from servicone.access import is_hp_staff


def programme(request: HttpRequest) -> dict[str, Any]:
    """The home panels' programme summaries, lazy: computed only when a template reads
    them, so pages that do not show them pay no query."""
    user = request.user
    if not user.is_authenticated:
        return {}

    def programme_summary() -> dict[str, Any]:
        return presenters.programme_summary(user) or {}

    def hp_summary() -> dict[str, Any]:
        return presenters.hp_summary() if is_hp_staff(user) else {}

    return {
        "programme_summary": SimpleLazyObject(programme_summary),
        "hp_summary": SimpleLazyObject(hp_summary),
    }
