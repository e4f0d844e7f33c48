"""Login required on every page, except the login page, health and the API.

The API authenticates on its own (token or session) and answers 401 in its
error format instead of redirecting to the login page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    open_prefixes = ("/api/", "/static/", "/i18n/")

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> Any:
        if request.path.startswith(self.open_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
