"""Webhook pages (``webhooks/``)."""

from django.urls import path

from webhooks.views import endpoints

app_name = "webhooks"

urlpatterns = [
    path("webhooks/", endpoints.endpoint_list, name="list"),
    path("webhooks/new/", endpoints.endpoint_new, name="new"),
    path("webhooks/<int:endpoint_id>/", endpoints.endpoint_detail, name="detail"),
    path(
        "webhooks/<int:endpoint_id>/rotate-secret/",
        endpoints.endpoint_rotate_secret,
        name="rotate-secret",
    ),
    path("webhooks/<int:endpoint_id>/ping/", endpoints.endpoint_ping, name="ping"),
    path("webhooks/<int:endpoint_id>/disable/", endpoints.endpoint_disable, name="disable"),
    path("webhooks/<int:endpoint_id>/delete/", endpoints.endpoint_delete, name="delete"),
    path(
        "webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        endpoints.delivery_redeliver,
        name="redeliver",
    ),
]
