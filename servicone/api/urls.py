"""``/api/`` — v1 endpoints, the OpenAPI schema and its interactive docs."""

from importlib import import_module

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from servicone.api import keys, preferences, views
from servicone.api.router import router
from servicone.api.schema import TokenOrApiKeyScheme  # noqa: F401 (registers itself)

# Each app registers its viewsets on the shared router when its ``api.urls`` is imported;
# the settings name those modules (as INSTALLED_APPS names the apps), so the core names
# no app. They must all be registered before ``router.urls`` is read below.
for module in settings.SERVICONE_API_URLCONFS:
    import_module(module)
router.register("api-keys", keys.ApiKeyViewSet, basename="api-key")


v1: list[URLPattern | URLResolver] = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path(
        "me/notification-preferences/",
        preferences.NotificationPreferencesView.as_view(),
        name="api-notification-preferences",
    ),
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", views.SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own (?script=) and
    # the page's template has no inline style: the Content-Security-Policy refuses both inline.
    path(
        "docs/",
        views.DocsView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]
