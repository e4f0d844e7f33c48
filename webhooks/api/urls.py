"""Registers the webhook endpoints on the shared v1 router (named in SERVICONE_API_URLCONFS)."""

from servicone.api.router import router
from webhooks.api import views

router.register("webhooks", views.EndpointViewSet, basename="webhook")
