from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from servicone import navigation
from servicone.access import (
    is_cds,
    is_hp_staff,
    is_partner_admin,
    is_programme_manager,
    partner_of,
    partner_role,
)
from servicone.selectors import unread_count


def portal(request: HttpRequest) -> dict[str, Any]:
    """Who is looking, for the navigation: partner, role and HP roles.

    The unread count is lazy: computed only when a template reads it, so pages
    that do not show it pay no query. The programme's home summaries come from
    ``partners.context_processors``.
    """
    user = request.user
    if not user.is_authenticated:
        return {}

    def unread() -> int:
        return unread_count(user)

    def menus() -> dict[str, list[navigation.MenuItem]]:
        return navigation.menus(user, request.path)

    return {
        "current_partner": partner_of(user),
        "current_partner_role": partner_role(user),
        "is_partner_admin": is_partner_admin(user),
        "is_hp_staff": is_hp_staff(user),
        "is_programme_manager": is_programme_manager(user),
        "is_cds": is_cds(user),
        "unread_notifications": SimpleLazyObject(unread),
        # The menus by role (``servicone.navigation``), the current page's item marked.
        "menus": SimpleLazyObject(menus),
    }
