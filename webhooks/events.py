"""Emitting events: the one writer of the outbox, called by the services.

An event is a row written in the caller's transaction, so it exists exactly when the
change it describes was committed; nothing is rendered or sent here (one INSERT, on the
hot paths too). Once the transaction commits the fan-out is queued (once per
transaction, however many events it wrote); the beat sweep picks up any event whose
queueing was lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from servicone.inserts import insert_rows
from servicone.jobs import enqueue
from webhooks.models import Event, new_event_id

log = logging.getLogger(__name__)

# A batch's events are written as plain rows (``servicone.inserts``), in this order.
_EVENT_FIELDS = (
    "uid",
    "type",
    "partner",
    "resource_id",
    "occurred_at",
    "dedup_key",
    "dispatched_at",
)


@dataclass(frozen=True)
class EventSpec:
    """One event to write: its type, the partner it concerns and the resource's id."""

    type: str
    partner_id: int | None
    resource_id: int
    # For jobs that may run twice: an event with a key already written is not written again.
    dedup_key: str | None = None

    def values(self, at: datetime) -> tuple[str, str, int | None, int, datetime, str | None, None]:
        """The event's row as ``insert_rows`` writes it (``_EVENT_FIELDS``): a new id, not
        dispatched yet."""
        return (
            new_event_id(),
            self.type,
            self.partner_id,
            self.resource_id,
            at,
            self.dedup_key,
            None,
        )

    def row(self, at: datetime) -> Event:
        return Event(
            type=self.type,
            partner_id=self.partner_id,
            resource_id=self.resource_id,
            occurred_at=at,
            dedup_key=self.dedup_key,
        )


def event_emit(
    *,
    type: str,
    partner_id: int | None,
    resource_id: int,
    dedup_key: str | None = None,
    at: datetime | None = None,
) -> None:
    """Write one event in the current transaction (one INSERT) and queue the fan-out on commit."""
    spec = EventSpec(type, partner_id, resource_id, dedup_key)
    row = spec.row(at or timezone.now())
    if dedup_key is None:
        row.save(force_insert=True)
    else:
        Event.objects.bulk_create([row], ignore_conflicts=True)
    _fan_out_on_commit()


def events_emit(specs: Iterable[EventSpec], *, at: datetime | None = None) -> None:
    """``event_emit`` set-wise: one INSERT however many events (a batch job's)."""
    specs = list(specs)
    if not specs:
        return
    at = at or timezone.now()
    # Keyed events already written are skipped by the unique key (a job that ran twice).
    insert_rows(
        Event,
        _EVENT_FIELDS,
        [spec.values(at) for spec in specs],
        ignore_conflicts=any(spec.dedup_key is not None for spec in specs),
    )
    _fan_out_on_commit()


def _fan_out() -> None:
    try:
        enqueue("webhooks.tasks.dispatch_events")
    except (OSError, KombuError):
        # The change is committed and its events with it: the beat sweep fans them out.
        log.warning("could not queue the webhook fan-out; the sweep will", exc_info=True)


def _fan_out_on_commit() -> None:
    """One fan-out per transaction, however many events it wrote."""
    connection = transaction.get_connection()
    if not any(entry[1] is _fan_out for entry in connection.run_on_commit):
        transaction.on_commit(_fan_out)
