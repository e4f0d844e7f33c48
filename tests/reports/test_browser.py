"""End to end in Chromium: a partner admin reads the scorecard, its charts, in English, and a CSV.

The browser and the live server share the real clock, so the tickets are opened
a few minutes ago: they belong to the current month, the scorecard's default.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import login
from tests.partners.factories import PASSWORD
from tests.tickets.factories import covered_asset
from tickets.services import ticket_acknowledge, ticket_open


@pytest.fixture
def partner_with_tickets(partner, partner_engineer):
    asset = covered_asset(partner)
    opened = timezone.now() - timedelta(minutes=20)
    for i in range(4):
        ticket = ticket_open(
            asset=asset,
            severity=3,
            kind="incident",
            summary="Ventilateur bruyant",
            actor=partner_engineer,
            at=opened + timedelta(minutes=i),
        )
        if i % 2 == 0:
            ticket_acknowledge(
                ticket=ticket, actor=partner_engineer, at=opened + timedelta(minutes=i + 5)
            )
    return partner


@pytest.mark.browser
def test_partner_admin_reads_the_scorecard_charts_in_english_and_downloads_a_csv(
    page, partner_with_tickets, partner_admin
):
    login(page, "p.admin", PASSWORD)
    page.click("nav.mainnav >> text=Fiche de performance")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Fiche de performance — Ovesys Test")

    # The charts are drawn: an SVG image with bars or lines in each chart wrapper.
    for testid in ("chart-sla", "chart-delivery", "chart-tickets-trend", "chart-revenue"):
        svg = page.locator(f"[data-testid={testid}] svg")
        expect(svg).to_have_count(1)
        assert svg.get_attribute("role") == "img"
        assert svg.get_attribute("aria-label")
        assert svg.locator("rect.reactive, path").count() > 0
        box = svg.bounding_box()
        assert box is not None
        assert box["width"] > 200
        assert box["height"] > 50
    expect(page.locator("[data-testid=kpi-partner-share] .kpi")).to_have_text("100,0\u00a0%")

    # Switch to English with the portal's language buttons: the page follows.
    page.click("button[data-lang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    month_title = page.locator("[data-testid=month-title]").inner_text()
    assert month_title == timezone.localdate().strftime("%B %Y")
    delivery = page.locator("[data-testid=table-delivery]")
    expect(delivery.locator("thead th").nth(2)).to_have_text("Partner")
    expect(page.locator("[data-testid=kpi-partner-share] .kpi")).to_have_text("100.0%")
    expect(page.locator("[data-testid=chart-tickets-trend] svg")).to_contain_text("Partner")
    expect(page.locator("h1")).to_have_text("Scorecard — Ovesys Test")
    expect(page.locator("[data-testid=chart-sla] svg")).to_contain_text("Breached")

    # The CSV of the delivery table, English number format.
    with page.expect_download() as info:
        page.click("[data-testid=csv-delivery-en]")
    download = info.value
    month = timezone.localdate().strftime("%Y-%m")
    assert download.suggested_filename == f"scorecard-ovesys-test-{month}-delivery.csv"
    with open(download.path(), encoding="utf-8") as csv_file:
        content = csv_file.read()
    assert not content.startswith("\ufeff")  # the BOM is for the French (Excel FR) format
    header, month_row, _trailing_row = content.splitlines()
    assert header.split(",")[1:4] == ["Tickets", "Partner", "CDS"]
    assert month_row.split(",")[1:4] == ["4", "4", "0"]
