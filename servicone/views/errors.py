"""Django's error pages, answered in the API's error format under ``/api/``.

An API client that asks for a path no route matches (``/api/v1/tickets/0.5/``) gets a 404
it can parse like every other one, not an HTML page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.exceptions import NotFound

API_PREFIX = "/api/"


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            # The words of every other 404 of the API (DRF's, in the request's language).
            {
                "errors": [
                    {"field": None, "code": "not_found", "message": str(NotFound.default_detail)}
                ]
            },
            status=404,
        )
    return defaults.page_not_found(request, exception)
