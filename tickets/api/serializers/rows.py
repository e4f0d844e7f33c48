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

from rest_framework import serializers

from tickets.models import SlaTarget

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


TARGET_GETTERS: dict[str, Getter] = {
    "target": _attr("target"),
    "due_at": _instant("due_at"),
    "warn_at": _instant("warn_at"),
    "state": _attr("state"),
    "met_at": _instant("met_at"),
    "enforced": _attr("enforced"),
    "hours": _hours,
    "next_business_day": _attr("next_business_day"),
    "warned_at": _instant("warned_at"),
    "breached_at": _instant("breached_at"),
}

TICKET_GETTERS: dict[str, Getter] = {
    "id": _attr("pk"),
    "number": _attr("number"),
    "status": _attr("status"),
    "severity": _attr("severity"),
    "kind": _attr("kind"),
    "summary": _attr("summary"),
    "description": _attr("description"),
    "delivered_by": _attr("delivered_by"),
    "routing_reason": _attr("routing_reason"),
    "escalation_level": _attr("escalation_level"),
    "cds_backup": _attr("cds_backup"),
    "pause_reason": _attr("pause_reason"),
    "partner": _id_of("partner"),
    "partner_name": _related("partner", "name"),
    "customer": _id_of("customer"),
    "customer_name": _related("customer", "name"),
    "site": _id_of("site"),
    "site_name": _related("site", "name"),
    "site_timezone": _related("site", "timezone"),
    "asset": _id_of("asset"),
    "asset_serial": _related("asset", "serial_number"),
    "contract": _id_of("contract"),
    "contract_number": _related("contract", "number"),
    "offering": _id_of("offering"),
    "offering_code": _related("offering", "code"),
    "coverage": _related("offering", "coverage"),
    **{
        name: _instant(name)
        for name in (
            "opened_at",
            "ownership_due_at",
            "acknowledged_at",
            "dispatched_at",
            "arrived_at",
            "resolved_at",
            "closed_at",
            "handed_over_at",
            "fell_back_at",
        )
    },
}

EVENT_GETTERS: dict[str, Getter] = {
    "id": _attr("pk"),
    "at": _instant("at"),
    "event": _attr("event"),
    "organisation": _attr("organisation"),
    "detail": _attr("detail"),
}

SEGMENT_GETTERS: dict[str, Getter] = {
    "organisation": _attr("organisation"),
    "partner": _id_of("partner"),
    "started_at": _instant("started_at"),
    "ended_at": _instant("ended_at"),
    "reason": _attr("reason"),
}

PAUSE_GETTERS: dict[str, Getter] = {
    "reason": _attr("reason"),
    "started_at": _instant("started_at"),
    "ended_at": _instant("ended_at"),
}
