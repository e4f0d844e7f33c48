"""Response headers and session lifetimes that every page and API answer gets.

- ``SecurityHeadersMiddleware``: a Permissions-Policy that turns off the browser features
  the portal never uses; ``Cache-Control: no-store`` on whatever an authenticated user or an
  API client receives (a shared computer's back button or a proxy cache must not show a
  partner's data); ``Vary: Authorization`` on the API (an answer depends on whose token).
- ``SessionLifetimeMiddleware``: a session ends after a period without activity (30 minutes
  for HP staff, who see every partner and approve accreditations; 8 hours for partner users)
  and, whatever the activity, some hours after the login.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _

from servicone.access import is_hp_staff

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "interest-cohort",
    )
)
LOGIN_AT = "_servicone_login_at"
SEEN_AT = "_servicone_seen_at"
# The last-seen time is written at most this often: a session write per request would cost a
# database write on every page.
SEEN_RESOLUTION_SECONDS = 60


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        api = request.path.startswith("/api/")
        user = getattr(request, "user", None)
        if api:
            patch_vary_headers(response, ["Authorization"])
        if api or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, private, max-age=0"
        return response


def idle_limit(user: Any) -> int:
    """Seconds of inactivity after which ``user``'s session ends."""
    if is_hp_staff(user):
        return int(settings.SESSION_IDLE_SECONDS_HP)
    return int(settings.SESSION_IDLE_SECONDS_PARTNER)


def mark_login(request: HttpRequest, **_: Any) -> None:
    """Start the session's clocks (connected to ``user_logged_in``)."""
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


class SessionLifetimeMiddleware:
    """Ends an idle or too old session: the page asks to log in again (the API, 401/403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if (
            user is not None
            and user.is_authenticated
            and session is not None
            and session.session_key
        ):
            now = int(time.time())
            login_at = session.get(LOGIN_AT)
            seen_at = session.get(SEEN_AT)
            if login_at is None or seen_at is None:
                # A session from before these limits existed: its clock starts now.
                mark_login(request)
            elif (
                now - seen_at > idle_limit(user)
                or now - login_at > settings.SESSION_MAX_AGE_SECONDS
            ):
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, _("Votre session a expiré : reconnectez-vous."))
                    return redirect_to_login(request.get_full_path())
            elif now - seen_at >= SEEN_RESOLUTION_SECONDS:
                session[SEEN_AT] = now
        return self.get_response(request)


# Open to a user who still owes a second factor: the code and set-up pages, logging out,
# switching language, static files and the probes.
TWO_FACTOR_OPEN = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/readyz",
    "/metrics",
)


class TwoFactorMiddleware:
    """A logged-in user who owes a code (or, for HP staff, a second factor to set up) reaches
    only the two-factor pages; everything else sends them there (the API: 403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from servicone import twofactor

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(request, "session", None) is not None
            and not request.path.startswith(TWO_FACTOR_OPEN)
        ):
            state = twofactor.session_state(request)
            if state in (twofactor.PENDING, twofactor.SETUP):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "errors": [
                                {
                                    "field": None,
                                    "code": "two_factor_required",
                                    "message": _("Double authentification requise."),
                                }
                            ]
                        },
                        status=403,
                    )
                target = "two-factor-verify" if state == twofactor.PENDING else "two-factor"
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
