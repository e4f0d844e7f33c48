"""``servicone.api.filters.FilterBackend``: the filter set runs when a filter is named, only."""

from __future__ import annotations

import django_filters
from django.http import QueryDict

from servicone.api.filters import _names_a_filter
from tickets.api.filters import TicketFilter
from tickets.models import Ticket


class _Ranged(django_filters.FilterSet):
    opened = django_filters.DateFromToRangeFilter(field_name="opened_at")

    class Meta:
        model = Ticket
        fields: list[str] = []


def test_a_parameter_names_a_filter_or_one_of_its_parts():
    assert _names_a_filter(QueryDict("status=opened"), TicketFilter)
    assert _names_a_filter(QueryDict("page=2&cds_queue=true"), TicketFilter)
    assert _names_a_filter(QueryDict("opened_after=2026-01-01"), _Ranged)
    # Paging, formats and unknown parameters are no filter's: the filter set is not built,
    # as it would have filtered and refused nothing.
    assert not _names_a_filter(QueryDict("page=2&page_size=5&format=json&foo=1"), TicketFilter)
    assert not _names_a_filter(QueryDict(""), TicketFilter)
