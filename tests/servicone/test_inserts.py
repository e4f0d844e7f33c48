"""``servicone.inserts.insert_rows``: plain rows written as ``bulk_create`` would write them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicone.inserts import insert_rows
from tests.tickets.pages import open_ticket
from tickets.models import TicketEvent
from webhooks.models import Event

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
EVENT_FIELDS = ("uid", "type", "partner", "resource_id", "occurred_at", "dedup_key")


def test_rows_read_back_as_the_orm_writes_them(partner, partner_admin):
    ticket = open_ticket(partner, partner_admin)
    detail = {"target": "onsite", "due_at": AT.isoformat(), "hours": str(Decimal("4.50"))}
    insert_rows(
        TicketEvent,
        ("ticket", "at", "event", "actor", "organisation", "detail"),
        [
            (ticket.pk, AT, "sla_warned", None, "system", detail),
            (ticket.pk, AT, "note", partner_admin.pk, "", {}),
        ],
    )
    bulk = TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket=ticket, at=AT, event="sla_warned", organisation="system", detail=detail
            ),
            TicketEvent(ticket=ticket, at=AT, event="note", actor=partner_admin, detail={}),
        ]
    )
    orm_ids = [row.pk for row in bulk]
    plain_ids = TicketEvent.objects.filter(at=AT).exclude(pk__in=orm_ids).values("pk")
    plain, orm = (
        list(
            TicketEvent.objects.filter(pk__in=ids)
            .order_by("pk")
            .values("ticket", "at", "event", "actor", "organisation", "detail")
        )
        for ids in (plain_ids, orm_ids)
    )
    assert plain == orm
    assert plain[0]["at"] == AT  # to the microsecond, in UTC
    assert plain[0]["detail"] == detail
    assert plain[1]["actor"] == partner_admin.pk


def test_a_batch_past_sqlites_parameter_limit_is_written_whole(partner):
    rows = [
        (f"evt_test_{i:05d}", "ticket.updated", partner.pk if i % 2 else None, i, AT, None)
        for i in range(1500)  # 9,000 values
    ]
    before = Event.objects.count()
    insert_rows(Event, EVENT_FIELDS, rows)
    assert Event.objects.count() == before + 1500
    written = Event.objects.filter(uid__startswith="evt_test_").order_by("resource_id")
    assert [(e.uid, e.partner_id, e.resource_id, e.occurred_at) for e in written] == [
        (uid, partner_id, resource, at) for uid, _type, partner_id, resource, at, _key in rows
    ]
    assert {e.dispatched_at for e in written} == {None}  # a column not named: NULL


def test_with_ignore_conflicts_a_row_breaking_a_unique_key_is_skipped_and_the_rest_written(
    partner,
):
    first = ("evt_a", "contract.expiring", partner.pk, 1, AT, "contract:1:expiring:30")
    insert_rows(Event, EVENT_FIELDS, [first])
    again = ("evt_b", "contract.expiring", partner.pk, 1, AT, "contract:1:expiring:30")
    new = ("evt_c", "contract.expiring", partner.pk, 2, AT, "contract:2:expiring:30")
    with CaptureQueriesContext(connection) as queries:
        insert_rows(Event, EVENT_FIELDS, [again, new], ignore_conflicts=True)
    assert len(queries) == 1
    assert sorted(
        Event.objects.filter(dedup_key__startswith="contract:").values_list("uid", flat=True)
    ) == [
        "evt_a",
        "evt_c",
    ]


def test_a_malformed_call_writes_nothing(partner):
    before = Event.objects.count()
    with pytest.raises(ValueError, match="7 values for 6 columns"):
        insert_rows(Event, EVENT_FIELDS, [("evt_x", "ticket.updated", None, 1, AT, None, None)])
    with pytest.raises(ValueError, match="is not a column"):
        insert_rows(Event, ("uid", "payloads"), [("evt_y", None)])
    assert Event.objects.count() == before
    with CaptureQueriesContext(connection) as queries:
        insert_rows(Event, EVENT_FIELDS, [])
    assert len(queries) == 0
