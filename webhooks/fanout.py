"""The fan-out: each new event to the endpoints that subscribe to it, rendered once.

A batch of events not yet dispatched is claimed (``SKIP LOCKED``: two workers share the
work); for each, the active endpoints subscribed to its type — the partner's own and the
programme-wide ones — get a delivery. Its ``data`` is rendered once per audience (the
partner's administrators, HP staff) by the renderer its app registered
(``webhooks.registry``), and the body kept (``Payload``) so that every retry sends the
same bytes. Events nobody subscribes to are marked dispatched and get no delivery. A
batch costs a fixed number of queries plus the renderers' own.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import override
from kombu.exceptions import KombuError
from rest_framework.renderers import JSONRenderer

from servicone.jobs import enqueue
from webhooks.models import Delivery, Endpoint, Event, EventType, Payload
from webhooks.registry import RESOURCE_OF, Audience, renderer_for

log = logging.getLogger(__name__)

FANOUT_BATCH = 500


@dataclass(frozen=True)
class FanOut:
    events: int
    deliveries: int
    more: bool
    endpoint_ids: frozenset[int]


def body_of(event: Event, data: Any) -> str:
    """The body as sent: ``{"type", "timestamp", "data"}``, JSON the way the API writes it."""
    document = {"type": event.type, "timestamp": event.occurred_at.isoformat(), "data": data}
    rendered: bytes = JSONRenderer().render(document)
    return rendered.decode("utf-8")


def _render_group(resource: str, ids: Sequence[int], audience: Audience) -> dict[int, Any]:
    renderer = renderer_for(resource)
    try:
        return renderer(ids, audience)
    except Exception:
        # One resource that cannot be rendered must not hold up the others: one by one.
        log.exception("rendering %s %s for webhooks failed: one by one", len(ids), resource)
    rendered: dict[int, Any] = {}
    for resource_id in ids:
        try:
            rendered.update(renderer([resource_id], audience))
        except Exception:
            log.exception("%s %s could not be rendered for webhooks", resource, resource_id)
    return rendered


def render_bodies(wanted: Iterable[tuple[Event, Audience]]) -> dict[tuple[int, str], str]:
    """The body of each (event, audience), resources rendered set-wise per type and audience.

    In the portal's language, like notifications. A resource gone meanwhile is sent as
    ``{"id": …}``: the event still happened.
    """
    groups: dict[tuple[str, Audience], list[Event]] = defaultdict(list)
    for event, audience in wanted:
        groups[(RESOURCE_OF[event.type], audience)].append(event)
    bodies: dict[tuple[int, str], str] = {}
    with override(settings.LANGUAGE_CODE):
        for (resource, audience), events in groups.items():
            ids = list(dict.fromkeys(e.resource_id for e in events))
            rendered = _render_group(resource, ids, audience)
            for event in events:
                data = rendered.get(event.resource_id, {"id": event.resource_id})
                bodies[(event.pk, audience.code)] = body_of(event, data)
    return bodies


def _subscribers(event: Event, endpoints: Sequence[Endpoint]) -> list[Endpoint]:
    return [
        endpoint
        for endpoint in endpoints
        if event.type in endpoint.events
        and (endpoint.partner_id is None or endpoint.partner_id == event.partner_id)
    ]


def dispatch_batch(*, batch_size: int | None = None, now: datetime | None = None) -> FanOut:
    """Fan out one batch of new events; ``more`` when the batch was full."""
    now = now or timezone.now()
    batch_size = batch_size or FANOUT_BATCH
    with transaction.atomic():
        events = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(dispatched_at__isnull=True)
            .order_by("pk")[:batch_size]
        )
        if not events:
            return FanOut(0, 0, False, frozenset())
        endpoints = list(Endpoint.objects.active().only("pk", "partner_id", "events"))
        targets = [
            (event, _subscribers(event, endpoints))
            for event in events
            # A ping goes to the endpoint it tests, written with its delivery already.
            if event.type != EventType.PING
        ]
        targets = [(event, found) for event, found in targets if found]
        wanted = {(event, Audience(e.partner_id)) for event, found in targets for e in found}
        bodies = render_bodies(sorted(wanted, key=lambda pair: pair[0].pk))
        payloads = Payload.objects.bulk_create(
            Payload(event_id=event_id, audience=audience, body=body)
            for (event_id, audience), body in bodies.items()
        )
        by_key = {(p.event_id, p.audience): p for p in payloads}
        deliveries = Delivery.objects.bulk_create(
            Delivery(
                endpoint_id=endpoint.pk,
                event=event,
                payload=by_key[(event.pk, Audience(endpoint.partner_id).code)],
                next_attempt_at=now,
                created_at=now,
            )
            for event, found in targets
            for endpoint in found
        )
        Event.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=now)
        touched = frozenset(d.endpoint_id for d in deliveries)
        if touched:
            transaction.on_commit(lambda: queue_deliveries(touched))
    return FanOut(len(events), len(deliveries), len(events) == batch_size, touched)


def queue_deliveries(endpoint_ids: Iterable[int]) -> None:
    """Queue a delivery run per endpoint (the beat sweep catches what could not be queued)."""
    try:
        for endpoint_id in sorted(endpoint_ids):
            enqueue("webhooks.tasks.deliver_endpoint", endpoint_id)
    except (OSError, KombuError):
        log.warning("could not queue webhook deliveries; the sweep will", exc_info=True)
