"""Login protection (django-axes): failed logins counted per username and client IP, a
lock-out with a cool-off, on the login page, the admin and the API token endpoint.

Every login that comes over HTTP passes its request to ``authenticate`` (Django's login
form, the admin's, DRF's token serializer); calls without one (management commands, tests'
``force_login`` helpers) are not web logins and are left to the next backend.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class LoginProtectionBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes ships no types
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)  # type: ignore[no-any-return]  # axes is untyped


def locked_out(request: HttpRequest, original_response: Any, credentials: Any) -> HttpResponse:
    """What a locked-out login gets (429): the page, or the API's error format."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = max(1, seconds // 60)
    if request.path.startswith("/api/"):
        message = ngettext(
            "Trop de tentatives de connexion : réessayez dans %(n)s minute.",
            "Trop de tentatives de connexion : réessayez dans %(n)s minutes.",
            minutes,
        ) % {"n": minutes}
        response = JsonResponse(
            {"errors": [{"field": None, "code": "locked_out", "message": message}]},
            status=settings.AXES_HTTP_RESPONSE_CODE,
        )
        response["Retry-After"] = str(seconds)
        return response
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class RevokeApiTokenOnPasswordChange:
    """Not a rule on the password itself: Django calls every validator's
    ``password_changed`` once a new password is saved (``set_password`` then ``save``),
    whichever page, admin screen or command changed it. The person's API token, obtained
    with the old password, stops working then (their other sessions end too: Django's
    session hash)."""

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is not None and user.pk is not None:
            from rest_framework.authtoken.models import Token

            Token.objects.filter(user_id=user.pk).delete()

    def get_help_text(self) -> str:
        return str(_("Changer le mot de passe révoque le jeton d'API obtenu avec l'ancien."))
