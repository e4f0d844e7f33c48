"""« Et si… » on the delivery-policy page: the partner's last three months of tickets
replayed against the area, hours and declined lines of the form, before saving.

One query reads the tickets (their site, service level and product line); the pure
``routing.replay`` does the rest, with the SLA clock's calendars built once per site
calendar. A fixed number of queries whatever the number of tickets.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from partners.departments import department_of_postal_code
from tickets import routing, sla_clock
from tickets.models import Ticket

MONTHS = 3


def past_tickets(partner_id: int, *, since: datetime) -> list[routing.PastTicket]:
    """The partner's tickets opened since ``since``, as the replay reads them (one query;
    ``ticket_partner_opened_idx``)."""
    rows = (
        Ticket.objects.filter(partner_id=partner_id, opened_at__gte=since)
        .order_by()
        .values_list(
            "opened_at",
            "routing_reason",
            "site__postal_code",
            "site__timezone",
            "site__region",
            "offering__coverage",
            "asset__product_line_id",
        )
    )
    return [
        routing.PastTicket(
            opened_at=opened_at,
            routing_reason=reason,
            site_department=department_of_postal_code(postal_code),
            site_timezone=zone,
            site_region=region,
            contract_coverage=coverage,
            product_line_id=line_id,
        )
        for opened_at, reason, postal_code, zone, region, coverage, line_id in rows
    ]


@lru_cache(maxsize=256)
def _calendar(coverage: str, zone: str, region: str) -> sla_clock.Calendar:
    return sla_clock.Calendar(coverage=coverage, timezone=zone, region=region)


def _is_open(coverage: str, zone: str, region: str, at: datetime) -> bool:
    return sla_clock.is_open(_calendar(coverage, zone, region), at)


def window_start(now: datetime) -> datetime:
    return now - relativedelta(months=MONTHS)


def policy_what_if(
    partner_id: int,
    *,
    departments: Iterable[str],
    staffed_coverage: str,
    declined_line_ids: Iterable[int],
    now: datetime,
) -> routing.WhatIf:
    """Where the partner's tickets of the last three months would have gone (one query)."""
    return routing.replay(
        past_tickets(partner_id, since=window_start(now)),
        departments=frozenset(departments),
        staffed_coverage=staffed_coverage,
        declined_line_ids=frozenset(declined_line_ids),
        is_open=_is_open,
    )


def since_day(now: datetime) -> date:
    return window_start(now).date()
