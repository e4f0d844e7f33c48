"""A ticket as the API shows it: its list and detail representations and their nested pieces
(SLA targets with their explanation, timeline, ownership segments, pauses, engineer).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicone.presenters import active_language, is_english
from tickets import sla_clock
from tickets.api.serializers import rows
from tickets.api.serializers.common import FieldsBuiltOnce, SiteTimeSerializerMixin
from tickets.models import (
    OwnershipSegment,
    PauseReason,
    SlaTarget,
    Ticket,
    TicketEvent,
    TicketPause,
)
from tickets.transitions import allowed_actions

# --- Nested pieces -------------------------------------------------------------------------------


class ExplanationEntrySerializer(serializers.Serializer):
    """One thing that did not count between the opening and the deadline (schema only)."""

    kind = serializers.CharField(
        help_text="closed: the coverage window is shut; holiday: a weekday public holiday "
        "skipped; pause: paused time; clock_change: a daylight-saving change."
    )
    start = serializers.DateTimeField(required=False, help_text="closed, pause")
    end = serializers.DateTimeField(
        required=False, allow_null=True, help_text="closed, pause (null: still paused)"
    )
    minutes = serializers.IntegerField(
        required=False, help_text="closed: minutes shut; pause: window minutes it stopped"
    )
    reason = serializers.CharField(
        required=False,
        help_text="closed only: outside_hours, weekend, holiday or weekend_and_holiday",
    )
    date = serializers.DateField(required=False, help_text="holiday only")
    name = serializers.CharField(required=False, help_text="holiday name, request language")
    at = serializers.DateTimeField(required=False, help_text="clock_change only")
    shift_minutes = serializers.IntegerField(
        required=False, help_text="clock_change: +60 when the clocks go forward"
    )


def _jsonable(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def explanation(
    calendar: sla_clock.Calendar,
    start: datetime,
    due: datetime | None,
    pauses: list[tuple[datetime, datetime | None]],
) -> list[dict[str, Any]]:
    """``sla_clock.explain`` as JSON: instants in the site's zone, holiday names translated."""
    if due is None:
        return []
    language = "en_US" if is_english() else "fr"
    zone = ZoneInfo(calendar.timezone)
    return [
        {key: _jsonable(value, zone) for key, value in entry.items()}
        for entry in sla_clock.explain(calendar, start, due, pauses, language=language)
    ]


class SlaTargetSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    hours = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
        help_text="The target in hours of window time; null when next business day.",
    )
    enforced = serializers.BooleanField(
        read_only=True,
        help_text="False for a target shown but not binding (resolution of severity 3-4): "
        "no warning, no breach.",
    )
    due_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="While the ticket is paused (state `paused`) the deadline as it stood "
        "before the pause: it moves by the paused business time on resume.",
    )

    class Meta:
        model = SlaTarget
        fields = [
            "target",
            "due_at",
            "warn_at",
            "state",
            "met_at",
            "enforced",
            "hours",
            "next_business_day",
            "warned_at",
            "breached_at",
        ]
        read_only_fields = fields


class SlaTargetDetailSerializer(SlaTargetSerializer):
    explanation = serializers.SerializerMethodField(
        help_text="Why it is due then: the closed hours, holidays, pauses and clock changes "
        "between the opening and the deadline."
    )

    class Meta(SlaTargetSerializer.Meta):
        fields = [*SlaTargetSerializer.Meta.fields, "explanation"]
        read_only_fields = fields

    @extend_schema_field(ExplanationEntrySerializer(many=True))
    def get_explanation(self, target: SlaTarget) -> list[dict[str, Any]]:
        return target_explanation(target)


def target_explanation(target: SlaTarget) -> list[dict[str, Any]]:
    """Why ``target`` is due when it is, its ticket read as the prefetch left it."""
    ticket = target.ticket  # set by the prefetch, with its site, offering and pauses
    calendar = sla_clock.Calendar(
        coverage=ticket.offering.coverage,
        timezone=ticket.site.timezone,
        region=ticket.site.region,
    )
    pauses = [(p.started_at, p.ended_at) for p in ticket.pauses.all()]
    return explanation(calendar, ticket.opened_at, target.due_at, pauses)


class TimelineEventSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(
        help_text='The username of who acted, or "system" (timers) / the organisation.'
    )
    # A plain string in the schema, as before the codes became choices: clients match on it.
    event = serializers.CharField(read_only=True)
    organisation = serializers.CharField(
        read_only=True, help_text="partner, cds or system: on whose side the event happened."
    )
    detail = serializers.JSONField(read_only=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "at", "event", "actor", "organisation", "detail"]
        read_only_fields = fields

    def get_actor(self, event: TicketEvent) -> str:
        return event_actor(event)


def event_actor(event: TicketEvent) -> str:
    if event.actor is not None:
        return event.actor.get_username()
    return event.organisation or "system"


class SegmentSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    organisation = serializers.CharField(read_only=True, help_text="partner or cds")
    reason = serializers.CharField(read_only=True, help_text="opened, handover or fallback")

    class Meta:
        model = OwnershipSegment
        fields = ["organisation", "partner", "started_at", "ended_at", "reason"]
        read_only_fields = fields


class PauseSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = TicketPause
        fields = ["reason", "started_at", "ended_at"]
        read_only_fields = fields


class AssignedEngineerSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="partner or cds")
    id = serializers.IntegerField(help_text="An Engineer id (partner) or a user id (CDS).")
    name = serializers.CharField()


# --- Tickets -------------------------------------------------------------------------------------


