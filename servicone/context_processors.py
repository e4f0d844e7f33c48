from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from partners.roles import (
    is_cds,
    is_hp_staff,
    is_partner_admin,
    is_programme_manager,
    partner_of,
    partner_role,
)


def portal(request: HttpRequest) -> dict[str, Any]:
    """Who is looking, for the navigation: partner, role and HP roles."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "current_partner": partner_of(user),
        "current_partner_role": partner_role(user),
        "is_partner_admin": is_partner_admin(user),
        "is_hp_staff": is_hp_staff(user),
        "is_programme_manager": is_programme_manager(user),
        "is_cds": is_cds(user),
    }
