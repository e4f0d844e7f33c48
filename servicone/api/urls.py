"""``/api/`` — v1 endpoints, the OpenAPI schema and its interactive docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

import contracts.api.urls  # noqa: F401  (registration side effect, before router.urls)
import partners.api.urls  # noqa: F401  (registration side effect, before router.urls)
import reports.api.urls  # noqa: F401  (registration side effect, before router.urls)
import tickets.api.urls  # noqa: F401  (registration side effect, before router.urls)
from servicone.api import views
from servicone.api.router import router

v1 = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