class TicketSerializer(FieldsBuiltOnce, SiteTimeSerializerMixin, serializers.ModelSerializer):
    """A ticket as lists show it."""

    routing_message = serializers.SerializerMethodField(
        help_text="Why this organisation delivers, in the request's language."
    )
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    site_name = serializers.CharField(source="site.name", read_only=True)
    site_timezone = serializers.CharField(
        source="site.timezone",
        read_only=True,
        help_text="The IANA zone every instant of this ticket is shown in.",
    )
    asset_serial = serializers.CharField(source="asset.serial_number", read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    offering_code = serializers.CharField(source="offering.code", read_only=True)
    coverage = serializers.CharField(source="offering.coverage", read_only=True)
    assigned_engineer = serializers.SerializerMethodField()
    sla = SlaTargetSerializer(source="sla_targets", many=True, read_only=True)
    # Written out: a read-only model field loses ``blank`` and the schema lost "" with it.
    pause_reason = serializers.ChoiceField(
        choices=PauseReason.choices,
        allow_blank=True,
        read_only=True,
        help_text='Why the ticket is paused; "" when it is not.',
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "status",
            "severity",
            "kind",
            "summary",
            "delivered_by",
            "routing_reason",
            "routing_message",
            "escalation_level",
            "cds_backup",
            "pause_reason",
            "partner",
            "partner_name",
            "customer",
            "customer_name",
            "site",
            "site_name",
            "site_timezone",
            "asset",
            "asset_serial",
            "contract",
            "contract_number",
            "offering",
            "offering_code",
            "coverage",
            "assigned_engineer",
            "opened_at",
            "ownership_due_at",
            "acknowledged_at",
            "dispatched_at",
            "arrived_at",
            "resolved_at",
            "closed_at",
            "handed_over_at",
            "fell_back_at",
            "sla",
        ]
        read_only_fields = fields

    def zone_of(self, ticket: Ticket) -> str:
        return ticket.site.timezone

    def to_representation(self, ticket: Ticket) -> dict[str, Any]:
        """The row written out (``rows``), equal to what DRF's fields render."""
        return self._write(ticket, ZoneInfo(ticket.site.timezone))

    def drf_representation(self, ticket: Ticket) -> dict[str, Any]:
        """The same row through DRF's generic fields: the reference the tests hold it to."""
        return super().to_representation(ticket)

    @cached_property
    def _write(self) -> rows.Writer:
        return rows.writer(self.Meta.fields, {**rows.TICKET_GETTERS, **self.row_getters()})

    def row_getters(self) -> dict[str, rows.Getter]:
        """The fields that are not plain reads: method fields and the nested lists."""
        target = rows.writer(SlaTargetSerializer.Meta.fields, rows.TARGET_GETTERS)
        return {
            "routing_message": lambda t, zone: self.get_routing_message(t),
            "assigned_engineer": lambda t, zone: self.get_assigned_engineer(t),
            "sla": lambda t, zone: [target(x, zone) for x in t.sla_targets.all()],
        }

    def get_routing_message(self, ticket: Ticket) -> str:
        messages = ticket.routing_messages or {}
        return messages.get(active_language()) or messages.get("fr", "")

    @extend_schema_field(AssignedEngineerSerializer(allow_null=True))
    def get_assigned_engineer(self, ticket: Ticket) -> dict[str, Any] | None:
        engineer = ticket.assigned_engineer
        if engineer is not None:
            return {"kind": "partner", "id": engineer.pk, "name": engineer.name}
        user = ticket.assigned_cds_user
        if user is not None:
            return {
                "kind": "cds",
                "id": user.pk,
                "name": user.get_full_name() or user.get_username(),
            }
        return None


class TicketDetailSerializer(TicketSerializer):
    """A ticket with its deadlines explained, timeline, segments and the caller's actions."""

    sla = SlaTargetDetailSerializer(source="sla_targets", many=True, read_only=True)
    timeline = TimelineEventSerializer(source="events", many=True, read_only=True)
    segments = SegmentSerializer(many=True, read_only=True)
    pauses = PauseSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions the caller may take now (status and role), e.g. for buttons."
    )

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "description",
            "timeline",
            "segments",
            "pauses",
            "allowed_actions",
        ]
        read_only_fields = fields

    def row_getters(self) -> dict[str, rows.Getter]:
        target = rows.writer(
            SlaTargetDetailSerializer.Meta.fields,
            {**rows.TARGET_GETTERS, "explanation": lambda x, zone: target_explanation(x)},
        )
        event = rows.writer(
            TimelineEventSerializer.Meta.fields,
            {**rows.EVENT_GETTERS, "actor": lambda e, zone: event_actor(e)},
        )
        segment = rows.writer(SegmentSerializer.Meta.fields, rows.SEGMENT_GETTERS)
        pause = rows.writer(PauseSerializer.Meta.fields, rows.PAUSE_GETTERS)
        return {
            **super().row_getters(),
            "sla": lambda t, zone: [target(x, zone) for x in t.sla_targets.all()],
            "timeline": lambda t, zone: [event(x, zone) for x in t.events.all()],
            "segments": lambda t, zone: [segment(x, zone) for x in t.segments.all()],
            "pauses": lambda t, zone: [pause(x, zone) for x in t.pauses.all()],
            "allowed_actions": lambda t, zone: self.get_allowed_actions(t),
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, ticket: Ticket) -> list[str]:
        request = self.context.get("request")
        return allowed_actions(request.user, ticket) if request is not None else []
