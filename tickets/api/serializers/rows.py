"""A ticket's JSON written out field by field: what DRF's generic fields render, faster.

DRF renders each field of each row through its generic machinery (the source walked
attribute by attribute, a ``to_representation`` call per field, the time zone looked up
per instant): for a page of 50 tickets with their three targets that is some 3,400
calls, most of the list's Python time. Here each field is one plain read. The serializers
keep their fields for the schema and for checking: ``tests/tickets/test_api_rows.py``
holds these rows equal to what DRF's fields render, ticket by ticket.

Every instant is shown in the site's time zone, ISO 8601, ``Z`` for UTC, as DRF's
``DateTimeField`` shows it; the hours of a target are quantized as its ``DecimalField``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import DateTimeField, Model
from rest_framework import serializers

from tickets.models import OwnershipSegment, SlaTarget, Ticket, TicketEvent, TicketPause

Getter = Callable[[Any, ZoneInfo], Any]

# DRF's field for a target's hours, used as is: its quantizing is the reference.
_HOURS = serializers.DecimalField(
    max_digits=6, decimal_places=2, coerce_to_string=False, read_only=True, allow_null=True
)


def instant(value: datetime | None, zone: ZoneInfo) -> str | None:
    """An instant as DRF's ``DateTimeField`` renders it in ``zone``."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _attr(name: str) -> Getter:
    return lambda row, zone: getattr(row, name)


def _instant(name: str) -> Getter:
    return lambda row, zone: instant(getattr(row, name), zone)


def _related(relation: str, name: str) -> Getter:
    return lambda row, zone: getattr(getattr(row, relation), name)


def _id_of(relation: str) -> Getter:
    column = f"{relation}_id"
    return lambda row, zone: getattr(row, column)


def _hours(target: SlaTarget, zone: ZoneInfo) -> Any:
    return None if target.hours is None else _HOURS.to_representation(target.hours)


Writer = Callable[[Any, ZoneInfo], dict[str, Any]]


def writer(fields: Sequence[str], getters: dict[str, Getter]) -> Writer:
    """A row's dict in ``fields``' order; every field must have its getter (checked now)."""
    missing = [name for name in fields if name not in getters]
    if missing:
        raise LookupError(f"no getter for {missing}")
    pairs = [(name, getters[name]) for name in fields]

    def write(row: Any, zone: ZoneInfo) -> dict[str, Any]:
        return {name: get(row, zone) for name, get in pairs}

    return write


def model_getters(model: type[Model]) -> dict[str, Getter]:
    """A plain read of each column of ``model``, as DRF's model fields render it: the value,
    a relation's id, an instant in the site's zone."""
    getters: dict[str, Getter] = {}
    for field in model._meta.concrete_fields:
        if field.is_relation:
            getters[field.name] = _id_of(field.name)
        elif isinstance(field, DateTimeField):
            getters[field.name] = _instant(field.attname)
        else:
            getters[field.name] = _attr(field.attname)
    return getters


TARGET_GETTERS: dict[str, Getter] = {**model_getters(SlaTarget), "hours": _hours}

# The ticket fields read from a related row: field name -> (relation, that row's field).
RELATED_READS: dict[str, tuple[str, str]] = {
    "partner_name": ("partner", "name"),
    "customer_name": ("customer", "name"),
    "site_name": ("site", "name"),
    "site_timezone": ("site", "timezone"),
    "asset_serial": ("asset", "serial_number"),
    "contract_number": ("contract", "number"),
    "offering_code": ("offering", "code"),
    "coverage": ("offering", "coverage"),
}

TICKET_GETTERS: dict[str, Getter] = {
    **model_getters(Ticket),
    **{name: _related(*read) for name, read in RELATED_READS.items()},
}


def related_columns() -> dict[str, tuple[str, ...]]:
    """Each relation's fields that ``RELATED_READS`` reads (``with_related_rows(only=...)``)."""
    columns: dict[str, tuple[str, ...]] = {}
    for relation, field in RELATED_READS.values():
        columns[relation] = (*columns.get(relation, ()), field)
    return columns


EVENT_GETTERS = model_getters(TicketEvent)
SEGMENT_GETTERS = model_getters(OwnershipSegment)
PAUSE_GETTERS = model_getters(TicketPause)
