"""HP sees why tickets come back: the CDS share split by cause, on the scorecard, the
programme dashboard, their CSV and the scorecard API (issue 16)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reports import tables
from reports.periods import Month
from reports.selectors import partner_scorecard, programme_dashboard
from tests.reports.factories import coverage_for, ticket_with

PARIS = ZoneInfo("Europe/Paris")
NOVEMBER = Month(2026, 11)
BOM = "\ufeff"


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(paris(2026, 11, 26, 10, 0), tick=False):
        yield


@pytest.fixture
def november(partner):
    """One CDS ticket per cause, two for the area, and two the partner delivers."""
    cover = coverage_for(partner)
    day = paris(2026, 11, 5, 9)
    for reason in (
        "outside_delivery_area",
        "outside_delivery_area",
        "outside_staffed_hours",
        "product_line_declined",
        "capacity_reached",
        "tier_not_authorised",
        "complex_requires_expert",
        "no_certified_engineer",
        "contract_delivery_cds",
    ):
        ticket_with(cover, opened_at=day, delivered_by="cds", routing_reason=reason)
    ticket_with(cover, opened_at=day, delivered_by="cds", handed_over=30, handover_reason="Pièces")
    ticket_with(cover, opened_at=day, delivered_by="cds", fell_back=120)
    ticket_with(cover, opened_at=day)
    # Handed back at the partner's opening: the partner's, not CDS's.
    ticket_with(cover, opened_at=day, routing_reason="outside_staffed_hours")
    return cover


EXPECTED = {
    "area": 2,
    "hours": 1,
    "declined_line": 1,
    "capacity": 1,
    "tier": 2,
    "certification": 1,
    "contract": 1,
    "handover": 1,
    "fallback": 1,
}


def test_the_scorecard_splits_the_cds_share_by_cause(november, partner):
    card = partner_scorecard(partner, NOVEMBER, today=paris(2026, 11, 26).date())
    causes = {c.code: c.count for c in card.month_figures.delivery.causes}
    assert causes == EXPECTED
    assert sum(causes.values()) == card.month_figures.delivery.cds == 11
    area = next(c for c in card.month_figures.delivery.causes if c.code == "area")
    assert (area.label, area.pct) == ("Zone d'intervention", 18.2)


def test_the_dashboard_splits_the_months_cds_share_by_cause(november, partner):
    board = programme_dashboard(
        NOVEMBER, today=paris(2026, 11, 26).date(), now=paris(2026, 11, 26, 10)
    )
    assert {c.code: c.count for c in board.cds_causes} == EXPECTED


def test_the_scorecard_csv_has_the_causes_after_the_reasons(november, partner):
    card = partner_scorecard(partner, NOVEMBER, today=paris(2026, 11, 26).date())
    slugs = [t.slug for t in tables.scorecard_report_tables(card)]
    assert slugs[slugs.index("reasons") + 1] == "cds-causes"


def test_pages_and_csv_show_the_causes(client, november, partner, partner_admin, programme_manager):
    client.force_login(partner_admin)
    page = client.get("/reports/scorecard/?month=2026-11").content.decode()
    assert "Part du CDS par cause" in page
    csv = client.get("/reports/scorecard/?month=2026-11&export=cds-causes&numbers=fr")
    lines = csv.content.decode().removeprefix(BOM).splitlines()
    assert lines[0] == "Période;Cause;Tickets;Part des tickets du CDS (%)"
    assert "Mois;Zone d'intervention;2;18,2" in lines
    assert "Mois;Heures ouvrées;1;9,1" in lines
    client.force_login(programme_manager)
    board = client.get("/reports/programme/?month=2026-11&export=cds-causes&numbers=en")
    # English numbers (the separator and the decimal point); the headers follow the page.
    assert "Mois,Capacité atteinte,1,9.1" in board.content.decode().splitlines()


def test_the_scorecard_api_gives_the_causes(admin_api, november, partner):
    body = admin_api.get("/api/v1/reports/scorecard/?month=2026-11").json()
    causes = body["tickets_by_organisation"]["cds_by_cause"]
    assert [c["code"] for c in causes] == list(EXPECTED)
    assert {c["code"]: c["count"] for c in causes} == EXPECTED
