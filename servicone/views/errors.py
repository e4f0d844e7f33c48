"""The portal's error pages (400, 403, 404, 500), in the reader's language, and the favicon.

Under ``/api/`` a path no route matches is a 404 in the API's error format instead.

They are Django's ``handler400/403/404/500`` (``servicone.urls``) and the CSRF failure
view. 400, 403 and 404 are portal pages (header, menus). The 500 page needs nothing that
may be what failed: no database, no context processor, no session; only the language
the locale middleware chose and the stylesheet's address when it can be had.

With ``DEBUG`` on (``make run``), Django shows its technical page for a 404 whatever the
handler says; ``StyledNotFoundMiddleware`` puts the portal's 404 back (unless
``STYLED_ERROR_PAGES=0``), so the demo looks like production. Other errors keep Django's
debug page in development: that is what it is for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils import translation
from django.views.decorators.csrf import requires_csrf_token
from rest_framework.exceptions import NotFound

log = logging.getLogger(__name__)


def _page(request: HttpRequest, status: int, **context: Any) -> HttpResponse:
    """The portal page for ``status``; the bare page if the portal page itself fails."""
    try:
        response = render(request, f"errors/{status}.html", context, status=status)
    except Exception:  # an error page must never be an error itself
        log.exception("error page %s failed to render; the bare page is sent", status)
        return _bare(request, status)
    response.styled_error_page = True  # type: ignore[attr-defined]
    return response


def _bare(request: HttpRequest, status: int) -> HttpResponse:
    """An error page that needs no database, session, context processor or static manifest."""
    language = getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE
    try:
        stylesheet, favicon = static("servicone/portal.css"), static("servicone/favicon.svg")
    except Exception:  # no manifest yet (collectstatic not run): unstyled, but an answer
        stylesheet = favicon = ""
    with translation.override(language):
        body = loader.get_template("errors/bare.html").render(
            {
                "status": status,
                "stylesheet": stylesheet,
                "favicon": favicon,
                "LANGUAGE_CODE": language,
            }
        )
    response = HttpResponse(body, status=status)
    response.styled_error_page = True  # type: ignore[attr-defined]
    return response


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403)


API_PREFIX = "/api/"


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        # An API client asking for a path no route matches (``/api/v1/tickets/0.5/``) gets
        # a 404 it can parse like every other one, in DRF's words and the request's language.
        return JsonResponse(
            {
                "errors": [
                    {"field": None, "code": "not_found", "message": str(NotFound.default_detail)}
                ]
            },
            status=404,
        )
    return _page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _bare(request, 500)


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from an expired page (or without its cookie): the portal's 403, saying so."""
    return _page(request, 403, csrf=True)


def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, asked for by clients that do not read the page's ``<link rel=icon>``."""
    return HttpResponseRedirect(static("servicone/favicon.svg"))


class StyledNotFoundMiddleware:
    """With ``DEBUG`` on, the portal's 404 page instead of Django's technical one.

    Django answers a 404 with its debug page whenever ``DEBUG`` is on; the demo
    (``make run``) runs that way, and its users should see the portal's page. Only HTML
    pages are replaced (the API answers 404 in its JSON format), and only when
    ``STYLED_ERROR_PAGES`` is on (the default; ``0`` brings Django's page back).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and settings.DEBUG
            and getattr(settings, "STYLED_ERROR_PAGES", True)
            and not getattr(response, "styled_error_page", False)
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith(("/api/", "/static/"))
        ):
            return page_not_found(request)
        return response
