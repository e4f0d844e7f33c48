"""Reads of webhooks: endpoints a viewer sees, an endpoint's delivery log."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from servicone.access import Viewer
from webhooks.models import Delivery, DeliveryStatus, Endpoint


def endpoints_for(viewer: Viewer) -> QuerySet[Endpoint]:
    """A partner's endpoints for its members; every endpoint for HP staff (the partner's
    name along), each with how many deliveries are pending and failed, in one query."""
    endpoints = Endpoint.objects.select_related("partner").annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
    )
    if viewer.partner_id is not None:
        endpoints = endpoints.filter(partner_id=viewer.partner_id)
    return endpoints.order_by("partner__name", "created_at", "pk")


def endpoint_for(viewer: Viewer, endpoint_id: int) -> Endpoint | None:
    """The endpoint if the viewer sees it (another partner's: None, i.e. a 404)."""
    endpoints = Endpoint.objects.select_related("partner")
    if viewer.partner_id is not None:
        endpoints = endpoints.filter(partner_id=viewer.partner_id)
    return endpoints.filter(pk=endpoint_id).first()


def deliveries_of(endpoint_id: int) -> QuerySet[Delivery]:
    """The endpoint's delivery log, newest first (``webhook_delivery_log_idx``)."""
    return Delivery.objects.filter(endpoint_id=endpoint_id).select_related("event").order_by("-pk")
