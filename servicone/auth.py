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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginProtectionBackend(AxesStandaloneBackend):
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
    """The page a locked-out login gets (429), in the reader's language."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
