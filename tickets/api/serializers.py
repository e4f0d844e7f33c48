"""Representations of tickets and of the SLA calculator in the v1 API (``API.md``).

Decisions documented here and in the schema:

* Every instant of a ticket (milestones, SLA deadlines, timeline, segments) is shown
  in the **site's time zone**, with its offset: the customer reads its deadlines on
  its own wall clock. ``sla/calculate/`` answers the same way. Stored in UTC.
* ``partner``, ``customer``, ``site``, ``asset``, ``contract`` and ``offering`` are ids,
  with readable companions (``asset_serial``, ``contract_number``, ``offering_code``…).
* ``routing_message`` follows the request's language (``Accept-Language``; French by
  default); ``routing_reason`` is the machine code.
* ``assigned_engineer`` is ``{kind: partner|cds, id, name}``: ``id`` is a partner
  ``Engineer`` id (``engineers/``) for a partner engineer, a user id for a CDS engineer.
* ``sla`` lists the targets the service level has, in the order response, onsite,
  resolution; ``explanation`` (detail only) says what did not count before the deadline.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from contracts.models import Asset, Offering, Site
from servicone.access import tenant_scope
from servicone.api.tenancy import ScopedPrimaryKeyRelatedField
from servicone.presenters import active_language, is_english
from tickets import dispatch_presenters, selectors, sla_clock
from tickets.assignment import REASON_MAX
from tickets.models import (
    Kind,
    OwnershipSegment,
    PauseReason,
    SlaTarget,
    Ticket,
    TicketEvent,
    TicketPause,
)
from tickets.transitions import allowed_actions


class FieldsBuiltOnce:
    """A model serializer's fields introspected once per class, copied for each instance.

    DRF builds a ModelSerializer's fields from the model on every instance (2 ms for a
    ticket, paid by every answer): the built fields are kept as a template and deep-copied,
    as DRF itself copies declared fields.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        template: dict[str, serializers.Field] | None = cls.__dict__.get("_fields_template")
        if template is None:
            template = super().get_fields()  # type: ignore[misc]
            cls._fields_template = template  # type: ignore[attr-defined]
        return copy.deepcopy(template)


class SiteTimeSerializerMixin:
    """Render every datetime of the object in its site's time zone (nested ones too)."""

    def zone_of(self, instance: Any) -> str:
        raise NotImplementedError

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # DRF renders an aware datetime in the *current* time zone: make it the site's.
        with timezone.override(ZoneInfo(self.zone_of(instance))):
            # (A mixin: the serializer it is mixed into has to_representation.)
            return super().to_representation(instance)  # type: ignore[misc]


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

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, ticket: Ticket) -> list[str]:
        request = self.context.get("request")
        return allowed_actions(request.user, ticket) if request is not None else []


_ASSET_OR_SERIAL = _(
    "Indiquez l'équipement : son identifiant (asset) ou son numéro de série (serial)."
)
_NOT_BOTH = _(
    "Indiquez l'équipement par son identifiant (asset) ou par son numéro de série (serial), "
    "pas les deux."
)
_AMBIGUOUS_SERIAL = _(
    "Plusieurs équipements portent le numéro de série « %(serial)s » (constructeurs : "
    "%(vendors)s) : indiquez celui concerné par son identifiant (asset : %(ids)s)."
)
_SERIAL_NOT_ENTITLED = _(
    "Aucun équipement couvert ne porte le numéro de série « %(serial)s » chez vos clients : "
    "aucun ticket ne peut être ouvert."
)


class TicketOpenSerializer(serializers.Serializer):
    """Opening a ticket; answers with the ticket's full representation.

    The asset is named by its id (``asset``) or, as an integration knows it from the box,
    by its serial number (``serial``): exactly one of the two.
    """

    asset = ScopedPrimaryKeyRelatedField(
        # Joined as opening reads them (tickets.services.ticket_opening skips its reload).
        queryset=Asset.objects.select_related("site", "product_line", "customer"),
        tenant_field="customer__partner",
        required=False,
        help_text="The asset's id: one of the caller's customers' (HP and CDS staff: any). "
        "Another partner's asset: 404. Give `asset` or `serial`, not both.",
    )
    serial = serializers.CharField(
        required=False,
        max_length=64,
        help_text="The asset's serial number instead of its id, read as the ticket page reads "
        "it (surrounding spaces ignored), among the caller's customers' assets (HP and CDS "
        "staff: any). Unknown, another partner's or without active coverage: 400 "
        "`not_entitled` on `serial`; the same serial under two vendors: 400 "
        "`ambiguous_serial` (give `asset`).",
    )
    severity = serializers.IntegerField(
        min_value=1, max_value=4, help_text="1 (critical) to 4 (low)."
    )
    kind = serializers.ChoiceField(choices=Kind.choices)
    summary = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        asset, serial = attrs.get("asset"), attrs.pop("serial", None)
        if asset is None and not serial:
            raise serializers.ValidationError(
                {"asset": [ErrorDetail(str(_ASSET_OR_SERIAL), code="required")]}
            )
        if asset is not None and serial:
            raise serializers.ValidationError(
                {"serial": [ErrorDetail(str(_NOT_BOTH), code="invalid")]}
            )
        if serial:
            attrs["asset"] = self._asset_by_serial(serial)
            attrs["by_serial"] = True
        return attrs

    def _asset_by_serial(self, serial: str) -> Asset:
        """The one covered asset of the caller's with this serial number, as the page finds it."""
        request = self.context["request"]
        sees_all, partner_id = tenant_scope(request.user)
        found = (
            selectors.lookup_serial(serial, None if sees_all else partner_id)
            if sees_all or partner_id is not None
            else []
        )
        # Only a confirmed registration can be covered; two of them: two vendors' boxes.
        registered = [f for f in found if f.asset.is_confirmed]
        if len(registered) > 1:
            message = _AMBIGUOUS_SERIAL % {
                "serial": serial,
                "vendors": ", ".join(f.asset.get_vendor_display() for f in registered),
                "ids": ", ".join(str(f.asset.pk) for f in registered),
            }
            raise serializers.ValidationError(
                {"serial": [ErrorDetail(str(message), code="ambiguous_serial")]}
            )
        covered = [f for f in registered if f.applies is not None]
        if not covered:
            message = _SERIAL_NOT_ENTITLED % {"serial": serial}
            raise serializers.ValidationError(
                {"serial": [ErrorDetail(str(message), code="not_entitled")]}
            )
        return covered[0].asset

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        return TicketDetailSerializer(instance, context=self.context).data


