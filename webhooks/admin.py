"""Webhooks in the admin: read-only for HP, with one switch — disable an endpoint.

Endpoints are created and changed by their owners in the portal or the API (services,
audited); the admin shows them, their deliveries, and lets HP's programme managers
disable a misbehaving endpoint (``endpoint_disable``, audited). Secrets never appear.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicone.access import is_programme_manager
from webhooks.models import Delivery, Endpoint
from webhooks.services import endpoint_disable


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Endpoint)
class EndpointAdmin(_ReadOnly):
    list_display = [
        "url",
        "partner",
        "active",
        "disabled_reason",
        "last_success_at",
        "failing_since",
    ]
    list_filter = ["active", "disabled_reason"]
    list_select_related = ["partner"]
    search_fields = ["url", "partner__name", "description"]
    # Never the secrets, nor the worker's lease.
    fields = (
        "partner",
        "url",
        "description",
        "events",
        "active",
        "disabled_at",
        "disabled_reason",
        "last_success_at",
        "failing_since",
        "previous_secret_until",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    actions = ["disable_endpoints"]

    def has_disable_permission(self, request: HttpRequest) -> bool:
        return is_programme_manager(request.user)

    @admin.action(description=_("Désactiver les endpoints sélectionnés"), permissions=["disable"])
    def disable_endpoints(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        disabled = 0
        for endpoint in queryset.filter(active=True):
            endpoint_disable(endpoint=endpoint, actor=request.user)
            disabled += 1
        self.message_user(
            request,
            ngettext("%(n)d endpoint désactivé.", "%(n)d endpoints désactivés.", disabled)
            % {"n": disabled},
            level=messages.SUCCESS,
        )


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly):
    list_display = [
        "event",
        "endpoint",
        "status",
        "attempt",
        "response_status",
        "latency_ms",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["event__uid", "endpoint__url"]
    fields = (
        "endpoint",
        "event",
        "status",
        "attempt",
        "next_attempt_at",
        "last_attempt_at",
        "response_status",
        "latency_ms",
        "response_excerpt",
        "error",
        "created_at",
        "delivered_at",
    )
    readonly_fields = fields
