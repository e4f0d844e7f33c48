"""Query-string filters of the ticket endpoints (applied after tenant scoping)."""

from __future__ import annotations

import django_filters.rest_framework as filters
from django.db.models import Q, QuerySet

from servicone.api.filters import IdFilter
from tickets.models import OPEN_STATUSES, Organisation, Status, Ticket


class TicketFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=Status.choices, help_text="One or more statuses (repeat the parameter)."
    )
    delivered_by = filters.ChoiceFilter(choices=Organisation.choices)
    severity = filters.MultipleChoiceFilter(choices=[(i, str(i)) for i in range(1, 5)])
    asset = IdFilter(field_name="asset_id", help_text="Asset id.")
    partner = IdFilter(
        field_name="partner_id", help_text="Partner id (HP staff; a partner sees its own anyway)."
    )
    open = filters.BooleanFilter(
        method="filter_open", help_text="true: not yet resolved; false: resolved or closed."
    )
    cds_queue = filters.BooleanFilter(
        method="filter_cds_queue",
        help_text="true: the CDS queue — open tickets CDS delivers plus partner tickets "
        "flagged for CDS backup (an SLA breach); false: everything else.",
    )

    class Meta:
        model = Ticket
        fields = ["status", "delivered_by", "severity", "asset", "partner", "open", "cds_queue"]

    def filter_open(self, queryset: QuerySet[Ticket], name: str, value: bool) -> QuerySet[Ticket]:
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)

    def filter_cds_queue(
        self, queryset: QuerySet[Ticket], name: str, value: bool
    ) -> QuerySet[Ticket]:
        in_queue = Q(status__in=OPEN_STATUSES) & (
            Q(delivered_by=Organisation.CDS) | Q(cds_backup=True)
        )
        return queryset.filter(in_queue) if value else queryset.exclude(in_queue)
