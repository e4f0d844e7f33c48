"""The scorecard and the dashboard in the API: serializers read the selectors' dataclasses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from reports.periods import BadMonth, Month
from reports.selectors import (
    PendingAccreditation,
    RevenueStanding,
    Scorecard,
    TierAtRisk,
)
from reports.selectors.cds_causes import CAUSES
from servicone.api.ids import ApiIdField
from tickets.api.serializers import TicketErrorsSerializer as ErrorsSerializer  # noqa: F401
from tickets.models import SlaTargetKind


class MonthField(serializers.CharField):
    """``YYYY-MM``; not after the current month."""

    default_error_messages = {
        "invalid_month": _("Indiquez un mois au format AAAA-MM (par exemple 2026-11)."),
        "future_month": _("Ce mois n'a pas encore commencé."),
    }

    def __init__(self, *, latest: Month | Callable[[], Month] | None = None, **kwargs: Any) -> None:
        self.latest = latest
        super().__init__(**kwargs)

    # A string on the wire that validates to a Month: the stubs type CharField's value as str.
    def to_internal_value(self, data: Any) -> Month:  # type: ignore[override]
        try:
            month = Month.parse(str(data))
        except BadMonth:
            self.fail("invalid_month")
        latest = self.latest() if callable(self.latest) else self.latest
        if latest is not None and month > latest:
            self.fail("future_month")
        return month

    def to_representation(self, value: Any) -> str:
        return str(value)


class ScorecardQuerySerializer(serializers.Serializer):
    partner = ApiIdField(
        required=False,
        help_text="Partner id. Partner users may omit it (their own); HP staff must give it.",
    )
    month = MonthField(required=False, help_text="YYYY-MM, Europe/Paris; default: this month.")


class ProgrammeQuerySerializer(serializers.Serializer):
    month = MonthField(required=False, help_text="YYYY-MM, Europe/Paris; default: this month.")


class TargetComplianceSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=SlaTargetKind.choices)
    # A declared field (DRF's metaclass pops it from the class), not Field.label as the stubs think.
    label = serializers.CharField()  # type: ignore[assignment]
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    running = serializers.IntegerField(
        help_text="Not met nor breached yet: running, warned, paused."
    )
    total = serializers.IntegerField()
    compliance_pct = serializers.FloatField(
        allow_null=True, help_text="met / (met + breached) in per cent; null when both are 0."
    )


class DurationsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Tickets where the event happened.")
    median_minutes = serializers.FloatField(allow_null=True)
    p90_minutes = serializers.FloatField(allow_null=True)


class ReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["routing", "handover", "fallback"])
    code = serializers.CharField()
    # A declared field (DRF's metaclass pops it from the class), not Field.label as the stubs think.
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class CdsCauseSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=list(CAUSES),
        help_text="area, hours, declined_line, capacity (the partner's delivery policy); "
        "tier, certification (the programme's rules); contract; handover; fallback.",
    )
    # A declared field (DRF's metaclass pops it from the class), not Field.label as the stubs think.
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    pct = serializers.FloatField(allow_null=True, help_text="Of the tickets CDS delivers.")


class DeliverySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    partner = serializers.IntegerField()
    cds = serializers.IntegerField()
    cds_routed = serializers.IntegerField(help_text="Routed to CDS when opened.")
    handed_over = serializers.IntegerField(help_text="Handed over to CDS by the partner.")
    fallen_back = serializers.IntegerField(help_text="Fell back to CDS: ownership window elapsed.")
    cds_backup = serializers.IntegerField(help_text="Partner tickets CDS was asked to back up.")
    partner_pct = serializers.FloatField(allow_null=True)
    cds_pct = serializers.FloatField(allow_null=True)
    handed_over_pct = serializers.FloatField(allow_null=True)
    fallen_back_pct = serializers.FloatField(allow_null=True)
    reasons = ReasonSerializer(many=True)
    cds_by_cause = CdsCauseSerializer(
        many=True, source="causes", help_text="The CDS share split by cause."
    )


class WindowSerializer(serializers.Serializer):
    first_month = serializers.CharField(source="first")
    last_month = serializers.CharField(source="last")
    sla = TargetComplianceSerializer(many=True)
    ownership = DurationsSerializer()
    onsite_arrival = DurationsSerializer(source="arrival")
    tickets_by_organisation = DeliverySerializer(source="delivery")
    credits_used = serializers.IntegerField()
    preventive_services = serializers.IntegerField()


class MonthPointSerializer(serializers.Serializer):
    month = serializers.CharField()
    tickets = serializers.IntegerField()
    partner = serializers.IntegerField()
    cds = serializers.IntegerField()
    handed_over = serializers.IntegerField()
    fallen_back = serializers.IntegerField()
    sla = TargetComplianceSerializer(many=True)


class ExpiringCertificationSerializer(serializers.Serializer):
    engineer = serializers.CharField()
    course_code = serializers.CharField()
    course = serializers.CharField()
    expires_on = serializers.DateField()
    days_left = serializers.IntegerField()


class TierRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RevenueSerializer(serializers.Serializer):
    revenue_12m_eur = serializers.DecimalField(max_digits=14, decimal_places=2)
    as_of = serializers.DateField()
    tier = serializers.SerializerMethodField()
    tier_threshold_eur = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    next_tier = serializers.SerializerMethodField()
    next_threshold_eur = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    missing_for_next_eur = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True
    )

    def get_tier(self, obj: RevenueStanding) -> dict[str, str] | None:
        # Code and name come from the same tier: both or neither.
        if not obj.tier_code or obj.tier_name is None:
            return None
        return {"code": obj.tier_code, "name": obj.tier_name}

    def get_next_tier(self, obj: RevenueStanding) -> dict[str, str] | None:
        if not obj.next_tier_code or obj.next_tier_name is None:
            return None
        return {"code": obj.next_tier_code, "name": obj.next_tier_name}


class ScorecardSerializer(serializers.Serializer):
    """The month's figures at the top level, the trailing 12 months and the series beside them."""

    partner = serializers.SerializerMethodField()
    month = serializers.CharField()
    generated_on = serializers.DateField(source="today")
    sla = TargetComplianceSerializer(many=True, source="month_figures.sla")
    median_ownership_minutes = serializers.FloatField(
        allow_null=True, source="month_figures.ownership.median_minutes"
    )
    p90_ownership_minutes = serializers.FloatField(
        allow_null=True, source="month_figures.ownership.p90_minutes"
    )
    ownership = DurationsSerializer(source="month_figures.ownership")
    onsite_arrival = DurationsSerializer(source="month_figures.arrival")
    tickets_by_organisation = DeliverySerializer(source="month_figures.delivery")
    credits_used = serializers.IntegerField(source="month_figures.credits_used")
    preventive_services = serializers.IntegerField(source="month_figures.preventive_services")
    credits_balance = serializers.IntegerField()
    expiring_certifications = ExpiringCertificationSerializer(many=True)
    revenue = RevenueSerializer()
    trailing_12_months = WindowSerializer(source="trailing")
    monthly = MonthPointSerializer(many=True, source="series")

    def get_partner(self, obj: Scorecard) -> dict[str, Any]:
        return {"id": obj.partner_id, "name": obj.partner_name}


class TierCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rank = serializers.IntegerField()
    holding = serializers.IntegerField(help_text="Partners at exactly this tier.")
    at_least = serializers.IntegerField(help_text="Partners at this tier or above.")


class TierMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    on = serializers.DateField()
    tiers = TierCountSerializer(many=True)


class PartnerRefMixin:
    """``partner`` as ``{id, name}`` from the row's ``partner_id`` and ``partner`` (its name)."""

    def get_partner(self, obj: PendingAccreditation | TierAtRisk) -> dict[str, Any]:
        return {"id": obj.partner_id, "name": obj.partner}


class PendingAccreditationSerializer(PartnerRefMixin, serializers.Serializer):
    id = serializers.IntegerField()
    partner = serializers.SerializerMethodField()
    tier = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    age_days = serializers.IntegerField()


class OrganisationComplianceSerializer(serializers.Serializer):
    organisation = serializers.CharField(help_text="partner or cds")
    partner_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    tickets = serializers.IntegerField()
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    compliance_pct = serializers.FloatField(allow_null=True)
    sla = TargetComplianceSerializer(many=True)


class TierAtRiskSerializer(PartnerRefMixin, serializers.Serializer):
    partner = serializers.SerializerMethodField()
    tier = serializers.SerializerMethodField()
    at_risk_on = serializers.DateField()
    days_left = serializers.IntegerField()
    reason = serializers.CharField()

    def get_tier(self, obj: TierAtRisk) -> dict[str, str]:
        return {"code": obj.tier_code, "name": obj.tier}


class DashboardSerializer(serializers.Serializer):
    month = serializers.CharField()
    generated_on = serializers.DateField(source="today")
    tiers_over_time = TierMonthSerializer(many=True)
    pending_accreditations = PendingAccreditationSerializer(many=True, source="pending")
    sla_by_organisation = OrganisationComplianceSerializer(many=True, source="organisations")
    tiers_at_risk = TierAtRiskSerializer(many=True, source="at_risk")
    monthly = MonthPointSerializer(many=True, source="series")
