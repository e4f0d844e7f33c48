"""Every ticket list page keeps its plan as the table grows (issue 14), on PostgreSQL.

Each page runs at two table sizes (a few thousand closed tickets, then fifty thousand);
every query of it that reads tickets is explained (``EXPLAIN (FORMAT JSON)``): it reaches
the tickets through an index at both sizes, the same way, and never sorts the whole
table (a sort only above a bounded input: an index scan that stops at the page, the
open tickets, a group of them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicone.access import StaffRole
from tests.conftest import token_client
from tests.partners.factories import staff_user
from tests.tickets.pages import cds_ticket, open_ticket

pytestmark = pytest.mark.postgres

SMALL, LARGE = 5_000, 50_000
TICKETS = '"tickets_ticket"'


def _add_closed_tickets(template_id: int, count: int, start: int) -> None:
    """``count`` closed tickets like ``template_id``, one a minute further back, with targets."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_ticket
              (number, partner_id, customer_id, site_id, asset_id, contract_id, offering_id,
               severity, kind, summary, description, status, status_before_pause, pause_reason,
               delivered_by, routing_reason, routing_messages, escalation_level, cds_backup,
               opened_at, closed_at, sla_version, updated_at)
            SELECT 'P-' || g, partner_id, customer_id, site_id, asset_id, contract_id,
                   offering_id, severity, kind, summary, '', 'closed', '', '', delivered_by,
                   routing_reason, routing_messages, 1, false,
                   opened_at - g * interval '1 minute', opened_at, 1, now()
            FROM tickets_ticket, generate_series(%s, %s) AS g WHERE id = %s
            """,
            [start, start + count - 1, template_id],
        )
        cursor.execute(
            """
            INSERT INTO tickets_slatarget
              (ticket_id, target, hours, next_business_day, enforced, state, version)
            SELECT t.id, k.kind, 4, false, true, 'met', 1
            FROM tickets_ticket t CROSS JOIN (VALUES ('response'), ('onsite'), ('resolution'))
                 AS k(kind)
            WHERE t.number LIKE 'P-%%' AND NOT EXISTS
                  (SELECT 1 FROM tickets_slatarget s WHERE s.ticket_id = t.id)
            """
        )
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("ANALYZE tickets_slatarget")


# How a plan may reach the tickets: through an index (read in its order, or as a bitmap),
# or, under a Limit only, as the rows come (a bounded count).
ACCESS_SHAPE = {
    "Index Scan": "index",
    "Index Only Scan": "index",
    "Bitmap Heap Scan": "index",
    "Seq Scan": "bounded scan",
}


def _nodes(plan: dict[str, Any], above: tuple[str, ...] = ()) -> Iterator[tuple[dict, tuple]]:
    yield plan, above
    for child in plan.get("Plans", []):
        yield from _nodes(child, (*above, plan["Node Type"]))


def _ticket_access(sql: str, params: Any) -> list[str]:
    """How the statement reaches the tickets table: one entry per scan of it."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        (raw,) = cursor.fetchone()
    plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
    access = []
    for node, above in _nodes(plan):
        if node.get("Relation Name") != "tickets_ticket":
            continue
        if node["Node Type"] == "Seq Scan":
            # Only a count that stops at a bound may read the table as it comes.
            assert "Limit" in above, f"whole-table scan of tickets:\n{sql}"
        # The shape, not the index's name: the planner may pick another index of the
        # tickets (the partner's open tickets, or all open ones newest first) as its
        # statistics change; what must hold is that it goes through one.
        access.append(ACCESS_SHAPE.get(node["Node Type"], node["Node Type"]))
    for node, _above in _nodes(plan):
        if node["Node Type"] == "Sort":
            below = [n for n, _ in _nodes(node)]
            whole = [
                n
                for n in below
                if n.get("Relation Name") == "tickets_ticket" and n["Node Type"] == "Seq Scan"
            ]
            assert not whole, f"sort of the whole tickets table:\n{sql}"
    return access


def _shape(client: Any, path: str) -> list[list[str]]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [
        _ticket_access(query["sql"], None)
        for query in captured.captured_queries
        if TICKETS in query["sql"] and query["sql"].startswith("SELECT")
    ]


@pytest.mark.django_db(transaction=False)
def test_every_ticket_list_keeps_its_plan_from_thousands_to_tens_of_thousands_of_tickets(
    client, partner, partner_admin, programme_manager
):
    dispatcher = staff_user(StaffRole.CDS_DISPATCHER, username="cds.plans")
    template = open_ticket(partner, partner_admin)
    for _ in range(3):
        open_ticket(partner, partner_admin)
        cds_ticket(partner, partner_admin)
    pages = {
        "partner /tickets/": (partner_admin, "/tickets/"),
        "HP /tickets/": (programme_manager, "/tickets/"),
        "HP /tickets/?state=": (programme_manager, "/tickets/?state="),
        "HP /tickets/?state=closed": (programme_manager, "/tickets/?state=closed"),
        "/tickets/cds/": (dispatcher, "/tickets/cds/"),
    }
    api = {
        "API tickets/ (partner)": (token_client(partner_admin), "/api/v1/tickets/?page_size=50"),
        "API tickets/ (HP)": (token_client(programme_manager), "/api/v1/tickets/?page_size=50"),
        "API tickets/ page 3": (
            token_client(programme_manager),
            "/api/v1/tickets/?page_size=50&page=3",
        ),
    }

    def shapes() -> dict[str, list[list[str]]]:
        found = {}
        for label, (user, path) in pages.items():
            client.force_login(user)
            found[label] = _shape(client, path)
        for label, (api_client, path) in api.items():
            found[label] = _shape(api_client, path)
        return found

    _add_closed_tickets(template.pk, SMALL, 1)
    small = shapes()
    _add_closed_tickets(template.pk, LARGE - SMALL, SMALL + 1)
    large = shapes()
    for label in small:
        assert small[label] == large[label], label
        assert any(small[label]), f"{label} reads no tickets"