# --- Action bodies ----------------------------------------------------------------------------


class DispatchSerializer(serializers.Serializer):
    engineer = serializers.IntegerField(
        min_value=1,
        help_text="Who goes on site. When the partner delivers: the id of one of the "
        "partner's active engineers (`engineers/`). When CDS delivers: the user id of a CDS "
        "engineer. An id the caller cannot see: 404.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REASON_MAX,
        help_text="Why this engineer goes: required when the partner's engineer is not "
        "certified on the ticket's product line (else 400 `reason_required` on `reason`); "
        "kept on the timeline (`detail.reason`; `detail.certified` is false when not).",
    )


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=2000,
        help_text="The intervention report (what was done), required: kept on the timeline "
        "(`detail.note` of the `resolved` event).",
    )


class PauseRequestSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=PauseReason.choices, help_text="The SLA clock stops until `resume`."
    )


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class HandoverSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text="Why the partner entrusts the ticket to CDS (required)."
    )


# --- SLA calculator --------------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    """A datetime that must carry its UTC offset: a naive one is ambiguous, so refused."""

    default_error_messages = {
        "naive": _(
            "Indiquez le décalage horaire de l'instant (par exemple 2026-11-27T18:00:00+01:00)."
        ),
    }

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class SlaCalculateSerializer(serializers.Serializer):
    offering = serializers.PrimaryKeyRelatedField(
        queryset=Offering.objects.all(), help_text="The offering (service level) id."
    )
    start = AwareDateTimeField(
        help_text="When the ticket would be opened: ISO 8601 with an offset (naive: 400)."
    )
    site = ScopedPrimaryKeyRelatedField(
        queryset=Site.objects.all(),
        tenant_field="customer__partner",
        help_text="The site whose time zone and public holidays apply (another partner's: 404).",
    )


class CalendarSerializer(serializers.Serializer):
    coverage = serializers.CharField()
    timezone = serializers.CharField()
    region = serializers.CharField(help_text='Public-holiday subdivision ("" metropolitan).')


class SlaCalculationSerializer(serializers.Serializer):
    """The deadlines a ticket opened at ``start`` gets, in the site's time zone."""

    offering = serializers.IntegerField()
    offering_code = serializers.CharField()
    site = serializers.IntegerField()
    start = serializers.DateTimeField()
    clock_starts_at = serializers.DateTimeField(
        help_text="``start`` to the minute, or the next opening of the window when closed."
    )
    calendar = CalendarSerializer()
    response_due = serializers.DateTimeField(allow_null=True)
    response_warn = serializers.DateTimeField(allow_null=True)
    onsite_due = serializers.DateTimeField(
        allow_null=True, help_text="Null when the offering has no on-site target."
    )
    onsite_warn = serializers.DateTimeField(allow_null=True)
    onsite_next_business_day = serializers.BooleanField()
    resolution_due = serializers.DateTimeField(
        allow_null=True, help_text="Null when the offering has no resolution target."
    )
    resolution_warn = serializers.DateTimeField(allow_null=True)


# --- Errors (schema only: the shared format of ``servicone.api.exceptions``) ------------------


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class TicketErrorsSerializer(serializers.Serializer):
    # The error format's key is "errors" (a schema-only field over DRF's property).
    errors = ErrorItemSerializer(many=True)  # type: ignore[assignment]


class TicketMuteSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(help_text="The ticket's id.")
    muted = serializers.BooleanField(
        help_text="True while the caller muted the ticket: it notifies them of nothing."
    )


class DispatchCandidateSerializer(serializers.Serializer[Any]):
    """One line of ``tickets/{id}/dispatch-candidates/``, best first (``tickets.dispatch``)."""

    engineer = serializers.IntegerField(
        source="engineer_id",
        help_text="The partner's engineer id (a partner ticket) or the CDS user's (a CDS one).",
    )
    name = serializers.CharField()
    rank = serializers.IntegerField(help_text="1 = best.")
    certified_on_line = serializers.BooleanField(
        allow_null=True, help_text="Null for a CDS engineer (no partner certification)."
    )
    available = serializers.BooleanField(
        help_text="Not absent now; outside the partner's staffed hours, on call."
    )
    department = serializers.CharField(help_text="Home département ('' when not said).")
    open_tickets = serializers.IntegerField()
    rank_reason = serializers.SerializerMethodField(
        help_text="Why the engineer stands there, in the caller's language."
    )
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="The codes of each rule: certification, availability, département.",
    )

    def get_rank_reason(self, candidate: Any) -> str:
        return dispatch_presenters.rank_reason(candidate, self.context["line"])
