"""The SLA calculator (``sla/calculate/``): its request and its answer, in the site's zone."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from contracts.models import Offering, Site
from servicone.api.tenancy import ScopedPrimaryKeyRelatedField


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
